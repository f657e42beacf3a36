"""A real headless Chromium against the real app served by uvicorn on loopback.

These tests carry the ``browser`` marker, which the default run deselects (``addopts`` in
pyproject.toml): a newcomer's ``make test`` has no Chromium. CI installs Debian's
``chromium`` and runs ``pytest -m browser tests/browser`` (see ``.ci/run``).

Every request a page makes is recorded; anything not addressed to loopback is aborted (so
the page behaves as it would offline) and fails the test that made it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright
from starlette.types import ASGIApp

from graphql_api.listening import bound_port, listen

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Headless, and nothing of Chromium's own talks to the network (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Offline for host names too: nothing resolves (pages here use 127.0.0.1 literals).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts"


def is_loopback(url: str) -> bool:
    """True for URLs to this machine only (127.0.0.0/8, ::1); data: and blob: stay local."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    try:
        return ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False  # a host name: it would need DNS, so it would leave the machine


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (never a downloaded one: no ``playwright install``)."""
    if not CHROMIUM.exists():  # noqa: ASYNC240 - once per session, before the browser starts
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set "
            "CHROMIUM; the browser tests run only when selected with -m browser"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Traffic:
    """What the pages of one browser context asked for."""

    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Requests that would have left the machine (aborted)."""
    console_errors: list[str] = field(default_factory=list)

    def left_loopback(self) -> list[str]:
        """Everything a page asked for off this machine (refused or not)."""
        asked = self.requests + self.websockets
        return sorted(set(self.refused + [url for url in asked if not is_loopback(url)]))


@dataclass
class Session:
    """A fresh browser context with its traffic recorded."""

    context: BrowserContext
    traffic: Traffic

    async def new_page(self) -> Page:
        page = await self.context.new_page()
        page.on("websocket", lambda ws: self.traffic.websockets.append(ws.url))
        page.on(
            "console",
            lambda message: (
                self.traffic.console_errors.append(message.text)
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.traffic.console_errors.append(str(exc)))
        return page


@pytest.fixture
async def session(browser: Browser) -> AsyncIterator[Session]:
    """A browser context whose every request is recorded (not intercepted: Playwright
    answers CORS preflights itself for routed requests, which would hide the server's)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    traffic = Traffic()
    context.on("request", lambda request: traffic.requests.append(request.url))
    try:
        yield Session(context, traffic)
    finally:
        await context.close()


@pytest.fixture
async def offline_session(session: Session) -> Session:
    """The same, with every request off loopback aborted as if there were no network."""

    async def gate(route: Route) -> None:
        url = route.request.url
        if is_loopback(url):
            await route.continue_()
        else:
            session.traffic.refused.append(url)
            await route.abort("internetdisconnected")

    await session.context.route("**/*", gate)
    return session


@contextlib.asynccontextmanager
async def served(app: ASGIApp) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; its base URL."""
    sock = listen("127.0.0.1", 0)
    port = bound_port(sock)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
