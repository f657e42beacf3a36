"""``invoice_10k_seconds``, ``invoice_calls_per_customer``, ``invoice_overhead_ms_per_invoice``.

Invoicing N time entries across C customers (in runs of at most 1000, whole customers
each), as the mutation does it: ``start_invoice_run`` (validate, record, reserve, queue in
one transaction), then a real worker performs the
``INVOICE`` run against the WeFact emulator over HTTP (ensure each debtor, add each invoice).
Baseline in the same run: the same invoices (same debtors, same lines) sent with raw
``invoice add`` calls straight to the emulator. The overhead per invoice is the difference
divided by the number of invoices. Each repetition uses a fresh workspace (registrations
can be invoiced once), and customers are new to the emulator (first invoicing: debtors are
created).
"""

from __future__ import annotations

import time

from sqlalchemy import func, select

from bench.common import Report, Sizes, median
from bench.data import seed_catalog, seed_time_entries
from bench.database import connect
from bench.provider import activate_workspace, emulator, raw_client
from graphql_api import composition
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner, open_jobs
from graphql_api.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Project,
    Run,
    RunStatus,
    TimeEntry,
)
from graphql_api.services.invoicing import (
    InvoiceOptions,
    RegistrationRef,
    RegKind,
    start_invoice_run,
)
from graphql_api.services.invoicing.selection import MAX_SELECTION
from integrations import InvoiceInput, InvoiceLineInput
from resolvers.ids import global_id

# Every process that performs runs registers their handlers through the composition root;
# so does this one (``--only invoice`` imports nothing else that would).
assert composition.RUN_HANDLERS

async def _batches(state: AppState, workspace_id: int) -> list[list[int]]:
    """The workspace's entries in runs of at most ``MAX_SELECTION``, whole customers each
    (a user invoicing 10,000 entries selects them a customer group at a time)."""
    async with state.sessionmaker() as session:
        rows = (
            await session.execute(
                select(Project.customer_id, TimeEntry.id)
                .join(Project, Project.id == TimeEntry.project_id)
                .where(TimeEntry.workspace_id == workspace_id)
                .order_by(Project.customer_id, TimeEntry.id)
            )
        ).all()
    per_customer: dict[int, list[int]] = {}
    for customer_id, entry_id in rows:
        per_customer.setdefault(customer_id, []).append(entry_id)
    batches: list[list[int]] = [[]]
    for ids in per_customer.values():
        if batches[-1] and len(batches[-1]) + len(ids) > MAX_SELECTION:
            batches.append([])
        batches[-1].extend(ids)
    return batches


async def _invoice(
    state: AppState,
    runner: JobRunner,
    workspace_id: int,
    user_id: int,
    ids: list[int],
    *,
    phases: list[float],
) -> tuple[Run, int]:
    refs = [
        RegistrationRef(RegKind.TIME_ENTRY, pk, str(global_id("TimeEntry", pk))) for pk in ids
    ]
    began = time.perf_counter()
    async with state.sessionmaker() as session, session.begin():
        run_id = (
            await start_invoice_run(session, workspace_id, user_id, refs, InvoiceOptions())
        ).id
    phases.append(time.perf_counter() - began)
    await runner.run_worker(wait=False, name="bench-invoice")
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
        invoices = await session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.run_id == run_id, Invoice.status != InvoiceStatus.PENDING)
        )
    if run is None or run.status is not RunStatus.SUCCEEDED:
        problems = run and run.problems
        raise RuntimeError(f"invoicing did not succeed: {run and run.status} {problems}")
    return run, int(invoices or 0)


async def _same_invoices_raw(state: AppState, run_ids: list[int]) -> tuple[float, int]:
    """Send the runs' invoices again with raw ``invoice add`` calls; (seconds, invoices)."""
    async with state.sessionmaker() as session:
        invoices = list(
            await session.scalars(
                select(Invoice).where(Invoice.run_id.in_(run_ids)).order_by(Invoice.id)
            )
        )
        lines = list(
            await session.scalars(
                select(InvoiceLine)
                .where(InvoiceLine.invoice_id.in_([i.id for i in invoices]))
                .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
            )
        )
    by_invoice: dict[int, list[InvoiceLine]] = {}
    for line in lines:
        by_invoice.setdefault(line.invoice_id, []).append(line)
    inputs = [
        InvoiceInput(
            debtor_code=str(invoice.debtor_code),
            lines=[
                InvoiceLineInput(
                    description=line.description,
                    number=line.quantity,
                    price_excl=line.unit_price,
                    product_code=line.product_code,
                    date=line.period_start,
                )
                for line in by_invoice[invoice.id]
            ],
            date=invoice.invoice_date,
            term=invoice.term_days,
            reference_number=f"BASE-{invoice.reference}",
            description=invoice.description,
        )
        for invoice in invoices
    ]
    client = raw_client(state)
    began = time.perf_counter()
    for data in inputs:
        await client.add_invoice(data)
    return time.perf_counter() - began, len(inputs)


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Fresh workspace per repetition: invoice everything, then the raw baseline."""
    ours: list[float] = []
    raw: list[float] = []
    calls_per_customer: list[float] = []
    invoice_counts: list[int] = []
    record_seconds: list[float] = []
    customers = sizes.invoice_customers
    runs_per_repetition = 0
    async with emulator(state) as emu, open_jobs(state) as runner:
        for repetition in range(sizes.invoice_repetitions):
            conn = await connect(database_url)
            try:
                catalog = await seed_catalog(
                    state, conn, f"Invoice bench {repetition}", users=5,
                    customers=customers, projects=customers, activities=5,
                    number_prefix=f"I{repetition}-",
                )
                await seed_time_entries(
                    conn, catalog, sizes.invoice_entries, seed=repetition, billable_share=1.0,
                    days=28,
                )
            finally:
                await conn.close()
            await activate_workspace(state, catalog.workspace_id)

            batches = await _batches(state, catalog.workspace_id)
            before = len(emu.calls)
            began = time.perf_counter()
            run_ids: list[int] = []
            invoiced = 0
            for ids in batches:
                run_row, made = await _invoice(
                    state, runner, catalog.workspace_id, catalog.owner_id, ids,
                    phases=record_seconds,
                )
                run_ids.append(run_row.id)
                invoiced += made
            ours.append(time.perf_counter() - began)
            calls_per_customer.append((len(emu.calls) - before) / customers)
            invoice_counts.append(invoiced)
            runs_per_repetition = len(batches)

            seconds, sent = await _same_invoices_raw(state, run_ids)
            if sent != invoiced:
                raise RuntimeError(f"baseline sent {sent} invoices, the run made {invoiced}")
            raw.append(seconds)

    invoices = int(median([float(n) for n in invoice_counts]))
    ours_s, raw_s = median(ours), median(raw)
    overhead_ms = median(
        [(o - r) / n * 1000 for o, r, n in zip(ours, raw, invoice_counts, strict=True)]
    )
    report.figures.update(
        {
            "invoice_10k_seconds": round(ours_s, 2),
            "invoice_calls_per_customer": round(median(calls_per_customer), 2),
            "invoice_overhead_ms_per_invoice": round(overhead_ms, 1),
            "invoice_raw_add_seconds": round(raw_s, 2),
        }
    )
    report.details["invoice"] = {
        "time_entries": sizes.invoice_entries,
        "customers": customers,
        # The service takes at most MAX_SELECTION registrations per run.
        "runs": runs_per_repetition,
        "invoices": invoice_counts,
        "seconds": [round(v, 2) for v in ours],
        "raw_add_seconds": [round(v, 2) for v in raw],
        # start_invoice_run's transaction (validate, record, reserve, queue); the rest of
        # ``seconds`` is the worker making the invoices in WeFact.
        "record_seconds_per_run": [round(v, 2) for v in record_seconds],
        "calls_per_customer": calls_per_customer,
    }
    report.row(
        f"invoice {sizes.invoice_entries} entries, {invoices} invoices (s)", f"{ours_s:.2f}",
        f"{raw_s:.2f} ({invoices} raw invoice adds)", f"{ours_s / raw_s:.1f}x",
    )
    report.row(
        "overhead per invoice (ms)", f"{overhead_ms:.1f}",
        f"calls per customer: {median(calls_per_customer):.2f}", "",
    )
