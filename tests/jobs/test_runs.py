"""Runs through real workers on real PostgreSQL: completion, failures, locks, waiting, recovery.

Test handlers live in ``tests/jobs/handlers.py`` and are swapped in with
``override_handler`` (they never replace a real handler outside a test).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from graphql_api.app import AppState
from graphql_api.errors import Conflict
from graphql_api.jobs import RunContext, override_handler, registry, start_run, wait_for_run
from graphql_api.jobs import runs as run_service
from graphql_api.jobs.runs import IMPORT_CONFLICT_MESSAGE, RunSuperseded
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Run, RunKind, RunStatus
from tests.conftest import Member
from tests.jobs import handlers
from tests.jobs.handlers import SECRET, TEST_KIND


@pytest.fixture(autouse=True)
def test_handler() -> Iterator[None]:
    handlers.executions.clear()
    with override_handler(TEST_KIND, handlers.steps):
        yield


async def start(
    state: AppState, member: Member, params: dict[str, Any], kind: RunKind = TEST_KIND
) -> Run:
    async with state.sessionmaker() as session, session.begin():
        return await start_run(session, member.workspace_id, kind, params, member.user_id)


async def reload(state: AppState, run_id: int) -> Run:
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
    assert run is not None
    return run


async def test_a_run_completes_through_a_real_worker(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 4, "problem_items": [2]})
    assert run.status is RunStatus.QUEUED
    assert run.job_id is not None

    await jobs.run_worker(wait=False)

    done = await reload(state, run.id)
    assert done.status is RunStatus.PARTIAL
    assert (done.progress_done, done.progress_total) == (4, 4)
    assert done.counts == {"processed": 4}
    assert done.problems == [{"item": "2", "message": "step 2 failed"}]
    assert done.attempts == 1
    assert done.started_by_user_id == owner.user_id
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.finished_at >= done.started_at


async def test_two_workers_never_run_the_same_job(
    state: AppState, jobs: JobRunner, owner: Member, other_owner: Member
) -> None:
    run_ids = []
    for index in range(8):
        member = owner if index % 2 else other_owner
        run = await start(state, member, {"items": 2, "pause": 0.02})
        run_ids.append(run.id)
    second = JobRunner(state, concurrency=3)
    await second.open()
    try:
        # A worker with wait=False stops when every job left is locked by the other one (runs
        # of one workspace share a lock), so both go again until the queue is empty (bounded).
        for _ in range(20):
            await asyncio.gather(
                jobs.run_worker(wait=False, name="first"),
                second.run_worker(wait=False, name="second"),
            )
            if len(handlers.executions) >= len(run_ids):
                break
    finally:
        await second.close()

    assert sorted(handlers.executions) == sorted((run_id, 1) for run_id in run_ids)
    for run_id in run_ids:
        finished = await reload(state, run_id)
        assert finished.status is RunStatus.SUCCEEDED
        assert finished.attempts == 1
        assert finished.counts == {"processed": 2}


async def test_a_stale_job_never_performs_the_run(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 2})
    stale_job = run.job_id
    async with state.sessionmaker() as session, session.begin():
        current = await session.get(Run, run.id)
        assert current is not None
        await run_service.defer_run_job(session, current)  # the run's job is now a new one

    await jobs.run_worker(wait=False)

    finished = await reload(state, run.id)
    assert finished.job_id != stale_job
    assert finished.status is RunStatus.SUCCEEDED
    assert handlers.executions == [(run.id, 1)]


async def test_an_unexpected_error_fails_the_run_without_leaking_its_text(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 3, "raise": "unexpected"})
    await jobs.run_worker(wait=False)

    failed = await reload(state, run.id)
    assert failed.status is RunStatus.FAILED
    assert failed.progress_done == 1, "the step done before the error is kept"
    assert len(failed.problems) == 1
    message = failed.problems[0]["message"]
    assert SECRET not in message
    assert "RuntimeError" in message


async def test_a_domain_error_fails_the_run_with_its_message(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 3, "raise": "domain"})
    await jobs.run_worker(wait=False)

    failed = await reload(state, run.id)
    assert failed.status is RunStatus.FAILED
    assert failed.problems == [{"item": None, "message": "The WeFact connection is not active."}]


async def test_a_kind_without_handler_fails_clearly(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    async def unused(ctx: RunContext) -> RunStatus:
        raise AssertionError("not called")

    with override_handler(RunKind.INVOICE, unused):
        run = await start(state, owner, {}, kind=RunKind.INVOICE)
    # The worker runs without it: as a build without that handler would.

    saved = registry._SPECS.pop(RunKind.INVOICE, None)
    try:
        await jobs.run_worker(wait=False)
    finally:
        if saved is not None:
            registry._SPECS[RunKind.INVOICE] = saved

    failed = await reload(state, run.id)
    assert failed.status is RunStatus.FAILED
    assert "no handler" in failed.problems[0]["message"]


async def test_one_active_customer_import_per_workspace(
    state: AppState, jobs: JobRunner, owner: Member, other_owner: Member
) -> None:
    first = await start(state, owner, {}, kind=RunKind.CUSTOMER_IMPORT)

    async with state.sessionmaker() as session, session.begin():
        with pytest.raises(Conflict) as raised:
            await start_run(session, owner.workspace_id, RunKind.CUSTOMER_IMPORT, {}, None)
        # The caller's transaction is still usable after the conflict.
        assert await session.scalar(text("SELECT 1")) == 1
    assert raised.value.message == IMPORT_CONFLICT_MESSAGE

    # Another workspace, and another kind in the same workspace, are not held up.
    await start(state, other_owner, {}, kind=RunKind.CUSTOMER_IMPORT)
    await start(state, owner, {"items": 1})

    with override_handler(RunKind.CUSTOMER_IMPORT, handlers.steps):
        await jobs.run_worker(wait=False)
    assert (await reload(state, first.id)).status is RunStatus.SUCCEEDED

    again = await start(state, owner, {}, kind=RunKind.CUSTOMER_IMPORT)
    assert again.status is RunStatus.QUEUED


async def test_wait_for_run_returns_the_run_in_progress_when_time_is_up(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 2})
    # No worker runs: the run cannot finish in time.
    waited = await wait_for_run(state.sessionmaker, run.id, 0.2)
    assert waited.id == run.id
    assert waited.status is RunStatus.QUEUED


async def test_wait_for_run_returns_the_finished_run(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 2})
    worker = asyncio.create_task(jobs.run_worker(wait=True, name="waiting"))
    try:
        waited = await wait_for_run(state.sessionmaker, run.id, 60)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert waited.status is RunStatus.SUCCEEDED
    assert waited.progress_done == 2


async def test_a_run_that_lost_its_job_is_requeued_by_the_reaper(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 2})
    async with state.engine.begin() as connection:
        await connection.execute(text("DELETE FROM procrastinate_jobs"))

    report = await jobs.reap()
    assert report.resumed_runs == [run.id]
    await jobs.run_worker(wait=False)

    finished = await reload(state, run.id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.attempts == 1


async def test_worker_shutdown_requeues_the_run_and_it_resumes(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    run = await start(state, owner, {"items": 3, "block_on_attempts": [1]})
    worker = asyncio.create_task(
        jobs.run_worker(wait=True, name="stopping", shutdown_graceful_timeout=0)
    )
    try:
        await _until(state, run.id, lambda r: r.progress_done == 1)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)

    interrupted = await reload(state, run.id)
    assert interrupted.status is RunStatus.QUEUED

    report = await jobs.reap()
    assert report.resumed_runs == [run.id]
    await jobs.run_worker(wait=False)

    finished = await reload(state, run.id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.attempts == 2
    assert finished.progress_done == 3
    assert finished.counts == {"processed": 3}, "no step done twice"


async def test_a_superseded_attempt_cannot_write(state: AppState, owner: Member) -> None:
    run = await start(state, owner, {})
    async with state.sessionmaker() as session, session.begin():
        first = await run_service.mark_running(session, run.id, None)
    async with state.sessionmaker() as session, session.begin():
        second = await run_service.mark_running(session, run.id, None)
    assert first is not None
    assert second is not None
    assert (first.attempts, second.attempts) == (1, 2)

    async with state.sessionmaker() as session, session.begin():
        with pytest.raises(RunSuperseded):
            await run_service.report_progress(session, run.id, 1, done=5)
    async with state.sessionmaker() as session, session.begin():
        await run_service.report_progress(session, run.id, 2, done=1)
    assert (await reload(state, run.id)).progress_done == 1


async def _until(state: AppState, run_id: int, condition: Any, seconds: float = 60) -> Run:
    """Poll until ``condition(run)``; fails (not a timing assertion) if it never happens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        run = await reload(state, run_id)
        if condition(run):
            return run
        assert loop.time() < deadline, f"run never reached the expected state: {run.status}"
        await asyncio.sleep(0.05)
