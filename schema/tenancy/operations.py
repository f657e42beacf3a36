"""Root fields of the tenancy domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from graphql_api.services.passwords import PasswordChange
from resolvers import results, tenancy
from resolvers.context import Info
from resolvers.ids import decode_id
from resolvers.pagination import Page
from resolvers.permissions import IsAdmin, IsAuthenticated
from resolvers.reads import ClientErrors
from schema.relay import AFTER, FIRST, Connection
from schema.tenancy import types

LOGIN = Annotated[types.LoginInput, strawberry.argument(description="E-mail and password.")]
CREATE_API_TOKEN = Annotated[
    types.CreateApiTokenInput, strawberry.argument(description="The token to create.")
]
REVOKE_API_TOKEN = Annotated[
    types.RevokeApiTokenInput, strawberry.argument(description="Which token.")
]
INVITE_USER = Annotated[types.InviteUserInput, strawberry.argument(description="Whom to invite.")]
REVOKE_INVITATION = Annotated[
    types.RevokeInvitationInput, strawberry.argument(description="Which invitation.")
]
ACCEPT_INVITATION = Annotated[
    types.AcceptInvitationInput, strawberry.argument(description="Token and password.")
]
UPDATE_USER = Annotated[types.UpdateUserInput, strawberry.argument(description="The changes.")]
DEACTIVATE_USER = Annotated[
    types.DeactivateUserInput, strawberry.argument(description="Which user, and which way.")
]
CHANGE_PASSWORD = Annotated[
    types.ChangePasswordInput, strawberry.argument(description="Current and new password.")
]
ADMINS = "(owners and admins; only owners make, change or invite owners)"


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

    @strawberry.field(
        graphql_type=Connection[types.Invitation],
        permission_classes=[IsAdmin],
        extensions=[ClientErrors()],
        description="Open invitations (pending or expired; not accepted or revoked), newest "
        "first (owners and admins); `first` is capped at 100.",
    )
    async def invitations(
        self, info: Info, first: FIRST = 20, after: AFTER = None
    ) -> Page[models.Invitation]:
        return await tenancy.open_invitations(info, first, after)


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

    @strawberry.mutation(
        graphql_type=types.InviteUserResult,
        permission_classes=[IsAdmin],
        description=f"Invite someone to the workspace {ADMINS}: the answer's token, shown "
        "once and valid 7 days, is what they accept with. Inviting an address again replaces "
        "its token. No e-mail is sent: hand the token over yourself.",
    )
    async def invite_user(self, info: Info, input: INVITE_USER) -> results.NewInvitation:
        return await tenancy.invite_user(info, input.command())

    @strawberry.mutation(
        graphql_type=types.RevokeInvitationResult,
        permission_classes=[IsAdmin],
        description=f"Revoke an open invitation: its token stops working {ADMINS}.",
    )
    async def revoke_invitation(
        self, info: Info, input: REVOKE_INVITATION
    ) -> models.Invitation:
        return await tenancy.revoke_invitation(info, decode_id(input.id, "Invitation"))

    @strawberry.mutation(
        graphql_type=types.AcceptInvitationResult,
        description="Join a workspace with an invitation's token and a password of your own "
        "(no bearer token needed); returns a login session (30 days). Safe to retry.",
    )
    async def accept_invitation(
        self, info: Info, input: ACCEPT_INVITATION
    ) -> results.LoggedIn:
        return await tenancy.accept_invitation(info, input.command())

    @strawberry.mutation(
        graphql_type=types.UpdateUserResult,
        permission_classes=[IsAdmin],
        description=f"Change a colleague's role, hourly rate or name {ADMINS}. Nobody changes "
        "their own role, and the last active owner stays an owner.",
    )
    async def update_user(self, info: Info, input: UPDATE_USER) -> models.User:
        return await tenancy.update_user(info, input.command())

    @strawberry.mutation(
        graphql_type=types.DeactivateUserResult,
        permission_classes=[IsAdmin],
        description=f"Deactivate a user — they cannot log in and every token of theirs stops "
        f"working at once; their registrations stay — or reactivate them {ADMINS}. Not "
        "yourself, and never the last active owner.",
    )
    async def deactivate_user(self, info: Info, input: DEACTIVATE_USER) -> models.User:
        return await tenancy.set_user_active(
            info, decode_id(input.id, "User"), not input.deactivated
        )

    @strawberry.mutation(
        graphql_type=types.ChangePasswordResult,
        permission_classes=[IsAuthenticated],
        description="Change your password (your current one is required): your other login "
        "sessions end; this one and your API tokens keep working.",
    )
    async def change_password(self, info: Info, input: CHANGE_PASSWORD) -> PasswordChange:
        return await tenancy.change_password(info, input.command())
