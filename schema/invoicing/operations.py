"""Root fields of invoicing in WeFact."""

from __future__ import annotations

import strawberry

from resolvers import invoicing
from resolvers.domain.permissions import IsManager
from resolvers.permissions import IsAdmin
from schema.invoicing import types
from schema.relay import Connection


@strawberry.type
class InvoicingQuery:
    preview_invoice: types.InvoicePreview = strawberry.field(
        resolver=invoicing.preview_invoice,
        permission_classes=[IsManager],
        description="A dry run of invoiceInWefact: the invoices per customer with every line, "
        "totals per VAT rate and every problem. Writes nothing and calls nothing.",
    )
    invoice_run: types.InvoiceRun | None = strawberry.field(
        resolver=invoicing.invoice_run,
        permission_classes=[IsManager],
        description="An invoice run by global id (an InvoiceRun or Run id); null when unknown.",
    )
    invoice: types.Invoice | None = strawberry.field(
        resolver=invoicing.invoice,
        permission_classes=[IsManager],
        description="An invoice by global id; null when unknown.",
    )
    invoices: Connection[types.Invoice] = strawberry.field(
        resolver=invoicing.invoices,
        permission_classes=[IsManager],
        description="Our invoice records, newest first; `first` at most 100.",
    )


@strawberry.type
class InvoicingMutation:
    invoice_in_wefact: types.InvoiceInWefactResult = strawberry.mutation(
        resolver=invoicing.invoice_in_wefact,
        permission_classes=[IsManager],
        description="Invoice the selected hours, expenses and trips in WeFact, one invoice per "
        "customer (or project), exactly once: the invoices are recorded and the registrations "
        "reserved first, then a run makes them in WeFact (waited for a few seconds).",
    )
    resume_invoice_run: types.ResumeInvoiceRunResult = strawberry.mutation(
        resolver=invoicing.resume_invoice_run,
        permission_classes=[IsAdmin],
        description="Resume a stopped invoice run: pending invoices are looked up in WeFact by "
        "reference first, so none is made twice.",
    )
    release_invoice: types.ReleaseInvoiceResult = strawberry.mutation(
        resolver=invoicing.release_invoice,
        permission_classes=[IsAdmin],
        description="Undo an invoice: a concept is deleted in WeFact, a final invoice credited, "
        "through the connection it was made with (also after switching); its registrations "
        "become OPEN again. Safe to repeat. Refused with ConflictError CONNECTION_GONE when "
        "that connection is no longer stored or usable.",
    )
