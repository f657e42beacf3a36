"""CORS: pages on the origins in CORS_ORIGINS may call the API; nobody else gets headers.

The same rules in a real browser: tests/browser/test_cors.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.middleware import CONTENT_SECURITY_POLICY
from graphql_api.settings import SettingsError, load_settings
from tests.conftest import Member

SPA = "https://app.example.com"
ELSEWHERE = "https://evil.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


@pytest.fixture
async def client(
    state: AppState, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with CORS_ORIGINS as the test's parameter (a comma-separated string)."""
    state.settings.cors_origins = load_settings(cors_origins=request.param).cors_origins
    app = build_app(state, close_state_on_shutdown=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as c:
        yield c


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


async def me(client: httpx.AsyncClient, member: Member, origin: str) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": "{ me { email } }"},
        headers={"Origin": origin, "Authorization": f"Bearer {member.token}"},
    )


@pytest.mark.parametrize("client", [""], indirect=True)
async def test_no_cors_headers_without_cors_origins(
    client: httpx.AsyncClient, owner: Member
) -> None:
    preflight = await client.options("/graphql", headers={"Origin": SPA, **PREFLIGHT})
    assert preflight.status_code == 405
    assert cors_headers(preflight) == {}
    response = await me(client, owner, SPA)
    assert response.status_code == 200
    assert cors_headers(response) == {}


@pytest.mark.parametrize("client", [f"{SPA}, http://localhost:5173"], indirect=True)
async def test_a_listed_origin_gets_its_preflight_and_answers(
    client: httpx.AsyncClient, owner: Member
) -> None:
    preflight = await client.options("/graphql", headers={"Origin": SPA, **PREFLIGHT})
    assert preflight.status_code == 200
    headers = cors_headers(preflight)
    assert headers["access-control-allow-origin"] == SPA
    assert headers["access-control-allow-credentials"] == "true"
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert set(headers["access-control-allow-methods"].replace(" ", "").split(",")) == {
        "GET",
        "POST",
    }
    assert headers["access-control-max-age"] == "600"
    assert "origin" in preflight.headers["vary"].lower()

    response = await me(client, owner, SPA)
    assert response.json()["data"] == {"me": {"email": owner.email}}
    assert response.headers["access-control-allow-origin"] == SPA
    assert "origin" in response.headers["vary"].lower()


async def test_refusals_and_preflights_carry_cors_and_security_headers(
    state: AppState, owner: Member
) -> None:
    """CORS sits outside the body limit and the view's checks, the security headers outside
    CORS: a page can read why it was refused, and every answer is protected."""
    state.settings.cors_origins = [SPA]
    state.settings.max_body_bytes = 100
    app = build_app(state, close_state_on_shutdown=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        too_large = await client.post(
            "/graphql",
            content=b'{"query": "' + b" " * 200 + b'{ me { email } }"}',
            headers={"Origin": SPA, "Content-Type": "application/json"},
        )
        unsupported = await client.post(
            "/graphql", content=b"{}", headers={"Origin": SPA, "Content-Type": "text/plain"}
        )
        preflight = await client.options("/graphql", headers={"Origin": SPA, **PREFLIGHT})
    assert too_large.status_code == 413
    assert too_large.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert unsupported.status_code == 415
    assert preflight.status_code == 200
    for response in (too_large, unsupported, preflight):
        assert response.headers["access-control-allow-origin"] == SPA
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("client", [SPA], indirect=True)
async def test_other_origins_and_other_headers_are_refused(
    client: httpx.AsyncClient, owner: Member
) -> None:
    refused = await client.options("/graphql", headers={"Origin": ELSEWHERE, **PREFLIGHT})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    odd_header = await client.options(
        "/graphql",
        headers={
            "Origin": SPA,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-forwarded-user",
        },
    )
    assert odd_header.status_code == 400
    # The API still answers a request without the browser's permission headers (CORS binds
    # browsers, not servers), but gives another origin's page nothing to read it with.
    response = await me(client, owner, ELSEWHERE)
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("client", ["*"], indirect=True)
async def test_a_wildcard_never_allows_credentials(
    client: httpx.AsyncClient, owner: Member
) -> None:
    preflight = await client.options("/graphql", headers={"Origin": ELSEWHERE, **PREFLIGHT})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    response = await me(client, owner, ELSEWHERE)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("", []),
        ("https://App.Example.com/", ["https://app.example.com"]),
        (
            "http://localhost:5173 , http://127.0.0.1:3000",
            ["http://localhost:5173", "http://127.0.0.1:3000"],
        ),
        ("https://a.example:443,https://a.example", ["https://a.example"]),
        ("http://[::1]:8080", ["http://[::1]:8080"]),
        ("*", ["*"]),
    ],
)
def test_cors_origins_are_read_as_browsers_send_them(value: str, origins: list[str]) -> None:
    assert load_settings(cors_origins=value).cors_origins == origins


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("app.example.com", "'app.example.com' is not an origin such as https://app.example.com"),
        ("https://app.example.com/spa", "without path or query"),
        ("ftp://files.example", "is not an origin"),
        ("null", "is not an origin"),
        ("http://a.example:99999", "has an invalid port"),
        ("*,https://app.example.com", "`*` allows every origin; give it alone"),
    ],
)
def test_bad_cors_origins_stop_start_up_with_the_reason(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match="CORS_ORIGINS") as raised:
        load_settings(cors_origins=value)
    assert message in str(raised.value)


def test_cors_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert load_settings().cors_origins == ["https://a.example", "https://b.example"]
