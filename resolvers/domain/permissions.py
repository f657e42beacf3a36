"""Role checks of the domain, declared on fields."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from graphql_api.models import Role
from resolvers.context import Info
from resolvers.permissions import IsAuthenticated

MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})


class IsManager(BasePermission):
    """The caller is an OWNER, ADMIN or MANAGER: they manage customers, projects and the like."""

    message = "Only workspace owners, admins and managers may do this."
    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it per class

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        IsAuthenticated().has_permission(source, info, **kwargs)
        caller = info.context.caller
        return caller is not None and caller.role in MANAGER_ROLES
