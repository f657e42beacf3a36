"""Root fields of the Unbilled report, invoicing from it, and the invoice status sync."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from graphql_api.services.unbilled import UnbilledReport
from resolvers import unbilled
from resolvers.context import Info
from resolvers.permissions import IsAdmin, IsManager
from resolvers.reads import ClientErrors
from schema.invoicing.types import invoice_options
from schema.unbilled import types

FILTER = Annotated[types.UnbilledFilter, strawberry.argument(description="What to report.")]
INVOICE = Annotated[
    types.InvoiceUnbilledInput, strawberry.argument(description="What to invoice.")
]


@strawberry.type
class UnbilledQuery:
    @strawberry.field(
        graphql_type=types.Unbilled,
        permission_classes=[IsManager],
        extensions=[ClientErrors()],
        description="Everything there is to bill up to a date (Reports → Unbilled): per "
        "project the open billable hours, expenses and trips, the fixed price due and the "
        "subscription periods due, and per customer the totals.",
    )
    async def unbilled(self, info: Info, filter: FILTER) -> UnbilledReport:
        return await unbilled.unbilled(
            info, until=filter.until, customer_ids=filter.customer_ids,
            project_ids=filter.project_ids, billing_methods=filter.billing_methods,
        )


@strawberry.type
class UnbilledMutation:
    @strawberry.mutation(
        graphql_type=types.InvoiceUnbilledResult,
        permission_classes=[IsManager],
        description="Invoice projects from the Unbilled report in WeFact, exactly once (as "
        "invoiceInWefact): hours, expenses and trips up to `until`, the fixed price due (one "
        "line), and one line per due subscription period with its dates. A second call for "
        "the same date bills nothing (NOTHING_TO_INVOICE).",
    )
    async def invoice_unbilled(self, info: Info, input: INVOICE) -> models.Run:
        return await unbilled.invoice_unbilled(
            info, input.project_ids, input.until, invoice_options(input.options)
        )

    @strawberry.mutation(
        graphql_type=types.SyncInvoiceStatusesResult,
        permission_classes=[IsAdmin],
        description="Fetch the status of our invoices from WeFact now (sent, partly paid, "
        "paid, credited; a deleted concept releases its registrations). Also runs every 15 "
        "minutes by itself. Waits a few seconds and returns the run as it stands (admins).",
    )
    async def sync_invoice_statuses(self, info: Info) -> models.Run:
        return await unbilled.sync_invoice_statuses(info)
