"""Inputs and filters of the time-tracking domain.

Update inputs leave out what they do not change: an omitted field keeps its value, an
explicit null clears it (where the field may be empty).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from schema.domain.enums import BillingMethod, RegistrationStatus, SubscriptionInterval

UNSET = strawberry.UNSET

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


@strawberry.input(description="Changes to a customer; omitted fields stay as they are.")
class UpdateCustomerInput:
    id: strawberry.ID = strawberry.field(description="Global id of the customer.")
    name: str | None = strawberry.field(default=UNSET, description="Name; cannot be empty.")
    customer_number: str | None = strawberry.field(
        default=UNSET, description="Unique in the workspace; null clears it."
    )
    email: str | None = strawberry.field(default=UNSET, description="E-mail for invoices.")
    phone: str | None = strawberry.field(default=UNSET, description="Phone number.")
    street: str | None = strawberry.field(default=UNSET, description="Street and house number.")
    zip_code: str | None = strawberry.field(default=UNSET, description="Postal code.")
    city: str | None = strawberry.field(default=UNSET, description="City.")
    country: str | None = strawberry.field(default=UNSET, description="ISO country code.")
    vat_number: str | None = strawberry.field(default=UNSET, description="VAT number.")
    coc_number: str | None = strawberry.field(
        default=UNSET, description="Chamber-of-commerce number."
    )
    hourly_rate: Decimal | None = strawberry.field(default=UNSET, description="Hourly rate.")
    mileage_rate: Decimal | None = strawberry.field(default=UNSET, description="Rate per km.")
    payment_term_days: int | None = strawberry.field(
        default=UNSET, description="Days until invoices are due (0–365)."
    )
    notes: str | None = strawberry.field(default=UNSET, description="Internal notes.")


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


@strawberry.input(description="Changes to an activity; omitted fields stay as they are.")
class UpdateActivityInput:
    id: strawberry.ID = strawberry.field(description="Global id of the activity.")
    name: str | None = strawberry.field(default=UNSET, description="Name; cannot be empty.")
    hourly_rate: Decimal | None = strawberry.field(default=UNSET, description="Hourly rate.")
    billable: bool | None = strawberry.field(
        default=UNSET, description="Whether its hours are billed."
    )
    wefact_product_code: str | None = strawberry.field(
        default=UNSET,
        description="WeFact product to invoice its hours with; must be a synced product.",
    )
    archived: bool | None = strawberry.field(
        default=UNSET, description="Archive (true) or restore (false)."
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


@strawberry.input(description="Changes to an expense category; omitted fields stay.")
class UpdateExpenseCategoryInput:
    id: strawberry.ID = strawberry.field(description="Global id of the category.")
    name: str | None = strawberry.field(default=UNSET, description="Name; cannot be empty.")
    wefact_product_code: str | None = strawberry.field(
        default=UNSET,
        description="WeFact product to invoice its expenses with; must be a synced product.",
    )
    archived: bool | None = strawberry.field(
        default=UNSET, description="Archive (true) or restore (false)."
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


@strawberry.input(description="A new project.")
class CreateProjectInput:
    customer_id: strawberry.ID = strawberry.field(description="Global id of the customer.")
    name: str = strawberry.field(description="Name; cannot be empty.")
    billing_method: BillingMethod = strawberry.field(  # type: ignore[valid-type]
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
    subscription_interval: SubscriptionInterval | None = strawberry.field(  # type: ignore[valid-type]
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


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class UpdateProjectInput:
    id: strawberry.ID = strawberry.field(description="Global id of the project.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Move the project to another customer."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name; cannot be empty.")
    billing_method: BillingMethod | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET,
        description="How the project is billed (existing hours keep their rate snapshot).",
    )
    code: str | None = strawberry.field(default=UNSET, description="Short code or reference.")
    hourly_rate: Decimal | None = strawberry.field(default=UNSET, description="Project rate.")
    fixed_price: Decimal | None = strawberry.field(default=UNSET, description="Fixed price.")
    fixed_price_instalments: int | None = strawberry.field(
        default=UNSET, description="Number of instalments (1–120)."
    )
    subscription_amount: Decimal | None = strawberry.field(
        default=UNSET, description="Amount per period."
    )
    subscription_interval: SubscriptionInterval | None = strawberry.field(  # type: ignore[valid-type]
        default=UNSET, description="Period length."
    )
    subscription_start_date: dt.date | None = strawberry.field(
        default=UNSET, description="First day of the first period."
    )
    subscription_end_date: dt.date | None = strawberry.field(
        default=UNSET, description="Last day of the subscription."
    )
    budget_hours: Decimal | None = strawberry.field(default=UNSET, description="Budgeted hours.")
    budget_amount: Decimal | None = strawberry.field(
        default=UNSET, description="Budgeted amount excl. VAT."
    )
    start_date: dt.date | None = strawberry.field(default=UNSET, description="Start date.")
    end_date: dt.date | None = strawberry.field(default=UNSET, description="End date.")
    restrict_activities: bool | None = strawberry.field(
        default=UNSET, description="Only allow hours on the project's own activities."
    )
    activities: list[ProjectActivityInput] | None = strawberry.field(
        default=UNSET, description="Replaces the project's activities when given."
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
    billing_method: BillingMethod | None = strawberry.field(  # type: ignore[valid-type]
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


@strawberry.input(description="Changes to hours; omitted fields stay as they are.")
class UpdateTimeEntryInput:
    id: strawberry.ID = strawberry.field(description="Global id of the time entry.")
    project_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Move to another project (the rate is taken anew)."
    )
    activity_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another activity (the rate is taken anew)."
    )
    user_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another user (the rate is taken anew)."
    )
    date: dt.date | None = strawberry.field(default=UNSET, description="The day.")
    hours: Decimal | None = strawberry.field(default=UNSET, description="Hours (0–24].")
    start_time: dt.time | None = strawberry.field(default=UNSET, description="Start time.")
    end_time: dt.time | None = strawberry.field(default=UNSET, description="End time.")
    notes: str | None = strawberry.field(default=UNSET, description="What was done.")
    billable: bool | None = strawberry.field(
        default=UNSET, description="Whether billed (always false on non-hourly projects)."
    )


@strawberry.input(description="Up to 100 new time entries, stored all or none.")
class CreateTimeEntriesInput:
    entries: list[CreateTimeEntryInput] = strawberry.field(
        description="The entries (at most 100); errors name the index, e.g. entries[3].hours."
    )


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


@strawberry.input(description="Changes to an expense; omitted fields stay as they are.")
class UpdateExpenseInput:
    id: strawberry.ID = strawberry.field(description="Global id of the expense.")
    project_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Project.")
    category_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Category.")
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Whose expense.")
    date: dt.date | None = strawberry.field(default=UNSET, description="The day.")
    description: str | None = strawberry.field(default=UNSET, description="What was bought.")
    quantity: Decimal | None = strawberry.field(default=UNSET, description="How many units.")
    unit_price: Decimal | None = strawberry.field(default=UNSET, description="Price per unit.")
    billable: bool | None = strawberry.field(default=UNSET, description="Whether re-invoiced.")


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


@strawberry.input(description="Changes to a trip; omitted fields stay as they are.")
class UpdateTripInput:
    id: strawberry.ID = strawberry.field(description="Global id of the trip.")
    project_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Another project (the rate per km is taken anew)."
    )
    user_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Who travelled.")
    date: dt.date | None = strawberry.field(default=UNSET, description="The day.")
    from_address: str | None = strawberry.field(default=UNSET, description="Start address.")
    to_address: str | None = strawberry.field(default=UNSET, description="Destination.")
    distance_km: Decimal | None = strawberry.field(default=UNSET, description="Distance in km.")
    billable: bool | None = strawberry.field(default=UNSET, description="Whether invoiced.")


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
    status: RegistrationStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only OPEN or only INVOICED ones."
    )
    updated_since: dt.datetime | None = strawberry.field(
        default=None, description="Only those changed at or after this moment."
    )
    search: str | None = strawberry.field(
        default=None, description="Part of the notes, description or addresses."
    )
