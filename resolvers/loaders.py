"""Per-request DataLoaders: one batched, workspace-scoped query per relation and request.

Each batch opens its own session, because batches of different loaders run concurrently.

A list resolver may instead ``preload`` its page's relations in its own session, one query
after another, and prime the loaders with them; relation fields then ``peek`` at the primed
rows without awaiting anything (an ``await`` per field costs more CPU than the field itself).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from resolvers.context import Context

M = TypeVar("M")
T = TypeVar("T")


class ByIdLoader(DataLoader[int, M | None]):
    """A ``<Model>ByIdLoader`` that also keeps the GraphQL objects made from its rows, so a
    relation shared by a whole page (the same project on 100 entries) is converted once."""

    def __init__(self, load_fn: Callable[[Sequence[int]], Awaitable[list[M | None]]]) -> None:
        super().__init__(load_fn=load_fn)
        self.objects: dict[tuple[Callable[..., Any], int], Any] = {}


def by_id_loader(context: Context, model: type[M]) -> ByIdLoader[M]:
    """The request's ``<Model>ByIdLoader``: rows of ``model`` by primary key, in the workspace."""
    name = f"{model.__name__}ByIdLoader"
    loader = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(ids: Sequence[int]) -> list[M | None]:
            async with context.session() as session:
                found = await _rows_by_id(session, model, workspace_id, ids)
            return [found.get(pk) for pk in ids]

        loader = ByIdLoader(load)
        context.loaders[name] = loader
    return loader


async def _rows_by_id(
    session: AsyncSession, model: type[M], workspace_id: int, ids: Iterable[int]
) -> dict[int, M]:
    """Rows of ``model`` by primary key, only in the workspace (an id elsewhere is not found)."""
    table: Any = model
    rows = await session.scalars(
        select(model).where(table.id.in_(list(ids)), table.workspace_id == workspace_id)
    )
    return {row.id: row for row in rows}  # type: ignore[attr-defined]


async def preload(
    context: Context, session: AsyncSession, model: type[M], ids: Iterable[int]
) -> dict[int, M]:
    """Rows of ``model`` by id, read in the caller's ``session`` and primed into the request's
    ``<Model>ByIdLoader``; rows the loader already holds are not read again.

    ``session`` must be the caller's own (never one another resolver may be using): preloading
    runs its queries one after another, inside the resolver that owns the session.
    """
    loader = by_id_loader(context, model)
    found: dict[int, M] = {}
    missing: set[int] = set()
    for pk in set(ids):
        row = peek(context, model, pk)
        if row is None:
            missing.add(pk)
        else:
            found[pk] = row
    if missing:
        rows = await _rows_by_id(session, model, context.workspace_id, missing)
        loader.prime_many(rows)
        found.update(rows)
    return found


def peek(context: Context, model: type[M], pk: int) -> M | None:
    """The row if the request's loader already holds it (primed or loaded), else None.

    Synchronous on purpose: a field answering from here needs no ``await``.
    """
    loader = context.loaders.get(f"{model.__name__}ByIdLoader")
    if loader is None:
        return None
    future = loader.cache_map.get(pk)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return None
    row: M | None = future.result()
    return row


def peek_converted(
    context: Context, model: type[M], pk: int, convert: Callable[[M], T]
) -> T | None:
    """``convert(row)`` of a row the request already holds (see ``peek``), made once per
    request and row, else None."""
    loader: ByIdLoader[M] | None = context.loaders.get(f"{model.__name__}ByIdLoader")
    if loader is None:
        return None
    key = (convert, pk)
    converted: T | None = loader.objects.get(key)
    if converted is None:
        row = peek(context, model, pk)
        if row is None:
            return None
        converted = loader.objects[key] = convert(row)
    return converted


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
