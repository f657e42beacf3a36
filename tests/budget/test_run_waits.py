"""A run that must wait for WeFact's budget says so on the run, then goes on by itself.

The run is performed by the real wrapper (``execute_run``), which gives the handler's calls
the run's priority (invoice runs FIRST, everything else BACKGROUND) and shows its waits on
the run row. The budget's clock is the test's; its sleep looks at the run while it waits.
"""

from __future__ import annotations

from sqlalchemy import select

from graphql_api.app import AppState
from graphql_api.budget import SharedCallBudget
from graphql_api.jobs import RunContext, override_handler, start_run
from graphql_api.jobs.registry import call_priority_of
from graphql_api.jobs.worker import execute_run, open_jobs
from graphql_api.models import Run, RunKind, RunStatus
from integrations import CallPriority, call_priority
from tests.budget.test_budget import ENDPOINT, MINUTE_RESET, FakeClock, take_all
from tests.conftest import Member


def test_invoice_runs_go_first_and_the_rest_in_the_background() -> None:
    assert call_priority_of(RunKind.INVOICE) is CallPriority.FIRST
    assert call_priority_of(RunKind.CUSTOMER_IMPORT) is CallPriority.BACKGROUND
    assert call_priority_of(RunKind.STATUS_SYNC) is CallPriority.BACKGROUND


async def test_a_waiting_run_shows_it_in_its_progress(state: AppState, owner: Member) -> None:
    clock = FakeClock()
    seen_while_waiting: list[tuple[object, str | None]] = []

    async def sleep(seconds: float) -> None:
        async with state.sessionmaker() as session:
            run = await session.scalar(select(Run).where(Run.kind == RunKind.STATUS_SYNC))
        assert run is not None
        seen_while_waiting.append((run.waiting_until, run.waiting_reason))
        await clock.sleep(seconds)

    shared = SharedCallBudget(state.engine, per_minute=20, clock=clock, sleep=sleep)
    clock.now = MINUTE_RESET - 0.5
    await take_all(shared, CallPriority.BACKGROUND)  # spent for background calls
    priorities: list[CallPriority] = []

    async def handler(ctx: RunContext) -> RunStatus:
        priorities.append(call_priority.get())
        await shared.acquire(ENDPOINT, call_priority.get())
        return RunStatus.SUCCEEDED

    async with state.sessionmaker() as session, session.begin():
        run = await start_run(session, owner.workspace_id, RunKind.STATUS_SYNC, {})
    with override_handler(RunKind.STATUS_SYNC, handler):
        assert await execute_run(state, run.id, run.job_id) == "succeeded"

    assert priorities == [CallPriority.BACKGROUND]
    assert seen_while_waiting, "the run never waited"
    until, reason = seen_while_waiting[0]
    assert until is not None
    assert reason is not None
    assert "WeFact's call budget" in reason
    async with state.sessionmaker() as session:
        done = await session.get(Run, run.id)
    assert done is not None
    assert (done.status, done.waiting_until, done.waiting_reason) == (
        RunStatus.SUCCEEDED, None, None
    )


async def test_a_free_worker_takes_a_queued_invoice_run_before_a_queued_import(
    state: AppState, owner: Member
) -> None:
    order: list[RunKind] = []

    async def record(ctx: RunContext) -> RunStatus:
        order.append(ctx.kind)
        return RunStatus.SUCCEEDED

    async with state.sessionmaker() as session, session.begin():
        # Queued first: the background run.
        await start_run(session, owner.workspace_id, RunKind.STATUS_SYNC, {})
        await start_run(session, owner.workspace_id, RunKind.INVOICE, {})
    with override_handler(RunKind.STATUS_SYNC, record), override_handler(RunKind.INVOICE, record):
        async with open_jobs(state) as runner:  # one job at a time
            await runner.run_worker(wait=False)
    assert order == [RunKind.INVOICE, RunKind.STATUS_SYNC]
