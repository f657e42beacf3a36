"""ASGI middleware around every route: the access line, security headers, the body limit.

Each is a plain ASGI wrapper (no per-request objects beyond what it needs), ordered in
``graphql_api.app.middleware``: the access line outermost (it sees every answer, 413s
included), then the security headers, then CORS (when configured), then the body limit.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import ClientDisconnect

from graphql_api import graphiql
from graphql_api.errors import RequestCode
from graphql_api.logs import RequestLog

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_logger = logging.getLogger("graphql_api.access")

# One policy for every answer: the GraphiQL page's (``graphql_api.graphiql``), which allows
# nothing but this server — no CDN, no inline script or style. The page sends it itself;
# the API's JSON answers and GraphiQL's assets need even less, so it costs them nothing.
CONTENT_SECURITY_POLICY = graphiql.CONTENT_SECURITY_POLICY
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
)
# Probes hit these every few seconds: their lines are DEBUG, not INFO.
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})


async def send_json_error(
    send: Send,
    status: int,
    message: str,
    code: RequestCode,
    headers: dict[str, str] | None = None,
) -> None:
    """An error answer shaped like a GraphQL response without ``data`` (a request error)."""
    body = json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code.name}}]}
    ).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def request_log(scope: Scope) -> RequestLog | None:
    """The access record of this request, for the GraphQL view to fill in."""
    state = scope.get("state")
    found = state.get("request_log") if isinstance(state, dict) else None
    return found if isinstance(found, RequestLog) else None


class AccessLog:
    """One line per HTTP request, written when it ends (see ``graphql_api.logs.RequestLog``).

    A request that fails unexpectedly is answered 500 here (never an ASGI traceback from the
    server) and its line carries the traceback; a client that went away is an INFO line.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestLog(method=scope["method"], path=scope["path"])
        scope.setdefault("state", {})["request_log"] = record
        started = time.perf_counter()
        response_started = False

        async def send_and_note(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                record.status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except ClientDisconnect:
            record.outcome = "disconnected"
        except Exception as exc:
            record.faults.append(exc)
            if not response_started:
                await send_json_error(
                    send_and_note, 500, "Unexpected error.", RequestCode.INTERNAL_SERVER_ERROR
                )
        finally:
            self._write(record, (time.perf_counter() - started) * 1000)

    @staticmethod
    def _write(record: RequestLog, duration_ms: float) -> None:
        if record.faults or (
            record.outcome == "ok" and record.status is not None and record.status >= 500
        ):
            record.outcome = "server_fault"
        elif record.outcome == "ok" and record.status is not None and record.status >= 400:
            record.outcome = "client_error"
        level = logging.INFO
        if record.outcome == "server_fault":
            level = logging.ERROR
        elif record.outcome == "timeout":
            level = logging.WARNING
        elif record.path in _QUIET_PATHS and record.outcome == "ok":
            level = logging.DEBUG
        fault = record.faults[0] if record.faults else None
        access_logger.log(
            level,
            "%s %s %s",
            record.method,
            record.path,
            record.status if record.status is not None else "-",
            extra=record.fields(duration_ms),
            exc_info=(type(fault), fault, fault.__traceback__) if fault is not None else None,
        )


class SecurityHeaders:
    """nosniff, no framing, no referrer, and the CSP above on every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    """The body grew past the limit while it was read."""


MULTIPART_OVERHEAD_BYTES = 256 * 1024
"""Room a multipart upload needs beside its file: the operations and map parts, boundaries."""


class BodyLimit:
    """Refuse bodies over the limit with 413: by Content-Length before reading anything, and
    while reading for chunked bodies (which announce no length).

    A GraphQL document needs little room (``max_bytes``); a multipart upload carries a file
    (a receipt), so ``multipart/form-data`` bodies get ``upload_max_bytes`` instead. The upload
    itself is then checked against its own, exact limit where it is stored.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None) -> None:
        self.app = app
        self.plain_max_bytes = max_bytes
        self.upload_max_bytes = max(upload_max_bytes or max_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_max_bytes if _is_multipart(scope) else self.plain_max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def noting_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            if not response_started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        await send_json_error(
            send,
            413,
            f"The request body is larger than {limit:,} bytes.",
            RequestCode.PAYLOAD_TOO_LARGE,
        )


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower().startswith(b"multipart/form-data")
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
