"""The run record service: start a run (row + job in one transaction), record its progress.

A mutation starts a run and (optionally) waits a little for it::

    from graphql_api.jobs import start_run, wait_for_run

    async with info.context.transaction() as session:
        run = await start_run(
            session, workspace_id=ws, kind=RunKind.CUSTOMER_IMPORT, params={}, user_id=user,
        )  # raises Conflict when an import is already queued or running in the workspace
    run = await wait_for_run(state.sessionmaker, run.id, state.settings.run_wait_seconds)

The job is queued through the same transaction as the run row (procrastinate's own
``procrastinate_defer_jobs_v1`` SQL function, called on our connection), so there is never a
run without a job or a job without a run; the job becomes visible to workers on commit.

The progress helpers (``mark_running``, ``report_progress``, ``heartbeat``, ``finish``) are
what ``RunContext`` calls; handlers use the context, not these functions. Each write is
fenced by the attempt number: when a run was handed to another worker (the first one was
presumed dead), writes of the old attempt raise ``RunSuperseded`` instead of clobbering.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, func, select, text, type_coerce, union_all, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql_api import outbox
from graphql_api.db import defer_job
from graphql_api.errors import Conflict
from graphql_api.jobs.registry import (
    RUN_QUEUE,
    LockScope,
    get_spec,
    lock_key,
    queue_priority,
    task_name,
)
from graphql_api.models.runs import ACTIVE_RUN_STATUSES, Run, RunKind, RunStatus

logger = logging.getLogger(__name__)

FINAL_RUN_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.PARTIAL)

MAX_PROBLEMS = 1000
"""Problems kept per run; beyond that only ``counts["problemsNotListed"]`` grows."""

PROBLEMS_NOT_LISTED = "problemsNotListed"

IMPORT_CONFLICT_MESSAGE = (
    "A customer import is already queued or running for this workspace: wait for it to "
    "finish, then start a new one."
)


class RunSuperseded(Exception):
    """This attempt no longer owns the run (it was resumed elsewhere, or already finished)."""


@dataclass(frozen=True)
class Problem:
    """One thing a run could not do: ``item`` names it (e.g. a debtor code), if any."""

    message: str
    item: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The form stored in ``runs.problems``."""
        return {"item": self.item, "message": self.message}


async def defer_run_job(session: AsyncSession, run: Run) -> int:
    """Queue a job that performs ``run``, in the session's transaction; returns its id.

    Runs of a kind without a registered handler are still queued (with the default lock):
    the worker then fails them with a clear message instead of the mutation failing.
    """
    spec = get_spec(run.kind)
    scope = spec.lock if spec is not None else LockScope.KIND_PER_WORKSPACE
    if spec is None:
        logger.warning("no handler registered for %s runs; run %s will fail", run.kind, run.id)
    job_id = await defer_job(
        session,
        queue=RUN_QUEUE,
        task=task_name(run.kind),
        priority=queue_priority(run.kind),
        lock=lock_key(run.kind, scope, run.workspace_id),
        args={"run_id": run.id},
    )
    run.job_id = job_id
    await session.flush()
    return job_id


async def start_run(
    session: AsyncSession,
    workspace_id: int,
    kind: RunKind,
    params: dict[str, Any] | None = None,
    user_id: int | None = None,
) -> Run:
    """Record a QUEUED run and queue its job, in the caller's transaction.

    ``params`` must be JSON-serialisable; never put secrets in it (it is stored as is).
    Raises ``Conflict`` when a customer import is already active in the workspace (the
    database's partial unique index decides, so two racing requests cannot both win).
    """
    run = Run(
        workspace_id=workspace_id,
        kind=kind,
        status=RunStatus.QUEUED,
        params=params or {},
        started_by_user_id=user_id,
        counts={},
        problems=[],
    )
    try:
        # A savepoint, so a conflict leaves the caller's transaction usable.
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError as exc:
        if "uq_runs_one_active_import" in str(exc.orig):
            raise Conflict(IMPORT_CONFLICT_MESSAGE) from None
        raise
    await defer_run_job(session, run)
    await session.refresh(run)
    return run


async def mark_running(session: AsyncSession, run_id: int, job_id: int | None) -> Run | None:
    """Start an attempt: RUNNING, ``attempts + 1``; None when there is nothing to do.

    Nothing to do: the run is finished or unknown, or ``job_id`` is not the run's current
    job (a stale or duplicate job never performs a run). The returned ``run.attempts`` is
    this attempt's fencing number.
    """
    conditions = [Run.id == run_id, Run.status.in_(ACTIVE_RUN_STATUSES)]
    if job_id is not None:
        conditions.append(Run.job_id == job_id)
    return await session.scalar(
        update(Run)
        .where(*conditions)
        .values(
            status=RunStatus.RUNNING,
            attempts=Run.attempts + 1,
            started_at=func.coalesce(Run.started_at, func.now()),
            heartbeat_at=func.now(),
            updated_at=func.now(),
        )
        .returning(Run)
        .execution_options(populate_existing=True)
    )


async def _owned_run(session: AsyncSession, run_id: int, attempt: int) -> Run:
    """The run, locked, if this attempt still owns it; else ``RunSuperseded``."""
    run = await session.scalar(
        select(Run)
        .where(Run.id == run_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if run is None or run.status is not RunStatus.RUNNING or run.attempts != attempt:
        raise RunSuperseded(f"run {run_id} is no longer owned by attempt {attempt}")
    return run


async def report_progress(
    session: AsyncSession,
    run_id: int,
    attempt: int,
    *,
    done: int | None = None,
    total: int | None = None,
    counts: dict[str, int] | None = None,
    problems: Sequence[Problem] = (),
) -> Run:
    """Record progress in the session's transaction (committed with it).

    ``done``/``total`` replace the stored values when given; ``counts`` are added to the
    stored counts (a delta, e.g. ``{"created": 3}``); ``problems`` are appended.
    """
    if not problems:
        return await _report_counts(
            session, run_id, attempt, done=done, total=total, counts=counts or {}
        )
    run = await _owned_run(session, run_id, attempt)
    if done is not None:
        run.progress_done = done
    if total is not None:
        run.progress_total = total
    merged = dict(run.counts)
    for name, delta in (counts or {}).items():
        merged[name] = merged.get(name, 0) + delta
    listed = list(run.problems)
    for problem in problems:
        if len(listed) < MAX_PROBLEMS:
            listed.append(problem.as_json())
        else:
            merged[PROBLEMS_NOT_LISTED] = merged.get(PROBLEMS_NOT_LISTED, 0) + 1
    # New objects, so SQLAlchemy sees the JSONB columns changed.
    run.counts = merged
    run.problems = listed
    run.heartbeat_at = await session.scalar(select(func.now()))
    await session.flush()
    return run


def _merged_counts(delta: dict[str, int]) -> Any:
    """``runs.counts`` with ``delta`` added per name, computed by PostgreSQL in the UPDATE."""
    stored = func.jsonb_each_text(Run.counts).table_valued("key", "value").alias("stored")
    added = func.jsonb_each_text(type_coerce(delta, JSONB)).table_valued("key", "value")
    both = union_all(
        select(stored.c.key, stored.c.value.cast(BigInteger).label("n")),
        select(added.c.key, added.c.value.cast(BigInteger).label("n")),
    ).subquery("both")
    # jsonb_object_agg cannot aggregate an aggregate: sum per key first.
    per_key = (
        select(both.c.key, func.sum(both.c.n).label("n")).group_by(both.c.key).subquery("per_key")
    )
    summed = select(
        func.coalesce(func.jsonb_object_agg(per_key.c.key, per_key.c.n), text("'{}'::jsonb"))
    )
    return summed.scalar_subquery()


async def _report_counts(
    session: AsyncSession,
    run_id: int,
    attempt: int,
    *,
    done: int | None,
    total: int | None,
    counts: dict[str, int],
) -> Run:
    """``report_progress`` without problems: ONE fenced UPDATE (counts added up in SQL), the
    hot path of every run that records an item per transaction (an invoice, a page)."""
    values: dict[str, Any] = {"heartbeat_at": func.now()}
    if done is not None:
        values["progress_done"] = done
    if total is not None:
        values["progress_total"] = total
    if counts:
        values["counts"] = _merged_counts(counts)
    run = await session.scalar(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.RUNNING, Run.attempts == attempt)
        .values(values)
        .returning(Run)
        .execution_options(populate_existing=True)
    )
    if run is None:
        raise RunSuperseded(f"run {run_id} is no longer owned by attempt {attempt}")
    return run


async def heartbeat(session: AsyncSession, run_id: int, attempt: int) -> None:
    """Show the attempt is alive (``heartbeat_at``); ``RunSuperseded`` when it is not ours."""
    result = await session.execute(
        update(Run)
        .where(Run.id == run_id, Run.attempts == attempt, Run.status == RunStatus.RUNNING)
        .values(heartbeat_at=func.now())
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise RunSuperseded(f"run {run_id} is no longer owned by attempt {attempt}")


async def report_waiting(
    session: AsyncSession,
    run_id: int,
    attempt: int,
    until: dt.datetime | None,
    reason: str | None,
) -> None:
    """Show (or clear, with None) that the attempt waits for WeFact's call budget.

    Written beside the work, not through ``_owned_run``: a superseded attempt is stopped by
    its heartbeat, and a wait notice is not worth a lock on the run."""
    await session.execute(
        update(Run)
        .where(Run.id == run_id, Run.attempts == attempt, Run.status == RunStatus.RUNNING)
        .values(waiting_until=until, waiting_reason=reason, heartbeat_at=func.now())
    )


async def finish(
    session: AsyncSession,
    run_id: int,
    attempt: int,
    status: RunStatus,
    problems: Sequence[Problem] = (),
) -> Run:
    """End the attempt with SUCCEEDED, PARTIAL or FAILED (appending ``problems``)."""
    if status not in FINAL_RUN_STATUSES:
        raise ValueError(f"a run cannot finish as {status.name}")
    run = await report_progress(session, run_id, attempt, problems=problems)
    run.status = status
    run.finished_at = run.heartbeat_at
    run.waiting_until = None
    run.waiting_reason = None
    await session.flush()
    await outbox.run_finished(session, run)
    return run


async def requeue(session: AsyncSession, run_id: int, attempt: int) -> bool:
    """Hand an interrupted attempt back to the queue (QUEUED); False when not ours anymore."""
    result = await session.execute(
        update(Run)
        .where(Run.id == run_id, Run.attempts == attempt, Run.status == RunStatus.RUNNING)
        .values(status=RunStatus.QUEUED, heartbeat_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def fail_run(session: AsyncSession, run: Run, message: str) -> None:
    """Give up an active run (not owned by any attempt), keeping what it recorded."""
    listed = list(run.problems)
    counts = dict(run.counts)
    if len(listed) < MAX_PROBLEMS:
        listed.append(Problem(message).as_json())
    else:
        counts[PROBLEMS_NOT_LISTED] = counts.get(PROBLEMS_NOT_LISTED, 0) + 1
    run.problems = listed
    run.counts = counts
    run.status = RunStatus.FAILED
    run.finished_at = await session.scalar(select(func.now()))
    await session.flush()
    await outbox.run_finished(session, run)


async def wait_for_run(
    sessionmaker: async_sessionmaker[AsyncSession], run_id: int, seconds: float
) -> Run:
    """The run once it finished, or as it stands after ``seconds`` (e.g. run_wait_seconds).

    Polls the row (starting at 50 ms, backing off to 0.5 s): a finished small run is
    returned complete, a large one returns in progress for the client to poll or subscribe.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    delay = 0.05
    while True:
        async with sessionmaker() as session:
            run = await session.get(Run, run_id)
        if run is None:
            raise LookupError(f"run {run_id} does not exist")
        remaining = deadline - loop.time()
        if run.status in FINAL_RUN_STATUSES or remaining <= 0:
            return run
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.5)
