"""Permissions declared on fields (not re-checked by hand in resolvers)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from graphql_api.models import ADMIN_ROLES
from resolvers.context import Info

UNAUTHENTICATED_MESSAGE = (
    "Authentication required: send a valid token as 'Authorization: Bearer <token>'."
)


async def _require_caller(info: Info) -> None:
    context = info.context
    if await context.ensure_caller() is None:
        raise GraphQLError(
            context.auth_problem or UNAUTHENTICATED_MESSAGE,
            extensions={"code": "UNAUTHENTICATED"},
        )


class IsAuthenticated(BasePermission):
    """A valid, unexpired, unrevoked bearer token was sent."""

    message = UNAUTHENTICATED_MESSAGE
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - strawberry reads it per class

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await _require_caller(info)
        return True


class IsAdmin(BasePermission):
    """The caller is an OWNER or ADMIN of the workspace."""

    message = "Only workspace owners and admins may do this."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it per class

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await _require_caller(info)
        caller = info.context.caller
        return caller is not None and caller.role in ADMIN_ROLES
