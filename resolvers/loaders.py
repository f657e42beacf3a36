"""Per-request DataLoaders: one batched, workspace-scoped query per relation and request.

Each batch opens its own session, because batches of different loaders run concurrently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from resolvers.context import Context

M = TypeVar("M")


def by_id_loader(context: Context, model: type[M]) -> DataLoader[int, M | None]:
    """The request's ``<Model>ByIdLoader``: rows of ``model`` by primary key, in the workspace."""
    name = f"{model.__name__}ByIdLoader"
    loader = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(ids: Sequence[int]) -> list[M | None]:
            table: Any = model
            async with context.session() as session:
                rows = await session.scalars(
                    select(model).where(table.id.in_(ids), table.workspace_id == workspace_id)
                )
                found = {row.id: row for row in rows}  # type: ignore[attr-defined]
            return [found.get(pk) for pk in ids]

        loader = DataLoader(load_fn=load)
        context.loaders[name] = loader
    return loader


async def load_one(context: Context, model: type[M], pk: int) -> M | None:
    """One row of the caller's workspace, through the request's loader."""
    return await by_id_loader(context, model).load(pk)


def project_activities_by_project_loader(context: Context) -> DataLoader[int, list[Any]]:
    """The request's ``ProjectActivitiesByProjectLoader``: a project's activities, by name."""
    from graphql_api.models import Activity, ProjectActivity

    name = "ProjectActivitiesByProjectLoader"
    loader = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(project_ids: Sequence[int]) -> list[list[Any]]:
            async with context.session() as session:
                rows = await session.scalars(
                    select(ProjectActivity)
                    .join(Activity, Activity.id == ProjectActivity.activity_id)
                    .where(
                        ProjectActivity.project_id.in_(project_ids),
                        ProjectActivity.workspace_id == workspace_id,
                    )
                    .order_by(Activity.name, Activity.id)
                )
                grouped: dict[int, list[Any]] = {pk: [] for pk in project_ids}
                for row in rows:
                    grouped[row.project_id].append(row)
            return [grouped[pk] for pk in project_ids]

        loader = DataLoader(load_fn=load)
        context.loaders[name] = loader
    return loader
