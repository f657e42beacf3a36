"""Writes on our invoice records that several steps share: reserve, confirm, fail, release."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import BigInteger, Table, any_, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict, InvoicingCode
from graphql_api.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    RegistrationStatus,
)
from graphql_api.services.invoicing.lines import RegKey, RegKind
from graphql_api.services.invoicing.selection import MODELS
from graphql_api.services.unbilled.reopen import reopen_subscription_periods
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


async def reserve_many(
    session: AsyncSession,
    workspace_id: int,
    reservations: Sequence[tuple[RegKey, int]],
    labels: dict[RegKey, str],
) -> None:
    """Point each registration at its line — only those still open and unreserved.

    One ``UPDATE … FROM unnest(ids, line_ids)`` per registration kind, however many there
    are. The condition is re-checked by PostgreSQL under the row lock, so of two racing
    requests exactly one reserves a registration; the loser gets ``Conflict`` naming what it
    lost (its transaction then rolls back: nothing of it stays). Core statements with no
    session synchronisation: the session's loaded rows are not scanned (nor updated).
    """
    by_kind: dict[RegKind, dict[int, int]] = {}
    for key, line_id in reservations:
        by_kind.setdefault(key.kind, {})[key.pk] = line_id
    lost: list[str] = []
    for kind, lines_by_id in by_kind.items():
        table = cast(Table, MODELS[kind].__table__)
        pairs = select(
            func.unnest(literal(list(lines_by_id), ARRAY(BigInteger))).label("id"),
            func.unnest(literal(list(lines_by_id.values()), ARRAY(BigInteger))).label(
                "line_id"
            ),
        ).subquery("pairs")
        reserved = set(
            await session.scalars(
                update(table)
                .where(
                    table.c.id == pairs.c.id,
                    table.c.workspace_id == workspace_id,
                    table.c.invoice_line_id.is_(None),
                    table.c.status == RegistrationStatus.OPEN,
                )
                .values(invoice_line_id=pairs.c.line_id)
                .returning(table.c.id)
            )
        )
        lost.extend(labels[RegKey(kind, pk)] for pk in lines_by_id if pk not in reserved)
    if lost:
        raise Conflict(
            f"{len(lost)} of the selected registrations were just invoiced or reserved by "
            f"another invoice run: {', '.join(lost[:10])}. Nothing was invoiced; refresh "
            "and select again.",
            field="ids",
            code=InvoicingCode.ALREADY_INVOICED,
        )


# The registrations a line of each kind covers (other kinds: any, to be safe).
_COVERED_BY: dict[LineKind, RegKind] = {
    LineKind.HOURS: RegKind.TIME_ENTRY,
    LineKind.EXPENSE: RegKind.EXPENSE,
    LineKind.TRIP: RegKind.TRIP,
}


async def mark_invoiced(
    session: AsyncSession, invoice_id: int, lines: Sequence[InvoiceLine] | None = None
) -> int:
    """The invoice's registrations become INVOICED (they keep their line). Returns how many.

    ``lines``: the invoice's lines when the caller has them already; then only the
    registration kinds they cover are updated, one bulk UPDATE per kind by
    ``invoice_line_id = ANY(ids)`` (one parameter), without session synchronisation."""
    if lines is None:
        return await _mark_invoiced_by_query(session, invoice_id)
    by_kind: dict[RegKind, list[int]] = {}
    for line in lines:
        kinds = [_COVERED_BY[line.kind]] if line.kind in _COVERED_BY else list(MODELS)
        for kind in kinds:
            by_kind.setdefault(kind, []).append(line.id)
    count = 0
    for kind, line_ids in by_kind.items():
        table = cast(Table, MODELS[kind].__table__)
        result = await session.execute(
            update(table)
            .where(table.c.invoice_line_id == any_(literal(line_ids, ARRAY(BigInteger))))
            .values(status=RegistrationStatus.INVOICED, updated_at=func.now())
        )
        count += int(result.rowcount)  # type: ignore[attr-defined]
    return count


async def _mark_invoiced_by_query(session: AsyncSession, invoice_id: int) -> int:
    count = 0
    line_ids = select(InvoiceLine.id).where(InvoiceLine.invoice_id == invoice_id)
    for model in MODELS.values():
        result = await session.execute(
            update(model)
            .where(model.invoice_line_id.in_(line_ids))
            .values(status=RegistrationStatus.INVOICED, updated_at=func.now())
            .execution_options(synchronize_session=False)
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
    # Its subscription periods are due again too (Unbilled).
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
