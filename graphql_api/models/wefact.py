"""A workspace's WeFact/HostFact connection and its cached products."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import Base, IdMixin, Money, TimestampMixin, WorkspaceMixin, str_enum


class Subscription(enum.Enum):
    """Which product the workspace invoices with."""

    WEFACT = "WEFACT"
    HOSTFACT = "HOSTFACT"


class InvoiceMode(enum.Enum):
    """CONCEPT: a draft; BOOK: final number without e-mail (sales booking); SEND: e-mailed."""

    CONCEPT = "CONCEPT"
    BOOK = "BOOK"
    SEND = "SEND"


class WefactSettings(IdMixin, TimestampMixin, Base):
    """One row per workspace; the API key is stored encrypted and never returned."""

    __tablename__ = "wefact_settings"

    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    subscription: Mapped[Subscription] = mapped_column(str_enum(Subscription))
    hostfact_url: Mapped[str | None] = mapped_column(String(500))
    api_key_encrypted: Mapped[str] = mapped_column(Text)
    api_key_hint: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    default_product_code: Mapped[str | None] = mapped_column(String(50))
    trip_product_code: Mapped[str | None] = mapped_column(String(50))
    invoice_mode: Mapped[InvoiceMode] = mapped_column(
        str_enum(InvoiceMode), server_default=InvoiceMode.CONCEPT.name
    )
    payment_term_days: Mapped[int | None] = mapped_column(Integer)
    group_by: Mapped[str] = mapped_column(String(32), server_default="ENTRY")
    auto_import_customers: Mapped[bool] = mapped_column(server_default=text("false"))
    last_verified_at: Mapped[dt.datetime | None]
    products_synced_at: Mapped[dt.datetime | None]
    last_status_sync_at: Mapped[dt.datetime | None]
    last_customer_import_at: Mapped[dt.datetime | None]
    deactivated_at: Mapped[dt.datetime | None]


class WefactProduct(IdMixin, WorkspaceMixin, Base):
    """A product cached from WeFact: it carries the VAT rate and revenue category."""

    __tablename__ = "wefact_products"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    code: Mapped[str] = mapped_column(String(50))
    identifier: Mapped[str | None] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    key_phrase: Mapped[str | None] = mapped_column(Text)
    price_excl: Mapped[Decimal | None] = mapped_column(Money)
    tax_percentage: Mapped[Decimal | None] = mapped_column(Money)
    tax_code: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(50))
    synced_at: Mapped[dt.datetime]
