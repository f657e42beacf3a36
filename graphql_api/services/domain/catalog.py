"""Activities (kinds of work) and expense categories."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput
from graphql_api.models import Activity, ExpenseCategory
from graphql_api.services.commands import (
    UNSET,
    CreateActivity,
    CreateExpenseCategory,
    UpdateActivity,
    UpdateExpenseCategory,
)
from graphql_api.services.domain import validation as v
from graphql_api.services.domain.products import validate_product_code

T = TypeVar("T", Activity, ExpenseCategory)

def _name(value: str | None, what: str) -> str:
    return v.required_text(value, "name", max_length=v.MAX_NAME_LENGTH, what=f"{what} name")


async def _product(
    session: AsyncSession, row: Activity | ExpenseCategory, code: str | None
) -> None:
    row.wefact_product_code = await validate_product_code(
        session, row.workspace_id, code, field="wefactProductCode"
    )


def _flag(value: bool | None, field: str) -> bool:
    """A boolean that cannot be cleared."""
    if value is None:
        raise InvalidInput("Send true or false.", field=field)
    return value


async def _stored(session: AsyncSession, row: T) -> T:
    await session.flush()
    await session.refresh(row)
    return row


async def create_activity(
    session: AsyncSession, workspace_id: int, command: CreateActivity
) -> Activity:
    """A new activity."""
    activity = Activity(workspace_id=workspace_id)
    activity.name = _name(command.name, "activity")
    activity.hourly_rate = v.decimal(command.hourly_rate, "hourlyRate", what="rate")
    activity.billable = command.billable
    await _product(session, activity, command.wefact_product_code)
    session.add(activity)
    return await _stored(session, activity)


async def update_activity(
    session: AsyncSession, workspace_id: int, command: UpdateActivity
) -> Activity:
    """Change the given fields; existing hours keep their rate snapshot."""
    activity = await v.get_in_workspace(
        session, Activity, command.id, workspace_id, field="id", what="activity", for_update=True
    )
    if command.name is not UNSET:
        activity.name = _name(command.name, "activity")
    if command.hourly_rate is not UNSET:
        activity.hourly_rate = v.decimal(command.hourly_rate, "hourlyRate", what="rate")
    if command.billable is not UNSET:
        activity.billable = _flag(command.billable, "billable")
    if command.wefact_product_code is not UNSET:
        await _product(session, activity, command.wefact_product_code)
    if command.archived is not UNSET:
        activity.archived = _flag(command.archived, "archived")
    return await _stored(session, activity)


async def create_category(
    session: AsyncSession, workspace_id: int, command: CreateExpenseCategory
) -> ExpenseCategory:
    """A new expense category."""
    category = ExpenseCategory(workspace_id=workspace_id)
    category.name = _name(command.name, "category")
    await _product(session, category, command.wefact_product_code)
    session.add(category)
    return await _stored(session, category)


async def update_category(
    session: AsyncSession, workspace_id: int, command: UpdateExpenseCategory
) -> ExpenseCategory:
    """Change the given fields."""
    category = await v.get_in_workspace(
        session, ExpenseCategory, command.id, workspace_id, field="id",
        what="expense category", for_update=True,
    )
    if command.name is not UNSET:
        category.name = _name(command.name, "category")
    if command.wefact_product_code is not UNSET:
        await _product(session, category, command.wefact_product_code)
    if command.archived is not UNSET:
        category.archived = _flag(command.archived, "archived")
    return await _stored(session, category)


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
