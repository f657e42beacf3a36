"""``fleet_firewall_events``, ``fleet_calls_per_minute``, ``fleet_utilisation_min/max``.

Three worker processes (``graphql-api worker --concurrency 2``, as deployed) and four
workspaces importing customers and invoicing at the same time, against one WeFact emulator
with its rate limit switched on — every process and workspace calls from the same address,
as in production. The emulator's limit is scaled down from WeFact's 500 a minute to
``FLEET_PER_MINUTE`` so the work outlasts two whole minutes in a few minutes of wall time
(its windows stay WeFact's: whole minutes); the workers are told the same figure
(``WEFACT_CALLS_PER_MINUTE``), and the headers confirm it.

Measured from the emulator's side: the time of every call that reached it (its rate-limit
rule reads its clock once per call), the calls it refused with its firewall, and the calls
per whole minute while runs were still queued or running. Aim: no firewall event, and every
such minute at 90–100 % of the limit. Baseline: the limit itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bench.common import BENCH_SECRET_KEY, Report, Sizes
from bench.data import seed_catalog, seed_time_entries
from bench.database import connect
from bench.provider import EMULATOR_API_KEY, activate_workspace, services
from graphql_api.app import AppState
from graphql_api.budget import SharedCallBudget
from graphql_api.jobs.runs import FINAL_RUN_STATUSES
from graphql_api.models import Run, RunKind, TimeEntry
from graphql_api.services.customer_import import start_import
from graphql_api.services.invoicing import (
    InvoiceOptions,
    RegistrationRef,
    RegKind,
    engine,  # noqa: F401 - importing it registers the INVOICE handler (as the workers do)
    start_invoice_run,
)
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState
from resolvers.ids import global_id

FLEET_PER_MINUTE = 300
"""The emulator's (and so the budget's) calls per minute in this benchmark."""
WORKERS = 3
WORKER_CONCURRENCY = 2
WORKSPACES = 4


def _worker(database_url: str, emulator_url: str) -> subprocess.Popen[bytes]:
    command = Path(sys.executable).with_name("graphql-api")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": BENCH_SECRET_KEY,
        "WEFACT_API_URL": emulator_url,
        "ALLOW_PRIVATE_INTEGRATION_URLS": "true",
        "WEFACT_CALLS_PER_MINUTE": str(FLEET_PER_MINUTE),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [str(command), "worker", "--concurrency", str(WORKER_CONCURRENCY)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _prepare(state: AppState, database_url: str, sizes: Sizes, n: int) -> tuple[int, int]:
    """A workspace with customers, billable hours and an active WeFact connection."""
    conn = await connect(database_url)
    try:
        catalog = await seed_catalog(
            state, conn, f"Fleet bench {n}", users=2, customers=sizes.fleet_customers,
            projects=sizes.fleet_customers, activities=3, number_prefix=f"FL{n}-",
        )
        await seed_time_entries(
            conn, catalog, sizes.fleet_customers * 4, seed=n, billable_share=1.0, days=28
        )
    finally:
        await conn.close()
    await activate_workspace(state, catalog.workspace_id)
    return catalog.workspace_id, catalog.owner_id


async def _start_work(state: AppState, workspace_id: int, user_id: int) -> list[int]:
    """Queue an import and an invoice run of every billable entry: the runs' ids."""
    async with state.sessionmaker() as session, session.begin():
        ids = list(
            await session.scalars(
                select(TimeEntry.id).where(TimeEntry.workspace_id == workspace_id)
            )
        )
        refs = [
            RegistrationRef(RegKind.TIME_ENTRY, pk, str(global_id("TimeEntry", pk)))
            for pk in ids
        ]
        imported = await start_import(services(state), session, workspace_id, user_id)
        invoiced = await start_invoice_run(session, workspace_id, user_id, refs, InvoiceOptions())
        return [imported.id, invoiced.id]


async def _wait_for(
    state: AppState, run_ids: list[int], deadline: float, waited: set[int]
) -> dict[int, float]:
    """Poll until every run finished; when each was first seen finished (perf_counter).
    ``waited`` collects the runs seen showing a wait for the budget."""
    finished: dict[int, float] = {}
    while len(finished) < len(run_ids):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(run_ids) - len(finished)} runs still going")
        async with state.sessionmaker() as session:
            rows = await session.execute(
                select(Run.id, Run.status, Run.waiting_reason).where(Run.id.in_(run_ids))
            )
            for run_id, status, reason in rows:
                if status in FINAL_RUN_STATUSES:
                    finished.setdefault(run_id, time.perf_counter())
                if reason is not None:
                    waited.add(run_id)
        await asyncio.sleep(0.5)
    return finished


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Four workspaces, three worker processes, one rate-limited emulator."""
    emulator = EmulatorState(flavor="wefact", api_key=EMULATOR_API_KEY)
    emulator.rate_limit_per_minute = FLEET_PER_MINUTE
    emulator.rate_limit_per_hour = 100 * FLEET_PER_MINUTE  # the minute is what binds here
    emulator.seed_products()
    emulator.seed_debtors(sizes.fleet_debtors)
    stamps: list[float] = []
    clock = emulator.wall_clock

    def counting_clock() -> float:
        # The emulator's rate-limit rule reads its clock once for every call that arrives.
        now = clock()
        stamps.append(now)
        return now

    emulator.wall_clock = counting_clock
    previous_url, previous_budget = state.settings.wefact_api_url, state.providers.budget
    state.providers.budget = SharedCallBudget(
        state.engine, per_minute=FLEET_PER_MINUTE, per_hour=100 * FLEET_PER_MINUTE
    )
    workers: list[subprocess.Popen[bytes]] = []
    waited: set[int] = set()
    try:
        async with serve_emulator(emulator) as url:
            state.settings.wefact_api_url = url
            prepared = [await _prepare(state, database_url, sizes, n) for n in range(WORKSPACES)]
            run_ids: list[int] = []
            for workspace_id, user_id in prepared:
                run_ids += await _start_work(state, workspace_id, user_id)
            began_wall = time.time()
            began = time.perf_counter()
            workers = [_worker(database_url, url) for _ in range(WORKERS)]
            finished = await _wait_for(
                state, run_ids, began + sizes.timeout_seconds - 30, waited
            )
            ended_wall = time.time()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        state.settings.wefact_api_url = previous_url
        state.providers.budget = previous_budget

    await _report(
        state, report, sizes, emulator,
        stamps=stamps, run_ids=run_ids, finished=finished, waited=waited,
        began=began, window=(began_wall, ended_wall),
    )


async def _report(
    state: AppState,
    report: Report,
    sizes: Sizes,
    emulator: EmulatorState,
    *,
    stamps: list[float],
    run_ids: list[int],
    finished: dict[int, float],
    waited: set[int],
    began: float,
    window: tuple[float, float],
) -> None:
    """The figures, from the emulator's side, and the runs' outcome."""
    began_wall, ended_wall = window
    async with state.sessionmaker() as session:
        runs = list(await session.execute(select(Run.id, Run.kind, Run.status, Run.counts)))
    failed = [(r.id, r.kind.name, r.status.name) for r in runs if r.status.name != "SUCCEEDED"]
    per_window = Counter(int(stamp // 60) for stamp in stamps)
    # Whole minutes only, and only those while runs were still queued or running.
    full = [
        per_window[minute]
        for minute in sorted(per_window)
        if minute * 60 >= began_wall and (minute + 1) * 60 <= ended_wall
    ]
    refused = len(stamps) - len(emulator.calls)
    shares = [count / FLEET_PER_MINUTE for count in full]
    kinds = {run_id: kind for run_id, kind, _, _ in runs}
    # When the last run of each kind finished: invoicing should not wait for the imports.
    wall = {
        kind.name: round(
            max(at - began for run_id, at in finished.items() if kinds[run_id] is kind), 1
        )
        for kind in (RunKind.CUSTOMER_IMPORT, RunKind.INVOICE)
    }
    report.figures.update(
        {
            "fleet_firewall_events": len(emulator.firewalled) + refused,
            "fleet_calls_per_minute": full,
            "fleet_limit_per_minute": FLEET_PER_MINUTE,
            "fleet_utilisation_min": round(min(shares), 3) if shares else None,
            "fleet_utilisation_max": round(max(shares), 3) if shares else None,
        }
    )
    report.details["fleet"] = {
        "workers": WORKERS,
        "worker_concurrency": WORKER_CONCURRENCY,
        "workspaces": WORKSPACES,
        "debtors_per_import": sizes.fleet_debtors,
        "customers_invoiced_per_workspace": sizes.fleet_customers,
        "calls": len(stamps),
        "refused_by_firewall": refused,
        "every_window": {str(minute): per_window[minute] for minute in sorted(per_window)},
        "seconds": round(ended_wall - began_wall, 1),
        "last_finished_seconds": wall,
        # Runs seen (polled twice a second) showing a wait for the budget, by kind.
        "runs_seen_waiting": dict(Counter(kinds[run_id].name for run_id in waited)),
        "runs_not_succeeded": failed,
    }
    if failed:
        raise RuntimeError(f"runs did not succeed: {failed}")
    report.row(
        "fleet: firewall events (3 workers, 4 workspaces)", str(len(emulator.firewalled) + refused),
        "0", "",
    )
    report.row(
        "fleet: calls per whole minute while queued",
        ", ".join(str(count) for count in full) or "no whole minute",
        f"{FLEET_PER_MINUTE} (the emulator's limit)",
        ", ".join(f"{share:.2f}" for share in shares),
    )
