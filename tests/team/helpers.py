"""GraphQL documents and helpers for the team tests: invitations, roles, passwords."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from graphql_api.app import AppState
from graphql_api.models import User
from tests.conftest import GraphQLClient

ERRORS = "... on Error { code message field }"
INVITE = f"""
mutation($input: InviteUserInput!) {{
  inviteUser(input: $input) {{
    __typename
    ... on NewInvitation {{
      token invitation {{ id email name role hourlyRate status expiresAt invitedBy {{ id }} }}
    }}
    {ERRORS}
  }}
}}
"""
ACCEPT = f"""
mutation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{
    __typename
    ... on Session {{ token expiresAt user {{ id email name role hourlyRate active }} }}
    {ERRORS}
  }}
}}
"""
REVOKE = f"""
mutation($input: RevokeInvitationInput!) {{
  revokeInvitation(input: $input) {{
    __typename
    ... on Invitation {{ id status revokedAt }}
    {ERRORS}
  }}
}}
"""
INVITATIONS = """
query($first: Int!, $after: String) {
  invitations(first: $first, after: $after) {
    totalCount
    edges { node { id email role status invitedBy { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE_USER = f"""
mutation($input: UpdateUserInput!) {{
  updateUser(input: $input) {{
    __typename
    ... on User {{ id name role hourlyRate active }}
    {ERRORS}
  }}
}}
"""
DEACTIVATE = f"""
mutation($input: DeactivateUserInput!) {{
  deactivateUser(input: $input) {{
    __typename
    ... on User {{ id active }}
    {ERRORS}
  }}
}}
"""
CHANGE_PASSWORD = f"""
mutation($input: ChangePasswordInput!) {{
  changePassword(input: $input) {{
    __typename
    ... on PasswordChanged {{ revokedSessions user {{ email }} }}
    {ERRORS}
  }}
}}
"""
LOGIN = f"""
mutation($email: String!, $password: String!) {{
  login(input: {{email: $email, password: $password}}) {{
    __typename
    ... on Session {{ token }}
    {ERRORS}
  }}
}}
"""
ME = "{ me { id email role hourlyRate active workspace { name } } }"


async def run(
    gql: GraphQLClient, document: str, field: str, variables: dict[str, Any],
    *, token: str | None = None,
) -> dict[str, Any]:
    """The result object of one mutation, which must not fail at the top level."""
    data = await gql.data(document, {"input": variables}, token=token)
    result: dict[str, Any] = data[field]
    return result


async def invite(
    gql: GraphQLClient, email: str, *, token: str | None = None, **extra: Any
) -> dict[str, Any]:
    """inviteUser, which must succeed."""
    result = await run(gql, INVITE, "inviteUser", {"email": email, **extra}, token=token)
    assert result["__typename"] == "NewInvitation", result
    return result


async def accept(gql: GraphQLClient, token: str, password: str, **extra: Any) -> dict[str, Any]:
    """acceptInvitation with no bearer token at all (a newcomer has none)."""
    body = await gql.post(ACCEPT, {"input": {"token": token, "password": password, **extra}},
                          token="")
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"]["acceptInvitation"]
    return result


async def login(gql: GraphQLClient, email: str, password: str) -> dict[str, Any]:
    body = await gql.post(LOGIN, {"email": email, "password": password}, token="")
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"]["login"]
    return result


def refused(result: dict[str, Any], typename: str, code: str, field: str | None) -> None:
    """Assert a typed error."""
    assert (result["__typename"], result["code"], result["field"]) == (typename, code, field), (
        result
    )
    assert result["message"]


async def users_named(state: AppState, email: str) -> int:
    """How many users have this address (in any workspace)."""
    async with state.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(func.lower(User.email) == email.lower())
        )
        return int(count or 0)
