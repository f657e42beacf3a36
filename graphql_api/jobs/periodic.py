"""Periodic jobs: what one is, and the reaper every worker process should schedule.

A periodic job is a quick function ``async def job(runner: JobRunner, timestamp: int)``
run on a cron schedule by whichever worker gets to it first (procrastinate defers each
tick exactly once across all workers; ``timestamp`` is the tick's Unix time). Long work
does not belong here: start a run with ``start_run`` instead, so it gets a run record,
progress and crash recovery. ``runner.state`` gives settings and the sessionmaker.

The features' own periodic jobs (nightly import, status sync) live with their services;
the composition root (``graphql_api.composition.PERIODIC_JOBS``) lists them all, so this
package never imports the services built on it.
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


REAP_RUNS = PeriodicJob(name="maintenance:reap_runs", cron="* * * * *", run=_reap_runs)
"""Resume or fail runs whose worker died; re-queue runs that lost their job (every minute)."""
