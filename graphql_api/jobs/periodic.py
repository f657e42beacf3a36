"""Every periodic job, declared in this one place.

A periodic job is a quick function ``async def job(runner: JobRunner, timestamp: int)``
run on a cron schedule by whichever worker gets to it first (procrastinate defers each
tick exactly once across all workers; ``timestamp`` is the tick's Unix time). Long work
does not belong here: start a run with ``start_run`` instead, so it gets a run record,
progress and crash recovery. ``runner.state`` gives settings and the sessionmaker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphql_api.jobs.worker import JobRunner

PERIODIC_QUEUE = "maintenance"


@dataclass(frozen=True)
class PeriodicJob:
    """A named function and its cron schedule (5 cron fields; an optional 6th for seconds)."""

    name: str
    cron: str
    run: Callable[[JobRunner, int], Awaitable[None]]


async def _reap_runs(runner: JobRunner, timestamp: int) -> None:
    await runner.reap()


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # Resume or fail runs whose worker died; re-queue runs that lost their job.
    PeriodicJob(name="maintenance:reap_runs", cron="* * * * *", run=_reap_runs),
    # To be added by the customer import work: a nightly customer import, e.g.
    #   PeriodicJob(name="nightly:customer_import", cron="0 3 * * *", run=...)
    #   where ``run`` starts a CUSTOMER_IMPORT run (start_run) for each workspace with an
    #   active WeFact connection, skipping workspaces whose import is already active.
    # To be added by the invoicing work: the invoice status sync, e.g.
    #   PeriodicJob(name="periodic:invoice_status_sync", cron="*/15 * * * *", run=...)
    #   starting a STATUS_SYNC run per connected workspace.
)
