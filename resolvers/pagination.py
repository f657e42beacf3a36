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


@dataclass(frozen=True)
class Listing:
    """What a list shows: its filtered SELECT and keyset order (the last key unique, e.g.
    id). Both read paths page it: ``paginate`` here, and the compiled reads
    (``schema.compiled``) inside their one statement."""

    stmt: Select[Any]
    keys: Sequence[InstrumentedAttribute[Any]]
    descending: bool = False

    def ordering(self) -> list[ColumnElement[Any]]:
        """The keys as ORDER BY terms."""
        return [key.desc() if self.descending else key.asc() for key in self.keys]

    def page(self, first: int, after: str | None) -> Select[Any]:
        """The rows after ``after`` in key order, ``first`` + 1 of them (the extra row says
        there is a next page); a bad ``first`` or cursor is an ``InvalidInput``."""
        check_first(first)
        stmt = self.stmt
        if after is not None:
            values = decode_cursor(after)
            if len(values) != len(self.keys):
                raise InvalidInput("That cursor does not fit this list.", field="after")
            keyset = tuple_(*self.keys)
            bound = tuple_(
                *(_typed(key, value) for key, value in zip(self.keys, values, strict=True))
            )
            stmt = stmt.where(keyset < bound if self.descending else keyset > bound)
        return stmt.order_by(*self.ordering()).limit(first + 1)

    def count(self) -> Select[Any]:
        """How many rows match the filter, over all pages."""
        return select(func.count()).select_from(self.stmt.order_by(None).subquery())


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
    """One page after ``after`` in ``keys`` order (see ``paginate_listing``)."""
    listing = Listing(stmt, keys, descending)
    return await paginate_listing(context, listing, first=first, after=after, preload=preload)


async def paginate_listing(
    context: Context,
    listing: Listing,
    *,
    first: int,
    after: str | None,
    preload: Callable[[AsyncSession, list[Any]], Awaitable[None]] | None = None,
) -> Page[Any]:
    """One page of ``listing`` after ``after``.

    ``preload(session, rows)`` runs in the page's own session right after the page query, for
    the page's relations (one checkout per list request instead of one per loader batch).
    """
    page_stmt = listing.page(first, after)
    count_stmt = listing.count()
    async with context.session() as session:
        rows = list((await session.scalars(page_stmt)).all())
        has_next = len(rows) > first
        rows = rows[:first]
        if preload is not None and rows:
            await preload(session, rows)
    names = [key.key for key in listing.keys]
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
