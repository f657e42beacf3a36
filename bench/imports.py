"""``import_10k_seconds``, ``import_10k_calls``, ``import_repeat_calls`` (and
``import_repeat_seconds``) against ``import_serve_seconds``.

The customer import runs as its tests run it: ``start_import`` queues a run, a real
procrastinate worker performs the ``CUSTOMER_IMPORT`` handler against the WeFact emulator
over HTTP. The baseline fetches the same debtor list pages straight from the emulator with
the client, nothing else. Each repetition imports into a fresh workspace (a first import can
only happen once), then imports again with nothing changed.
"""

from __future__ import annotations

import asyncio
import time

from bench.common import Report, Sizes, median
from bench.data import new_workspace
from bench.provider import activate_workspace, emulator, raw_client, services
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner, open_jobs
from graphql_api.models import Run, RunStatus
from graphql_api.services.customer_import import start_import
from graphql_api.services.customer_import.job import SHOW_CONCURRENCY
from integrations.protocol import MAX_PAGE


async def _import(state: AppState, runner: JobRunner, workspace_id: int, user_id: int) -> Run:
    async with state.sessionmaker() as session, session.begin():
        run_id = (await start_import(services(state), session, workspace_id, user_id)).id
    await runner.run_worker(wait=False, name="bench-import")
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
    if run is None or run.status is not RunStatus.SUCCEEDED:
        raise RuntimeError(f"import did not succeed: {run and run.status} {run and run.problems}")
    return run


async def _serve(state: AppState) -> float:
    """Seconds to fetch every debtor list page straight from the emulator."""
    client = raw_client(state)
    began = time.perf_counter()
    offset = 0
    while True:
        page = await client.list_debtors(offset, MAX_PAGE)
        offset += len(page.items)
        if len(page.items) < MAX_PAGE:
            break
    return time.perf_counter() - began


async def _serve_and_show(state: AppState) -> float:
    """Seconds to list every page and ``show`` every debtor straight from the emulator, four
    at a time like the import: the same provider calls as a first import, and nothing else."""
    client = raw_client(state)
    gate = asyncio.Semaphore(SHOW_CONCURRENCY)

    async def show(code: str) -> None:
        async with gate:
            await client.show_debtor(code)

    began = time.perf_counter()
    offset = 0
    while True:
        page = await client.list_debtors(offset, MAX_PAGE)
        async with asyncio.TaskGroup() as group:
            for row in page.items:
                group.create_task(show(row.code))
        offset += len(page.items)
        if len(page.items) < MAX_PAGE:
            break
    return time.perf_counter() - began


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Fresh workspace per repetition: first import, repeated import, and the baseline."""
    first_seconds: list[float] = []
    repeat_seconds: list[float] = []
    serve_seconds: list[float] = []
    raw_first_seconds: list[float] = []
    first_calls: list[int] = []
    repeat_calls: list[int] = []
    async with emulator(state) as emu, open_jobs(state) as runner:
        emu.seed_debtors(sizes.import_debtors)
        for repetition in range(sizes.import_repetitions):
            workspace_id, owner_id, _ = await new_workspace(
                state, f"Import bench {repetition}", f"owner@import-{repetition}.bench"
            )
            await activate_workspace(state, workspace_id)
            if repetition % 2 == 0:
                serve_seconds.append(await _serve(state))

            before = len(emu.calls)
            began = time.perf_counter()
            first = await _import(state, runner, workspace_id, owner_id)
            first_seconds.append(time.perf_counter() - began)
            first_calls.append(len(emu.calls) - before)
            if first.counts.get("created") != sizes.import_debtors:
                raise RuntimeError(f"first import created {first.counts}")

            before = len(emu.calls)
            began = time.perf_counter()
            again = await _import(state, runner, workspace_id, owner_id)
            repeat_seconds.append(time.perf_counter() - began)
            repeat_calls.append(len(emu.calls) - before)
            if again.counts.get("unchanged") != sizes.import_debtors:
                raise RuntimeError(f"repeated import changed something: {again.counts}")

            if repetition % 2 == 1:
                serve_seconds.append(await _serve(state))
            raw_first_seconds.append(await _serve_and_show(state))

    n = sizes.import_debtors
    first_s, repeat_s, serve_s = (
        median(first_seconds), median(repeat_seconds), median(serve_seconds)
    )
    report.figures.update(
        {
            "import_10k_seconds": round(first_s, 2),
            "import_10k_calls": int(median([float(c) for c in first_calls])),
            "import_repeat_calls": int(median([float(c) for c in repeat_calls])),
            "import_repeat_seconds": round(repeat_s, 3),
            "import_serve_seconds": round(serve_s, 3),
            "import_raw_calls_seconds": round(median(raw_first_seconds), 2),
        }
    )
    report.details["import"] = {
        "debtors": n,
        "first_seconds": [round(v, 2) for v in first_seconds],
        "repeat_seconds": [round(v, 3) for v in repeat_seconds],
        "serve_seconds": [round(v, 3) for v in serve_seconds],
        # The first import's provider calls (list pages + a show per debtor), made raw.
        "raw_calls_seconds": [round(v, 2) for v in raw_first_seconds],
        "first_calls": first_calls,
        "repeat_calls": repeat_calls,
        "list_pages": n // MAX_PAGE + 1,
    }
    report.row(
        f"first import of {n} debtors (s)", f"{first_s:.2f}",
        f"{serve_s:.3f} (list pages only)", f"{first_s / serve_s:.1f}x",
    )
    raw_s = median(raw_first_seconds)
    report.row(
        f"first import of {n} debtors (s)", f"{first_s:.2f}",
        f"{raw_s:.2f} (the same list+show calls, raw)", f"{first_s / raw_s:.1f}x",
    )
    report.row(
        f"repeated import, {n} unchanged (s)", f"{repeat_s:.3f}",
        f"{serve_s:.3f} (list pages only)", f"{repeat_s / serve_s:.1f}x",
    )
    report.row(
        "provider calls: first / repeated import",
        f"{int(median([float(c) for c in first_calls]))} / "
        f"{int(median([float(c) for c in repeat_calls]))}",
        f"{n // MAX_PAGE + 1} list pages", "",
    )
