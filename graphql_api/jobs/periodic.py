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


async def _nightly_customer_import(runner: JobRunner, timestamp: int) -> None:
    # Imported here: the service imports the jobs package, which must not need it back.
    from graphql_api.services.customer_import import start_nightly_imports

    await start_nightly_imports(runner, timestamp)


async def _status_sync(runner: JobRunner, timestamp: int) -> None:
    # Imported here: the service imports the jobs package, which must not need it back.
    from graphql_api.services.status_sync import start_periodic_status_syncs

    await start_periodic_status_syncs(runner, timestamp)


async def _expire_guards(runner: JobRunner, timestamp: int) -> None:
    # Imported here, like the others: services import the jobs package.
    import datetime as dt

    from graphql_api.services.idempotency import forget_expired
    from graphql_api.services.login_throttle import forget_stale

    state = runner.state
    await forget_expired(state.sessionmaker)
    window = dt.timedelta(seconds=state.settings.login_window_seconds)
    await forget_stale(state.sessionmaker, window)


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # Resume or fail runs whose worker died; re-queue runs that lost their job.
    PeriodicJob(name="maintenance:reap_runs", cron="* * * * *", run=_reap_runs),
    # A customer import for each workspace with auto-import on and an active connection
    # (skipping workspaces whose import is still active), at 03:00 server time.
    PeriodicJob(name="nightly:customer_import", cron="0 3 * * *", run=_nightly_customer_import),
    # The invoice status sync (WeFact has no webhooks): a STATUS_SYNC run per workspace with
    # an active connection (skipping workspaces whose sync is still active), every 15 minutes.
    PeriodicJob(name="periodic:invoice_status_sync", cron="*/15 * * * *", run=_status_sync),
    # Forget expired Idempotency-Key answers and login-throttle rows whose window is over.
    PeriodicJob(name="maintenance:expire_guards", cron="17 * * * *", run=_expire_guards),
)
