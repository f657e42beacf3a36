"""Pace calls by WeFact's rate-limit headers instead of a guessed constant.

Every WeFact answer says how many calls are left this minute/hour and when each window
resets (Unix seconds). Going over the limit gets the server's IP firewalled, and the ban
hurts every user of this server, so when the remaining budget gets low we wait for the
reset before the next call. HostFact sends no such headers; the pacer then never waits.

The limit is per source IP, so one pacer per endpoint is shared by all clients of the
process: the application makes one :class:`PacerRegistry` and hands it to every client it
builds (tests make their own, so no budget leaks from one test into the next).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from .errors import RateLimitedError

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_HEADER = "API-RateLimit-{kind}-{window}"
#: The windows WeFact reports on, with their length in seconds.
WINDOWS = {"Minute": 60.0, "Hour": 3600.0}


class RatePacer:
    """Remembers the last reported budget and delays calls when it runs low.

    `low_water`: wait when at most this many calls remain (a margin for concurrent calls
    in flight). `max_wait`: never sleep longer than this; raise RateLimitedError instead
    so a request does not hang for most of an hour.
    """

    def __init__(
        self,
        *,
        low_water: int = 5,
        max_wait: float = 120.0,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
    ) -> None:
        self.low_water = low_water
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._not_before = 0.0

    async def wait_turn(self) -> None:
        """Sleep until the window resets if the last answer said the budget is low."""
        delay = self._not_before - self._clock()
        if delay <= 0:
            return
        if delay > self.max_wait:
            raise RateLimitedError(delay)
        await self._sleep(delay)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Record the budget reported by an answer (missing headers: nothing to do)."""
        now = self._clock()
        wait_until = 0.0
        reported = False
        for report in reported_windows(headers, now):
            reported = True
            if report.remaining <= self.low_water:
                wait_until = max(wait_until, report.reset_at)
        if wait_until > now:
            self._not_before = max(self._not_before, wait_until)
        elif reported:
            # A fresh answer with budget to spare: the window has reset.
            self._not_before = 0.0


@dataclass(frozen=True, slots=True)
class WindowReport:
    """What one answer said about one window: calls left in it and when it ends."""

    window: str
    """``Minute`` or ``Hour``."""
    remaining: int
    reset_at: float
    """Unix seconds."""


def reported_windows(headers: Mapping[str, str], now: float) -> list[WindowReport]:
    """The windows an answer reports on (none for HostFact, or a body without headers)."""
    reports = []
    for window in WINDOWS:
        remaining = _number(headers.get(_HEADER.format(kind="Remaining", window=window)))
        reset = _number(headers.get(_HEADER.format(kind="Reset", window=window)))
        if remaining is None or reset is None:
            continue
        # Documented as Unix seconds; small values are read as "seconds from now".
        reset_at = reset if reset > 1_000_000_000 else now + reset
        reports.append(WindowReport(window, max(0, int(remaining)), reset_at))
    return reports


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


class PacerRegistry:
    """One :class:`RatePacer` per endpoint, for all clients that are given this registry.

    Made once per process and injected; there is no module-level registry."""

    def __init__(self, factory: Callable[[], RatePacer] = RatePacer) -> None:
        self._factory = factory
        self._pacers: dict[str, RatePacer] = {}

    def for_endpoint(self, endpoint: str) -> RatePacer:
        """The pacer for ``endpoint`` (created on first use)."""
        pacer = self._pacers.get(endpoint)
        if pacer is None:
            pacer = self._pacers[endpoint] = self._factory()
        return pacer
