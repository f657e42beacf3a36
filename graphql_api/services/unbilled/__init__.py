"""Unbilled: what there is to bill up to a date, and invoicing it.

- ``unbilled_report``: the report, one SQL statement (``report``), with the fixed-price and
  subscription arithmetic of ``periods``.
- ``start_unbilled_run``: invoice projects from the report on the invoicing engine's
  exactly-once machinery (``invoice``).
- ``reopen_subscription_periods``: called when an invoice is released or fails, so its
  subscription periods are due again (``reopen``).

Nothing here imports strawberry.
"""

from graphql_api.services.unbilled.periods import (
    FixedPriceDue,
    Period,
    Subscription,
    due_periods,
    fixed_price_due,
    instalment_schedule,
)
from graphql_api.services.unbilled.report import (
    CustomerTotal,
    UnbilledFilter,
    UnbilledReport,
    UnbilledRow,
    report_statement,
    unbilled_report,
    unbilled_rows,
)

__all__ = [
    "CustomerTotal",
    "FixedPriceDue",
    "Period",
    "Subscription",
    "UnbilledFilter",
    "UnbilledReport",
    "UnbilledRow",
    "due_periods",
    "fixed_price_due",
    "instalment_schedule",
    "report_statement",
    "unbilled_report",
    "unbilled_rows",
]
