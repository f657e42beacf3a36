"""The invoice engine's proof step (issue 17): the hours specification and the expenses'
receipts go onto the invoice in WeFact after ``invoice/add`` and before it is booked or
e-mailed — each file exactly once, whatever fails or crashes on the way.

The rules (a worker may die at any line, and a call may time out after WeFact applied it):

- The files an invoice gets are planned once, as rows of ``invoice_attachments`` (one name
  per file, unique on the invoice: WeFact/HostFact would store a name twice if asked twice).
- Before ``attachment/add`` is sent, the row's ``attempted_at`` is committed; once WeFact
  confirms, ``attached_at``. A row attempted but not attached may be in WeFact already: the
  invoice's files are listed (``invoice/show``) and a file of that name is adopted instead of
  added again. A lost answer surfaces as an unknown outcome; the engine retries the invoice
  (after its pause, so a slow write can land), and this step then looks before it writes.
- Only when every file is attached may the engine book or e-mail the invoice, so it never
  leaves without its proof. A file WeFact refuses keeps the invoice a concept (not e-mailed)
  and says which file and why.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

import integrations
from graphql_api.jobs import RunContext
from graphql_api.models import (
    AttachmentKind,
    Expense,
    ExpenseReceipt,
    Invoice,
    InvoiceAttachment,
    InvoiceLine,
    InvoiceMode,
)
from graphql_api.services.auth import utcnow
from graphql_api.services.invoicing.proof import ProofChoice, planned_files
from graphql_api.services.invoicing.specification import (
    load_specification,
    render_specification,
)

# WeFact said no to the file (or the invoice is gone): it cannot be attached as it is.
_REFUSALS = (integrations.ValidationError, integrations.NotFoundError)


@dataclass(frozen=True)
class ProofOutcome:
    """What the proof step did: ``complete`` when every file is on the invoice (it may be
    booked or e-mailed); otherwise ``note`` says which file WeFact refused, and why."""

    complete: bool = True
    note: str | None = None


DONE = ProofOutcome()


def wants_proof(invoice: Invoice) -> bool:
    """True when the invoice was made to carry a specification or receipts."""
    return invoice.attach_specification or invoice.attach_receipts


async def attach_proof(
    ctx: RunContext,
    provider: integrations.InvoicingProvider,
    invoice: Invoice,
    found: integrations.Invoice,
) -> ProofOutcome:
    """Attach what ``invoice`` is to carry to ``found`` (WeFact's invoice), each file once.

    Costs nothing for an invoice without proof. Provider errors other than a refusal of a
    file propagate: the engine treats them as for any call (retry after an unknown outcome,
    stop on auth/IP/firewall)."""
    if not wants_proof(invoice):
        return DONE
    rows = await _planned(ctx, invoice)
    todo = [row for row in rows if row.attached_at is None]
    if any(row.attempted_at is not None for row in todo):
        # An earlier attempt may have reached WeFact: adopt what it attached, by name.
        present = {a.filename for a in await provider.list_attachments(found.identifier)}
        adopted = [r for r in todo if r.attempted_at is not None and r.filename in present]
        await _record_attached(ctx, invoice, adopted)
        todo = [row for row in todo if row not in adopted]
    for row in todo:
        content = await _content(ctx, invoice, found, row)
        if content is None:
            return _refused(invoice, row, "its receipt is no longer stored")
        await _record_attempt(ctx, row, content)
        try:
            await provider.add_attachment(found.identifier, row.filename, content)
        except _REFUSALS as exc:
            return _refused(invoice, row, str(exc))
        hook = ctx.state.providers.after_attachment
        if hook is not None:
            await hook(invoice.id, row.filename, False)
        await _record_attached(ctx, invoice, [row])
        if hook is not None:
            await hook(invoice.id, row.filename, True)
    return DONE


def _refused(invoice: Invoice, row: InvoiceAttachment, reason: str) -> ProofOutcome:
    what = "hours specification" if row.kind is AttachmentKind.SPECIFICATION else "receipt"
    unsent = (
        " The invoice stays a concept and was not e-mailed: attach the file in WeFact and "
        "send it from there."
        if invoice.mode is InvoiceMode.SEND
        else ""
    )
    return ProofOutcome(
        complete=False,
        note=f"The {what} {row.filename} could not be attached in WeFact: "
        f"{reason.rstrip('.')}.{unsent}",
    )


async def _planned(ctx: RunContext, invoice: Invoice) -> list[InvoiceAttachment]:
    """The invoice's attachment rows; planned on the first call (the receipts of the
    expenses its lines cover, read once: they are locked while the invoice is made)."""
    async with ctx.transaction() as session:
        rows = await _rows(session, invoice.id)
        if rows:
            return rows
        receipts = [
            (expense_id, day, content_type)
            for expense_id, day, content_type in await session.execute(
                select(Expense.id, Expense.date, ExpenseReceipt.content_type)
                .join(ExpenseReceipt, ExpenseReceipt.expense_id == Expense.id)
                .join(InvoiceLine, InvoiceLine.id == Expense.invoice_line_id)
                .where(InvoiceLine.invoice_id == invoice.id)
            )
        ]
        choice = ProofChoice(invoice.attach_specification, invoice.attach_receipts)
        files = planned_files(choice, invoice.invoice_date, receipts)
        if files:
            await session.execute(
                insert(InvoiceAttachment)
                .values(
                    [
                        {
                            "workspace_id": invoice.workspace_id,
                            "invoice_id": invoice.id,
                            "kind": f.kind,
                            "expense_id": f.expense_id,
                            "filename": f.filename,
                        }
                        for f in files
                    ]
                )
                .on_conflict_do_nothing(index_elements=["invoice_id", "filename"])
            )
        return await _rows(session, invoice.id)


async def _rows(session: AsyncSession, invoice_id: int) -> list[InvoiceAttachment]:
    return list(
        await session.scalars(
            select(InvoiceAttachment)
            .where(InvoiceAttachment.invoice_id == invoice_id)
            .order_by(InvoiceAttachment.id)
            .execution_options(populate_existing=True)
        )
    )


async def _content(
    ctx: RunContext, invoice: Invoice, found: integrations.Invoice, row: InvoiceAttachment
) -> bytes | None:
    """The file's bytes: the specification rendered now (with WeFact's number as it is),
    or the receipt as stored. None when the receipt is gone."""
    async with ctx.sessionmaker() as session:
        if row.kind is AttachmentKind.SPECIFICATION:
            spec = await load_specification(session, invoice.workspace_id, invoice.id)
            if spec is None:
                return None
            spec = dataclasses.replace(spec, provider_code=found.code)
            # fpdf2 is pure Python: render off the event loop (heartbeats keep going).
            return await asyncio.to_thread(render_specification, spec)
        if row.expense_id is None:
            return None
        receipt = await session.scalar(
            select(ExpenseReceipt)
            .where(ExpenseReceipt.expense_id == row.expense_id)
            .options(undefer(ExpenseReceipt.content))
        )
        return receipt.content if receipt is not None else None


async def _record_attempt(ctx: RunContext, row: InvoiceAttachment, content: bytes) -> None:
    """Committed before ``attachment/add`` is sent: from now on WeFact may have the file."""
    async with ctx.transaction() as session:
        await session.execute(
            update(InvoiceAttachment)
            .where(InvoiceAttachment.id == row.id)
            .values(
                attempted_at=utcnow(),
                size_bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )


async def _record_attached(
    ctx: RunContext, invoice: Invoice, rows: list[InvoiceAttachment]
) -> None:
    """WeFact has these files: recorded, and counted on the run (progress as it goes)."""
    if not rows:
        return
    async with ctx.transaction() as session:
        await session.execute(
            update(InvoiceAttachment)
            .where(
                InvoiceAttachment.id.in_([row.id for row in rows]),
                InvoiceAttachment.attached_at.is_(None),
            )
            .values(attached_at=utcnow())
        )
        await ctx.progress(counts={"attached": len(rows)}, session=session)
    for row in rows:
        row.attached_at = utcnow()
