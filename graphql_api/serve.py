"""Running the service under uvicorn (and, later, the job worker and the demo)."""

from __future__ import annotations

import logging

import uvicorn

from graphql_api.app import AppState, create_app
from graphql_api.migrate import upgrade
from graphql_api.runtime import database_url
from graphql_api.settings import Settings

logger = logging.getLogger(__name__)


def serve(settings: Settings, *, host: str, port: int, demo: bool = False) -> None:
    """Serve until interrupted; uvicorn drains open requests on SIGTERM/SIGINT."""
    with database_url(settings) as url:
        if settings.uses_embedded_database or demo:
            upgrade(url)
        state = AppState.create(settings, url)
        app = create_app(state)
        print(f"GraphQL API on http://{host}:{port}/graphql", flush=True)
        uvicorn.run(app, host=host, port=port, log_config=None, timeout_graceful_shutdown=10)


def run_worker(settings: Settings, *, concurrency: int) -> None:
    """Standalone background workers (see the jobs module)."""
    raise SystemExit("graphql-api worker: background jobs are not available in this build yet")
