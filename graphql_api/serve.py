"""Running the service under uvicorn: one API process or several, the job worker, the demo.

``serve`` binds the listening socket itself, before anything slow starts, so a busy port is
reported in one plain line at once; uvicorn then serves on that socket (``--workers N``: N
processes share it and the kernel spreads connections over them).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from graphql_api.app import AppState, create_app
from graphql_api.migrate import upgrade
from graphql_api.runtime import database_url
from graphql_api.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN_SECONDS = 10
PLAN_ENV = "GRAPHQL_API_PROCESS_PLAN"
"""How ``serve --workers N`` tells its API processes what the parent decided (JSON)."""


class PortInUse(SettingsError):
    """The port asked for is taken; the message says how to pick another."""


def exit_cleanly_after_shutdown() -> None:
    """Turn the SIGTERM uvicorn re-raises after its graceful shutdown into ``SystemExit(0)``.

    Without this the default handler kills the process right after uvicorn drained its
    requests, before our ``finally`` blocks stop the embedded PostgreSQL.
    """

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _exit)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (``port`` 0: any free port), ready for uvicorn.

    Binding here rather than in uvicorn turns "address in use" into a sentence naming the
    port and the way to choose another, instead of an asyncio traceback in a log line.
    """
    if not 0 <= port <= 65535:
        raise SettingsError(f"--port: {port} is not a port number (1–65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        message = f"--host: cannot listen on {host!r}, it is not a local address"
        raise SettingsError(message) from None
    family, kind, proto, _, address = infos[0]
    # proto must be IPPROTO_TCP (as getaddrinfo gives it), not 0: asyncio sets TCP_NODELAY
    # on accepted connections only then (else ~40 ms of Nagle delay per response).
    sock = socket.socket(family, kind, proto)
    # Like uvicorn: a restart may bind while old connections sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise _bind_problem(exc, host, port) from None
    sock.set_inheritable(True)
    return sock


def _bind_problem(exc: OSError, host: str, port: int) -> SettingsError:
    other = port + 1 if 0 < port < 65535 else 8001
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(
            f"port {port} on {host} is already in use (another graphql-api, or another "
            f"program). Pick another port: make run PORT={other}, or graphql-api serve "
            f"--port {other}."
        )
    if exc.errno == errno.EACCES:
        return SettingsError(
            f"port {port} on {host} needs administrator rights. Pick a port above 1023: "
            f"make run PORT=8000, or graphql-api serve --port 8000."
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return SettingsError(f"--host: {host} is not an address of this machine")
    return SettingsError(f"cannot listen on {host}:{port}: {exc.strerror}")


def graphql_url(host: str, port: int) -> str:
    """Where the API answers, as a browser needs it (IPv6 addresses in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/graphql"


def bound_port(sock: socket.socket) -> int:
    """The port a socket is bound to (the real one when 0 was asked for)."""
    return int(sock.getsockname()[1])


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


def build_app(settings: Settings, plan: ProcessPlan) -> Starlette:
    """One API process's app (with its job worker when the plan says so)."""
    state = AppState.create(settings, plan.database_url)
    app = create_app(state)
    if plan.in_process_worker:
        add_in_process_worker(app, state)
    return app


def api_process_app() -> Starlette:
    """uvicorn's app factory in each process of ``serve --workers N``.

    The processes are spawned fresh, so each reads the settings again and takes the database
    URL (the embedded server's, too) from the parent's plan.
    """
    from graphql_api.logs import configure_logging
    from graphql_api.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    return build_app(settings, ProcessPlan.from_env())


def uvicorn_config(app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn's options for the API: our logging, a bounded graceful shutdown."""
    return uvicorn.Config(
        app, log_config=None, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, **options
    )


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
        from graphql_api.demo import serve_demo

        serve_demo(settings, sock=sock, host=host)
        return
    with database_url(settings) as url:
        if settings.uses_embedded_database:
            upgrade(url)
        plan = plan_for(settings, url)
        if workers == 1:
            app = build_app(settings, plan)
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
