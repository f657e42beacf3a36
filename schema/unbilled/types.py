"""GraphQL types of the Unbilled report, invoicing from it, and the invoice status sync."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_api.services.unbilled import CustomerTotal, UnbilledReport, UnbilledRow
from schema.domain.enums import BillingMethod
from schema.errors import ConflictError, InvalidInputError
from schema.invoicing.types import InvoiceOptionsInput, InvoiceRun
from schema.runs.types import Run
from schema.wefact.types import WefactConnectionError

if TYPE_CHECKING:
    from schema.domain.types import Customer, Project

CustomerRef = Annotated["Customer", strawberry.lazy("schema.domain.types")]
ProjectRef = Annotated["Project", strawberry.lazy("schema.domain.types")]


@strawberry.input(description="Which projects the Unbilled report covers, up to which date.")
class UnbilledFilter:
    until: dt.date = strawberry.field(
        description="Bill up to and including this date: registrations dated on or before it, "
        "subscription periods starting on or before it, instalments due on or before it."
    )
    customer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only projects of these customers (global ids)."
    )
    project_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these projects (global ids)."
    )
    billing_methods: list[BillingMethod] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only projects billed by one of these methods."
    )


@strawberry.type(description="A subscription period that is due (billed in advance).")
class SubscriptionPeriod:
    start: dt.date = strawberry.field(description="First day of the period.")
    end: dt.date = strawberry.field(
        description="Last day of the period (cut off at the subscription's end date)."
    )
    amount: Decimal = strawberry.field(
        description="The subscription amount; pro rata by days when the period is cut off."
    )
    pro_rata: bool = strawberry.field(
        description="True when only part of the period is billed (end date, or billed "
        "before up to a day inside it)."
    )


@strawberry.type(description="One project with something to bill up to the report's date.")
class UnbilledProject:
    billing_method: BillingMethod = strawberry.field(  # type: ignore[valid-type]
        description="How the project is billed."
    )
    hours: Decimal = strawberry.field(
        description="Open billable hours (hourly projects only; fixed-price and subscription "
        "projects bill their price or periods instead)."
    )
    hours_amount: Decimal = strawberry.field(
        description="Their amount: per entry hours × rate, rounded half-up to cents, summed."
    )
    time_entry_count: int = strawberry.field(description="How many open billable time entries.")
    expenses_amount: Decimal = strawberry.field(
        description="Open billable expenses: per expense quantity × unit price, rounded, summed."
    )
    expense_count: int = strawberry.field(description="How many open billable expenses.")
    trip_distance: Decimal = strawberry.field(description="Kilometres of open billable trips.")
    trips_amount: Decimal = strawberry.field(
        description="Open billable trips: per trip km × rate, rounded, summed."
    )
    trip_count: int = strawberry.field(description="How many open billable trips.")
    fixed_price: Decimal | None = strawberry.field(
        description="The project's fixed price (null unless FIXED_PRICE)."
    )
    fixed_price_invoiced: Decimal | None = strawberry.field(
        description="Fixed price on invoices that were not released or failed."
    )
    fixed_price_remaining: Decimal | None = strawberry.field(
        description="Fixed price minus what was invoiced."
    )
    fixed_price_due: Decimal | None = strawberry.field(
        description="What to invoice now: the remaining price, or with instalments the "
        "instalments due by the date minus what was invoiced."
    )
    fixed_price_instalments: int | None = strawberry.field(
        description="In how many instalments the price is invoiced (1 without instalments, "
        "or when the project lacks a start or end date to spread them over)."
    )
    fixed_price_instalments_due: int | None = strawberry.field(
        description="How many instalments are due by the date (evenly spread from the "
        "project's start to its end date; the first at the start)."
    )
    subscription_periods_due: list[SubscriptionPeriod] = strawberry.field(
        description="Subscription periods due by the date, oldest first (empty unless "
        "SUBSCRIPTION)."
    )
    subscription_amount: Decimal = strawberry.field(
        description="The due periods together."
    )
    subscription_billed_until: dt.date | None = strawberry.field(
        description="Last day of the subscription billed so far."
    )
    total: Decimal = strawberry.field(description="Everything to bill for the project.")
    project_pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]

    @strawberry.field(description="The project.")
    async def project(self, info: strawberry.Info) -> ProjectRef:
        from resolvers.unbilled import resolve_project

        return await resolve_project(info, self.project_pk)

    @strawberry.field(description="The project's customer.")
    async def customer(self, info: strawberry.Info) -> CustomerRef:
        from resolvers.unbilled import resolve_customer

        return await resolve_customer(info, self.customer_pk)

    @classmethod
    def from_service(cls, row: UnbilledRow) -> UnbilledProject:
        fixed = row.fixed_price
        return cls(
            billing_method=row.project.billing_method,
            hours=row.hours,
            hours_amount=row.hours_amount,
            time_entry_count=row.time_entry_count,
            expenses_amount=row.expenses_amount,
            expense_count=row.expense_count,
            trip_distance=row.trip_distance,
            trips_amount=row.trips_amount,
            trip_count=row.trip_count,
            fixed_price=fixed.price if fixed else None,
            fixed_price_invoiced=fixed.invoiced if fixed else None,
            fixed_price_remaining=fixed.remaining if fixed else None,
            fixed_price_due=fixed.due if fixed else None,
            fixed_price_instalments=fixed.instalments if fixed else None,
            fixed_price_instalments_due=fixed.instalments_due if fixed else None,
            subscription_periods_due=[
                SubscriptionPeriod(
                    start=p.start, end=p.end, amount=p.amount, pro_rata=not p.full
                )
                for p in row.periods
            ],
            subscription_amount=row.subscription_amount,
            subscription_billed_until=row.project.subscription_billed_until,
            total=row.total,
            project_pk=row.project.id,
            customer_pk=row.customer.id,
        )


@strawberry.type(description="What one customer has to bill, over the report's projects.")
class UnbilledCustomerTotal:
    hours_amount: Decimal = strawberry.field(description="Open hours.")
    expenses_amount: Decimal = strawberry.field(description="Open expenses.")
    trips_amount: Decimal = strawberry.field(description="Open trips.")
    fixed_price_amount: Decimal = strawberry.field(description="Fixed prices due.")
    subscription_amount: Decimal = strawberry.field(description="Subscription periods due.")
    project_count: int = strawberry.field(description="Projects with something to bill.")
    total: Decimal = strawberry.field(description="Everything to bill for the customer.")
    customer_pk: strawberry.Private[int]

    @strawberry.field(description="The customer.")
    async def customer(self, info: strawberry.Info) -> CustomerRef:
        from resolvers.unbilled import resolve_customer

        return await resolve_customer(info, self.customer_pk)

    @classmethod
    def from_service(cls, total: CustomerTotal) -> UnbilledCustomerTotal:
        return cls(
            hours_amount=total.hours_amount,
            expenses_amount=total.expenses_amount,
            trips_amount=total.trips_amount,
            fixed_price_amount=total.fixed_price_amount,
            subscription_amount=total.subscription_amount,
            project_count=total.projects,
            total=total.total,
            customer_pk=total.customer.id,
        )


@strawberry.type(
    description="Everything there is to bill up to a date: one row per project with something "
    "to bill, and per customer the totals. Amounts exclude VAT."
)
class Unbilled:
    until: dt.date = strawberry.field(description="The date the report bills up to.")
    projects: list[UnbilledProject] = strawberry.field(
        description="Projects with something to bill, by customer name, then project name."
    )
    customers: list[UnbilledCustomerTotal] = strawberry.field(
        description="Per customer the totals of its projects, by customer name."
    )
    total: Decimal = strawberry.field(description="Everything to bill.")

    @classmethod
    def from_service(cls, report: UnbilledReport) -> Unbilled:
        return cls(
            until=report.until,
            projects=[UnbilledProject.from_service(row) for row in report.rows],
            customers=[UnbilledCustomerTotal.from_service(c) for c in report.customers],
            total=report.total,
        )


@strawberry.input(description="Projects to invoice from the Unbilled report.")
class InvoiceUnbilledInput:
    project_ids: list[strawberry.ID] = strawberry.field(
        description="Global ids of the projects (at most 100): hourly projects bill their "
        "open billable hours, expenses and trips up to `until`; fixed-price projects their "
        "price due; subscriptions their due periods."
    )
    until: dt.date = strawberry.field(description="Bill up to and including this date.")
    options: InvoiceOptionsInput | None = strawberry.field(
        default=None,
        description="How to invoice (mode, grouping of hours, per project, date, term, ...).",
    )


InvoiceUnbilledResult = Annotated[
    InvoiceRun | InvalidInputError | ConflictError | WefactConnectionError,
    strawberry.union(
        "InvoiceUnbilledResult",
        description="The invoice run (finished, or in progress after a few seconds), or why "
        "not. NOTHING_TO_INVOICE (InvalidInputError) when the projects have nothing due.",
    ),
]

SyncInvoiceStatusesResult = Annotated[
    Run | ConflictError | WefactConnectionError,
    strawberry.union(
        "SyncInvoiceStatusesResult",
        description="The status sync run (finished, or in progress after a few seconds), or "
        "why it could not start.",
    ),
]
