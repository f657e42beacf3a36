"""Passwords: what a new one must be, and a user changing their own.

Decisions:

- 8 to 200 characters, nothing else enforced (length is what protects a password; rules
  about digits and symbols mostly produce predictable ones). The upper bound keeps hashing
  any input cheap.
- Changing the password ends the user's *other login sessions*: whoever logged in elsewhere
  with the old password is logged out. The session or token the change was made with keeps
  working, and named API tokens stay (they are integrations' credentials, not logins; revoke
  them one by one with ``revokeApiToken``).
- The old password is required when there is one. A user without a password (an owner made
  by ``create-workspace`` without ``--password``, who calls with a token) sets a first one
  without it.
- A retry whose answer was lost finds the new password already set: it succeeds without
  changing anything again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import AuthCode, InvalidInput, TeamCode
from graphql_api.models import ApiToken, TokenKind, User
from graphql_api.security import hash_password_off_loop, verify_password_off_loop
from graphql_api.services.auth import Caller, utcnow
from graphql_api.services.commands import ChangePassword

MIN_LENGTH = 8
MAX_LENGTH = 200


@dataclass(frozen=True)
class PasswordChange:
    """The user with the new password, and how many of their other sessions ended."""

    user: User
    revoked_sessions: int


def checked_password(password: str, field: str) -> str:
    """A password of acceptable length, as typed (spaces are characters too)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"A password has {MIN_LENGTH} to {MAX_LENGTH} characters.",
            field=field,
            code=TeamCode.WEAK_PASSWORD,
        )
    return password


async def change_password(
    session: AsyncSession, caller: Caller, command: ChangePassword
) -> PasswordChange:
    """The caller's new password; their other login sessions are revoked."""
    new = checked_password(command.new_password, "newPassword")
    user = await session.scalar(
        select(User)
        .where(User.id == caller.user_id, User.workspace_id == caller.workspace_id)
        .with_for_update()
    )
    if user is None:  # the token was valid a moment ago: deleted in between
        raise InvalidInput("Your user no longer exists.", code=AuthCode.INVALID_CREDENTIALS)
    if user.password_hash:
        old = command.old_password
        # Longer than any password can be: wrong without hashing it (bounded work).
        if (
            old is None
            or len(old) > MAX_LENGTH
            or not await verify_password_off_loop(user.password_hash, old)
        ):
            if await verify_password_off_loop(user.password_hash, new):
                return PasswordChange(user, 0)  # a retry: this change was made already
            raise InvalidInput(
                "Your current password is wrong.",
                field="oldPassword",
                code=AuthCode.INVALID_CREDENTIALS,
            )
        if old == new:
            raise InvalidInput(
                "The new password is your current one: choose another.", field="newPassword"
            )
    user.password_hash = await hash_password_off_loop(new)
    revoked = await session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.kind == TokenKind.SESSION,
            ApiToken.revoked_at.is_(None),
            ApiToken.id != caller.token_id,
        )
        .values(revoked_at=utcnow())
        .returning(ApiToken.id)
    )
    count = len(revoked.all())
    await session.flush()
    await session.refresh(user)
    return PasswordChange(user, count)
