"""Per-request DataLoaders: one batched, workspace-scoped query per relation and request.

Each batch opens its own session, because batches of different loaders run concurrently.

A list resolver may instead ``preload`` its page's relations in its own session, one query
after another, and prime the loaders with them; relation fields then ``peek`` at the primed
rows without awaiting anything (an ``await`` per field costs more CPU than the field itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from graphql_api import models
from resolvers.context import Context


class Row(Protocol):
    """A row with a primary key (every model)."""

    @property
    def id(self) -> int: ...


M = TypeVar("M", bound=Row)


def by_id_loader(context: Context, model: type[M]) -> DataLoader[int, M | None]:
    """The request's ``<Model>ByIdLoader``: rows of ``model`` by primary key, in the workspace."""
    name = f"{model.__name__}ByIdLoader"
    loader: DataLoader[int, M | None] | None = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(ids: Sequence[int]) -> list[M | None]:
            async with context.session() as session:
                found = await _rows_by_id(session, model, workspace_id, ids)
            return [found.get(pk) for pk in ids]

        loader = context.loaders[name] = DataLoader(load_fn=load)
    return loader


async def _rows_by_id(
    session: AsyncSession, model: type[M], workspace_id: int, ids: Iterable[int]
) -> dict[int, M]:
    """Rows of ``model`` by primary key, only in the workspace (an id elsewhere is not found)."""
    table: Any = model
    # A workspace is its own workspace.
    scope = table.id if model is models.Workspace else table.workspace_id
    rows = await session.scalars(
        select(model).where(table.id.in_(list(ids)), scope == workspace_id)
    )
    return {row.id: row for row in rows}


async def preload(
    context: Context, session: AsyncSession, model: type[M], ids: Iterable[int]
) -> dict[int, M]:
    """Rows of ``model`` by id, read in the caller's ``session`` and primed into the request's
    ``<Model>ByIdLoader``; rows the loader already holds are not read again.

    ``session`` must be the caller's own (never one another resolver may be using): preloading
    runs its queries one after another, inside the resolver that owns the session.
    """
    loader = by_id_loader(context, model)
    found: dict[int, M] = {}
    missing: set[int] = set()
    for pk in set(ids):
        row = peek(context, model, pk)
        if row is None:
            missing.add(pk)
        else:
            found[pk] = row
    if missing:
        rows = await _rows_by_id(session, model, context.workspace_id, missing)
        loader.prime_many(rows)
        found.update(rows)
    return found


def prime(context: Context, model: type[M], rows: Iterable[M]) -> None:
    """Hand rows read elsewhere (e.g. by a report) to the request's ``<Model>ByIdLoader``."""
    by_id_loader(context, model).prime_many({row.id: row for row in rows})


def peek(context: Context, model: type[M], pk: int) -> M | None:
    """The row if the request's loader already holds it (primed or loaded), else None.

    Synchronous on purpose: a field answering from here needs no ``await``.
    """
    loader = context.loaders.get(f"{model.__name__}ByIdLoader")
    if loader is None:
        return None
    future = loader.cache_map.get(pk)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return None
    row: M | None = future.result()
    return row


async def load_one(context: Context, model: type[M], pk: int) -> M | None:
    """One row of the caller's workspace, through the request's loader."""
    return await by_id_loader(context, model).load(pk)


def _grouped_loader(
    context: Context, name: str, model: Any, key: Any, *, order: Sequence[Any], join: Any = None
) -> DataLoader[int, list[Any]]:
    """``<Things>By<Key>Loader``: rows of ``model`` grouped by ``key``, in ``order``."""
    loader: DataLoader[int, list[Any]] | None = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(keys: Sequence[int]) -> list[list[Any]]:
            stmt = select(model).where(key.in_(keys), model.workspace_id == workspace_id)
            if join is not None:
                stmt = stmt.join(*join)
            async with context.session() as session:
                rows = await session.scalars(stmt.order_by(*order))
                grouped: dict[int, list[Any]] = {k: [] for k in keys}
                for row in rows:
                    grouped[getattr(row, key.key)].append(row)
            return [grouped[k] for k in keys]

        loader = context.loaders[name] = DataLoader(load_fn=load)
    return loader


def project_activities_by_project_loader(
    context: Context,
) -> DataLoader[int, list[models.ProjectActivity]]:
    """``ProjectActivitiesByProjectLoader``: a project's activities, by activity name."""
    link, activity = models.ProjectActivity, models.Activity
    return _grouped_loader(
        context, "ProjectActivitiesByProjectLoader", link, link.project_id,
        order=[activity.name, activity.id], join=(activity, activity.id == link.activity_id),
    )


def invoice_lines_by_invoice_loader(
    context: Context,
) -> DataLoader[int, list[models.InvoiceLine]]:
    """``InvoiceLinesByInvoiceLoader``: an invoice's lines, in order."""
    line = models.InvoiceLine
    return _grouped_loader(
        context, "InvoiceLinesByInvoiceLoader", line, line.invoice_id,
        order=[line.position, line.id],
    )


def invoices_by_run_loader(context: Context) -> DataLoader[int, list[models.Invoice]]:
    """``InvoicesByRunLoader``: a run's invoices, in the order they are made."""
    invoice = models.Invoice
    return _grouped_loader(
        context, "InvoicesByRunLoader", invoice, invoice.run_id, order=[invoice.id]
    )


Registration = models.TimeEntry | models.Expense | models.Trip


def registrations_by_invoice_line_loader(
    context: Context,
) -> DataLoader[int, list[Registration]]:
    """``RegistrationsByInvoiceLineLoader``: entries, expenses and trips of a line, by date."""
    name = "RegistrationsByInvoiceLineLoader"
    loader: DataLoader[int, list[Registration]] | None = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id

        async def load(line_ids: Sequence[int]) -> list[list[Registration]]:
            grouped: dict[int, list[Registration]] = {k: [] for k in line_ids}
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
                        grouped[row.invoice_line_id].append(row)
            return [sorted(grouped[k], key=lambda r: (r.date, r.id)) for k in line_ids]

        loader = context.loaders[name] = DataLoader(load_fn=load)
    return loader


def receipts_by_expense_loader(
    context: Context,
) -> DataLoader[int, list[models.ExpenseReceipt]]:
    """``ReceiptsByExpenseLoader``: an expense's receipt (at most one), without its bytes."""
    receipt = models.ExpenseReceipt
    return _grouped_loader(
        context, "ReceiptsByExpenseLoader", receipt, receipt.expense_id, order=[receipt.id]
    )


def attachments_by_invoice_loader(
    context: Context,
) -> DataLoader[int, list[models.InvoiceAttachment]]:
    """``AttachmentsByInvoiceLoader``: the files an invoice gets in WeFact, in order."""
    attachment = models.InvoiceAttachment
    return _grouped_loader(
        context, "AttachmentsByInvoiceLoader", attachment, attachment.invoice_id,
        order=[attachment.id],
    )


# ---------------------------------------------------------------- webhooks


def webhook_attempts_by_delivery_loader(
    context: Context,
) -> DataLoader[int, list[models.WebhookAttempt]]:
    """``WebhookAttemptsByDeliveryLoader``: a delivery's attempts, first first."""
    attempt = models.WebhookAttempt
    return _grouped_loader(
        context, "WebhookAttemptsByDeliveryLoader", attempt, attempt.delivery_id,
        order=[attempt.number, attempt.id],
    )


def webhook_deliveries_by_endpoint_loader(
    context: Context, first: int
) -> DataLoader[int, list[models.WebhookDelivery]]:
    """``WebhookDeliveriesByEndpointLoader``: each endpoint's ``first`` latest deliveries,
    newest first — one query for every endpoint of the request (a window per endpoint)."""
    name = f"WebhookDeliveriesByEndpointLoader:{first}"
    loader: DataLoader[int, list[models.WebhookDelivery]] | None = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id
        delivery = models.WebhookDelivery

        async def load(keys: Sequence[int]) -> list[list[models.WebhookDelivery]]:
            rank = (
                func.row_number()
                .over(partition_by=delivery.endpoint_id, order_by=delivery.id.desc())
                .label("rank")
            )
            ranked = (
                select(delivery.id, rank)
                .where(delivery.endpoint_id.in_(keys), delivery.workspace_id == workspace_id)
                .subquery()
            )
            stmt = (
                select(delivery)
                .join(ranked, ranked.c.id == delivery.id)
                .where(ranked.c.rank <= first)
                .order_by(delivery.id.desc())
            )
            async with context.session() as session:
                grouped: dict[int, list[models.WebhookDelivery]] = {k: [] for k in keys}
                for row in await session.scalars(stmt):
                    grouped[row.endpoint_id].append(row)
            return [grouped[k] for k in keys]

        loader = context.loaders[name] = DataLoader(load_fn=load)
    return loader


def webhook_event_loader(context: Context) -> DataLoader[str, models.WebhookEvent | None]:
    """``WebhookEventByIdLoader``: events by their ``webhook-id``, in the workspace."""
    name = "WebhookEventByIdLoader"
    loader: DataLoader[str, models.WebhookEvent | None] | None = context.loaders.get(name)
    if loader is None:
        workspace_id = context.workspace_id
        event = models.WebhookEvent

        async def load(keys: Sequence[str]) -> list[models.WebhookEvent | None]:
            async with context.session() as session:
                rows = await session.scalars(
                    select(event).where(event.id.in_(keys), event.workspace_id == workspace_id)
                )
                found = {row.id: row for row in rows}
            return [found.get(k) for k in keys]

        loader = context.loaders[name] = DataLoader(load_fn=load)
    return loader
