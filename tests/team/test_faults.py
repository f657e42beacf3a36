"""Team writes survive a crash at their last step: nothing half-written, the retry does it
once. The crash comes after every row of the change was flushed to PostgreSQL, just before
the commit (the worst moment: all of it sent, none of it kept)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.app import AppState
from graphql_api.models import Invitation, Role
from graphql_api.services import invitations
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.team.helpers import (
    ACCEPT,
    CHANGE_PASSWORD,
    DEACTIVATE,
    INVITE,
    ME,
    accept,
    invite,
    login,
    run,
    users_named,
)

PASSWORD = "correct horse battery"


class Crash(RuntimeError):
    """The injected fault."""


@contextmanager
def crash_before_commit(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The next ``session.refresh`` (what every team write does after its last flush)
    raises: the change was sent, the transaction rolls back."""
    hits: list[str] = []
    original = AsyncSession.refresh

    async def refresh(self: AsyncSession, instance: Any, *args: Any, **kwargs: Any) -> None:
        if not hits:
            hits.append(type(instance).__name__)
            raise Crash("the process died here")
        await original(self, instance, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(AsyncSession, "refresh", refresh)
        yield hits


async def _masked(gql: GraphQLClient, document: str, variables: dict[str, Any],
                  token: str | None = None) -> None:
    body = await gql.post(document, {"input": variables}, token=token)
    assert body["data"] is None, body
    assert body["errors"][0]["message"] == "Unexpected error.", body  # masked server fault


async def test_accept_crashing_after_the_user_was_written(
    gql: GraphQLClient, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = (await invite(gql, "nina@example.com"))["token"]

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash("the process died while issuing the session")

    with monkeypatch.context() as patch:
        # After the user row and the accepted invitation were flushed.
        patch.setattr(invitations, "issue_token", crash)
        await _masked(gql, ACCEPT, {"token": token, "password": PASSWORD}, token="")
    assert await users_named(state, "nina@example.com") == 0
    async with state.sessionmaker() as session:
        stored = await session.scalar(select(Invitation))
    assert stored is not None
    assert stored.accepted_at is None  # still open: the retry can accept it
    joined = await accept(gql, token, PASSWORD)
    assert joined["__typename"] == "Session"
    assert await users_named(state, "nina@example.com") == 1


async def test_reinvite_crashing_keeps_the_old_token(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await invite(gql, "otto@example.com", role="MEMBER")
    with crash_before_commit(monkeypatch) as hits:
        await _masked(gql, INVITE, {"email": "otto@example.com", "role": "ADMIN"})
    assert hits == ["Invitation"]
    # Nothing lost: the token handed out before still works, with its role.
    joined = await accept(gql, first["token"], PASSWORD)
    assert joined["user"]["role"] == "MEMBER"


async def test_deactivation_crashing_revokes_nothing(
    gql: GraphQLClient, state: AppState, owner: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    gid = global_id("User", member.user_id)
    with crash_before_commit(monkeypatch) as hits:
        await _masked(gql, DEACTIVATE, {"id": gid})
    assert hits == ["User"]
    # Half a deactivation would be tokens revoked but the user active, or the reverse.
    assert (await gql.data(ME, token=member.token))["me"]["active"] is True
    done = await run(gql, DEACTIVATE, "deactivateUser", {"id": gid})
    assert done["active"] is False
    body = await gql.post(ME, token=member.token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_password_change_crashing_changes_nothing(
    gql: GraphQLClient, state: AppState, owner: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test",
                     password="member-password")
    here = (await login(gql, "m@acme.test", "member-password"))["token"]
    elsewhere = (await login(gql, "m@acme.test", "member-password"))["token"]
    change = {"oldPassword": "member-password", "newPassword": "a much better passphrase"}
    with crash_before_commit(monkeypatch) as hits:
        await _masked(gql, CHANGE_PASSWORD, change, token=here)
    assert hits == ["User"]
    assert (await gql.data(ME, token=elsewhere))["me"]["email"] == "m@acme.test"
    assert (await login(gql, "m@acme.test", "member-password"))["__typename"] == "Session"
    retried = await run(gql, CHANGE_PASSWORD, "changePassword", change, token=here)
    assert retried["revokedSessions"] == 2  # the other login and the one just made
    assert (await gql.post(ME, token=elsewhere))["errors"][0]["extensions"]["code"] == (
        "UNAUTHENTICATED")
