"""GraphQL types of the tenancy domain: the workspace, its users, their tokens, the team's
invitations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import Parent
from strawberry.relay import NodeID

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.auth import utcnow
from graphql_api.services.passwords import PasswordChange
from resolvers import results
from resolvers.ids import decode_id
from resolvers.permissions import ADMINS_OR_SELF, INVITATIONS, OWN_TOKENS
from schema.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from schema.inputs import given
from schema.relay import Node
from schema.views import computed, restricted, result_type, row_type, to_one


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


@row_type(
    models.Invitation,
    read=INVITATIONS,
    description="An invitation to join the workspace with a role; accepted with its token "
    "(acceptInvitation). Owners and admins only.",
)
class Invitation(Node):
    id: NodeID[int]
    email: str = strawberry.field(description="The address invited: the new user logs in with it.")
    name: str | None = strawberry.field(
        description="Display name proposed for the new user (they may choose another)."
    )
    role: models.Role = strawberry.field(description="The role the new user gets.")
    hourly_rate: Decimal | None = strawberry.field(
        description="The hourly rate the new user gets (projects billed at the user's rate)."
    )

    @computed(
        "accepted_at", "revoked_at", "expires_at",
        description="PENDING until it expires (EXPIRED), is accepted or is revoked.",
    )
    @staticmethod
    def status(root: Parent[models.Invitation]) -> models.InvitationStatus:
        return root.status_at(utcnow())

    expires_at: dt.datetime = strawberry.field(
        description="When its token stops working (7 days after it was issued)."
    )
    accepted_at: dt.datetime | None = strawberry.field(description="When it was accepted.")
    revoked_at: dt.datetime | None = strawberry.field(description="When it was revoked.")
    created_at: dt.datetime = strawberry.field(description="When the address was first invited.")
    updated_at: dt.datetime = strawberry.field(
        description="When it last changed: re-issued (a new token), accepted or revoked."
    )
    invited_by = to_one(
        models.User, "invited_by_user_id", User, nullable=True,
        description="Who issued its current token.",
    )


@result_type(
    results.NewInvitation,
    description="An invitation as issued: hand `token` to the invitee, it is shown now and "
    "never again.",
)
class NewInvitation:
    token: str = strawberry.field(
        description="The secret the invitee accepts with (acceptInvitation); valid 7 days."
    )
    invitation: models.Invitation = strawberry.field(
        graphql_type=Invitation, description="The invitation's record."
    )


@result_type(PasswordChange, description="Your new password is set.")
class PasswordChanged:
    user: models.User = strawberry.field(graphql_type=User, description="You.")
    revoked_sessions: int = strawberry.field(
        description="How many of your other login sessions were ended (this one and your API "
        "tokens keep working)."
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


# ---------------------------------------------------------------- the team


@strawberry.input(description="Whom to invite, as what.")
class InviteUserInput:
    email: str = strawberry.field(
        description="Their e-mail address; they log in with it. Inviting an address with an "
        "open invitation replaces its token."
    )
    role: models.Role = strawberry.field(
        default=models.Role.MEMBER,
        description="Their role (MEMBER when left out); only owners invite owners.",
    )
    name: str | None = strawberry.field(
        default=None, description="Display name to propose (they may choose another)."
    )
    hourly_rate: Decimal | None = strawberry.field(
        default=None, description="Their hourly rate (projects billed at the user's rate)."
    )

    def command(self) -> commands.InviteUser:
        """The service's command."""
        return commands.InviteUser(
            email=self.email, role=self.role, name=self.name, hourly_rate=self.hourly_rate
        )


@strawberry.input(description="Which invitation to revoke.")
class RevokeInvitationInput:
    id: strawberry.ID = strawberry.field(description="Global id of the invitation.")


@strawberry.input(description="The invitation's token and the password to log in with.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The token the invitation was issued with.")
    password: str = strawberry.field(description="Your password: 8 to 200 characters.")
    name: str | None = strawberry.field(
        default=None,
        description="Your display name; the invitation's (or your address's) when left out.",
    )

    def command(self) -> commands.AcceptInvitation:
        """The service's command."""
        return commands.AcceptInvitation(token=self.token, password=self.password, name=self.name)


@strawberry.input(description="Changes to a colleague; omitted fields stay as they are.")
class UpdateUserInput:
    id: strawberry.ID = strawberry.field(description="Global id of the user.")
    name: strawberry.Maybe[str | None] = strawberry.field(description="Display name.")
    role: strawberry.Maybe[models.Role | None] = strawberry.field(
        description="Their role from their next request on; not your own, owners only for owners, "
        "and never the last active owner's."
    )
    hourly_rate: strawberry.Maybe[Decimal | None] = strawberry.field(
        description="Their hourly rate; hours already registered keep their rate."
    )

    def command(self) -> commands.UpdateUser:
        """The service's command: what was sent, the id decoded."""
        return commands.UpdateUser(
            id=decode_id(self.id, "User"),
            name=given(self.name),
            role=given(self.role),
            hourly_rate=given(self.hourly_rate),
        )


@strawberry.input(description="Deactivate or reactivate a user.")
class DeactivateUserInput:
    id: strawberry.ID = strawberry.field(description="Global id of the user.")
    deactivated: bool = strawberry.field(
        default=True,
        description="True deactivates (the default): no login, every token revoked at once, "
        "registrations kept. False reactivates: they log in again with their password.",
    )


@strawberry.input(description="Your current and your new password.")
class ChangePasswordInput:
    old_password: str | None = strawberry.field(
        default=None,
        description="Your current password; leave it out only when you have none yet.",
    )
    new_password: str = strawberry.field(description="The new password: 8 to 200 characters.")

    def command(self) -> commands.ChangePassword:
        """The service's command."""
        return commands.ChangePassword(
            old_password=self.old_password, new_password=self.new_password
        )


InviteUserResult = Annotated[
    NewInvitation | InvalidInputError | ConflictError | ForbiddenError,
    strawberry.union("InviteUserResult", description="The invitation and its token, or why not."),
]
RevokeInvitationResult = Annotated[
    Invitation | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("RevokeInvitationResult", description="The revoked invitation, or why not."),
]
AcceptInvitationResult = Annotated[
    Session | InvalidInputError | ConflictError,
    strawberry.union(
        "AcceptInvitationResult", description="Your login session, or why you cannot join."
    ),
]
UpdateUserResult = Annotated[
    User | NotFoundError | InvalidInputError | ConflictError | ForbiddenError,
    strawberry.union("UpdateUserResult", description="The changed user, or why not."),
]
DeactivateUserResult = Annotated[
    User | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union(
        "DeactivateUserResult", description="The deactivated or reactivated user, or why not."
    ),
]
ChangePasswordResult = Annotated[
    PasswordChanged | InvalidInputError,
    strawberry.union("ChangePasswordResult", description="The password is changed, or why not."),
]
