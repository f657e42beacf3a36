"""Our record of every invoice made in WeFact/HostFact, and its lines."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, text
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
from graphql_api.models.wefact import InvoiceMode, Subscription


class InvoiceStatus(enum.Enum):
    """Lifecycle of our invoice record.

    PENDING: recorded and registrations reserved, WeFact not yet confirmed.
    CONCEPT/BOOKED/SENT/PARTLY_PAID/PAID/CREDITED: confirmed by WeFact (synced later).
    BOOKED: final and numbered, made with mode BOOK and not e-mailed by us; SENT: e-mailed
    (mode SEND), or made final in WeFact itself.
    FAILED: WeFact refused it; its registrations were released.
    RELEASED: undone (concept deleted or invoice credited); registrations open again.
    """

    PENDING = "PENDING"
    CONCEPT = "CONCEPT"
    BOOKED = "BOOKED"
    SENT = "SENT"
    PARTLY_PAID = "PARTLY_PAID"
    PAID = "PAID"
    CREDITED = "CREDITED"
    FAILED = "FAILED"
    RELEASED = "RELEASED"


class LineKind(enum.Enum):
    """What an invoice line bills."""

    HOURS = "HOURS"
    EXPENSE = "EXPENSE"
    TRIP = "TRIP"
    FIXED_PRICE = "FIXED_PRICE"
    SUBSCRIPTION = "SUBSCRIPTION"


class Invoice(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One invoice; ``reference`` is unique and sent to WeFact to find it again after a crash."""

    __tablename__ = "invoices"

    run_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("runs.id"), index=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("projects.id"))
    provider: Mapped[Subscription] = mapped_column(str_enum(Subscription))
    # The connection it was made with: release, resume, sync and lookups go there, whatever
    # the workspace uses now. NULL only for invoices made before connections were kept whose
    # connection had been replaced already (gone: a release is refused).
    connection_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("provider_connections.id"), index=True
    )
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[InvoiceStatus] = mapped_column(str_enum(InvoiceStatus))
    mode: Mapped[InvoiceMode] = mapped_column(str_enum(InvoiceMode))
    debtor_code: Mapped[str | None] = mapped_column(String(50))
    wefact_identifier: Mapped[str | None] = mapped_column(String(50))
    wefact_code: Mapped[str | None] = mapped_column(String(50))
    wefact_status: Mapped[int | None] = mapped_column(Integer)
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    term_days: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    amount_excl: Mapped[Decimal] = mapped_column(Money)
    amount_tax: Mapped[Decimal | None] = mapped_column(Money)
    amount_incl: Mapped[Decimal | None] = mapped_column(Money)
    error: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[dt.date | None] = mapped_column(Date)
    status_changed_at: Mapped[dt.datetime | None]
    released_reason: Mapped[str | None] = mapped_column(Text)
    # Set (and committed) right before ``invoice/add`` is sent: from then on WeFact may have
    # the invoice, so a retry must look it up by ``reference`` before adding it again.
    provider_attempted_at: Mapped[dt.datetime | None]
    # The customer's own reference (e.g. a purchase order) shown on the invoice; our
    # ``reference`` stays the exact key for finding the invoice in WeFact again.
    customer_reference: Mapped[str | None] = mapped_column(String(200))
    # What it carries as proof (issue 17): attached in WeFact before it is booked or sent.
    attach_specification: Mapped[bool] = mapped_column(
        server_default=text("false"), comment="Attach the hours specification (PDF)."
    )
    attach_receipts: Mapped[bool] = mapped_column(
        server_default=text("false"), comment="Attach the receipts of its expenses."
    )


class InvoiceLine(IdMixin, WorkspaceMixin, Base):
    """One line; ``amount`` is always quantity × unit price rounded half-up to cents."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        # Unbilled: what a fixed price / subscription project has been invoiced already.
        Index(
            "ix_invoice_lines_project_kind",
            "project_id",
            "kind",
            postgresql_where=text("project_id IS NOT NULL"),
        ),
    )

    invoice_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[LineKind] = mapped_column(str_enum(LineKind))
    product_code: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_percentage: Mapped[Decimal | None] = mapped_column(Money)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    project_id: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("projects.id"),
        comment="The project a FIXED_PRICE or SUBSCRIPTION line bills (Unbilled).",
    )
