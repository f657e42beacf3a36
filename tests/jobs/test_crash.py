"""A worker process killed mid-run (SIGKILL): the run is resumed or failed, never stuck.

The worker runs in a subprocess (``tests/jobs/worker_process.py``) with the blocking test
handler; the test kills it once the run recorded its first step.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphql_api.app import AppState
from graphql_api.jobs import override_handler, start_run
from graphql_api.jobs.reaper import gave_up_message
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Run, RunStatus
from tests.conftest import Member
from tests.jobs import handlers
from tests.jobs.handlers import TEST_KIND

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def test_handler() -> Iterator[None]:
    with override_handler(TEST_KIND, handlers.steps):
        yield


async def start(state: AppState, member: Member, params: dict[str, Any]) -> Run:
    async with state.sessionmaker() as session, session.begin():
        return await start_run(session, member.workspace_id, TEST_KIND, params, member.user_id)


async def reload(state: AppState, run_id: int) -> Run:
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
    assert run is not None
    return run


async def kill_worker_mid_run(state: AppState, database_url: str, run_id: int) -> None:
    """Start a worker process, wait until the run did its first step and blocks, SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Popen returns at once; the wait below polls without blocking the loop.
    process = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "tests.jobs.worker_process", database_url],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while True:
            run = await reload(state, run_id)
            if run.status is RunStatus.RUNNING and run.progress_done == 1:
                break
            if process.poll() is not None:
                pytest.fail(f"worker exited early: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            assert loop.time() < deadline, "the worker process never started the run"
            await asyncio.sleep(0.1)
    finally:
        process.kill()
        process.wait()
        process.stderr.close()  # type: ignore[union-attr]


async def test_killed_worker_run_is_resumed_by_another_worker(
    state: AppState, jobs: JobRunner, owner: Member, database_url: str
) -> None:
    run = await start(state, owner, {"items": 3, "block_on_attempts": [1]})
    await kill_worker_mid_run(state, database_url, run.id)

    stuck = await reload(state, run.id)
    assert stuck.status is RunStatus.RUNNING, "nothing recovers it without the reaper"

    # No worker is alive now, so any heartbeat counts as stale.
    report = await jobs.reap(stalled_seconds=0)
    assert report.stalled_jobs == [stuck.job_id]
    assert report.resumed_runs == [run.id]
    assert (await reload(state, run.id)).status is RunStatus.QUEUED

    await jobs.run_worker(wait=False)

    finished = await reload(state, run.id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.attempts == 2
    assert finished.progress_done == 3
    assert finished.counts == {"processed": 3}, "the step done before the crash is not redone"
    assert finished.problems == []


async def test_killed_worker_run_is_failed_after_its_last_attempt(
    state: AppState, jobs: JobRunner, owner: Member, database_url: str
) -> None:
    run = await start(state, owner, {"items": 3, "block_on_attempts": [1]})
    await kill_worker_mid_run(state, database_url, run.id)

    report = await jobs.reap(stalled_seconds=0, max_attempts=1)
    assert report.failed_runs == [run.id]

    failed = await reload(state, run.id)
    assert failed.status is RunStatus.FAILED
    assert failed.finished_at is not None
    assert failed.progress_done == 1, "what was done is kept"
    assert failed.problems == [{"item": None, "message": gave_up_message(1)}]

    # The dead worker's job no longer holds the workspace's lock: the next run goes through.
    following = await start(state, owner, {"items": 1})
    await jobs.run_worker(wait=False)
    assert (await reload(state, following.id)).status is RunStatus.SUCCEEDED
    assert (await reload(state, run.id)).status is RunStatus.FAILED
