"""Fixtures for job tests: procrastinate's tables emptied, the state's job runner open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner, open_jobs

PROCRASTINATE_TABLES = (
    "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
    "procrastinate_workers"
)


@pytest.fixture
async def jobs(state: AppState) -> AsyncIterator[JobRunner]:
    """An open job runner on an empty queue (the ``state`` fixture only empties our tables)."""
    async with state.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {PROCRASTINATE_TABLES} RESTART IDENTITY CASCADE"))
    async with open_jobs(state) as runner:
        yield runner
