"""Customer queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.services.domain import customers as service
from resolvers.context import Info
from resolvers.domain.common import AFTER, FIRST, mutate, provided, query
from resolvers.pagination import paginate
from schema.domain import inputs, results, types
from schema.relay import Connection, decode_id


async def customers(
    info: Info,
    filter: Annotated[
        inputs.CustomerFilter | None, strawberry.argument(description="Which customers.")
    ] = None,
    first: FIRST = 20,
    after: AFTER = None,
) -> Connection[types.Customer]:
    """Customers of the workspace by name."""
    f = filter or inputs.CustomerFilter()
    stmt = service.customers_query(
        info.context.workspace_id, search=f.search, archived=f.archived,
        updated_since=f.updated_since,
    )
    return await query(
        paginate(
            info.context, stmt, keys=[models.Customer.name, models.Customer.id], first=first,
            after=after, to_node=types.Customer.from_model,
        )
    )


async def create_customer(
    info: Info,
    input: Annotated[inputs.CreateCustomerInput, strawberry.argument(description="The customer.")],
) -> results.CreateCustomerResult:
    """Create a customer."""
    values = provided(input, exclude=())

    async def change(session: AsyncSession) -> types.Customer:
        row = await service.create_customer(session, info.context.workspace_id, values)
        return types.Customer.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def update_customer(
    info: Info,
    input: Annotated[inputs.UpdateCustomerInput, strawberry.argument(description="The changes.")],
) -> results.UpdateCustomerResult:
    """Change a customer."""
    changes = provided(input)

    async def change(session: AsyncSession) -> types.Customer:
        pk = decode_id(input.id, "Customer")
        row = await service.update_customer(session, info.context.workspace_id, pk, changes)
        return types.Customer.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def archive_customer(
    info: Info,
    input: Annotated[
        inputs.ArchiveCustomerInput, strawberry.argument(description="Which customer.")
    ],
) -> results.ArchiveCustomerResult:
    """Archive or restore a customer."""

    async def change(session: AsyncSession) -> types.Customer:
        pk = decode_id(input.id, "Customer")
        row = await service.archive_customer(
            session, info.context.workspace_id, pk, input.archived
        )
        return types.Customer.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]
