"""Run the emulator over real HTTP inside the current event loop (tests, dev tools)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn

from .app import create_emulator_app
from .state import EmulatorState

#: Path of the emulated HostFact installation (the client appends /apiv2/api.php).
HOSTFACT_INSTALLATION_PATH = "/Pro"


def client_url(state: EmulatorState, root: str) -> str:
    """The URL a client is configured with: WeFact's API URL or HostFact's installation URL."""
    return f"{root}/v2/" if state.flavor == "wefact" else f"{root}{HOSTFACT_INSTALLATION_PATH}"


@contextlib.asynccontextmanager
async def serve_emulator(
    state: EmulatorState, *others: EmulatorState, host: str = "127.0.0.1"
) -> AsyncIterator[str]:
    """Serve `state` on a free port; yields the client URL (see :func:`client_url`).

    ``others``: more administrations on the same URL, each with its own API key.

    uvicorn runs as a task in this loop, so tests can inspect and change `state`
    between calls without any locking.
    """
    # Let uvicorn bind port 0 itself: a socket made here with socket.socket() has proto 0,
    # and asyncio then skips TCP_NODELAY on accepted connections (40 ms per POST).
    config = uvicorn.Config(
        create_emulator_app(state, *others),
        host=host,
        port=0,
        log_level="critical",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # surface the startup failure
                raise RuntimeError("emulator server stopped during startup")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield client_url(state, f"http://{host}:{port}")
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
