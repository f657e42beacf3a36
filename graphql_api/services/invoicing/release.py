"""Undo an invoice: delete the concept or credit the final invoice in WeFact, then open its
registrations again.

The call goes to the connection the invoice was made with — never to the workspace's current
one, which may be another administration or product since. When that connection is gone
(made before connections were kept, or its key can no longer be decrypted) the release is
refused (``CONNECTION_GONE``): the registrations stay reserved while the invoice may exist.
After the admin undid the invoice by hand, ``undone_in_provider`` releases it without a call.

Provider calls run outside any database transaction. To survive a crash between the
provider call and our commit, every attempt first asks WeFact where the invoice stands:
gone (a deleted concept) or cancelled (9, credited) means the undo already happened, so only
our record is written. Running it twice is harmless.
"""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import integrations
from graphql_api import outbox
from graphql_api.errors import Conflict, InvoicingCode, NotFound
from graphql_api.models import Invoice, InvoiceStatus, ProviderConnection
from graphql_api.services.auth import utcnow
from graphql_api.services.domain.validation import MAX_DESCRIPTION_LENGTH, optional_text
from graphql_api.services.invoicing.records import locked_invoice, release_registrations
from graphql_api.services.wefact.connection import ProviderServices, provider_error
from graphql_api.services.wefact.connections import ConnectionGone, connection_provider
from integrations import InvoiceStatus as ProviderStatus
from integrations import InvoicingProvider


async def _get(session: AsyncSession, workspace_id: int, invoice_id: int) -> Invoice:
    invoice = await session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.workspace_id == workspace_id)
    )
    if invoice is None:
        raise NotFound("There is no invoice with that id in your workspace.", field="id")
    return invoice


#: Our record's WeFact status after an undo: a deleted concept has none, a credited invoice
#: is cancelled (9).
DELETED: int | None = None
CREDITED = int(ProviderStatus.CANCELLED)


async def _undo_in_provider(provider: InvoicingProvider, identifier: int) -> tuple[str, int | None]:
    """Delete or credit; returns what happened (in words for the record) and the status. Safe
    to repeat: a concept already gone, or an invoice already credited, is the outcome we want."""
    try:
        current = await provider.show_invoice(identifier)
    except integrations.NotFoundError:
        return "The concept was deleted in WeFact.", DELETED
    if current.status == ProviderStatus.CANCELLED:
        return f"Invoice {current.code} was credited in WeFact.", CREDITED
    if current.status == ProviderStatus.CONCEPT:
        # Deleted meanwhile (another release) is the outcome we want.
        with contextlib.suppress(integrations.NotFoundError):
            await provider.delete_invoice(identifier)
        return "The concept was deleted in WeFact.", DELETED
    # Idempotent: credited meanwhile (a release running at the same time) answers None.
    credit = await provider.credit_invoice(identifier)
    if credit is None:
        return f"Invoice {current.code} was credited in WeFact.", CREDITED
    return (
        f"Invoice {current.code} was credited in WeFact with credit invoice {credit.code}.",
        CREDITED,
    )


async def release_invoice(
    services: ProviderServices,
    sessionmaker: async_sessionmaker[AsyncSession],
    workspace_id: int,
    invoice_id: int,
    reason: str | None = None,
    *,
    undone_in_provider: bool = False,
) -> Invoice:
    """Delete (concept) or credit (final) the invoice in WeFact, through the connection it was
    made with; its registrations are OPEN again and the record is RELEASED with what
    happened. ``undone_in_provider``: the admin undid it in WeFact by hand because its
    connection is gone — accepted only then."""
    reason = optional_text(reason, "reason", max_length=MAX_DESCRIPTION_LENGTH)
    async with sessionmaker() as session:
        invoice = await _get(session, workspace_id, invoice_id)
        if invoice.status in (InvoiceStatus.RELEASED, InvoiceStatus.FAILED):
            return invoice  # nothing in WeFact, registrations already open
        if invoice.status is InvoiceStatus.PENDING:
            raise Conflict(
                "This invoice is still being made in WeFact. Wait for its run to finish "
                "(or resume it), then release it.",
                field="id", code=InvoicingCode.INVOICE_PENDING,
            )
        if invoice.wefact_identifier is None:
            raise Conflict("This invoice has no WeFact identifier.", field="id")
        identifier = int(invoice.wefact_identifier)
        connection = (
            await session.get(ProviderConnection, invoice.connection_id)
            if invoice.connection_id is not None
            else None
        )
    try:
        provider = connection_provider(services, connection)
    except ConnectionGone:
        if not undone_in_provider:
            raise
        what, status = (
            "Deleted or credited in WeFact/HostFact by hand (its connection is gone).",
            DELETED,
        )
    else:
        if undone_in_provider:
            raise Conflict(
                "This invoice's connection still works, so the app undoes it there itself: "
                "release it without undoneInProvider.",
                field="undoneInProvider",
            )
        try:
            what, status = await _undo_in_provider(provider, identifier)
        except integrations.ProviderError as exc:
            raise provider_error(exc, services) from None
    return await _record_release(sessionmaker, invoice_id, what, status, reason)


async def _record_release(
    sessionmaker: async_sessionmaker[AsyncSession],
    invoice_id: int,
    what: str,
    wefact_status: int | None,
    reason: str | None,
) -> Invoice:
    async with sessionmaker() as session, session.begin():
        row = await locked_invoice(session, invoice_id)
        assert row is not None
        if row.status is InvoiceStatus.RELEASED:
            return row  # a concurrent release recorded it first
        previous = row.status
        row.status = InvoiceStatus.RELEASED
        row.wefact_status = wefact_status
        row.released_reason = f"{what} {reason}" if reason else what
        row.status_changed_at = utcnow()
        await release_registrations(session, invoice_id)
        await session.flush()
        await outbox.invoice_status_changed(session, row, previous)
        await session.refresh(row)  # server-side updated_at, readable after the commit
    return row
