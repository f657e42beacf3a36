"""Inviting people into a workspace, and accepting an invitation.

An owner or admin invites an e-mail address with a role (and optionally a name and hourly
rate). The answer carries a token — shown once, stored as its SHA-256 hash, valid for
``LIFETIME`` — that the admin hands to the invitee (this API sends no e-mail). The invitee
calls ``acceptInvitation`` with it and a password, without any other token, and gets a
login session: they are a user of the workspace from then on.

Decisions:

- One address logs in to one workspace. Login takes an e-mail address and a password, not a
  workspace, so an address belongs to at most one user across all workspaces: inviting an
  address of a user elsewhere is refused (EMAIL_TAKEN, without saying where), and of two
  workspaces inviting one address, the first accepted wins (the other is told so on
  acceptance).
- At most one open invitation per address and workspace: inviting a pending (or expired)
  address again replaces its token, role, name, rate and expiry — the old token stops
  working. An admin cannot replace or revoke an invitation to become an owner.
- Accepting twice (a retry after a lost answer) creates nothing twice: with the same
  password it answers a new session for the user the first call created; with another, it
  says the invitation was used.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict, GeneralCode, InvalidInput, TeamCode
from graphql_api.models import Invitation, TokenKind, User
from graphql_api.models.tenancy import OPEN_INVITATION
from graphql_api.security import hash_password_off_loop, hash_token, verify_password_off_loop
from graphql_api.services.auth import SESSION_LIFETIME, Caller, IssuedToken, issue_token, utcnow
from graphql_api.services.commands import AcceptInvitation, InviteUser
from graphql_api.services.domain import validation as v
from graphql_api.services.passwords import MAX_LENGTH, checked_password
from graphql_api.services.team import acting_role, lock_team, refuse_owner_change_by_admin

LIFETIME = dt.timedelta(days=7)
TOKEN_PREFIX = "tt_inv_"  # noqa: S105 - ours (logs redact tt_…), and says what it is for


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation as (re)issued: the plaintext token is shown once and never stored."""

    token: str
    invitation: Invitation


@dataclass(frozen=True)
class Accepted:
    """The session of the user an accepted invitation made."""

    session: IssuedToken
    user: User


def _email(value: str) -> str:
    email = v.email(value, "email")
    if email is None:
        raise InvalidInput("The invitation needs an e-mail address.", field="email")
    return email


async def _existing_user(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _taken(user: User, workspace_id: int) -> Conflict:
    if user.workspace_id != workspace_id:
        # Not said where: another workspace's people are none of this one's business.
        message = (
            f"{user.email} already has an account, and one address logs in to one "
            "workspace: invite another address."
        )
    elif not user.active:
        message = (
            f"{user.email} is a deactivated user of this workspace: reactivate them "
            "(deactivateUser with deactivated: false) instead."
        )
    else:
        message = f"{user.email} is already a member of this workspace."
    return Conflict(message, field="email", code=TeamCode.EMAIL_TAKEN)


def _taken_on_accept(email: str) -> Conflict:
    """What the invitee hears when their address got an account meanwhile (another
    workspace's invitation accepted first, say)."""
    return Conflict(
        f"{email} already has an account, and one address logs in to one workspace: log in "
        "with it, or ask for an invitation to another address.",
        code=TeamCode.EMAIL_TAKEN,
    )


async def invite(session: AsyncSession, caller: Caller, command: InviteUser) -> IssuedInvitation:
    """Invite an address, or re-invite one with an open invitation (a new token)."""
    email = _email(command.email)
    name = v.optional_text(command.name, "name", max_length=200)
    rate = v.decimal(command.hourly_rate, "hourlyRate", what="rate")
    await lock_team(session, caller.workspace_id)
    acting = await acting_role(session, caller)
    refuse_owner_change_by_admin(acting, command.role, "role")
    # The open invitation first: an acceptance under way finishes before we look for users.
    invitation = await session.scalar(
        select(Invitation)
        .where(
            Invitation.workspace_id == caller.workspace_id,
            func.lower(Invitation.email) == email.lower(),
            OPEN_INVITATION,
        )
        .with_for_update()
    )
    user = await _existing_user(session, email)
    if user is not None:
        raise _taken(user, caller.workspace_id)
    if invitation is None:
        invitation = Invitation(workspace_id=caller.workspace_id)
        session.add(invitation)
    else:
        refuse_owner_change_by_admin(acting, invitation.role, "email")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    invitation.email = email
    invitation.name = name
    invitation.role = command.role
    invitation.hourly_rate = rate
    invitation.token_hash = hash_token(token)
    invitation.expires_at = utcnow() + LIFETIME
    invitation.invited_by_user_id = caller.user_id
    await session.flush()
    await session.refresh(invitation)
    return IssuedInvitation(token, invitation)


async def revoke(session: AsyncSession, caller: Caller, invitation_id: int) -> Invitation:
    """Revoke an open invitation: its token stops working. Revoking twice is harmless."""
    await lock_team(session, caller.workspace_id)
    acting = await acting_role(session, caller)
    invitation = await v.get_in_workspace(
        session, Invitation, invitation_id, caller.workspace_id, field="id", what="invitation",
        for_update=True,
    )
    refuse_owner_change_by_admin(acting, invitation.role, "id")
    if invitation.accepted_at is not None:
        raise Conflict(
            "The invitation was accepted already: deactivate the user instead "
            "(deactivateUser).",
            field="id",
            code=GeneralCode.CONFLICT,
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        await session.flush()
        await session.refresh(invitation)
    return invitation


async def accept(session: AsyncSession, command: AcceptInvitation) -> Accepted:
    """Become the invited user (with this password) and get a login session."""
    invitation = await session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == hash_token(command.token.strip()))
        .with_for_update()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise InvalidInput(
            "This invitation is unknown, was revoked, or was replaced by a newer one: ask "
            "for a new invitation.",
            field="token",
            code=TeamCode.INVITATION_INVALID,
        )
    now = utcnow()
    if invitation.accepted_at is not None:
        return await _accepted_again(session, invitation, command.password, now)
    if invitation.expires_at <= now:
        raise InvalidInput(
            f"This invitation expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC: ask for "
            "a new one.",
            field="token",
            code=TeamCode.INVITATION_EXPIRED,
        )
    password = checked_password(command.password, "password")
    fallback = invitation.name or invitation.email.split("@", maxsplit=1)[0]
    name = v.required_text(command.name or fallback, "name", max_length=200, what="name")
    if await _existing_user(session, invitation.email) is not None:
        raise _taken_on_accept(invitation.email)
    user = User(
        workspace_id=invitation.workspace_id,
        email=invitation.email,
        name=name,
        role=invitation.role,
        hourly_rate=invitation.hourly_rate,
        password_hash=await hash_password_off_loop(password),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        # Another workspace's invitation to this address was accepted at this very moment.
        raise _taken_on_accept(invitation.email) from None
    invitation.accepted_at = now
    invitation.accepted_user_id = user.id
    issued = await _session_for(session, user)
    return Accepted(issued, user)


async def _accepted_again(
    session: AsyncSession, invitation: Invitation, password: str, now: dt.datetime
) -> Accepted:
    """A second acceptance: the same person retrying gets a session, anyone else a no."""
    user = (
        await session.get(User, invitation.accepted_user_id)
        if invitation.accepted_user_id is not None
        else None
    )
    retry = (
        user is not None
        and user.active
        and invitation.expires_at > now
        and len(password) <= MAX_LENGTH  # longer than any password: no hashing
        and await verify_password_off_loop(user.password_hash, password)
    )
    if user is None or not retry:
        raise InvalidInput(
            "This invitation was accepted already: log in with its e-mail address and the "
            "password chosen then.",
            field="token",
            code=TeamCode.INVITATION_USED,
        )
    return Accepted(await _session_for(session, user), user)


async def _session_for(session: AsyncSession, user: User) -> IssuedToken:
    return await issue_token(
        session, user, kind=TokenKind.SESSION, name="login", expires_at=utcnow() + SESSION_LIFETIME
    )


def open_invitations(workspace_id: int) -> Select[Invitation]:
    """The workspace's open invitations (pending or expired; not accepted or revoked)."""
    return select(Invitation).where(Invitation.workspace_id == workspace_id, OPEN_INVITATION)

