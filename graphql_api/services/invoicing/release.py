"""Undo an invoice: delete the concept or credit the final invoice in WeFact, then open its
registrations again.

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
from graphql_api.errors import Conflict, NotFound
from graphql_api.models import Invoice, InvoiceStatus
from graphql_api.services.auth import utcnow
from graphql_api.services.domain.validation import MAX_DESCRIPTION_LENGTH, optional_text
from graphql_api.services.invoicing.records import locked_invoice, release_registrations
from graphql_api.services.wefact.connection import (
    ProviderServices,
    active_provider,
    provider_error,
)
from integrations import InvoiceStatus as ProviderStatus
from integrations import InvoicingProvider


async def _get(session: AsyncSession, workspace_id: int, invoice_id: int) -> Invoice:
    invoice = await session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.workspace_id == workspace_id)
    )
    if invoice is None:
        raise NotFound("There is no invoice with that id in your workspace.", field="id")
    return invoice


async def _undo_in_provider(provider: InvoicingProvider, identifier: int) -> str:
    """Delete or credit; returns what happened, in words for the record."""
    try:
        current = await provider.show_invoice(identifier)
    except integrations.NotFoundError:
        return "The concept was deleted in WeFact."
    if current.status == ProviderStatus.CANCELLED:
        return f"Invoice {current.code} was credited in WeFact."
    if current.status == ProviderStatus.CONCEPT:
        # Deleted meanwhile (another release) is the outcome we want.
        with contextlib.suppress(integrations.NotFoundError):
            await provider.delete_invoice(identifier)
        return "The concept was deleted in WeFact."
    try:
        credit = await provider.credit_invoice(identifier)
    except integrations.ValidationError:
        # Credited meanwhile (a release running at the same time)? Then we are done.
        again = await provider.show_invoice(identifier)
        if again.status == ProviderStatus.CANCELLED:
            return f"Invoice {again.code} was credited in WeFact."
        raise
    return f"Invoice {current.code} was credited in WeFact with credit invoice {credit.code}."


async def release_invoice(
    services: ProviderServices,
    sessionmaker: async_sessionmaker[AsyncSession],
    workspace_id: int,
    invoice_id: int,
    reason: str | None = None,
) -> Invoice:
    """Delete (concept) or credit (final) the invoice in WeFact; its registrations are OPEN
    again and the record is RELEASED with what happened."""
    reason = optional_text(reason, "reason", max_length=MAX_DESCRIPTION_LENGTH)
    async with sessionmaker() as session:
        invoice = await _get(session, workspace_id, invoice_id)
        if invoice.status in (InvoiceStatus.RELEASED, InvoiceStatus.FAILED):
            return invoice  # nothing in WeFact, registrations already open
        if invoice.status is InvoiceStatus.PENDING:
            raise Conflict(
                "This invoice is still being made in WeFact. Wait for its run to finish "
                "(or resume it), then release it.",
                field="id", code="INVOICE_PENDING",
            )
        if invoice.wefact_identifier is None:
            raise Conflict("This invoice has no WeFact identifier.", field="id")
        identifier = int(invoice.wefact_identifier)
        _, provider = await active_provider(services, session, workspace_id)
    try:
        what = await _undo_in_provider(provider, identifier)
    except integrations.ProviderError as exc:
        raise provider_error(exc, services) from None
    async with sessionmaker() as session, session.begin():
        row = await locked_invoice(session, invoice_id)
        assert row is not None
        if row.status is InvoiceStatus.RELEASED:
            return row  # a concurrent release recorded it first
        row.status = InvoiceStatus.RELEASED
        row.wefact_status = None if "deleted" in what else int(ProviderStatus.CANCELLED)
        row.released_reason = f"{what} {reason}" if reason else what
        row.status_changed_at = utcnow()
        await release_registrations(session, invoice_id)
        await session.flush()
        await session.refresh(row)  # server-side updated_at, readable after the commit
    return row

