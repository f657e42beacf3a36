"""Where the API listens: the socket ``serve`` binds itself, its address as people type it,
and uvicorn's options for serving on it.

Shared by ``serve`` and the demo (which serves on the socket ``serve`` bound), so neither
imports the other for these.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

import uvicorn

from graphql_api.settings import SettingsError

GRACEFUL_SHUTDOWN_SECONDS = 10


class PortInUse(SettingsError):
    """The port asked for is taken; the message says how to pick another."""


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


def uvicorn_config(app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn's options for the API: our logging, a bounded graceful shutdown.

    uvicorn's access log is off: our access line (``graphql_api.middleware.AccessLog``)
    replaces it, and uvicorn's would print GET query strings verbatim.
    """
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **options,
    )
