"""Customers: the list, create, change, archive."""

from __future__ import annotations

import datetime as dt

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.domain import customers as service
from resolvers.context import Info
from resolvers.pagination import Listing


def listing(
    workspace_id: int,
    *,
    search: str | None,
    archived: bool | None,
    updated_since: dt.datetime | None,
) -> Listing:
    """Customers of the workspace by name, then id."""
    stmt = service.customers_query(
        workspace_id, search=search, archived=archived, updated_since=updated_since
    )
    return Listing(stmt, [models.Customer.name, models.Customer.id])


async def create_customer(info: Info, command: commands.CreateCustomer) -> models.Customer:
    """Create a customer."""
    async with info.context.transaction() as session:
        return await service.create_customer(session, info.context.workspace_id, command)


async def update_customer(info: Info, command: commands.UpdateCustomer) -> models.Customer:
    """Change a customer."""
    async with info.context.transaction() as session:
        return await service.update_customer(session, info.context.workspace_id, command)


async def archive_customer(info: Info, customer_id: int, archived: bool) -> models.Customer:
    """Archive or restore a customer."""
    async with info.context.transaction() as session:
        return await service.archive_customer(
            session, info.context.workspace_id, customer_id, archived
        )
