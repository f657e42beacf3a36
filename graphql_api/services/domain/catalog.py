"""Activities (kinds of work) and expense categories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput
from graphql_api.models import Activity, ExpenseCategory
from graphql_api.services.domain import validation as v
from graphql_api.services.domain.products import validate_product_code

ACTIVITY_FIELDS = frozenset({"name", "hourly_rate", "billable", "wefact_product_code", "archived"})
CATEGORY_FIELDS = frozenset({"name", "wefact_product_code", "archived"})


async def _apply(
    session: AsyncSession,
    row: Activity | ExpenseCategory,
    changes: Mapping[str, Any],
    allowed: frozenset[str],
    what: str,
) -> None:
    v.only_known(changes, allowed)
    for key, value in changes.items():
        field = v.camel(key)
        if key == "name":
            row.name = v.required_text(
                value, field, max_length=v.MAX_NAME_LENGTH, what=f"{what} name"
            )
        elif key == "hourly_rate":
            assert isinstance(row, Activity)
            row.hourly_rate = v.decimal(value, field, what="rate")
        elif key == "wefact_product_code":
            row.wefact_product_code = await validate_product_code(
                session, row.workspace_id, value, field=field
            )
        else:  # billable, archived: booleans that cannot be cleared
            if value is None:
                raise InvalidInput("Send true or false.", field=field)
            setattr(row, key, value)


async def create_activity(
    session: AsyncSession, workspace_id: int, values: Mapping[str, Any]
) -> Activity:
    """A new activity; ``values`` holds the input fields by snake_case name."""
    activity = Activity(workspace_id=workspace_id)
    await _apply(session, activity, {"name": None, **values}, ACTIVITY_FIELDS, "activity")
    session.add(activity)
    await session.flush()
    await session.refresh(activity)
    return activity


async def update_activity(
    session: AsyncSession, workspace_id: int, activity_id: int, changes: Mapping[str, Any]
) -> Activity:
    """Change the given fields; existing hours keep their rate snapshot."""
    activity = await v.get_in_workspace(
        session, Activity, activity_id, workspace_id, field="id", what="activity", for_update=True
    )
    await _apply(session, activity, changes, ACTIVITY_FIELDS, "activity")
    await session.flush()
    await session.refresh(activity)
    return activity


async def create_category(
    session: AsyncSession, workspace_id: int, values: Mapping[str, Any]
) -> ExpenseCategory:
    """A new expense category."""
    category = ExpenseCategory(workspace_id=workspace_id)
    await _apply(session, category, {"name": None, **values}, CATEGORY_FIELDS, "category")
    session.add(category)
    await session.flush()
    await session.refresh(category)
    return category


async def update_category(
    session: AsyncSession, workspace_id: int, category_id: int, changes: Mapping[str, Any]
) -> ExpenseCategory:
    """Change the given fields."""
    category = await v.get_in_workspace(
        session, ExpenseCategory, category_id, workspace_id, field="id",
        what="expense category", for_update=True,
    )
    await _apply(session, category, changes, CATEGORY_FIELDS, "category")
    await session.flush()
    await session.refresh(category)
    return category


def activities_query(
    workspace_id: int,
    *,
    search: str | None = None,
    archived: bool | None = None,
    billable: bool | None = None,
    updated_since: dt.datetime | None = None,
) -> Select[Activity]:
    """Activities of the workspace matching the filter."""
    stmt = select(Activity).where(Activity.workspace_id == workspace_id)
    pattern = v.like_pattern(search)
    if pattern is not None:
        stmt = stmt.where(Activity.name.ilike(pattern, escape="\\"))
    if archived is not None:
        stmt = stmt.where(Activity.archived.is_(archived))
    if billable is not None:
        stmt = stmt.where(Activity.billable.is_(billable))
    if updated_since is not None:
        stmt = stmt.where(Activity.updated_at >= updated_since)
    return stmt


def categories_query(
    workspace_id: int,
    *,
    search: str | None = None,
    archived: bool | None = None,
    updated_since: dt.datetime | None = None,
) -> Select[ExpenseCategory]:
    """Expense categories of the workspace matching the filter."""
    stmt = select(ExpenseCategory).where(ExpenseCategory.workspace_id == workspace_id)
    pattern = v.like_pattern(search)
    if pattern is not None:
        stmt = stmt.where(ExpenseCategory.name.ilike(pattern, escape="\\"))
    if archived is not None:
        stmt = stmt.where(ExpenseCategory.archived.is_(archived))
    if updated_since is not None:
        stmt = stmt.where(ExpenseCategory.updated_at >= updated_since)
    return stmt
