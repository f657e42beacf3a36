"""GraphQL types of the tenancy domain: the workspace, its users, their tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.relay import NodeID

from graphql_api import models
from resolvers import results
from resolvers.permissions import ADMINS_OR_SELF, OWN_TOKENS
from schema.errors import InvalidInputError, NotFoundError
from schema.relay import Node
from schema.views import restricted, result_type, row_type, to_one


@row_type(
    models.Workspace, description="A workspace: the tenant that owns all data.", workspace="id"
)
class Workspace(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="Display name.")
    currency: str = strawberry.field(description="ISO currency code of all amounts (EUR).")
    mileage_rate: Decimal = strawberry.field(
        description="Default rate per km for trips of customers without their own."
    )


_OWN_OR_ADMIN = "(yourself, or owners and admins; null with a FORBIDDEN error for others)"


@row_type(
    models.User,
    description="A person in the workspace. Everyone sees colleagues' names; e-mail, role, "
    "rate and status are for the user themself and for owners and admins.",
)
class User(Node):
    id: NodeID[int]
    email: str | None = restricted(
        ADMINS_OR_SELF, description=f"Login e-mail address {_OWN_OR_ADMIN}."
    )
    name: str = strawberry.field(description="Display name.")
    role: models.Role | None = restricted(
        ADMINS_OR_SELF, description=f"What the user may do {_OWN_OR_ADMIN}."
    )
    hourly_rate: Decimal | None = restricted(
        ADMINS_OR_SELF,
        description=f"Rate for projects billed at the user's rate {_OWN_OR_ADMIN}.",
    )
    active: bool | None = restricted(
        ADMINS_OR_SELF, description=f"Inactive users cannot log in {_OWN_OR_ADMIN}."
    )
    workspace = to_one(
        models.Workspace, "workspace_id", Workspace, description="The user's workspace."
    )


@row_type(
    models.ApiToken,
    read=OWN_TOKENS,
    description="A bearer token (its secret is shown only when created); only its owner sees it.",
)
class ApiToken(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="What the token is for.")
    kind: models.TokenKind = strawberry.field(description="Session or API token.")
    token_prefix: str = strawberry.field(description="First characters, to recognise it.")
    expires_at: dt.datetime | None = strawberry.field(description="When it stops working.")
    revoked_at: dt.datetime | None = strawberry.field(description="When it was revoked.")
    last_used_at: dt.datetime | None = strawberry.field(
        description="Last use (recorded at most once a minute)."
    )
    created_at: dt.datetime = strawberry.field(description="When it was created.")


@result_type(results.LoggedIn, description="A logged-in session: send `token` as a bearer token.")
class Session:
    token: str = strawberry.field(description="Bearer token; keep it secret.")
    expires_at: dt.datetime | None = strawberry.field(description="When the session ends.")
    user: models.User = strawberry.field(graphql_type=User, description="Who logged in.")


@result_type(
    results.NewApiToken, description="A new API token; `token` is shown now and never again."
)
class NewApiToken:
    token: str = strawberry.field(description="The secret bearer token; store it now.")
    api_token: models.ApiToken = strawberry.field(
        graphql_type=ApiToken, description="The token's record."
    )


@strawberry.input(description="E-mail and password.")
class LoginInput:
    email: str = strawberry.field(description="Login e-mail address.")
    password: str = strawberry.field(description="Password.")


@strawberry.input(description="A named API token for a partner integration.")
class CreateApiTokenInput:
    name: str = strawberry.field(description="What the token is for.")
    expires_at: dt.datetime | None = strawberry.field(
        default=None, description="When it stops working; never when left out."
    )


@strawberry.input(description="Which API token to revoke.")
class RevokeApiTokenInput:
    id: strawberry.ID = strawberry.field(description="Global id of the token.")


LoginResult = Annotated[
    Session | InvalidInputError,
    strawberry.union("LoginResult", description="The session, or why login failed."),
]
CreateApiTokenResult = Annotated[
    NewApiToken | InvalidInputError,
    strawberry.union("CreateApiTokenResult", description="The new token, or why not."),
]
RevokeApiTokenResult = Annotated[
    ApiToken | NotFoundError,
    strawberry.union("RevokeApiTokenResult", description="The revoked token, or why not."),
]
