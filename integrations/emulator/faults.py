"""Fault injection for the emulator: make the next matching call(s) misbehave.

Kinds (see :class:`FaultKind`):

* ``timeout`` — wait ``delay`` (default ``state.timeout_delay``, meant to exceed the
  client's timeout), then process the call normally: a write is applied after the
  client gave up, as with a real overloaded server.
* ``slow`` — wait ``delay`` (default ``state.slow_delay``), then answer normally.
* ``error500`` — answer HTTP 500 with an HTML page; nothing is applied.
* ``drop`` — close the connection mid-answer; nothing is applied. httpx raises a
  transport error (RemoteProtocolError).
* ``lose_response`` — apply the call, then drop the connection, so the client never
  learns that its write succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["timeout", "slow", "error500", "drop", "lose_response"]
FAULT_KINDS: tuple[FaultKind, ...] = ("timeout", "slow", "error500", "drop", "lose_response")


@dataclass(slots=True)
class Fault:
    kind: FaultKind
    remaining: int
    controller: str | None = None
    action: str | None = None
    delay: float | None = None

    def matches(self, controller: str, action: str) -> bool:
        return (self.controller in (None, controller)) and (self.action in (None, action))


class FaultPlan:
    """Queued faults; the first one matching a call is used (and counted down)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        #: Every fault actually triggered, as ``(kind, controller, action)``.
        self.triggered: list[tuple[FaultKind, str, str]] = []

    def add(
        self,
        kind: FaultKind,
        times: int = 1,
        controller: str | None = None,
        action: str | None = None,
        delay: float | None = None,
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {FAULT_KINDS}")
        self._faults.append(Fault(kind, times, controller, action, delay))

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> int:
        return sum(fault.remaining for fault in self._faults)

    def take(self, controller: str, action: str) -> Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(controller, action):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                self.triggered.append((fault.kind, controller, action))
                return fault
        return None
