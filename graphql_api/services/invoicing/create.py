"""Preview (a dry run) and the one transaction that records and reserves an invoice run."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import (
    Code,
    Conflict,
    DomainError,
    GeneralCode,
    InvalidInput,
    InvoicingCode,
    NotActivated,
    NotFound,
    WefactCode,
    clause,
)
from graphql_api.jobs import start_run
from graphql_api.jobs.runs import defer_run_job
from graphql_api.models import (
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    Run,
    RunKind,
    RunStatus,
    WefactSettings,
)
from graphql_api.services.invoicing.lines import RegKey
from graphql_api.services.invoicing.proof import ProofChoice
from graphql_api.services.invoicing.records import reserve_many
from graphql_api.services.invoicing.selection import (
    InvoiceDraft,
    InvoiceOptions,
    ProblemCode,
    RegistrationRef,
    Selection,
    SelectionProblem,
    select_registrations,
)

NO_PROOF = ProofChoice()

# Blocking problems that mean "someone else has it" rather than "fix your selection".
_CONFLICTS = frozenset({ProblemCode.ALREADY_INVOICED})


async def preview_invoices(
    session: AsyncSession,
    workspace_id: int,
    refs: Sequence[RegistrationRef],
    options: InvoiceOptions,
    *,
    today: dt.date | None = None,
) -> Selection:
    """What ``invoiceInWefact`` would make, with every problem. Reads only; writes nothing."""
    return await select_registrations(session, workspace_id, refs, options, today=today)


def problem_error_code(code: ProblemCode) -> Code:
    """The error code a blocking selection problem is reported with (the same name)."""
    if code is ProblemCode.NOT_FOUND:
        return GeneralCode.NOT_FOUND
    if code is ProblemCode.NOT_ACTIVATED:
        return WefactCode.NOT_ACTIVATED
    return InvoicingCode[code.name]


def selection_error(problems: Sequence[SelectionProblem]) -> DomainError:
    """One error for the blocking problems: Conflict when registrations are taken."""
    first = problems[0]
    if first.code is ProblemCode.NOT_ACTIVATED:
        return NotActivated(first.message)
    shown = "; ".join(
        f"{p.registration}: {clause(p.message)}" if p.registration else clause(p.message)
        for p in problems[:5]
    )
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    message = (
        f"{len(problems)} of the selected registrations cannot be invoiced — {shown}{more}. "
        "Nothing was invoiced; previewInvoice lists every problem."
        if first.registration
        else first.message
    )
    if any(p.code in _CONFLICTS for p in problems):
        return Conflict(message, field="ids", code=InvoicingCode.ALREADY_INVOICED)
    return InvalidInput(message, field="ids", code=problem_error_code(first.code))


async def start_invoice_run(
    session: AsyncSession,
    workspace_id: int,
    user_id: int | None,
    refs: Sequence[RegistrationRef],
    options: InvoiceOptions,
    *,
    today: dt.date | None = None,
) -> Run:
    """In the caller's transaction: validate, record the run, its invoices (PENDING) and lines,
    reserve the registrations, and queue the job. Nothing reaches WeFact here.

    Raises ``InvalidInput`` (fix the selection), ``Conflict`` (taken by another run, or WeFact
    not activated). On any error the caller's transaction rolls back: nothing stays.
    """
    selection = await select_registrations(
        session, workspace_id, refs, options, lock=True, today=today
    )
    if selection.blocking:
        raise selection_error(selection.blocking)
    settings = selection.settings
    assert settings is not None  # NOT_ACTIVATED is blocking
    run = await start_run(
        session,
        workspace_id,
        RunKind.INVOICE,
        {
            "mode": selection.mode.value,
            "groupBy": selection.group_by.value,
            "perProject": options.per_project,
            "registrations": len(selection.rows),
        },
        user_id,
    )
    labels = {RegKey(ref.kind, ref.pk): ref.label for ref in refs if ref.kind is not None}
    await record_invoices(
        session, workspace_id, run_id=run.id, settings=settings, mode=selection.mode,
        drafts=selection.drafts, labels=labels, proof=selection.proof,
    )
    run.progress_total = len(selection.drafts)
    await session.flush()
    return run


async def _next_ids(session: AsyncSession, table: str, count: int) -> list[int]:
    """``count`` ids from the table's own sequence, in one statement: an invoice's reference
    carries its id, so knowing the ids first lets every row be inserted complete."""
    if not count:
        return []
    return list(
        await session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(table, "id"))).select_from(
                func.generate_series(1, count)
            )
        )
    )


async def record_invoices(
    session: AsyncSession,
    workspace_id: int,
    *,
    run_id: int,
    settings: WefactSettings,
    mode: InvoiceMode,
    drafts: Sequence[InvoiceDraft],
    labels: dict[RegKey, str],
    proof: ProofChoice = NO_PROOF,
) -> list[int]:
    """The invoices (PENDING) with their lines, and the registrations their lines cover
    reserved, in the caller's transaction: the step before any call to WeFact.

    A fixed number of statements however many invoices, lines and registrations (ids first,
    then one insert per table, then one reserving update per registration kind). Rows are
    written with Core statements: nothing of them is loaded into the session. Returns the
    invoices' ids in the order of ``drafts``.
    """
    if not drafts:
        return []
    invoice_ids = await _next_ids(session, Invoice.__tablename__, len(drafts))
    line_count = sum(len(draft.lines) for draft in drafts)
    line_ids = await _next_ids(session, InvoiceLine.__tablename__, line_count)
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    reservations: list[tuple[RegKey, int]] = []
    next_line = iter(line_ids)
    for invoice_id, draft in zip(invoice_ids, drafts, strict=True):
        # Ours alone and unique across databases (the random part): WeFact's
        # ReferenceNumber carries it, so a retry finds this invoice instead of adding it twice.
        reference = f"TT-{workspace_id}-{invoice_id}-{secrets.token_hex(4)}"
        invoices.append(
            {
                "id": invoice_id,
                "workspace_id": workspace_id,
                "run_id": run_id,
                "customer_id": draft.customer.id,
                "project_id": draft.project.id if draft.project else None,
                "provider": settings.subscription,
                # Made with the workspace's current connection, and stays with it.
                "connection_id": settings.connection_id,
                "reference": reference,
                "status": InvoiceStatus.PENDING,
                "mode": mode,
                "debtor_code": draft.customer.customer_number,
                "invoice_date": draft.invoice_date,
                "term_days": draft.term_days,
                "description": draft.description,
                "customer_reference": draft.reference,
                # What the engine attaches before booking or sending (issue 17).
                "attach_specification": proof.specification,
                "attach_receipts": proof.receipts,
                "amount_excl": draft.totals.amount_excl,
                "amount_tax": draft.totals.amount_tax,
                "amount_incl": draft.totals.amount_incl,
            }
        )
        for line in draft.lines:
            line_id = next(next_line)
            lines.append(
                {
                    "id": line_id,
                    "workspace_id": workspace_id,
                    "invoice_id": invoice_id,
                    "position": line.position,
                    "kind": line.kind,
                    "product_code": line.product_code,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "amount": line.amount,
                    "tax_percentage": line.tax_percentage,
                    "period_start": line.period_start,
                    "period_end": line.period_end,
                    "project_id": line.project_id,
                }
            )
            reservations.extend((key, line_id) for key in line.covers)
    # Core executemany: asyncpg sends the rows as one pipelined batch, and SQLAlchemy does
    # not build a bind parameter per value as a multi-row ``.values([...])`` does.
    await session.execute(insert(cast(Table, Invoice.__table__)), invoices)
    if lines:
        await session.execute(insert(cast(Table, InvoiceLine.__table__)), lines)
    await reserve_many(session, workspace_id, reservations, labels)
    return invoice_ids


async def resume_invoice_run(session: AsyncSession, workspace_id: int, run_id: int) -> Run:
    """Queue a stopped invoice run again; it resolves its pending invoices by reference.

    A run that is queued or running is left alone (Conflict); one without pending invoices
    is returned as it is (resuming twice is harmless).
    """
    run = await session.scalar(
        select(Run)
        .where(Run.id == run_id, Run.workspace_id == workspace_id, Run.kind == RunKind.INVOICE)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if run is None:
        raise NotFound("There is no invoice run with that id in your workspace.", field="id")
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        raise Conflict(
            "This invoice run is still queued or running; wait for it to finish.",
            field="id", code=InvoicingCode.RUN_ACTIVE,
        )
    pending = await session.scalar(
        select(Invoice.id).where(Invoice.run_id == run.id, Invoice.status == InvoiceStatus.PENDING)
        .limit(1)
    )
    if pending is None:
        return run
    run.status = RunStatus.QUEUED
    run.finished_at = None
    run.heartbeat_at = None
    await defer_run_job(session, run)
    await session.flush()
    return run
