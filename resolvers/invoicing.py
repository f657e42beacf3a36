"""Resolvers of invoicing in WeFact: preview, invoice, resume, release, and the records.

Relations resolve through per-request DataLoaders (``InvoiceLinesByInvoiceLoader``,
``RegistrationsByInvoiceLineLoader``, ``InvoicesByRunLoader`` and the by-id loaders), so a
list of invoices with their lines and registrations costs a fixed number of queries.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from graphql_api import models
from graphql_api.errors import DomainError, NotFound
from graphql_api.jobs import wait_for_run
from graphql_api.services import invoicing as service
from graphql_api.services.invoicing.lines import GroupBy, RegKind
from resolvers.context import Context, Info
from resolvers.domain.common import AFTER, FIRST
from resolvers.domain.common import query as client_errors
from resolvers.loaders import load_one
from resolvers.pagination import paginate
from resolvers.wefact import connection_error, services
from schema.errors import to_error
from schema.invoicing import types
from schema.relay import Connection, decode_id

if TYPE_CHECKING:
    from schema.domain.types import Customer, Project, Registration

IDS = Annotated[
    list[strawberry.ID],
    strawberry.argument(
        description="Global ids of time entries, expenses and trips, mixed (at most 1000)."
    ),
]
OPTIONS = Annotated[
    types.InvoiceOptionsInput | None, strawberry.argument(description="How to invoice.")
]
ID_ARG = Annotated[strawberry.ID, strawberry.argument(description="Global id.")]
FILTER = Annotated[
    types.InvoiceFilter | None, strawberry.argument(description="Which invoices.")
]

_KINDS = {kind.value: kind for kind in RegKind}


# ---------------------------------------------------------------- input mapping


def registration_refs(ids: Sequence[str]) -> list[service.RegistrationRef]:
    """Decode ids; anything that is not a registration id becomes an unknown reference."""
    refs = []
    for gid in ids:
        try:
            type_name, _, raw = base64.urlsafe_b64decode(gid.encode()).decode().partition(":")
            kind, pk = _KINDS.get(type_name), int(raw)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            kind, pk = None, 0
        refs.append(service.RegistrationRef(kind, pk, str(gid)))
    return refs


def options_of(value: types.InvoiceOptionsInput | None) -> service.InvoiceOptions:
    """The service's options from the input."""
    if value is None:
        return service.InvoiceOptions()
    return service.InvoiceOptions(
        mode=models.InvoiceMode(value.mode.value) if value.mode else None,
        group_by=GroupBy(value.group_by.value) if value.group_by else None,
        per_project=value.per_project,
        invoice_date=value.invoice_date,
        term_days=value.term_days,
        reference=value.reference,
        description=value.description,
    )


def _run_pk(gid: str, field: str = "id") -> int:
    return decode_id(gid, ("InvoiceRun", "Run"), field=field)


# ---------------------------------------------------------------- loaders


def _grouped_loader(
    context: Context, name: str, model: Any, key: Any, order: Sequence[Any]
) -> DataLoader[int, list[Any]]:
    loader = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(keys: Sequence[int]) -> list[list[Any]]:
            async with context.session() as session:
                rows = await session.scalars(
                    select(model)
                    .where(key.in_(keys), model.workspace_id == workspace_id)
                    .order_by(*order)
                )
                grouped: dict[int, list[Any]] = {k: [] for k in keys}
                for row in rows:
                    grouped[getattr(row, key.key)].append(row)
            return [grouped[k] for k in keys]

        loader = DataLoader(load_fn=load)
        context.loaders[name] = loader
    return loader


def invoice_lines_by_invoice_loader(context: Context) -> DataLoader[int, list[Any]]:
    """``InvoiceLinesByInvoiceLoader``: an invoice's lines, in order."""
    line = models.InvoiceLine
    return _grouped_loader(
        context, "InvoiceLinesByInvoiceLoader", line, line.invoice_id, [line.position, line.id]
    )


def invoices_by_run_loader(context: Context) -> DataLoader[int, list[Any]]:
    """``InvoicesByRunLoader``: a run's invoices, in the order they are made."""
    invoice = models.Invoice
    return _grouped_loader(context, "InvoicesByRunLoader", invoice, invoice.run_id, [invoice.id])


def registrations_by_invoice_line_loader(context: Context) -> DataLoader[int, list[Any]]:
    """``RegistrationsByInvoiceLineLoader``: entries, expenses and trips of a line, by date."""
    name = "RegistrationsByInvoiceLineLoader"
    loader = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(line_ids: Sequence[int]) -> list[list[Any]]:
            grouped: dict[int, list[Any]] = {k: [] for k in line_ids}
            async with context.session() as session:
                model: Any
                for model in (models.TimeEntry, models.Expense, models.Trip):
                    rows = await session.scalars(
                        select(model).where(
                            model.invoice_line_id.in_(line_ids),
                            model.workspace_id == workspace_id,
                        )
                    )
                    for row in rows:
                        assert row.invoice_line_id is not None
                        grouped[row.invoice_line_id].append(row)
            return [sorted(grouped[k], key=lambda r: (r.date, r.id)) for k in line_ids]

        loader = DataLoader(load_fn=load)
        context.loaders[name] = loader
    return loader


# ---------------------------------------------------------------- relation resolvers


async def resolve_customer(info: Info, pk: int | None) -> Customer | None:
    """A customer through the request's loader."""
    from schema.domain.types import Customer

    if pk is None:
        return None
    row = await load_one(info.context, models.Customer, pk)
    return Customer.from_model(row) if row is not None else None


async def resolve_project(info: Info, pk: int | None) -> Project | None:
    """A project through the request's loader."""
    from schema.domain.types import Project

    if pk is None:
        return None
    row = await load_one(info.context, models.Project, pk)
    return Project.from_model(row) if row is not None else None


async def resolve_invoice(info: Info, pk: int) -> types.Invoice | None:
    """An invoice through the request's loader."""
    row = await load_one(info.context, models.Invoice, pk)
    return types.Invoice.from_model(row) if row is not None else None


async def resolve_invoice_lines(info: Info, invoice_pk: int) -> list[types.InvoiceLine]:
    """An invoice's lines."""
    rows = await invoice_lines_by_invoice_loader(info.context).load(invoice_pk)
    return [types.InvoiceLine.from_model(row) for row in rows]


async def resolve_line_registrations(info: Info, line_pk: int) -> list[Registration]:
    """What a line covers, as the domain's registration types."""
    from schema.domain.types import Expense, TimeEntry, Trip

    rows = await registrations_by_invoice_line_loader(info.context).load(line_pk)
    out: list[Any] = []
    for row in rows:
        if isinstance(row, models.TimeEntry):
            out.append(TimeEntry.from_model(row))
        elif isinstance(row, models.Expense):
            out.append(Expense.from_model(row))
        else:
            out.append(Trip.from_model(row))
    return out


async def resolve_invoice_line(info: Info, line_pk: int | None) -> types.InvoiceLine | None:
    """The line a registration is on (used by the registration types)."""
    if line_pk is None:
        return None
    row = await load_one(info.context, models.InvoiceLine, line_pk)
    return types.InvoiceLine.from_model(row) if row is not None else None


async def resolve_run_invoices(info: Info, run_pk: int) -> list[types.Invoice]:
    """A run's invoices."""
    rows = await invoices_by_run_loader(info.context).load(run_pk)
    return [types.Invoice.from_model(row) for row in rows]


async def load_run(info: Info, run_pk: int) -> models.Run:
    """A run row of the workspace (it exists: invoices and views point at it)."""
    row = await load_one(info.context, models.Run, run_pk)
    if row is None:
        raise NotFound("Run not found.")
    return row


async def resolve_invoice_run(info: Info, run_pk: int | None) -> types.InvoiceRun | None:
    """An invoice run by primary key."""
    if run_pk is None:
        return None
    row = await load_one(info.context, models.Run, run_pk)
    if row is None or row.kind is not models.RunKind.INVOICE:
        return None
    return types.InvoiceRun.from_model(row)


# ---------------------------------------------------------------- root fields


async def preview_invoice(info: Info, ids: IDS, options: OPTIONS = None) -> types.InvoicePreview:
    """A dry run of invoiceInWefact: reads only, calls nothing."""
    refs = registration_refs(ids)

    async def read() -> service.Selection:
        async with info.context.session() as session:
            return await service.preview_invoices(
                session, info.context.workspace_id, refs, options_of(options)
            )

    selection = await client_errors(read())
    return types.preview_from_service(selection)


async def invoice_in_wefact(
    info: Info, input: types.InvoiceInWefactInput
) -> types.InvoiceInWefactResult:
    """Record and reserve in one transaction, queue the run, wait a little for it."""
    context = info.context

    async def start(session: AsyncSession) -> int:
        run = await service.start_invoice_run(
            session, context.workspace_id, context.user_id,
            registration_refs(input.ids), options_of(input.options),
        )
        return run.id

    try:
        # Committed at once (the worker must see it); a retried request gets this same run.
        run_id = await context.once("Run", start)
    except DomainError as exc:
        return connection_error(context, exc)  # type: ignore[return-value]
    state = context.state
    row = await wait_for_run(state.sessionmaker, run_id, state.settings.run_wait_seconds)
    return types.InvoiceRun.from_model(row)


async def resume_invoice_run(
    info: Info, input: types.ResumeInvoiceRunInput
) -> types.ResumeInvoiceRunResult:
    """Queue a stopped run again; it finds pending invoices by reference before adding."""
    context = info.context

    async def resume(session: AsyncSession) -> int:
        run = await service.resume_invoice_run(session, context.workspace_id, pk)
        return run.id

    try:
        pk = _run_pk(input.id)
        run_id = await context.once("Run", resume)
    except DomainError as exc:
        return to_error(exc)  # type: ignore[return-value]
    state = context.state
    row = await wait_for_run(state.sessionmaker, run_id, state.settings.run_wait_seconds)
    return types.InvoiceRun.from_model(row)


async def release_invoice(
    info: Info, input: types.ReleaseInvoiceInput
) -> types.ReleaseInvoiceResult:
    """Delete the concept or credit the invoice in WeFact; its registrations open again."""
    context = info.context
    try:
        pk = decode_id(input.id, "Invoice")
        row = await service.release_invoice(
            services(context), context.state.sessionmaker, context.workspace_id, pk,
            input.reason,
        )
    except DomainError as exc:
        return connection_error(context, exc)  # type: ignore[return-value]
    return types.Invoice.from_model(row)


async def invoice_run(info: Info, id: ID_ARG) -> types.InvoiceRun | None:
    """An invoice run of the workspace; null when unknown (also for other workspaces)."""
    try:
        pk = _run_pk(id)
    except NotFound:
        return None
    return await resolve_invoice_run(info, pk)


async def invoice(info: Info, id: ID_ARG) -> types.Invoice | None:
    """An invoice of the workspace; null when unknown (also for other workspaces)."""
    try:
        pk = decode_id(id, "Invoice")
    except NotFound:
        return None
    return await resolve_invoice(info, pk)


async def invoices(
    info: Info, filter: FILTER = None, first: FIRST = 20, after: AFTER = None
) -> Connection[types.Invoice]:
    """Our invoices, newest first."""
    f = filter or types.InvoiceFilter()

    async def read() -> Connection[types.Invoice]:
        criteria = service.InvoiceFilter(
            statuses=tuple(models.InvoiceStatus(s) for s in f.statuses or ()),
            customer_id=decode_id(f.customer_id, "Customer", field="customerId")
            if f.customer_id else None,
            run_id=_run_pk(f.run_id, "runId") if f.run_id else None,
            date_from=f.date_from,
            date_to=f.date_to,
        )
        return await paginate(
            info.context,
            service.invoices_query(info.context.workspace_id, criteria),
            keys=[models.Invoice.id],
            first=first,
            after=after,
            to_node=types.Invoice.from_model,
            descending=True,
        )

    return await client_errors(read())
