"""Root fields of invoicing in WeFact."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from graphql_api.services import invoicing as service
from resolvers import invoicing
from resolvers.context import Info
from resolvers.ids import decode_id
from resolvers.pagination import Listing, Page, paginate_listing
from resolvers.permissions import IsAdmin, IsManager
from resolvers.reads import ClientErrors
from schema.invoicing import types
from schema.relay import AFTER, FIRST, Connection

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
FILTER = Annotated[types.InvoiceFilter | None, strawberry.argument(description="Which invoices.")]
RESUME = Annotated[
    types.ResumeInvoiceRunInput, strawberry.argument(description="Which invoice run.")
]
RELEASE = Annotated[
    types.ReleaseInvoiceInput, strawberry.argument(description="Which invoice, and why.")
]


def invoices_listing(workspace_id: int, filter: types.InvoiceFilter | None = None) -> Listing:
    """The rows ``invoices`` shows: both read paths build them here."""
    return invoicing.invoices(workspace_id, (filter or types.InvoiceFilter()).criteria())


LISTINGS = {"invoices": invoices_listing}
"""List fields by GraphQL name → their rows (from the field's arguments but ``first`` and
``after``): what the compiled reads (``schema.compiled``) answer in one statement."""


@strawberry.type
class InvoicingQuery:
    @strawberry.field(
        graphql_type=types.InvoicePreview,
        permission_classes=[IsManager],
        extensions=[ClientErrors()],
        description="A dry run of invoiceInWefact: the invoices per customer with every line, "
        "totals per VAT rate and every problem. Writes nothing and calls nothing.",
    )
    async def preview_invoice(
        self, info: Info, ids: IDS, options: OPTIONS = None
    ) -> service.Selection:
        return await invoicing.preview_invoice(info, ids, types.invoice_options(options))

    @strawberry.field(
        graphql_type=types.InvoiceRun | None,
        permission_classes=[IsManager],
        description="An invoice run by global id (an InvoiceRun or Run id); null when unknown.",
    )
    async def invoice_run(self, info: Info, id: ID_ARG) -> models.Run | None:
        return await invoicing.invoice_run(info, id)

    @strawberry.field(
        graphql_type=types.Invoice | None,
        permission_classes=[IsManager],
        description="An invoice by global id; null when unknown.",
    )
    async def invoice(self, info: Info, id: ID_ARG) -> models.Invoice | None:
        return await invoicing.invoice(info, id)

    @strawberry.field(
        graphql_type=Connection[types.Invoice],
        permission_classes=[IsManager],
        extensions=[ClientErrors()],
        description="Our invoice records, newest first; `first` at most 100.",
    )
    async def invoices(
        self, info: Info, filter: FILTER = None, first: FIRST = 20, after: AFTER = None
    ) -> Page[models.Invoice]:
        rows = invoices_listing(info.context.workspace_id, filter)
        return await paginate_listing(info.context, rows, first=first, after=after)


@strawberry.type
class InvoicingMutation:
    @strawberry.mutation(
        graphql_type=types.InvoiceInWefactResult,
        permission_classes=[IsManager],
        description="Invoice the selected hours, expenses and trips in WeFact, one invoice per "
        "customer (or project), exactly once: the invoices are recorded and the registrations "
        "reserved first, then a run makes them in WeFact (waited for a few seconds).",
    )
    async def invoice_in_wefact(self, info: Info, ids: IDS, options: OPTIONS = None) -> models.Run:
        return await invoicing.invoice_in_wefact(info, ids, types.invoice_options(options))

    @strawberry.mutation(
        graphql_type=types.ResumeInvoiceRunResult,
        permission_classes=[IsAdmin],
        description="Resume a stopped invoice run: pending invoices are looked up in WeFact by "
        "reference first, so none is made twice.",
    )
    async def resume_invoice_run(self, info: Info, input: RESUME) -> models.Run:
        return await invoicing.resume_invoice_run(info, types.run_pk(input.id))

    @strawberry.mutation(
        graphql_type=types.ReleaseInvoiceResult,
        permission_classes=[IsAdmin],
        description="Undo an invoice: a concept is deleted in WeFact, a final invoice credited, "
        "through the connection it was made with (also after switching); its registrations "
        "become OPEN again. Safe to repeat. Refused with ConflictError CONNECTION_GONE when "
        "that connection is no longer stored or usable.",
    )
    async def release_invoice(self, info: Info, input: RELEASE) -> models.Invoice:
        return await invoicing.release_invoice(
            info, decode_id(input.id, "Invoice"), input.reason,
            undone_in_provider=input.undone_in_provider,
        )
