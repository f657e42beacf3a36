"""Permissions declared on fields (not re-checked by hand in resolvers)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from graphql_api.models import ADMIN_ROLES, Role
from resolvers.context import Info

UNAUTHENTICATED_MESSAGE = (
    "Authentication required: send a valid token as 'Authorization: Bearer <token>'."
)


async def require_caller(info: Info) -> None:
    """Raise the authentication error unless a valid token came with the request."""
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
        await require_caller(info)
        return True


class RolePermission(BasePermission):
    """Authenticated and one of ``roles``; subclasses set the roles and the message."""

    roles: frozenset[Role] = frozenset()
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it per class

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await require_caller(info)
        caller = info.context.caller
        return caller is not None and caller.role in self.roles


class IsAdmin(RolePermission):
    """The caller is an OWNER or ADMIN of the workspace."""

    roles = ADMIN_ROLES
    message = "Only workspace owners and admins may do this."
