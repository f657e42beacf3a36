"""Relay plumbing: the ``Node`` interface, global ids and keyset-paginated connections."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from graphql_api.errors import NotFound

MAX_PAGE_SIZE = 100

T = TypeVar("T")


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    """``base64("Customer:42")``: opaque to clients, tells us the type."""
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode())


def from_global_id(global_id: str, *, field: str = "id") -> tuple[str, int]:
    """Split a global id; a malformed one is reported like an unknown id."""
    try:
        type_name, _, raw_pk = base64.urlsafe_b64decode(global_id.encode()).decode().partition(":")
        return type_name, int(raw_pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound(f"No object with id {global_id!r}.", field=field) from None


def decode_id(global_id: str, expected: str | Sequence[str], *, field: str = "id") -> int:
    """The primary key inside a global id of the expected type(s)."""
    type_name, pk = from_global_id(global_id, field=field)
    allowed = (expected,) if isinstance(expected, str) else tuple(expected)
    if type_name not in allowed:
        raise NotFound(f"No {' or '.join(allowed)} with id {global_id!r}.", field=field)
    return pk


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque id.")


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more items follow this page.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items in a stable order.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    # Counting costs a query of its own, so it only runs when `totalCount` is selected.
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match the filter, over all pages.")
    async def total_count(self) -> int:
        return await self.count()


def encode_cursor(values: Sequence[Any]) -> str:
    """Keyset cursor: the sort key of the last item, JSON in base64."""
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def decode_cursor(cursor: str) -> list[Any]:
    """The sort key inside a cursor; a malformed cursor is an input error."""
    from graphql_api.errors import InvalidInput

    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error):
        raise InvalidInput(
            "That cursor is not valid; use a pageInfo.endCursor.", field="after"
        ) from None
    if not isinstance(values, list):
        raise InvalidInput("That cursor is not valid; use a pageInfo.endCursor.", field="after")
    return values


def check_first(first: int) -> int:
    """Page sizes are 1–100."""
    from graphql_api.errors import InvalidInput

    if first < 1 or first > MAX_PAGE_SIZE:
        raise InvalidInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}.", field="first")
    return first
