"""Invoicing in WeFact: selected hours, expenses and trips become invoices, exactly once.

- ``preview_invoices``: a dry run (reads only).
- ``start_invoice_run``: one transaction records the invoices (PENDING), reserves the
  registrations and queues the run's job; ``engine.perform_invoice_run`` makes them in WeFact.
- ``resume_invoice_run``: queue a stopped run again (pending invoices are found by reference).
- ``release_invoice``: delete the concept / credit the invoice; registrations open again.
- ``invoices_query``: our invoice records, filtered.

Nothing here imports strawberry.
"""

from graphql_api.services.invoicing.create import (
    preview_invoices,
    resume_invoice_run,
    selection_error,
    start_invoice_run,
)
from graphql_api.services.invoicing.lines import GroupBy, RegKey, RegKind
from graphql_api.services.invoicing.queries import InvoiceFilter, invoices_query
from graphql_api.services.invoicing.release import release_invoice
from graphql_api.services.invoicing.selection import (
    InvoiceDraft,
    InvoiceOptions,
    ProblemCode,
    RegistrationRef,
    Selection,
    SelectionProblem,
)

__all__ = [
    "GroupBy",
    "InvoiceDraft",
    "InvoiceFilter",
    "InvoiceOptions",
    "ProblemCode",
    "RegKey",
    "RegKind",
    "RegistrationRef",
    "Selection",
    "SelectionProblem",
    "invoices_query",
    "preview_invoices",
    "release_invoice",
    "resume_invoice_run",
    "selection_error",
    "start_invoice_run",
]
