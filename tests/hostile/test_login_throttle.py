"""Login throttling per account and per address, shared by every process through PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from graphql_api import security
from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.models import LoginThrottle, Role
from graphql_api.services.login_throttle import forget_stale
from tests.conftest import GraphQLClient, Member, add_member
from tests.hostile.server import server_process

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename ... on Session { token } ... on Error { code message field }
  }
}
"""
RIGHT = "pw-123456"  # the owner fixture's password


async def _login(gql: GraphQLClient, password: str, email: str = "owner@acme.test") -> dict[str, Any]:
    data = await gql.data(LOGIN, {"email": email, "password": password}, token="")
    result: dict[str, Any] = data["login"]
    return result


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Passwords argon2 was asked to check (a throttled attempt must not reach it)."""
    checked: list[str] = []
    original = security.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return original(password_hash, password)

    monkeypatch.setattr(security, "verify_password", counting)
    return checked


async def test_the_sixth_wrong_password_waits_and_says_until_when(
    gql: GraphQLClient, owner: Member, verifications: list[str]
) -> None:
    for _ in range(5):
        assert (await _login(gql, "wrong"))["code"] == "INVALID_CREDENTIALS"
    refused = await _login(gql, "wrong")
    assert refused["__typename"] == "InvalidInputError"
    assert refused["code"] == "TOO_MANY_ATTEMPTS"
    assert re.fullmatch(
        r"Too many failed logins for this account\. Try again in 15 minutes "
        r"\(after \d\d:\d\d UTC\)\.",
        refused["message"],
    ), refused["message"]
    # Even the right password waits now, and argon2 is not even asked.
    assert (await _login(gql, RIGHT))["code"] == "TOO_MANY_ATTEMPTS"
    assert len(verifications) == 5


async def test_a_right_password_resets_the_account(gql: GraphQLClient, owner: Member) -> None:
    for _ in range(4):
        await _login(gql, "wrong")
    assert (await _login(gql, RIGHT))["__typename"] == "Session"
    for _ in range(5):
        assert (await _login(gql, "wrong"))["code"] == "INVALID_CREDENTIALS"
    assert (await _login(gql, "wrong"))["code"] == "TOO_MANY_ATTEMPTS"


async def test_the_block_ends_after_the_window(
    gql: GraphQLClient, owner: Member, state: AppState
) -> None:
    for _ in range(6):
        await _login(gql, "wrong")
    assert (await _login(gql, RIGHT))["code"] == "TOO_MANY_ATTEMPTS"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(LoginThrottle).values(
                window_started_at=past - dt.timedelta(minutes=15), blocked_until=past
            )
        )
    assert (await _login(gql, RIGHT))["__typename"] == "Session"
    # Maintenance forgets rows whose window and block are over.
    await _login(gql, "wrong", email="nobody@acme.test")
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(LoginThrottle).values(window_started_at=past - dt.timedelta(minutes=15))
        )
    assert await forget_stale(state.sessionmaker, dt.timedelta(minutes=15)) >= 1
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(LoginThrottle)) == 0


async def test_one_address_trying_many_accounts_is_throttled(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    state.settings.login_max_failures_per_address = 8
    for i in range(8):
        result = await _login(gql, "guess", email=f"user{i}@acme.test")
        assert result["code"] == "INVALID_CREDENTIALS"
    refused = await _login(gql, "guess", email="user99@acme.test")
    assert refused["code"] == "TOO_MANY_ATTEMPTS"
    assert "for this address" in refused["message"]


async def test_concurrent_guesses_cannot_pass_the_limit(
    gql: GraphQLClient, owner: Member, verifications: list[str]
) -> None:
    results = await asyncio.gather(*(_login(gql, f"guess-{i}") for i in range(20)))
    codes = sorted(r["code"] for r in results)
    assert codes.count("INVALID_CREDENTIALS") == 5
    assert codes.count("TOO_MANY_ATTEMPTS") == 15
    assert len(verifications) == 5


async def test_every_process_shares_the_count(
    state: AppState, owner: Member, database_url: str
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    variables = {"email": member.email, "password": "wrong"}
    async with server_process(database_url) as server, httpx.AsyncClient(
        base_url=server.url, timeout=30
    ) as other:
        for _ in range(3):
            body = (await other.post("/graphql", json={"query": LOGIN, "variables": variables})).json()
            assert body["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    # This process (its own engine and pool) continues where the other stopped.
    app = build_app(state, close_state_on_shutdown=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        here = GraphQLClient(c)
        for _ in range(2):
            assert (await _login(here, "wrong", email=member.email))["code"] == "INVALID_CREDENTIALS"
        assert (await _login(here, "wrong", email=member.email))["code"] == "TOO_MANY_ATTEMPTS"
