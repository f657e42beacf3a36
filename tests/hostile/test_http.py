"""Malformed GraphQL-over-HTTP requests: each gets a 4xx with a JSON reason, never a 500.

Also the body limit (413), the per-request time limit (503, work cancelled) and argon2 off
the event loop.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from graphql_api import security
from graphql_api.app import AppState
from graphql_api.db import plain_url
from graphql_api.middleware import CONTENT_SECURITY_POLICY
from tests.conftest import GraphQLClient, Member

JSON = {"Content-Type": "application/json"}


def _bad(status: int, message: str, code: str) -> dict[str, Any]:
    return {"status": status, "body": {"errors": [{"message": message, "extensions": {"code": code}}]}}


MALFORMED_BODIES: list[tuple[str, bytes, dict[str, Any]]] = [
    ("json null", b"null", _bad(400, "The request body must be a JSON object with a `query` string, not null.", "BAD_REQUEST")),
    ("json string", b'"x"', _bad(400, "The request body must be a JSON object with a `query` string, not a string.", "BAD_REQUEST")),
    ("json number", b"123", _bad(400, "The request body must be a JSON object with a `query` string, not a number.", "BAD_REQUEST")),
    ("json true", b"true", _bad(400, "The request body must be a JSON object with a `query` string, not a boolean.", "BAD_REQUEST")),
    ("json array", b"[]", _bad(400, "Batches are not supported: send one operation per request.", "BAD_REQUEST")),
    ("not utf-8", b'{"query": "{ me { id } }\xff"}', _bad(400, "The request body is not valid UTF-8 (byte 24 cannot be decoded).", "BAD_REQUEST")),
    ("utf-16", '{"query": "{ me { id } }"}'.encode("utf-16"), _bad(400, "The request body is not valid UTF-8 (byte 0 cannot be decoded).", "BAD_REQUEST")),
    ("not json", b"{query: me}", _bad(400, "The request body is not valid JSON: Expecting property name enclosed in double quotes at position 1.", "BAD_REQUEST")),
    ("empty body", b"", _bad(400, "The request body is not valid JSON: Expecting value at position 0.", "BAD_REQUEST")),
    ("nested 2,000 deep", b'{"query": "{ me { id } }", "variables": {"a": ' + b"[" * 2000 + b"]" * 2000 + b"}}", _bad(400, "The request body nests JSON too deeply.", "BAD_REQUEST")),
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, _bad(400, "The request body nests JSON too deeply.", "BAD_REQUEST")),
    ("NaN", b'{"query": "{ me { id } }", "variables": {"n": NaN}}', _bad(400, "The request body is not valid JSON: NaN is not a JSON number.", "BAD_REQUEST")),
    ("huge integer", b'{"query": "{ me { id } }", "variables": {"n": ' + b"9" * 5000 + b"}}", {"status": 400}),
    ("missing query", b'{"variables": {}}', _bad(400, "The request has no `query`: send the GraphQL document in it.", "BAD_REQUEST")),
    ("null query", b'{"query": null}', _bad(400, "The request has no `query`: send the GraphQL document in it.", "BAD_REQUEST")),
    ("empty query", b'{"query": "  "}', _bad(400, "`query` is empty: send the GraphQL document in it.", "BAD_REQUEST")),
    ("query not a string", b'{"query": {"me": "id"}}', _bad(400, "`query` must be a string, not an object.", "BAD_REQUEST")),
    ("variables a string", b'{"query": "{ me { id } }", "variables": "{}"}', _bad(400, "`variables` must be an object, not a string.", "BAD_REQUEST")),
    ("variables a list", b'{"query": "{ me { id } }", "variables": [1]}', _bad(400, "`variables` must be an object, not an array.", "BAD_REQUEST")),
    ("operationName a number", b'{"query": "{ me { id } }", "operationName": 1}', _bad(400, "`operationName` must be a string, not a number.", "BAD_REQUEST")),
    ("extensions a list", b'{"query": "{ me { id } }", "extensions": []}', _bad(400, "`extensions` must be an object, not an array.", "BAD_REQUEST")),
    ("unknown operationName", b'{"query": "query A { me { id } }", "operationName": "B"}', _bad(400, 'Unknown operation named "B".', "BAD_REQUEST")),
    ("two operations, no name", b'{"query": "query A { me { id } } query B { me { id } }"}', _bad(400, "The document contains 2 operations: name the one to run in `operationName`.", "BAD_REQUEST")),
]


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in MALFORMED_BODIES], ids=[n for n, _, _ in MALFORMED_BODIES])
async def test_malformed_bodies_get_a_4xx_with_a_reason(
    http: httpx.AsyncClient, owner: Member, body: bytes, expected: dict[str, Any]
) -> None:
    headers = {**JSON, "Authorization": f"Bearer {owner.token}"}
    response = await http.post("/graphql", content=body, headers=headers)
    assert response.status_code == expected["status"], response.text
    assert response.headers["content-type"] == "application/json"
    if "body" in expected:
        assert response.json() == expected["body"]
    else:
        assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (None, "Send the request as Content-Type: application/json (got none)."),
        ("text/plain", "Send the request as Content-Type: application/json (got text/plain)."),
        ("application/x-www-form-urlencoded", "Send the request as Content-Type: application/json (got application/x-www-form-urlencoded)."),
        ("application/json; charset=latin-1", "The request body must be UTF-8 (charset latin-1 given)."),
    ],
)
async def test_other_media_types_get_415(
    http: httpx.AsyncClient, content_type: str | None, message: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"}}]
    }


async def test_multipart_is_only_for_uploads_and_needs_the_preflight_header(
    http: httpx.AsyncClient,
) -> None:
    # multipart/form-data is the file-upload transport (receipts); a browser may send it
    # cross-site without a preflight, so it is refused unless a preflight header came along,
    # and a body that is not a GraphQL multipart request is a 400 with a reason, not a 500.
    body = b'{"query": "{ __typename }"}'
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    refused = await http.post("/graphql", content=body, headers=multipart)
    assert refused.status_code == 400
    assert "GraphQL-Require-Preflight" in refused.json()["errors"][0]["message"]
    garbled = await http.post(
        "/graphql", content=body, headers={**multipart, "GraphQL-Require-Preflight": "1"}
    )
    assert garbled.status_code == 400
    assert garbled.headers["content-type"] == "application/json"
    assert garbled.json()["errors"][0]["message"]


async def test_json_with_charset_utf8_is_fine(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_get_with_a_mutation_is_405(http: httpx.AsyncClient, owner: Member) -> None:
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { createApiToken(input: {name: "x"}) { __typename } }'},
        headers={"Authorization": f"Bearer {owner.token}", "Accept": "application/json"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["message"] == (
        "mutations are not allowed when using GET: send them with POST."
    )


async def test_get_with_a_query_works_and_bad_variables_are_400(
    http: httpx.AsyncClient, owner: Member
) -> None:
    headers = {"Authorization": f"Bearer {owner.token}", "Accept": "application/json"}
    ok = await http.get("/graphql", params={"query": "{ me { email } }"}, headers=headers)
    assert ok.json()["data"] == {"me": {"email": "owner@acme.test"}}
    bad = await http.get(
        "/graphql", params={"query": "{ me { email } }", "variables": "{nope"}, headers=headers
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["message"].startswith("The `variables` parameter is not valid JSON")
    missing = await http.get("/graphql", headers={"Accept": "application/json"})
    assert missing.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_body_over_the_limit_is_413_by_content_length(
    http: httpx.AsyncClient, state: AppState
) -> None:
    limit = state.settings.max_body_bytes
    body = b'{"query": "{ __typename }", "x": "' + b"a" * limit + b'"}'
    response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json() == {
        "errors": [
            {
                "message": f"The request body is larger than {limit:,} bytes.",
                "extensions": {"code": "PAYLOAD_TOO_LARGE"},
            }
        ]
    }


async def test_chunked_body_over_the_limit_is_413(http: httpx.AsyncClient, state: AppState) -> None:
    chunk = b"a" * 65536
    chunks = state.settings.max_body_bytes // len(chunk) + 2

    async def body() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "x": "'
        for _ in range(chunks):
            yield chunk
        yield b'"}'

    # A generator body has no Content-Length: the limit applies while it is read.
    response = await http.post("/graphql", content=body(), headers=JSON)
    assert response.status_code == 413


async def test_body_within_the_limit_is_served(http: httpx.AsyncClient) -> None:
    body = b'{"query": "{ __typename }", "x": "' + b"a" * 500_000 + b'"}'
    response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 200


async def test_a_request_over_the_time_limit_is_cancelled(
    gql: GraphQLClient, owner: Member, state: AppState, database_url: str
) -> None:
    # Hold the row the request must update (the token's last use) so it blocks; the time
    # limit must then cancel it and say so, and the blocked statement must be gone.
    state.settings.request_timeout_seconds = 0.5
    blocker = await asyncpg.connect(plain_url(database_url))
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("SELECT id FROM api_tokens FOR UPDATE")
        response = await asyncio.wait_for(
            gql.http.post(
                "/graphql",
                json={"query": "{ me { id } }"},
                headers={"Authorization": f"Bearer {owner.token}"},
            ),
            30,
        )
        waiting = await blocker.fetchval(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
        )
        await transaction.rollback()
    finally:
        await blocker.close()
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["message"].startswith("The request took longer than 0.5 seconds and was stopped.")
    assert waiting == 0, "the cancelled request still waits for its lock"


async def test_argon2_runs_off_the_event_loop(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    threads: list[int] = []
    original = security.verify_password

    def recording(password_hash: str | None, password: str) -> bool:
        threads.append(threading.get_ident())
        return original(password_hash, password)

    monkeypatch.setattr(security, "verify_password", recording)
    query = 'mutation { login(input: {email: "owner@acme.test", password: "wrong"}) { __typename } }'
    await gql.post(query, token="")
    assert threads
    assert loop_thread not in threads


# --- security headers -----------------------------------------------------------------------


async def test_security_headers_on_every_answer(http: httpx.AsyncClient, owner: Member) -> None:
    answers = [
        await http.get("/healthz"),
        await http.post("/graphql", json={"query": "{ __typename }"}),
        await http.get("/graphql", headers={"Accept": "text/html"}),
        await http.post("/graphql", content=b"null", headers=JSON),
        await http.put("/graphql"),
    ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    # GraphiQL's assets are ours (graphql_api.static): no CDN, no inline code.
    assert "unpkg" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY


async def test_the_csp_allows_what_the_graphiql_page_loads(http: httpx.AsyncClient) -> None:
    page = (await http.get("/graphql", headers={"Accept": "text/html"})).text
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in CONTENT_SECURITY_POLICY.split("; ")
    }
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    styles = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', page)
    assert scripts, "GraphiQL's page loads scripts"
    for url in scripts:
        assert _allowed(url, policy["script-src"]), url
    for found in styles:
        url = found[0] or found[1]
        assert _allowed(url, policy["style-src"]), url
    if re.search(r"<script>(?!\s*</script>)", page):  # inline script
        assert "'unsafe-inline'" in policy["script-src"]


def _allowed(url: str, sources: list[str]) -> bool:
    if "://" not in url and not url.startswith("//") and "'self'" in sources:
        return True  # a path, absolute or relative: this server
    return any(url.startswith(source.rstrip("/") + "/") for source in sources if "://" in source)
