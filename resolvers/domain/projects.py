"""Projects: the list, create, change, archive."""

from __future__ import annotations

import datetime as dt

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.domain import projects as service
from resolvers.context import Info
from resolvers.ids import optional_id
from resolvers.pagination import Listing


def listing(
    workspace_id: int,
    *,
    search: str | None,
    customer_id: str | None,
    billing_method: models.BillingMethod | None,
    archived: bool | None,
    updated_since: dt.datetime | None,
) -> Listing:
    """Projects of the workspace by name, then id (``customer_id`` a global id)."""
    stmt = service.projects_query(
        workspace_id,
        search=search,
        customer_id=optional_id(customer_id, "Customer", field="customerId"),
        billing_method=billing_method,
        archived=archived,
        updated_since=updated_since,
    )
    return Listing(stmt, [models.Project.name, models.Project.id])


async def create_project(info: Info, command: commands.CreateProject) -> models.Project:
    """Create a project."""
    async with info.context.transaction() as session:
        return await service.create_project(session, info.context.workspace_id, command)


async def update_project(info: Info, command: commands.UpdateProject) -> models.Project:
    """Change a project; existing hours keep their rate snapshot."""
    async with info.context.transaction() as session:
        return await service.update_project(session, info.context.workspace_id, command)


async def archive_project(info: Info, project_id: int, archived: bool) -> models.Project:
    """Archive or restore a project."""
    async with info.context.transaction() as session:
        return await service.archive_project(
            session, info.context.workspace_id, project_id, archived
        )
