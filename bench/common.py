"""Small shared pieces: sizes per mode, medians, timers and the figures being collected."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

BENCH_SECRET_KEY = "bench-secret-key-not-for-production"  # a throwaway database


@dataclass(frozen=True)
class Sizes:
    """How big and how long: ``--quick`` stays under two minutes on two cores."""

    quick: bool
    list_entries: int
    list_seconds: float
    list_repetitions: int
    list_concurrency: int
    import_debtors: int
    import_repetitions: int
    invoice_entries: int
    invoice_customers: int
    invoice_repetitions: int
    unbilled_entries: int
    unbilled_repetitions: int
    fleet_debtors: int
    fleet_customers: int
    timeout_seconds: float
    webhook_latency_events: int = 200
    webhook_throughput_events: int = 2000

    @classmethod
    def for_mode(cls, *, quick: bool) -> Sizes:
        if quick:
            return cls(
                quick=True, list_entries=20_000, list_seconds=4.0, list_repetitions=3,
                list_concurrency=4, import_debtors=1_000, import_repetitions=2,
                invoice_entries=500, invoice_customers=5,
                invoice_repetitions=2,
                unbilled_entries=100_000, unbilled_repetitions=5,
                fleet_debtors=40, fleet_customers=10,
                timeout_seconds=180.0,
                webhook_latency_events=50, webhook_throughput_events=300,
            )
        return cls(
            quick=False, list_entries=200_000, list_seconds=8.0, list_repetitions=5,
            list_concurrency=4, import_debtors=10_000, import_repetitions=3,
            invoice_entries=10_000, invoice_customers=100,
            invoice_repetitions=2,
            unbilled_entries=1_000_000, unbilled_repetitions=7,
            # About 900 calls at the fleet benchmark's 300 a minute: three minutes of work.
            fleet_debtors=150, fleet_customers=25,
            # A benchmark still running after this is reported as timed out, not waited for.
            timeout_seconds=900.0,
        )


def median(values: list[float]) -> float:
    """The median (robust against the odd slow repetition on a shared machine)."""
    return float(statistics.median(values))


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` holds the elapsed seconds."""
    holder: list[float] = []
    start = time.perf_counter()
    try:
        yield holder
    finally:
        holder.append(time.perf_counter() - start)


@dataclass
class Report:
    """Headline figures (top-level keys of summary.json) and the raw measurements behind them."""

    figures: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def row(self, what: str, value: str, baseline: str, ratio: str) -> None:
        """One line of the printed table."""
        self.rows.append((what, value, baseline, ratio))
