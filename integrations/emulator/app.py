"""The emulator's ASGI app: one POST endpoint per flavour, like the real APIs.

Order of checks per call (as observed on the real services): WeFact firewall and rate
limit → body parsing → choosing the administration by API key, call log → injected faults →
IP whitelist (before the key) → API key → controller/action routing → HostFact write lock →
handler.

One app can serve several administrations of the same flavour (one ``EmulatorState`` each,
each with its own API key), as WeFact serves every administration on one URL: a call goes
to the administration whose key it carries, else to the first one (which refuses the key).
The rate limit and firewall are per source IP, so the first administration keeps them for
all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..phpform import decode_form
from . import attachments, debtors, invoices, products
from .common import Handler
from .messages import message
from .state import EmulatorState
from .values import RefusalError, text

ROUTES: dict[str, dict[str, Handler]] = {
    "debtor": debtors.ACTIONS,
    "product": products.ACTIONS,
    "invoice": invoices.INVOICE_ACTIONS,
    "invoiceline": invoices.LINE_ACTIONS,
    "attachment": attachments.ACTIONS,
}
READS = frozenset({"show", "list", "download"})
#: HostFact takes its global write lock for writes, except on these controllers
#: (hostfactapi.class.php, checkLogin: product, group, ticket, attachment, debtor, creditor).
UNLOCKED_CONTROLLERS = frozenset({"debtor", "product", "attachment"})
#: HostFact silently drops JSON numbers sent for string fields.
_STRING_FIELDS = frozenset(
    {
        "DebtorCode",
        "CompanyName",
        "CompanyNumber",
        "TaxNumber",
        "Initials",
        "SurName",
        "Address",
        "ZipCode",
        "City",
        "PhoneNumber",
        "MobileNumber",
        "Comment",
        "Description",
        "ReferenceNumber",
        "ProductCode",
        "ProductName",
        "ProductKeyPhrase",
        "InvoiceCode",
        "Filename",
        "Base64",
    }
)


class DroppedConnection(Response):
    """Start an answer, then fail: uvicorn closes the socket and httpx raises a
    transport error (RemoteProtocolError), as with a connection lost mid-response."""

    def __init__(self) -> None:
        super().__init__()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"contr', "more_body": True})
        raise ConnectionAbortedError("emulator: connection dropped on purpose")


def _server_date() -> str:
    return datetime.now().astimezone().replace(microsecond=0).isoformat()


def envelope(
    controller: str,
    action: str,
    data: Mapping[str, Any] | None = None,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "controller": controller,
        "action": action,
        "status": "error" if errors else "success",
        "date": _server_date(),
    }
    if errors:
        body["errors"] = errors
    else:
        body.update(data or {})
    return body


def _drop_numbers_for_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _drop_numbers_for_strings(v)
            for k, v in value.items()
            if not (k in _STRING_FIELDS and isinstance(v, (int, float)) and not isinstance(v, bool))
        }
    if isinstance(value, list):
        return [_drop_numbers_for_strings(v) for v in value]
    return value


async def parse_body(request: Request, state: EmulatorState) -> dict[str, Any]:
    """Form (PHP brackets) or JSON; query-string parameters are ignored."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {}
        if not isinstance(data, dict):
            return {}
        return _drop_numbers_for_strings(data) if state.flavor == "hostfact" else data
    return decode_form(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


class Emulator:
    def __init__(self, state: EmulatorState, *others: EmulatorState) -> None:
        self.state = state
        self.administrations = (state, *others)

    def administration(self, params: dict[str, Any]) -> EmulatorState:
        key = text(params.get("api_key"))
        return next((s for s in self.administrations if s.api_key == key), self.state)

    # -- WeFact rate limit --------------------------------------------------------------

    def _rate_limit(self, ip: str) -> tuple[dict[str, str], bool]:
        """Count the call; returns the headers to send and whether the IP is firewalled."""
        state = self.state
        now = state.wall_clock()
        windows = state.rate_windows.setdefault(ip, {})
        headers: dict[str, str] = {}
        over = False
        for name, size, limit in (
            ("Minute", 60, state.rate_limit_per_minute),
            ("Hour", 3600, state.rate_limit_per_hour),
        ):
            start = now - now % size
            previous_start, count = windows.get(name, (start, 0))
            count = count + 1 if previous_start == start else 1
            windows[name] = (start, count)
            over = over or count > limit
            headers[f"API-RateLimit-Remaining-{name}"] = str(max(0, limit - count))
            headers[f"API-RateLimit-Reset-{name}"] = str(int(start + size))
        banned_until = state.firewalled.get(ip, 0.0)
        if over or banned_until > now:
            # Calls during a ban extend it, as on the real service.
            state.firewalled[ip] = now + state.firewall_seconds
            return headers, True
        return headers, False

    # -- the endpoint -------------------------------------------------------------------

    def _path_ok(self, path: str) -> bool:
        if self.state.flavor == "wefact":
            return path.rstrip("/") == "/v2"
        return path.endswith("/apiv2/api.php")

    async def handle(self, request: Request) -> Response:  # noqa: PLR0911 - one exit per stage
        state = self.state
        if not self._path_ok(request.url.path):
            return HTMLResponse("<html><body><h1>404 Not Found</h1></body></html>", status_code=404)
        if request.method != "POST":
            return PlainTextResponse("Method not allowed", status_code=405)
        ip = request.client.host if request.client else "unknown"
        headers: dict[str, str] = {}
        if state.flavor == "wefact":
            headers, banned = self._rate_limit(ip)
            if banned:
                # Plain text, not the JSON envelope: WeFact's PHP sample copies the raw body
                # into errors[0]; two more public clients document plain text.
                text_body = message("wefact", "firewall", ip=ip)
                return PlainTextResponse(text_body, status_code=403, headers=headers)

        params = await parse_body(request, state)
        state = self.administration(params)
        controller = text(params.get("controller")).strip().lower()
        action = text(params.get("action")).strip().lower()
        state.calls.append((controller, action))

        fault = state.faults.take(controller, action)
        if fault is not None:
            if fault.kind == "error500":
                return HTMLResponse(
                    "<html><body><h1>500 Internal Server Error</h1></body></html>", status_code=500
                )
            if fault.kind == "drop":
                return DroppedConnection()
            if fault.kind in ("timeout", "slow"):
                default = state.timeout_delay if fault.kind == "timeout" else state.slow_delay
                await asyncio.sleep(fault.delay if fault.delay is not None else default)

        body = await self._process(state, ip, params, controller, action)
        if fault is not None and fault.kind == "lose_response":
            return DroppedConnection()
        return JSONResponse(body, headers=headers)

    @staticmethod
    def _refusal(state: EmulatorState, ip: str, params: dict[str, Any]) -> str | None:
        """The message refusing the call before routing, if any (IP before the key)."""
        key = text(params.get("api_key"))
        checks = (
            (state.whitelist is not None and ip not in state.whitelist, "ip"),
            (not key, "no_key"),
            (key != state.api_key, "bad_key"),
            (not state.api_enabled, "disabled"),
        )
        return next((message(state.flavor, name, ip=ip) for failed, name in checks if failed), None)

    async def _process(
        self, state: EmulatorState, ip: str, params: dict[str, Any], controller: str, action: str
    ) -> dict[str, Any]:
        flavor = state.flavor
        if refusal := self._refusal(state, ip, params):
            return envelope("invalid", "invalid", errors=[refusal])
        actions = ROUTES.get(controller)
        if actions is None:
            return envelope("invalid", "invalid", errors=[message(flavor, "invalid_controller")])
        handler = actions.get(action)
        if handler is None:
            return envelope(controller, "invalid", errors=[message(flavor, "invalid_action")])

        locked = (
            flavor == "hostfact" and action not in READS and controller not in UNLOCKED_CONTROLLERS
        )
        if not locked:
            return self._run(state, handler, params, controller, action)
        lock = state.write_lock()
        try:
            await asyncio.wait_for(lock.acquire(), timeout=state.write_lock_wait)
        except TimeoutError:
            return envelope(controller, action, errors=[message(flavor, "write_lock")])
        try:
            result = self._run(state, handler, params, controller, action)
            if state.write_hold_seconds > 0:
                await asyncio.sleep(state.write_hold_seconds)
            return result
        finally:
            lock.release()

    @staticmethod
    def _run(
        state: EmulatorState,
        handler: Handler,
        params: dict[str, Any],
        controller: str,
        action: str,
    ) -> dict[str, Any]:
        try:
            return envelope(controller, action, handler(state, params))
        except RefusalError as fault:
            return envelope(controller, action, errors=fault.messages)


def create_emulator_app(state: EmulatorState, *others: EmulatorState) -> Starlette:
    """A Starlette app emulating WeFact (``POST /v2/``) or HostFact (``POST …/apiv2/api.php``).

    ``others``: more administrations on the same URL, told apart by their API keys."""
    if any(other.flavor != state.flavor for other in others):
        raise ValueError("every administration of one emulator has the same flavour")
    emulator = Emulator(state, *others)
    app = Starlette(routes=[Route("/{path:path}", emulator.handle, methods=["GET", "POST"])])
    app.state.emulator = state
    return app
