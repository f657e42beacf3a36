"""GraphQL object types of the time-tracking domain: views over the domain's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import strawberry
from sqlalchemy import Text, cast, func, or_
from strawberry import Parent
from strawberry.relay import NodeID

from graphql_api import models
from graphql_api.services.domain.registrations import TimeEntryTotals
from resolvers import relations, results
from resolvers.context import Info
from resolvers.ids import global_id
from schema.proof.types import ExpenseReceipt
from schema.relay import Node
from schema.tenancy.types import User
from schema.views import Columns, computed, interface, result_type, row_type, to_one

CENT = Decimal("0.01")
AMOUNT = "Quantity × price rounded half-up to cents (also when not billable)."


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    """Quantity × price rounded half-up to cents: what an invoice line will show."""
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount_sql(quantity: str, price: str) -> Callable[[Columns], Any]:
    """``line_amount`` of two columns in SQL, as its text (PostgreSQL's ``round`` of a
    numeric rounds half away from zero, as ROUND_HALF_UP does)."""
    return lambda column: cast(func.round(column(quantity) * column(price), 2), Text)


def _locked_sql(column: Columns) -> Any:
    invoiced = column("status") == models.RegistrationStatus.INVOICED.name
    return or_(invoiced, column("invoice_line_id").is_not(None))


@row_type(models.Customer, description="A customer of the workspace; invoices go to customers.")
class Customer(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="Name (company or person).")
    customer_number: str | None = strawberry.field(
        description="Unique in the workspace when set; matches the WeFact debtor code."
    )
    email: str | None = strawberry.field(description="E-mail address invoices go to.")
    phone: str | None = strawberry.field(description="Phone number.")
    street: str | None = strawberry.field(description="Street and house number.")
    zip_code: str | None = strawberry.field(description="Postal code.")
    city: str | None = strawberry.field(description="City.")
    country: str | None = strawberry.field(description="Two-letter ISO country code, e.g. NL.")
    vat_number: str | None = strawberry.field(description="VAT identification number.")
    coc_number: str | None = strawberry.field(description="Chamber-of-commerce number.")
    hourly_rate: Decimal | None = strawberry.field(
        description="Rate for hours on projects billed at the customer's rate."
    )
    mileage_rate: Decimal | None = strawberry.field(
        description="Rate per km for trips; the workspace default applies when null."
    )
    payment_term_days: int | None = strawberry.field(description="Days until invoices are due.")
    notes: str | None = strawberry.field(description="Internal notes.")
    archived: bool = strawberry.field(description="Archived customers are hidden from pickers.")
    wefact_debtor_code: str | None = strawberry.field(
        description="Debtor code of this customer in WeFact/HostFact, once linked."
    )
    wefact_identifier: str | None = strawberry.field(
        description="Internal identifier of the debtor in WeFact/HostFact, once linked."
    )
    wefact_synced_at: dt.datetime | None = strawberry.field(
        description="When the customer was last synchronised with WeFact/HostFact."
    )
    details_complete: bool = strawberry.field(
        description=(
            "False while the customer's full record (address, country, phone, VAT and "
            "chamber-of-commerce numbers) is still to be read from WeFact/HostFact: an import "
            "creates customers from the debtor list (number, name, e-mail) and reads the rest "
            "in the background afterwards. Invoicing does not wait for it. True for customers "
            "not linked to a debtor."
        )
    )
    created_at: dt.datetime = strawberry.field(description="When the customer was created.")
    updated_at: dt.datetime = strawberry.field(description="When the customer last changed.")


@row_type(models.Activity, description="A kind of work, e.g. design or consultancy.")
class Activity(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="Name.")
    hourly_rate: Decimal | None = strawberry.field(
        description="Rate for hours on projects billed at the activity's rate."
    )
    billable: bool = strawberry.field(description="Whether hours of this activity are billed.")
    wefact_product_code: str | None = strawberry.field(
        description="WeFact product its hours are invoiced with; the default product when null."
    )
    archived: bool = strawberry.field(description="Archived activities are hidden from pickers.")
    created_at: dt.datetime = strawberry.field(description="When the activity was created.")
    updated_at: dt.datetime = strawberry.field(description="When the activity last changed.")


@row_type(models.ExpenseCategory, description="A kind of expense, e.g. materials or parking.")
class ExpenseCategory(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="Name.")
    wefact_product_code: str | None = strawberry.field(
        description="WeFact product its expenses are invoiced with; the default when null."
    )
    archived: bool = strawberry.field(description="Archived categories are hidden from pickers.")
    created_at: dt.datetime = strawberry.field(description="When the category was created.")
    updated_at: dt.datetime = strawberry.field(description="When the category last changed.")


@row_type(
    models.ProjectActivity,
    description="An activity enabled on a project, with an optional rate override.",
)
class ProjectActivity:
    hourly_rate: Decimal | None = strawberry.field(
        description="Overrides the activity's rate on HOURLY_ACTIVITY_RATE projects when set."
    )
    billable: bool = strawberry.field(
        description="Whether hours of this activity are billed on this project."
    )
    activity = to_one(models.Activity, "activity_id", Activity, description="The activity.")


@row_type(models.Project, description="Work for one customer, billed by one billing method.")
class Project(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="Name.")
    code: str | None = strawberry.field(
        description=(
            "Short code or reference. In a mutation result next to `... on Error { code }`, "
            "select it under an alias (e.g. `projectCode: code`): GraphQL forbids one name "
            "with two types."
        )
    )
    billing_method: models.BillingMethod = strawberry.field(
        description="How the project is billed; decides the rate snapshot of its hours."
    )
    hourly_rate: Decimal | None = strawberry.field(
        description="Rate for hours when billed HOURLY_PROJECT_RATE."
    )
    fixed_price: Decimal | None = strawberry.field(description="Total price when FIXED_PRICE.")
    fixed_price_instalments: int | None = strawberry.field(
        description="In how many instalments the fixed price is invoiced (1 when null)."
    )
    subscription_amount: Decimal | None = strawberry.field(
        description="Amount per period when SUBSCRIPTION."
    )
    subscription_interval: models.SubscriptionInterval | None = strawberry.field(
        description="Length of one subscription period."
    )
    subscription_start_date: dt.date | None = strawberry.field(
        description="First day of the first subscription period."
    )
    subscription_end_date: dt.date | None = strawberry.field(
        description="Last day of the subscription; open-ended when null."
    )
    budget_hours: Decimal | None = strawberry.field(description="Budgeted hours.")
    budget_amount: Decimal | None = strawberry.field(description="Budgeted amount excl. VAT.")
    start_date: dt.date | None = strawberry.field(description="When the project starts.")
    end_date: dt.date | None = strawberry.field(description="When the project ends.")
    restrict_activities: bool = strawberry.field(
        description="When true, hours may only be written on the project's own activities."
    )
    wefact_product_code: str | None = strawberry.field(
        description="FIXED_PRICE and SUBSCRIPTION: the WeFact product (and so the VAT rate) "
        "its price or subscription periods are invoiced with; the default product when null."
    )
    archived: bool = strawberry.field(
        description="Archived projects take no new registrations and are hidden from pickers."
    )
    created_at: dt.datetime = strawberry.field(description="When the project was created.")
    updated_at: dt.datetime = strawberry.field(description="When the project last changed.")
    customer = to_one(
        models.Customer, "customer_id", Customer, description="The customer the project is for."
    )

    @strawberry.field(
        graphql_type=list[ProjectActivity],
        description="Activities enabled on this project, with their rate overrides, by name.",
    )
    @staticmethod
    async def activities(
        root: Parent[models.Project], info: Info
    ) -> list[models.ProjectActivity]:
        return await relations.project_activities(info, root.id)


@interface(description="What hours, expenses and trips share.")
class Registration(Node):
    id: NodeID[int]
    date: dt.date = strawberry.field(description="The day it happened.")
    billable: bool = strawberry.field(description="Whether it is invoiced to the customer.")
    status: models.RegistrationStatus = strawberry.field(
        description="OPEN, or INVOICED once an invoice confirmed it."
    )

    @computed(
        "status",
        "invoice_line_id",
        description="True when invoiced or reserved for a pending invoice: it cannot change.",
        sql=_locked_sql,
    )
    @staticmethod
    def locked(root: Parent[models.TimeEntry | models.Expense | models.Trip]) -> bool:
        return root.status is models.RegistrationStatus.INVOICED or root.invoice_line_id is not None

    # Each kind computes it from its own quantity and price.
    amount: Decimal = strawberry.field(description=AMOUNT)
    created_at: dt.datetime = strawberry.field(description="When it was registered.")
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")
    invoice_line = to_one(
        models.InvoiceLine,
        "invoice_line_id",
        "InvoiceLine",
        module="schema.invoicing.types",
        nullable=True,
        description="The invoice line that covers it: set while an invoice is being made "
        "(reserved) and once invoiced; null while open. Owners, admins and managers only.",
    )
    user = to_one(
        models.User, "user_id", User, description="Who registered it (whose work or cost it is)."
    )
    project = to_one(
        models.Project, "project_id", Project, description="The project it belongs to."
    )


@row_type(models.TimeEntry, description="Hours worked on a project.")
class TimeEntry(Registration):
    start_time: dt.time | None = strawberry.field(description="When the work started, if known.")
    end_time: dt.time | None = strawberry.field(description="When the work ended, if known.")
    hours: Decimal = strawberry.field(description="Hours worked (more than 0, at most 24).")
    notes: str | None = strawberry.field(description="What was done.")
    rate: Decimal = strawberry.field(
        description=(
            "Hourly rate snapshot, taken from the billing method when the entry was made or its "
            "project, activity or user changed; later rate changes do not rewrite it. Always 0 "
            "(and the entry not billable) on FIXED_PRICE, SUBSCRIPTION and NON_BILLABLE projects."
        )
    )
    activity = to_one(
        models.Activity, "activity_id", Activity, description="The kind of work."
    )

    @computed(
        "hours", "rate",
        description=AMOUNT,
        sql=line_amount_sql("hours", "rate"),
    )
    @staticmethod
    def amount(root: Parent[models.TimeEntry]) -> Decimal:
        return line_amount(root.hours, root.rate)


@row_type(
    models.Expense,
    description="A cost made for a project, re-invoiced as quantity × unit price.",
)
class Expense(Registration):
    description: str = strawberry.field(description="What was bought or paid.")
    quantity: Decimal = strawberry.field(description="How many units (two decimals).")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT.")
    category = to_one(
        models.ExpenseCategory, "category_id", ExpenseCategory,
        description="The kind of expense.",
    )

    @computed(
        "quantity", "unit_price",
        description=AMOUNT,
        sql=line_amount_sql("quantity", "unit_price"),
    )
    @staticmethod
    def amount(root: Parent[models.Expense]) -> Decimal:
        return line_amount(root.quantity, root.unit_price)

    @strawberry.field(
        graphql_type=ExpenseReceipt | None,
        description="Its receipt (PDF, JPEG or PNG), if one was uploaded; attached to the "
        "invoice in WeFact when invoicing asks for receipts.",
    )
    @staticmethod
    async def receipt(root: Parent[models.Expense], info: Info) -> models.ExpenseReceipt | None:
        return await relations.expense_receipt(info, root.id)


@row_type(
    models.Trip, description="A journey for a project, invoiced as distance × rate per km."
)
class Trip(Registration):
    from_address: str = strawberry.field(description="Where the trip started.")
    to_address: str = strawberry.field(description="Where the trip went.")
    distance_km: Decimal = strawberry.field(description="Distance in km (two decimals).")
    rate: Decimal = strawberry.field(
        description=(
            "Rate per km snapshot: the customer's mileage rate, else the workspace default, "
            "taken when the trip was made or its project changed."
        )
    )

    @computed(
        "distance_km", "rate",
        description=AMOUNT,
        sql=line_amount_sql("distance_km", "rate"),
    )
    @staticmethod
    def amount(root: Parent[models.Trip]) -> Decimal:
        return line_amount(root.distance_km, root.rate)


@result_type(TimeEntryTotals, description="Totals of the time entries matching a filter.")
class TimeEntrySummary:
    entry_count: int = strawberry.field(description="Number of entries.")
    hours: Decimal = strawberry.field(description="Total hours.")
    billable_hours: Decimal = strawberry.field(description="Total hours of billable entries.")
    amount: Decimal = strawberry.field(
        description=(
            "Total of billable entries: per entry hours × rate rounded half-up to cents, summed."
        )
    )


@result_type(results.Deleted, description="What a delete removed.")
class Deleted:
    @strawberry.field(description="Global id of the deleted object.")
    @staticmethod
    def id(root: Parent[results.Deleted]) -> strawberry.ID:
        return strawberry.ID(global_id(root.type_name, root.pk))


@result_type(
    results.TimeEntryList, description="The time entries a bulk create stored, in input order."
)
class TimeEntryList:
    time_entries: list[models.TimeEntry] = strawberry.field(
        graphql_type=list[TimeEntry], description="The new entries."
    )
