"""CORS in a real Chromium: a page on an allowed origin calls the API (after a preflight
the API answers); a page on another origin is refused by the browser."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphql_api.app import AppState
from graphql_api.composition import build_app
from tests.browser.conftest import Session, served
from tests.conftest import Member

pytestmark = pytest.mark.browser

# What a SPA does: JSON with a bearer token, and a retry key on a mutation.
CALL_API = """
async ([url, token]) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + token,
        "Idempotency-Key": "spa-retry-key-1",
      },
      body: JSON.stringify({query: "{ me { email } }"}),
    });
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {error: String(error)};
  }
}
"""


class Recorder:
    """ASGI middleware noting each request's method, Origin and response status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, str | None, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append(
                    (scope["method"], origin.decode() if origin else None, message["status"])
                )
            await send(message)

        await self.app(scope, receive, record)


def spa_page() -> Starlette:
    async def index(request: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>SPA</title><p>a single-page app</p>")

    return Starlette(routes=[Route("/", index)])


async def call_from(session: Session, page_url: str, api_url: str, token: str) -> dict[str, Any]:
    page = await session.new_page()
    await page.goto(page_url)
    result: dict[str, Any] = await page.evaluate(CALL_API, [f"{api_url}/graphql", token])
    return result


async def test_an_allowed_origin_calls_the_api_and_another_is_refused(
    state: AppState, owner: Member, session: Session
) -> None:
    async with served(spa_page()) as allowed, served(spa_page()) as other:
        state.settings.cors_origins = [allowed]
        api = Recorder(build_app(state, close_state_on_shutdown=False))
        async with served(api) as api_url:
            ok = await call_from(session, allowed, api_url, owner.token)
            assert ok["status"] == 200
            assert ok["body"]["data"] == {"me": {"email": owner.email}}
            # The page reads the whole answer, the cost the API reports included.
            assert ok["body"]["extensions"]["cost"]["requested"] == 1
            # The browser asked first (Authorization and JSON are not "simple"), then sent.
            assert api.seen == [("OPTIONS", allowed, 200), ("POST", allowed, 200)]

            api.seen.clear()
            refused = await call_from(session, other, api_url, owner.token)
            assert refused == {"error": "TypeError: Failed to fetch"}
            # The preflight was refused, so the browser never sent the request itself.
            assert api.seen == [("OPTIONS", other, 400)]
    assert session.traffic.left_loopback() == []
    assert any("blocked by CORS policy" in line for line in session.traffic.console_errors)
