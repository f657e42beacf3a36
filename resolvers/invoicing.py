"""Invoicing in WeFact: preview, invoice, resume, release, and the records.

Relations resolve through per-request DataLoaders (``InvoiceLinesByInvoiceLoader``,
``RegistrationsByInvoiceLineLoader``, ``InvoicesByRunLoader`` and the by-id loaders), so a
list of invoices with their lines and registrations costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.services import invoicing as service
from graphql_api.services.invoicing.lines import RegKind
from resolvers.context import Info
from resolvers.ids import parse_global_id
from resolvers.loaders import load_one
from resolvers.pagination import Listing
from resolvers.runs import finished_or_running, run_by_id
from resolvers.wefact import services

_KINDS = {kind.value: kind for kind in RegKind}


def registration_refs(ids: Sequence[str]) -> list[service.RegistrationRef]:
    """Decode ids; anything that is not a registration id becomes an unknown reference (the
    selection reports it, by the id as sent)."""
    refs = []
    for value in ids:
        parsed = parse_global_id(value)
        kind = _KINDS.get(parsed[0]) if parsed is not None else None
        pk = parsed[1] if parsed is not None else 0
        refs.append(service.RegistrationRef(kind, pk, str(value)))
    return refs


async def preview_invoice(
    info: Info, ids: Sequence[str], options: service.InvoiceOptions
) -> service.Selection:
    """A dry run of invoiceInWefact: reads only, calls nothing."""
    async with info.context.session() as session:
        return await service.preview_invoices(
            session, info.context.workspace_id, registration_refs(ids), options
        )


async def invoice_in_wefact(
    info: Info, ids: Sequence[str], options: service.InvoiceOptions
) -> models.Run:
    """Record and reserve in one transaction, queue the run, wait a little for it."""
    context = info.context

    async def start(session: AsyncSession) -> int:
        run = await service.start_invoice_run(
            session, context.workspace_id, context.user_id, registration_refs(ids), options
        )
        return run.id

    # Committed at once (the worker must see it); a retried request gets this same run.
    return await finished_or_running(info, await context.once("Run", start))


async def resume_invoice_run(info: Info, run_id: int) -> models.Run:
    """Queue a stopped run again; it finds pending invoices by reference before adding."""
    context = info.context

    async def resume(session: AsyncSession) -> int:
        run = await service.resume_invoice_run(session, context.workspace_id, run_id)
        return run.id

    # Committed at once (the worker must see it); a retried request gets this same run.
    return await finished_or_running(info, await context.once("Run", resume))


async def release_invoice(
    info: Info, invoice_id: int, reason: str | None, *, undone_in_provider: bool = False
) -> models.Invoice:
    """Delete the concept or credit the invoice in WeFact (through the connection it was
    made with); its registrations open again. ``undone_in_provider``: the admin undid it by
    hand because that connection is gone."""
    context = info.context
    return await service.release_invoice(
        services(context), context.state.sessionmaker, context.workspace_id, invoice_id,
        reason, undone_in_provider=undone_in_provider,
    )


async def invoice_run(info: Info, global_id: str) -> models.Run | None:
    """An invoice run of the workspace by an InvoiceRun or Run id; null when unknown."""
    return await run_by_id(info, global_id, ("InvoiceRun", "Run"), kind=models.RunKind.INVOICE)


async def invoice(info: Info, global_id: str) -> models.Invoice | None:
    """An invoice of the workspace; null when unknown (also for other workspaces)."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != "Invoice":
        return None
    return await load_one(info.context, models.Invoice, parsed[1])


def invoices(workspace_id: int, criteria: service.InvoiceFilter) -> Listing:
    """Our invoices, newest first."""
    return Listing(
        service.invoices_query(workspace_id, criteria), [models.Invoice.id], descending=True
    )
