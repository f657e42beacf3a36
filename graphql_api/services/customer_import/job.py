"""The customer import run: page through the debtor list, upsert customers, report problems.

Per page of (at most) 1000 list rows:

1. classify each row against the local customers: bad row (problem), claimed twice,
   likely duplicate of an unnumbered customer, unchanged (known, same Modified stamp), or
   "to write" (new debtors, and known ones whose Modified stamp differs from the one stored
   at the last import);
2. one bulk upsert of the rows to write, from the list row alone (number, name, e-mail,
   link, Modified stamp), marking them ``details_complete = false``; and the page's counts,
   problems and progress, all in one transaction.

So the customers exist after the list pages alone: 10,000 debtors cost 11 calls, not
10,011. The full records (address, VAT and chamber-of-commerce numbers, phone) are read
afterwards by the low-priority details fill (``details``), queued in the import's final
transaction when any linked customer of the workspace is incomplete.

Why a per-customer Modified stamp instead of a "modified since the last import" cut-off:
WeFact reports times without an offset, in its own clock and time zone, so comparing them
with our clock needs a guess of both. Storing the stamp WeFact gave and comparing it for
equality needs neither, and cannot miss an edit made while an import was paging.

Resumable: progress (= list rows handled) is committed with each page, so a resumed attempt
lists again from that offset; re-doing a page is harmless (the upsert is idempotent and
unchanged rows are not even written). A provider failure stops the run with a message that
says what to do; running the import again completes it without losing or doubling anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

import integrations
from graphql_api.errors import ConnectionProblem
from graphql_api.jobs import LockScope, Problem, RunContext, run_task
from graphql_api.models import RunKind, RunStatus, WefactSettings
from graphql_api.services.auth import utcnow
from graphql_api.services.customer_import.details import queue_details_fill
from graphql_api.services.customer_import.mapping import (
    customer_number,
    debtor_name,
    map_summary,
    name_key,
    summary_problem,
)
from graphql_api.services.customer_import.store import (
    Linked,
    LocalIndex,
    load_index,
    upsert_customers,
)
from graphql_api.services.wefact.connection import ProviderServices, active_provider, provider_error
from integrations import DebtorSummary, Page
from integrations.protocol import MAX_PAGE

logger = logging.getLogger(__name__)

PAGE_SIZE = MAX_PAGE
"""Debtors per list call (the providers' maximum)."""

COUNT_NAMES = ("created", "updated", "unchanged", "failed")


@dataclass
class PageOutcome:
    """What one page did: count deltas, problems, and the rows to upsert."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    problems: list[Problem] = field(default_factory=list)
    to_write: list[DebtorSummary] = field(default_factory=list)

    def fail(self, item: str, message: str) -> None:
        self.counts["failed"] += 1
        self.problems.append(Problem(message=message, item=item))


def _item(summary: DebtorSummary) -> str:
    """How problems name a debtor: its number, else its identifier."""
    return customer_number(summary) or f"#{summary.identifier}"


def classify(
    rows: tuple[DebtorSummary, ...], index: LocalIndex, claimed: dict[str, int]
) -> PageOutcome:
    """Sort one page's list rows; ``claimed`` (number → identifier) spans the whole attempt."""
    outcome = PageOutcome()
    for row in rows:
        problem = summary_problem(row)
        if problem is not None:
            outcome.fail(_item(row), problem)
            continue
        number = customer_number(row)
        first = claimed.setdefault(number, row.identifier)
        if first != row.identifier:
            # Rows come in Identifier order, so the oldest debtor keeps the number.
            outcome.fail(
                number,
                f"Customer number {number} is used by more than one debtor in WeFact/HostFact "
                f"(identifiers {first} and {row.identifier}, possibly differing only in "
                f"spaces). It stays linked to debtor {first}; give debtor {row.identifier} a "
                "number of its own and import again.",
            )
            continue
        local = index.by_number.get(number)
        if local is not None and local.wefact_identifier not in (None, str(row.identifier)):
            outcome.fail(
                number,
                f"Customer {number} here is linked to another WeFact/HostFact debtor "
                f"(identifier {local.wefact_identifier}), but debtor {row.identifier} now has "
                "that number. It was left alone. If the new debtor is the right one, change "
                "the customer number here and import again.",
            )
            continue
        if local is None:
            if name_key(debtor_name(row)) in index.unnumbered_names:
                outcome.fail(
                    number,
                    f"A customer named {debtor_name(row)!r} without customer number exists "
                    f"here: likely a duplicate of debtor {number}. It was not imported; give "
                    f"that customer the customer number {number} to link them, then import "
                    "again.",
                )
                continue
            outcome.to_write.append(row)
        elif _unchanged(local, row):
            outcome.counts["unchanged"] += 1
        else:
            outcome.to_write.append(row)
    return outcome


def _unchanged(local: Linked, row: DebtorSummary) -> bool:
    """Linked to this debtor and WeFact's Modified stamp is the one stored last time."""
    return (
        row.modified is not None
        and local.wefact_identifier == str(row.identifier)
        and local.wefact_modified_at == row.modified
    )


def _stopped(
    exc: integrations.ProviderError, services: ProviderServices, done: int
) -> ConnectionProblem:
    """A provider failure as the run's final problem: what happened and what to do."""
    cause = provider_error(exc, services)
    return ConnectionProblem(
        f"{cause.message} The import stopped after {done} debtor(s); the customers imported "
        "so far are kept. Start the import again to finish it: nothing is imported twice.",
        code=cause.code,
    )


@run_task(RunKind.CUSTOMER_IMPORT, lock=LockScope.KIND_PER_WORKSPACE)
async def import_customers(ctx: RunContext) -> RunStatus:
    """Import (create or update) the workspace's customers from its WeFact/HostFact debtors."""
    services = ProviderServices.of(ctx.state)
    started = utcnow()
    async with ctx.sessionmaker() as session:
        _, provider = await active_provider(services, session, ctx.workspace_id)
        index = await load_index(session, ctx.workspace_id)
    # Numbers claimed by a debtor in this attempt. Earlier attempts' claims are in the
    # index (the stored link), which catches a number reused across a resume.
    claimed: dict[str, int] = {}
    # Resume at the page the last attempt reached (pages before it are committed). A
    # done count that is not a whole number of pages means the short last page was
    # committed already: only the closing step is left, and redoing the page would count
    # its rows twice.
    offset = ctx.progress_done
    finished_paging = offset % PAGE_SIZE != 0
    while not finished_paging:
        try:
            page = await provider.list_debtors(offset, PAGE_SIZE)
        except integrations.ProviderError as exc:
            raise _stopped(exc, services, offset) from None
        outcome = classify(page.items, index, claimed)
        await _store_page(ctx, index, page, outcome, offset=offset)
        finished_paging = len(page.items) < PAGE_SIZE
        offset += len(page.items)
    async with ctx.transaction() as session:
        # Informational ("last complete import"): matching relies on per-customer stamps.
        await session.execute(
            update(WefactSettings)
            .where(WefactSettings.workspace_id == ctx.workspace_id)
            .values(last_customer_import_at=started)
        )
        await queue_details_fill(session, ctx)
    return RunStatus.PARTIAL if ctx.counts.get("failed") else RunStatus.SUCCEEDED


async def _store_page(
    ctx: RunContext,
    index: LocalIndex,
    page: Page[DebtorSummary],
    outcome: PageOutcome,
    *,
    offset: int,
) -> None:
    """Upsert one page and record its counts, problems and progress in one transaction."""
    synced_at = utcnow()
    values: list[dict[str, Any]] = []
    for row in outcome.to_write:
        mapped = map_summary(row, synced_at=synced_at)
        if mapped.values is None:
            for message in mapped.problems:
                outcome.fail(_item(row), message)
        else:
            values.append(mapped.values)
    done = offset + len(page.items)
    async with ctx.transaction() as session:
        written = await upsert_customers(session, ctx.workspace_id, values, synced_at)
        by_number = {row.customer_number: row for row in written}
        for value in values:
            written_row = by_number.get(value["customer_number"])
            if written_row is None:
                outcome.counts["unchanged"] += 1
            elif written_row.inserted:
                outcome.counts["created"] += 1
            else:
                # Its Modified stamp moved (or its list fields changed): WeFact changed it.
                outcome.counts["updated"] += 1
        await ctx.progress(
            done=done,
            total=max(page.total, done),
            counts=outcome.counts,
            problems=outcome.problems,
            session=session,
        )
    # Only after the commit: the next pages match against what is now stored.
    for value in values:
        stored = by_number.get(value["customer_number"])
        if stored is not None:
            index.by_number[stored.customer_number] = Linked(
                stored.id, value["wefact_identifier"], value["wefact_modified_at"]
            )
