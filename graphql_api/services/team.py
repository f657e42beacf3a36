"""The team: owners and admins change colleagues' roles, rates and names, and deactivate or
reactivate them.

Rules (each refusal names its field and says what to do instead):

- nobody removes the last active OWNER — not by a role change, not by deactivation;
- an ADMIN cannot make an OWNER nor change or deactivate one (owners manage owners);
- nobody changes their own role or deactivates themself (so no one locks themself out);
- a deactivated user cannot log in and every token of theirs is revoked at once; their
  registrations stay. Reactivated, they log in again with their password — revoked tokens
  stay revoked, so a deactivation always ends every session and integration.

Team changes of one workspace run one at a time (``lock_team``), and each judges the caller
by their role *as it is then* (``acting_role``), not as it was when their request started:
two owners demoting each other at the same moment cannot both succeed and leave the
workspace without an owner.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict, Forbidden, InvalidInput, TeamCode
from graphql_api.models import ADMIN_ROLES, ApiToken, Role, User, Workspace
from graphql_api.services.auth import Caller, utcnow
from graphql_api.services.commands import UNSET, UpdateUser
from graphql_api.services.domain import validation as v


async def lock_team(session: AsyncSession, workspace_id: int) -> None:
    """Serialise the workspace's team changes until the transaction ends.

    ``FOR NO KEY UPDATE`` on the workspace row: other team changes wait, while rows that
    merely reference the workspace (hours, customers, …) are written as usual.
    """
    await session.execute(
        select(Workspace.id).where(Workspace.id == workspace_id).with_for_update(key_share=True)
    )


async def acting_role(session: AsyncSession, caller: Caller) -> Role:
    """The caller's role now (call it under ``lock_team``): an owner demoted a moment ago by
    a request that held the lock first is an admin here."""
    found = (
        await session.execute(
            select(User.role, User.active).where(
                User.id == caller.user_id, User.workspace_id == caller.workspace_id
            )
        )
    ).one_or_none()
    if found is None or not found.active or found.role not in ADMIN_ROLES:
        # Only in a race: the permission check at the request's start said yes.
        raise Forbidden(
            "You are no longer an active owner or admin (it changed while this request ran): "
            "nothing was changed."
        )
    role: Role = found.role
    return role


async def _other_active_owners(session: AsyncSession, workspace_id: int, user_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.workspace_id == workspace_id,
            User.role == Role.OWNER,
            User.active,
            User.id != user_id,
        )
    )
    return int(count or 0)


def refuse_owner_change_by_admin(acting: Role, role: Role, field: str) -> None:
    """Admins (``acting`` is the caller's role) neither make owners nor touch them."""
    if role is Role.OWNER and acting is not Role.OWNER:
        raise Forbidden(
            "Only owners may make, change, invite or deactivate owners.",
            field=field,
            code=TeamCode.OWNERS_ONLY,
        )


async def _keep_an_owner(session: AsyncSession, target: User, field: str) -> None:
    if (
        target.role is Role.OWNER
        and target.active
        and not await _other_active_owners(session, target.workspace_id, target.id)
    ):
        raise Conflict(
            f"{target.name} is the workspace's last active owner: make someone else an "
            "owner first.",
            field=field,
            code=TeamCode.LAST_OWNER,
        )


async def _target(session: AsyncSession, caller: Caller, user_id: int) -> tuple[Role, User]:
    """The caller's current role and the user they change, under the team lock."""
    await lock_team(session, caller.workspace_id)
    acting = await acting_role(session, caller)
    target = await v.get_in_workspace(
        session, User, user_id, caller.workspace_id, field="id", what="user", for_update=True
    )
    refuse_owner_change_by_admin(acting, target.role, "id")
    return acting, target


async def update_user(session: AsyncSession, caller: Caller, command: UpdateUser) -> User:
    """Change a colleague's role, hourly rate or name (owners and admins). Existing hours
    keep their rate snapshot; a new role applies from the user's next request."""
    acting, target = await _target(session, caller, command.id)
    if command.role is not UNSET and command.role is not target.role:
        role = command.role
        if role is None:
            raise InvalidInput("A user needs a role.", field="role")
        if target.id == caller.user_id:
            raise Forbidden(
                "You cannot change your own role: ask another owner or admin.",
                field="role",
                code=TeamCode.NOT_YOURSELF,
            )
        refuse_owner_change_by_admin(acting, role, "role")
        await _keep_an_owner(session, target, "role")
        target.role = role
    if command.hourly_rate is not UNSET:
        target.hourly_rate = v.decimal(command.hourly_rate, "hourlyRate", what="rate")
    if command.name is not UNSET:
        target.name = v.required_text(command.name, "name", max_length=200, what="name")
    await session.flush()
    await session.refresh(target)
    return target


async def set_active(session: AsyncSession, caller: Caller, user_id: int, active: bool) -> User:
    """Deactivate (no login, every token revoked, registrations kept) or reactivate a user."""
    _, target = await _target(session, caller, user_id)
    if target.active is active:
        return target  # already so: a retry changes nothing
    if not active:
        if target.id == caller.user_id:
            raise Forbidden(
                "You cannot deactivate yourself: ask another owner or admin.",
                field="id",
                code=TeamCode.NOT_YOURSELF,
            )
        await _keep_an_owner(session, target, "id")
        await session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == target.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    target.active = active
    await session.flush()
    await session.refresh(target)
    return target
