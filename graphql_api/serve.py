"""Running the service under uvicorn: one API process or several, the job worker, the demo.

``serve`` binds the listening socket itself (``graphql_api.listening``), before anything slow
starts, so a busy port is reported in one plain line at once; uvicorn then serves on that
socket (``--workers N``: N processes share it and the kernel spreads connections over them).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from dataclasses import asdict, dataclass

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from graphql_api.app import AppState
from graphql_api.composition import PERIODIC_JOBS, add_in_process_worker, build_app
from graphql_api.demo import serve_demo
from graphql_api.jobs.worker import run_standalone_worker
from graphql_api.listening import bound_port, graphql_url, listen, uvicorn_config
from graphql_api.logs import configure_logging
from graphql_api.migrate import upgrade
from graphql_api.runtime import database_url
from graphql_api.settings import Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)

PLAN_ENV = "GRAPHQL_API_PROCESS_PLAN"
"""How ``serve --workers N`` tells its API processes what the parent decided (JSON)."""


def exit_cleanly_after_shutdown() -> None:
    """Turn the SIGTERM uvicorn re-raises after its graceful shutdown into ``SystemExit(0)``.

    Without this the default handler kills the process right after uvicorn drained its
    requests, before our ``finally`` blocks stop the embedded PostgreSQL.
    """

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)


@dataclass(frozen=True)
class ProcessPlan:
    """What every API process of one ``serve`` uses, decided once by the parent."""

    database_url: str
    in_process_worker: bool

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ProcessPlan:
        raw = os.environ.get(PLAN_ENV)
        if not raw:
            raise SettingsError(f"{PLAN_ENV} is unset: start API processes with graphql-api serve")
        return cls(**json.loads(raw))


def plan_for(settings: Settings, url: str) -> ProcessPlan:
    """RUN_WORKER_IN_PROCESS, or by default a worker only on the embedded database.

    With DATABASE_URL the job workers are their own processes (``graphql-api worker``).
    """
    in_process = settings.run_worker_in_process
    if in_process is None:
        in_process = settings.uses_embedded_database
    return ProcessPlan(database_url=url, in_process_worker=in_process)


def process_app(settings: Settings, plan: ProcessPlan) -> Starlette:
    """One API process's app (with its job worker when the plan says so)."""
    state = AppState.create(settings, plan.database_url)
    app = build_app(state)
    if plan.in_process_worker:
        add_in_process_worker(app, state)
    return app


def api_process_app() -> Starlette:
    """uvicorn's app factory in each process of ``serve --workers N``.

    The processes are spawned fresh, so each reads the settings again and takes the database
    URL (the embedded server's, too) from the parent's plan.
    """
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return process_app(settings, ProcessPlan.from_env())


def serve(
    settings: Settings, *, host: str, port: int, demo: bool = False, workers: int = 1
) -> None:
    """Serve until interrupted; uvicorn drains open requests on SIGTERM/SIGINT."""
    if workers < 1:
        raise SettingsError("--workers: must be at least 1")
    if demo and workers > 1:
        raise SettingsError(
            "--demo runs in one process (its WeFact emulator lives in memory); leave out "
            "--workers, or run without --demo against DATABASE_URL"
        )
    sock = listen(host, port)
    port = bound_port(sock)
    exit_cleanly_after_shutdown()
    if demo:
        serve_demo(settings, sock=sock, host=host)
        return
    with database_url(settings) as url:
        if settings.uses_embedded_database:
            upgrade(url)
        plan = plan_for(settings, url)
        if workers == 1:
            app = process_app(settings, plan)
            print(f"GraphQL API on {graphql_url(host, port)}", flush=True)
            uvicorn.Server(uvicorn_config(app)).run(sockets=[sock])
            return
        # Generated once here on the embedded default: N processes racing to create the
        # key file could each encrypt with a different key.
        settings.resolved_secret_key()
        os.environ[PLAN_ENV] = plan.to_env()
        config = uvicorn_config("graphql_api.serve:api_process_app", factory=True, workers=workers)
        print(f"GraphQL API on {graphql_url(host, port)} ({workers} processes)", flush=True)
        supervisor = Multiprocess(config, sockets=[sock])
        supervisor.run()
        # uvicorn's supervisor stops everything when a process cannot start, but returns
        # normally: exit as one process would (3), not 0, so a service manager sees it.
        if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes):
            raise SystemExit(STARTUP_FAILURE)


def run_worker(settings: Settings, *, concurrency: int) -> None:
    """Standalone background workers until SIGINT/SIGTERM (see ``graphql_api.jobs``)."""
    if concurrency < 1:
        raise SettingsError("--concurrency: must be at least 1")
    with database_url(settings) as url:
        if settings.uses_embedded_database:
            upgrade(url)
        state = AppState.create(settings, url)
        print(f"job worker running (concurrency {concurrency})", flush=True)
        asyncio.run(_work(state, concurrency))


async def _work(state: AppState, concurrency: int) -> None:
    try:
        await run_standalone_worker(state, concurrency=concurrency, periodic=PERIODIC_JOBS)
    finally:
        await state.close()
