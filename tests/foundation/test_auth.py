"""Login, API tokens (create, use, expire, revoke) and authentication failures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.models import ApiToken
from tests.conftest import GraphQLClient, Member

ME = "{ me { email role workspace { name } } }"
LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename
    ... on Session { token expiresAt user { email } }
    ... on Error { code message field }
  }
}
"""
CREATE_TOKEN = """
mutation($name: String!, $expiresAt: DateTime) {
  createApiToken(input: {name: $name, expiresAt: $expiresAt}) {
    __typename
    ... on NewApiToken { token apiToken { id name tokenPrefix lastUsedAt } }
    ... on Error { code message field }
  }
}
"""
REVOKE = """
mutation($id: ID!) {
  revokeApiToken(input: {id: $id}) {
    __typename
    ... on ApiToken { id revokedAt }
    ... on Error { code message field }
  }
}
"""


async def test_me_with_token(gql: GraphQLClient) -> None:
    data = await gql.data(ME)
    assert data["me"] == {
        "email": "owner@acme.test",
        "role": "OWNER",
        "workspace": {"name": "Acme"},
    }


async def test_login_right_password_gives_working_session(
    gql: GraphQLClient, owner: Member
) -> None:
    data = await gql.data(LOGIN, {"email": "OWNER@acme.test", "password": "pw-123456"}, token="")
    result = data["login"]
    assert result["__typename"] == "Session"
    assert result["user"]["email"] == "owner@acme.test"
    me = await gql.data(ME, token=result["token"])
    assert me["me"]["email"] == "owner@acme.test"


async def test_login_wrong_password(gql: GraphQLClient) -> None:
    data = await gql.data(LOGIN, {"email": "owner@acme.test", "password": "nope"}, token="")
    assert data["login"] == {
        "__typename": "InvalidInputError",
        "code": "INVALID_CREDENTIALS",
        "message": "E-mail address or password is wrong.",
        "field": "password",
    }


async def test_login_unknown_user_same_answer(gql: GraphQLClient) -> None:
    data = await gql.data(LOGIN, {"email": "ghost@acme.test", "password": "x"}, token="")
    assert data["login"]["code"] == "INVALID_CREDENTIALS"


async def test_no_token_gets_authentication_error_and_no_data(gql: GraphQLClient) -> None:
    body = await gql.post(ME, token="")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_bad_token_gets_authentication_error(gql: GraphQLClient) -> None:
    body = await gql.post(ME, token="tt_not-a-real-token")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "unknown, expired or revoked" in body["errors"][0]["message"]


async def test_api_token_create_use_and_last_used(gql: GraphQLClient, state: AppState) -> None:
    data = await gql.data(CREATE_TOKEN, {"name": "Partner X"})
    created = data["createApiToken"]
    assert created["__typename"] == "NewApiToken"
    assert created["apiToken"]["lastUsedAt"] is None
    token = created["token"]
    assert (await gql.data(ME, token=token))["me"]["email"] == "owner@acme.test"
    async with state.sessionmaker() as session:
        record = await session.scalar(select(ApiToken).where(ApiToken.name == "Partner X"))
    assert record is not None
    assert record.last_used_at is not None
    # Only the hash is stored.
    assert record.token_hash != token
    assert token not in record.token_hash
    listed = await gql.data("{ apiTokens { name } }")
    assert {"name": "Partner X"} in listed["apiTokens"]


async def test_api_token_expiry_in_past_is_rejected(gql: GraphQLClient) -> None:
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    data = await gql.data(CREATE_TOKEN, {"name": "old", "expiresAt": past})
    assert data["createApiToken"]["__typename"] == "InvalidInputError"
    assert data["createApiToken"]["field"] == "expiresAt"


async def test_api_token_without_name_is_rejected(gql: GraphQLClient) -> None:
    data = await gql.data(CREATE_TOKEN, {"name": "  "})
    assert data["createApiToken"]["field"] == "name"


async def test_expired_token_stops_working(gql: GraphQLClient, state: AppState) -> None:
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    data = await gql.data(CREATE_TOKEN, {"name": "short", "expiresAt": future})
    token = data["createApiToken"]["token"]
    assert (await gql.data(ME, token=token))["me"]
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(ApiToken)
            .where(ApiToken.name == "short")
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    body = await gql.post(ME, token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoked_token_stops_working(gql: GraphQLClient) -> None:
    data = await gql.data(CREATE_TOKEN, {"name": "temp"})
    token, token_id = data["createApiToken"]["token"], data["createApiToken"]["apiToken"]["id"]
    revoked = (await gql.data(REVOKE, {"id": token_id}))["revokeApiToken"]
    assert revoked["__typename"] == "ApiToken"
    assert revoked["revokedAt"]
    body = await gql.post(ME, token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_cannot_revoke_another_workspaces_token(
    gql: GraphQLClient, other_owner: Member
) -> None:
    theirs = await gql.data(CREATE_TOKEN, {"name": "theirs"}, token=other_owner.token)
    token_id = theirs["createApiToken"]["apiToken"]["id"]
    result = (await gql.data(REVOKE, {"id": token_id}))["revokeApiToken"]
    assert result["__typename"] == "NotFoundError"
    assert (await gql.data(ME, token=theirs["createApiToken"]["token"]))["me"]
