"""A user changes their own password: the old one required, the other login sessions ended,
this session and API tokens kept; a retry after a lost answer changes nothing twice."""

from __future__ import annotations

import pytest

from graphql_api import security
from graphql_api.app import AppState
from graphql_api.models import Role, TokenKind, User
from graphql_api.services.auth import create_workspace, issue_token
from tests.conftest import GraphQLClient, Member, add_member
from tests.team.helpers import CHANGE_PASSWORD, ME, login, refused, run

OLD = "member-password"
NEW = "a much better passphrase"


async def test_change_password_ends_other_sessions(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test",
                              password=OLD)
    here = (await login(gql, "m@acme.test", OLD))["token"]
    laptop = (await login(gql, "m@acme.test", OLD))["token"]
    phone = (await login(gql, "m@acme.test", OLD))["token"]

    wrong = await run(gql, CHANGE_PASSWORD, "changePassword",
                      {"oldPassword": "not it at all", "newPassword": NEW}, token=here)
    refused(wrong, "InvalidInputError", "INVALID_CREDENTIALS", "oldPassword")
    missing = await run(gql, CHANGE_PASSWORD, "changePassword", {"newPassword": NEW}, token=here)
    refused(missing, "InvalidInputError", "INVALID_CREDENTIALS", "oldPassword")
    short = await run(gql, CHANGE_PASSWORD, "changePassword",
                      {"oldPassword": OLD, "newPassword": "short"}, token=here)
    refused(short, "InvalidInputError", "WEAK_PASSWORD", "newPassword")
    same = await run(gql, CHANGE_PASSWORD, "changePassword",
                     {"oldPassword": OLD, "newPassword": OLD}, token=here)
    refused(same, "InvalidInputError", "INVALID", "newPassword")
    for token in (laptop, phone):  # nothing changed by the refusals
        assert (await gql.data(ME, token=token))["me"]["email"] == "m@acme.test"

    changed = await run(gql, CHANGE_PASSWORD, "changePassword",
                        {"oldPassword": OLD, "newPassword": NEW}, token=here)
    assert changed == {"__typename": "PasswordChanged", "revokedSessions": 2,
                       "user": {"email": "m@acme.test"}}
    for token in (laptop, phone):
        body = await gql.post(ME, token=token)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for token in (here, member.token):  # this session, and the API token
        assert (await gql.data(ME, token=token))["me"]["email"] == "m@acme.test"
    refused(await login(gql, "m@acme.test", OLD), "InvalidInputError", "INVALID_CREDENTIALS",
            "password")
    assert (await login(gql, "m@acme.test", NEW))["__typename"] == "Session"

    # The answer got lost and the client sends the same again: done already, nothing twice.
    retry = await run(gql, CHANGE_PASSWORD, "changePassword",
                      {"oldPassword": OLD, "newPassword": NEW}, token=here)
    assert retry == {"__typename": "PasswordChanged", "revokedSessions": 0,
                     "user": {"email": "m@acme.test"}}
    assert (await login(gql, "m@acme.test", NEW))["__typename"] == "Session"


async def test_a_user_without_a_password_sets_a_first_one(
    gql: GraphQLClient, state: AppState
) -> None:
    async with state.sessionmaker() as session, session.begin():
        _, owner = await create_workspace(session, "Tokens only", "solo@example.com", None)
        issued = await issue_token(session, owner, kind=TokenKind.API, name="cli",
                                   expires_at=None)
    first = await run(gql, CHANGE_PASSWORD, "changePassword", {"newPassword": NEW},
                      token=issued.token)
    assert first["__typename"] == "PasswordChanged", first
    assert (await login(gql, "solo@example.com", NEW))["__typename"] == "Session"
    async with state.sessionmaker() as session:
        stored = await session.get_one(User, owner.id)
    assert stored.password_hash is not None
    assert NEW not in stored.password_hash
    # From now on the old (first) one is required.
    again = await run(gql, CHANGE_PASSWORD, "changePassword",
                      {"newPassword": "yet another passphrase"}, token=issued.token)
    refused(again, "InvalidInputError", "INVALID_CREDENTIALS", "oldPassword")


async def test_anonymous_callers_cannot_change_a_password(gql: GraphQLClient) -> None:
    body = await gql.post(CHANGE_PASSWORD, {"input": {"newPassword": NEW}}, token="")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_overlong_password_is_refused_without_hashing_it(
    gql: GraphQLClient, state: AppState, owner: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test",
                              password=OLD)
    hashed: list[int] = []
    original = security.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        hashed.append(len(password))
        return original(password_hash, password)

    # Every verification runs through security.verify_password (on the argon2 threads).
    monkeypatch.setattr(security, "verify_password", counting)
    huge = "x" * 100_000
    result = await run(gql, CHANGE_PASSWORD, "changePassword",
                       {"oldPassword": huge, "newPassword": NEW}, token=member.token)
    refused(result, "InvalidInputError", "INVALID_CREDENTIALS", "oldPassword")
    assert len(huge) not in hashed
    too_long_new = await run(gql, CHANGE_PASSWORD, "changePassword",
                             {"oldPassword": OLD, "newPassword": huge}, token=member.token)
    refused(too_long_new, "InvalidInputError", "WEAK_PASSWORD", "newPassword")
    assert len(huge) not in hashed
    assert len(NEW) in hashed  # the counter sees the verifications that do run (the retry check)
