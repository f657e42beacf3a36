"""Root fields of the tenancy domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from resolvers import results, tenancy
from resolvers.context import Info
from resolvers.ids import decode_id
from resolvers.permissions import IsAdmin, IsAuthenticated
from schema.tenancy import types

LOGIN = Annotated[types.LoginInput, strawberry.argument(description="E-mail and password.")]
CREATE_API_TOKEN = Annotated[
    types.CreateApiTokenInput, strawberry.argument(description="The token to create.")
]
REVOKE_API_TOKEN = Annotated[
    types.RevokeApiTokenInput, strawberry.argument(description="Which token.")
]


@strawberry.type
class TenancyQuery:
    @strawberry.field(
        graphql_type=types.User,
        permission_classes=[IsAuthenticated],
        description="The authenticated user.",
    )
    async def me(self, info: Info) -> models.User:
        return await tenancy.me(info)

    @strawberry.field(
        graphql_type=list[types.User],
        permission_classes=[IsAdmin],
        description="Everyone in your workspace (owners and admins only).",
    )
    async def users(self, info: Info) -> list[models.User]:
        return await tenancy.users(info)

    @strawberry.field(
        graphql_type=list[types.ApiToken],
        permission_classes=[IsAuthenticated],
        description="Your API tokens, newest first (login sessions are not listed).",
    )
    async def api_tokens(self, info: Info) -> list[models.ApiToken]:
        return await tenancy.api_tokens(info)


@strawberry.type
class TenancyMutation:
    @strawberry.mutation(
        graphql_type=types.LoginResult,
        description="Log in with e-mail and password; returns a session token (30 days).",
    )
    async def login(self, info: Info, input: LOGIN) -> results.LoggedIn:
        return await tenancy.login(info, input.email, input.password)

    @strawberry.mutation(
        graphql_type=types.CreateApiTokenResult,
        permission_classes=[IsAuthenticated],
        description="Create a named API token for a partner integration.",
    )
    async def create_api_token(self, info: Info, input: CREATE_API_TOKEN) -> results.NewApiToken:
        return await tenancy.create_api_token(info, input.name, input.expires_at)

    @strawberry.mutation(
        graphql_type=types.RevokeApiTokenResult,
        permission_classes=[IsAuthenticated],
        description="Revoke one of your API tokens.",
    )
    async def revoke_api_token(self, info: Info, input: REVOKE_API_TOKEN) -> models.ApiToken:
        return await tenancy.revoke_api_token(info, decode_id(input.id, "ApiToken"))
