"""``graphql_list_ratio`` and ``graphql_list_statements``.

Requests/s of a ``timeEntries(first: 100)`` page with its relations, over real HTTP with a
real API token, against a hand-written Starlette + asyncpg endpoint returning the same JSON;
both under uvicorn in their own processes, measured alternately in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from bench.common import Report, Sizes, median
from bench.data import seed_catalog, seed_time_entries
from bench.database import connect
from bench.load import post_load
from bench.servers import running
from graphql_api.app import AppState
from graphql_api.composition import build_app

QUERY = """
query TimeEntries($first: Int!) {
  timeEntries(first: $first) {
    edges {
      node {
        id date hours notes
        project { name customer { name } }
        activity { name }
        user { name }
      }
    }
  }
}
"""


def payload(first: int) -> dict[str, Any]:
    """The request body both servers receive."""
    return {"query": QUERY, "variables": {"first": first}}


@contextmanager
def counting_statements(state: AppState) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(state.engine.sync_engine, "before_cursor_execute", record)


async def statement_counts(state: AppState, token: str) -> dict[str, int]:
    """SQL statements per list request for ``first: 10`` and ``first: 100`` (in process)."""
    app = build_app(state, close_state_on_shutdown=False)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    counts: dict[str, int] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        # The first request of a token records its use; later ones within a minute do not.
        await client.post("/graphql", json={"query": "{ me { name } }"}, headers=headers)
        for first in (10, 100):
            with counting_statements(state) as statements:
                response = await client.post("/graphql", json=payload(first), headers=headers)
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"GraphQL list failed: {response.text[:500]}")
            if len(body["data"]["timeEntries"]["edges"]) != first:
                raise RuntimeError("GraphQL list returned a short page")
            counts[f"first_{first}"] = len(statements)
    return counts


async def _same_answer(graphql_url: str, baseline_url: str, token: str) -> None:
    """Both servers must return the same document, or the comparison means nothing."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30.0) as client:
        ours = (await client.post(graphql_url, json=payload(100), headers=headers)).json()
        theirs = (await client.post(baseline_url, json=payload(100), headers=headers)).json()
    # Only `data`: the cost our answers report in `extensions` is no part of the list.
    if ours.get("errors") or ours.get("data") != theirs.get("data"):
        raise RuntimeError(
            "GraphQL and baseline answers differ:\n"
            f"{str(ours)[:400]}\n{str(theirs)[:400]}"
        )


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Seed, check both answers agree, then measure both servers alternately."""
    conn = await connect(database_url)
    try:
        catalog = await seed_catalog(state, conn, "List bench")
        await seed_time_entries(conn, catalog, sizes.list_entries)
    finally:
        await conn.close()

    counts = await statement_counts(state, catalog.token)

    graphql_rps: list[float] = []
    baseline_rps: list[float] = []
    p50: dict[str, list[float]] = {"graphql": [], "baseline": []}
    failures = 0
    async with (
        running("graphql", database_url) as graphql_server,
        running("baseline", database_url) as baseline_server,
    ):
        urls = {
            "graphql": graphql_server.base_url + "/graphql",
            "baseline": baseline_server.base_url + "/list",
        }
        await _same_answer(urls["graphql"], urls["baseline"], catalog.token)
        for kind in ("graphql", "baseline"):  # warm-up: pools, caches, JIT-less but lazy imports
            await post_load(
                urls[kind], payload(100), token=catalog.token, seconds=1,
                concurrency=sizes.list_concurrency, tool=tool,
            )
        for repetition in range(sizes.list_repetitions):
            # Alternate who goes first, so a drift in machine load hits both sides alike.
            order = ("graphql", "baseline") if repetition % 2 == 0 else ("baseline", "graphql")
            for kind in order:
                # One request first: the server has finished what the last run left queued.
                await _same_answer(urls["graphql"], urls["baseline"], catalog.token)
                result = await post_load(
                    urls[kind], payload(100), token=catalog.token, seconds=sizes.list_seconds,
                    concurrency=sizes.list_concurrency, tool=tool,
                )
                failures += result.failures
                (graphql_rps if kind == "graphql" else baseline_rps).append(result.rps)
                if result.p50_ms is not None:
                    p50[kind].append(result.p50_ms)
        await _same_answer(urls["graphql"], urls["baseline"], catalog.token)
    if failures:
        raise RuntimeError(f"{failures} failed requests during the list benchmark")

    ours, theirs = median(graphql_rps), median(baseline_rps)
    ratio = ours / theirs
    report.figures["graphql_list_ratio"] = round(ratio, 3)
    report.figures["graphql_list_rps"] = round(ours, 1)
    report.figures["graphql_list_baseline_rps"] = round(theirs, 1)
    report.figures["graphql_list_statements"] = counts
    report.details["graphql_list"] = {
        "tool": tool,
        "concurrency": sizes.list_concurrency,
        "seconds_per_run": sizes.list_seconds,
        "time_entries_in_workspace": sizes.list_entries,
        "graphql_rps": [round(v, 1) for v in graphql_rps],
        "baseline_rps": [round(v, 1) for v in baseline_rps],
        "graphql_p50_ms": round(median(p50["graphql"]), 2) if p50["graphql"] else None,
        "baseline_p50_ms": round(median(p50["baseline"]), 2) if p50["baseline"] else None,
    }
    report.row(
        "GraphQL list, first: 100 (req/s)", f"{ours:.0f}", f"{theirs:.0f} (Starlette+asyncpg)",
        f"{ratio:.2f}",
    )
    report.row(
        "SQL statements per list request", f"{counts['first_10']} / {counts['first_100']}",
        "first: 10 / first: 100",
        "equal" if counts["first_10"] == counts["first_100"] else "DIFFER",
    )
