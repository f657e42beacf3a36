"""GraphQL types of the Unbilled report (views over the report's rows), invoicing from it, and
the invoice status sync."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import Parent

from graphql_api import models
from graphql_api.services.unbilled import CustomerTotal, Period, UnbilledReport, UnbilledRow
from schema.domain.types import Customer, Project
from schema.errors import ConflictError, InvalidInputError, WefactConnectionError
from schema.invoicing.types import InvoiceOptionsInput, InvoiceRun
from schema.runs.types import Run
from schema.views import computed, result_type


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
    billing_methods: list[models.BillingMethod] | None = strawberry.field(
        default=None, description="Only projects billed by one of these methods."
    )


@result_type(Period, description="A subscription period that is due (billed in advance).")
class SubscriptionPeriod:
    start: dt.date = strawberry.field(description="First day of the period.")
    end: dt.date = strawberry.field(
        description="Last day of the period (cut off at the subscription's end date)."
    )
    amount: Decimal = strawberry.field(
        description="The subscription amount; pro rata by days when the period is cut off."
    )

    @computed(
        "full",
        description="True when only part of the period is billed (end date, or billed "
        "before up to a day inside it).",
    )
    @staticmethod
    def pro_rata(root: Parent[Period]) -> bool:
        return not root.full


@result_type(
    UnbilledRow, description="One project with something to bill up to the report's date."
)
class UnbilledProject:
    @computed("project", description="How the project is billed.")
    @staticmethod
    def billing_method(root: Parent[UnbilledRow]) -> models.BillingMethod:
        return root.project.billing_method

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

    @computed("fixed_price", description="The project's fixed price (null unless FIXED_PRICE).")
    @staticmethod
    def fixed_price(root: Parent[UnbilledRow]) -> Decimal | None:
        return root.fixed_price.price if root.fixed_price else None

    @computed(
        "fixed_price", description="Fixed price on invoices that were not released or failed."
    )
    @staticmethod
    def fixed_price_invoiced(root: Parent[UnbilledRow]) -> Decimal | None:
        return root.fixed_price.invoiced if root.fixed_price else None

    @computed("fixed_price", description="Fixed price minus what was invoiced.")
    @staticmethod
    def fixed_price_remaining(root: Parent[UnbilledRow]) -> Decimal | None:
        return root.fixed_price.remaining if root.fixed_price else None

    @computed(
        "fixed_price",
        description="What to invoice now: the remaining price, or with instalments the "
        "instalments due by the date minus what was invoiced.",
    )
    @staticmethod
    def fixed_price_due(root: Parent[UnbilledRow]) -> Decimal | None:
        return root.fixed_price.due if root.fixed_price else None

    @computed(
        "fixed_price",
        description="In how many instalments the price is invoiced (1 without instalments, "
        "or when the project lacks a start or end date to spread them over).",
    )
    @staticmethod
    def fixed_price_instalments(root: Parent[UnbilledRow]) -> int | None:
        return root.fixed_price.instalments if root.fixed_price else None

    @computed(
        "fixed_price",
        description="How many instalments are due by the date (evenly spread from the "
        "project's start to its end date; the first at the start).",
    )
    @staticmethod
    def fixed_price_instalments_due(root: Parent[UnbilledRow]) -> int | None:
        return root.fixed_price.instalments_due if root.fixed_price else None

    periods: list[Period] = strawberry.field(
        name="subscriptionPeriodsDue",
        graphql_type=list[SubscriptionPeriod],
        description="Subscription periods due by the date, oldest first (empty unless "
        "SUBSCRIPTION).",
    )
    subscription_amount: Decimal = strawberry.field(description="The due periods together.")

    @computed("project", description="Last day of the subscription billed so far.")
    @staticmethod
    def subscription_billed_until(root: Parent[UnbilledRow]) -> dt.date | None:
        return root.project.subscription_billed_until

    total: Decimal = strawberry.field(description="Everything to bill for the project.")
    project: models.Project = strawberry.field(graphql_type=Project, description="The project.")
    customer: models.Customer = strawberry.field(
        graphql_type=Customer, description="The project's customer."
    )


@result_type(
    CustomerTotal, description="What one customer has to bill, over the report's projects."
)
class UnbilledCustomerTotal:
    hours_amount: Decimal = strawberry.field(description="Open hours.")
    expenses_amount: Decimal = strawberry.field(description="Open expenses.")
    trips_amount: Decimal = strawberry.field(description="Open trips.")
    fixed_price_amount: Decimal = strawberry.field(description="Fixed prices due.")
    subscription_amount: Decimal = strawberry.field(description="Subscription periods due.")
    projects: int = strawberry.field(
        name="projectCount", description="Projects with something to bill."
    )
    total: Decimal = strawberry.field(description="Everything to bill for the customer.")
    customer: models.Customer = strawberry.field(
        graphql_type=Customer, description="The customer."
    )


@result_type(
    UnbilledReport,
    description="Everything there is to bill up to a date: one row per project with something "
    "to bill, and per customer the totals. Amounts exclude VAT.",
)
class Unbilled:
    until: dt.date = strawberry.field(description="The date the report bills up to.")
    rows: list[UnbilledRow] = strawberry.field(
        name="projects",
        graphql_type=list[UnbilledProject],
        description="Projects with something to bill, by customer name, then project name.",
    )
    customers: list[CustomerTotal] = strawberry.field(
        graphql_type=list[UnbilledCustomerTotal],
        description="Per customer the totals of its projects, by customer name.",
    )
    total: Decimal = strawberry.field(description="Everything to bill.")


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
