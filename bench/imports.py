"""``import_10k_seconds``, ``import_10k_calls``, ``import_repeat_calls`` (and
``import_repeat_seconds``) against ``import_serve_seconds``; the details fill after it
(``import_details_seconds``, ``import_details_calls``) against its floor.

The customer import runs as its tests run it: ``start_import`` queues a run, a real
procrastinate worker performs the ``CUSTOMER_IMPORT`` handler and then the
``CUSTOMER_DETAILS`` fill it queued, against the WeFact emulator over HTTP. The emulator's
calls are stamped, so the calls until the import run finished (the customers exist) are told
from the fill's. The baseline fetches the same debtor list pages straight from the emulator
with the client, nothing else. Each repetition imports into a fresh workspace (a first import
can only happen once), then imports again with nothing changed.

The floor of the fill is its calls ÷ WeFact's limit (500 a minute per IP address): what the
shared budget allows. Here the emulator's limits are lifted (these benchmarks measure our
overhead per call), so the measured fill time is our overhead, not the budget's pace.
"""

from __future__ import annotations

import asyncio
import time
from typing import SupportsIndex

from bench.common import Report, Sizes, median
from bench.data import new_workspace
from bench.provider import activate_workspace, emulator, raw_client, services
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner, open_jobs
from graphql_api.models import Run, RunKind, RunStatus
from graphql_api.services.customer_import import start_import
from graphql_api.services.customer_import.details import DETAILS_RUN_ID, SHOW_CONCURRENCY
from integrations.protocol import MAX_PAGE

WEFACT_CALLS_PER_MINUTE = 500
"""Real WeFact's limit per IP address (its API-RateLimit headers): the fill's floor."""


class StampedCalls(list[tuple[str, str]]):
    """The emulator's call log, with the wall-clock time of each call."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, call: tuple[str, str]) -> None:
        self.times.append(time.time())
        super().append(call)

    def clear(self) -> None:
        self.times.clear()
        super().clear()

    def count_between(self, start: SupportsIndex, until: float) -> int:
        """Calls from index ``start`` on made at or before wall-clock ``until``."""
        return sum(1 for stamp in self.times[int(start):] if stamp <= until)


async def _import(
    state: AppState, runner: JobRunner, workspace_id: int, user_id: int
) -> tuple[Run, Run | None]:
    """The import and the details fill it queued (None when it queued none), both finished."""
    async with state.sessionmaker() as session, session.begin():
        run_id = (await start_import(services(state), session, workspace_id, user_id)).id
    await runner.run_worker(wait=False, name="bench-import")
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
        if run is None or run.status is not RunStatus.SUCCEEDED:
            raise RuntimeError(
                f"import did not succeed: {run and run.status} {run and run.problems}"
            )
        fill_id = run.params.get(DETAILS_RUN_ID)
        fill = None if fill_id is None else await session.get(Run, int(fill_id))
    if fill is not None and (
        fill.kind is not RunKind.CUSTOMER_DETAILS or fill.status is not RunStatus.SUCCEEDED
    ):
        raise RuntimeError(f"details fill did not succeed: {fill.status} {fill.problems}")
    return run, fill


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
    """Fresh workspace per repetition: first import (+ fill), repeated import, the baseline."""
    first_seconds: list[float] = []
    repeat_seconds: list[float] = []
    serve_seconds: list[float] = []
    raw_first_seconds: list[float] = []
    details_seconds: list[float] = []
    first_calls: list[int] = []
    details_calls: list[int] = []
    repeat_calls: list[int] = []
    async with emulator(state) as emu, open_jobs(state) as runner:
        calls = StampedCalls()
        emu.calls = calls
        emu.seed_debtors(sizes.import_debtors)
        for repetition in range(sizes.import_repetitions):
            workspace_id, owner_id, _ = await new_workspace(
                state, f"Import bench {repetition}", f"owner@import-{repetition}.bench"
            )
            await activate_workspace(state, workspace_id)
            if repetition % 2 == 0:
                serve_seconds.append(await _serve(state))

            before = len(calls)
            began = time.time()
            first, fill = await _import(state, runner, workspace_id, owner_id)
            if first.counts.get("created") != sizes.import_debtors or first.finished_at is None:
                raise RuntimeError(f"first import created {first.counts}")
            if fill is None or fill.counts.get("updated") != sizes.import_debtors:
                raise RuntimeError(f"the fill did not fill every customer: {fill and fill.counts}")
            assert fill.finished_at is not None
            imported_at = first.finished_at.timestamp()
            # Calls until the import run ended: what it took for the customers to exist.
            first_calls.append(calls.count_between(before, imported_at))
            details_calls.append(len(calls) - before - first_calls[-1])
            first_seconds.append(imported_at - began)
            details_seconds.append(fill.finished_at.timestamp() - imported_at)

            before = len(calls)
            began_repeat = time.perf_counter()
            again, again_fill = await _import(state, runner, workspace_id, owner_id)
            repeat_seconds.append(time.perf_counter() - began_repeat)
            repeat_calls.append(len(calls) - before)
            if again.counts.get("unchanged") != sizes.import_debtors or again_fill is not None:
                raise RuntimeError(f"repeated import changed something: {again.counts}")

            if repetition % 2 == 1:
                serve_seconds.append(await _serve(state))
            raw_first_seconds.append(await _serve_and_show(state))

    _report(
        report, sizes.import_debtors,
        first_seconds=first_seconds, repeat_seconds=repeat_seconds,
        serve_seconds=serve_seconds, raw_first_seconds=raw_first_seconds,
        details_seconds=details_seconds, first_calls=first_calls,
        details_calls=details_calls, repeat_calls=repeat_calls,
    )


def _report(
    report: Report,
    n: int,
    *,
    first_seconds: list[float],
    repeat_seconds: list[float],
    serve_seconds: list[float],
    raw_first_seconds: list[float],
    details_seconds: list[float],
    first_calls: list[int],
    details_calls: list[int],
    repeat_calls: list[int],
) -> None:
    """The figures, details and rows of the import benchmark."""
    first_s, repeat_s, serve_s = (
        median(first_seconds), median(repeat_seconds), median(serve_seconds)
    )
    details_s = median(details_seconds)
    fill_calls = int(median([float(c) for c in details_calls]))
    floor_s = fill_calls / WEFACT_CALLS_PER_MINUTE * 60
    report.figures.update(
        {
            "import_10k_seconds": round(first_s, 2),
            "import_10k_calls": int(median([float(c) for c in first_calls])),
            "import_repeat_calls": int(median([float(c) for c in repeat_calls])),
            "import_repeat_seconds": round(repeat_s, 3),
            "import_serve_seconds": round(serve_s, 3),
            "import_raw_calls_seconds": round(median(raw_first_seconds), 2),
            "import_details_calls": fill_calls,
            "import_details_seconds": round(details_s, 2),
            "import_details_floor_seconds": round(floor_s, 1),
        }
    )
    report.details["import"] = {
        "debtors": n,
        "first_seconds": [round(v, 2) for v in first_seconds],
        "repeat_seconds": [round(v, 3) for v in repeat_seconds],
        "serve_seconds": [round(v, 3) for v in serve_seconds],
        # The provider calls of a first import and its fill (list pages + a show per
        # debtor), made raw.
        "raw_calls_seconds": [round(v, 2) for v in raw_first_seconds],
        "first_calls": first_calls,
        "details_calls": details_calls,
        "details_seconds": [round(v, 2) for v in details_seconds],
        "repeat_calls": repeat_calls,
        "list_pages": n // MAX_PAGE + 1,
        "details_floor_calls_per_minute": WEFACT_CALLS_PER_MINUTE,
    }
    report.row(
        f"first import of {n} debtors, customers exist (s)", f"{first_s:.2f}",
        f"{serve_s:.3f} (list pages only)", f"{first_s / serve_s:.1f}x",
    )
    raw_s = median(raw_first_seconds)
    report.row(
        f"first import + details fill of {n} debtors (s)", f"{first_s + details_s:.2f}",
        f"{raw_s:.2f} (the same list+show calls, raw)", f"{(first_s + details_s) / raw_s:.1f}x",
    )
    report.row(
        f"details fill of {n} debtors, limits lifted (s)", f"{details_s:.2f}",
        f"{floor_s:.0f} (floor: {fill_calls} calls at {WEFACT_CALLS_PER_MINUTE}/min)",
        f"{details_s / floor_s:.2f}x",
    )
    report.row(
        f"repeated import, {n} unchanged (s)", f"{repeat_s:.3f}",
        f"{serve_s:.3f} (list pages only)", f"{repeat_s / serve_s:.1f}x",
    )
    report.row(
        "provider calls: first import / its fill / repeated import",
        f"{int(median([float(c) for c in first_calls]))} / {fill_calls} / "
        f"{int(median([float(c) for c in repeat_calls]))}",
        f"{n // MAX_PAGE + 1} list pages", "",
    )
