"""Hours, expenses and trips: ownership, locking, rate snapshots, filters and totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import DomainError, Forbidden, InvalidInput, Locked
from graphql_api.models import (
    Activity,
    BillingMethod,
    Expense,
    ExpenseCategory,
    Project,
    RegistrationStatus,
    Role,
    TimeEntry,
    Trip,
    User,
)
from graphql_api.services.auth import Caller
from graphql_api.services.domain import rates
from graphql_api.services.domain import validation as v
from graphql_api.services.domain.projects import archived_error

MAX_BULK_ENTRIES = 100
TIME_ENTRY_FIELDS = frozenset(
    {"project_id", "activity_id", "user_id", "date", "hours", "start_time", "end_time", "notes",
     "billable"}
)
EXPENSE_FIELDS = frozenset(
    {"project_id", "category_id", "user_id", "date", "description", "quantity", "unit_price",
     "billable"}
)
TRIP_FIELDS = frozenset(
    {"project_id", "user_id", "date", "from_address", "to_address", "distance_km", "billable"}
)

R = TypeVar("R", TimeEntry, Expense, Trip)
Registration = TimeEntry | Expense | Trip


# ---------------------------------------------------------------- shared rules


def is_locked(row: Registration) -> bool:
    """Invoiced, or reserved for an invoice that is being made: it must not change."""
    return row.status is RegistrationStatus.INVOICED or row.invoice_line_id is not None


async def _user(session: AsyncSession, caller: Caller, user_id: int | None) -> User:
    """Whose registration: members only ever their own; others anyone in the workspace."""
    pk = caller.user_id if user_id is None else user_id
    if caller.role is Role.MEMBER and pk != caller.user_id:
        raise Forbidden("Members can only register for themselves.", field="userId")
    return await v.get_in_workspace(
        session, User, pk, caller.workspace_id, field="userId", what="user"
    )


async def _project(session: AsyncSession, caller: Caller, project_id: int | None) -> Project:
    """A project that still takes registrations."""
    if project_id is None:
        raise InvalidInput("A registration needs a project.", field="projectId")
    project = await v.get_in_workspace(
        session, Project, project_id, caller.workspace_id, field="projectId", what="project"
    )
    if project.archived:
        raise archived_error("project", "projectId")
    return project


def _date(value: dt.date | None) -> dt.date:
    if value is None:
        raise InvalidInput("The date is required.", field="date")
    return value


async def _editable(
    session: AsyncSession, caller: Caller, model: type[R], pk: int, what: str
) -> R:
    """A registration the caller may change: in their workspace, theirs (for members), open.

    The row stays locked (FOR UPDATE) until the transaction ends, so an invoice run that
    reserves it at the same moment waits for this change instead of racing it.
    """
    row = await v.get_in_workspace(
        session, model, pk, caller.workspace_id, field="id", what=what, for_update=True
    )
    if caller.role is Role.MEMBER and row.user_id != caller.user_id:
        raise Forbidden(f"Members can only change their own {what}s.", field="id")
    if is_locked(row):
        raise Locked(
            f"This {what} is invoiced or reserved for an invoice and cannot change.", field="id"
        )
    return row


async def _finish(session: AsyncSession, row: Registration) -> None:
    await session.flush()
    await session.refresh(row)


# ---------------------------------------------------------------- time entries


async def _apply_time_entry(  # noqa: PLR0912 - one branch per input field reads best
    session: AsyncSession, caller: Caller, entry: TimeEntry, changes: Mapping[str, Any],
    *, creating: bool,
) -> None:
    v.only_known(changes, TIME_ENTRY_FIELDS)
    project = (
        await _project(session, caller, changes["project_id"])
        if "project_id" in changes
        else await session.get_one(Project, entry.project_id)
    )
    if "user_id" in changes:
        user = await _user(session, caller, changes["user_id"])
    else:
        user = await session.get_one(User, entry.user_id)
    if "activity_id" in changes:
        if changes["activity_id"] is None:
            raise InvalidInput("Hours need an activity.", field="activityId")
        activity = await v.get_in_workspace(
            session, Activity, changes["activity_id"], caller.workspace_id,
            field="activityId", what="activity",
        )
        if activity.archived:
            raise archived_error("activity", "activityId")
    else:
        activity = await session.get_one(Activity, entry.activity_id)

    if "date" in changes:
        entry.date = _date(changes["date"])
    if "hours" in changes:
        entry.hours = v.hours(changes["hours"])
    if "start_time" in changes:
        entry.start_time = changes["start_time"]
    if "end_time" in changes:
        entry.end_time = changes["end_time"]
    start, end = entry.start_time, entry.end_time
    if start is not None and end is not None and end <= start:
        raise InvalidInput("The end time must be after the start time.", field="endTime")
    if "notes" in changes:
        entry.notes = v.optional_text(changes["notes"], "notes")

    rated = creating or bool({"project_id", "activity_id", "user_id"} & set(changes))
    link = await rates.project_activity(session, project, activity) if rated else None
    if rated and project.restrict_activities and link is None:
        raise InvalidInput(
            "This project only takes hours on its own activities; pick one of those.",
            field="activityId",
            code="ACTIVITY_NOT_ON_PROJECT",
        )
    if rated:
        entry.project_id, entry.activity_id, entry.user_id = project.id, activity.id, user.id
        entry.rate = await rates.hour_rate(session, project, activity, user, link)
    billable = changes.get("billable")
    if billable is None and (creating or "billable" in changes or rated):
        # Not given: the activity decides, and the project's own setting for it.
        billable = activity.billable and (link.billable if link is not None else True)
    if billable is not None:
        entry.billable = billable
    if not rates.bills_hours(project):
        entry.billable = False


async def create_time_entry(
    session: AsyncSession, caller: Caller, values: Mapping[str, Any]
) -> TimeEntry:
    """New hours, with the rate snapshot of the project's billing method."""
    entry = TimeEntry(workspace_id=caller.workspace_id, status=RegistrationStatus.OPEN)
    await _apply_time_entry(
        session, caller,
        entry,
        {"project_id": None, "activity_id": None, "user_id": None, "date": None, "hours": None,
         **values},
        creating=True,
    )
    session.add(entry)
    await _finish(session, entry)
    return entry


async def create_time_entries(
    session: AsyncSession, caller: Caller, entries: Sequence[Mapping[str, Any]]
) -> list[TimeEntry]:
    """Up to 100 entries, all or none; an error names the entry, e.g. ``entries[3].hours``."""
    check_bulk_size(len(entries))
    created = []
    for index, values in enumerate(entries):
        try:
            created.append(await create_time_entry(session, caller, values))
        except DomainError as exc:
            raise indexed(exc, "entries", index) from None
    return created


def check_bulk_size(count: int) -> None:
    """1–100 entries per bulk call: a bigger import is split by the client."""
    if count == 0:
        raise InvalidInput("Send at least one entry.", field="input")
    if count > MAX_BULK_ENTRIES:
        raise InvalidInput(
            f"Send at most {MAX_BULK_ENTRIES} entries at once; split the import.", field="input"
        )


def indexed(exc: DomainError, name: str, index: int) -> DomainError:
    """The same error, its field prefixed with the list position (``entries[3].hours``)."""
    exc.field = f"{name}[{index}].{exc.field}" if exc.field else f"{name}[{index}]"
    return exc


async def update_time_entry(
    session: AsyncSession, caller: Caller, entry_id: int, changes: Mapping[str, Any]
) -> TimeEntry:
    """Change open hours; a new project, activity or user takes a new rate snapshot."""
    entry = await _editable(session, caller, TimeEntry, entry_id, "time entry")
    await _apply_time_entry(session, caller, entry, changes, creating=False)
    await _finish(session, entry)
    return entry


async def delete_registration(
    session: AsyncSession, caller: Caller, model: type[R], pk: int, what: str
) -> None:
    """Delete an open registration the caller may change."""
    row = await _editable(session, caller, model, pk, what)
    await session.delete(row)
    await session.flush()


# ---------------------------------------------------------------- expenses


async def _apply_expense(
    session: AsyncSession, caller: Caller, expense: Expense, changes: Mapping[str, Any]
) -> None:
    v.only_known(changes, EXPENSE_FIELDS)
    if "project_id" in changes:
        expense.project_id = (await _project(session, caller, changes["project_id"])).id
    if "user_id" in changes:
        expense.user_id = (await _user(session, caller, changes["user_id"])).id
    if "category_id" in changes:
        if changes["category_id"] is None:
            raise InvalidInput("An expense needs a category.", field="categoryId")
        category = await v.get_in_workspace(
            session, ExpenseCategory, changes["category_id"], caller.workspace_id,
            field="categoryId", what="expense category",
        )
        if category.archived:
            raise archived_error("expense category", "categoryId")
        expense.category_id = category.id
    if "date" in changes:
        expense.date = _date(changes["date"])
    if "description" in changes:
        expense.description = v.required_text(
            changes["description"],
            "description",
            max_length=v.MAX_DESCRIPTION_LENGTH,
            what="description",
        )
    if "quantity" in changes:
        expense.quantity = v.required_decimal(
            changes["quantity"], "quantity", what="quantity", exclusive_minimum=True,
            maximum=v.MAX_QUANTITY,
        )
    if "unit_price" in changes:
        expense.unit_price = v.required_decimal(changes["unit_price"], "unitPrice", what="price")
    await _apply_billable(session, expense, changes)


async def _apply_billable(
    session: AsyncSession, row: Expense | Trip, changes: Mapping[str, Any]
) -> None:
    """Expenses and trips are billable unless said otherwise or the project bills nothing."""
    if "billable" in changes:
        if changes["billable"] is None:
            raise InvalidInput("Send true or false.", field="billable")
        row.billable = changes["billable"]
    method = await session.scalar(
        select(Project.billing_method).where(Project.id == row.project_id)
    )
    if method is BillingMethod.NON_BILLABLE:
        row.billable = False


async def create_expense(
    session: AsyncSession, caller: Caller, values: Mapping[str, Any]
) -> Expense:
    """A new expense."""
    expense = Expense(workspace_id=caller.workspace_id, status=RegistrationStatus.OPEN)
    await _apply_expense(
        session, caller, expense,
        {"project_id": None, "category_id": None, "user_id": None, "date": None,
         "description": None, "quantity": None, "unit_price": None, "billable": True, **values},
    )
    session.add(expense)
    await _finish(session, expense)
    return expense


async def update_expense(
    session: AsyncSession, caller: Caller, expense_id: int, changes: Mapping[str, Any]
) -> Expense:
    """Change an open expense."""
    expense = await _editable(session, caller, Expense, expense_id, "expense")
    await _apply_expense(session, caller, expense, changes)
    await _finish(session, expense)
    return expense


# ---------------------------------------------------------------- trips


async def _apply_trip(
    session: AsyncSession, caller: Caller, trip: Trip, changes: Mapping[str, Any]
) -> None:
    v.only_known(changes, TRIP_FIELDS)
    if "project_id" in changes:
        project = await _project(session, caller, changes["project_id"])
        trip.project_id = project.id
        trip.rate = await rates.mileage_rate(session, project)
    if "user_id" in changes:
        trip.user_id = (await _user(session, caller, changes["user_id"])).id
    if "date" in changes:
        trip.date = _date(changes["date"])
    for key in ("from_address", "to_address"):
        if key in changes:
            setattr(trip, key, v.required_text(
                changes[key], v.camel(key), max_length=v.MAX_ADDRESS_LENGTH, what="address"
            ))
    if "distance_km" in changes:
        trip.distance_km = v.required_decimal(
            changes["distance_km"], "distanceKm", what="distance", exclusive_minimum=True,
            maximum=v.MAX_DISTANCE_KM,
        )
    await _apply_billable(session, trip, changes)


async def create_trip(session: AsyncSession, caller: Caller, values: Mapping[str, Any]) -> Trip:
    """A new trip at the customer's (else the workspace's) rate per km."""
    trip = Trip(workspace_id=caller.workspace_id, status=RegistrationStatus.OPEN)
    await _apply_trip(
        session, caller, trip,
        {"project_id": None, "user_id": None, "date": None, "from_address": None,
         "to_address": None, "distance_km": None, "billable": True, **values},
    )
    session.add(trip)
    await _finish(session, trip)
    return trip


async def update_trip(
    session: AsyncSession, caller: Caller, trip_id: int, changes: Mapping[str, Any]
) -> Trip:
    """Change an open trip; another project takes a new rate per km."""
    trip = await _editable(session, caller, Trip, trip_id, "trip")
    await _apply_trip(session, caller, trip, changes)
    await _finish(session, trip)
    return trip


# ---------------------------------------------------------------- lists and totals


@dataclass(frozen=True)
class RegistrationFilter:
    """What to list; ids are decoded primary keys."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer_id: int | None = None
    project_id: int | None = None
    user_id: int | None = None
    activity_id: int | None = None
    category_id: int | None = None
    billable: bool | None = None
    status: RegistrationStatus | None = None
    updated_since: dt.datetime | None = None
    search: str | None = None


def _conditions(  # noqa: PLR0912 - one branch per filter field reads best
    model: type[Registration], workspace_id: int, f: RegistrationFilter
) -> list[ColumnElement[bool]]:
    table: Any = model
    where: list[ColumnElement[bool]] = [table.workspace_id == workspace_id]
    if f.date_from is not None:
        where.append(table.date >= f.date_from)
    if f.date_to is not None:
        where.append(table.date <= f.date_to)
    if f.customer_id is not None:
        where.append(
            table.project_id.in_(select(Project.id).where(Project.customer_id == f.customer_id))
        )
    if f.project_id is not None:
        where.append(table.project_id == f.project_id)
    if f.user_id is not None:
        where.append(table.user_id == f.user_id)
    if f.activity_id is not None:
        if model is not TimeEntry:
            raise InvalidInput("Only time entries have an activity.", field="activityId")
        where.append(TimeEntry.activity_id == f.activity_id)
    if f.category_id is not None:
        if model is not Expense:
            raise InvalidInput("Only expenses have a category.", field="categoryId")
        where.append(Expense.category_id == f.category_id)
    if f.billable is not None:
        where.append(table.billable.is_(f.billable))
    if f.status is not None:
        where.append(table.status == f.status)
    if f.updated_since is not None:
        where.append(table.updated_at >= f.updated_since)
    pattern = v.like_pattern(f.search)
    if pattern is not None:
        if model is TimeEntry:
            where.append(TimeEntry.notes.ilike(pattern, escape="\\"))
        elif model is Expense:
            where.append(Expense.description.ilike(pattern, escape="\\"))
        else:
            where.append(
                or_(
                    Trip.from_address.ilike(pattern, escape="\\"),
                    Trip.to_address.ilike(pattern, escape="\\"),
                )
            )
    v.date_range(f.date_from, f.date_to, "dateTo")
    return where


def registrations_query(
    model: type[R], workspace_id: int, f: RegistrationFilter
) -> Select[R]:
    """Registrations of one kind matching the filter (the pager orders by date, id)."""
    return select(model).where(*_conditions(model, workspace_id, f))


@dataclass(frozen=True)
class TimeEntryTotals:
    """Totals of a set of time entries."""

    entry_count: int
    hours: Decimal
    billable_hours: Decimal
    amount: Decimal


async def time_entry_totals(
    session: AsyncSession, workspace_id: int, f: RegistrationFilter
) -> TimeEntryTotals:
    """Count, hours and billed amount in one aggregate; each entry's amount is rounded first,
    so the total equals the sum of the amounts shown per entry (and on invoice lines)."""
    zero = Decimal("0.00")
    billable = TimeEntry.billable.is_(True)
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(TimeEntry.hours), zero),
                func.coalesce(func.sum(TimeEntry.hours).filter(billable), zero),
                # PostgreSQL rounds numeric halves away from zero: half-up for amounts >= 0.
                func.coalesce(
                    func.sum(func.round(TimeEntry.hours * TimeEntry.rate, 2)).filter(billable),
                    zero,
                ),
            ).where(*_conditions(TimeEntry, workspace_id, f))
        )
    ).one()
    return TimeEntryTotals(
        entry_count=int(row[0]), hours=Decimal(row[1]), billable_hours=Decimal(row[2]),
        amount=Decimal(row[3]),
    )
