"""Who may do what: permissions on root fields, and read rules that types carry.

A root field declares its permission classes (``IsAuthenticated``, ``IsManager``, …). A
*type* declares a ``ReadRule``: who may see an object of that type. The schema checks it
wherever the type appears — root field, ``node(id:)``, nested relation, mutation result —
because every object passes its type's ``is_type_of`` on its way out. A refusal answers
``null`` at that path with a FORBIDDEN error, the same on every path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from graphql_api.models import ADMIN_ROLES, Role, RunKind
from graphql_api.services.auth import Caller
from resolvers.context import Context, Info

UNAUTHENTICATED_MESSAGE = (
    "Authentication required: send a valid token as 'Authorization: Bearer <token>'."
)
MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})


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


class IsManager(RolePermission):
    """The caller is an OWNER, ADMIN or MANAGER: they manage customers, projects, invoices."""

    roles = MANAGER_ROLES
    message = "Only workspace owners, admins and managers may do this."


# ---------------------------------------------------------------- read rules on types


@dataclass(frozen=True)
class ReadRule:
    """Who may read an object: everyone in the workspace (``roles`` None), callers with one
    of ``roles``, and — when ``owner`` names the attribute holding a user id — that user."""

    roles: frozenset[Role] | None = None
    owner: str | None = None
    refusal: str = "You may not see this."

    def allows(self, caller: Caller, row: Any) -> bool:
        """True when ``caller`` may read ``row``."""
        if self.roles is None or caller.role in self.roles:
            return True
        return self.owner is not None and getattr(row, self.owner) == caller.user_id

    def refusal_for(self, row: Any) -> str:
        """What a caller who may not read ``row`` is told."""
        return self.refusal

    @property
    def open_to_all(self) -> bool:
        """True when every member of the workspace may read (the check is skipped)."""
        return self.roles is None


@dataclass(frozen=True)
class ByKind:
    """A rule per kind of row, for types whose rows differ in sensitivity (runs)."""

    attribute: str
    rules: Mapping[Any, ReadRule]
    fallback: ReadRule

    def rule_for(self, row: Any) -> ReadRule:
        """The rule of this row's kind."""
        return self.rules.get(getattr(row, self.attribute), self.fallback)

    def allows(self, caller: Caller, row: Any) -> bool:
        """True when ``caller`` may read ``row`` (by its kind's rule)."""
        return self.rule_for(row).allows(caller, row)

    def refusal_for(self, row: Any) -> str:
        """What a caller who may not read ``row`` is told."""
        return self.rule_for(row).refusal

    @property
    def open_to_all(self) -> bool:
        """Never skipped: some kinds are restricted."""
        return False


Rule = ReadRule | ByKind

EVERYONE = ReadRule()
MANAGERS = ReadRule(
    roles=MANAGER_ROLES,
    refusal="Only workspace owners, admins and managers may see invoices and invoice runs.",
)
ADMINS = ReadRule(
    roles=ADMIN_ROLES, refusal="Only workspace owners and admins may see the WeFact settings."
)
ADMINS_OR_SELF = ReadRule(
    roles=ADMIN_ROLES,
    owner="id",
    refusal="Only workspace owners and admins may see another user's e-mail address, role, "
    "rate and status.",
)
INVITATIONS = ReadRule(
    roles=ADMIN_ROLES, refusal="Only workspace owners and admins may see invitations."
)
WEBHOOKS = ReadRule(
    roles=ADMIN_ROLES, refusal="Only workspace owners and admins may see webhooks."
)
OWN_TOKENS = ReadRule(
    roles=frozenset(), owner="user_id", refusal="You may only see your own API tokens."
)
RUNS = ByKind(
    "kind",
    {RunKind.INVOICE: MANAGERS, RunKind.STATUS_SYNC: MANAGERS},
    fallback=EVERYONE,
)
"""Invoice runs and status syncs are invoicing (managers); customer imports and their
details fills are for all."""


def forbidden(message: str) -> GraphQLError:
    """The error a refused read answers with (null at that path)."""
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def caller_of(context: Context) -> Caller:
    """The caller an object is shown to; objects only ever leave through authenticated
    fields (login sets the caller it logs in), so a missing caller is a server fault."""
    caller = context.caller
    if caller is None:
        raise RuntimeError("an object was resolved without an authenticated caller")
    return caller


def check_read(
    context: Context, rule: Rule, row: Any, workspace_of: Callable[[Any], int] | None
) -> None:
    """Raise FORBIDDEN unless the caller may read ``row``; a row of another workspace is a
    server fault (every read is scoped), never shown."""
    caller = caller_of(context)
    if workspace_of is not None and workspace_of(row) != caller.workspace_id:
        raise RuntimeError("a row of another workspace reached the response")
    if not rule.open_to_all and not rule.allows(caller, row):
        raise forbidden(rule.refusal_for(row))
