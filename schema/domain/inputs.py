"""Inputs and filters of the time-tracking domain.

Update inputs leave out what they do not change: an omitted field keeps its value, an
explicit null clears it (where the field may be empty).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from graphql_api.errors import DomainError
from graphql_api.models import BillingMethod, RegistrationStatus, SubscriptionInterval
from graphql_api.services import commands
from graphql_api.services.domain.registrations import RegistrationFilter as RegistrationCriteria
from graphql_api.services.domain.registrations import check_bulk_size, indexed
from resolvers.ids import decode_id, optional_id
from schema.inputs import given, given_as, given_id

# ---------------------------------------------------------------- customers


@strawberry.input(description="A new customer.")
class CreateCustomerInput:
    name: str = strawberry.field(description="Name (company or person); cannot be empty.")
    customer_number: str | None = strawberry.field(
        default=None, description="Unique in the workspace; matches the WeFact debtor code."
    )
    email: str | None = strawberry.field(default=None, description="E-mail for invoices.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")
    street: str | None = strawberry.field(default=None, description="Street and house number.")
    zip_code: str | None = strawberry.field(default=None, description="Postal code.")
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(
        default=None, description="Two-letter ISO country code, e.g. NL."
    )
    vat_number: str | None = strawberry.field(default=None, description="VAT number.")
    coc_number: str | None = strawberry.field(
        default=None, description="Chamber-of-commerce number."
    )
    hourly_rate: Decimal | None = strawberry.field(
        default=None, description="Hourly rate (HOURLY_CUSTOMER_RATE projects); 2 decimals."
    )
    mileage_rate: Decimal | None = strawberry.field(
        default=None, description="Rate per km for trips; the workspace default when null."
    )
    payment_term_days: int | None = strawberry.field(
        default=None, description="Days until invoices are due (0–365)."
    )
    notes: str | None = strawberry.field(default=None, description="Internal notes.")

    def command(self) -> commands.CreateCustomer:
        """The service's command."""
        return commands.CreateCustomer(
            name=self.name,
            customer_number=self.customer_number,
            email=self.email,
            phone=self.phone,
            street=self.street,
            zip_code=self.zip_code,
            city=self.city,
            country=self.country,
            vat_number=self.vat_number,
            coc_number=self.coc_number,
            hourly_rate=self.hourly_rate,
            mileage_rate=self.mileage_rate,
            payment_term_days=self.payment_term_days,
            notes=self.notes,
        )


@strawberry.input(description="Changes to a customer; omitted fields stay as they are.")
class UpdateCustomerInput:
    id: strawberry.ID = strawberry.field(description="Global id of the customer.")
    name: strawberry.Maybe[str | None] = strawberry.field(description="Name; cannot be empty.")
    customer_number: strawberry.Maybe[str | None] = strawberry.field(
        description="Unique in the workspace; null clears it."
    )
    email: strawberry.Maybe[str | None] = strawberry.field(description="E-mail for invoices.")
    phone: strawberry.Maybe[str | None] = strawberry.field(description="Phone number.")
    street: strawberry.Maybe[str | None] = strawberry.field(description="Street and house number.")
    zip_code: strawberry.Maybe[str | None] = strawberry.field(description="Postal code.")
    city: strawberry.Maybe[str | None] = strawberry.field(description="City.")
    country: strawberry.Maybe[str | None] = strawberry.field(description="ISO country code.")
    vat_number: strawberry.Maybe[str | None] = strawberry.field(description="VAT number.")
    coc_number: strawberry.Maybe[str | None] = strawberry.field(
        description="Chamber-of-commerce number."
    )
    hourly_rate: strawberry.Maybe[Decimal | None] = strawberry.field(description="Hourly rate.")
    mileage_rate: strawberry.Maybe[Decimal | None] = strawberry.field(description="Rate per km.")
    payment_term_days: strawberry.Maybe[int | None] = strawberry.field(
        description="Days until invoices are due (0–365)."
    )
    notes: strawberry.Maybe[str | None] = strawberry.field(description="Internal notes.")

    def command(self) -> commands.UpdateCustomer:
        """The service's command: what was sent, the id decoded."""
        return commands.UpdateCustomer(
            id=decode_id(self.id, "Customer"),
            name=given(self.name),
            customer_number=given(self.customer_number),
            email=given(self.email),
            phone=given(self.phone),
            street=given(self.street),
            zip_code=given(self.zip_code),
            city=given(self.city),
            country=given(self.country),
            vat_number=given(self.vat_number),
            coc_number=given(self.coc_number),
            hourly_rate=given(self.hourly_rate),
            mileage_rate=given(self.mileage_rate),
            payment_term_days=given(self.payment_term_days),
            notes=given(self.notes),
        )


@strawberry.input(description="Archive or restore a customer.")
class ArchiveCustomerInput:
    id: strawberry.ID = strawberry.field(description="Global id of the customer.")
    archived: bool = strawberry.field(
        default=True, description="True archives (the default), false restores."
    )


@strawberry.input(description="Which customers to list.")
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None, description="Part of the name, customer number or e-mail."
    )
    archived: bool | None = strawberry.field(
        default=None, description="Only archived (true) or active (false) ones; both when null."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Only those changed at or after this moment."
    )


# ---------------------------------------------------------------- activities and categories


@strawberry.input(description="A new activity (kind of work).")
class CreateActivityInput:
    name: str = strawberry.field(description="Name; cannot be empty.")
    hourly_rate: Decimal | None = strawberry.field(
        default=None, description="Rate for HOURLY_ACTIVITY_RATE projects; 2 decimals."
    )
    billable: bool = strawberry.field(default=True, description="Whether its hours are billed.")
    wefact_product_code: str | None = strawberry.field(
        default=None, description="WeFact product to invoice its hours with."
    )

    def command(self) -> commands.CreateActivity:
        """The service's command."""
        return commands.CreateActivity(
            name=self.name,
            hourly_rate=self.hourly_rate,
            billable=self.billable,
            wefact_product_code=self.wefact_product_code,
        )


@strawberry.input(description="Changes to an activity; omitted fields stay as they are.")
class UpdateActivityInput:
    id: strawberry.ID = strawberry.field(description="Global id of the activity.")
    name: strawberry.Maybe[str | None] = strawberry.field(description="Name; cannot be empty.")
    hourly_rate: strawberry.Maybe[Decimal | None] = strawberry.field(description="Hourly rate.")
    billable: strawberry.Maybe[bool | None] = strawberry.field(
        description="Whether its hours are billed."
    )
    wefact_product_code: strawberry.Maybe[str | None] = strawberry.field(
        description="WeFact product to invoice its hours with; must be a synced product.",
    )
    archived: strawberry.Maybe[bool | None] = strawberry.field(
        description="Archive (true) or restore (false)."
    )

    def command(self) -> commands.UpdateActivity:
        """The service's command: what was sent, the id decoded."""
        return commands.UpdateActivity(
            id=decode_id(self.id, "Activity"),
            name=given(self.name),
            hourly_rate=given(self.hourly_rate),
            billable=given(self.billable),
            wefact_product_code=given(self.wefact_product_code),
            archived=given(self.archived),
        )


@strawberry.input(description="Which activities to list.")
class ActivityFilter:
    search: str | None = strawberry.field(default=None, description="Part of the name.")
    archived: bool | None = strawberry.field(
        default=None, description="Only archived (true) or active (false) ones; both when null."
    )
    billable: bool | None = strawberry.field(
        default=None, description="Only billable (true) or non-billable (false) ones."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Only those changed at or after this moment."
    )


@strawberry.input(description="A new expense category.")
class CreateExpenseCategoryInput:
    name: str = strawberry.field(description="Name; cannot be empty.")
    wefact_product_code: str | None = strawberry.field(
        default=None, description="WeFact product to invoice its expenses with."
    )

    def command(self) -> commands.CreateExpenseCategory:
        """The service's command."""
        return commands.CreateExpenseCategory(
            name=self.name, wefact_product_code=self.wefact_product_code
        )


@strawberry.input(description="Changes to an expense category; omitted fields stay.")
class UpdateExpenseCategoryInput:
    id: strawberry.ID = strawberry.field(description="Global id of the category.")
    name: strawberry.Maybe[str | None] = strawberry.field(description="Name; cannot be empty.")
    wefact_product_code: strawberry.Maybe[str | None] = strawberry.field(
        description="WeFact product to invoice its expenses with; must be a synced product.",
    )
    archived: strawberry.Maybe[bool | None] = strawberry.field(
        description="Archive (true) or restore (false)."
    )

    def command(self) -> commands.UpdateExpenseCategory:
        """The service's command: what was sent, the id decoded."""
        return commands.UpdateExpenseCategory(
            id=decode_id(self.id, "ExpenseCategory"),
            name=given(self.name),
            wefact_product_code=given(self.wefact_product_code),
            archived=given(self.archived),
        )


@strawberry.input(description="Which expense categories to list.")
class ExpenseCategoryFilter:
    search: str | None = strawberry.field(default=None, description="Part of the name.")
    archived: bool | None = strawberry.field(
        default=None, description="Only archived (true) or active (false) ones; both when null."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Only those changed at or after this moment."
    )


# ---------------------------------------------------------------- projects


@strawberry.input(description="An activity enabled on a project.")
class ProjectActivityInput:
    activity_id: strawberry.ID = strawberry.field(description="Global id of the activity.")
    hourly_rate: Decimal | None = strawberry.field(
        default=None, description="Overrides the activity's rate on this project."
    )
    billable: bool = strawberry.field(
        default=True, description="Whether its hours are billed on this project."
    )

    def spec(self, index: int) -> commands.ProjectActivitySpec:
        """The service's spec; errors name the list position (``activities[2].activityId``)."""
        return commands.ProjectActivitySpec(
            activity_id=decode_id(
                self.activity_id, "Activity", field=f"activities[{index}].activityId"
            ),
            hourly_rate=self.hourly_rate,
            billable=self.billable,
        )


@strawberry.input(description="A new project.")
class CreateProjectInput:
    customer_id: strawberry.ID = strawberry.field(description="Global id of the customer.")
    name: str = strawberry.field(description="Name; cannot be empty.")
    billing_method: BillingMethod = strawberry.field(
        description="How the project is billed."
    )
    code: str | None = strawberry.field(default=None, description="Short code or reference.")
    hourly_rate: Decimal | None = strawberry.field(
        default=None, description="Required for HOURLY_PROJECT_RATE."
    )
    fixed_price: Decimal | None = strawberry.field(
        default=None, description="Required for FIXED_PRICE."
    )
    fixed_price_instalments: int | None = strawberry.field(
        default=None, description="Invoice the fixed price in this many parts (1–120)."
    )
    subscription_amount: Decimal | None = strawberry.field(
        default=None, description="Amount per period; required for SUBSCRIPTION."
    )
    subscription_interval: SubscriptionInterval | None = strawberry.field(
        default=None, description="Period length; required for SUBSCRIPTION."
    )
    subscription_start_date: dt.date | None = strawberry.field(
        default=None, description="First day of the first period; required for SUBSCRIPTION."
    )
    subscription_end_date: dt.date | None = strawberry.field(
        default=None, description="Last day of the subscription; open-ended when null."
    )
    budget_hours: Decimal | None = strawberry.field(default=None, description="Budgeted hours.")
    budget_amount: Decimal | None = strawberry.field(
        default=None, description="Budgeted amount excl. VAT."
    )
    start_date: dt.date | None = strawberry.field(default=None, description="Start date.")
    end_date: dt.date | None = strawberry.field(
        default=None, description="End date; not before the start date."
    )
    restrict_activities: bool = strawberry.field(
        default=False, description="Only allow hours on the activities listed in `activities`."
    )
    activities: list[ProjectActivityInput] | None = strawberry.field(
        default=None, description="Activities enabled on the project, with rate overrides."
    )

    def command(self) -> commands.CreateProject:
        """The service's command, ids decoded."""
        return commands.CreateProject(
            customer_id=decode_id(self.customer_id, "Customer", field="customerId"),
            name=self.name,
            billing_method=self.billing_method,
            code=self.code,
            hourly_rate=self.hourly_rate,
            fixed_price=self.fixed_price,
            fixed_price_instalments=self.fixed_price_instalments,
            subscription_amount=self.subscription_amount,
            subscription_interval=self.subscription_interval,
            subscription_start_date=self.subscription_start_date,
            subscription_end_date=self.subscription_end_date,
            budget_hours=self.budget_hours,
            budget_amount=self.budget_amount,
            start_date=self.start_date,
            end_date=self.end_date,
            restrict_activities=self.restrict_activities,
            activities=_specs(self.activities),
        )


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class UpdateProjectInput:
    id: strawberry.ID = strawberry.field(description="Global id of the project.")
    customer_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Move the project to another customer."
    )
    name: strawberry.Maybe[str | None] = strawberry.field(description="Name; cannot be empty.")
    billing_method: strawberry.Maybe[BillingMethod | None] = strawberry.field(
        description="How the project is billed (existing hours keep their rate snapshot).",
    )
    code: strawberry.Maybe[str | None] = strawberry.field(description="Short code or reference.")
    hourly_rate: strawberry.Maybe[Decimal | None] = strawberry.field(description="Project rate.")
    fixed_price: strawberry.Maybe[Decimal | None] = strawberry.field(description="Fixed price.")
    fixed_price_instalments: strawberry.Maybe[int | None] = strawberry.field(
        description="Number of instalments (1–120)."
    )
    subscription_amount: strawberry.Maybe[Decimal | None] = strawberry.field(
        description="Amount per period."
    )
    subscription_interval: strawberry.Maybe[SubscriptionInterval | None] = strawberry.field(
        description="Period length."
    )
    subscription_start_date: strawberry.Maybe[dt.date | None] = strawberry.field(
        description="First day of the first period."
    )
    subscription_end_date: strawberry.Maybe[dt.date | None] = strawberry.field(
        description="Last day of the subscription."
    )
    budget_hours: strawberry.Maybe[Decimal | None] = strawberry.field(description="Budgeted hours.")
    budget_amount: strawberry.Maybe[Decimal | None] = strawberry.field(
        description="Budgeted amount excl. VAT."
    )
    start_date: strawberry.Maybe[dt.date | None] = strawberry.field(description="Start date.")
    end_date: strawberry.Maybe[dt.date | None] = strawberry.field(description="End date.")
    restrict_activities: strawberry.Maybe[bool | None] = strawberry.field(
        description="Only allow hours on the project's own activities."
    )
    activities: strawberry.Maybe[list[ProjectActivityInput] | None] = strawberry.field(
        description="Replaces the project's activities when given."
    )

    def command(self) -> commands.UpdateProject:
        """The service's command: what was sent, ids decoded."""
        return commands.UpdateProject(
            id=decode_id(self.id, "Project"),
            customer_id=given_id(self.customer_id, "Customer", field="customerId"),
            name=given(self.name),
            billing_method=given(self.billing_method),
            code=given(self.code),
            hourly_rate=given(self.hourly_rate),
            fixed_price=given(self.fixed_price),
            fixed_price_instalments=given(self.fixed_price_instalments),
            subscription_amount=given(self.subscription_amount),
            subscription_interval=given(self.subscription_interval),
            subscription_start_date=given(self.subscription_start_date),
            subscription_end_date=given(self.subscription_end_date),
            budget_hours=given(self.budget_hours),
            budget_amount=given(self.budget_amount),
            start_date=given(self.start_date),
            end_date=given(self.end_date),
            restrict_activities=given(self.restrict_activities),
            activities=given_as(self.activities, _specs),
        )


@strawberry.input(description="Archive or restore a project.")
class ArchiveProjectInput:
    id: strawberry.ID = strawberry.field(description="Global id of the project.")
    archived: bool = strawberry.field(
        default=True, description="True archives (the default), false restores."
    )


@strawberry.input(description="Which projects to list.")
class ProjectFilter:
    search: str | None = strawberry.field(default=None, description="Part of the name or code.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this customer's projects."
    )
    billing_method: BillingMethod | None = strawberry.field(
        default=None, description="Only projects billed this way."
    )
    archived: bool | None = strawberry.field(
        default=None, description="Only archived (true) or active (false) ones; both when null."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Only those changed at or after this moment."
    )


# ---------------------------------------------------------------- registrations


@strawberry.input(description="New hours.")
class CreateTimeEntryInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project.")
    activity_id: strawberry.ID = strawberry.field(description="Global id of the activity.")
    date: dt.date = strawberry.field(description="The day the work was done.")
    hours: Decimal = strawberry.field(description="Hours worked: more than 0, at most 24.")
    user_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose hours; you when left out (members may only register their own).",
    )
    start_time: dt.time | None = strawberry.field(default=None, description="Start time.")
    end_time: dt.time | None = strawberry.field(
        default=None, description="End time; not before the start time."
    )
    notes: str | None = strawberry.field(default=None, description="What was done.")
    billable: bool | None = strawberry.field(
        default=None,
        description=(
            "Whether the hours are billed; by default as the activity (and project) says. "
            "Always false on FIXED_PRICE, SUBSCRIPTION and NON_BILLABLE projects."
        ),
    )

    def command(self) -> commands.CreateTimeEntry:
        """The service's command, ids decoded."""
        return commands.CreateTimeEntry(
            project_id=decode_id(self.project_id, "Project", field="projectId"),
            activity_id=decode_id(self.activity_id, "Activity", field="activityId"),
            date=self.date,
            hours=self.hours,
            user_id=optional_id(self.user_id, "User", field="userId"),
            start_time=self.start_time,
            end_time=self.end_time,
            notes=self.notes,
            billable=self.billable,
        )


@strawberry.input(description="Changes to hours; omitted fields stay as they are.")
class UpdateTimeEntryInput:
    id: strawberry.ID = strawberry.field(description="Global id of the time entry.")
    project_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Move to another project (the rate is taken anew)."
    )
    activity_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Another activity (the rate is taken anew)."
    )
    user_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Another user (the rate is taken anew)."
    )
    date: strawberry.Maybe[dt.date | None] = strawberry.field(description="The day.")
    hours: strawberry.Maybe[Decimal | None] = strawberry.field(description="Hours (0–24].")
    start_time: strawberry.Maybe[dt.time | None] = strawberry.field(description="Start time.")
    end_time: strawberry.Maybe[dt.time | None] = strawberry.field(description="End time.")
    notes: strawberry.Maybe[str | None] = strawberry.field(description="What was done.")
    billable: strawberry.Maybe[bool | None] = strawberry.field(
        description="Whether billed (always false on non-hourly projects)."
    )

    def command(self) -> commands.UpdateTimeEntry:
        """The service's command: what was sent, ids decoded."""
        return commands.UpdateTimeEntry(
            id=decode_id(self.id, "TimeEntry"),
            project_id=given_id(self.project_id, "Project", field="projectId"),
            activity_id=given_id(self.activity_id, "Activity", field="activityId"),
            user_id=given_id(self.user_id, "User", field="userId"),
            date=given(self.date),
            hours=given(self.hours),
            start_time=given(self.start_time),
            end_time=given(self.end_time),
            notes=given(self.notes),
            billable=given(self.billable),
        )


@strawberry.input(description="Up to 100 new time entries, stored all or none.")
class CreateTimeEntriesInput:
    entries: list[CreateTimeEntryInput] = strawberry.field(
        description="The entries (at most 100); errors name the index, e.g. entries[3].hours."
    )

    def command(self) -> list[commands.CreateTimeEntry]:
        """The entries' commands; an error names the entry (``entries[3].projectId``)."""
        check_bulk_size(len(self.entries))
        entries = []
        for index, entry in enumerate(self.entries):
            try:
                entries.append(entry.command())
            except DomainError as exc:
                raise indexed(exc, "entries", index) from None
        return entries


@strawberry.input(description="Which registration to delete.")
class DeleteRegistrationInput:
    id: strawberry.ID = strawberry.field(description="Global id of the registration.")


@strawberry.input(description="A new expense.")
class CreateExpenseInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project.")
    category_id: strawberry.ID = strawberry.field(description="Global id of the category.")
    date: dt.date = strawberry.field(description="The day the cost was made.")
    description: str = strawberry.field(description="What was bought or paid; not empty.")
    quantity: Decimal = strawberry.field(description="How many units: more than 0, 2 decimals.")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT, at least 0.")
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose expense; you when left out."
    )
    billable: bool = strawberry.field(
        default=True, description="Whether re-invoiced (always false on NON_BILLABLE projects)."
    )

    def command(self) -> commands.CreateExpense:
        """The service's command, ids decoded."""
        return commands.CreateExpense(
            project_id=decode_id(self.project_id, "Project", field="projectId"),
            category_id=decode_id(self.category_id, "ExpenseCategory", field="categoryId"),
            date=self.date,
            description=self.description,
            quantity=self.quantity,
            unit_price=self.unit_price,
            user_id=optional_id(self.user_id, "User", field="userId"),
            billable=self.billable,
        )


@strawberry.input(description="Changes to an expense; omitted fields stay as they are.")
class UpdateExpenseInput:
    id: strawberry.ID = strawberry.field(description="Global id of the expense.")
    project_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(description="Project.")
    category_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(description="Category.")
    user_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(description="Whose expense.")
    date: strawberry.Maybe[dt.date | None] = strawberry.field(description="The day.")
    description: strawberry.Maybe[str | None] = strawberry.field(description="What was bought.")
    quantity: strawberry.Maybe[Decimal | None] = strawberry.field(description="How many units.")
    unit_price: strawberry.Maybe[Decimal | None] = strawberry.field(description="Price per unit.")
    billable: strawberry.Maybe[bool | None] = strawberry.field(description="Whether re-invoiced.")

    def command(self) -> commands.UpdateExpense:
        """The service's command: what was sent, ids decoded."""
        return commands.UpdateExpense(
            id=decode_id(self.id, "Expense"),
            project_id=given_id(self.project_id, "Project", field="projectId"),
            category_id=given_id(self.category_id, "ExpenseCategory", field="categoryId"),
            user_id=given_id(self.user_id, "User", field="userId"),
            date=given(self.date),
            description=given(self.description),
            quantity=given(self.quantity),
            unit_price=given(self.unit_price),
            billable=given(self.billable),
        )


@strawberry.input(description="A new trip.")
class CreateTripInput:
    project_id: strawberry.ID = strawberry.field(description="Global id of the project.")
    date: dt.date = strawberry.field(description="The day of the trip.")
    from_address: str = strawberry.field(description="Where the trip started; not empty.")
    to_address: str = strawberry.field(description="Where it went; not empty.")
    distance_km: Decimal = strawberry.field(
        description="Distance in km: more than 0, at most 10000, 2 decimals."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who travelled; you when left out."
    )
    billable: bool = strawberry.field(
        default=True, description="Whether invoiced (always false on NON_BILLABLE projects)."
    )

    def command(self) -> commands.CreateTrip:
        """The service's command, ids decoded."""
        return commands.CreateTrip(
            project_id=decode_id(self.project_id, "Project", field="projectId"),
            date=self.date,
            from_address=self.from_address,
            to_address=self.to_address,
            distance_km=self.distance_km,
            user_id=optional_id(self.user_id, "User", field="userId"),
            billable=self.billable,
        )


@strawberry.input(description="Changes to a trip; omitted fields stay as they are.")
class UpdateTripInput:
    id: strawberry.ID = strawberry.field(description="Global id of the trip.")
    project_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Another project (the rate per km is taken anew)."
    )
    user_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(description="Who travelled.")
    date: strawberry.Maybe[dt.date | None] = strawberry.field(description="The day.")
    from_address: strawberry.Maybe[str | None] = strawberry.field(description="Start address.")
    to_address: strawberry.Maybe[str | None] = strawberry.field(description="Destination.")
    distance_km: strawberry.Maybe[Decimal | None] = strawberry.field(description="Distance in km.")
    billable: strawberry.Maybe[bool | None] = strawberry.field(description="Whether invoiced.")

    def command(self) -> commands.UpdateTrip:
        """The service's command: what was sent, ids decoded."""
        return commands.UpdateTrip(
            id=decode_id(self.id, "Trip"),
            project_id=given_id(self.project_id, "Project", field="projectId"),
            user_id=given_id(self.user_id, "User", field="userId"),
            date=given(self.date),
            from_address=given(self.from_address),
            to_address=given(self.to_address),
            distance_km=given(self.distance_km),
            billable=given(self.billable),
        )


@strawberry.input(description="Which registrations to list or total.")
class RegistrationFilter:
    date_from: dt.date | None = strawberry.field(
        default=None, description="On or after this day."
    )
    date_to: dt.date | None = strawberry.field(default=None, description="On or before this day.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only for this customer's projects."
    )
    project_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only for this project."
    )
    user_id: strawberry.ID | None = strawberry.field(default=None, description="Only this user's.")
    activity_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this activity (time entries only)."
    )
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this expense category (expenses only)."
    )
    billable: bool | None = strawberry.field(
        default=None, description="Only billable (true) or non-billable (false) ones."
    )
    status: RegistrationStatus | None = strawberry.field(
        default=None, description="Only OPEN or only INVOICED ones."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Only those changed at or after this moment."
    )
    search: str | None = strawberry.field(
        default=None, description="Part of the notes, description or addresses."
    )

    def criteria(self) -> RegistrationCriteria:
        """The service's filter, ids decoded."""
        return RegistrationCriteria(
            date_from=self.date_from,
            date_to=self.date_to,
            customer_id=optional_id(self.customer_id, "Customer", field="customerId"),
            project_id=optional_id(self.project_id, "Project", field="projectId"),
            user_id=optional_id(self.user_id, "User", field="userId"),
            activity_id=optional_id(self.activity_id, "Activity", field="activityId"),
            category_id=optional_id(self.category_id, "ExpenseCategory", field="categoryId"),
            billable=self.billable,
            status=self.status,
            updated_since=self.updated_since,
            search=self.search,
        )


def _specs(
    activities: list[ProjectActivityInput] | None,
) -> list[commands.ProjectActivitySpec] | None:
    return None if activities is None else [a.spec(i) for i, a in enumerate(activities)]
