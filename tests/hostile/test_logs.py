"""Logs: one line per request, no secret in any record, faults with tracebacks but without
the document, client mistakes at INFO, readable lines on a terminal."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import resolvers.http
import resolvers.tenancy
from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.logs import JsonFormatter, TextFormatter, configure_logging, redact
from graphql_api.models import Role
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState
from tests.conftest import Member, add_member
from tests.hostile.server import server_process

PASSWORD = "correct-horse-7319"
WRONG_PASSWORD = "wrong-battery-5521"
WEFACT_KEY = "wefact-secret-4242-key"
WRONG_KEY = "wefact-wrong-8888-key"
BOGUS_TOKEN = "tt_bogus0000000000000000000000000000000000"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record of the test, formatted as the service writes it (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    """The service's records (not those of the test's own HTTP client)."""
    records = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [r for r in records if r["logger"] != "httpx"]


def _access(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["logger"] == "graphql_api.access"]


# --- the access line ----------------------------------------------------------------------


async def test_one_line_per_request_with_hash_not_text(
    http: httpx.AsyncClient, owner: Member, captured: io.StringIO
) -> None:
    query = "query Mine { me { email } }"
    await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {owner.token}"}
    )
    [line] = _access(_records(captured))
    assert line["level"] == "INFO"
    assert line["message"] == "POST /graphql 200"
    assert line["operation"] == "Mine"
    assert line["operation_type"] == "query"
    assert line["outcome"] == "ok"
    assert line["status"] == 200
    assert len(line["query_hash"]) == 16
    assert line["duration_ms"] >= 0
    assert "email" not in captured.getvalue()


async def test_client_mistakes_are_info_without_traceback(
    http: httpx.AsyncClient, captured: io.StringIO
) -> None:
    for body in (
        {"query": "{ me { id } }"},  # unauthenticated
        {"query": "{ nope }"},  # invalid
        {"query": "{ me { "},  # syntax
    ):
        await http.post("/graphql", json=body)
    await http.post("/graphql", content=b"null", headers={"Content-Type": "application/json"})
    records = _records(captured)
    assert [r["level"] for r in records] == ["INFO"] * 4
    assert all("exception" not in r for r in records)
    assert [r["outcome"] for r in records] == ["client_error"] * 4
    assert [r.get("error_codes") for r in records] == [
        ["UNAUTHENTICATED"],
        ["GRAPHQL_VALIDATION_FAILED"],
        ["GRAPHQL_PARSE_FAILED"],
        None,
    ]
    assert records[-1]["status"] == 400


async def test_a_server_fault_is_error_with_traceback_and_without_the_document(
    http: httpx.AsyncClient, owner: Member, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("connection lost while reading password=hunter2")

    monkeypatch.setattr(resolvers.tenancy, "load_one", broken)
    query = 'query Secretive { me { email } a: me { name } } # apiKey: "inline-key-123"'
    body = (
        await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {owner.token}"}
        )
    ).json()
    assert body["errors"][0]["message"] == "Unexpected error."
    [line] = _records(captured)
    assert line["level"] == "ERROR"
    assert line["outcome"] == "server_fault"
    assert line["error_codes"] == ["INTERNAL_SERVER_ERROR"]
    assert "RuntimeError: connection lost while reading password=[redacted]" in line["exception"]
    text = captured.getvalue()
    assert "hunter2" not in text
    assert "inline-key-123" not in text
    assert "Secretive {" not in text


async def test_a_fault_outside_graphql_is_a_json_500(
    http: httpx.AsyncClient, owner: Member, captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(resolvers.http, "authenticate", broken)
    response = await http.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {owner.token}"},
    )
    assert response.status_code == 500
    assert response.json() == {
        "errors": [{"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]
    }
    [line] = _records(captured)
    assert line["level"] == "ERROR"
    assert "RuntimeError: database gone" in line["exception"]


async def test_a_client_that_disconnects_is_not_an_error(
    state: AppState, captured: io.StringIO
) -> None:
    app = build_app(state, close_state_on_shutdown=False)
    messages = [
        {"type": "http.request", "body": b'{"query": "{ me', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "headers": [(b"content-type", b"application/json"),
                                     (b"content-length", b"100")],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    [line] = _records(captured)
    assert line["level"] == "INFO"
    assert line["outcome"] == "disconnected"
    assert sent == []


async def test_health_probes_are_debug(http: httpx.AsyncClient, captured: io.StringIO) -> None:
    await http.get("/healthz")
    [line] = _records(captured)
    assert line["level"] == "DEBUG"


# --- formatting and redaction -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('{"password": "hunter 2 with spaces"}', "hunter 2 with spaces"),
        ('{\\"password\\": \\"escaped secret\\"}', "escaped secret"),
        ('{\\\\\\"newPassword\\\\\\": \\\\\\"doubly escaped\\\\\\"}', "doubly escaped"),
        ('login(input: {email: "a@b.c", password: "graphql-literal"})', "graphql-literal"),
        ('activateWefact(input: {apiKey: "literal-key-999"})', "literal-key-999"),
        ("api_key=form-encoded-key&action=list", "form-encoded-key"),
        ("SECRET_KEY=abc123def", "abc123def"),
        ("Authorization: Bearer opaque-bearer-value", "opaque-bearer-value"),
        ("token tt_abcdefghijklmnopqrstuvwxyz in text", "tt_abcdefghijklmnopqrstuvwxyz"),
        ("'password': 'python-repr'", "python-repr"),
    ],
)
def test_redaction_covers_escaped_and_literal_forms(text: str, secret: str) -> None:
    assert secret not in redact(text)
    record = logging.makeLogRecord({"msg": text, "levelname": "INFO", "name": "x", "args": ()})
    line = JsonFormatter().format(record)
    assert secret not in line
    assert json.loads(line)["message"] == redact(text)  # still valid JSON


def test_every_line_is_valid_json_whatever_it_holds() -> None:
    record = logging.makeLogRecord(
        {"msg": 'odd "quotes" \\ back\nslash \ud800 \x00 password="x\\"y"', "name": "x",
         "levelname": "INFO", "extra_field": {"nested": ["password: hidden"]}}
    )
    payload = json.loads(JsonFormatter().format(record))
    assert "hidden" not in json.dumps(payload)


def test_readable_lines_on_a_terminal_json_otherwise() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    try:
        terminal = Terminal()
        configure_logging("INFO", "auto", stream=terminal)
        assert isinstance(logging.getLogger().handlers[0].formatter, TextFormatter)
        logging.getLogger("graphql_api.access").info("POST /graphql 200", extra={"status": 200})
        line = terminal.getvalue()
        assert "INFO    graphql_api.access  POST /graphql 200  status=200" in line
        assert not line.startswith("{")
        piped = io.StringIO()
        configure_logging("INFO", "auto", stream=piped)
        assert isinstance(logging.getLogger().handlers[0].formatter, JsonFormatter)
    finally:
        logging.getLogger().handlers[:] = []


# --- the battery against a real server process --------------------------------------------------


LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { __typename ... on Session { token } }
}
"""
ACTIVATE = """
mutation($input: ActivateWefactInput!) { activateWefact(input: $input) { __typename } }
"""


async def test_no_secret_reaches_any_log_record(
    state: AppState, owner: Member, database_url: str
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.ADMIN, email="adm@acme.test",
                              password=PASSWORD)
    emulator = EmulatorState(flavor="wefact", api_key=WEFACT_KEY)
    emulator.seed_products()
    secrets = [PASSWORD, WRONG_PASSWORD, WEFACT_KEY, WRONG_KEY, BOGUS_TOKEN, owner.token,
               member.token]
    async with serve_emulator(emulator) as emulator_url, server_process(
        database_url,
        WEFACT_API_URL=emulator_url,
        ALLOW_PRIVATE_INTEGRATION_URLS="true",
        LOG_LEVEL="DEBUG",
    ) as server, httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        admin = {"Authorization": f"Bearer {member.token}"}
        session = (await client.post("/graphql", json={
            "query": LOGIN, "variables": {"email": "adm@acme.test", "password": PASSWORD}},
        )).json()["data"]["login"]["token"]
        secrets.append(session)
        created = (await client.post("/graphql", headers=admin, json={
            "query": 'mutation { createApiToken(input: {name: "p"}) { ... on NewApiToken { token } } }'},
        )).json()["data"]["createApiToken"]["token"]
        secrets.append(created)
        requests: list[dict[str, Any]] = [
            {"json": {"query": LOGIN, "variables": {"email": "adm@acme.test", "password": WRONG_PASSWORD}}},
            {"json": {"query": f'mutation {{ login(input: {{email: "adm@acme.test", password: "{PASSWORD}"}}) {{ __typename }} }}'}},
            {"json": {"query": f'mutation {{ login(input: {{email: "x@y.z", password: "{WRONG_PASSWORD}" }}'}},  # syntax error
            {"json": {"query": f'{{ me(apiKey: "{WEFACT_KEY}") {{ id }} }}'}, "headers": admin},  # invalid
            {"json": {"query": ACTIVATE, "variables": {"input": {"subscription": "WEFACT", "apiKey": WRONG_KEY}}}, "headers": admin},
            {"json": {"query": ACTIVATE, "variables": {"input": {"subscription": "WEFACT", "apiKey": WEFACT_KEY}}}, "headers": admin},
            {"json": {"query": f'mutation {{ activateWefact(input: {{subscription: WEFACT, apiKey: "{WEFACT_KEY}"}}) {{ __typename }} }}'}, "headers": admin},
            {"json": {"query": LOGIN, "variables": {"email": "adm@acme.test", "password": PASSWORD + "\u0000"}}},
            {"json": {"query": "{ me { id } }"}, "headers": {"Authorization": f"Bearer {BOGUS_TOKEN}"}},
            {"json": {"query": "{ me { id } }"}, "headers": {"Authorization": f"Bearer {session}"}},
            {"json": {"query": f"{{ me {{ id }} }} # {created}"}, "headers": {"Authorization": f"Bearer {created}"}},
            {"content": f'{{"query": "{PASSWORD}", "variables": {{"apiKey": "{WEFACT_KEY}"'.encode(),
             "headers": {"Content-Type": "application/json"}},  # malformed JSON
            {"content": ("x" * 2_000_000 + PASSWORD).encode(), "headers": {"Content-Type": "application/json"}},  # 413
        ]
        for request in requests:
            await client.post("/graphql", **request)
        await client.get("/graphql", params={"query": f'{{ me(password: "{PASSWORD}") {{ id }} }}'},
                         headers={"Accept": "application/json"})
        await _disconnect_midway(server.url, PASSWORD)
        await asyncio.sleep(0.5)  # let the last lines reach the file
        log = server.log_text()
        printed = server.printed_text()
    lines = [line for line in log.splitlines() if line.strip()]
    assert len(lines) >= len(requests) + 4, log
    not_json = [line for line in lines if not _is_json(line)]
    assert not_json == [], "every line is a JSON record"
    leaked = [secret for secret in secrets if secret in log or secret in printed]
    assert leaked == [], f"secrets in the log: {leaked}"
    records = [json.loads(line) for line in lines]
    assert not [r for r in records if r["level"] == "ERROR"], "no request of the battery is a fault"
    access = [r for r in records if r["logger"] == "graphql_api.access"]
    assert {r.get("outcome") for r in access} >= {"ok", "client_error", "disconnected"}


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


async def _disconnect_midway(url: str, secret: str) -> None:
    """A client that sends half a body (with a secret in it) and hangs up."""
    host, port = url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    body = f'{{"query": "mutation {{ login(input: {{password: \\"{secret}\\"'.encode()
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10000\r\n\r\n" + body
    )
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    await writer.wait_closed()
