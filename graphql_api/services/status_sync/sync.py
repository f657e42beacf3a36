"""The invoice status sync: WeFact has no webhooks, so we poll it.

One STATUS_SYNC run per workspace at a time (the job lock), started by ``syncInvoiceStatuses``
or every 15 minutes for each workspace with an active connection. An invoice belongs to the
connection it was made with, so a run syncs the workspace's current connection and every
earlier one that still has invoices to follow, each with its own key. Per connection:

1. lists the invoices WeFact modified since the last successful sync (``modified[from]``),
   minus a margin, and updates our records matched on WeFact's identifier (same connection):
   status 2 BOOKED for invoices we booked (mode BOOK: WeFact's 2 does not say whether one
   was e-mailed) and SENT for the others, HostFact's 1 (in the send queue) SENT,
   3 PARTLY_PAID, 4 PAID (with the paid date), 8/9 CREDITED. A status unchanged since our
   record is left alone (re-reading is harmless).
2. asks WeFact for each of our CONCEPT invoices (at most ``MAX_CONCEPT_CHECKS`` per run, the
   least recently checked first): a concept WeFact no longer knows was deleted there, so our
   record becomes RELEASED with that reason and its registrations (and subscription periods)
   are open again — exactly as ``releaseInvoice`` leaves them.
3. only then stores the start of this run as the connection's ``last_status_sync_at``: a run
   that failed half way is simply covered again by the next one.

Progress counts invoices: ``progressDone`` every invoice read back from WeFact (listed, or
shown as a concept), ``progressTotal`` null while WeFact is still being listed and equal to
``progressDone`` once the run is complete.

An earlier connection that cannot be reached (its key revoked, say) is a problem of the run
(PARTIAL), not its end; a failing current connection fails the run after the others ran.
Only fields ``invoice/list`` rows carry are read from them (Identifier, InvoiceCode, Status,
Modified); a concept's existence is checked with ``show``.

Decisions:

- The margin (``MARGIN``, one day) covers clock skew and time zones: WeFact reports and filters
  on naive times in its own zone (Europe/Amsterdam; a self-hosted HostFact in any zone), so the
  cut-off is converted to Amsterdam time and a day earlier — anything a little older is read
  again, nothing is missed.
- The very first sync starts at the creation of our oldest invoice still being followed.
- The paid date: the provider's invoice data carries no payment date in our client model, so
  the day WeFact last modified the invoice (when it was marked paid) is used, else today.
- An invoice credited in WeFact by hand becomes CREDITED but its registrations stay invoiced:
  crediting can mean a write-off, and billing the work again must be a decision
  (``releaseInvoice`` on the credited invoice opens them again).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import integrations
from graphql_api import outbox
from graphql_api.errors import DomainError
from graphql_api.jobs import LockScope, RunContext, run_task, start_run
from graphql_api.models import (
    Invoice,
    InvoiceStatus,
    ProviderConnection,
    Run,
    RunKind,
    RunStatus,
    WefactSettings,
)
from graphql_api.models.runs import ACTIVE_RUN_STATUSES
from graphql_api.services.auth import utcnow
from graphql_api.services.invoicing.records import (
    locked_invoice,
    our_status,
    release_registrations,
)
from graphql_api.services.invoicing.selection import local_today
from graphql_api.services.wefact.clock import provider_cutoff
from graphql_api.services.wefact.connection import (
    ProviderServices,
    active_provider,
    provider_error,
)
from graphql_api.services.wefact.connections import connection_provider, describe
from integrations import InvoicingProvider

if TYPE_CHECKING:
    from graphql_api.jobs.worker import JobRunner

logger = logging.getLogger(__name__)

MAX_CONCEPT_CHECKS = 200
"""``invoice/show`` calls per run to detect deleted concepts (WeFact's budget is ~300/min)."""

BATCH = 500
"""Listed invoices matched against ours per transaction."""

TRACKED = (
    InvoiceStatus.CONCEPT,
    InvoiceStatus.BOOKED,
    InvoiceStatus.SENT,
    InvoiceStatus.PARTLY_PAID,
    InvoiceStatus.PAID,
)
"""Statuses WeFact can still change (a paid invoice can still be credited)."""

DELETED_REASON = "The concept was deleted in WeFact (found by the status sync)."


async def start_status_sync(
    services: ProviderServices, session: AsyncSession, workspace_id: int, user_id: int | None
) -> Run:
    """Queue a status sync in the caller's transaction, or return the one already queued or
    running. Raises ``Conflict`` (code NOT_ACTIVATED) without an active WeFact connection."""
    await active_provider(services, session, workspace_id)
    active = await session.scalar(
        select(Run)
        .where(
            Run.workspace_id == workspace_id,
            Run.kind == RunKind.STATUS_SYNC,
            Run.status.in_(ACTIVE_RUN_STATUSES),
        )
        .order_by(Run.id)
        .limit(1)
    )
    if active is not None:
        return active
    return await start_run(session, workspace_id, RunKind.STATUS_SYNC, {}, user_id)


async def start_periodic_status_syncs(runner: JobRunner, timestamp: int) -> None:
    """Periodic job: a status sync for every workspace with an active connection (one that
    still has a sync queued or running is left to it)."""
    sessionmaker = runner.state.sessionmaker
    async with sessionmaker() as session:
        workspace_ids = list(
            await session.scalars(
                select(WefactSettings.workspace_id)
                .where(WefactSettings.active)
                .order_by(WefactSettings.workspace_id)
            )
        )
    for workspace_id in workspace_ids:
        async with sessionmaker() as session, session.begin():
            busy = await session.scalar(
                select(Run.id)
                .where(
                    Run.workspace_id == workspace_id,
                    Run.kind == RunKind.STATUS_SYNC,
                    Run.status.in_(ACTIVE_RUN_STATUSES),
                )
                .limit(1)
            )
            if busy is None:
                await start_run(
                    session, workspace_id, RunKind.STATUS_SYNC, {"trigger": "periodic"}, None
                )


def _paid_on(found: integrations.Invoice) -> dt.date:
    return found.modified.date() if found.modified is not None else local_today()


async def _apply(
    ctx: RunContext, connection_id: int, batch: dict[str, integrations.Invoice]
) -> None:
    """Update our tracked invoices among ``batch`` (by WeFact identifier of the connection),
    one transaction."""
    if not batch:
        return
    updated = 0
    async with ctx.transaction() as session:
        ours = await session.scalars(
            select(Invoice)
            .where(
                Invoice.workspace_id == ctx.workspace_id,
                Invoice.connection_id == connection_id,
                Invoice.wefact_identifier.in_(batch),
                Invoice.status.in_(TRACKED),
            )
            .order_by(Invoice.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        now = utcnow()
        for invoice in ours:
            assert invoice.wefact_identifier is not None
            found = batch[invoice.wefact_identifier]
            status = our_status(found.status, invoice.mode)
            if status is invoice.status and invoice.wefact_status == found.status:
                continue
            previous = invoice.status
            invoice.status = status
            invoice.wefact_status = int(found.status)
            invoice.wefact_code = found.code or invoice.wefact_code
            invoice.status_changed_at = now
            if status is InvoiceStatus.PAID and invoice.paid_at is None:
                invoice.paid_at = _paid_on(found)
            await outbox.invoice_status_changed(session, invoice, previous)
            updated += 1
        await session.flush()
        await ctx.progress(
            done=ctx.progress_done + len(batch),
            counts={"checked": len(batch), "updated": updated},
            session=session,
        )


async def _release_deleted(ctx: RunContext, invoice_id: int) -> bool:
    """Our concept is gone from WeFact: RELEASED, registrations and periods open again."""
    async with ctx.transaction() as session:
        invoice = await locked_invoice(session, invoice_id)
        if invoice is None or invoice.status is not InvoiceStatus.CONCEPT:
            return False  # changed meanwhile (e.g. released by releaseInvoice)
        invoice.status = InvoiceStatus.RELEASED
        invoice.wefact_status = None
        invoice.released_reason = DELETED_REASON
        invoice.status_changed_at = utcnow()
        await release_registrations(session, invoice_id)
        await session.flush()
        await outbox.invoice_status_changed(session, invoice, InvoiceStatus.CONCEPT)
        await ctx.progress(done=ctx.progress_done + 1, counts={"released": 1}, session=session)
    return True


async def _first_since(session: AsyncSession, connection_id: int) -> dt.datetime | None:
    """Where a connection's very first sync starts: its oldest invoice still followed."""
    oldest: dt.datetime | None = await session.scalar(
        select(func.min(Invoice.created_at)).where(
            Invoice.connection_id == connection_id, Invoice.status.in_(TRACKED)
        )
    )
    return oldest


async def _check_concepts(ctx: RunContext, provider: InvoicingProvider, connection_id: int) -> None:
    async with ctx.sessionmaker() as session:
        concepts = (
            await session.execute(
                select(Invoice.id, Invoice.wefact_identifier)
                .where(
                    Invoice.workspace_id == ctx.workspace_id,
                    Invoice.connection_id == connection_id,
                    Invoice.status == InvoiceStatus.CONCEPT,
                    Invoice.wefact_identifier.is_not(None),
                )
                # Least recently touched first, so a long list is covered over several runs.
                .order_by(Invoice.updated_at, Invoice.id)
                .limit(MAX_CONCEPT_CHECKS)
            )
        ).all()
    for invoice_id, identifier in concepts:
        assert identifier is not None  # selected so
        try:
            found = await provider.show_invoice(int(identifier))
        except integrations.NotFoundError:
            await _release_deleted(ctx, invoice_id)
            continue
        await _apply(ctx, connection_id, {identifier: found})
        async with ctx.transaction() as session:
            # Checked: to the back of the queue.
            await session.execute(
                update(Invoice).where(Invoice.id == invoice_id).values(updated_at=func.now())
            )


async def _connections_to_sync(
    session: AsyncSession, workspace_id: int, current_id: int
) -> list[ProviderConnection]:
    """The current connection and every earlier one with invoices still followed."""
    followed = exists().where(
        Invoice.connection_id == ProviderConnection.id, Invoice.status.in_(TRACKED)
    )
    return list(
        await session.scalars(
            select(ProviderConnection)
            .where(
                ProviderConnection.workspace_id == workspace_id,
                or_(ProviderConnection.id == current_id, followed),
            )
            .order_by(ProviderConnection.id)
        )
    )


async def _sync_connection(
    ctx: RunContext,
    services: ProviderServices,
    connection: ProviderConnection,
    started: dt.datetime,
) -> None:
    """One connection's part of the run (see the module docstring)."""
    provider = connection_provider(services, connection)
    async with ctx.sessionmaker() as session:
        since = connection.last_status_sync_at or await _first_since(session, connection.id)
    try:
        if since is not None:
            batch: dict[str, integrations.Invoice] = {}
            async for found in provider.iter_invoices_modified_since(provider_cutoff(since)):
                batch[str(found.identifier)] = found
                if len(batch) >= BATCH:
                    await _apply(ctx, connection.id, batch)
                    batch = {}
            await _apply(ctx, connection.id, batch)
        await _check_concepts(ctx, provider, connection.id)
    except integrations.ProviderError as exc:
        # Plain words and what to do; last_status_sync_at stays, so nothing is skipped.
        raise provider_error(exc, services) from None
    async with ctx.transaction() as session:
        await session.execute(
            update(ProviderConnection)
            .where(ProviderConnection.id == connection.id)
            .values(last_status_sync_at=started)
        )


@run_task(RunKind.STATUS_SYNC, lock=LockScope.KIND_PER_WORKSPACE)
async def sync_invoice_statuses(ctx: RunContext) -> RunStatus:
    """The job of a status sync run (safe to repeat: it only moves records to WeFact's state)."""
    started = utcnow()
    services = ProviderServices.of(ctx.state)
    async with ctx.sessionmaker() as session:
        settings, _ = await active_provider(services, session, ctx.workspace_id)
        connections = await _connections_to_sync(session, ctx.workspace_id, settings.connection_id)
    current_failure: DomainError | None = None
    problems = False
    for connection in connections:
        try:
            await _sync_connection(ctx, services, connection, started)
        except DomainError as exc:
            if connection.id == settings.connection_id:
                current_failure = exc
                continue
            problems = True
            await ctx.problem(
                f"Your earlier {describe(connection)} could not be checked: {exc.message} "
                "Its invoices keep their last known status until it can be reached."
            )
    if current_failure is not None:
        raise current_failure
    # How many invoices WeFact would list is only known once listed: the total is what the
    # run checked, set when it is complete (null until then, as the Run type says).
    await ctx.progress(total=ctx.progress_done)
    return RunStatus.PARTIAL if problems else RunStatus.SUCCEEDED
