"""GraphQL object types of the time-tracking domain; relations resolve through DataLoaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from graphql_api import models
from graphql_api.errors import NotFound
from resolvers.loaders import load_one, peek_converted, project_activities_by_project_loader
from schema.domain.enums import BillingMethod, RegistrationStatus, SubscriptionInterval
from schema.relay import Node, to_global_id
from schema.tenancy.types import User

if TYPE_CHECKING:
    from schema.invoicing.types import InvoiceLine

CENT = Decimal("0.01")
R = TypeVar("R")
T = TypeVar("T")


def line_amount(quantity: Decimal, price: Decimal) -> Decimal:
    """Quantity × price rounded half-up to cents: what an invoice line will show."""
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


async def _required(info: strawberry.Info, model: type[models.Base], pk: int, what: str) -> object:
    row = await load_one(info.context, model, pk)
    if row is None:  # cannot happen: foreign keys keep relations inside the workspace
        raise NotFound(f"{what} not found.")
    return row


def _relation(
    info: strawberry.Info, model: type[R], pk: int, what: str, convert: Callable[[R], T]
) -> Any:
    """The related object, synchronously when the request already holds its row (a list
    preloaded its page's relations), else an awaitable through the request's loader.

    Relation fields are sync resolvers returning this: graphql-core awaits what is awaitable,
    and a field that needs no ``await`` costs a fraction of one that does (hundreds per page).
    Returns ``T | Awaitable[T]``, typed ``Any`` because the field's annotation is ``T``. The
    object is shared by every parent pointing at the same row (it is never mutated).
    """
    converted = peek_converted(info.context, model, pk, convert)
    if converted is not None:
        return converted
    return _load_relation(info, model, pk, what, convert)


async def _load_relation(
    info: strawberry.Info, model: type[R], pk: int, what: str, convert: Callable[[R], T]
) -> T:
    row: Any = await _required(info, model, pk, what)  # type: ignore[arg-type]
    return convert(row)


@strawberry.type(description="A customer of the workspace; invoices go to customers.")
class Customer(Node):
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
    created_at: dt.datetime = strawberry.field(description="When the customer was created.")
    updated_at: dt.datetime = strawberry.field(description="When the customer last changed.")

    @classmethod
    def from_model(cls, row: models.Customer) -> Customer:
        return cls(
            id=to_global_id("Customer", row.id),
            name=row.name,
            customer_number=row.customer_number,
            email=row.email,
            phone=row.phone,
            street=row.street,
            zip_code=row.zip_code,
            city=row.city,
            country=row.country,
            vat_number=row.vat_number,
            coc_number=row.coc_number,
            hourly_rate=row.hourly_rate,
            mileage_rate=row.mileage_rate,
            payment_term_days=row.payment_term_days,
            notes=row.notes,
            archived=row.archived,
            wefact_debtor_code=row.wefact_debtor_code,
            wefact_identifier=row.wefact_identifier,
            wefact_synced_at=row.wefact_synced_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="A kind of work, e.g. design or consultancy.")
class Activity(Node):
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

    @classmethod
    def from_model(cls, row: models.Activity) -> Activity:
        return cls(
            id=to_global_id("Activity", row.id),
            name=row.name,
            hourly_rate=row.hourly_rate,
            billable=row.billable,
            wefact_product_code=row.wefact_product_code,
            archived=row.archived,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="A kind of expense, e.g. materials or parking.")
class ExpenseCategory(Node):
    name: str = strawberry.field(description="Name.")
    wefact_product_code: str | None = strawberry.field(
        description="WeFact product its expenses are invoiced with; the default when null."
    )
    archived: bool = strawberry.field(description="Archived categories are hidden from pickers.")
    created_at: dt.datetime = strawberry.field(description="When the category was created.")
    updated_at: dt.datetime = strawberry.field(description="When the category last changed.")

    @classmethod
    def from_model(cls, row: models.ExpenseCategory) -> ExpenseCategory:
        return cls(
            id=to_global_id("ExpenseCategory", row.id),
            name=row.name,
            wefact_product_code=row.wefact_product_code,
            archived=row.archived,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type(description="An activity enabled on a project, with an optional rate override.")
class ProjectActivity:
    hourly_rate: Decimal | None = strawberry.field(
        description="Overrides the activity's rate on HOURLY_ACTIVITY_RATE projects when set."
    )
    billable: bool = strawberry.field(
        description="Whether hours of this activity are billed on this project."
    )
    activity_pk: strawberry.Private[int]

    @strawberry.field(description="The activity.")
    def activity(self, info: strawberry.Info) -> Activity:
        return _relation(  # type: ignore[no-any-return]
            info, models.Activity, self.activity_pk, "Activity", Activity.from_model
        )

    @classmethod
    def from_model(cls, row: models.ProjectActivity) -> ProjectActivity:
        return cls(hourly_rate=row.hourly_rate, billable=row.billable, activity_pk=row.activity_id)


@strawberry.type(description="Work for one customer, billed by one billing method.")
class Project(Node):
    name: str = strawberry.field(description="Name.")
    code: str | None = strawberry.field(
        description=(
            "Short code or reference. In a mutation result next to `... on Error { code }`, "
            "select it under an alias (e.g. `projectCode: code`): GraphQL forbids one name "
            "with two types."
        )
    )
    billing_method: BillingMethod = strawberry.field(  # type: ignore[valid-type]
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
    subscription_interval: SubscriptionInterval | None = strawberry.field(  # type: ignore[valid-type]
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
    archived: bool = strawberry.field(
        description="Archived projects take no new registrations and are hidden from pickers."
    )
    created_at: dt.datetime = strawberry.field(description="When the project was created.")
    updated_at: dt.datetime = strawberry.field(description="When the project last changed.")
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]

    @strawberry.field(description="The customer the project is for.")
    def customer(self, info: strawberry.Info) -> Customer:
        return _relation(  # type: ignore[no-any-return]
            info, models.Customer, self.customer_pk, "Customer", Customer.from_model
        )

    @strawberry.field(
        description="Activities enabled on this project, with their rate overrides, by name."
    )
    async def activities(self, info: strawberry.Info) -> list[ProjectActivity]:
        rows = await project_activities_by_project_loader(info.context).load(self.pk)
        return [ProjectActivity.from_model(row) for row in rows]

    @classmethod
    def from_model(cls, row: models.Project) -> Project:
        return cls(
            id=to_global_id("Project", row.id),
            name=row.name,
            code=row.code,
            billing_method=row.billing_method,
            hourly_rate=row.hourly_rate,
            fixed_price=row.fixed_price,
            fixed_price_instalments=row.fixed_price_instalments,
            subscription_amount=row.subscription_amount,
            subscription_interval=row.subscription_interval,
            subscription_start_date=row.subscription_start_date,
            subscription_end_date=row.subscription_end_date,
            budget_hours=row.budget_hours,
            budget_amount=row.budget_amount,
            start_date=row.start_date,
            end_date=row.end_date,
            restrict_activities=row.restrict_activities,
            archived=row.archived,
            created_at=row.created_at,
            updated_at=row.updated_at,
            pk=row.id,
            customer_pk=row.customer_id,
        )


@strawberry.interface(description="What hours, expenses and trips share.")
class Registration(Node):
    date: dt.date = strawberry.field(description="The day it happened.")
    billable: bool = strawberry.field(description="Whether it is invoiced to the customer.")
    status: RegistrationStatus = strawberry.field(  # type: ignore[valid-type]
        description="OPEN, or INVOICED once an invoice confirmed it."
    )
    locked: bool = strawberry.field(
        description="True when invoiced or reserved for a pending invoice: it cannot change."
    )
    amount: Decimal = strawberry.field(
        description="Quantity × price rounded half-up to cents (also when not billable)."
    )
    created_at: dt.datetime = strawberry.field(description="When it was registered.")
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")
    user_pk: strawberry.Private[int]
    project_pk: strawberry.Private[int]
    invoice_line_pk: strawberry.Private[int | None]

    @strawberry.field(
        description="The invoice line that covers it: set while an invoice is being made "
        "(reserved) and once invoiced; null while open."
    )
    async def invoice_line(
        self, info: strawberry.Info
    ) -> Annotated[InvoiceLine, strawberry.lazy("schema.invoicing.types")] | None:
        from resolvers.invoicing import resolve_invoice_line

        return await resolve_invoice_line(info, self.invoice_line_pk)

    @strawberry.field(description="Who registered it (whose work or cost it is).")
    def user(self, info: strawberry.Info) -> User:
        return _relation(  # type: ignore[no-any-return]
            info, models.User, self.user_pk, "User", User.from_model
        )

    @strawberry.field(description="The project it belongs to.")
    def project(self, info: strawberry.Info) -> Project:
        return _relation(  # type: ignore[no-any-return]
            info, models.Project, self.project_pk, "Project", Project.from_model
        )


def _locked(row: models.TimeEntry | models.Expense | models.Trip) -> bool:
    return row.status is models.RegistrationStatus.INVOICED or row.invoice_line_id is not None


@strawberry.type(description="Hours worked on a project.")
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
    activity_pk: strawberry.Private[int]

    @strawberry.field(description="The kind of work.")
    def activity(self, info: strawberry.Info) -> Activity:
        return _relation(  # type: ignore[no-any-return]
            info, models.Activity, self.activity_pk, "Activity", Activity.from_model
        )

    @classmethod
    def from_model(cls, row: models.TimeEntry) -> TimeEntry:
        return cls(
            id=to_global_id("TimeEntry", row.id),
            date=row.date,
            billable=row.billable,
            status=row.status,
            locked=_locked(row),
            amount=line_amount(row.hours, row.rate),
            created_at=row.created_at,
            updated_at=row.updated_at,
            user_pk=row.user_id,
            project_pk=row.project_id,
            invoice_line_pk=row.invoice_line_id,
            start_time=row.start_time,
            end_time=row.end_time,
            hours=row.hours,
            notes=row.notes,
            rate=row.rate,
            activity_pk=row.activity_id,
        )


@strawberry.type(description="A cost made for a project, re-invoiced as quantity × unit price.")
class Expense(Registration):
    description: str = strawberry.field(description="What was bought or paid.")
    quantity: Decimal = strawberry.field(description="How many units (two decimals).")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT.")
    category_pk: strawberry.Private[int]

    @strawberry.field(description="The kind of expense.")
    def category(self, info: strawberry.Info) -> ExpenseCategory:
        return _relation(  # type: ignore[no-any-return]
            info, models.ExpenseCategory, self.category_pk, "Category",
            ExpenseCategory.from_model,
        )

    @classmethod
    def from_model(cls, row: models.Expense) -> Expense:
        return cls(
            id=to_global_id("Expense", row.id),
            date=row.date,
            billable=row.billable,
            status=row.status,
            locked=_locked(row),
            amount=line_amount(row.quantity, row.unit_price),
            created_at=row.created_at,
            updated_at=row.updated_at,
            user_pk=row.user_id,
            project_pk=row.project_id,
            invoice_line_pk=row.invoice_line_id,
            description=row.description,
            quantity=row.quantity,
            unit_price=row.unit_price,
            category_pk=row.category_id,
        )


@strawberry.type(description="A journey for a project, invoiced as distance × rate per km.")
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

    @classmethod
    def from_model(cls, row: models.Trip) -> Trip:
        return cls(
            id=to_global_id("Trip", row.id),
            date=row.date,
            billable=row.billable,
            status=row.status,
            locked=_locked(row),
            amount=line_amount(row.distance_km, row.rate),
            created_at=row.created_at,
            updated_at=row.updated_at,
            user_pk=row.user_id,
            project_pk=row.project_id,
            invoice_line_pk=row.invoice_line_id,
            from_address=row.from_address,
            to_address=row.to_address,
            distance_km=row.distance_km,
            rate=row.rate,
        )


@strawberry.type(description="Totals of the time entries matching a filter.")
class TimeEntrySummary:
    entry_count: int = strawberry.field(description="Number of entries.")
    hours: Decimal = strawberry.field(description="Total hours.")
    billable_hours: Decimal = strawberry.field(description="Total hours of billable entries.")
    amount: Decimal = strawberry.field(
        description=(
            "Total of billable entries: per entry hours × rate rounded half-up to cents, summed."
        )
    )


@strawberry.type(description="What a delete removed.")
class Deleted:
    id: strawberry.ID = strawberry.field(description="Global id of the deleted object.")


@strawberry.type(description="The time entries a bulk create stored, in input order.")
class TimeEntryList:
    time_entries: list[TimeEntry] = strawberry.field(description="The new entries.")
