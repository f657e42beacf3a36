"""The details fill: the ``CUSTOMER_DETAILS`` run that reads the full debtor records.

The customer import makes customers from the debtor list rows alone (number, name, e-mail,
Modified), and marks every customer it created or saw change ``details_complete = false``.
This run then reads those debtors one by one (``debtor/show``) and writes address, country,
phone, VAT and chamber-of-commerce numbers (and the record's name and e-mail) onto them:

- **Low priority.** Queued below every other run kind, so invoicing (and activation, which is
  no run) go first; a fill is background work, never something a user waits for.
- **Only what is needed.** Just the customers still incomplete: new debtors, debtors whose
  Modified stamp changed since the last import, and earlier fills' leftovers.
- **Resumable, idempotent, exactly-once-safe.** A batch of customers is read and then written
  in one transaction with the run's progress and its cursor (the last customer id handled,
  in ``runs.params``), so a resumed attempt carries on after it. The fill only *reads* from
  WeFact, so repeating a batch after a crash costs calls but cannot double anything. A
  write lands only while the customer still carries the stamp the fill selected it with: an
  import that stored a newer stamp meanwhile wins, and the customer stays incomplete for the
  fill that import queues.
- **Bounded.** Batches of ``FILL_BATCH`` customers, ``SHOW_CONCURRENCY`` calls in flight.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, type_coerce, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

import integrations
from graphql_api.errors import ConnectionProblem
from graphql_api.jobs import LockScope, Problem, RunContext, run_task, start_run
from graphql_api.models import Run, RunKind, RunStatus
from graphql_api.services.auth import utcnow
from graphql_api.services.customer_import.mapping import DETAIL_COLUMNS, map_debtor
from graphql_api.services.customer_import.store import (
    Pending,
    count_pending,
    fill_details,
    next_pending,
)
from graphql_api.services.wefact.connection import ProviderServices, active_provider, provider_error
from integrations import Debtor, InvoicingProvider

FILL_BATCH = 100
"""Customers read and written per transaction (and per progress write)."""

SHOW_CONCURRENCY = 4
"""Detail calls in flight at once: faster on HostFact, still paced by the client on WeFact."""

DETAILS_PRIORITY = -10
"""Below every other run kind (procrastinate runs higher priorities first; theirs are 0)."""

AFTER_ID = "after_id"
"""The fill's cursor in ``runs.params``: customers up to this id are handled."""

IMPORT_RUN_ID = "import_run_id"
DETAILS_RUN_ID = "details_run_id"
"""In the import run's ``params``: the fill it queued (``CustomerImport.detailsRun``)."""

COUNT_NAMES = ("updated", "unchanged", "deferred", "failed")


@dataclass
class BatchOutcome:
    """What one batch did: count deltas and problems."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    problems: list[Problem] = field(default_factory=list)

    def fail(self, item: str, message: str) -> None:
        self.counts["failed"] += 1
        self.problems.append(Problem(message=message, item=item))


async def queue_details_fill(session: AsyncSession, ctx: RunContext) -> int | None:
    """In the import's final transaction: queue a fill when any linked customer of the
    workspace is incomplete; returns the fill run's id (None: nothing to fill).

    A fill that is queued and not yet started picks up everything incomplete, so it is
    reused. A running (or resumed) one may be past some of the customers, so a new one is
    queued behind it (same lock: they run one after the other).
    """
    # Fences the write to this import's run row too: a superseded attempt stops here.
    await ctx.progress(session=session)
    if await count_pending(session, ctx.workspace_id) == 0:
        return None
    fill_id = await session.scalar(
        select(Run.id).where(
            Run.workspace_id == ctx.workspace_id,
            Run.kind == RunKind.CUSTOMER_DETAILS,
            Run.status == RunStatus.QUEUED,
            Run.attempts == 0,
        )
    )
    if fill_id is None:
        fill = await start_run(
            session,
            ctx.workspace_id,
            RunKind.CUSTOMER_DETAILS,
            {IMPORT_RUN_ID: ctx.run_id},
            ctx.started_by_user_id,
        )
        fill_id = fill.id
    await _merge_params(session, ctx.run_id, {DETAILS_RUN_ID: fill_id})
    return fill_id


async def _merge_params(session: AsyncSession, run_id: int, values: dict[str, Any]) -> None:
    """Add ``values`` to a run's ``params`` (the caller has fenced the run row)."""
    await session.execute(
        update(Run)
        .where(Run.id == run_id)
        .values(params=Run.params.op("||")(type_coerce(values, JSONB)))
    )


async def _show_all(
    provider: InvoicingProvider, batch: list[Pending], outcome: BatchOutcome
) -> list[tuple[Pending, Debtor]]:
    """The full record of each customer's debtor; one gone since the import is a problem."""
    gate = asyncio.Semaphore(SHOW_CONCURRENCY)

    async def show(pending: Pending) -> tuple[Pending, Debtor] | None:
        async with gate:
            try:
                return pending, await provider.show_debtor(pending.debtor_code)
            except integrations.NotFoundError:
                outcome.fail(
                    pending.debtor_code,
                    "The debtor disappeared or was renumbered in WeFact/HostFact since the "
                    "import, so its address and numbers could not be read. Import again to "
                    "pick up its current state.",
                )
                return None

    try:
        # A task group, so one provider failure stops the other calls at once (further
        # calls after a firewall ban would only extend it).
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(show(pending)) for pending in batch]
    except ExceptionGroup as failures:
        first = next(
            (exc for exc in failures.exceptions if isinstance(exc, integrations.ProviderError)),
            None,
        )
        if first is None:
            raise
        raise first from None
    return [found for task in tasks if (found := task.result()) is not None]


def _rows(found: list[tuple[Pending, Debtor]], outcome: BatchOutcome) -> list[dict[str, Any]]:
    """The fill's update rows; a record that cannot be stored is a problem instead."""
    synced_at = utcnow()
    rows: list[dict[str, Any]] = []
    for pending, debtor in found:
        if str(debtor.identifier) != pending.identifier:
            outcome.fail(
                pending.debtor_code,
                f"Debtor number {pending.debtor_code} now belongs to another debtor in "
                "WeFact/HostFact. Import again to sort out the link.",
            )
            continue
        mapped = map_debtor(debtor, synced_at=synced_at)
        if mapped.values is None:
            for message in mapped.problems:
                outcome.fail(pending.debtor_code, message)
            continue
        rows.append(
            {
                "id": pending.id,
                "identifier": pending.identifier,
                "seen_modified": pending.seen_modified,
                "wefact_modified_at": debtor.modified,
                "wefact_synced_at": synced_at,
                **{col: mapped.values[col] for col in DETAIL_COLUMNS},
            }
        )
    return rows


def _stopped(
    exc: integrations.ProviderError, services: ProviderServices, done: int
) -> ConnectionProblem:
    """A provider failure as the run's final problem: what happened and what to do."""
    cause = provider_error(exc, services)
    return ConnectionProblem(
        f"{cause.message} Reading the customers' details stopped after {done} customer(s); "
        "those are kept. The next customer import carries on with the rest.",
        code=cause.code,
    )


@run_task(RunKind.CUSTOMER_DETAILS, lock=LockScope.KIND_PER_WORKSPACE, priority=DETAILS_PRIORITY)
async def fill_customer_details(ctx: RunContext) -> RunStatus:
    """Read the full debtor record of every incomplete linked customer of the workspace."""
    services = ProviderServices.of(ctx.state)
    after_id = int(ctx.params.get(AFTER_ID, 0))
    async with ctx.sessionmaker() as session:
        _, provider = await active_provider(services, session, ctx.workspace_id)
        remaining = await count_pending(session, ctx.workspace_id, after_id)
    await ctx.progress(total=ctx.progress_done + remaining)
    while True:
        async with ctx.sessionmaker() as session:
            batch = await next_pending(session, ctx.workspace_id, after_id, FILL_BATCH)
        if not batch:
            break
        outcome = BatchOutcome()
        try:
            found = await _show_all(provider, batch, outcome)
        except integrations.ProviderError as exc:
            raise _stopped(exc, services, ctx.progress_done) from None
        rows = _rows(found, outcome)
        after_id = batch[-1].id
        async with ctx.transaction() as session:
            filled = await fill_details(session, ctx.workspace_id, rows)
            changed = sum(1 for row in filled if row.changed)
            outcome.counts["updated"] += changed
            outcome.counts["unchanged"] += len(filled) - changed
            # Written by no one: an import stored a newer stamp meanwhile (its fill reads it).
            outcome.counts["deferred"] += len(rows) - len(filled)
            await ctx.progress(
                done=ctx.progress_done + len(batch),
                counts=outcome.counts,
                problems=outcome.problems,
                session=session,
            )
            await _merge_params(session, ctx.run_id, {AFTER_ID: after_id})
    return RunStatus.PARTIAL if ctx.counts.get("failed") else RunStatus.SUCCEEDED
