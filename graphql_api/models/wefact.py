"""A workspace's WeFact/HostFact connections, its settings and its cached products."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

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


class ProviderConnection(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One WeFact administration or HostFact installation a workspace invoiced with.

    An invoice belongs to the connection it was made with: release, resume, status sync and
    lookups go there even after the workspace switched to another one. A connection is
    never deleted; when another becomes the workspace's current one it is marked
    ``replaced_at`` and keeps its (encrypted) key for its open invoices.

    WeFact has one URL for every administration (the server's ``WEFACT_API_URL``), so a
    WeFact connection is its key; a HostFact one is its installation URL and key.
    """

    __tablename__ = "provider_connections"

    provider: Mapped[Subscription] = mapped_column(str_enum(Subscription))
    hostfact_url: Mapped[str | None] = mapped_column(String(500))
    api_key_encrypted: Mapped[str] = mapped_column(Text)
    api_key_hint: Mapped[str] = mapped_column(String(8))
    last_verified_at: Mapped[dt.datetime | None]
    last_status_sync_at: Mapped[dt.datetime | None]
    replaced_at: Mapped[dt.datetime | None] = mapped_column(
        comment="When another connection became the workspace's current one (NULL: current)."
    )
    #: Loaded on request (``with_expression``): invoices the app still follows through it.
    open_invoices: Mapped[int | None] = query_expression()


class WefactSettings(IdMixin, TimestampMixin, Base):
    """One row per workspace: its current connection and its invoicing defaults.

    The key lives (encrypted) on the connection and is never returned."""

    __tablename__ = "wefact_settings"

    workspace_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    connection_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("provider_connections.id"), index=True
    )
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    default_product_code: Mapped[str | None] = mapped_column(String(50))
    trip_product_code: Mapped[str | None] = mapped_column(String(50))
    invoice_mode: Mapped[InvoiceMode] = mapped_column(
        str_enum(InvoiceMode), server_default=InvoiceMode.CONCEPT.name
    )
    payment_term_days: Mapped[int | None] = mapped_column(Integer)
    group_by: Mapped[str] = mapped_column(String(32), server_default="ENTRY")
    auto_import_customers: Mapped[bool] = mapped_column(server_default=text("false"))
    products_synced_at: Mapped[dt.datetime | None]
    last_customer_import_at: Mapped[dt.datetime | None]
    deactivated_at: Mapped[dt.datetime | None]
    attach_specification: Mapped[bool] = mapped_column(
        server_default=text("false"),
        comment="Default of invoicing's hoursSpecification option: attach the hours PDF.",
    )
    attach_receipts: Mapped[bool] = mapped_column(
        server_default=text("false"),
        comment="Default of invoicing's attachReceipts option: attach the expenses' receipts.",
    )
    line_templates: Mapped[dict[str, str]] = mapped_column(
        JSONB,
        server_default=text("'{}'::jsonb"),
        comment="Hours line text per grouping (ENTRY, ACTIVITY, …), validated when saved.",
    )
    activation_notes: Mapped[list[str]] = mapped_column(
        JSONB,
        server_default=text("'[]'::jsonb"),
        comment="What the last activation changed besides the connection, in plain words.",
    )

    #: Loaded with the row (one join): what every provider call needs.
    connection: Mapped[ProviderConnection] = relationship(lazy="joined", innerjoin=True)
    #: The workspace's other connections; loaded on request (``load_settings_row``).
    earlier_connections: Mapped[list[ProviderConnection]] = relationship(
        primaryjoin="and_(WefactSettings.workspace_id == foreign(ProviderConnection.workspace_id),"
        " ProviderConnection.id != WefactSettings.connection_id)",
        viewonly=True,
        lazy="raise",
        order_by="ProviderConnection.id",
    )

    @property
    def subscription(self) -> Subscription:
        """The current connection's product."""
        return self.connection.provider

    @property
    def hostfact_url(self) -> str | None:
        return self.connection.hostfact_url

    @property
    def api_key_hint(self) -> str:
        return self.connection.api_key_hint

    @property
    def last_verified_at(self) -> dt.datetime | None:
        return self.connection.last_verified_at


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
