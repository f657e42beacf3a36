"""``graphql_list_ratio`` (and ``_first10_`` / ``_filtered_``) and ``graphql_list_statements``.

Requests/s of a ``timeEntries`` page with its relations, over real HTTP with a real API token,
against a hand-written Starlette + asyncpg endpoint returning the same JSON; both under uvicorn
in their own processes, measured alternately in the same run. Three requests, each against its
own baseline: ``first: 100`` and ``first: 10`` with project→customer, activity and user, and a
filtered page after a cursor. The CPU time each server process spent per request is read from
``/proc`` around every run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench.common import Report, Sizes, median
from bench.data import seed_catalog, seed_time_entries
from bench.database import connect
from bench.load import post_load
from bench.servers import Server, running
from graphql_api.app import AppState
from graphql_api.composition import build_app
from resolvers.ids import global_id

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
        # The first request of a text validates it on the normal path; later ones reuse that.
        await client.post("/graphql", json=payload(1), headers=headers)
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


FILTERED_QUERY = """
query Filtered($first: Int!, $after: String, $filter: RegistrationFilter) {
  timeEntries(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id date hours notes project { name } activity { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True)
class Scenario:
    """One request measured against its own hand-written baseline."""

    name: str
    label: str
    payload: dict[str, Any]
    baseline_path: str


async def _filtered_payload(state: AppState, token: str, project_id: int) -> dict[str, Any]:
    """One project's entries from 2023-02-01, after the first page of 20 (the cursor comes
    from the API itself)."""
    variables: dict[str, Any] = {
        "first": 20, "filter": {"projectId": global_id("Project", project_id),
                                "dateFrom": "2023-02-01"},
    }
    app = build_app(state, close_state_on_shutdown=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        response = await client.post(
            "/graphql", json={"query": FILTERED_QUERY, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    after = response.json()["data"]["timeEntries"]["pageInfo"]["endCursor"]
    return {"query": FILTERED_QUERY, "variables": {**variables, "first": 50, "after": after}}


async def _same_answer(
    graphql_url: str, baseline_url: str, token: str, body: dict[str, Any] | None = None
) -> None:
    """Both servers must return the same document, or the comparison means nothing."""
    body = body or payload(100)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=30.0) as client:
        ours = (await client.post(graphql_url, json=body, headers=headers)).json()
        theirs = (await client.post(baseline_url, json=body, headers=headers)).json()
    # Only `data`: the cost our answers report in `extensions` is no part of the list.
    if ours.get("errors") or ours.get("data") != theirs.get("data"):
        raise RuntimeError(
            "GraphQL and baseline answers differ:\n"
            f"{str(ours)[:400]}\n{str(theirs)[:400]}"
        )
    if not (ours["data"]["timeEntries"]["edges"]):
        raise RuntimeError("the benchmark's page is empty")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    """Requests/s and CPU per request of both servers over the repetitions."""

    rps: dict[str, list[float]] = field(default_factory=lambda: {"graphql": [], "baseline": []})
    cpu_ms: dict[str, list[float]] = field(
        default_factory=lambda: {"graphql": [], "baseline": []}
    )
    p50: dict[str, list[float]] = field(default_factory=lambda: {"graphql": [], "baseline": []})
    failures: int = 0


async def _measure(
    scenario: Scenario, servers: dict[str, Server], token: str, sizes: Sizes, tool: str
) -> Measured:
    urls = {
        "graphql": servers["graphql"].base_url + "/graphql",
        "baseline": servers["baseline"].base_url + scenario.baseline_path,
    }
    body = scenario.payload
    measured = Measured()
    await _same_answer(urls["graphql"], urls["baseline"], token, body)
    for kind in ("graphql", "baseline"):  # warm-up: pools, caches, lazy imports
        await post_load(
            urls[kind], body, token=token, seconds=1, concurrency=sizes.list_concurrency,
            tool=tool,
        )
    for repetition in range(sizes.list_repetitions):
        # Alternate who goes first, so a drift in machine load hits both sides alike.
        order = ("graphql", "baseline") if repetition % 2 == 0 else ("baseline", "graphql")
        for kind in order:
            # One request first: the server has finished what the last run left queued.
            await _same_answer(urls["graphql"], urls["baseline"], token, body)
            before = cpu_seconds(servers[kind].pid)
            result = await post_load(
                urls[kind], body, token=token, seconds=sizes.list_seconds,
                concurrency=sizes.list_concurrency, tool=tool,
            )
            used = cpu_seconds(servers[kind].pid) - before
            measured.failures += result.failures
            measured.rps[kind].append(result.rps)
            if result.requests:
                measured.cpu_ms[kind].append(used / result.requests * 1000)
            if result.p50_ms is not None:
                measured.p50[kind].append(result.p50_ms)
    await _same_answer(urls["graphql"], urls["baseline"], token, body)
    return measured


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Seed, check both answers agree, then measure both servers alternately, per scenario."""
    conn = await connect(database_url)
    try:
        catalog = await seed_catalog(state, conn, "List bench")
        await seed_time_entries(conn, catalog, sizes.list_entries)
    finally:
        await conn.close()

    counts = await statement_counts(state, catalog.token)
    scenarios = [
        Scenario("graphql_list", "first: 100", payload(100), "/list"),
        Scenario("graphql_list_first10", "first: 10", payload(10), "/list"),
        Scenario(
            "graphql_list_filtered", "filter + after, first: 50",
            await _filtered_payload(state, catalog.token, catalog.project_ids[7]), "/filtered",
        ),
    ]
    results: dict[str, Measured] = {}
    async with (
        running("graphql", database_url) as graphql_server,
        running("baseline", database_url) as baseline_server,
    ):
        servers = {"graphql": graphql_server, "baseline": baseline_server}
        for scenario in scenarios:
            results[scenario.name] = await _measure(
                scenario, servers, catalog.token, sizes, tool
            )
    failures = sum(m.failures for m in results.values())
    if failures:
        raise RuntimeError(f"{failures} failed requests during the list benchmark")

    report.figures["graphql_list_statements"] = counts
    details: dict[str, Any] = {
        "tool": tool,
        "concurrency": sizes.list_concurrency,
        "seconds_per_run": sizes.list_seconds,
        "time_entries_in_workspace": sizes.list_entries,
    }
    for scenario in scenarios:
        m = results[scenario.name]
        ours, theirs = median(m.rps["graphql"]), median(m.rps["baseline"])
        ratio = ours / theirs
        cpu = {kind: round(median(v), 3) if v else None for kind, v in m.cpu_ms.items()}
        report.figures[f"{scenario.name}_ratio"] = round(ratio, 3)
        report.figures[f"{scenario.name}_rps"] = round(ours, 1)
        report.figures[f"{scenario.name}_baseline_rps"] = round(theirs, 1)
        report.figures[f"{scenario.name}_cpu_ms_per_request"] = cpu["graphql"]
        report.figures[f"{scenario.name}_baseline_cpu_ms_per_request"] = cpu["baseline"]
        details[scenario.name] = {
            "request": scenario.label,
            "graphql_rps": [round(v, 1) for v in m.rps["graphql"]],
            "baseline_rps": [round(v, 1) for v in m.rps["baseline"]],
            "graphql_cpu_ms_per_request": [round(v, 3) for v in m.cpu_ms["graphql"]],
            "baseline_cpu_ms_per_request": [round(v, 3) for v in m.cpu_ms["baseline"]],
            "graphql_p50_ms": round(median(m.p50["graphql"]), 2) if m.p50["graphql"] else None,
            "baseline_p50_ms": round(median(m.p50["baseline"]), 2) if m.p50["baseline"] else None,
        }
        report.row(
            f"GraphQL list, {scenario.label} (req/s)", f"{ours:.0f}",
            f"{theirs:.0f} (Starlette+asyncpg)", f"{ratio:.2f}",
        )
        report.row(
            f"  CPU per request, {scenario.label} (ms)", f"{cpu['graphql']}",
            f"{cpu['baseline']}", "",
        )
    report.details["graphql_list"] = details
    report.row(
        "SQL statements per list request", f"{counts['first_10']} / {counts['first_100']}",
        "first: 10 / first: 100",
        "equal" if counts["first_10"] == counts["first_100"] else "DIFFER",
    )
