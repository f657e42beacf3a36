"""The webhook outbox: an event row written in the transaction of the change it describes.

The flows that change things call one function, inside their own transaction::

    await outbox.invoice_created(session, invoice_id)        # landed in WeFact/HostFact
    await outbox.invoice_status_changed(session, invoice, old_status)
    await outbox.run_finished(session, run)                   # invoice runs, imports

or the generic ``await outbox.record(session, workspace_id, event_type, data)``. Each writes
the event, one delivery per enabled endpoint of the workspace that takes the event's type,
and each delivery's job (procrastinate's own defer function, on the same connection) — in
one statement, in the caller's transaction: no event without its change, no change
without its event, no delivery without its job. The job runs on the ``webhooks`` queue,
its own lane of workers (``graphql_api.services.webhooks.delivery``).

This module sits beside the models (below the jobs and the services) so that both the run
records (``jobs.runs.finish``) and the services can call it. Payloads carry the global ids
the API uses (``global_id`` below is the same encoding as ``resolvers.ids.global_id``; a
test keeps them equal) and ``schemaVersion``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from base64 import b64encode
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.models import (
    Invoice,
    InvoiceStatus,
    Run,
    RunKind,
    WebhookEvent,
    WebhookEventType,
)

SCHEMA_VERSION = 1
"""The version of every payload's shape; raised only for changes that break receivers."""

WEBHOOK_QUEUE = "webhooks"
"""The procrastinate queue of deliveries: a lane of its own, never behind an invoice run."""

DELIVER_TASK = "webhooks:deliver"
"""The procrastinate task that makes one attempt of one delivery."""

_RUN_EVENTS = {
    RunKind.INVOICE: (WebhookEventType.INVOICE_RUN_FINISHED, "InvoiceRun"),
    RunKind.CUSTOMER_IMPORT: (WebhookEventType.CUSTOMER_IMPORT_FINISHED, "CustomerImport"),
}


def global_id(type_name: str, pk: int) -> str:
    """``base64("Invoice:42")``: the id the API shows for that object."""
    return b64encode(f"{type_name}:{pk}".encode("ascii")).decode("ascii")


def new_event_id() -> str:
    """A unique ``webhook-id`` (``msg_`` and 32 hex digits, as the specification's examples)."""
    return "msg_" + uuid.uuid4().hex


def _money(value: Decimal | None) -> str | None:
    # Money leaves as a string, exactly as the API's Decimal scalar shows it.
    return None if value is None else str(value)


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


_FAN_OUT_SQL = text(
    """
    WITH deliveries AS (
        INSERT INTO webhook_deliveries (workspace_id, event_id, endpoint_id, next_attempt_at)
        SELECT e.workspace_id, :event_id, e.id, now()
        FROM webhook_endpoints e
        WHERE e.workspace_id = :workspace_id AND e.enabled AND :event_type = ANY(e.events)
        RETURNING id
    )
    SELECT count(*) FROM unnest(procrastinate_defer_jobs_v1(ARRAY(
        SELECT ROW(
            CAST(:queue AS varchar), CAST(:task AS varchar), 0, CAST(NULL AS text),
            CAST(NULL AS text), jsonb_build_object('delivery_id', d.id, 'attempt', 0),
            CAST(NULL AS timestamptz)
        )::procrastinate_job_to_defer_v1
        FROM deliveries d
    )))
    """
)


async def record(
    session: AsyncSession,
    workspace_id: int,
    event_type: WebhookEventType,
    data: dict[str, Any],
) -> WebhookEvent:
    """Write the event, its deliveries and their jobs in the session's transaction.

    ``data`` must be JSON-serialisable, with global ids and no secrets (it is sent as is).
    Three statements, however many endpoints take the event: the transaction's clock (the
    event's time is the change's), the event, and its deliveries with their jobs.
    """
    event_id = new_event_id()
    now = await session.scalar(text("SELECT now()"))
    assert isinstance(now, dt.datetime)
    event = WebhookEvent(
        id=event_id,
        workspace_id=workspace_id,
        type=event_type.value,
        schema_version=SCHEMA_VERSION,
        created_at=now,
        payload={
            "type": event_type.value,
            "timestamp": now.isoformat(),
            "schemaVersion": SCHEMA_VERSION,
            "workspace": global_id("Workspace", workspace_id),
            "data": data,
        },
    )
    session.add(event)
    await session.flush()
    await session.execute(
        _FAN_OUT_SQL,
        {
            "event_id": event_id,
            "workspace_id": workspace_id,
            "event_type": event_type.value,
            "queue": WEBHOOK_QUEUE,
            "task": DELIVER_TASK,
        },
    )
    return event


_COVERED_SQL = text(
    """
    SELECT 'TimeEntry' AS kind, r.id FROM time_entries r
        JOIN invoice_lines l ON l.id = r.invoice_line_id WHERE l.invoice_id = :invoice_id
    UNION ALL
    SELECT 'Expense', r.id FROM expenses r
        JOIN invoice_lines l ON l.id = r.invoice_line_id WHERE l.invoice_id = :invoice_id
    UNION ALL
    SELECT 'Trip', r.id FROM trips r
        JOIN invoice_lines l ON l.id = r.invoice_line_id WHERE l.invoice_id = :invoice_id
    ORDER BY 1, 2
    """
)


def _invoice(invoice: Invoice) -> dict[str, Any]:
    """What every invoice event says about the invoice."""
    return {
        "id": global_id("Invoice", invoice.id),
        "reference": invoice.reference,
        "number": invoice.wefact_code,
        "provider": invoice.provider.name,
        "customer": global_id("Customer", invoice.customer_id),
        "project": None if invoice.project_id is None else global_id("Project", invoice.project_id),
        "invoiceRun": None if invoice.run_id is None else global_id("InvoiceRun", invoice.run_id),
        "invoiceDate": invoice.invoice_date.isoformat(),
        "amountExcl": _money(invoice.amount_excl),
        "amountTax": _money(invoice.amount_tax),
        "amountIncl": _money(invoice.amount_incl),
    }


async def invoice_created(session: AsyncSession, invoice_id: int) -> WebhookEvent:
    """``invoice.created``: the invoice landed in WeFact/HostFact (as just recorded, read
    again), with the registrations it covers (one query)."""
    invoice = await session.get_one(Invoice, invoice_id, populate_existing=True)
    covered = (await session.execute(_COVERED_SQL, {"invoice_id": invoice.id})).all()
    data = {
        "invoice": {**_invoice(invoice), "status": invoice.status.name},
        "registrations": [global_id(kind, pk) for kind, pk in covered],
    }
    return await record(session, invoice.workspace_id, WebhookEventType.INVOICE_CREATED, data)


async def invoice_status_changed(
    session: AsyncSession, invoice: Invoice, old_status: InvoiceStatus
) -> WebhookEvent | None:
    """``invoice.status_changed`` from ``old_status`` to the invoice's status (nothing when
    they are the same)."""
    if old_status is invoice.status:
        return None
    data = {
        "invoice": _invoice(invoice),
        "oldStatus": old_status.name,
        "newStatus": invoice.status.name,
        "paidAt": None if invoice.paid_at is None else invoice.paid_at.isoformat(),
        "releasedReason": invoice.released_reason,
    }
    return await record(
        session, invoice.workspace_id, WebhookEventType.INVOICE_STATUS_CHANGED, data
    )


async def run_finished(session: AsyncSession, run: Run) -> WebhookEvent | None:
    """``invoice_run.finished`` / ``customer_import.finished`` for a run that just ended
    (nothing for other kinds)."""
    found = _RUN_EVENTS.get(run.kind)
    if found is None:
        return None
    event_type, type_name = found
    data = {
        "run": {
            "id": global_id(type_name, run.id),
            "status": run.status.name,
            "counts": dict(run.counts),
            "problems": len(run.problems),
            "startedAt": _time(run.started_at),
            "finishedAt": _time(run.finished_at),
        }
    }
    return await record(session, run.workspace_id, event_type, data)
