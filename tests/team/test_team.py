"""Roles, rates and deactivation: what owners and admins may change, the rules a demanding
admin expects (the last owner stays, admins leave owners alone, nobody changes their own
role), and a deactivated user locked out at once with their registrations kept."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from graphql_api.app import AppState
from graphql_api.models import ApiToken, Role, User
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import CREATE_TIME_ENTRY, activity, customer, ok, project
from tests.team.helpers import DEACTIVATE, ME, UPDATE_USER, login, refused, run


def uid(member: Member) -> str:
    return global_id("User", member.user_id)


async def test_owner_changes_role_rate_and_name(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    body = await gql.post('mutation { createCustomer(input: {name: "X"}) { __typename } }',
                          token=member.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    changed = await run(gql, UPDATE_USER, "updateUser", {
        "id": uid(member), "role": "MANAGER", "hourlyRate": "72.50", "name": " Mia ",
    })
    assert changed == {"__typename": "User", "id": uid(member), "name": "Mia",
                       "role": "MANAGER", "hourlyRate": "72.50", "active": True}
    # The new role holds from the member's very next request, with the same token.
    created = await gql.data('mutation { createCustomer(input: {name: "X"}) { __typename } }',
                             token=member.token)
    assert created["createCustomer"]["__typename"] == "Customer"
    assert (await gql.data(ME, token=member.token))["me"]["role"] == "MANAGER"
    kept = await run(gql, UPDATE_USER, "updateUser", {"id": uid(member), "hourlyRate": None})
    assert (kept["role"], kept["hourlyRate"], kept["name"]) == ("MANAGER", None, "Mia")
    for values, field in (({"role": None}, "role"), ({"name": " "}, "name"),
                          ({"hourlyRate": "-1"}, "hourlyRate")):
        bad = await run(gql, UPDATE_USER, "updateUser", {"id": uid(member), **values})
        refused(bad, "InvalidInputError", "INVALID", field)


async def test_rules_on_owners_and_on_yourself(
    gql: GraphQLClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    admin = await add_member(state, owner.workspace_id, role=Role.ADMIN, email="a@acme.test")
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    # An admin neither makes an owner nor changes or deactivates one.
    make = await run(gql, UPDATE_USER, "updateUser", {"id": uid(member), "role": "OWNER"},
                     token=admin.token)
    refused(make, "ForbiddenError", "OWNERS_ONLY", "role")
    for values in ({"role": "ADMIN"}, {"hourlyRate": "10.00"}, {"name": "Boss"}):
        change = await run(gql, UPDATE_USER, "updateUser", {"id": uid(owner), **values},
                           token=admin.token)
        refused(change, "ForbiddenError", "OWNERS_ONLY", "id")
    off = await run(gql, DEACTIVATE, "deactivateUser", {"id": uid(owner)}, token=admin.token)
    refused(off, "ForbiddenError", "OWNERS_ONLY", "id")
    # Nobody changes their own role or deactivates themself; their own rate is fine.
    own = await run(gql, UPDATE_USER, "updateUser", {"id": uid(admin), "role": "MEMBER"},
                    token=admin.token)
    refused(own, "ForbiddenError", "NOT_YOURSELF", "role")
    rate = await run(gql, UPDATE_USER, "updateUser", {"id": uid(admin), "hourlyRate": "60.00"},
                     token=admin.token)
    assert rate["hourlyRate"] == "60.00"
    self_off = await run(gql, DEACTIVATE, "deactivateUser", {"id": uid(owner)})
    refused(self_off, "ForbiddenError", "NOT_YOURSELF", "id")
    # The owner makes a second owner, who may then be changed by owners only.
    promoted = await run(gql, UPDATE_USER, "updateUser", {"id": uid(admin), "role": "OWNER"})
    assert promoted["role"] == "OWNER"
    demoted = await run(gql, UPDATE_USER, "updateUser", {"id": uid(owner), "role": "ADMIN"},
                        token=admin.token)
    assert demoted["role"] == "ADMIN"
    # Another workspace's user looks like no user; managers and members may not come here.
    theirs = await run(gql, UPDATE_USER, "updateUser", {"id": uid(other_owner), "name": "X"},
                       token=admin.token)
    refused(theirs, "NotFoundError", "NOT_FOUND", "id")
    body = await gql.post(UPDATE_USER, {"input": {"id": uid(owner), "name": "X"}},
                          token=member.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    second = await add_member(state, owner.workspace_id, role=Role.OWNER, email="o2@acme.test")
    for mutation, field, values in (
        (UPDATE_USER, "updateUser", {"role": "ADMIN"}),
        (DEACTIVATE, "deactivateUser", {}),
    ):
        results = await asyncio.gather(
            run(gql, mutation, field, {"id": uid(second), **values}, token=owner.token),
            run(gql, mutation, field, {"id": uid(owner), **values}, token=second.token),
        )
        winners = [r for r in results if r["__typename"] == "User"]
        losers = [r for r in results if r["__typename"] != "User"]
        assert len(winners) == 1, results
        # The loser was demoted (an admin now: OWNERS_ONLY) or deactivated (FORBIDDEN) first,
        # or would have removed the last owner (LAST_OWNER).
        assert losers[0]["code"] in {"OWNERS_ONLY", "FORBIDDEN", "LAST_OWNER"}, losers
        async with state.sessionmaker() as session:
            owners = await session.scalar(select(func.count()).select_from(User).where(
                User.workspace_id == owner.workspace_id, User.role == Role.OWNER, User.active))
        assert owners == 1
        # Put both back as active owners for the second round.
        async with state.sessionmaker() as session, session.begin():
            for user_id in (owner.user_id, second.user_id):
                row = await session.get_one(User, user_id)
                row.role, row.active = Role.OWNER, True


async def test_deactivated_users_are_locked_out_at_once_and_keep_their_hours(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test",
                              password="member-password")
    session_token = (await login(gql, "m@acme.test", "member-password"))["token"]
    proj = await project(gql, await customer(gql))
    act = await activity(gql)
    entry = await ok(gql, CREATE_TIME_ENTRY, "createTimeEntry", {
        "projectId": proj, "activityId": act, "date": "2024-03-01", "hours": "2",
    }, token=member.token)

    off = await run(gql, DEACTIVATE, "deactivateUser", {"id": uid(member)})
    assert off == {"__typename": "User", "id": uid(member), "active": False}
    for token in (member.token, session_token):
        body = await gql.post(ME, token=token)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    refused(await login(gql, "m@acme.test", "member-password"), "InvalidInputError",
            "INVALID_CREDENTIALS", "password")
    again = await run(gql, DEACTIVATE, "deactivateUser", {"id": uid(member)})
    assert again == off  # deactivating twice changes nothing
    hours = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on TimeEntry { hours user { id name } } } }",
        {"id": entry["id"]},
    )
    assert hours["node"] == {"hours": "2.00", "user": {"id": uid(member), "name": "m"}}
    listed = (await gql.data("{ users { email active } }"))["users"]
    assert {"email": "m@acme.test", "active": False} in listed

    on = await run(gql, DEACTIVATE, "deactivateUser", {"id": uid(member), "deactivated": False})
    assert on["active"] is True
    fresh = await login(gql, "m@acme.test", "member-password")
    assert (await gql.data(ME, token=fresh["token"]))["me"]["active"] is True
    # Revoked tokens stay revoked: a deactivation ended every session and integration.
    for token in (member.token, session_token):
        body = await gql.post(ME, token=token)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with state.sessionmaker() as session:
        live = await session.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id == member.user_id, ApiToken.revoked_at.is_(None)))
    assert live == 1  # only the new login


async def test_a_demoted_owner_loses_owner_rights_at_once(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    """With the same token, from the next request on (a request already in flight is covered
    by the race above: the rules read the caller's role under the team lock)."""
    second = await add_member(state, owner.workspace_id, role=Role.OWNER, email="o2@acme.test")
    await run(gql, UPDATE_USER, "updateUser", {"id": uid(second), "role": "ADMIN"})
    off = await run(gql, DEACTIVATE, "deactivateUser", {"id": uid(owner)}, token=second.token)
    refused(off, "ForbiddenError", "OWNERS_ONLY", "id")
