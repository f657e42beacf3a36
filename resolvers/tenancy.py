"""The caller, their workspace's users and their tokens; logging in; the team: invitations,
roles, rates, deactivation and passwords."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from graphql_api import models
from graphql_api.errors import InvalidInput, NotFound
from graphql_api.services import auth, commands, invitations, passwords, team
from graphql_api.services.login_throttle import Throttle
from resolvers import results
from resolvers.context import Info
from resolvers.loaders import load_one
from resolvers.pagination import Page, paginate
from resolvers.reads import caller


async def me(info: Info) -> models.User:
    """The authenticated user."""
    row = await load_one(info.context, models.User, info.context.user_id)
    if row is None:
        raise NotFound("User not found.")
    return row


async def users(info: Info) -> list[models.User]:
    """Everyone in the caller's workspace, by name."""
    async with info.context.session() as session:
        rows = await session.scalars(
            select(models.User)
            .where(models.User.workspace_id == info.context.workspace_id)
            .order_by(models.User.name, models.User.id)
        )
        return list(rows)


async def api_tokens(info: Info) -> list[models.ApiToken]:
    """The caller's API tokens (not their login sessions), newest first."""
    async with info.context.session() as session:
        rows = await session.scalars(
            select(models.ApiToken)
            .where(
                models.ApiToken.user_id == info.context.user_id,
                models.ApiToken.workspace_id == info.context.workspace_id,
                models.ApiToken.kind == models.TokenKind.API,
            )
            .order_by(models.ApiToken.created_at.desc(), models.ApiToken.id.desc())
        )
        return list(rows)


async def login(info: Info, email: str, password: str) -> results.LoggedIn:
    """Exchange e-mail and password for a session token (throttled per account and address).

    The password is checked with no database connection held (argon2 is slow by design);
    only then is the session issued. The answer is shown to the user who logged in (their
    own e-mail and role included): they become the request's caller.
    """
    context = info.context
    client = getattr(context.request, "client", None)
    throttle = Throttle.for_request(
        context.state.sessionmaker, context.state.settings, client.host if client else None
    )
    user_id = await auth.check_login(context.session, email, password, throttle=throttle)
    async with context.transaction() as session:
        issued = await auth.issue_session(session, user_id)
        user = await session.get_one(models.User, issued.record.user_id)
    context.caller = auth.Caller(
        user_id=user.id, workspace_id=user.workspace_id, role=user.role,
        token_id=issued.record.id,
    )
    return results.LoggedIn(token=issued.token, expires_at=issued.record.expires_at, user=user)


async def create_api_token(
    info: Info, name: str, expires_at: dt.datetime | None
) -> results.NewApiToken:
    """A named token for a partner integration."""
    if not name.strip():
        raise InvalidInput("Give the token a name.", field="name")
    async with info.context.transaction() as session:
        user = await session.get_one(models.User, info.context.user_id)
        issued = await auth.issue_token(
            session, user, kind=models.TokenKind.API, name=name.strip(), expires_at=expires_at
        )
        await session.refresh(issued.record)
    return results.NewApiToken(token=issued.token, api_token=issued.record)


async def revoke_api_token(info: Info, token_id: int) -> models.ApiToken:
    """Revoke one of the caller's tokens; it stops working at once."""
    assert info.context.caller is not None
    async with info.context.transaction() as session:
        return await auth.revoke_token(session, info.context.caller, token_id)


# ---------------------------------------------------------------- the team


async def open_invitations(
    info: Info, first: int, after: str | None
) -> Page[models.Invitation]:
    """The workspace's open invitations, newest first."""
    stmt = invitations.open_invitations(info.context.workspace_id)
    return await paginate(
        info.context, stmt, keys=[models.Invitation.id], first=first, after=after,
        descending=True,
    )


async def invite_user(info: Info, command: commands.InviteUser) -> results.NewInvitation:
    """Invite an address (or re-invite it: a new token)."""
    async with info.context.transaction() as session:
        issued = await invitations.invite(session, caller(info), command)
    return results.NewInvitation(token=issued.token, invitation=issued.invitation)


async def revoke_invitation(info: Info, invitation_id: int) -> models.Invitation:
    """Revoke an open invitation."""
    async with info.context.transaction() as session:
        return await invitations.revoke(session, caller(info), invitation_id)


async def accept_invitation(info: Info, command: commands.AcceptInvitation) -> results.LoggedIn:
    """Join with an invitation token and a password; the answer is a login session, shown to
    the new user (they become the request's caller, as with ``login``)."""
    async with info.context.transaction() as session:
        accepted = await invitations.accept(session, command)
    user, issued = accepted.user, accepted.session
    info.context.caller = auth.Caller(
        user_id=user.id, workspace_id=user.workspace_id, role=user.role,
        token_id=issued.record.id,
    )
    return results.LoggedIn(token=issued.token, expires_at=issued.record.expires_at, user=user)


async def update_user(info: Info, command: commands.UpdateUser) -> models.User:
    """Change a colleague's role, rate or name."""
    async with info.context.transaction() as session:
        return await team.update_user(session, caller(info), command)


async def set_user_active(info: Info, user_id: int, active: bool) -> models.User:
    """Deactivate or reactivate a user."""
    async with info.context.transaction() as session:
        return await team.set_active(session, caller(info), user_id, active)


async def change_password(
    info: Info, command: commands.ChangePassword
) -> passwords.PasswordChange:
    """The caller's new password; their other sessions end."""
    async with info.context.transaction() as session:
        return await passwords.change_password(session, caller(info), command)
