"""The clients' seams to the fleet's shared budget and write locks (no database here).

WeFact calls ask the budget before each call (with the caller's priority) and feed it the
answer's ``API-RateLimit-*`` headers; HostFact calls never use a budget (HostFact has no
rate limit) but take the shared write lock around writes, not reads. The PostgreSQL side
is tested in ``tests/budget``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

import httpx
import pytest
import respx

from integrations import CallPriority, DebtorInput, prioritised
from integrations.hostfact import hostfact_endpoint

from .conftest import make_client
from .test_transport import URL, answer

pytestmark = pytest.mark.asyncio

HOSTFACT = "https://hostfact.example.com/Pro"


class RecordingBudget:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, object]] = []

    async def acquire(self, endpoint: str, priority: CallPriority) -> None:
        self.events.append(("acquire", endpoint, priority))

    async def settle(self, endpoint: str, headers: Mapping[str, str]) -> None:
        self.events.append(("settle", endpoint, headers.get("API-RateLimit-Remaining-Minute")))


class RecordingLocks:
    def __init__(self) -> None:
        self.held: list[str] = []

    @contextlib.asynccontextmanager
    async def hold(self, installation: str) -> AsyncIterator[None]:
        self.held.append(installation)
        yield


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@respx.mock
async def test_wefact_calls_draw_from_the_budget_with_the_callers_priority(
    http: httpx.AsyncClient,
) -> None:
    respx.post(URL).mock(side_effect=[answer(remaining_minute=42), answer(remaining_minute=41)])
    budget = RecordingBudget()
    client = make_client("wefact", http, URL, budget=budget)
    await client.list_products()
    with prioritised(CallPriority.BACKGROUND):
        await client.list_debtors()
    assert budget.events == [
        ("acquire", URL, CallPriority.FIRST),
        ("settle", URL, "42"),
        ("acquire", URL, CallPriority.BACKGROUND),
        ("settle", URL, "41"),
    ]


@respx.mock
async def test_the_budget_replaces_the_process_pacer(http: httpx.AsyncClient) -> None:
    """A nearly spent minute makes the process pacer wait; with the budget it decides."""
    respx.post(URL).mock(side_effect=[answer(remaining_minute=1), answer(remaining_minute=0)])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = make_client("wefact", http, URL, budget=RecordingBudget(), sleep=sleep)
    await client.list_products()
    await client.list_products()
    assert waits == []


@respx.mock
async def test_hostfact_writes_take_the_shared_lock_and_reads_do_not(
    http: httpx.AsyncClient,
) -> None:
    endpoint = hostfact_endpoint(HOSTFACT)
    debtor = {"Identifier": 1, "DebtorCode": "DB10000", "CompanyName": "Acme"}
    respx.post(endpoint).mock(
        side_effect=[answer(debtor=debtor), answer(debtor=debtor)]
    )
    locks = RecordingLocks()
    client = make_client("hostfact", http, HOSTFACT, write_locks=locks)
    await client.show_debtor("DB10000")
    assert locks.held == []
    await client.add_debtor(DebtorInput(company_name="Acme"))
    assert locks.held == [endpoint]
