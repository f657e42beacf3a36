"""Reading our invoice records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from graphql_api.models import Invoice, InvoiceStatus


@dataclass(frozen=True)
class InvoiceFilter:
    """Filters of ``invoices``; None means "any"."""

    statuses: tuple[InvoiceStatus, ...] = ()
    customer_id: int | None = None
    run_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def invoices_query(workspace_id: int, f: InvoiceFilter) -> Select[Any]:
    """The workspace's invoices matching ``f`` (order and paging are the caller's)."""
    stmt = select(Invoice).where(Invoice.workspace_id == workspace_id)
    if f.statuses:
        stmt = stmt.where(Invoice.status.in_(f.statuses))
    if f.customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == f.customer_id)
    if f.run_id is not None:
        stmt = stmt.where(Invoice.run_id == f.run_id)
    if f.date_from is not None:
        stmt = stmt.where(Invoice.invoice_date >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(Invoice.invoice_date <= f.date_to)
    return stmt
