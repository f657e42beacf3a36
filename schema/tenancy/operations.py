"""Root fields of the tenancy domain."""

from __future__ import annotations

import strawberry

from resolvers import tenancy
from resolvers.permissions import IsAdmin, IsAuthenticated
from schema.tenancy import types


@strawberry.type
class TenancyQuery:
    me: types.User = strawberry.field(
        resolver=tenancy.me,
        permission_classes=[IsAuthenticated],
        description="The authenticated user.",
    )
    users: list[types.User] = strawberry.field(
        resolver=tenancy.users,
        permission_classes=[IsAdmin],
        description="Everyone in your workspace (owners and admins only).",
    )
    api_tokens: list[types.ApiToken] = strawberry.field(
        resolver=tenancy.api_tokens,
        permission_classes=[IsAuthenticated],
        description="Your API tokens, newest first (login sessions are not listed).",
    )


@strawberry.type
class TenancyMutation:
    login: types.LoginResult = strawberry.mutation(
        resolver=tenancy.login,
        description="Log in with e-mail and password; returns a session token (30 days).",
    )
    create_api_token: types.CreateApiTokenResult = strawberry.mutation(
        resolver=tenancy.create_api_token,
        permission_classes=[IsAuthenticated],
        description="Create a named API token for a partner integration.",
    )
    revoke_api_token: types.RevokeApiTokenResult = strawberry.mutation(
        resolver=tenancy.revoke_api_token,
        permission_classes=[IsAuthenticated],
        description="Revoke one of your API tokens.",
    )
