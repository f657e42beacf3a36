"""Writes on our invoice records that several steps share: reserve, confirm, fail, release."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict
from graphql_api.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RegistrationStatus,
    TimeEntry,
)
from graphql_api.services.invoicing.lines import RegKey, RegKind
from graphql_api.services.invoicing.selection import MODELS
from integrations import InvoiceStatus as ProviderStatus

# WeFact's status code → our record's status.
STATUS_FROM_PROVIDER = {
    ProviderStatus.CONCEPT: InvoiceStatus.CONCEPT,
    ProviderStatus.QUEUED: InvoiceStatus.SENT,
    ProviderStatus.SENT: InvoiceStatus.SENT,
    ProviderStatus.PARTLY_PAID: InvoiceStatus.PARTLY_PAID,
    ProviderStatus.PAID: InvoiceStatus.PAID,
    ProviderStatus.CREDIT: InvoiceStatus.CREDITED,
    ProviderStatus.CANCELLED: InvoiceStatus.CREDITED,
}


def our_status(provider_status: int) -> InvoiceStatus:
    """Our status for a WeFact status code (unknown codes count as sent: final, numbered)."""
    try:
        return STATUS_FROM_PROVIDER[ProviderStatus(provider_status)]
    except ValueError:
        return InvoiceStatus.SENT


async def reserve(
    session: AsyncSession, workspace_id: int, line_id: int, keys: Iterable[RegKey],
    labels: dict[RegKey, str],
) -> None:
    """Point the registrations at ``line_id`` — only those still open and unreserved.

    The condition is re-checked by PostgreSQL under the row lock, so of two racing requests
    exactly one reserves a registration; the loser gets ``Conflict`` naming what it lost
    (its transaction then rolls back: nothing of it stays).
    """
    by_kind: dict[RegKind, list[int]] = {}
    for key in keys:
        by_kind.setdefault(key.kind, []).append(key.pk)
    for kind, ids in by_kind.items():
        model: type[TimeEntry] = MODELS[kind]  # type: ignore[assignment]
        reserved = set(
            await session.scalars(
                update(model)
                .where(
                    model.id.in_(ids),
                    model.workspace_id == workspace_id,
                    model.invoice_line_id.is_(None),
                    model.status == RegistrationStatus.OPEN,
                )
                .values(invoice_line_id=line_id)
                .returning(model.id)
            )
        )
        lost = [labels[RegKey(kind, pk)] for pk in ids if pk not in reserved]
        if lost:
            raise Conflict(
                f"{len(lost)} of the selected registrations were just invoiced or reserved by "
                f"another invoice run: {', '.join(lost[:10])}. Nothing was invoiced; refresh "
                "and select again.",
                field="ids",
                code="ALREADY_INVOICED",
            )


async def mark_invoiced(session: AsyncSession, invoice_id: int) -> int:
    """The invoice's registrations become INVOICED (they keep their line). Returns how many."""
    count = 0
    line_ids = select(InvoiceLine.id).where(InvoiceLine.invoice_id == invoice_id)
    for model in MODELS.values():
        result = await session.execute(
            update(model)
            .where(model.invoice_line_id.in_(line_ids))
            .values(status=RegistrationStatus.INVOICED, updated_at=func.now())
        )
        count += int(result.rowcount)  # type: ignore[attr-defined]
    return count


async def release_registrations(session: AsyncSession, invoice_id: int) -> int:
    """The invoice's registrations become OPEN and unreserved again. Returns how many."""
    count = 0
    line_ids = select(InvoiceLine.id).where(InvoiceLine.invoice_id == invoice_id)
    for model in MODELS.values():
        result = await session.execute(
            update(model)
            .where(model.invoice_line_id.in_(line_ids))
            .values(
                invoice_line_id=None, status=RegistrationStatus.OPEN, updated_at=func.now()
            )
        )
        count += int(result.rowcount)  # type: ignore[attr-defined]
    # Its subscription periods are due again too (Unbilled); imported here: unbilled builds
    # on this module.
    from graphql_api.services.unbilled.invoice import reopen_subscription_periods

    await reopen_subscription_periods(session, invoice_id)
    return count


async def locked_invoice(session: AsyncSession, invoice_id: int) -> Invoice | None:
    """The invoice row, locked for this transaction, freshly read."""
    return await session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
