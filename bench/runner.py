"""The runner: one database, each benchmark against its baseline, ``bench/out/summary.json``."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import BENCH_SECRET_KEY, Report, Sizes
from bench.database import connect, create_database, drop_database, server
from bench.load import load_tool
from graphql_api.app import AppState
from graphql_api.settings import Settings

OUT_DIR = Path(__file__).resolve().parent / "out"

Benchmark = Callable[[AppState, str, Sizes, Report, str], Awaitable[None]]


def _graphql_list() -> Benchmark:
    from bench import graphql_list

    return graphql_list.run


def _imports() -> Benchmark:
    from bench import imports

    return imports.run


def _invoicing() -> Benchmark:
    from bench import invoicing

    return invoicing.run


def _fleet() -> Benchmark:
    from bench import fleet

    return fleet.run


def _unbilled() -> Benchmark:
    from bench import unbilled

    return unbilled.run


def _webhooks() -> Benchmark:
    from bench import webhooks

    return webhooks.run


BENCHMARKS: dict[str, Callable[[], Benchmark]] = {
    "graphql_list": _graphql_list,
    "import": _imports,
    "invoice": _invoicing,
    "unbilled": _unbilled,
    "webhooks": _webhooks,
    "fleet": _fleet,
}

AIMS: dict[str, tuple[str, Callable[[dict[str, Any]], bool | None]]] = {
    "graphql_list_ratio": (
        "graphql_list_ratio >= 0.8",
        lambda f: f["graphql_list_ratio"] >= 0.8 if "graphql_list_ratio" in f else None,
    ),
    "graphql_list_statements": (
        "statements equal for first: 10 and first: 100",
        lambda f: (
            f["graphql_list_statements"]["first_10"] == f["graphql_list_statements"]["first_100"]
            if "graphql_list_statements" in f
            else None
        ),
    ),
    "import_10k_calls": (
        "first import: customers exist after ≈ 10 calls (the list pages)",
        lambda f: f["import_10k_calls"] <= 11 if "import_10k_calls" in f else None,
    ),
    "import_repeat_calls": (
        "repeated import ≈ 10 calls (one per list page of 1000)",
        lambda f: f["import_repeat_calls"] <= 11 if "import_repeat_calls" in f else None,
    ),
    "invoice_overhead_ms_per_invoice": (
        "invoice overhead < 20 ms per invoice",
        lambda f: (
            f["invoice_overhead_ms_per_invoice"] < 20
            if "invoice_overhead_ms_per_invoice" in f
            else None
        ),
    ),
    "fleet": (
        "fleet: 0 firewall events, every whole minute at 90-100 % of the limit",
        lambda f: (
            f["fleet_firewall_events"] == 0
            and bool(f["fleet_calls_per_minute"])
            and f["fleet_utilisation_min"] >= 0.9
            and f["fleet_utilisation_max"] <= 1.0
            if "fleet_firewall_events" in f
            else None
        ),
    ),
    "unbilled_ratio": (
        "unbilled report within 1.5x the bare aggregate",
        lambda f: f["unbilled_ratio"] <= 1.5 if "unbilled_ratio" in f else None,
    ),
}


def machine() -> dict[str, Any]:
    """Where the figures came from."""
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


async def _postgres_version(url: str) -> str:
    conn = await connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def run(sizes: Sizes, selected: list[str]) -> dict[str, Any]:
    """Run the selected benchmarks on a fresh database; returns the summary."""
    report = Report()
    tool = load_tool()
    started = time.perf_counter()
    with server() as (server_url, source):
        database_url = await create_database(server_url)
        settings = Settings(
            database_url=database_url,
            secret_key=BENCH_SECRET_KEY,
            allow_private_integration_urls=True,
        )
        state = AppState.create(settings, database_url)
        try:
            postgres = await _postgres_version(database_url)
            for name in selected:
                print(f"· {name} …", flush=True)
                began = time.perf_counter()
                try:
                    benchmark = BENCHMARKS[name]()
                    await asyncio.wait_for(
                        benchmark(state, database_url, sizes, report, tool), sizes.timeout_seconds
                    )
                except TimeoutError:
                    report.skipped[name] = f"timed out after {sizes.timeout_seconds:.0f} s"
                except ImportError as exc:
                    report.skipped[name] = f"not available yet: {exc}"
                except Exception as exc:  # report and go on: one broken benchmark is no reason
                    traceback.print_exc()
                    report.skipped[name] = f"failed: {type(exc).__name__}: {exc}"
                print(f"  {name} took {time.perf_counter() - began:.1f} s", flush=True)
        finally:
            await state.close()
            await drop_database(server_url, database_url)
    aims = {}
    for label, check in AIMS.values():
        reached = check(report.figures)
        if reached is not None:
            # Fixed costs weigh more at the quick sizes: the aims are meant for the full run.
            sized = sizes.quick and "statements" not in label
            aims[label + (" (quick sizes; judge on the full run)" if sized else "")] = reached
    return {
        **report.figures,
        "aims": aims,
        "skipped": report.skipped,
        "details": report.details,
        "table": [list(row) for row in report.rows],
        "mode": "quick" if sizes.quick else "full",
        "machine": {**machine(), "postgresql": postgres, "database": source, "load_tool": tool},
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def print_table(summary: dict[str, Any]) -> None:
    """The figures as a plain table on stdout."""
    header = ("figure", "ours", "baseline (same run)", "ratio")
    rows = [header, *[tuple(row) for row in summary["table"]]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
    for label, reached in summary["aims"].items():
        print(f"aim {'reached' if reached else 'MISSED '}: {label}")
    for name, reason in summary["skipped"].items():
        print(f"skipped {name}: {reason}")
    m = summary["machine"]
    print(
        f"machine: {m['cpus']} cpus, {m['memory_gib']} GiB, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']} ({m['database']}), load: {m['load_tool']}; "
        f"{summary['mode']} run in {summary['wall_seconds']} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under two minutes")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run just these (repeatable)"
    )
    args = parser.parse_args(argv)
    sizes = Sizes.for_mode(quick=args.quick)
    selected = args.only or list(BENCHMARKS)
    summary = asyncio.run(run(sizes, selected))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_table(summary)
    print(f"written: {OUT_DIR / 'summary.json'}")
    return 1 if summary["skipped"] and any(
        reason.startswith("failed") for reason in summary["skipped"].values()
    ) else 0


if __name__ == "__main__":
    sys.exit(main())
