"""Shared fixtures: a real PostgreSQL database per test session, the app, a GraphQL client.

``TEST_DATABASE_URL`` points at a server: a fresh database is created on it for this session
(so parallel sessions never meet) and dropped afterwards. Without it, an embedded PostgreSQL
is started in a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.db import plain_url, with_database
from graphql_api.embedded import EmbeddedPostgres
from graphql_api.migrate import upgrade
from graphql_api.models import Base, Role, TokenKind, User
from graphql_api.security import hash_password
from graphql_api.services.auth import create_workspace, issue_token
from graphql_api.settings import Settings
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState

TEST_SECRET_KEY = "test-secret-key-not-for-production"
PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so CI can re-run just those."""
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


async def _admin_execute(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server: TEST_DATABASE_URL's, or an embedded one for this session."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return

    tmp = Path(tempfile.mkdtemp(prefix="graphql-api-test-"))
    server = EmbeddedPostgres(tmp)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated database of our own on that server."""
    name = "graphql_api_test_" + secrets.token_hex(4)
    asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}"'))
    url = with_database(server_url, name)
    upgrade(url)
    try:
        yield url
    finally:
        asyncio.run(_admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for tests: private integration URLs allowed (the emulator is on loopback)."""
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        allow_private_integration_urls=True,
        wefact_egress_ips=["198.51.100.7", "198.51.100.8"],
        run_wait_seconds=5.0,
    )


@pytest.fixture
async def state(settings: Settings, database_url: str) -> AsyncIterator[AppState]:
    """App state on an emptied database: every test starts from no rows at all."""
    app_state = AppState.create(settings, database_url)
    # Our tables and procrastinate's queue: no job of an earlier test can run in this one.
    tables = ", ".join(
        [f'"{table.name}"' for table in Base.metadata.sorted_tables] + list(PROCRASTINATE_TABLES)
    )
    async with app_state.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield app_state
    finally:
        await app_state.close()


@dataclass
class GraphQLClient:
    """Posts GraphQL over HTTP to the app, like the frontend and partners do."""

    http: httpx.AsyncClient
    token: str | None = None

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body."""
        use = token if token is not None else self.token
        headers = {"Authorization": f"Bearer {use}"} if use else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The ``data`` of a response that must have no top-level errors."""
        body = await self.post(query, variables, token=token)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
async def http(state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in process."""
    app = build_app(state, close_state_on_shutdown=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@dataclass
class Member:
    """A user of a test workspace with a working token."""

    workspace_id: int
    user_id: int
    email: str
    token: str


async def add_member(
    state: AppState, workspace_id: int, *, role: Role, email: str, password: str = "pw-123456"
) -> Member:
    """Another user in an existing workspace."""
    async with state.sessionmaker() as session, session.begin():
        user = User(
            workspace_id=workspace_id,
            email=email,
            name=email.split("@", maxsplit=1)[0],
            role=role,
            password_hash=hash_password(password),
        )
        session.add(user)
        await session.flush()
        issued = await issue_token(session, user, kind=TokenKind.API, name="test", expires_at=None)
        return Member(workspace_id, user.id, email, issued.token)


async def new_workspace(state: AppState, name: str, email: str) -> Member:
    """A workspace and its owner (password ``pw-123456``) with an API token."""
    async with state.sessionmaker() as session, session.begin():
        workspace, owner = await create_workspace(session, name, email, "pw-123456")
        issued = await issue_token(session, owner, kind=TokenKind.API, name="test", expires_at=None)
        return Member(workspace.id, owner.id, owner.email, issued.token)


@pytest.fixture
async def owner(state: AppState) -> Member:
    """The owner of workspace "Acme"."""
    return await new_workspace(state, "Acme", "owner@acme.test")


@pytest.fixture
async def other_owner(state: AppState) -> Member:
    """The owner of another workspace, "Globex", for isolation tests."""
    return await new_workspace(state, "Globex", "owner@globex.test")


@pytest.fixture
async def gql(http: httpx.AsyncClient, owner: Member) -> GraphQLClient:
    """A GraphQL client authenticated as Acme's owner."""
    return GraphQLClient(http, owner.token)


# --- WeFact / HostFact emulator over real HTTP -------------------------------------------

EMULATOR_API_KEY = "emulator-key-0123456789abcdef"

ACTIVATE = """
mutation($input: ActivateWefactInput!) {
  activateWefact(input: $input) {
    __typename
    ... on WefactSettings { subscription active apiKeyHint hostfactUrl egressIps }
    ... on WefactConnectionError { code message field whitelistAddresses }
    ... on InvalidInputError { code message field }
  }
}
"""


@dataclass
class Emulator:
    """A running emulator: its state (inspect and change freely) and client URL."""

    state: Any
    url: str
    flavor: str

    @property
    def subscription(self) -> str:
        return self.flavor.upper()


@pytest.fixture(params=["wefact", "hostfact"])
async def emulator(request: pytest.FixtureRequest, state: AppState) -> AsyncIterator[Emulator]:
    """The emulator of each flavour on a free loopback port, with products seeded.

    For WeFact the app's WEFACT_API_URL points at it (HostFact takes the URL per workspace).
    """

    emulator_state = EmulatorState(flavor=request.param, api_key=EMULATOR_API_KEY)
    emulator_state.seed_products()
    async with serve_emulator(emulator_state) as url:
        if request.param == "wefact":
            state.settings.wefact_api_url = url
        yield Emulator(emulator_state, url, request.param)


async def activate(gql: GraphQLClient, emulator: Emulator, **overrides: Any) -> dict[str, Any]:
    """Run activateWefact against the emulator; returns the result object."""
    payload: dict[str, Any] = {"subscription": emulator.subscription, "apiKey": EMULATOR_API_KEY}
    if emulator.flavor == "hostfact":
        payload["hostfactUrl"] = emulator.url
    payload.update(overrides)
    data = await gql.data(ACTIVATE, {"input": payload})
    result: dict[str, Any] = data["activateWefact"]
    return result
