"""Hours, expenses and trips: lists, totals and mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import SelectedField

from graphql_api import models
from graphql_api.errors import DomainError
from graphql_api.services.domain import registrations as service
from resolvers import loaders
from resolvers.context import Info
from resolvers.domain.common import AFTER, FIRST, caller, decode_ids, mutate, optional_id, provided
from resolvers.domain.common import query as client_errors
from resolvers.pagination import paginate
from schema.domain import inputs, results, types
from schema.relay import Connection, decode_id, to_global_id

M = TypeVar("M", models.TimeEntry, models.Expense, models.Trip)
N = TypeVar("N")

FILTER = Annotated[
    inputs.RegistrationFilter | None, strawberry.argument(description="Which registrations.")
]
ID_TYPES = {
    "project_id": "Project",
    "activity_id": "Activity",
    "user_id": "User",
    "category_id": "ExpenseCategory",
}


def _filter(f: inputs.RegistrationFilter | None) -> service.RegistrationFilter:
    f = f or inputs.RegistrationFilter()
    return service.RegistrationFilter(
        date_from=f.date_from,
        date_to=f.date_to,
        customer_id=optional_id(f.customer_id, "Customer", "customerId"),
        project_id=optional_id(f.project_id, "Project", "projectId"),
        user_id=optional_id(f.user_id, "User", "userId"),
        activity_id=optional_id(f.activity_id, "Activity", "activityId"),
        category_id=optional_id(f.category_id, "ExpenseCategory", "categoryId"),
        billable=f.billable,
        status=f.status,
        updated_since=f.updated_since,
        search=f.search,
    )


async def _page(
    info: Info,
    model: type[M],
    *,
    filter: inputs.RegistrationFilter | None,
    first: int,
    after: str | None,
    to_node: Callable[[M], N],
) -> Connection[N]:
    async def read() -> Connection[N]:
        stmt = service.registrations_query(model, info.context.workspace_id, _filter(filter))
        table: Any = model
        return await paginate(
            info.context, stmt, keys=[table.date, table.id], first=first, after=after,
            to_node=to_node, preload=_relations_preloader(info, model),
        )

    return await client_errors(read())


def _relations_preloader(
    info: Info, model: type[M]
) -> Callable[[AsyncSession, list[Any]], Awaitable[None]] | None:
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


async def time_entries(
    info: Info, filter: FILTER = None, first: FIRST = 20, after: AFTER = None
) -> Connection[types.TimeEntry]:
    """Hours by date, then id."""
    return await _page(
        info, models.TimeEntry, filter=filter, first=first, after=after,
        to_node=types.TimeEntry.from_model,
    )


async def expenses(
    info: Info, filter: FILTER = None, first: FIRST = 20, after: AFTER = None
) -> Connection[types.Expense]:
    """Expenses by date, then id."""
    return await _page(
        info, models.Expense, filter=filter, first=first, after=after,
        to_node=types.Expense.from_model,
    )


async def trips(
    info: Info, filter: FILTER = None, first: FIRST = 20, after: AFTER = None
) -> Connection[types.Trip]:
    """Trips by date, then id."""
    return await _page(
        info, models.Trip, filter=filter, first=first, after=after,
        to_node=types.Trip.from_model,
    )


async def time_entry_summary(info: Info, filter: FILTER = None) -> types.TimeEntrySummary:
    """Totals of the matching hours, in one SQL aggregate."""

    async def read() -> types.TimeEntrySummary:
        f = _filter(filter)
        async with info.context.session() as session:
            totals = await service.time_entry_totals(session, info.context.workspace_id, f)
        return types.TimeEntrySummary(
            entry_count=totals.entry_count, hours=totals.hours,
            billable_hours=totals.billable_hours, amount=totals.amount,
        )

    return await client_errors(read())


def _values(input: object, *, prefix: str = "") -> dict[str, Any]:
    values = provided(input)
    decode_ids(values, ID_TYPES, prefix=prefix)
    return values


# ---------------------------------------------------------------- time entries


async def create_time_entry(
    info: Info,
    input: Annotated[inputs.CreateTimeEntryInput, strawberry.argument(description="The hours.")],
) -> results.CreateTimeEntryResult:
    """Register hours."""

    async def change(session: AsyncSession) -> types.TimeEntry:
        row = await service.create_time_entry(session, caller(info), _values(input))
        return types.TimeEntry.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def create_time_entries(
    info: Info,
    input: Annotated[
        inputs.CreateTimeEntriesInput, strawberry.argument(description="Up to 100 entries.")
    ],
) -> results.CreateTimeEntriesResult:
    """Register many hours at once, all or none."""

    async def change(session: AsyncSession) -> types.TimeEntryList:
        service.check_bulk_size(len(input.entries))
        entries = []
        for index, entry in enumerate(input.entries):
            try:
                entries.append(_values(entry))
            except DomainError as exc:
                raise service.indexed(exc, "entries", index) from None
        rows = await service.create_time_entries(session, caller(info), entries)
        return types.TimeEntryList(time_entries=[types.TimeEntry.from_model(r) for r in rows])

    return await mutate(info, change)  # type: ignore[return-value]


async def update_time_entry(
    info: Info,
    input: Annotated[inputs.UpdateTimeEntryInput, strawberry.argument(description="The changes.")],
) -> results.UpdateTimeEntryResult:
    """Change open hours."""

    async def change(session: AsyncSession) -> types.TimeEntry:
        pk = decode_id(input.id, "TimeEntry")
        row = await service.update_time_entry(session, caller(info), pk, _values(input))
        return types.TimeEntry.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def _delete(info: Info, global_id: str, model: type[M], type_name: str, what: str) -> Any:
    async def change(session: AsyncSession) -> types.Deleted:
        pk = decode_id(global_id, type_name)
        await service.delete_registration(session, caller(info), model, pk, what)
        return types.Deleted(id=to_global_id(type_name, pk))

    return await mutate(info, change)


async def delete_time_entry(
    info: Info,
    input: Annotated[
        inputs.DeleteRegistrationInput, strawberry.argument(description="Which time entry.")
    ],
) -> results.DeleteTimeEntryResult:
    """Delete open hours."""
    return await _delete(info, input.id, models.TimeEntry, "TimeEntry", "time entry")  # type: ignore[no-any-return]


# ---------------------------------------------------------------- expenses


async def create_expense(
    info: Info,
    input: Annotated[inputs.CreateExpenseInput, strawberry.argument(description="The expense.")],
) -> results.CreateExpenseResult:
    """Register an expense."""

    async def change(session: AsyncSession) -> types.Expense:
        row = await service.create_expense(session, caller(info), _values(input))
        return types.Expense.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def update_expense(
    info: Info,
    input: Annotated[inputs.UpdateExpenseInput, strawberry.argument(description="The changes.")],
) -> results.UpdateExpenseResult:
    """Change an open expense."""

    async def change(session: AsyncSession) -> types.Expense:
        pk = decode_id(input.id, "Expense")
        row = await service.update_expense(session, caller(info), pk, _values(input))
        return types.Expense.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def delete_expense(
    info: Info,
    input: Annotated[
        inputs.DeleteRegistrationInput, strawberry.argument(description="Which expense.")
    ],
) -> results.DeleteExpenseResult:
    """Delete an open expense."""
    return await _delete(info, input.id, models.Expense, "Expense", "expense")  # type: ignore[no-any-return]


# ---------------------------------------------------------------- trips


async def create_trip(
    info: Info,
    input: Annotated[inputs.CreateTripInput, strawberry.argument(description="The trip.")],
) -> results.CreateTripResult:
    """Register a trip."""

    async def change(session: AsyncSession) -> types.Trip:
        row = await service.create_trip(session, caller(info), _values(input))
        return types.Trip.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def update_trip(
    info: Info,
    input: Annotated[inputs.UpdateTripInput, strawberry.argument(description="The changes.")],
) -> results.UpdateTripResult:
    """Change an open trip."""

    async def change(session: AsyncSession) -> types.Trip:
        pk = decode_id(input.id, "Trip")
        row = await service.update_trip(session, caller(info), pk, _values(input))
        return types.Trip.from_model(row)

    return await mutate(info, change)  # type: ignore[return-value]


async def delete_trip(
    info: Info,
    input: Annotated[
        inputs.DeleteRegistrationInput, strawberry.argument(description="Which trip.")
    ],
) -> results.DeleteTripResult:
    """Delete an open trip."""
    return await _delete(info, input.id, models.Trip, "Trip", "trip")  # type: ignore[no-any-return]
