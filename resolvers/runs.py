"""Resolvers of runs: read a run, follow its progress over graphql-transport-ws."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select

from graphql_api import models
from graphql_api.errors import NotFound
from graphql_api.jobs.runs import FINAL_RUN_STATUSES
from resolvers.context import Info
from resolvers.loaders import load_one
from schema.errors import NotFoundError, to_error
from schema.relay import decode_id
from schema.runs import types

if TYPE_CHECKING:
    from schema.tenancy.types import User

RUN_ID = Annotated[strawberry.ID, strawberry.argument(description="Global id of the run.")]

PROGRESS_POLL_SECONDS = 0.5
"""How often ``runProgress`` reads the run; it sends an event only when something changed."""


async def run(info: Info, id: RUN_ID) -> types.Run | None:
    """A run of the caller's workspace (null for unknown ids and other workspaces)."""
    try:
        pk = decode_id(id, "Run")
    except NotFound:
        return None
    row = await load_one(info.context, models.Run, pk)
    return types.Run.from_model(row) if row is not None else None


async def resolve_started_by(info: Info, user_pk: int | None) -> User | None:
    """The user who started a run, through the request's user loader."""
    from schema.tenancy.types import User

    if user_pk is None:
        return None
    row = await load_one(info.context, models.User, user_pk)
    return User.from_model(row) if row is not None else None


def _fingerprint(row: models.Run) -> tuple[object, ...]:
    return (row.status, row.progress_done, row.progress_total, row.counts, len(row.problems))


async def run_progress(
    info: Info, id: RUN_ID
) -> AsyncGenerator[types.Run | NotFoundError, None]:
    """The run now, then after every change, until (and including) its final state."""
    workspace_id = info.context.workspace_id
    try:
        pk = decode_id(id, "Run")
    except NotFound as exc:
        yield to_error(exc)  # type: ignore[misc]
        return
    last: tuple[object, ...] | None = None
    while True:
        # A fresh session per read: a long-lived one would hold a connection for the whole
        # subscription.
        async with info.context.session() as session:
            row = await session.scalar(
                select(models.Run).where(
                    models.Run.id == pk, models.Run.workspace_id == workspace_id
                )
            )
        if row is None:
            yield NotFoundError(code="NOT_FOUND", message=f"No Run with id {id!r}.", field="id")
            return
        fingerprint = _fingerprint(row)
        if fingerprint != last:
            last = fingerprint
            yield types.Run.from_model(row)
        if row.status in FINAL_RUN_STATUSES:
            return
        await asyncio.sleep(PROGRESS_POLL_SECONDS)
