"""WeFact's call budget and HostFact's write lock, shared by every process through PostgreSQL.

WeFact counts calls per source IP: every workspace we serve and every process we run (API,
workers) shares one budget per endpoint. :class:`SharedCallBudget` keeps it in the
``call_budgets`` table, one row per endpoint, changed by one SQL function call per API call
(see migration ``0015_budget`` for the rules). Each process's clients call it through the
``integrations.CallBudget`` protocol; nothing here knows a client.

- **Margin.** ``max(2, 2 %)`` of each window's limit is never spent. Our own calls are
  counted before they are sent, so the margin is for what our count cannot see: calls made
  from the same address by something else between two answers, answers overtaken by later
  ones, and the second of clock skew at a window's edge. Being firewalled stops every
  customer for 15 minutes and retries extend it; the margin costs 10 calls a minute.
- **Priority.** ``FIRST`` (invoicing, activation, anything a user waits for) may spend down
  to the margin at any moment. ``BACKGROUND`` (imports, status sync, detail fill) keeps to
  an even spread over each window (it may not run ahead of a line from the whole limit at
  the window's start down to its keep at the end), leaves a reserve of 5 % of each window
  on top of the margin, and holds back while a ``FIRST`` call waits: a waiting FIRST call
  marks the row until a second after its window resets, and background calls yield that
  second to it. So invoices never queue behind an import's concurrent calls, and an import
  cannot spend the hour's budget in its first minutes.
- **Waiting.** A call that must wait sleeps until the window resets (plus a second of
  grace for clock skew) and asks again. Inside a run the wait is written to the run
  (``waiting_until``, ``waiting_reason``) through :data:`budget_wait_reporter`; without one
  (a request) a wait longer than ``max_wait`` raises ``RateLimitedError`` instead of hanging.

:class:`SharedWriteLocks` serialises writes to one HostFact installation across processes
with a transaction-level advisory lock keyed by the installation's URL: released on commit,
rollback or a dropped connection, so a crashed process never leaves it taken.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations import CallPriority, RateLimitedError
from integrations.pacing import WindowReport, reported_windows

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

MARGIN_SHARE = 0.02
"""Of each window's limit never spent (at least ``MIN_MARGIN`` calls); see the docstring."""
MIN_MARGIN = 2
RESERVE_SHARE = 0.05
"""Of each window's limit BACKGROUND calls leave to FIRST calls."""
GRACE_SECONDS = 1.0
"""How long after a window's reset we wait before counting on it (clock skew)."""
FIRST_HOLD_SECONDS = 1.0
"""How long after a reset BACKGROUND calls yield to a FIRST call that waited for it."""
REPORT_AFTER_SECONDS = 1.0
"""Waits at least this long are written to the run; shorter ones are not worth a write."""


@dataclass(frozen=True, slots=True)
class BudgetWait:
    """A wait for the budget, as a run shows it."""

    until: dt.datetime
    reason: str


WaitReporter = Callable[[BudgetWait | None], Awaitable[None]]
"""Told when a wait starts (a :class:`BudgetWait`) and when it is over (None)."""

budget_wait_reporter: ContextVar[WaitReporter | None] = ContextVar(
    "budget_wait_reporter", default=None
)
"""Who hears about waits in the current context: the run being performed, if any."""


def margin(limit: int) -> int:
    """Calls of a window of ``limit`` never spent."""
    return max(MIN_MARGIN, math.ceil(limit * MARGIN_SHARE))


def reserve(limit: int) -> int:
    """Calls of a window of ``limit`` that BACKGROUND calls leave to FIRST calls."""
    return math.ceil(limit * RESERVE_SHARE)


def wait_reason(reason: str, until: dt.datetime) -> str:
    """The words a run shows while it waits."""
    at = f"{until:%H:%M:%S} UTC"
    if reason == "priority":
        return (
            "Waiting for WeFact's call budget: invoicing goes first. Continues by itself "
            f"at about {at}."
        )
    window = "minute" if reason == "minute" else "hour"
    return (
        f"Waiting for WeFact's call budget: this server's calls for this {window} are "
        f"used up (WeFact limits calls per server address). Continues by itself at about {at}."
    )


_TAKE = text(
    "SELECT wait, reason FROM call_budget_take(:endpoint, :now, :first, :minute_limit, "
    ":hour_limit, :minute_keep, :hour_keep, :grace, :hold)"
)
_SETTLE = text(
    "SELECT call_budget_settle(:endpoint, :answers, :minute_remaining, :minute_reset, "
    ":hour_remaining, :hour_reset)"
)


class SharedCallBudget:
    """WeFact's budget per endpoint in PostgreSQL (implements ``integrations.CallBudget``).

    ``per_minute``/``per_hour``: what a window is assumed to allow until WeFact's headers
    say otherwise (each answer's ``Remaining`` replaces our estimate).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        per_minute: int = 500,
        per_hour: int = 5000,
        max_wait: float = 120.0,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # One statement per call, committed by itself.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._unsettled: dict[str, _Answers] = {}
        self._flushers: dict[str, asyncio.Task[None]] = {}

    def keep(self, priority: CallPriority) -> tuple[int, int]:
        """Calls of the minute and hour windows a call of ``priority`` leaves untouched."""
        minute, hour = margin(self.per_minute), margin(self.per_hour)
        if priority is CallPriority.BACKGROUND:
            minute, hour = minute + reserve(self.per_minute), hour + reserve(self.per_hour)
        return minute, hour

    async def take(self, endpoint: str, priority: CallPriority) -> tuple[float, str | None]:
        """One attempt: ``(0, None)`` when the call is counted, else the wait and why."""
        minute_keep, hour_keep = self.keep(priority)
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    _TAKE,
                    {
                        "endpoint": endpoint,
                        "now": self._clock(),
                        "first": priority is CallPriority.FIRST,
                        "minute_limit": self.per_minute,
                        "hour_limit": self.per_hour,
                        "minute_keep": minute_keep,
                        "hour_keep": hour_keep,
                        "grace": GRACE_SECONDS,
                        "hold": FIRST_HOLD_SECONDS,
                    },
                )
            ).one()
        return float(row.wait), row.reason

    async def acquire(self, endpoint: str, priority: CallPriority) -> None:
        """Wait until one call may be sent, then return (it is counted)."""
        reporter = budget_wait_reporter.get()
        reported = False
        waited = 0.0
        while True:
            wait, reason = await self.take(endpoint, priority)
            if wait <= 0:
                break
            if reporter is None and waited + wait > self.max_wait:
                raise RateLimitedError(wait)
            if reporter is not None and not reported and wait >= REPORT_AFTER_SECONDS:
                until = dt.datetime.fromtimestamp(self._clock() + wait, dt.UTC)
                await reporter(BudgetWait(until, wait_reason(reason or "minute", until)))
                reported = True
            # A little jitter, so the processes that waited do not all ask at the same instant.
            pause = wait + random.uniform(0, 0.05)  # noqa: S311 - not for security
            await self._sleep(pause)
            waited += pause
        if reported and reporter is not None:
            await reporter(None)

    async def settle(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Feed an answer's ``API-RateLimit-*`` headers (an answer without any: nothing).

        Written behind the call, not in its path: the answers that arrive meanwhile are
        merged (their newest count per window) into the next write. Until it is written the
        budget only errs on the safe side (the calls still count as in flight); a process
        that stops first leaves its last answers unsaid, which the next answer or the window's
        end makes good.
        """
        reports = reported_windows(headers, self._clock())
        if not reports:
            return
        self._unsettled.setdefault(endpoint, _Answers()).add(reports)
        flusher = self._flushers.get(endpoint)
        if flusher is None or flusher.done():
            self._flushers[endpoint] = asyncio.create_task(self._flush(endpoint))

    async def flush(self) -> None:
        """Wait until every answer fed so far is written (tests, shutdown)."""
        await asyncio.gather(*self._flushers.values())

    async def _flush(self, endpoint: str) -> None:
        while (answers := self._unsettled.pop(endpoint, None)) is not None:
            try:
                await self._write(endpoint, answers)
            except Exception:
                # Lost answers only make the budget more careful until the next one.
                logger.warning("could not record WeFact's rate-limit headers", exc_info=True)

    async def _write(self, endpoint: str, answers: _Answers) -> None:
        minute, hour = answers.windows.get("Minute"), answers.windows.get("Hour")
        async with self._engine.connect() as connection:
            await connection.execute(
                _SETTLE,
                {
                    "endpoint": endpoint,
                    "answers": answers.count,
                    "minute_remaining": minute.remaining if minute else None,
                    "minute_reset": minute.reset_at if minute else None,
                    "hour_remaining": hour.remaining if hour else None,
                    "hour_reset": hour.reset_at if hour else None,
                },
            )


@dataclass
class _Answers:
    """Answers not yet written: how many, and the newest count WeFact reported per window."""

    count: int = 0
    windows: dict[str, WindowReport] = field(default_factory=dict)

    def add(self, reports: list[WindowReport]) -> None:
        self.count += 1
        for report in reports:
            known = self.windows.get(report.window)
            # A later window wins; within one, the lowest count is the newest.
            if (
                known is None
                or report.reset_at > known.reset_at + 0.5
                or (abs(report.reset_at - known.reset_at) <= 0.5
                    and report.remaining < known.remaining)
            ):
                self.windows[report.window] = report


_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class SharedWriteLocks:
    """HostFact's write lock per installation across processes (``integrations.WriteLocks``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def hold(self, installation: str) -> AsyncIterator[None]:
        """Held for one write: the advisory lock lives as long as this transaction."""
        async with self._engine.begin() as connection:
            await connection.execute(_LOCK, {"key": f"hostfact-write:{installation}"})
            yield
