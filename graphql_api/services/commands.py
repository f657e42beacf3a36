"""What changes services take: one typed command per operation.

An update command's fields default to ``UNSET``: the field keeps its value. ``None`` (where
the type allows it) clears it. Ids are primary keys, decoded by the caller.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal, TypeAlias, TypeVar

from graphql_api.models import BillingMethod, Role, SubscriptionInterval, WebhookEventType

T = TypeVar("T")


class Unset(enum.Enum):
    """The type of ``UNSET``."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET
"""An update leaves the field as it is (the client did not send it)."""

Maybe: TypeAlias = T | Literal[Unset.UNSET]
"""A value, or ``UNSET``."""


# ---------------------------------------------------------------- the team


@dataclass(frozen=True, kw_only=True)
class InviteUser:
    """``inviteUser``: who joins, as what, at which rate."""

    email: str
    role: Role
    name: str | None = None
    hourly_rate: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class AcceptInvitation:
    """``acceptInvitation``: the token from the invitation and the password to log in with."""

    token: str
    password: str
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateUser:
    """``updateUser``: the user ``id``; what an admin changes, the rest UNSET."""

    id: int
    name: Maybe[str | None] = UNSET
    role: Maybe[Role | None] = UNSET
    hourly_rate: Maybe[Decimal | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class ChangePassword:
    """``changePassword``: the caller's current password (None when they have none yet)."""

    old_password: str | None
    new_password: str


# ---------------------------------------------------------------- customers


@dataclass(frozen=True, kw_only=True)
class CreateCustomer:
    """``createCustomer``."""

    name: str
    customer_number: str | None = None
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    zip_code: str | None = None
    city: str | None = None
    country: str | None = None
    vat_number: str | None = None
    coc_number: str | None = None
    hourly_rate: Decimal | None = None
    mileage_rate: Decimal | None = None
    payment_term_days: int | None = None
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateCustomer:
    """``updateCustomer``: the customer ``id``; every other field may be left UNSET."""

    id: int
    name: Maybe[str | None] = UNSET
    customer_number: Maybe[str | None] = UNSET
    email: Maybe[str | None] = UNSET
    phone: Maybe[str | None] = UNSET
    street: Maybe[str | None] = UNSET
    zip_code: Maybe[str | None] = UNSET
    city: Maybe[str | None] = UNSET
    country: Maybe[str | None] = UNSET
    vat_number: Maybe[str | None] = UNSET
    coc_number: Maybe[str | None] = UNSET
    hourly_rate: Maybe[Decimal | None] = UNSET
    mileage_rate: Maybe[Decimal | None] = UNSET
    payment_term_days: Maybe[int | None] = UNSET
    notes: Maybe[str | None] = UNSET


# ---------------------------------------------------------------- activities and categories


@dataclass(frozen=True, kw_only=True)
class CreateActivity:
    """``createActivity``."""

    name: str
    hourly_rate: Decimal | None = None
    billable: bool = True
    wefact_product_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateActivity:
    """``updateActivity``."""

    id: int
    name: Maybe[str | None] = UNSET
    hourly_rate: Maybe[Decimal | None] = UNSET
    billable: Maybe[bool | None] = UNSET
    wefact_product_code: Maybe[str | None] = UNSET
    archived: Maybe[bool | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class CreateExpenseCategory:
    """``createExpenseCategory``."""

    name: str
    wefact_product_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateExpenseCategory:
    """``updateExpenseCategory``."""

    id: int
    name: Maybe[str | None] = UNSET
    wefact_product_code: Maybe[str | None] = UNSET
    archived: Maybe[bool | None] = UNSET


# ---------------------------------------------------------------- projects


@dataclass(frozen=True)
class ProjectActivitySpec:
    """An activity to enable on a project."""

    activity_id: int
    hourly_rate: Decimal | None = None
    billable: bool = True


@dataclass(frozen=True, kw_only=True)
class CreateProject:
    """``createProject``."""

    customer_id: int
    name: str
    billing_method: BillingMethod
    code: str | None = None
    hourly_rate: Decimal | None = None
    fixed_price: Decimal | None = None
    fixed_price_instalments: int | None = None
    subscription_amount: Decimal | None = None
    subscription_interval: SubscriptionInterval | None = None
    subscription_start_date: dt.date | None = None
    subscription_end_date: dt.date | None = None
    budget_hours: Decimal | None = None
    budget_amount: Decimal | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    restrict_activities: bool = False
    activities: list[ProjectActivitySpec] | None = None
    wefact_product_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateProject:
    """``updateProject``; ``activities`` replaces the project's activities when given."""

    id: int
    customer_id: Maybe[int | None] = UNSET
    name: Maybe[str | None] = UNSET
    billing_method: Maybe[BillingMethod | None] = UNSET
    code: Maybe[str | None] = UNSET
    hourly_rate: Maybe[Decimal | None] = UNSET
    fixed_price: Maybe[Decimal | None] = UNSET
    fixed_price_instalments: Maybe[int | None] = UNSET
    subscription_amount: Maybe[Decimal | None] = UNSET
    subscription_interval: Maybe[SubscriptionInterval | None] = UNSET
    subscription_start_date: Maybe[dt.date | None] = UNSET
    subscription_end_date: Maybe[dt.date | None] = UNSET
    budget_hours: Maybe[Decimal | None] = UNSET
    budget_amount: Maybe[Decimal | None] = UNSET
    start_date: Maybe[dt.date | None] = UNSET
    end_date: Maybe[dt.date | None] = UNSET
    restrict_activities: Maybe[bool | None] = UNSET
    activities: Maybe[list[ProjectActivitySpec] | None] = UNSET
    wefact_product_code: Maybe[str | None] = UNSET


# ---------------------------------------------------------------- registrations


@dataclass(frozen=True, kw_only=True)
class CreateTimeEntry:
    """``createTimeEntry`` (and each entry of ``createTimeEntries``)."""

    project_id: int
    activity_id: int
    date: dt.date
    hours: Decimal
    user_id: int | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    notes: str | None = None
    billable: bool | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateTimeEntry:
    """``updateTimeEntry``; a new project, activity or user takes a new rate snapshot."""

    id: int
    project_id: Maybe[int | None] = UNSET
    activity_id: Maybe[int | None] = UNSET
    user_id: Maybe[int | None] = UNSET
    date: Maybe[dt.date | None] = UNSET
    hours: Maybe[Decimal | None] = UNSET
    start_time: Maybe[dt.time | None] = UNSET
    end_time: Maybe[dt.time | None] = UNSET
    notes: Maybe[str | None] = UNSET
    billable: Maybe[bool | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class CreateTimeEntries:
    """``createTimeEntries``: up to 100 entries, stored all or none."""

    entries: list[CreateTimeEntry] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class CreateExpense:
    """``createExpense``."""

    project_id: int
    category_id: int
    date: dt.date
    description: str
    quantity: Decimal
    unit_price: Decimal
    user_id: int | None = None
    billable: bool = True


@dataclass(frozen=True, kw_only=True)
class UpdateExpense:
    """``updateExpense``."""

    id: int
    project_id: Maybe[int | None] = UNSET
    category_id: Maybe[int | None] = UNSET
    user_id: Maybe[int | None] = UNSET
    date: Maybe[dt.date | None] = UNSET
    description: Maybe[str | None] = UNSET
    quantity: Maybe[Decimal | None] = UNSET
    unit_price: Maybe[Decimal | None] = UNSET
    billable: Maybe[bool | None] = UNSET


@dataclass(frozen=True, kw_only=True)
class CreateTrip:
    """``createTrip``."""

    project_id: int
    date: dt.date
    from_address: str
    to_address: str
    distance_km: Decimal
    user_id: int | None = None
    billable: bool = True


@dataclass(frozen=True, kw_only=True)
class UpdateTrip:
    """``updateTrip``; another project takes a new rate per km."""

    id: int
    project_id: Maybe[int | None] = UNSET
    user_id: Maybe[int | None] = UNSET
    date: Maybe[dt.date | None] = UNSET
    from_address: Maybe[str | None] = UNSET
    to_address: Maybe[str | None] = UNSET
    distance_km: Maybe[Decimal | None] = UNSET
    billable: Maybe[bool | None] = UNSET


# ---------------------------------------------------------------- webhooks


@dataclass(frozen=True, kw_only=True)
class CreateWebhookEndpoint:
    """``createWebhookEndpoint``: where to send which events."""

    url: str
    events: tuple[WebhookEventType, ...]
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateWebhookEndpoint:
    """``updateWebhookEndpoint``: the endpoint ``id``; what changes, the rest UNSET."""

    id: int
    url: Maybe[str] = UNSET
    events: Maybe[tuple[WebhookEventType, ...]] = UNSET
    description: Maybe[str | None] = UNSET
