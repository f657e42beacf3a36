"""Helpers the domain resolvers share: input unpacking, id decoding, error mapping."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import DomainError
from graphql_api.services.auth import Caller
from resolvers.context import Info
from schema.errors import Error, to_error
from schema.relay import decode_id

T = TypeVar("T")

FIRST = Annotated[int, strawberry.argument(description="Page size, 1–100.")]
AFTER = Annotated[
    str | None, strawberry.argument(description="Cursor to continue after (`endCursor`).")
]


def provided(input: object, *, exclude: Iterable[str] = ("id",)) -> dict[str, Any]:
    """The input fields the client sent, by snake_case name (omitted ones are left out)."""
    skip = set(exclude)
    return {
        field.name: getattr(input, field.name)
        for field in dataclasses.fields(input)  # type: ignore[arg-type]
        if field.name not in skip and getattr(input, field.name) is not strawberry.UNSET
    }


def decode_ids(values: dict[str, Any], types: dict[str, str], *, prefix: str = "") -> None:
    """Replace global ids in ``values`` (e.g. ``project_id``) by primary keys, in place."""
    for key, type_name in types.items():
        if key in values and values[key] is not None:
            values[key] = decode_id(values[key], type_name, field=prefix + _camel(key))


def optional_id(global_id: strawberry.ID | None, type_name: str, field: str) -> int | None:
    """A filter id as primary key, or None when not given."""
    return None if global_id is None else decode_id(global_id, type_name, field=field)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def caller(info: Info) -> Caller:
    """The authenticated caller (permission classes guarantee there is one)."""
    assert info.context.caller is not None
    return info.context.caller


async def mutate(
    info: Info, change: Callable[[AsyncSession], Awaitable[T]]
) -> T | Error:
    """Run ``change`` in one transaction; a domain error rolls it all back and is returned."""
    try:
        async with info.context.transaction() as session:
            return await change(session)
    except DomainError as exc:
        return to_error(exc)


async def query(read: Awaitable[T]) -> T:
    """A read whose domain errors (a bad cursor or page size) are client mistakes, not faults."""
    try:
        return await read
    except DomainError as exc:
        raise GraphQLError(
            exc.message, extensions={"code": exc.code, "field": exc.field}
        ) from None
