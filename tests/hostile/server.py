"""A real API server in its own process (``graphql-api serve``), for tests that need what only
a process shows: everything it writes to its log, and being killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET_KEY

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """A running server: its base URL, its process and the files its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path  # stderr: the log records
    printed: Path  # stdout: what the command prints for people

    def log_text(self) -> str:
        """Every log record the process wrote so far."""
        return self.log.read_text(errors="replace")

    def printed_text(self) -> str:
        return self.printed.read_text(errors="replace")

    def killed(self) -> bool:
        return self.process.poll() is not None


@asynccontextmanager
async def server_process(database_url: str, **env: str) -> AsyncIterator[ServerProcess]:
    """``graphql-api serve`` on a free port against ``database_url``; stopped at the end."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="graphql-api-server-", suffix=".log")[1])
    printed = Path(tempfile.mkstemp(prefix="graphql-api-server-", suffix=".out")[1])
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "RUN_WORKER_IN_PROCESS": "false",
        "LOG_FORMAT": "json",
        **env,
    }
    command = [sys.executable, "-m", "graphql_api.cli", "serve", "--port", str(port)]
    with log.open("wb") as errors, printed.open("wb") as out:  # noqa: ASYNC230 - empty files
        # Popen returns at once; readiness is polled below without blocking the loop.
        process = subprocess.Popen(  # noqa: ASYNC220
            command, env=full_env, stdout=out, stderr=errors
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log, printed)
    try:
        await _wait_until_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.to_thread(process.wait), 20)
            except TimeoutError:
                process.kill()
                await asyncio.to_thread(process.wait)


async def _wait_until_ready(server: ServerProcess) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with httpx.AsyncClient() as client:
        while loop.time() < deadline:
            if server.killed():
                raise RuntimeError("the server exited at start:\n" + server.log_text())
            try:
                if (await client.get(server.url + "/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start:\n" + server.log_text())
