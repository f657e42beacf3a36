"""Hours, expenses and trips: lists, totals and mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import SelectedField

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.domain import registrations as service
from resolvers import loaders, results
from resolvers.context import Info
from resolvers.pagination import Listing, Page, paginate_listing
from resolvers.reads import caller

M = TypeVar("M", models.TimeEntry, models.Expense, models.Trip)

Preloader = Callable[[AsyncSession, list[Any]], Awaitable[None]]


def listing(
    workspace_id: int, model: type[M], criteria: service.RegistrationFilter,
    order: service.RegistrationOrder = service.RegistrationOrder.OLDEST_FIRST,
) -> Listing:
    """Registrations of one kind by date, then id (oldest or newest first)."""
    stmt = service.registrations_query(model, workspace_id, criteria)
    table: Any = model
    return Listing(
        stmt, [table.date, table.id],
        descending=order is service.RegistrationOrder.NEWEST_FIRST,
    )


async def page(
    info: Info, model: type[M], rows: Listing, *, first: int, after: str | None
) -> Page[M]:
    """A page of registrations of one kind, with the page's selected relations read in the
    list's own session."""
    return await paginate_listing(
        info.context, rows, first=first, after=after, preload=_relations_preloader(info, model)
    )


def _relations_preloader(info: Info, model: type[M]) -> Preloader | None:
    """Reads the page's selected relations in the list's own session, one query after another,
    and primes the request's loaders with them, so the relation fields answer without awaiting.

    Only what the query selects under ``edges { node { … } }`` is read: a list of bare ids costs
    no extra statements. Anything not preloaded still resolves through the loaders.
    """
    selected = _selected_node_relations(info)
    wanted = {
        "project": "project" in selected,
        "customer": "project.customer" in selected,
        "user": "user" in selected,
        "activity": model is models.TimeEntry and "activity" in selected,
        "category": model is models.Expense and "category" in selected,
    }
    if not any(wanted.values()):
        return None
    context = info.context

    async def preload(session: AsyncSession, rows: list[Any]) -> None:
        if wanted["project"] or wanted["customer"]:
            projects = await loaders.preload(
                context, session, models.Project, (row.project_id for row in rows)
            )
            if wanted["customer"]:
                await loaders.preload(
                    context, session, models.Customer,
                    (project.customer_id for project in projects.values()),
                )
        if wanted["activity"]:
            await loaders.preload(
                context, session, models.Activity, (row.activity_id for row in rows)
            )
        if wanted["category"]:
            await loaders.preload(
                context, session, models.ExpenseCategory, (row.category_id for row in rows)
            )
        if wanted["user"]:
            await loaders.preload(context, session, models.User, (row.user_id for row in rows))

    return preload


def _selected_node_relations(info: Info) -> set[str]:
    """Field paths selected under ``edges { node { … } }``, e.g. ``{"project",
    "project.customer", "user"}`` (fragments flattened, aliases ignored)."""
    paths: set[str] = set()

    def children(selections: Any) -> Iterator[Any]:
        for selection in selections:
            if isinstance(selection, SelectedField):
                yield selection
            else:  # inline fragment or fragment spread
                yield from children(selection.selections)

    for list_field in info.selected_fields:
        for edges in children(list_field.selections):
            if edges.name != "edges":
                continue
            for node in children(edges.selections):
                if node.name != "node":
                    continue
                for relation in children(node.selections):
                    paths.add(relation.name)
                    for nested in children(relation.selections):
                        paths.add(f"{relation.name}.{nested.name}")
    return paths


async def time_entry_summary(
    info: Info, criteria: service.RegistrationFilter
) -> service.TimeEntryTotals:
    """Totals of the matching hours, in one SQL aggregate."""
    async with info.context.session() as session:
        return await service.time_entry_totals(session, info.context.workspace_id, criteria)


async def create_time_entry(info: Info, command: commands.CreateTimeEntry) -> models.TimeEntry:
    """Register hours."""
    async with info.context.transaction() as session:
        return await service.create_time_entry(session, caller(info), command)


async def create_time_entries(
    info: Info, entries: list[commands.CreateTimeEntry]
) -> results.TimeEntryList:
    """Register many hours at once, all or none."""
    async with info.context.transaction() as session:
        rows = await service.create_time_entries(session, caller(info), entries)
    return results.TimeEntryList(time_entries=rows)


async def update_time_entry(info: Info, command: commands.UpdateTimeEntry) -> models.TimeEntry:
    """Change open hours."""
    async with info.context.transaction() as session:
        return await service.update_time_entry(session, caller(info), command)


async def create_expense(info: Info, command: commands.CreateExpense) -> models.Expense:
    """Register an expense."""
    async with info.context.transaction() as session:
        return await service.create_expense(session, caller(info), command)


async def update_expense(info: Info, command: commands.UpdateExpense) -> models.Expense:
    """Change an open expense."""
    async with info.context.transaction() as session:
        return await service.update_expense(session, caller(info), command)


async def create_trip(info: Info, command: commands.CreateTrip) -> models.Trip:
    """Register a trip."""
    async with info.context.transaction() as session:
        return await service.create_trip(session, caller(info), command)


async def update_trip(info: Info, command: commands.UpdateTrip) -> models.Trip:
    """Change an open trip."""
    async with info.context.transaction() as session:
        return await service.update_trip(session, caller(info), command)


async def delete(info: Info, model: type[M], pk: int, what: str) -> results.Deleted:
    """Delete an open registration the caller may change."""
    async with info.context.transaction() as session:
        await service.delete_registration(session, caller(info), model, pk, what)
    return results.Deleted(type_name=model.__name__, pk=pk)
