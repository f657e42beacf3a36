"""A webhook receiver over real HTTP on loopback (uvicorn in this event loop) that verifies
every request's signature with the ``standardwebhooks`` library, as a partner would.

Each path is one receiver: ``receiver.url("/a")``. Per path the test sets the secret(s) to
verify with (``secrets``), how many first requests fail with a 500 (``fail_first``) and
whether requests hang until released (``hang``). Every request is kept in ``received``
with whether its signature verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


@dataclass
class Received:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified_with: list[int]
    """Indexes of the path's secrets whose verification passed (empty: forged or wrong)."""

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


@dataclass
class Receiver:
    """The receiving side; tests read and change it freely (one event loop)."""

    base: str = ""
    secrets: dict[str, list[str]] = field(default_factory=dict)
    fail_first: dict[str, int] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    hanging: int = 0
    """Requests hanging right now."""
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, predicate: Any) -> None:
        """Until ``predicate()`` holds (re-checked on every arrival and every 0.1 s, for at
        most a minute)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60.0
        while not predicate():
            remaining = deadline - loop.time()
            assert remaining > 0, f"receiver: condition not met; got {self.received!r}"
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(0.1, remaining))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        path = request.url.path
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified = []
        for index, secret in enumerate(self.secrets.get(path, [])):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            verified.append(index)
        self.received.append(Received(path, headers, body, verified))
        self._arrived.set()
        if path in self.hang:
            self.hanging += 1
            try:
                await self.released.wait()
            finally:
                self.hanging -= 1
        seen = len(self.at(path))
        status = 500 if seen <= self.fail_first.get(path, 0) else 204
        if not verified:
            status = 400
        await Response(status_code=status)(scope, receive, send)


@contextlib.asynccontextmanager
async def serve_receiver(receiver: Receiver) -> AsyncIterator[Receiver]:
    """The receiver on a free loopback port for the block."""
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=0, log_level="critical", access_log=False,
        lifespan="off", timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("receiver stopped during startup")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        receiver.base = f"http://127.0.0.1:{port}"
        yield receiver
    finally:
        receiver.released.set()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
