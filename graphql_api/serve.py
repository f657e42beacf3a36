"""Running the service under uvicorn (and, later, the job worker and the demo)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette

from graphql_api.app import AppState, create_app
from graphql_api.migrate import upgrade
from graphql_api.runtime import database_url
from graphql_api.settings import Settings, SettingsError

logger = logging.getLogger(__name__)


def exit_cleanly_after_shutdown() -> None:
    """Turn the SIGTERM uvicorn re-raises after its graceful shutdown into ``SystemExit(0)``.

    Without this the default handler kills the process right after uvicorn drained its
    requests, before our ``finally`` blocks stop the embedded PostgreSQL.
    """

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)


def serve(settings: Settings, *, host: str, port: int, demo: bool = False) -> None:
    """Serve until interrupted; uvicorn drains open requests on SIGTERM/SIGINT."""
    exit_cleanly_after_shutdown()
    if demo:
        from graphql_api.demo import serve_demo

        serve_demo(settings, host=host, port=port)
        return
    with database_url(settings) as url:
        if settings.uses_embedded_database or demo:
            upgrade(url)
        state = AppState.create(settings, url)
        app = create_app(state)
        in_process = settings.run_worker_in_process
        if in_process is None:
            in_process = settings.uses_embedded_database or demo
        if in_process:
            add_in_process_worker(app, state)
        print(f"GraphQL API on http://{host}:{port}/graphql", flush=True)
        # Our access line (graphql_api.middleware.AccessLog) replaces uvicorn's, which would
        # print GET query strings verbatim.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=10,
        )


def add_in_process_worker(app: Starlette, state: AppState) -> None:
    """Run one job worker for the app's lifetime (started after, stopped before the app's
    own lifespan, so it drains its jobs while the database is still open)."""
    from graphql_api.jobs.worker import in_process_worker

    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi_app: Starlette) -> AsyncIterator[Any]:
        async with inner(asgi_app) as value, in_process_worker(state):
            yield value

    app.router.lifespan_context = lifespan


def run_worker(settings: Settings, *, concurrency: int) -> None:
    """Standalone background workers until SIGINT/SIGTERM (see ``graphql_api.jobs``)."""
    if concurrency < 1:
        raise SettingsError("--concurrency: must be at least 1")
    from graphql_api.jobs.worker import run_standalone_worker

    with database_url(settings) as url:
        if settings.uses_embedded_database:
            upgrade(url)
        state = AppState.create(settings, url)
        print(f"job worker running (concurrency {concurrency})", flush=True)
        asyncio.run(run_standalone_worker(state, concurrency=concurrency))
