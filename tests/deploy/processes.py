"""Real ``graphql-api`` processes for deployment tests: started, awaited, stopped.

Output goes to files (a pipe nobody reads would block a chatty process once it is full);
a process that dies or never comes up fails the test with the tail of its stderr.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90.0
STOP_SECONDS = 30.0
"""A graceful stop drains requests (10 s) and jobs (10 s); more than this is a hang."""
_SERVING = re.compile(r"GraphQL API on (http://\S+)/graphql")


@dataclass
class Process:
    """One ``graphql-api`` command running in the background."""

    name: str
    popen: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    base_url: str | None = field(default=None)

    def output(self) -> str:
        return self.stdout.read_text(errors="replace")

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} stderr ---\n" + self.stderr.read_text(errors="replace")[-chars:]

    def child_pids(self) -> list[int]:
        """Processes whose parent is this one (from /proc)."""
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4 of /proc/PID/stat is the parent pid (after the parenthesised name).
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.popen.pid:
                children.append(int(entry.name))
        return children

    async def stop(self) -> int:
        """SIGTERM, then wait (SIGKILL after ``STOP_SECONDS``); the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_SECONDS
        while self.popen.poll() is None:
            if loop.time() > deadline:
                self.popen.kill()
                self.popen.wait()
                break
            await asyncio.sleep(0.1)
        return int(self.popen.returncode)


def start(name: str, args: list[str], env: dict[str, str], logs: Path) -> Process:
    """``graphql-api ARGS`` (as ``python -m graphql_api.cli``) with ``env`` on top of ours."""
    stdout, stderr = logs / f"{name}.out", logs / f"{name}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        popen = subprocess.Popen(
            [sys.executable, "-m", "graphql_api.cli", *args],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=err,
        )
    return Process(name, popen, stdout, stderr)


async def wait_until_serving(process: Process) -> str:
    """The base URL once ``serve`` printed it and ``/readyz`` answers 200."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            if process.popen.poll() is not None:
                raise AssertionError(f"{process.name} exited early\n{process.tail()}")
            if loop.time() > deadline:
                raise AssertionError(f"{process.name} never became ready\n{process.tail()}")
            found = _SERVING.search(process.output())
            if found:
                try:
                    ready = await client.get(f"{found.group(1)}/readyz")
                except httpx.TransportError:
                    ready = None
                if ready is not None and ready.status_code == 200:
                    process.base_url = found.group(1)
                    return process.base_url
            await asyncio.sleep(0.2)


async def stop_all(processes: list[Process]) -> dict[str, int]:
    """Stop every process at once; their exit codes by name."""
    codes = await asyncio.gather(*(p.stop() for p in processes))
    return {p.name: code for p, code in zip(processes, codes, strict=True)}
