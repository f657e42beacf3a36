"""Users, logins and bearer tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from graphql_api.errors import AuthCode, GeneralCode, InvalidInput, NotFound
from graphql_api.models import ApiToken, Role, TokenKind, User, Workspace
from graphql_api.security import hash_password, hash_token, new_token, verify_password_off_loop
from graphql_api.services.domain.validation import MAX_NAME_LENGTH, required_text
from graphql_api.services.login_throttle import Throttle

SESSION_LIFETIME = dt.timedelta(days=30)
# Recording every single use would turn each read into a write; once a minute is plenty.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def utcnow() -> dt.datetime:
    """Timezone-aware now (UTC)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Caller:
    """Who is calling: resolved once per request from the bearer token."""

    user_id: int
    workspace_id: int
    role: Role
    token_id: int


@dataclass(frozen=True)
class IssuedToken:
    """A token as created: the plaintext is shown once and never stored."""

    token: str
    record: ApiToken


async def issue_token(
    session: AsyncSession,
    user: User,
    *,
    kind: TokenKind,
    name: str,
    expires_at: dt.datetime | None,
) -> IssuedToken:
    """Create a token for ``user``; only its hash is stored."""
    name = required_text(name, "name", max_length=MAX_NAME_LENGTH, what="token name")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("The expiry date must be in the future.", field="expiresAt")
    plaintext = new_token()
    record = ApiToken(
        workspace_id=user.workspace_id,
        user_id=user.id,
        kind=kind,
        name=name,
        token_hash=hash_token(plaintext),
        token_prefix=plaintext[:10],
        expires_at=expires_at,
    )
    session.add(record)
    await session.flush()
    return IssuedToken(plaintext, record)


async def check_login(
    open_session: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    email: str,
    password: str,
    *,
    throttle: Throttle | None = None,
) -> int:
    """The id of the active user with this e-mail and password, or ``InvalidInput``.

    With ``throttle``, the attempt is counted first (for the account and the caller's
    address) and refused with ``LoginThrottled`` past the limit, without checking it. The
    password is checked after the session is closed: no database connection waits for argon2.
    """
    if throttle is not None:
        await throttle.admit(email)
    async with open_session() as session:
        row = (
            await session.execute(
                select(User.id, User.password_hash).where(
                    func.lower(User.email) == email.strip().lower(), User.active
                )
            )
        ).one_or_none()
    user_id, password_hash = row if row is not None else (None, None)
    matches = await verify_password_off_loop(password_hash, password)
    if not matches or user_id is None:
        raise InvalidInput(
            "E-mail address or password is wrong.",
            field="password",
            code=AuthCode.INVALID_CREDENTIALS,
        )
    if throttle is not None:
        await throttle.forgive(email)
    return int(user_id)


async def issue_session(session: AsyncSession, user_id: int) -> IssuedToken:
    """A session token (30 days) for a user whose password was just checked."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput(
            "E-mail address or password is wrong.",
            field="password",
            code=AuthCode.INVALID_CREDENTIALS,
        )
    return await issue_token(
        session, user, kind=TokenKind.SESSION, name="login", expires_at=utcnow() + SESSION_LIFETIME
    )


async def authenticate(session: AsyncSession | AsyncConnection, token: str) -> Caller | None:
    """The caller behind a bearer token, or None when it is unknown, expired or revoked
    (through a session, or a bare connection: the read needs no ORM)."""
    now = utcnow()
    row = (
        await session.execute(
            select(ApiToken.id, ApiToken.last_used_at, User.id, User.workspace_id, User.role)
            .join(User, User.id == ApiToken.user_id)
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),
                (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
                User.active,
            )
        )
    ).one_or_none()
    if row is None:
        return None
    token_id, last_used_at, user_id, workspace_id, role = row
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        await session.execute(
            update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        )
    return Caller(user_id=user_id, workspace_id=workspace_id, role=role, token_id=token_id)


async def revoke_token(session: AsyncSession, caller: Caller, token_id: int) -> ApiToken:
    """Revoke one of the caller's own API tokens."""
    record = await session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id,
            ApiToken.user_id == caller.user_id,
            ApiToken.workspace_id == caller.workspace_id,
        )
    )
    if record is None:
        raise NotFound("No such API token.", field="id")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    await session.flush()
    return record


async def create_workspace(
    session: AsyncSession, name: str, owner_email: str, owner_password: str | None
) -> tuple[Workspace, User]:
    """A workspace with its owner (used by the CLI and the demo)."""
    if not name.strip():
        raise InvalidInput("The workspace needs a name.", field="name")
    email = owner_email.strip()
    if "@" not in email:
        raise InvalidInput("That is not an e-mail address.", field="ownerEmail")
    taken = await session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if taken is not None:
        raise InvalidInput(
            "A user with that e-mail address already exists.",
            field="ownerEmail",
            code=GeneralCode.CONFLICT,
        )
    workspace = Workspace(name=name.strip())
    session.add(workspace)
    await session.flush()
    owner = User(
        workspace_id=workspace.id,
        email=email,
        name=email.split("@")[0],
        role=Role.OWNER,
        password_hash=hash_password(owner_password) if owner_password else None,
    )
    session.add(owner)
    await session.flush()
    return workspace, owner
