"""Activity and expense-category queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.services.domain import catalog as service
from resolvers.context import Info
from resolvers.domain.common import AFTER, FIRST, mutate, provided, query
from resolvers.pagination import paginate
from schema.domain import inputs, results, types
from schema.relay import Connection, decode_id


async def activities(
    info: Info,
    filter: Annotated[
        inputs.ActivityFilter | None, strawberry.argument(description="Which activities.")
    ] = None,
    first: FIRST = 20,
    after: AFTER = None,
) -> Connection[types.Activity]:
    """Activities of the workspace by name."""
    f = filter or inputs.ActivityFilter()
    stmt = service.activities_query(
        info.context.workspace_id, search=f.search, archived=f.archived, billable=f.billable,
        updated_since=f.updated_since,
    )
    return await query(
        paginate(
            info.context, stmt, keys=[models.Activity.name, models.Activity.id], first=first,
            after=after, to_node=types.Activity.from_model,
        )
    )


async def expense_categories(
    info: Info,
    filter: Annotated[
        inputs.ExpenseCategoryFilter | None, strawberry.argument(description="Which categories.")
    ] = None,
    first: FIRST = 20,
    after: AFTER = None,
) -> Connection[types.ExpenseCategory]:
    """Expense categories of the workspace by name."""
    f = filter or inputs.ExpenseCategoryFilter()
    stmt = service.categories_query(
        info.context.workspace_id, search=f.search, archived=f.archived,
        updated_since=f.updated_since,
    )
    return await query(
        paginate(
            info.context, stmt, keys=[models.ExpenseCategory.name, models.ExpenseCategory.id],
            first=first, after=after, to_node=types.ExpenseCategory.from_model,
        )
    )


async def create_activity(
    info: Info,
    input: Annotated[inputs.CreateActivityInput, strawberry.argument(description="The activity.")],
) -> results.CreateActivityResult:
    """Create an activity."""
    values = provided(input, exclude=())

    async def change(session: AsyncSession) -> types.Activity:
        row = await service.create_activity(session, info.context.workspace_id, values)
        return types.Activity.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def update_activity(
    info: Info,
    input: Annotated[inputs.UpdateActivityInput, strawberry.argument(description="The changes.")],
) -> results.UpdateActivityResult:
    """Change an activity."""
    changes = provided(input)

    async def change(session: AsyncSession) -> types.Activity:
        pk = decode_id(input.id, "Activity")
        row = await service.update_activity(session, info.context.workspace_id, pk, changes)
        return types.Activity.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def create_expense_category(
    info: Info,
    input: Annotated[
        inputs.CreateExpenseCategoryInput, strawberry.argument(description="The category.")
    ],
) -> results.CreateExpenseCategoryResult:
    """Create an expense category."""
    values = provided(input, exclude=())

    async def change(session: AsyncSession) -> types.ExpenseCategory:
        row = await service.create_category(session, info.context.workspace_id, values)
        return types.ExpenseCategory.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def update_expense_category(
    info: Info,
    input: Annotated[
        inputs.UpdateExpenseCategoryInput, strawberry.argument(description="The changes.")
    ],
) -> results.UpdateExpenseCategoryResult:
    """Change an expense category."""
    changes = provided(input)

    async def change(session: AsyncSession) -> types.ExpenseCategory:
        pk = decode_id(input.id, "ExpenseCategory")
        row = await service.update_category(session, info.context.workspace_id, pk, changes)
        return types.ExpenseCategory.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]
