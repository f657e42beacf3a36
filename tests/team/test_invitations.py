"""Invitations end to end over HTTP: invited by an admin, accepted with a password and no
other token, a session and a login afterwards; the token shown once, stored hashed, expiring,
replaced by a re-invite, revocable; who may invite whom; one address, one login."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.logs import redact
from graphql_api.models import Invitation, Role
from graphql_api.security import hash_token
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.test_statement_count import count_statements
from tests.team.helpers import (
    INVITATIONS,
    INVITE,
    ME,
    REVOKE,
    accept,
    invite,
    login,
    refused,
    run,
    users_named,
)

PASSWORD = "correct horse battery"


async def _open_invitations(state: AppState) -> list[Invitation]:
    async with state.sessionmaker() as session:
        return list(
            await session.scalars(
                select(Invitation).where(
                    Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
                )
            )
        )


async def test_invite_accept_and_log_in(gql: GraphQLClient, state: AppState, owner: Member) -> None:
    issued = await invite(gql, " Anna@Example.com ", role="MANAGER", name="Anna de Vries",
                          hourlyRate="85.00")
    invitation = issued["invitation"]
    assert (invitation["email"], invitation["role"], invitation["hourlyRate"]) == (
        "Anna@Example.com", "MANAGER", "85.00")
    assert (invitation["status"], invitation["invitedBy"]) == (
        "PENDING", {"id": global_id("User", owner.user_id)})
    expires = dt.datetime.fromisoformat(invitation["expiresAt"])
    assert dt.timedelta(days=6, hours=23) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(
        days=7)
    token = issued["token"]
    assert token.startswith("tt_inv_")
    assert token not in redact(f"a log line with {token} in it")  # logs never carry it
    # Stored as a hash only; the list never shows a token.
    (stored,) = await _open_invitations(state)
    assert stored.token_hash == hash_token(token)
    assert token not in repr(vars(stored))
    listed = (await gql.data(INVITATIONS, {"first": 10}))["invitations"]
    assert listed["totalCount"] == 1
    assert "token" not in listed["edges"][0]["node"]

    session = await accept(gql, token, PASSWORD)
    assert session["__typename"] == "Session", session
    assert session["user"] == {
        "id": session["user"]["id"], "email": "Anna@Example.com", "name": "Anna de Vries",
        "role": "MANAGER", "hourlyRate": "85.00", "active": True,
    }
    me = (await gql.data(ME, token=session["token"]))["me"]
    assert (me["email"], me["role"], me["workspace"]["name"]) == (
        "Anna@Example.com", "MANAGER", "Acme")
    logged_in = await login(gql, "anna@example.com", PASSWORD)
    assert logged_in["__typename"] == "Session"
    # Accepted: no longer open, and the owner sees the new colleague.
    assert (await gql.data(INVITATIONS, {"first": 10}))["invitations"]["totalCount"] == 0
    users = (await gql.data("{ users { email role } }"))["users"]
    assert {"email": "Anna@Example.com", "role": "MANAGER"} in users


async def test_the_newcomer_may_choose_a_name_and_must_choose_a_real_password(
    gql: GraphQLClient, state: AppState
) -> None:
    token = (await invite(gql, "bob@example.com"))["token"]
    short = await accept(gql, token, "short")
    refused(short, "InvalidInputError", "WEAK_PASSWORD", "password")
    assert await users_named(state, "bob@example.com") == 0
    joined = await accept(gql, token, PASSWORD, name="  Bob B.  ")
    assert (joined["user"]["name"], joined["user"]["role"]) == ("Bob B.", "MEMBER")
    nameless = await accept(gql, (await invite(gql, "carla@example.com"))["token"], PASSWORD)
    assert nameless["user"]["name"] == "carla"


async def test_a_reinvite_replaces_the_token(gql: GraphQLClient, state: AppState) -> None:
    first = await invite(gql, "dora@example.com", role="MEMBER")
    second = await invite(gql, "DORA@example.com", role="ADMIN", name="Dora")
    assert second["invitation"]["id"] == first["invitation"]["id"]  # the same invitation
    assert second["token"] != first["token"]
    assert (second["invitation"]["role"], second["invitation"]["name"]) == ("ADMIN", "Dora")
    old = await accept(gql, first["token"], PASSWORD)
    refused(old, "InvalidInputError", "INVITATION_INVALID", "token")
    joined = await accept(gql, second["token"], PASSWORD)
    assert joined["user"]["role"] == "ADMIN"
    assert await users_named(state, "dora@example.com") == 1


async def test_two_invites_at_once_leave_one_open_invitation(
    gql: GraphQLClient, state: AppState
) -> None:
    results = await asyncio.gather(*(invite(gql, "eve@example.com") for _ in range(4)))
    assert len({r["invitation"]["id"] for r in results}) == 1
    assert len(await _open_invitations(state)) == 1
    # Exactly one of the four tokens is the current one.
    outcomes = [await accept(gql, r["token"], PASSWORD) for r in results]
    assert sorted(o["__typename"] for o in outcomes) == [
        "InvalidInputError", "InvalidInputError", "InvalidInputError", "Session"]
    assert await users_named(state, "eve@example.com") == 1


async def test_expired_invitations_are_refused_and_renewed_by_a_reinvite(
    gql: GraphQLClient, state: AppState
) -> None:
    issued = await invite(gql, "fay@example.com")
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(Invitation).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    listed = (await gql.data(INVITATIONS, {"first": 10}))["invitations"]["edges"]
    assert [e["node"]["status"] for e in listed] == ["EXPIRED"]
    late = await accept(gql, issued["token"], PASSWORD)
    refused(late, "InvalidInputError", "INVITATION_EXPIRED", "token")
    renewed = await invite(gql, "fay@example.com")
    assert renewed["invitation"]["status"] == "PENDING"
    assert (await accept(gql, renewed["token"], PASSWORD))["__typename"] == "Session"


async def test_revoke(gql: GraphQLClient, state: AppState) -> None:
    issued = await invite(gql, "gus@example.com")
    gid = issued["invitation"]["id"]
    revoked = await run(gql, REVOKE, "revokeInvitation", {"id": gid})
    assert (revoked["__typename"], revoked["status"]) == ("Invitation", "REVOKED")
    again = await run(gql, REVOKE, "revokeInvitation", {"id": gid})
    assert again == revoked  # revoking twice changes nothing
    refused(await accept(gql, issued["token"], PASSWORD), "InvalidInputError",
            "INVITATION_INVALID", "token")
    assert (await gql.data(INVITATIONS, {"first": 10}))["invitations"]["totalCount"] == 0
    # A revoked address can be invited anew.
    fresh = await invite(gql, "gus@example.com")
    assert fresh["invitation"]["id"] != gid
    assert (await accept(gql, fresh["token"], PASSWORD))["__typename"] == "Session"
    used = await run(gql, REVOKE, "revokeInvitation", {"id": fresh["invitation"]["id"]})
    refused(used, "ConflictError", "CONFLICT", "id")
    unknown = await run(gql, REVOKE, "revokeInvitation", {"id": global_id("Invitation", 999)})
    refused(unknown, "NotFoundError", "NOT_FOUND", "id")


async def test_accepting_twice_makes_one_user(gql: GraphQLClient, state: AppState) -> None:
    token = (await invite(gql, "hans@example.com"))["token"]
    # Two acceptances at once (a double click, a retry after a lost answer): one user.
    both = await asyncio.gather(accept(gql, token, PASSWORD), accept(gql, token, PASSWORD))
    assert [b["__typename"] for b in both] == ["Session", "Session"]
    assert both[0]["user"]["id"] == both[1]["user"]["id"]
    assert both[0]["token"] != both[1]["token"]
    assert await users_named(state, "hans@example.com") == 1
    # Someone else holding the token cannot take the account over.
    other = await accept(gql, token, "another password")
    refused(other, "InvalidInputError", "INVITATION_USED", "token")
    huge = await accept(gql, token, "x" * 100_000)  # refused without hashing it
    refused(huge, "InvalidInputError", "INVITATION_USED", "token")


async def test_who_may_invite_whom(gql: GraphQLClient, state: AppState, owner: Member) -> None:
    admin = await add_member(state, owner.workspace_id, role=Role.ADMIN, email="a@acme.test")
    manager = await add_member(state, owner.workspace_id, role=Role.MANAGER, email="m@acme.test")
    as_admin = await run(gql, INVITE, "inviteUser", {"email": "boss@example.com", "role": "OWNER"},
                         token=admin.token)
    refused(as_admin, "ForbiddenError", "OWNERS_ONLY", "role")
    assert (await invite(gql, "ann@example.com", role="ADMIN", token=admin.token))[
        "invitation"]["role"] == "ADMIN"
    # The owner's invitation to become an owner: an admin neither replaces nor revokes it.
    owners = await invite(gql, "co-owner@example.com", role="OWNER")
    replaced = await run(gql, INVITE, "inviteUser", {"email": "co-owner@example.com"},
                         token=admin.token)
    refused(replaced, "ForbiddenError", "OWNERS_ONLY", "email")
    revoked = await run(gql, REVOKE, "revokeInvitation", {"id": owners["invitation"]["id"]},
                        token=admin.token)
    refused(revoked, "ForbiddenError", "OWNERS_ONLY", "id")
    assert (await accept(gql, owners["token"], PASSWORD))["user"]["role"] == "OWNER"
    # Managers and members may not invite, nor list invitations.
    for query, variables in ((INVITE, {"input": {"email": "x@example.com"}}),
                             (INVITATIONS, {"first": 5})):
        body = await gql.post(query, variables, token=manager.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        anonymous = await gql.post(query, variables, token="")
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_one_address_one_login(
    gql: GraphQLClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    here = await run(gql, INVITE, "inviteUser", {"email": "M@acme.test"})
    refused(here, "ConflictError", "EMAIL_TAKEN", "email")
    assert "already a member" in here["message"]
    elsewhere = await run(gql, INVITE, "inviteUser", {"email": "owner@globex.test"})
    refused(elsewhere, "ConflictError", "EMAIL_TAKEN", "email")
    assert "Globex" not in elsewhere["message"]  # not said where
    # Two workspaces invite one address: the first acceptance wins, the second is told.
    ours = await invite(gql, "ivy@example.com")
    theirs = await invite(gql, "ivy@example.com", token=other_owner.token)
    assert (await accept(gql, theirs["token"], PASSWORD))["__typename"] == "Session"
    late = await accept(gql, ours["token"], PASSWORD)
    refused(late, "ConflictError", "EMAIL_TAKEN", None)
    assert await users_named(state, "ivy@example.com") == 1
    # Each workspace sees only its own invitations.
    mine = (await gql.data(INVITATIONS, {"first": 10}))["invitations"]
    assert [e["node"]["email"] for e in mine["edges"]] == ["ivy@example.com"]
    assert member.email == "m@acme.test"


async def test_bad_input_names_the_field(gql: GraphQLClient) -> None:
    for values, field in (
        ({"email": "not-an-address"}, "email"),
        ({"email": "  "}, "email"),
        ({"email": "x@example.com", "hourlyRate": "1.234"}, "hourlyRate"),
        ({"email": "x@example.com", "name": "n" * 201}, "name"),
    ):
        result = await run(gql, INVITE, "inviteUser", values)
        refused(result, "InvalidInputError", "INVALID", field)
    refused(await accept(gql, "tt_inv_unknown", PASSWORD), "InvalidInputError",
            "INVITATION_INVALID", "token")


async def test_invitations_page_newest_first(gql: GraphQLClient) -> None:
    emails = [f"p{i}@example.com" for i in range(5)]
    for email in emails:
        await invite(gql, email)
    seen: list[str] = []
    after = None
    while True:
        page = (await gql.data(INVITATIONS, {"first": 2, "after": after}))["invitations"]
        seen += [e["node"]["email"] for e in page["edges"]]
        assert all(e["node"]["invitedBy"] == {"name": "owner"} for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(emails))
    body = await gql.post(INVITATIONS, {"first": 101})
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "first"}


async def test_listing_invitations_costs_the_same_for_3_or_30(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    """Who invited whom comes through a loader: no statement per invitation."""
    admin = await add_member(state, owner.workspace_id, role=Role.ADMIN, email="a@acme.test")
    query = ("query($first: Int!) { invitations(first: $first) { totalCount "
             "edges { node { email status invitedBy { name } } } } }")
    counts = []
    for size in (3, 30):
        for i in range(size - len(await _open_invitations(state))):
            await invite(gql, f"n{size}-{i}@example.com", token=(admin if i % 2 else owner).token)
        with count_statements(state) as statements:
            page = (await gql.data(query, {"first": 100}))["invitations"]
        assert page["totalCount"] == size
        assert {e["node"]["invitedBy"]["name"] for e in page["edges"]} == {"owner", "a"}
        # A token's last use is recorded at most once a minute: not the list's cost.
        counts.append(len([s for s in statements if not s.startswith("UPDATE api_tokens")]))
    # authentication, the page, its inviters, the count
    assert counts == [4, 4], counts
