"""Activities and expense categories: the lists, create, change."""

from __future__ import annotations

import datetime as dt

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.domain import catalog as service
from resolvers.context import Info
from resolvers.pagination import Listing


def activities(
    workspace_id: int,
    *,
    search: str | None,
    archived: bool | None,
    billable: bool | None,
    updated_since: dt.datetime | None,
) -> Listing:
    """Activities of the workspace by name, then id."""
    stmt = service.activities_query(
        workspace_id, search=search, archived=archived, billable=billable,
        updated_since=updated_since,
    )
    return Listing(stmt, [models.Activity.name, models.Activity.id])


def expense_categories(
    workspace_id: int,
    *,
    search: str | None,
    archived: bool | None,
    updated_since: dt.datetime | None,
) -> Listing:
    """Expense categories of the workspace by name, then id."""
    stmt = service.categories_query(
        workspace_id, search=search, archived=archived, updated_since=updated_since
    )
    return Listing(stmt, [models.ExpenseCategory.name, models.ExpenseCategory.id])


async def create_activity(info: Info, command: commands.CreateActivity) -> models.Activity:
    """Create an activity."""
    async with info.context.transaction() as session:
        return await service.create_activity(session, info.context.workspace_id, command)


async def update_activity(info: Info, command: commands.UpdateActivity) -> models.Activity:
    """Change or archive an activity."""
    async with info.context.transaction() as session:
        return await service.update_activity(session, info.context.workspace_id, command)


async def create_expense_category(
    info: Info, command: commands.CreateExpenseCategory
) -> models.ExpenseCategory:
    """Create an expense category."""
    async with info.context.transaction() as session:
        return await service.create_category(session, info.context.workspace_id, command)


async def update_expense_category(
    info: Info, command: commands.UpdateExpenseCategory
) -> models.ExpenseCategory:
    """Change or archive an expense category."""
    async with info.context.transaction() as session:
        return await service.update_category(session, info.context.workspace_id, command)
