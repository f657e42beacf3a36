"""Workers: the procrastinate app of the process's ``Resources``, the generic run wrapper,
in-process use.

``JobRunner(state, periodic=...)`` builds one procrastinate ``App`` (psycopg 3 pool on the
same database) with one task per ``RunKind`` (named ``run:<KIND>``, all running
``execute_run``) and the periodic jobs it is given (the composition root lists them).
Only processes that run workers need it: starting a run queues its job through SQLAlchemy
(see ``runs.start_run``).

- ``graphql-api worker --concurrency N``: ``run_standalone_worker`` (serve.py).
- ``graphql-api serve`` (embedded default, ``--demo`` or ``RUN_WORKER_IN_PROCESS=true``):
  ``in_process_worker(state, periodic)`` runs one worker beside uvicorn for the app's lifetime.
- Tests: ``async with open_jobs(state) as runner: await runner.run_worker(wait=False)``
  runs every queued job, then returns.

``execute_run`` is the wrapper around every handler: it marks the run RUNNING (a new
attempt), heartbeats while the handler works, records the status the handler returns, turns
an exception into FAILED with a safe message in ``problems``, and on cancellation (worker
shutdown) puts the run back to QUEUED so the reaper re-queues it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import procrastinate
from procrastinate.job_context import JobContext

from graphql_api.budget import budget_wait_reporter
from graphql_api.db import plain_url, transaction
from graphql_api.errors import DomainError
from graphql_api.jobs import runs as run_service
from graphql_api.jobs.context import RunContext
from graphql_api.jobs.periodic import PERIODIC_QUEUE, PeriodicJob
from graphql_api.jobs.reaper import ReapReport, reap_runs
from graphql_api.jobs.registry import (
    RUN_QUEUE,
    RunTaskSpec,
    TaskSpec,
    call_priority_of,
    get_spec,
    job_tasks,
    task_name,
)
from graphql_api.jobs.runs import FINAL_RUN_STATUSES, Problem, RunSuperseded
from graphql_api.models.runs import RunKind, RunStatus
from graphql_api.resources import Resources
from integrations import prioritised
from integrations.errors import ProviderError

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
"""How often a running attempt refreshes ``runs.heartbeat_at``."""

SHUTDOWN_GRACE_SECONDS = 10.0
"""On shutdown, running handlers get this long before they are cancelled (and re-queued)."""


def safe_error_message(exc: BaseException) -> str:
    """What users see when a handler raised: our own messages only, never raw exception text."""
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ProviderError):
        # Provider errors are written for the administrator and carry no secrets.
        return str(exc)
    return (
        f"The run stopped on an unexpected error ({type(exc).__name__}). What it did before "
        "is kept; try again, and contact support if it keeps happening."
    )


def libpq_url(url: str) -> str:
    """Our database URL in libpq form for psycopg (unix-socket ``?host=/dir`` included)."""
    parts = urlsplit(plain_url(url))
    # asyncpg spells libpq's ``sslmode`` as ``ssl`` (same values).
    query = [("sslmode" if key == "ssl" else key, value) for key, value in parse_qsl(parts.query)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


async def _beat(ctx: RunContext, handler: asyncio.Task[RunStatus], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await ctx.heartbeat()
        except RunSuperseded:
            ctx._superseded = True
            handler.cancel()
            return
        except Exception:
            # A database blip must not kill the run; the next beat tries again.
            logger.warning("heartbeat of run %s failed", ctx.run_id, exc_info=True)


async def execute_run(
    state: Resources,
    run_id: int,
    job_id: int | None,
    *,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> str:
    """Perform one attempt of a run with its registered handler; returns what happened."""
    async with transaction(state.sessionmaker) as session:
        run = await run_service.mark_running(session, run_id, job_id)
    if run is None:
        logger.info("run %s is finished, gone or not job %s's: nothing to do", run_id, job_id)
        return "skipped"
    ctx = RunContext.for_run(state, run, job_id)
    spec = get_spec(run.kind)
    outcome: tuple[RunStatus, list[Problem]] | None
    if spec is None:
        message = f"This server cannot perform {run.kind.name} runs (no handler is installed)."
        outcome = RunStatus.FAILED, [Problem(message)]
    else:
        outcome = await _perform(ctx, spec, heartbeat_seconds)
    if outcome is None:
        logger.warning("run %s attempt %s superseded; stopped", run_id, ctx.attempt)
        return "superseded"
    status, problems = outcome
    try:
        async with transaction(state.sessionmaker) as session:
            await run_service.finish(session, run_id, ctx.attempt, status, problems)
    except RunSuperseded:
        logger.warning("run %s attempt %s superseded; result not recorded", run_id, ctx.attempt)
        return "superseded"
    return status.name.lower()


async def _perform(
    ctx: RunContext, spec: RunTaskSpec, heartbeat_seconds: float
) -> tuple[RunStatus, list[Problem]] | None:
    """Run the handler: its outcome, or None when another attempt took the run over."""
    # The handler's task copies the context here: its calls have the run's priority, and
    # a wait for WeFact's budget is shown on the run.
    with prioritised(call_priority_of(ctx.kind)):
        reporter = budget_wait_reporter.set(ctx.waiting)
        try:
            handler = asyncio.create_task(
                spec.handler(ctx), name=f"run {ctx.run_id} #{ctx.attempt}"
            )
        finally:
            budget_wait_reporter.reset(reporter)
    beat = asyncio.create_task(_beat(ctx, handler, heartbeat_seconds))
    try:
        try:
            status = await handler
        finally:
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
    except asyncio.CancelledError as exc:
        if ctx._superseded:
            return None
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            # Worker shutdown (or abort): hand the run back; the reaper gives it a new job.
            handler.cancel()
            try:
                async with ctx.transaction() as session:
                    await run_service.requeue(session, ctx.run_id, ctx.attempt)
            except Exception:
                logger.exception("could not re-queue run %s; the reaper will", ctx.run_id)
            raise
        # The handler cancelled itself: a failure like any other exception.
        return RunStatus.FAILED, [Problem(safe_error_message(exc))]
    except RunSuperseded:
        return None
    except Exception as exc:
        logger.exception("run %s (%s) failed", ctx.run_id, ctx.kind.name)
        return RunStatus.FAILED, [Problem(safe_error_message(exc))]
    if status not in FINAL_RUN_STATUSES:
        logger.error("handler of %s returned %r; recording FAILED", ctx.kind.name, status)
        message = "The run ended without a valid result; what it did before is kept."
        return RunStatus.FAILED, [Problem(message)]
    return status, []


@dataclass(frozen=True)
class Lane:
    """Queues one worker loop serves, and how many of their jobs it runs at once."""

    name: str
    queues: tuple[str, ...]
    concurrency: int
    polling_seconds: float = 5.0
    """How often the loop looks for jobs whose scheduled time came (new jobs wake it at once
    through LISTEN/NOTIFY): a retry scheduled for 10 s from now starts within this."""


class JobRunner:
    """One procrastinate app for the process's resources: tasks, periodic jobs, worker, reaper.

    A production worker (``run_forever``) runs one loop per *lane*: runs and periodic jobs
    in one, each plain task's queue (webhook deliveries) in its own, so a slow webhook
    receiver never holds up an invoice run, nor an invoice run a webhook.

    ``periodic``: the periodic jobs this runner schedules. Tests and benchmarks pass none: a
    cron that happens to be due (e.g. the status sync at :15) would otherwise start runs in
    the middle of them.
    """

    def __init__(
        self, state: Resources, *, concurrency: int = 1, periodic: Sequence[PeriodicJob] = ()
    ) -> None:
        self.state = state
        self.concurrency = concurrency
        tasks = job_tasks()
        self.lanes = [Lane("main", (RUN_QUEUE, PERIODIC_QUEUE), concurrency)]
        for queue in dict.fromkeys(spec.queue for spec in tasks):
            width = max(spec.concurrency(state.settings) for spec in tasks if spec.queue == queue)
            self.lanes.append(Lane(queue, (queue,), width, polling_seconds=1.0))
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_url(state.database_url),
            # Per lane: its jobs + the worker's listener, fetcher, heartbeat, abort poller
            # and deferrer.
            min_size=1,
            max_size=sum(lane.concurrency + 5 for lane in self.lanes),
            kwargs={"application_name": "graphql-api-jobs"},
        )
        self.app = procrastinate.App(connector=connector)
        for kind in RunKind:
            self._register_run_task(kind)
        for spec in tasks:
            self._register_plain_task(spec)
        for job in periodic:
            self._register_periodic(job)

    def _register_plain_task(self, spec: TaskSpec) -> None:
        state = self.state

        async def perform(**args: Any) -> None:
            await spec.perform(state, args)

        self.app.task(name=spec.name, queue=spec.queue, pass_context=False)(perform)

    def _register_run_task(self, kind: RunKind) -> None:
        state = self.state

        async def perform_run(context: JobContext, run_id: int) -> str:
            return await execute_run(state, run_id, context.job.id)

        self.app.task(name=task_name(kind), queue=RUN_QUEUE, pass_context=True)(perform_run)

    def _register_periodic(self, periodic: PeriodicJob) -> None:
        async def perform_periodic(timestamp: int) -> None:
            await periodic.run(self, timestamp)

        task = self.app.task(
            name=periodic.name, queue=PERIODIC_QUEUE, lock=periodic.name, pass_context=False
        )(perform_periodic)
        self.app.periodic(cron=periodic.cron, periodic_id=periodic.name)(task)

    async def open(self) -> None:
        """Open the connection pool."""
        await self.app.open_async()

    async def close(self) -> None:
        """Close the connection pool."""
        await self.app.close_async()

    async def reap(
        self, *, stalled_seconds: float | None = None, max_attempts: int | None = None
    ) -> ReapReport:
        """One reaper pass (settings' staleness and attempts unless given)."""
        settings = self.state.settings
        return await reap_runs(
            self.state.sessionmaker,
            self.app.job_manager,
            stalled_seconds=(
                settings.run_stalled_seconds if stalled_seconds is None else stalled_seconds
            ),
            max_attempts=settings.run_max_attempts if max_attempts is None else max_attempts,
        )

    async def run_worker(
        self,
        *,
        wait: bool = True,
        install_signal_handlers: bool = False,
        name: str | None = None,
        shutdown_graceful_timeout: float = SHUTDOWN_GRACE_SECONDS,
        lane: Lane | None = None,
    ) -> None:
        """Run a worker (``wait=False``: until no job is left). The app must be open.

        Without ``lane``: one loop over every queue (tests); with one: that lane's queues.
        """
        queues: dict[str, Any] = {}
        if lane is not None:
            queues = {
                "queues": list(lane.queues), "fetch_job_polling_interval": lane.polling_seconds
            }
        await self.app.run_worker_async(
            **queues,
            concurrency=lane.concurrency if lane is not None else self.concurrency,
            wait=wait,
            install_signal_handlers=install_signal_handlers,
            name=name or "worker",
            # Run rows keep the history; finished jobs would only pile up.
            delete_jobs="successful",
            shutdown_graceful_timeout=shutdown_graceful_timeout,
            stalled_worker_timeout=self.state.settings.run_stalled_seconds,
        )

    async def run_lanes(self, *, install_signal_handlers: bool, name: str | None = None) -> None:
        """Every lane's worker loop, until stopped (SIGINT/SIGTERM when ``install_signal_
        handlers``, else cancellation); each drains its running jobs first."""
        base = name or "worker"
        loops = [
            asyncio.create_task(
                self.run_worker(
                    wait=True, name=f"{base}:{lane.name}", lane=lane,
                    # One handler for all loops below: procrastinate's would replace each
                    # other's, and only the last loop would hear the signal.
                    install_signal_handlers=False,
                ),
                name=f"job worker lane {lane.name}",
            )
            for lane in self.lanes
        ]
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM) if install_signal_handlers else ()
        for signum in signals:
            loop.add_signal_handler(signum, lambda: [task.cancel() for task in loops])
        try:
            # One loop stopping on its own (database gone) stops the others: the caller
            # (the in-process supervisor, or systemd for a worker process) restarts all.
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def run_forever(self, *, install_signal_handlers: bool, name: str | None = None) -> None:
        """A production worker: recover orphaned runs once, then work until stopped."""
        try:
            await self.reap()
        except Exception:
            logger.exception("start-up reaper pass failed; the periodic one will retry")
        await self.run_lanes(install_signal_handlers=install_signal_handlers, name=name)


@contextlib.asynccontextmanager
async def open_jobs(
    state: Resources, *, concurrency: int = 1, periodic: Sequence[PeriodicJob] = ()
) -> AsyncIterator[JobRunner]:
    """A job runner on the process's resources, open for the block."""
    runner = JobRunner(state, concurrency=concurrency, periodic=periodic)
    await runner.open()
    try:
        yield runner
    finally:
        await runner.close()


@contextlib.asynccontextmanager
async def in_process_worker(
    state: Resources, periodic: Sequence[PeriodicJob]
) -> AsyncIterator[JobRunner]:
    """One worker in this process's event loop for the block (``serve``'s lifespan).

    A worker that stops on its own (database gone, a side task failing) is restarted after
    a pause, so the API never silently loses its only worker.
    """
    async with open_jobs(state, periodic=periodic) as runner:
        stopping = asyncio.Event()

        async def supervise() -> None:
            while not stopping.is_set():
                try:
                    await runner.run_forever(install_signal_handlers=False, name="in-process")
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("in-process worker crashed")
                if not stopping.is_set():
                    logger.warning("in-process worker stopped; restarting in 5 s")
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stopping.wait(), timeout=5)

        task = asyncio.create_task(supervise(), name="in-process job worker")
        try:
            yield runner
        finally:
            stopping.set()
            task.cancel()
            # Cancelling the worker lets running jobs finish (up to the grace period).
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_standalone_worker(
    state: Resources, *, concurrency: int, periodic: Sequence[PeriodicJob]
) -> None:
    """``graphql-api worker``: work until SIGINT/SIGTERM, then drain."""
    async with open_jobs(state, concurrency=concurrency, periodic=periodic) as runner:
        await runner.run_forever(install_signal_handlers=True)
