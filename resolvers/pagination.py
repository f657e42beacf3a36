"""Keyset pagination over a filtered SELECT: a ``Page`` of rows the schema's ``Connection``
types show as they are (edges, pageInfo, and ``totalCount`` counted only when selected)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from graphql_api.errors import InvalidInput
from resolvers.context import Context
from resolvers.ids import BAD_CURSOR, decode_cursor, encode_cursor

M = TypeVar("M")

MAX_PAGE_SIZE = 100
"""``first`` is 1–100 on every list (the field descriptions say so)."""


@dataclass(frozen=True)
class Edge(Generic[M]):
    """One row of a page and its cursor."""

    cursor: str
    node: M


@dataclass(frozen=True)
class PageInfo:
    """Where a page ends (Relay's PageInfo; lists page forwards only)."""

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of rows in keyset order; ``count`` totals the filter (a query of its own)."""

    edges: list[Edge[M]]
    page_info: PageInfo
    count: Callable[[], Awaitable[int]]


def check_first(first: int) -> int:
    """Page sizes are 1–100."""
    if first < 1 or first > MAX_PAGE_SIZE:
        raise InvalidInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}.", field="first")
    return first


async def paginate(
    context: Context,
    stmt: Select[Any],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    first: int,
    after: str | None,
    descending: bool = False,
    preload: Callable[[AsyncSession, list[Any]], Awaitable[None]] | None = None,
) -> Page[Any]:
    """One page after ``after`` in ``keys`` order (the last key must be unique, e.g. id).

    ``preload(session, rows)`` runs in the page's own session right after the page query, for
    the page's relations (one checkout per list request instead of one per loader batch).
    """
    check_first(first)
    count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    page_stmt = stmt
    if after is not None:
        values = decode_cursor(after)
        if len(values) != len(keys):
            raise InvalidInput("That cursor does not fit this list.", field="after")
        keyset = tuple_(*keys)
        bound = tuple_(*(_typed(key, value) for key, value in zip(keys, values, strict=True)))
        page_stmt = page_stmt.where(keyset < bound if descending else keyset > bound)
    ordering = [key.desc() for key in keys] if descending else list(keys)
    page_stmt = page_stmt.order_by(*ordering).limit(first + 1)
    async with context.session() as session:
        rows = list((await session.scalars(page_stmt)).all())
        has_next = len(rows) > first
        rows = rows[:first]
        if preload is not None and rows:
            await preload(session, rows)
    names = [key.key for key in keys]
    edges = [
        Edge(cursor=encode_cursor([getattr(row, name) for name in names]), node=row)
        for row in rows
    ]

    async def count() -> int:
        async with context.session() as session:
            return int(await session.scalar(count_stmt) or 0)

    return Page(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            # Forward keyset pages: a cursor came from an item before this page.
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )


def _typed(key: InstrumentedAttribute[Any], value: Any) -> ColumnElement[Any]:
    """A cursor value bound with its column's type (dates travel as ISO strings)."""
    try:
        python_type = key.type.python_type
        if python_type is dt.datetime and isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        elif python_type is dt.date and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif python_type is int:
            value = int(value)
    except (ValueError, TypeError):
        raise InvalidInput(BAD_CURSOR, field="after") from None
    return literal(value, type_=key.type)
