"""Keyset pagination over a filtered SELECT, producing a ``Connection``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from resolvers.context import Context
from schema.relay import Connection, Edge, PageInfo, check_first, decode_cursor, encode_cursor

M = TypeVar("M")
N = TypeVar("N")


async def paginate(
    context: Context,
    stmt: Select[Any],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    first: int,
    after: str | None,
    to_node: Callable[[M], N],
    descending: bool = False,
    preload: Callable[[AsyncSession, list[Any]], Awaitable[None]] | None = None,
) -> Connection[N]:
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
            from graphql_api.errors import InvalidInput

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
    edges = [
        Edge(cursor=encode_cursor([getattr(row, key.key) for key in keys]), node=to_node(row))
        for row in rows
    ]

    async def count() -> int:
        async with context.session() as session:
            return int(await session.scalar(count_stmt) or 0)

    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
        count=count,
    )


def _typed(key: InstrumentedAttribute[Any], value: Any) -> ColumnElement[Any]:
    """A cursor value bound with its column's type (dates travel as ISO strings)."""
    from graphql_api.errors import InvalidInput

    try:
        python_type = key.type.python_type
        if python_type is dt.datetime and isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        elif python_type is dt.date and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif python_type is int:
            value = int(value)
    except (ValueError, TypeError):
        raise InvalidInput(
            "That cursor is not valid; use a pageInfo.endCursor.", field="after"
        ) from None
    return literal(value, type_=key.type)
