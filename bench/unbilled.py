"""``unbilled_1m_ms`` against ``unbilled_sql_ms``.

The Unbilled report service (``unbilled_report``: its one statement plus the rows and
totals it builds) over a workspace with N time entries, half of them invoiced history, in a
fresh session as a request would use, against the bare SQL aggregate of the open billable
hours per project sent with asyncpg. Both run warm (each twice first), alternately.
"""

from __future__ import annotations

import datetime as dt
import time

from bench.common import Report, Sizes, median
from bench.data import FIRST_DAY, seed_catalog, seed_time_entries
from bench.database import connect
from graphql_api.app import AppState
from graphql_api.services.unbilled import UnbilledFilter, unbilled_report

# The partial index's condition, literally (as the report writes it), so both can use it.
BARE_SQL = """
SELECT project_id, sum(hours), sum(round(hours * rate, 2)), count(*)
FROM time_entries
WHERE workspace_id = $1
  AND status = 'OPEN' AND invoice_line_id IS NULL AND billable
  AND date <= $2
GROUP BY project_id
"""
DAYS = 730


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Seed N entries (half invoiced), then time the report and the bare aggregate."""
    until = FIRST_DAY + dt.timedelta(days=DAYS)
    conn = await connect(database_url)
    try:
        catalog = await seed_catalog(state, conn, "Unbilled bench", number_prefix="U")
        began = time.perf_counter()
        await seed_time_entries(
            conn, catalog, sizes.unbilled_entries, seed=7, invoiced_share=0.5, days=DAYS
        )
        seed_seconds = time.perf_counter() - began
        # What autovacuum would do on a live table: the visibility map lets both read the
        # partial index without visiting the heap.
        await conn.execute("VACUUM ANALYZE time_entries")
        await conn.execute("ANALYZE")

        async def bare() -> tuple[float, int]:
            began = time.perf_counter()
            rows = await conn.fetch(BARE_SQL, catalog.workspace_id, until)
            return (time.perf_counter() - began) * 1000, len(rows)

        async def ours() -> tuple[float, int]:
            began = time.perf_counter()
            async with state.sessionmaker() as session:
                result = await unbilled_report(
                    session, catalog.workspace_id, UnbilledFilter(until=until)
                )
            return (time.perf_counter() - began) * 1000, len(result.rows)

        for _ in range(2):
            await bare()
            await ours()
        ours_ms: list[float] = []
        bare_ms: list[float] = []
        projects: set[tuple[int, int]] = set()
        for repetition in range(sizes.unbilled_repetitions):
            pair = (ours, bare) if repetition % 2 == 0 else (bare, ours)
            for measure in pair:
                elapsed, rows = await measure()
                (ours_ms if measure is ours else bare_ms).append(elapsed)
                projects.add((measure is ours, rows))
    finally:
        await conn.close()
    counts = {rows for _, rows in projects}
    if len(counts) != 1:
        raise RuntimeError(f"report and aggregate disagree on the projects: {projects}")

    ours_median, bare_median = median(ours_ms), median(bare_ms)
    report.figures["unbilled_1m_ms"] = round(ours_median, 1)
    report.figures["unbilled_sql_ms"] = round(bare_median, 1)
    report.figures["unbilled_ratio"] = round(ours_median / bare_median, 2)
    report.details["unbilled"] = {
        "time_entries": sizes.unbilled_entries,
        "open_billable_share": "about 45% (half invoiced, 90% billable)",
        "projects": counts.pop(),
        "seed_seconds": round(seed_seconds, 1),
        "report_ms": [round(v, 1) for v in ours_ms],
        "sql_ms": [round(v, 1) for v in bare_ms],
    }
    report.row(
        f"unbilled report, {sizes.unbilled_entries:,} entries (ms)", f"{ours_median:.1f}",
        f"{bare_median:.1f} (bare SQL aggregate)", f"{ours_median / bare_median:.2f}",
    )
