"""The seams through which the clients share limits with other processes.

WeFact counts calls per source IP, so every process of ours that calls one WeFact endpoint
draws from one budget; HostFact serialises writes per installation behind a global lock, so
every process of ours that writes to one installation must take turns. Both need state
shared between processes (the application keeps it in PostgreSQL), and this package knows
nothing of our database: the clients call these two small protocols and the application
provides them (``graphql_api.budget``). Without them a client paces itself alone (tests,
scripts) with :class:`~integrations.pacing.RatePacer` and the in-process lock.

Which calls go first is a property of the work, not of the client: the caller sets
:data:`call_priority` (a context variable, so it follows the work into its tasks) with
:func:`prioritised`; everything a user waits for keeps the default, ``FIRST``.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from typing import Protocol


class CallPriority(enum.Enum):
    """Who goes first when WeFact's budget runs short."""

    FIRST = "FIRST"
    """Invoicing, activation and anything a user waits for."""
    BACKGROUND = "BACKGROUND"
    """Customer imports, status sync, detail fill: only while no FIRST call waits, and never
    from the reserve kept for FIRST calls."""


call_priority: ContextVar[CallPriority] = ContextVar("call_priority", default=CallPriority.FIRST)
"""The priority of the calls made in the current context (task)."""


@contextlib.contextmanager
def prioritised(priority: CallPriority) -> Iterator[None]:
    """Make the calls inside the block (and in tasks started there) with ``priority``."""
    token = call_priority.set(priority)
    try:
        yield
    finally:
        call_priority.reset(token)


class CallBudget(Protocol):
    """A call budget per endpoint, shared by every process that calls it."""

    async def acquire(self, endpoint: str, priority: CallPriority) -> None:
        """Return once one call to ``endpoint`` may be sent (it is counted now).

        Waits while the budget is spent or a higher priority waits; raises
        :class:`~integrations.errors.RateLimitedError` when the caller cannot wait that long.
        """
        ...

    async def settle(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Feed the ``API-RateLimit-*`` headers of the answer to a call acquired before."""
        ...


class WriteLocks(Protocol):
    """Mutual exclusion per HostFact installation, across processes."""

    def hold(self, installation: str) -> AbstractAsyncContextManager[None]:
        """Held around one write to ``installation`` (its API URL)."""
        ...
