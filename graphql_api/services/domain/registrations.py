"""Hours, expenses and trips: ownership, locking, rate snapshots, filters and totals."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import DomainError, Forbidden, InvalidInput, Locked, TrackingCode
from graphql_api.models import (
    Activity,
    BillingMethod,
    Expense,
    ExpenseCategory,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Project,
    RegistrationStatus,
    Role,
    TimeEntry,
    Trip,
    User,
)
from graphql_api.services.auth import Caller
from graphql_api.services.commands import (
    UNSET,
    CreateExpense,
    CreateTimeEntry,
    CreateTrip,
    Maybe,
    UpdateExpense,
    UpdateTimeEntry,
    UpdateTrip,
)
from graphql_api.services.domain import rates
from graphql_api.services.domain import validation as v
from graphql_api.services.domain.projects import archived_error

MAX_BULK_ENTRIES = 100

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
        raise await _locked(session, caller, row, what)
    return row


async def _locked(session: AsyncSession, caller: Caller, row: Registration, what: str) -> Locked:
    """Why a registration cannot change, naming the invoice that holds it — for callers who
    may see invoices (members may not: the read rules hide invoices from them)."""
    found = None
    if row.invoice_line_id is not None and caller.role is not Role.MEMBER:
        found = (
            await session.execute(
                select(Invoice.id, Invoice.wefact_code, Invoice.reference, Invoice.status)
                .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                .where(
                    InvoiceLine.id == row.invoice_line_id,
                    Invoice.workspace_id == caller.workspace_id,
                )
            )
        ).one_or_none()
    if found is None:
        return Locked(
            f"This {what} is invoiced or reserved for an invoice and cannot change: an owner, "
            "admin or manager can release that invoice (releaseInvoice) to open it again.",
            field="id",
        )
    invoice_id, code, reference, status = found
    if status is InvoiceStatus.PENDING:
        return Locked(
            f"This {what} is reserved for invoice {reference}, which is still being made in "
            "WeFact, and cannot change: wait for its invoice run, then release the invoice "
            "(releaseInvoice with `invoiceId`) if it must change.",
            field="id",
            invoice_id=invoice_id,
        )
    return Locked(
        f"This {what} is on invoice {code or reference} ({status.name}) and cannot change: "
        "release that invoice (releaseInvoice with `invoiceId`) to open its registrations "
        "again.",
        field="id",
        invoice_id=invoice_id,
    )


async def _finish(session: AsyncSession, row: Registration) -> None:
    await session.flush()
    await session.refresh(row)


# ---------------------------------------------------------------- time entries


async def _apply_time_entry(  # noqa: PLR0912 - one branch per input field reads best
    session: AsyncSession, caller: Caller, entry: TimeEntry,
    c: CreateTimeEntry | UpdateTimeEntry, *, creating: bool,
) -> None:
    project = (
        await _project(session, caller, c.project_id)
        if c.project_id is not UNSET
        else await session.get_one(Project, entry.project_id)
    )
    if c.user_id is not UNSET:
        user = await _user(session, caller, c.user_id)
    else:
        user = await session.get_one(User, entry.user_id)
    if c.activity_id is not UNSET:
        if c.activity_id is None:
            raise InvalidInput("Hours need an activity.", field="activityId")
        activity = await v.get_in_workspace(
            session, Activity, c.activity_id, caller.workspace_id,
            field="activityId", what="activity",
        )
        if activity.archived:
            raise archived_error("activity", "activityId")
    else:
        activity = await session.get_one(Activity, entry.activity_id)

    if c.date is not UNSET:
        entry.date = _date(c.date)
    if c.hours is not UNSET:
        entry.hours = v.hours(c.hours)
    if c.start_time is not UNSET:
        entry.start_time = c.start_time
    if c.end_time is not UNSET:
        entry.end_time = c.end_time
    start, end = entry.start_time, entry.end_time
    if start is not None and end is not None and end <= start:
        raise InvalidInput("The end time must be after the start time.", field="endTime")
    if creating or any(value is not UNSET for value in (c.hours, c.start_time, c.end_time)):
        _check_span(entry, c)
    if c.notes is not UNSET:
        entry.notes = v.optional_text(c.notes, "notes")

    rated = creating or any(
        value is not UNSET for value in (c.project_id, c.activity_id, c.user_id)
    )
    link = await rates.project_activity(session, project, activity) if rated else None
    if rated and project.restrict_activities and link is None:
        raise InvalidInput(
            "This project only takes hours on its own activities; pick one of those.",
            field="activityId",
            code=TrackingCode.ACTIVITY_NOT_ON_PROJECT,
        )
    if rated:
        entry.project_id, entry.activity_id, entry.user_id = project.id, activity.id, user.id
        entry.rate = await rates.hour_rate(session, project, activity, user, link)
    billable = None if c.billable is UNSET else c.billable
    if billable is None and (creating or c.billable is not UNSET or rated):
        # Not given: the activity decides, and the project's own setting for it.
        billable = activity.billable and (link.billable if link is not None else True)
    if billable is not None:
        entry.billable = billable
    if not rates.bills_hours(project):
        entry.billable = False


def _check_span(entry: TimeEntry, c: CreateTimeEntry | UpdateTimeEntry) -> None:
    """With a start and an end time, the hours are the time between them (to the cent of an
    hour, half-up): 09:00–17:00 is 8.00, never 1. Breaks are not guessed: a day with one is
    registered without times, or as two entries."""
    start, end = entry.start_time, entry.end_time
    if start is None or end is None:
        return
    seconds = (
        dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)
    ).total_seconds()
    span = (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if entry.hours == span:
        return
    # Name what this change sent: the hours when given, else the time that moved.
    field = "hours" if c.hours is not UNSET else "endTime" if c.end_time is not UNSET else (
        "startTime"
    )
    raise InvalidInput(
        f"From {start:%H:%M} to {end:%H:%M} is {span} hours, but the entry says {entry.hours}: "
        f"send hours {span}, other times, or no times (for a day with a break, or register "
        "two entries).",
        field=field,
    )


async def create_time_entry(
    session: AsyncSession, caller: Caller, command: CreateTimeEntry
) -> TimeEntry:
    """New hours, with the rate snapshot of the project's billing method."""
    entry = TimeEntry(workspace_id=caller.workspace_id, status=RegistrationStatus.OPEN)
    await _apply_time_entry(session, caller, entry, command, creating=True)
    session.add(entry)
    await _finish(session, entry)
    return entry


async def create_time_entries(
    session: AsyncSession, caller: Caller, entries: Sequence[CreateTimeEntry]
) -> list[TimeEntry]:
    """Up to 100 entries, all or none; an error names the entry, e.g. ``entries[3].hours``."""
    check_bulk_size(len(entries))
    created = []
    for index, command in enumerate(entries):
        try:
            created.append(await create_time_entry(session, caller, command))
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
    session: AsyncSession, caller: Caller, command: UpdateTimeEntry
) -> TimeEntry:
    """Change open hours; a new project, activity or user takes a new rate snapshot."""
    entry = await _editable(session, caller, TimeEntry, command.id, "time entry")
    await _apply_time_entry(session, caller, entry, command, creating=False)
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
    session: AsyncSession, caller: Caller, expense: Expense, c: CreateExpense | UpdateExpense
) -> None:
    if c.project_id is not UNSET:
        expense.project_id = (await _project(session, caller, c.project_id)).id
    if c.user_id is not UNSET:
        expense.user_id = (await _user(session, caller, c.user_id)).id
    if c.category_id is not UNSET:
        if c.category_id is None:
            raise InvalidInput("An expense needs a category.", field="categoryId")
        category = await v.get_in_workspace(
            session, ExpenseCategory, c.category_id, caller.workspace_id,
            field="categoryId", what="expense category",
        )
        if category.archived:
            raise archived_error("expense category", "categoryId")
        expense.category_id = category.id
    if c.date is not UNSET:
        expense.date = _date(c.date)
    if c.description is not UNSET:
        expense.description = v.required_text(
            c.description, "description", max_length=v.MAX_DESCRIPTION_LENGTH,
            what="description",
        )
    if c.quantity is not UNSET:
        expense.quantity = v.required_decimal(
            c.quantity, "quantity", what="quantity", exclusive_minimum=True,
            maximum=v.MAX_QUANTITY,
        )
    if c.unit_price is not UNSET:
        expense.unit_price = v.required_decimal(c.unit_price, "unitPrice", what="price")
    await _apply_billable(session, expense, c.billable)


async def _apply_billable(
    session: AsyncSession, row: Expense | Trip, billable: Maybe[bool | None]
) -> None:
    """Expenses and trips are billable unless said otherwise or the project bills nothing."""
    if billable is not UNSET:
        if billable is None:
            raise InvalidInput("Send true or false.", field="billable")
        row.billable = billable
    method = await session.scalar(
        select(Project.billing_method).where(Project.id == row.project_id)
    )
    if method is BillingMethod.NON_BILLABLE:
        row.billable = False


async def create_expense(
    session: AsyncSession, caller: Caller, command: CreateExpense
) -> Expense:
    """A new expense."""
    expense = Expense(workspace_id=caller.workspace_id, status=RegistrationStatus.OPEN)
    await _apply_expense(session, caller, expense, command)
    session.add(expense)
    await _finish(session, expense)
    return expense


async def update_expense(
    session: AsyncSession, caller: Caller, command: UpdateExpense
) -> Expense:
    """Change an open expense."""
    expense = await _editable(session, caller, Expense, command.id, "expense")
    await _apply_expense(session, caller, expense, command)
    await _finish(session, expense)
    return expense


# ---------------------------------------------------------------- trips


async def _apply_trip(
    session: AsyncSession, caller: Caller, trip: Trip, c: CreateTrip | UpdateTrip
) -> None:
    if c.project_id is not UNSET:
        project = await _project(session, caller, c.project_id)
        trip.project_id = project.id
        trip.rate = await rates.mileage_rate(session, project)
    if c.user_id is not UNSET:
        trip.user_id = (await _user(session, caller, c.user_id)).id
    if c.date is not UNSET:
        trip.date = _date(c.date)
    if c.from_address is not UNSET:
        trip.from_address = v.required_text(
            c.from_address, "fromAddress", max_length=v.MAX_ADDRESS_LENGTH, what="address"
        )
    if c.to_address is not UNSET:
        trip.to_address = v.required_text(
            c.to_address, "toAddress", max_length=v.MAX_ADDRESS_LENGTH, what="address"
        )
    if c.distance_km is not UNSET:
        trip.distance_km = v.required_decimal(
            c.distance_km, "distanceKm", what="distance", exclusive_minimum=True,
            maximum=v.MAX_DISTANCE_KM,
        )
    await _apply_billable(session, trip, c.billable)


async def create_trip(session: AsyncSession, caller: Caller, command: CreateTrip) -> Trip:
    """A new trip at the customer's (else the workspace's) rate per km."""
    trip = Trip(workspace_id=caller.workspace_id, status=RegistrationStatus.OPEN)
    await _apply_trip(session, caller, trip, command)
    session.add(trip)
    await _finish(session, trip)
    return trip


async def update_trip(
    session: AsyncSession, caller: Caller, command: UpdateTrip
) -> Trip:
    """Change an open trip; another project takes a new rate per km."""
    trip = await _editable(session, caller, Trip, command.id, "trip")
    await _apply_trip(session, caller, trip, command)
    await _finish(session, trip)
    return trip


# ---------------------------------------------------------------- lists and totals


class RegistrationOrder(enum.Enum):
    """The order a registration list pages in: by date, then id (the keyset)."""

    OLDEST_FIRST = "OLDEST_FIRST"
    NEWEST_FIRST = "NEWEST_FIRST"


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
