"""Root fields of the Unbilled report, invoicing from it, and the invoice status sync."""

from __future__ import annotations

import strawberry

from resolvers import unbilled
from resolvers.domain.permissions import IsManager
from resolvers.permissions import IsAdmin
from schema.unbilled import types


@strawberry.type
class UnbilledQuery:
    unbilled: types.Unbilled = strawberry.field(
        resolver=unbilled.unbilled,
        permission_classes=[IsManager],
        description="Everything there is to bill up to a date (Reports → Unbilled): per "
        "project the open billable hours, expenses and trips, the fixed price due and the "
        "subscription periods due, and per customer the totals.",
    )


@strawberry.type
class UnbilledMutation:
    invoice_unbilled: types.InvoiceUnbilledResult = strawberry.mutation(
        resolver=unbilled.invoice_unbilled,
        permission_classes=[IsManager],
        description="Invoice projects from the Unbilled report in WeFact, exactly once (as "
        "invoiceInWefact): hours, expenses and trips up to `until`, the fixed price due (one "
        "line), and one line per due subscription period with its dates. A second call for "
        "the same date bills nothing (NOTHING_TO_INVOICE).",
    )
    sync_invoice_statuses: types.SyncInvoiceStatusesResult = strawberry.mutation(
        resolver=unbilled.sync_invoice_statuses,
        permission_classes=[IsAdmin],
        description="Fetch the status of our invoices from WeFact now (sent, partly paid, "
        "paid, credited; a deleted concept releases its registrations). Also runs every 15 "
        "minutes by itself. Waits a few seconds and returns the run as it stands (admins).",
    )
