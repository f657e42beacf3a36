"""Undoing Unbilled's bookkeeping when an invoice is released or fails.

Its own module so the invoicing records (which release registrations) can call it without
importing the Unbilled invoicing flow, which itself builds on those records.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.models import Invoice, InvoiceLine, LineKind, Project
from graphql_api.services.unbilled.periods import ONE_DAY
from graphql_api.services.unbilled.report import DEAD_STATUSES


async def reopen_subscription_periods(session: AsyncSession, invoice_id: int) -> None:
    """The invoice was released or failed: its subscription periods are due again.

    Per project on the invoice: ``subscription_billed_until`` goes back to the day before the
    invoice's earliest period, unless a later period is still on a live invoice (then the
    released periods are picked up as "released, not covered" by the report). Runs in the
    caller's transaction; locks the project rows.
    """
    earliest = (
        await session.execute(
            select(InvoiceLine.project_id, func.min(InvoiceLine.period_start))
            .where(
                InvoiceLine.invoice_id == invoice_id,
                InvoiceLine.kind == LineKind.SUBSCRIPTION,
                InvoiceLine.project_id.is_not(None),
                InvoiceLine.period_start.is_not(None),
            )
            .group_by(InvoiceLine.project_id)
            .order_by(InvoiceLine.project_id)
        )
    ).all()
    for project_id, start in earliest:
        project = await session.scalar(
            select(Project)
            .where(Project.id == project_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        billed = project.subscription_billed_until if project is not None else None
        if project is None or billed is None or start is None:
            continue
        later_live = await session.scalar(
            select(
                exists().where(
                    InvoiceLine.project_id == project_id,
                    InvoiceLine.kind == LineKind.SUBSCRIPTION,
                    InvoiceLine.invoice_id != invoice_id,
                    InvoiceLine.period_start >= start,
                    Invoice.id == InvoiceLine.invoice_id,
                    Invoice.status.not_in(DEAD_STATUSES),
                )
            )
        )
        if later_live or billed < start:
            continue
        first = project.subscription_start_date
        project.subscription_billed_until = (
            None if first is not None and start <= first else start - ONE_DAY
        )
    await session.flush()
