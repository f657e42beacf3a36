"""Runs: read one, follow its progress over graphql-transport-ws."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from sqlalchemy import select

from graphql_api import models
from graphql_api.errors import NotFound
from graphql_api.jobs import wait_for_run
from graphql_api.jobs.runs import FINAL_RUN_STATUSES
from resolvers.context import Info
from resolvers.ids import parse_global_id
from resolvers.loaders import load_one

PROGRESS_POLL_SECONDS = 0.5
"""How often ``runProgress`` reads the run; it sends an event only when something changed."""


async def run_by_id(
    info: Info, global_id: str, type_names: tuple[str, ...], kind: models.RunKind | None = None
) -> models.Run | None:
    """A run of the caller's workspace by a global id of one of ``type_names`` (and of
    ``kind`` when given); null for unknown ids, other kinds and other workspaces."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in type_names:
        return None
    row = await load_one(info.context, models.Run, parsed[1])
    if row is None or (kind is not None and row.kind is not kind):
        return None
    return row


async def finished_or_running(info: Info, run_id: int) -> models.Run:
    """The run after waiting up to ``run_wait_seconds`` for it to finish."""
    state = info.context.state
    return await wait_for_run(state.sessionmaker, run_id, state.settings.run_wait_seconds)


def _fingerprint(row: models.Run) -> tuple[object, ...]:
    return (row.status, row.progress_done, row.progress_total, row.counts, len(row.problems))


async def run_progress(
    info: Info, global_id: str
) -> AsyncGenerator[models.Run | NotFound, None]:
    """The run now, then after every change, until (and including) its final state; a
    ``NotFound`` (then the end) when it is not in the caller's workspace."""
    workspace_id = info.context.workspace_id
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != "Run":
        yield NotFound(f"No Run with id {global_id!r}.", field="id")
        return
    last: tuple[object, ...] | None = None
    while True:
        # A fresh session per read: a long-lived one would hold a connection for the whole
        # subscription.
        async with info.context.session() as session:
            row = await session.scalar(
                select(models.Run).where(
                    models.Run.id == parsed[1], models.Run.workspace_id == workspace_id
                )
            )
        if row is None:
            yield NotFound(f"No Run with id {global_id!r}.", field="id")
            return
        fingerprint = _fingerprint(row)
        if fingerprint != last:
            last = fingerprint
            yield row
        if row.status in FINAL_RUN_STATUSES:
            return
        await asyncio.sleep(PROGRESS_POLL_SECONDS)
