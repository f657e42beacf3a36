"""Start a benchmark server in its own process on a free loopback port and stop it again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

STARTUP_SECONDS = 60.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    """A port nobody listens on right now (loopback only)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A running server process."""

    kind: str
    base_url: str
    pid: int


@asynccontextmanager
async def running(
    kind: str, database_url: str, extra_env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """``python -m bench.server <kind>`` until the block ends (SIGTERM, then SIGKILL)."""
    port = free_port()
    env = dict(os.environ, BENCH_SERVER_DATABASE_URL=database_url, **(extra_env or {}))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.server", kind, "--port", str(port), cwd=ROOT, env=env
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_up(base_url, process)
        yield Server(kind=kind, base_url=base_url, pid=process.pid)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()


async def _wait_until_up(base_url: str, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"server process exited with {process.returncode}")
            try:
                response = await client.get(base_url + "/healthz")
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server at {base_url} did not come up in {STARTUP_SECONDS:.0f} s")
