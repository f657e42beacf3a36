"""Resolvers for the caller, their workspace and their tokens."""

from __future__ import annotations

from sqlalchemy import select

from graphql_api import models
from graphql_api.errors import DomainError, NotFound
from graphql_api.services import auth
from graphql_api.services.login_throttle import Throttle
from resolvers.context import Info
from resolvers.loaders import load_one
from schema.errors import InvalidInputError, NotFoundError, to_error
from schema.relay import decode_id
from schema.tenancy import types


async def resolve_workspace(info: Info, workspace_pk: int) -> types.Workspace:
    """The caller's workspace (only ever their own)."""
    async with info.context.session() as session:
        row = await session.get(models.Workspace, info.context.workspace_id)
    if row is None or row.id != workspace_pk:
        raise NotFound("Workspace not found.")
    return types.Workspace.from_model(row)


async def me(info: Info) -> types.User:
    """The authenticated user."""
    row = await load_one(info.context, models.User, info.context.user_id)
    if row is None:
        raise NotFound("User not found.")
    return types.User.from_model(row)


async def users(info: Info) -> list[types.User]:
    """Everyone in the caller's workspace, by name."""
    async with info.context.session() as session:
        rows = await session.scalars(
            select(models.User)
            .where(models.User.workspace_id == info.context.workspace_id)
            .order_by(models.User.name, models.User.id)
        )
        return [types.User.from_model(row) for row in rows]


async def api_tokens(info: Info) -> list[types.ApiToken]:
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
        return [types.ApiToken.from_model(row) for row in rows]


async def login(info: Info, input: types.LoginInput) -> types.Session | InvalidInputError:
    """Exchange e-mail and password for a session token (throttled per account and address)."""
    context = info.context
    client = getattr(context.request, "client", None)
    throttle = Throttle.for_request(
        context.state.sessionmaker, context.state.settings, client.host if client else None
    )
    try:
        user_id = await auth.check_login(
            context.session, input.email, input.password, throttle=throttle
        )
        async with context.transaction() as session:
            issued = await auth.issue_session(session, user_id)
            user = await session.get(models.User, issued.record.user_id)
    except DomainError as exc:
        return to_error(exc)  # type: ignore[return-value]
    assert user is not None
    return types.Session(
        token=issued.token, expires_at=issued.record.expires_at, user=types.User.from_model(user)
    )


async def create_api_token(
    info: Info, input: types.CreateApiTokenInput
) -> types.NewApiToken | InvalidInputError:
    """A named token for a partner integration."""
    if not input.name.strip():
        return InvalidInputError(code="INVALID", message="Give the token a name.", field="name")
    try:
        async with info.context.transaction() as session:
            user = await session.get(models.User, info.context.user_id)
            assert user is not None
            issued = await auth.issue_token(
                session,
                user,
                kind=models.TokenKind.API,
                name=input.name.strip(),
                expires_at=input.expires_at,
            )
            await session.refresh(issued.record)
    except DomainError as exc:
        return to_error(exc)  # type: ignore[return-value]
    return types.NewApiToken(token=issued.token, api_token=types.ApiToken.from_model(issued.record))


async def revoke_api_token(
    info: Info, input: types.RevokeApiTokenInput
) -> types.ApiToken | NotFoundError:
    """Revoke one of the caller's tokens; it stops working at once."""
    assert info.context.caller is not None
    try:
        token_pk = decode_id(input.id, "ApiToken")
        async with info.context.transaction() as session:
            record = await auth.revoke_token(session, info.context.caller, token_pk)
    except DomainError as exc:
        return to_error(exc)  # type: ignore[return-value]
    return types.ApiToken.from_model(record)
