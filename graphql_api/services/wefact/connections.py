"""Which connection a call goes to, and the client for it.

An invoice belongs to the connection it was made with (provider, HostFact URL, key):
release, resume, status sync and lookups use :func:`connection_provider` with the invoice's
connection, never the workspace's current one. New work (invoicing, imports, products) uses
the current connection (``active_provider`` in ``connection``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import with_expression

from graphql_api.errors import Code, Conflict, WefactCode
from graphql_api.models import Invoice, InvoiceStatus, ProviderConnection, Subscription
from graphql_api.services.wefact.clients import ProviderServices, build_provider
from integrations import InvoicingProvider

#: Invoices the app still follows through their connection: they can still be released,
#: resumed or change status there.
STILL_OPEN: Sequence[InvoiceStatus] = (
    InvoiceStatus.PENDING,
    InvoiceStatus.CONCEPT,
    InvoiceStatus.SENT,
    InvoiceStatus.PARTLY_PAID,
    InvoiceStatus.PAID,
)

class ConnectionGone(Conflict):
    """The connection an invoice was made with is no longer usable: nothing is sent."""

    default_code: ClassVar[Code] = WefactCode.CONNECTION_GONE


def describe(connection: ProviderConnection) -> str:
    """The connection in words an admin recognises: product, URL and key hint."""
    if connection.provider is Subscription.HOSTFACT:
        return f"HostFact at {connection.hostfact_url} (key {connection.api_key_hint})"
    return f"WeFact administration with key {connection.api_key_hint}"


def open_invoice_count() -> ColumnElement[int]:
    """A correlated count of a connection's still-open invoices (for ``with_expression``)."""
    return (
        select(func.count(Invoice.id))
        .where(Invoice.connection_id == ProviderConnection.id, Invoice.status.in_(STILL_OPEN))
        .correlate(ProviderConnection)
        .scalar_subquery()
    )


def connection_provider(
    services: ProviderServices, connection: ProviderConnection | None
) -> InvoicingProvider:
    """The client for ``connection``, or ``ConnectionGone`` saying why there is none."""
    if connection is None:
        raise ConnectionGone(
            "This invoice was made with a WeFact/HostFact connection this app no longer has "
            "(the workspace switched before connections were kept), so nothing can be sent "
            "to it. Delete or credit the invoice in WeFact/HostFact yourself, then release it "
            "here with undoneInProvider: true to open its registrations again.",
            field="id",
        )
    try:
        api_key = services.secret_box.decrypt(connection.api_key_encrypted)
    except ValueError:
        raise ConnectionGone(
            f"The key of the connection this invoice was made with ({describe(connection)}) "
            "can no longer be decrypted: SECRET_KEY changed without the old one in "
            "PREVIOUS_SECRET_KEYS. Add the old key there, or undo the invoice in "
            "WeFact/HostFact yourself and release it with undoneInProvider: true.",
            field="id",
        ) from None
    return build_provider(services, connection.provider, api_key, connection.hostfact_url)


async def count_open_invoices(session: AsyncSession, connection_id: int) -> int:
    """How many invoices made through the connection the app still follows."""
    return int(
        await session.scalar(
            select(func.count(Invoice.id)).where(
                Invoice.connection_id == connection_id, Invoice.status.in_(STILL_OPEN)
            )
        )
        or 0
    )


async def workspace_connections(
    session: AsyncSession, workspace_id: int
) -> list[ProviderConnection]:
    """Every connection the workspace ever had, newest first, with its open invoices."""
    return list(
        await session.scalars(
            select(ProviderConnection)
            .where(ProviderConnection.workspace_id == workspace_id)
            .options(with_expression(ProviderConnection.open_invoices, open_invoice_count()))
            .order_by(ProviderConnection.id.desc())
        )
    )
