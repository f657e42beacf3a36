"""GraphQL types of the tenancy domain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry

from graphql_api import models
from schema.errors import InvalidInputError, NotFoundError
from schema.relay import Node, to_global_id

Role = strawberry.enum(models.Role, description="What a user may do in their workspace.")
TokenKind = strawberry.enum(models.TokenKind, description="Login session or named API token.")


@strawberry.type(description="A workspace: the tenant that owns all data.")
class Workspace(Node):
    name: str = strawberry.field(description="Display name.")
    currency: str = strawberry.field(description="ISO currency code of all amounts (EUR).")
    mileage_rate: Decimal = strawberry.field(
        description="Default rate per km for trips of customers without their own."
    )

    @classmethod
    def from_model(cls, row: models.Workspace) -> Workspace:
        return cls(
            id=to_global_id("Workspace", row.id),
            name=row.name,
            currency=row.currency,
            mileage_rate=row.mileage_rate,
        )


@strawberry.type(description="A person in the workspace.")
class User(Node):
    email: str = strawberry.field(description="Login e-mail address.")
    name: str = strawberry.field(description="Display name.")
    role: Role = strawberry.field(description="What the user may do.")  # type: ignore[valid-type]
    hourly_rate: Decimal | None = strawberry.field(
        description="Rate for projects billed at the user's rate."
    )
    active: bool = strawberry.field(description="Inactive users cannot log in.")
    workspace_pk: strawberry.Private[int]

    @strawberry.field(description="The user's workspace.")
    async def workspace(self, info: strawberry.Info) -> Workspace:
        from resolvers.tenancy import resolve_workspace

        return await resolve_workspace(info, self.workspace_pk)

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(
            id=to_global_id("User", row.id),
            email=row.email,
            name=row.name,
            role=row.role,
            hourly_rate=row.hourly_rate,
            active=row.active,
            workspace_pk=row.workspace_id,
        )


@strawberry.type(description="A bearer token (its secret is shown only when created).")
class ApiToken(Node):
    name: str = strawberry.field(description="What the token is for.")
    kind: TokenKind = strawberry.field(description="Session or API token.")  # type: ignore[valid-type]
    token_prefix: str = strawberry.field(description="First characters, to recognise it.")
    expires_at: dt.datetime | None = strawberry.field(description="When it stops working.")
    revoked_at: dt.datetime | None = strawberry.field(description="When it was revoked.")
    last_used_at: dt.datetime | None = strawberry.field(
        description="Last use (recorded at most once a minute)."
    )
    created_at: dt.datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_model(cls, row: models.ApiToken) -> ApiToken:
        return cls(
            id=to_global_id("ApiToken", row.id),
            name=row.name,
            kind=row.kind,
            token_prefix=row.token_prefix,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
            created_at=row.created_at,
        )


@strawberry.type(description="A logged-in session: send `token` as a bearer token.")
class Session:
    token: str = strawberry.field(description="Bearer token; keep it secret.")
    expires_at: dt.datetime | None = strawberry.field(description="When the session ends.")
    user: User = strawberry.field(description="Who logged in.")


@strawberry.type(description="A new API token; `token` is shown now and never again.")
class NewApiToken:
    token: str = strawberry.field(description="The secret bearer token; store it now.")
    api_token: ApiToken = strawberry.field(description="The token's record.")


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
