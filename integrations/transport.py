"""The request machinery shared by the WeFact and HostFact clients.

One :class:`Transport` per client; the ``httpx.AsyncClient`` is passed in so the
application controls connection pooling and tests can inject a transport (respx).
Responsibilities: PHP-bracket form bodies, the envelope, pacing by rate-limit headers,
the retry policy, and a diagnostic log line per call (never the key or the body).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from .budget import CallBudget, call_priority
from .envelope import read_envelope
from .errors import ProviderError, UnavailableError, WriteLockBusyError, unreachable
from .pacing import RatePacer
from .phpform import encode_form

__all__ = ["RetryPolicy", "Transport", "encode_form", "make_http_client"]

call_log = logging.getLogger("integrations.calls")

Sleep = Callable[[float], Awaitable[None]]

#: Actions that only read; everything else may change data at the provider.
READ_ACTIONS = frozenset({"show", "list", "download"})

# Failures where the request provably never reached the server: safe to resend even
# for writes.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


#: Without TCP_NODELAY, httpx's separate header and body writes of a POST meet the
#: server's delayed ACK and every call waits ~40 ms.
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def make_http_client(timeout: float = 30.0, **kwargs: Any) -> httpx.AsyncClient:
    """An AsyncClient suited to the providers; create one per process and reuse it."""
    kwargs.setdefault("transport", httpx.AsyncHTTPTransport(socket_options=NODELAY))
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"Accept": "application/json"},
        follow_redirects=False,  # a redirect means a wrong URL; POST bodies would be lost
        **kwargs,
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and after which pauses a call is tried again.

    ``attempts``/``base_delay``/``max_delay``: the transport's own retries of failures that
    are safe to repeat (see :meth:`Transport.call`). ``resend_pauses``: the pauses a caller
    waits before it repeats an operation whose outcome was unknown (a lost write answer),
    after looking up what the first attempt did — the invoice engine's retries. One policy
    is made per process and shared by the clients and the engine; tests inject a fast one.
    """

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    #: Also gives a write still being processed time to land before it is looked up.
    resend_pauses: tuple[float, ...] = (2.0, 10.0)

    def delay(self, attempt: int) -> float:
        """Exponential backoff after the given (1-based) failed attempt."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class Transport:
    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        api_key: str,
        *,
        provider: str,
        pacer: RatePacer | None = None,
        budget: CallBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._http = http
        self.url = url
        self._api_key = api_key
        self.provider = provider
        self.pacer = pacer if pacer is not None else RatePacer(sleep=sleep)
        #: The budget shared with other processes; when given it replaces the pacer.
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:  # keeps the key out of tracebacks and debuggers
        return f"Transport({self.provider}, {self.url!r})"

    async def call(
        self, controller: str, action: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """POST one API call and return the success envelope.

        Retry rules: reads are retried on transport failures (timeouts, dropped
        connections, 5xx, non-JSON answers). Writes are retried only when the request
        provably did not reach the provider (connect failures) or HostFact reported its
        write lock busy (the call was refused, not applied). Auth, IP and firewall
        errors are never retried: retries extend a WeFact firewall ban.
        """
        is_write = action not in READ_ACTIONS
        body = encode_form({**(params or {}), "controller": controller, "action": action})
        body.append(("api_key", self._api_key))
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._once(controller, action, body, is_write, attempt)
            except ProviderError as error:
                if attempt >= self.retry.attempts or not _retryable(error, is_write):
                    raise
            await self._sleep(self.retry.delay(attempt))

    async def _once(
        self,
        controller: str,
        action: str,
        body: list[tuple[str, str]],
        is_write: bool,
        attempt: int,
    ) -> dict[str, Any]:
        if self.budget is not None:
            await self.budget.acquire(self.url, call_priority.get())
        else:
            await self.pacer.wait_turn()
        started = time.perf_counter()
        outcome = "success"
        try:
            try:
                response = await self._http.post(self.url, content=urlencode(body), headers=_FORM)
            except _NOT_SENT as exc:
                # Nothing reached the provider: a write may safely be sent again.
                raise unreachable(f"could not connect: {type(exc).__name__}") from None
            except httpx.TimeoutException as exc:
                raise unreachable(
                    f"timed out: {type(exc).__name__}", maybe_applied=is_write
                ) from None
            except httpx.TransportError as exc:
                raise unreachable(
                    f"connection failed: {type(exc).__name__}", maybe_applied=is_write
                ) from None
            if self.budget is not None:
                # An answer without headers (a timeout, HostFact) says nothing: the call
                # stays counted as in flight until the window ends.
                await self.budget.settle(self.url, response.headers)
            else:
                self.pacer.observe(response.headers)
            return read_envelope(response, is_write=is_write)
        except ProviderError as error:
            outcome = type(error).__name__
            raise
        finally:
            call_log.info(
                "%s %s/%s %s in %d ms (attempt %d)",
                self.provider,
                controller,
                action,
                outcome,
                (time.perf_counter() - started) * 1000,
                attempt,
                extra={
                    "provider": self.provider,
                    "controller": controller,
                    "action": action,
                    "outcome": outcome,
                    "duration_ms": round((time.perf_counter() - started) * 1000),
                    "attempt": attempt,
                },
            )


def _retryable(error: ProviderError, is_write: bool) -> bool:
    if isinstance(error, WriteLockBusyError):
        return True
    if not isinstance(error, UnavailableError) or not error.retryable:
        return False
    # A write whose answer we lost may have been applied: resending could duplicate it.
    return not (is_write and error.maybe_applied)
