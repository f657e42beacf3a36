"""The reaper: no run stays stuck after a worker dies, and no queued run lacks a job.

It runs every minute (declared in ``periodic.py``) and once when a worker starts:

1. Jobs still ``doing`` on a worker whose heartbeat is older than ``stalled_seconds``
   (procrastinate's ``get_stalled_jobs``; workers heartbeat every 10 s) are ended as
   ``failed``. This also releases their ``lock`` so later runs of the workspace can go.
2. Every QUEUED/RUNNING run whose job is gone or ended (the step above, a worker shut down
   mid-run, a job deleted by hand) is an orphan: it gets a fresh job and resumes
   (``attempts`` stays, the handler sees ``ctx.attempt > 1``) — unless it was already
   started ``max_attempts`` times, then it is marked FAILED with a problem saying so.
   What it recorded (progress, counts, problems) is kept either way.

Each orphan is fixed in one transaction with its new job (``FOR UPDATE SKIP LOCKED``), so
two reapers at once never enqueue a run twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from procrastinate.manager import JobManager
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql_api.db import transaction
from graphql_api.jobs.runs import defer_run_job, fail_run
from graphql_api.models.runs import Run, RunStatus

logger = logging.getLogger(__name__)


@dataclass
class ReapReport:
    """What one reaper pass did (for logs and tests)."""

    stalled_jobs: list[int] = field(default_factory=list)
    resumed_runs: list[int] = field(default_factory=list)
    failed_runs: list[int] = field(default_factory=list)


def gave_up_message(attempts: int) -> str:
    """The problem recorded on a run given up after repeated interruptions."""
    return (
        f"The run was interrupted {attempts} time(s) (a worker stopped or restarted while "
        "running it) and was given up. Everything it recorded is kept; start it again to "
        "continue."
    )


_ORPHANS_SQL = text(
    """
    SELECT r.id FROM runs r
    LEFT JOIN procrastinate_jobs j ON j.id = r.job_id
    WHERE r.status IN ('QUEUED', 'RUNNING')
      AND (j.id IS NULL OR j.status NOT IN ('todo', 'doing'))
    ORDER BY r.id
    FOR UPDATE OF r SKIP LOCKED
    """
)


async def _end_stalled_job(session: AsyncSession, job_id: int) -> bool:
    still_doing = await session.scalar(
        text("SELECT id FROM procrastinate_jobs WHERE id = :id AND status = 'doing' FOR UPDATE"),
        {"id": job_id},
    )
    if still_doing is None:
        return False
    await session.execute(
        text("SELECT procrastinate_finish_job_v1(:id, 'failed', false)"), {"id": job_id}
    )
    return True


async def reap_runs(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_manager: JobManager,
    *,
    stalled_seconds: float,
    max_attempts: int,
) -> ReapReport:
    """One pass: end stalled jobs, then resume or fail orphaned runs."""
    report = ReapReport()
    for job in await job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds):
        assert job.id is not None
        async with transaction(sessionmaker) as session:
            if await _end_stalled_job(session, job.id):
                report.stalled_jobs.append(job.id)
                logger.warning("job %s (%s) stalled: its worker stopped", job.id, job.task_name)

    async with transaction(sessionmaker) as session:
        ids = list(await session.scalars(_ORPHANS_SQL))
        if ids:
            rows = await session.scalars(
                select(Run)
                .where(Run.id.in_(ids))
                .order_by(Run.id)
                .execution_options(populate_existing=True)
            )
            for run in rows:
                if run.attempts >= max_attempts:
                    await fail_run(session, run, gave_up_message(run.attempts))
                    report.failed_runs.append(run.id)
                    logger.warning("run %s given up after %s attempts", run.id, run.attempts)
                else:
                    run.status = RunStatus.QUEUED
                    run.heartbeat_at = None
                    await defer_run_job(session, run)
                    report.resumed_runs.append(run.id)
                    logger.info("run %s re-queued (job %s)", run.id, run.job_id)
    return report
