"""The Unbilled report: per project what there is to bill up to a date, in ONE SQL statement.

One statement (CTEs aggregated per project, joined to projects and customers) returns every
project row with its open hours, expenses and trips, the fixed price invoiced so far and the
released subscription periods not billed again. What a fixed price or subscription has due is
then plain arithmetic on that row (``periods``), so the report costs one round trip however
many projects there are.

What counts:

- Open = status OPEN, not reserved by an invoice (``invoice_line_id IS NULL``), billable, and
  dated on or before ``until``. Each registration's amount is quantity × price rounded half-up
  to cents, then summed (the invoice line rule). These rows are read through partial indexes
  holding only open billable rows (``ix_<table>_open_billable``), so invoiced history costs
  nothing.
- Hours, expenses and trips count for every project except FIXED_PRICE and SUBSCRIPTION ones:
  those are billed by their price or periods, and the invoicing engine refuses their
  registrations (issue 7), so counting them would promise an amount no invoice can bill.
- Fixed price invoiced = the FIXED_PRICE lines of the project on invoices that are not
  RELEASED or FAILED (a pending invoice counts: it is being made).
- A project appears only when it has something to bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from graphql_api.models import (
    BillingMethod,
    Customer,
    Expense,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Project,
    TimeEntry,
    Trip,
)
from graphql_api.models.domain import OPEN_BILLABLE
from graphql_api.services.unbilled.periods import (
    ZERO,
    FixedPriceDue,
    Period,
    Subscription,
    due_periods,
    fixed_price_due,
)

PRICED_METHODS = (BillingMethod.FIXED_PRICE, BillingMethod.SUBSCRIPTION)
"""Methods billed by price or period, not by their registrations."""

DEAD_STATUSES = (InvoiceStatus.RELEASED, InvoiceStatus.FAILED)
"""Invoices that bill nothing (any more): their lines are not "invoiced"."""


@dataclass(frozen=True)
class UnbilledFilter:
    """What the report covers; empty tuples mean "all"."""

    until: dt.date
    customer_ids: tuple[int, ...] = ()
    project_ids: tuple[int, ...] = ()
    billing_methods: tuple[BillingMethod, ...] = ()


@dataclass
class UnbilledRow:
    """One project with something to bill."""

    project: Project
    customer: Customer
    hours: Decimal = ZERO
    hours_amount: Decimal = ZERO
    time_entry_count: int = 0
    expenses_amount: Decimal = ZERO
    expense_count: int = 0
    trip_distance: Decimal = ZERO
    trips_amount: Decimal = ZERO
    trip_count: int = 0
    fixed_price: FixedPriceDue | None = None
    periods: list[Period] = field(default_factory=list)

    @property
    def fixed_price_amount(self) -> Decimal:
        """The fixed price to invoice now."""
        return self.fixed_price.due if self.fixed_price else ZERO

    @property
    def subscription_amount(self) -> Decimal:
        """The due subscription periods together."""
        return sum((p.amount for p in self.periods), ZERO)

    @property
    def registrations(self) -> int:
        """Open registrations counted."""
        return self.time_entry_count + self.expense_count + self.trip_count

    @property
    def total(self) -> Decimal:
        """Everything to bill for the project."""
        return (
            self.hours_amount + self.expenses_amount + self.trips_amount
            + self.fixed_price_amount + self.subscription_amount
        )

    @property
    def has_something(self) -> bool:
        """True when invoicing the project would bill anything."""
        return bool(self.registrations or self.fixed_price_amount or self.periods)


@dataclass
class CustomerTotal:
    """A customer's rows added up."""

    customer: Customer
    hours_amount: Decimal = ZERO
    expenses_amount: Decimal = ZERO
    trips_amount: Decimal = ZERO
    fixed_price_amount: Decimal = ZERO
    subscription_amount: Decimal = ZERO
    projects: int = 0

    @property
    def total(self) -> Decimal:
        """Everything to bill for the customer."""
        return (
            self.hours_amount + self.expenses_amount + self.trips_amount
            + self.fixed_price_amount + self.subscription_amount
        )

    def add(self, row: UnbilledRow) -> None:
        """Count ``row`` in."""
        self.hours_amount += row.hours_amount
        self.expenses_amount += row.expenses_amount
        self.trips_amount += row.trips_amount
        self.fixed_price_amount += row.fixed_price_amount
        self.subscription_amount += row.subscription_amount
        self.projects += 1


@dataclass
class UnbilledReport:
    """The rows (by customer, then project name) and the customer totals."""

    until: dt.date
    rows: list[UnbilledRow]
    customers: list[CustomerTotal]

    @property
    def total(self) -> Decimal:
        """Everything to bill."""
        return sum((row.total for row in self.rows), ZERO)


def _open_registrations(
    model: Any, quantity: Any, price: Any, *, workspace_id: int, f: UnbilledFilter, name: str
) -> Any:
    """Open billable registrations of ``model`` per project: quantity, amount, count.

    The condition is the partial index's own text (``OPEN_BILLABLE``), literally: a bound
    parameter for the status would keep PostgreSQL from proving the index applies.
    """
    stmt = (
        select(
            model.project_id.label("project_id"),
            func.sum(quantity).label("quantity"),
            func.sum(func.round(quantity * price, 2)).label("amount"),
            func.count().label("count"),
        )
        .where(model.workspace_id == workspace_id, OPEN_BILLABLE, model.date <= f.until)
        .group_by(model.project_id)
    )
    if f.project_ids:
        stmt = stmt.where(model.project_id.in_(f.project_ids))
    return stmt.cte(name)


def report_statement(workspace_id: int, f: UnbilledFilter) -> Select[Any]:
    """The one statement of the report (also what the EXPLAIN in the tests reads)."""
    ws = workspace_id
    hours = _open_registrations(
        TimeEntry, TimeEntry.hours, TimeEntry.rate, workspace_id=ws, f=f, name="open_hours"
    )
    expenses = _open_registrations(
        Expense, Expense.quantity, Expense.unit_price, workspace_id=ws, f=f, name="open_expenses"
    )
    trips = _open_registrations(
        Trip, Trip.distance_km, Trip.rate, workspace_id=ws, f=f, name="open_trips"
    )

    line, invoice = InvoiceLine, Invoice
    fixed = (
        select(line.project_id.label("project_id"), func.sum(line.amount).label("invoiced"))
        .join(invoice, invoice.id == line.invoice_id)
        .where(
            line.workspace_id == workspace_id,
            line.project_id.is_not(None),
            line.kind == LineKind.FIXED_PRICE,
            invoice.status.not_in(DEAD_STATUSES),
        )
        .group_by(line.project_id)
        .cte("fixed_invoiced")
    )
    # Subscription periods on released/failed invoices that no live invoice covers.
    live_line, live_invoice = aliased(InvoiceLine), aliased(Invoice)
    covered = exists().where(
        live_invoice.id == live_line.invoice_id,
        live_line.project_id == line.project_id,
        live_line.kind == LineKind.SUBSCRIPTION,
        live_invoice.status.not_in(DEAD_STATUSES),
        live_line.period_start <= line.period_end,
        live_line.period_end >= line.period_start,
    )
    released = (
        select(
            line.project_id.label("project_id"),
            # Same order in both arrays, so they pair up as (start, end).
            func.array_agg(aggregate_order_by(line.period_start, line.id)).label("starts"),
            func.array_agg(aggregate_order_by(line.period_end, line.id)).label("ends"),
        )
        .join(invoice, invoice.id == line.invoice_id)
        .where(
            line.workspace_id == workspace_id,
            line.project_id.is_not(None),
            line.kind == LineKind.SUBSCRIPTION,
            line.period_start.is_not(None),
            line.period_end.is_not(None),
            invoice.status.in_(DEAD_STATUSES),
            ~covered,
        )
        .group_by(line.project_id)
        .cte("released_periods")
    )

    by_registration = Project.billing_method.not_in(PRICED_METHODS)
    stmt = (
        select(
            Project,
            Customer,
            hours.c.quantity.label("hours"),
            hours.c.amount.label("hours_amount"),
            hours.c.count.label("time_entry_count"),
            expenses.c.amount.label("expenses_amount"),
            expenses.c.count.label("expense_count"),
            trips.c.quantity.label("trip_distance"),
            trips.c.amount.label("trips_amount"),
            trips.c.count.label("trip_count"),
            fixed.c.invoiced.label("fixed_invoiced"),
            released.c.starts.label("released_starts"),
            released.c.ends.label("released_ends"),
        )
        .join(Customer, Customer.id == Project.customer_id)
        .outerjoin(hours, and_(hours.c.project_id == Project.id, by_registration))
        .outerjoin(expenses, and_(expenses.c.project_id == Project.id, by_registration))
        .outerjoin(trips, and_(trips.c.project_id == Project.id, by_registration))
        .outerjoin(fixed, fixed.c.project_id == Project.id)
        .outerjoin(released, released.c.project_id == Project.id)
        .where(
            Project.workspace_id == workspace_id,
            or_(
                hours.c.project_id.is_not(None),
                expenses.c.project_id.is_not(None),
                trips.c.project_id.is_not(None),
                Project.billing_method.in_(PRICED_METHODS),
            ),
        )
        .order_by(Customer.name, Customer.id, Project.name, Project.id)
    )
    if f.customer_ids:
        stmt = stmt.where(Project.customer_id.in_(f.customer_ids))
    if f.project_ids:
        stmt = stmt.where(Project.id.in_(f.project_ids))
    if f.billing_methods:
        stmt = stmt.where(Project.billing_method.in_(f.billing_methods))
    return stmt


def subscription_of(project: Project) -> Subscription | None:
    """The project's subscription terms, or None when it has no (complete) subscription."""
    if (
        project.billing_method is not BillingMethod.SUBSCRIPTION
        or project.subscription_amount is None
        or project.subscription_interval is None
        or project.subscription_start_date is None
    ):
        return None
    return Subscription(
        amount=project.subscription_amount,
        interval=project.subscription_interval,
        start=project.subscription_start_date,
        end=project.subscription_end_date,
    )


def project_due(
    project: Project,
    *,
    until: dt.date,
    fixed_invoiced: Decimal | None,
    released: Sequence[tuple[dt.date, dt.date]],
) -> tuple[FixedPriceDue | None, list[Period]]:
    """What the project's fixed price and subscription have due by ``until``."""
    fixed: FixedPriceDue | None = None
    if project.billing_method is BillingMethod.FIXED_PRICE and project.fixed_price is not None:
        fixed = fixed_price_due(
            project.fixed_price,
            project.fixed_price_instalments,
            start=project.start_date,
            end=project.end_date,
            invoiced=fixed_invoiced or ZERO,
            until=until,
        )
    periods: list[Period] = []
    subscription = subscription_of(project)
    if subscription is not None:
        periods = due_periods(
            subscription,
            billed_until=project.subscription_billed_until,
            until=until,
            released=released,
        )
    return fixed, periods


def _decimal(value: Any) -> Decimal:
    return Decimal(value) if value is not None else ZERO


def _row(record: Any, until: dt.date) -> UnbilledRow:
    project: Project = record.Project
    released = list(zip(record.released_starts or (), record.released_ends or (), strict=True))
    fixed, periods = project_due(
        project, until=until, fixed_invoiced=record.fixed_invoiced, released=released
    )
    return UnbilledRow(
        project=project,
        customer=record.Customer,
        hours=_decimal(record.hours),
        hours_amount=_decimal(record.hours_amount),
        time_entry_count=int(record.time_entry_count or 0),
        expenses_amount=_decimal(record.expenses_amount),
        expense_count=int(record.expense_count or 0),
        trip_distance=_decimal(record.trip_distance),
        trips_amount=_decimal(record.trips_amount),
        trip_count=int(record.trip_count or 0),
        fixed_price=fixed,
        periods=periods,
    )


async def unbilled_rows(
    session: AsyncSession, workspace_id: int, f: UnbilledFilter
) -> list[UnbilledRow]:
    """Every project row with something to bill (one statement)."""
    records = (await session.execute(report_statement(workspace_id, f))).all()
    rows = [_row(record, f.until) for record in records]
    return [row for row in rows if row.has_something]


async def unbilled_report(
    session: AsyncSession, workspace_id: int, f: UnbilledFilter
) -> UnbilledReport:
    """The report: rows and customer totals (one statement)."""
    rows = await unbilled_rows(session, workspace_id, f)
    customers: dict[int, CustomerTotal] = {}
    for row in rows:
        customers.setdefault(row.customer.id, CustomerTotal(row.customer)).add(row)
    return UnbilledReport(until=f.until, rows=rows, customers=list(customers.values()))
