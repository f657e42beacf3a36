"""Load generation: ``wrk`` (a C load generator) when installed, else a bounded httpx loop.

Both keep a fixed number of connections busy for a fixed time against a loopback URL and
report requests per second. ``wrk`` is preferred: on a two-core machine a Python client
would compete with the server it measures. It is never installed by the suite (install it
with ``apt-get install wrk``); without it the httpx loop runs instead.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# A hard cap on requests per run for the httpx loop, so a run is bounded in count and time.
MAX_REQUESTS = 200_000


@dataclass(frozen=True)
class LoadResult:
    """One run of the load generator."""

    requests: int
    seconds: float
    failures: int
    p50_ms: float | None
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_tool() -> str:
    """``wrk`` when on PATH, else ``httpx``."""
    return "wrk" if shutil.which("wrk") else "httpx"


def _lua(body: str, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = [==[{body}]==]"]
    lines += [f'wrk.headers["{name}"] = [==[{value}]==]' for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def _parse_ms(value: str, unit: str) -> float:
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]
    return float(value) * scale


def _wrk(
    url: str, body: str, headers: dict[str, str], *, seconds: float, concurrency: int
) -> LoadResult:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(_lua(body, headers))
        output = subprocess.run(
            [
                "wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s",
                "--latency", "--timeout", "10s", "-s", str(script), url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    if done is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    elapsed = _parse_ms(done.group(2), done.group(3)) / 1000
    failures = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        failures += int(non_2xx.group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if errors:
        failures += sum(int(group) for group in errors.groups())
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)", output)
    return LoadResult(
        requests=int(done.group(1)),
        seconds=elapsed,
        failures=failures,
        p50_ms=_parse_ms(p50.group(1), p50.group(2)) if p50 else None,
        tool="wrk",
    )


async def _httpx(
    url: str, body: str, headers: dict[str, str], *, seconds: float, concurrency: int
) -> LoadResult:
    latencies: list[float] = []
    failures = 0
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal failures, sent
            while time.perf_counter() < deadline and sent < MAX_REQUESTS:
                sent += 1
                began = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                    if response.status_code != 200:
                        failures += 1
                except httpx.HTTPError:
                    failures += 1
                latencies.append(time.perf_counter() - began)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        failures=failures,
        p50_ms=latencies[len(latencies) // 2] * 1000 if latencies else None,
        tool="httpx",
    )


async def post_load(
    url: str,
    payload: dict[str, Any],
    *,
    token: str,
    seconds: float,
    concurrency: int,
    tool: str,
) -> LoadResult:
    """Keep ``concurrency`` connections posting ``payload`` to ``url`` for ``seconds``."""
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if tool == "wrk":
        return await asyncio.to_thread(
            _wrk, url, body, headers, seconds=seconds, concurrency=concurrency
        )
    return await _httpx(url, body, headers, seconds=seconds, concurrency=concurrency)
