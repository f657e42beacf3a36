"""Invoice status sync from WeFact/HostFact (polling: neither has webhooks).

- ``start_status_sync``: queue a STATUS_SYNC run (``syncInvoiceStatuses``).
- ``start_periodic_status_syncs``: the periodic job, one run per active workspace.
- ``sync.sync_invoice_statuses``: the run's handler.

Nothing here imports strawberry.
"""

from graphql_api.services.status_sync.sync import (
    start_periodic_status_syncs,
    start_status_sync,
    sync_invoice_statuses,
)

__all__ = ["start_periodic_status_syncs", "start_status_sync", "sync_invoice_statuses"]
