"""Role checks of the domain, declared on fields."""

from __future__ import annotations

from graphql_api.models import Role
from resolvers.permissions import RolePermission

MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})


class IsManager(RolePermission):
    """The caller is an OWNER, ADMIN or MANAGER: they manage customers, projects and the like."""

    roles = MANAGER_ROLES
    message = "Only workspace owners, admins and managers may do this."
