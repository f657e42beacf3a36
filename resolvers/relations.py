"""Relations between rows, as the schema's relation fields read them (always batched).

A to-one relation answers synchronously when the request already holds the row (a list
preloaded its page's relations), else with an awaitable through the request's loader:
graphql-core awaits what is awaitable, and a field that needs no ``await`` costs a fraction
of one that does (hundreds per page).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from graphql_api import models
from graphql_api.errors import NotFound
from resolvers import loaders
from resolvers.context import Info
from resolvers.loaders import Row

M = TypeVar("M", bound=Row)


def related(info: Info, model: type[M], pk: int) -> M | Awaitable[M]:
    """The ``model`` row ``pk`` of the caller's workspace (the foreign key guarantees it)."""
    row = loaders.peek(info.context, model, pk)
    if row is not None:
        return row
    return _load(info, model, pk)


async def _load(info: Info, model: type[M], pk: int) -> M:
    row = await loaders.load_one(info.context, model, pk)
    if row is None:  # cannot happen: foreign keys keep relations inside the workspace
        raise NotFound(f"{model.__name__} {pk} not found.")
    return row


async def project_activities(info: Info, project_id: int) -> list[models.ProjectActivity]:
    """A project's activities with their rate overrides, by activity name."""
    return await loaders.project_activities_by_project_loader(info.context).load(project_id)


async def invoice_lines(info: Info, invoice_id: int) -> list[models.InvoiceLine]:
    """An invoice's lines, in order."""
    return await loaders.invoice_lines_by_invoice_loader(info.context).load(invoice_id)


async def line_registrations(info: Info, line_id: int) -> list[loaders.Registration]:
    """The time entries, expenses and trips a line covers, by date."""
    return await loaders.registrations_by_invoice_line_loader(info.context).load(line_id)


async def run_invoices(info: Info, run_id: int) -> list[models.Invoice]:
    """A run's invoices, in the order they are made."""
    return await loaders.invoices_by_run_loader(info.context).load(run_id)


async def invoice_run(info: Info, run_id: int | None) -> models.Run | None:
    """The invoice run that made an invoice (null for invoices made otherwise)."""
    if run_id is None:
        return None
    row = await loaders.load_one(info.context, models.Run, run_id)
    return row if row is not None and row.kind is models.RunKind.INVOICE else None


async def details_run(info: Info, run_id: int | None) -> models.Run | None:
    """The details fill a customer import queued (null when it queued none)."""
    if run_id is None:
        return None
    row = await loaders.load_one(info.context, models.Run, int(run_id))
    return row if row is not None and row.kind is models.RunKind.CUSTOMER_DETAILS else None


async def expense_receipt(info: Info, expense_id: int) -> models.ExpenseReceipt | None:
    """An expense's receipt, if it has one."""
    found = await loaders.receipts_by_expense_loader(info.context).load(expense_id)
    return found[0] if found else None


async def invoice_attachments(info: Info, invoice_id: int) -> list[models.InvoiceAttachment]:
    """The files an invoice gets (or got) in WeFact, with how far attaching each got."""
    return await loaders.attachments_by_invoice_loader(info.context).load(invoice_id)
