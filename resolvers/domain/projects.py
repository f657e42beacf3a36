"""Project queries and mutations."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.services.domain import projects as service
from resolvers.context import Info
from resolvers.domain.common import AFTER, FIRST, decode_ids, mutate, optional_id, provided, query
from resolvers.pagination import paginate
from schema.domain import inputs, results, types
from schema.relay import Connection, decode_id


async def projects(
    info: Info,
    filter: Annotated[
        inputs.ProjectFilter | None, strawberry.argument(description="Which projects.")
    ] = None,
    first: FIRST = 20,
    after: AFTER = None,
) -> Connection[types.Project]:
    """Projects of the workspace by name."""
    f = filter or inputs.ProjectFilter()

    async def read() -> Connection[types.Project]:
        stmt = service.projects_query(
            info.context.workspace_id,
            search=f.search,
            customer_id=optional_id(f.customer_id, "Customer", "customerId"),
            billing_method=f.billing_method,
            archived=f.archived,
            updated_since=f.updated_since,
        )
        return await paginate(
            info.context, stmt, keys=[models.Project.name, models.Project.id], first=first,
            after=after, to_node=types.Project.from_model,
        )

    return await query(read())


def _values(input: object, exclude: tuple[str, ...]) -> dict[str, Any]:
    """Input fields with ids decoded and activities as service specs."""
    values = provided(input, exclude=exclude)
    decode_ids(values, {"customer_id": "Customer"})
    if values.get("activities") is not None:
        values["activities"] = [
            service.ProjectActivitySpec(
                activity_id=decode_id(
                    spec.activity_id, "Activity", field=f"activities[{index}].activityId"
                ),
                hourly_rate=spec.hourly_rate,
                billable=spec.billable,
            )
            for index, spec in enumerate(values["activities"])
        ]
    return values


async def create_project(
    info: Info,
    input: Annotated[inputs.CreateProjectInput, strawberry.argument(description="The project.")],
) -> results.CreateProjectResult:
    """Create a project."""

    async def change(session: AsyncSession) -> types.Project:
        values = _values(input, ())
        row = await service.create_project(session, info.context.workspace_id, values)
        return types.Project.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def update_project(
    info: Info,
    input: Annotated[inputs.UpdateProjectInput, strawberry.argument(description="The changes.")],
) -> results.UpdateProjectResult:
    """Change a project."""

    async def change(session: AsyncSession) -> types.Project:
        pk = decode_id(input.id, "Project")
        row = await service.update_project(
            session, info.context.workspace_id, pk, _values(input, ("id",))
        )
        return types.Project.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def archive_project(
    info: Info,
    input: Annotated[inputs.ArchiveProjectInput, strawberry.argument(description="Which project.")],
) -> results.ArchiveProjectResult:
    """Archive or restore a project."""

    async def change(session: AsyncSession) -> types.Project:
        pk = decode_id(input.id, "Project")
        row = await service.archive_project(session, info.context.workspace_id, pk, input.archived)
        return types.Project.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]
