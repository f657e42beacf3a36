"""Time-tracking domain: customers, projects, activities, categories and registrations."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import (
    Base,
    IdMixin,
    Money,
    Quantity,
    TimestampMixin,
    WorkspaceMixin,
    str_enum,
)


class BillingMethod(enum.Enum):
    """How a project is billed; decides the rate snapshot of its hours."""

    NON_BILLABLE = "NON_BILLABLE"
    HOURLY_PROJECT_RATE = "HOURLY_PROJECT_RATE"
    HOURLY_ACTIVITY_RATE = "HOURLY_ACTIVITY_RATE"
    HOURLY_USER_RATE = "HOURLY_USER_RATE"
    HOURLY_CUSTOMER_RATE = "HOURLY_CUSTOMER_RATE"
    FIXED_PRICE = "FIXED_PRICE"
    SUBSCRIPTION = "SUBSCRIPTION"


HOURLY_METHODS = frozenset(
    {
        BillingMethod.HOURLY_PROJECT_RATE,
        BillingMethod.HOURLY_ACTIVITY_RATE,
        BillingMethod.HOURLY_USER_RATE,
        BillingMethod.HOURLY_CUSTOMER_RATE,
    }
)


class SubscriptionInterval(enum.Enum):
    """Length of one subscription period."""

    MONTH = "MONTH"
    QUARTER = "QUARTER"
    HALF_YEAR = "HALF_YEAR"
    YEAR = "YEAR"


class RegistrationStatus(enum.Enum):
    """OPEN until an invoice in WeFact confirmed it, then INVOICED (locked)."""

    OPEN = "OPEN"
    INVOICED = "INVOICED"


class Customer(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A customer; ``customer_number`` matches the WeFact/HostFact debtor code."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "customer_number"),
        # The details fill's work list: the few incomplete customers of a workspace.
        Index(
            "ix_customers_details_pending",
            "workspace_id",
            "id",
            postgresql_where=text("NOT details_complete"),
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    customer_number: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    street: Mapped[str | None] = mapped_column(String(200))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    vat_number: Mapped[str | None] = mapped_column(String(50))
    coc_number: Mapped[str | None] = mapped_column(String(50))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    mileage_rate: Mapped[Decimal | None] = mapped_column(Money)
    payment_term_days: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(server_default=text("false"))
    wefact_debtor_code: Mapped[str | None] = mapped_column(String(50))
    wefact_identifier: Mapped[str | None] = mapped_column(String(50))
    wefact_synced_at: Mapped[dt.datetime | None]
    wefact_modified_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=False),
        comment=(
            "The debtor's Modified as WeFact last reported it, in WeFact's own clock "
            "(naive): the customer import re-reads a debtor only when this differs."
        ),
    )
    details_complete: Mapped[bool] = mapped_column(
        server_default=text("true"),
        comment=(
            "False while the debtor's full record (address, VAT and chamber-of-commerce "
            "numbers, phone) is still to be read after an import from the list rows."
        ),
    )


class Activity(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A kind of work; may carry the WeFact product its hours are invoiced with."""

    __tablename__ = "activities"

    name: Mapped[str] = mapped_column(String(200))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    billable: Mapped[bool] = mapped_column(server_default=text("true"))
    wefact_product_code: Mapped[str | None] = mapped_column(String(50))
    archived: Mapped[bool] = mapped_column(server_default=text("false"))


class ExpenseCategory(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A kind of expense; may carry the WeFact product its expenses are invoiced with."""

    __tablename__ = "expense_categories"

    name: Mapped[str] = mapped_column(String(200))
    wefact_product_code: Mapped[str | None] = mapped_column(String(50))
    archived: Mapped[bool] = mapped_column(server_default=text("false"))


class Project(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """Work for one customer, billed by one method."""

    __tablename__ = "projects"

    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(50))
    billing_method: Mapped[BillingMethod] = mapped_column(str_enum(BillingMethod))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    fixed_price: Mapped[Decimal | None] = mapped_column(Money)
    fixed_price_instalments: Mapped[int | None] = mapped_column(Integer)
    subscription_amount: Mapped[Decimal | None] = mapped_column(Money)
    subscription_interval: Mapped[SubscriptionInterval | None] = mapped_column(
        str_enum(SubscriptionInterval)
    )
    subscription_start_date: Mapped[dt.date | None] = mapped_column(Date)
    subscription_end_date: Mapped[dt.date | None] = mapped_column(Date)
    subscription_billed_until: Mapped[dt.date | None] = mapped_column(
        Date, comment="Last day of the last subscription period invoiced."
    )
    budget_hours: Mapped[Decimal | None] = mapped_column(Quantity)
    budget_amount: Mapped[Decimal | None] = mapped_column(Money)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    restrict_activities: Mapped[bool] = mapped_column(server_default=text("false"))
    wefact_product_code: Mapped[str | None] = mapped_column(String(50))
    archived: Mapped[bool] = mapped_column(server_default=text("false"))


class ProjectActivity(IdMixin, WorkspaceMixin, Base):
    """An activity enabled on a project, with an optional rate override."""

    __tablename__ = "project_activities"
    __table_args__ = (UniqueConstraint("project_id", "activity_id"),)

    project_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    activity_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("activities.id"))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    billable: Mapped[bool] = mapped_column(server_default=text("true"))


OPEN_BILLABLE = text("status = 'OPEN' AND invoice_line_id IS NULL AND billable")
"""Registrations still to invoice: the condition of the partial indexes the Unbilled report
reads; the report's queries use this very clause, so PostgreSQL can match them."""


class RegistrationMixin(IdMixin, WorkspaceMixin, TimestampMixin):
    """What hours, expenses and trips share: who, where, when, and invoicing state."""

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"))
    project_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("projects.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    billable: Mapped[bool] = mapped_column(server_default=text("true"))
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus), server_default=RegistrationStatus.OPEN.name
    )
    # Set while an invoice is pending (the reservation) and kept once it is confirmed.
    invoice_line_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("invoice_lines.id", ondelete="SET NULL"), index=True
    )


class TimeEntry(RegistrationMixin, Base):
    """Hours worked; ``rate`` is a snapshot taken when the entry was made."""

    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_ws_date_id", "workspace_id", "date", "id"),
        Index("ix_time_entries_project_status", "project_id", "status", "date"),
        # Unbilled: only open billable rows, with what the amount needs (index-only scans).
        Index(
            "ix_time_entries_open_billable",
            "workspace_id",
            "project_id",
            "date",
            postgresql_include=["hours", "rate"],
            postgresql_where=OPEN_BILLABLE,
        ),
    )

    activity_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("activities.id"))
    start_time: Mapped[dt.time | None] = mapped_column(Time)
    end_time: Mapped[dt.time | None] = mapped_column(Time)
    hours: Mapped[Decimal] = mapped_column(Quantity)
    notes: Mapped[str | None] = mapped_column(Text)
    rate: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))


class Expense(RegistrationMixin, Base):
    """A cost made for a project, re-invoiced as quantity × unit price."""

    __tablename__ = "expenses"
    __table_args__ = (
        Index("ix_expenses_ws_date_id", "workspace_id", "date", "id"),
        Index("ix_expenses_project_status", "project_id", "status", "date"),
        # Unbilled: only open billable rows, with what the amount needs (index-only scans).
        Index(
            "ix_expenses_open_billable",
            "workspace_id",
            "project_id",
            "date",
            postgresql_include=["quantity", "unit_price"],
            postgresql_where=OPEN_BILLABLE,
        ),
    )

    category_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("expense_categories.id"))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)


class Trip(RegistrationMixin, Base):
    """A journey for a project, invoiced as km × rate."""

    __tablename__ = "trips"
    __table_args__ = (
        Index("ix_trips_ws_date_id", "workspace_id", "date", "id"),
        Index("ix_trips_project_status", "project_id", "status", "date"),
        # Unbilled: only open billable rows, with what the amount needs (index-only scans).
        Index(
            "ix_trips_open_billable",
            "workspace_id",
            "project_id",
            "date",
            postgresql_include=["distance_km", "rate"],
            postgresql_where=OPEN_BILLABLE,
        ),
    )

    from_address: Mapped[str] = mapped_column(String(300))
    to_address: Mapped[str] = mapped_column(String(300))
    distance_km: Mapped[Decimal] = mapped_column(Quantity)
    rate: Mapped[Decimal] = mapped_column(Money)
