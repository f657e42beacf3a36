"""Fixtures for the integrations tests (no database needed).

The shared client suite runs against two backends via the ``env`` fixture:

* ``recorded``: respx replays a cassette (``cassettes/<flavor>/<test>.json``) and checks
  that every request body is exactly the recorded one, so the wire format is pinned.
* ``emulator``: the real client talks HTTP to the emulator served by uvicorn.

Record cassettes again after an intended wire-format change with
``INTEGRATIONS_RECORD=1 pytest tests/integrations -k emulator`` (emulator runs write them).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
import respx

from integrations.client import ProviderClient
from integrations.emulator import EmulatorState, create_emulator_app, serve_emulator
from integrations.hostfact import HostFactClient
from integrations.phpform import encode_form
from integrations.transport import NODELAY, RetryPolicy, make_http_client
from integrations.wefact import WeFactClient

API_KEY = "test-key-7f3a9c1e5b"
RECORDED_URLS = {
    "wefact": "https://api.mijnwefact.nl/v2/",
    "hostfact": "https://hostfact.example.com/Pro",
}
CASSETTES = Path(__file__).parent / "cassettes"
RECORDING = os.environ.get("INTEGRATIONS_RECORD") == "1"
_KEPT_HEADERS = ("content-type", "api-ratelimit-")


async def no_sleep(_seconds: float) -> None:
    """Injected instead of asyncio.sleep: retries and pacing without waiting."""


def make_client(flavor: str, http: httpx.AsyncClient, url: str, **kwargs: Any) -> ProviderClient:
    kwargs.setdefault("retry", RetryPolicy(attempts=3, base_delay=0))
    kwargs.setdefault("sleep", no_sleep)
    if flavor == "wefact":
        return WeFactClient(http, API_KEY, url, **kwargs)
    return HostFactClient(http, API_KEY, url, **kwargs)


@pytest.fixture(autouse=True)
def _key_never_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No log record of any test here may contain the API key."""
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in repr(record.__dict__)


# -- the shared suite's backend ------------------------------------------------------------


class FakeClock:
    """A settable clock for EmulatorState.clock (Created/Modified timestamps)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ProviderEnv:
    mode: str
    flavor: str
    client: ProviderClient
    #: The emulator's state; None when replaying a cassette.
    state: EmulatorState | None
    http: httpx.AsyncClient
    url: str

    def client_with_key(self, api_key: str) -> ProviderClient:
        if self.flavor == "wefact":
            return WeFactClient(self.http, api_key, self.url, sleep=no_sleep)
        return HostFactClient(self.http, api_key, self.url, sleep=no_sleep)

    def code(self, wefact: str, hostfact: str) -> str:
        """Pick the flavour's spelling of an expected value."""
        return wefact if self.flavor == "wefact" else hostfact

    def setup(self, arrange: Callable[[EmulatorState], object]) -> None:
        """Arrange emulator state; a no-op on replay (the cassette already reflects it)."""
        if self.state is not None:
            arrange(self.state)


def _form(body: bytes) -> list[list[str]]:
    pairs = parse_qsl(body.decode(), keep_blank_values=True)
    return [[key, "<API_KEY>" if key == "api_key" else value] for key, value in pairs]


@dataclass
class Recorder(httpx.AsyncBaseTransport):
    """Wraps the real transport and keeps every exchange for the cassette."""

    inner: httpx.AsyncBaseTransport
    interactions: list[dict[str, Any]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.interactions.append(
            {
                "request": {"form": _form(body)},
                "response": {
                    "status": response.status_code,
                    "headers": {
                        k: v
                        for k, v in response.headers.items()
                        if k.lower().startswith(_KEPT_HEADERS)
                    },
                    "json": json.loads(content) if content else None,
                },
            }
        )
        return httpx.Response(response.status_code, headers=response.headers, content=content)


class Player:
    """respx side effect replaying a cassette and asserting each request matches it."""

    def __init__(self, path: Path, url: str) -> None:
        if not path.exists():
            pytest.fail(
                f"cassette {path} missing: run the emulator variant with INTEGRATIONS_RECORD=1"
            )
        self.interactions: list[dict[str, Any]] = json.loads(path.read_text())
        self.url = url
        self.position = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == self.url
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert API_KEY not in str(request.url)
        assert API_KEY not in str(dict(request.headers))
        assert self.position < len(self.interactions), "more calls than recorded"
        recorded = self.interactions[self.position]
        self.position += 1
        assert _form(request.content) == recorded["request"]["form"]
        answer = recorded["response"]
        return httpx.Response(answer["status"], headers=answer["headers"], json=answer["json"])


@pytest.fixture(
    params=["recorded-wefact", "recorded-hostfact", "emulator-wefact", "emulator-hostfact"]
)
async def env(request: pytest.FixtureRequest) -> AsyncIterator[ProviderEnv]:
    mode, flavor = request.param.split("-")
    cassette = CASSETTES / flavor / f"{request.node.originalname}.json"
    if mode == "recorded":
        url = RECORDED_URLS[flavor]
        player = Player(cassette, url if flavor == "wefact" else url + "/apiv2/api.php")
        async with httpx.AsyncClient() as http:
            with respx.mock(assert_all_mocked=True) as router:
                router.post(player.url).mock(side_effect=player)
                yield ProviderEnv(mode, flavor, make_client(flavor, http, url), None, http, url)
        assert player.position == len(player.interactions), "fewer calls than recorded"
        return
    state = EmulatorState(flavor, api_key=API_KEY)
    recorder = Recorder(httpx.AsyncHTTPTransport(socket_options=NODELAY))
    async with serve_emulator(state) as url, make_http_client(5, transport=recorder) as http:
        yield ProviderEnv(mode, flavor, make_client(flavor, http, url), state, http, url)
    if RECORDING:
        cassette.parent.mkdir(parents=True, exist_ok=True)
        cassette.write_text(json.dumps(recorder.interactions, indent=1, ensure_ascii=False) + "\n")


@pytest.fixture
async def emulator_http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(5) as http:
        yield http


# -- the emulator on the wire (in-process ASGI, no client) ----------------------------------

PATHS = {"wefact": "/v2/", "hostfact": "/Pro/apiv2/api.php"}


class Api:
    """Posts form bodies to an in-process emulator as client 127.0.0.1."""

    def __init__(self, state: EmulatorState) -> None:
        self.last: httpx.Response | None = None
        self.reset(state)

    def reset(self, state: EmulatorState, *others: EmulatorState) -> None:
        """Serve ``state`` (and more administrations on the same URL) from now on."""
        self.state = state
        app = create_emulator_app(state, *others)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        self.http = httpx.AsyncClient(transport=transport, base_url="http://emulator")

    async def __call__(
        self, controller: str, action: str, key: str | None = API_KEY, **params: Any
    ) -> dict[str, Any]:
        body = encode_form({**params, "controller": controller, "action": action, "api_key": key})
        self.last = await self.http.post(
            PATHS[self.state.flavor],
            content=urlencode(body).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if not self.last.headers["content-type"].startswith("application/json"):
            return {"text": self.last.text}  # WeFact's firewall answers in plain text
        return self.last.json()  # type: ignore[no-any-return]

    async def ok(self, controller: str, action: str, **params: Any) -> dict[str, Any]:
        answer = await self(controller, action, **params)
        assert answer["status"] == "success", answer
        return answer

    async def errors(self, controller: str, action: str, **params: Any) -> list[str]:
        answer = await self(controller, action, **params)
        assert answer["status"] == "error", answer
        return answer["errors"]  # type: ignore[no-any-return]


MakeApi = Callable[..., Api]


@pytest.fixture
async def make_api() -> AsyncIterator[MakeApi]:
    made: list[Api] = []

    def factory(flavor: str = "wefact", seed: bool = True, **settings: Any) -> Api:
        state = EmulatorState(flavor, api_key=API_KEY, **settings)  # type: ignore[arg-type]
        state.clock = FakeClock(datetime(2026, 3, 1, 12, 0, 0))
        if seed:
            state.seed_products()
            state.add_debtor(DebtorCode="DB10000", CompanyName="Acme", EmailAddress="a@acme.test")
        made.append(Api(state))
        return made[-1]

    yield factory
    for api in made:
        await api.http.aclose()
