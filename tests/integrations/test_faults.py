"""Fault injection over real HTTP, and how the clients react to each kind.

These run uvicorn in the test's event loop (serve_emulator) so failures are real socket
failures: dropped connections, timeouts, 500 pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from integrations import InvoiceInput, InvoiceLineInput, UnavailableError, WriteLockBusyError
from integrations.emulator import EmulatorState, serve_emulator
from integrations.phpform import encode_form
from integrations.transport import make_http_client

from .conftest import API_KEY, make_client

pytestmark = pytest.mark.asyncio


def _state(flavor: str = "wefact") -> EmulatorState:
    state = EmulatorState(flavor, api_key=API_KEY)  # type: ignore[arg-type]
    state.seed_products()
    state.add_debtor(DebtorCode="DB10000", CompanyName="Acme", EmailAddress="a@acme.test")
    return state


def _invoice(reference: str = "RUN-1") -> InvoiceInput:
    return InvoiceInput(
        debtor_code="DB10000",
        reference_number=reference,
        lines=[InvoiceLineInput(description="Werk", price_excl=Decimal(100))],
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(timeout=0.5) as client:
        yield client


@pytest.mark.parametrize("kind", ["error500", "drop", "timeout"])
async def test_reads_survive_one_fault(http: httpx.AsyncClient, kind: str) -> None:
    state = _state()
    state.timeout_delay = 1.5  # longer than the client's 0.5 s
    state.faults.add(kind, times=1, controller="product", action="list")  # type: ignore[arg-type]
    async with serve_emulator(state) as url:
        products = [p async for p in make_client("wefact", http, url).iter_products()]
    assert len(products) == 4
    assert state.faults.triggered == [(kind, "product", "list")]
    assert state.calls_to("product", "list") == 2


async def test_slow_answers_normally(http: httpx.AsyncClient) -> None:
    state = _state()
    state.faults.add("slow", delay=0.05)
    async with serve_emulator(state) as url:
        await make_client("wefact", http, url).verify()
    assert state.calls == [("product", "list")]


async def test_faults_match_controller_action_and_count(http: httpx.AsyncClient) -> None:
    state = _state()
    state.faults.add("error500", times=2, controller="debtor", action="show")
    async with serve_emulator(state) as url:
        client = make_client("wefact", http, url)
        await client.verify()  # product/list: not targeted
        assert (await client.show_debtor("DB10000")).code == "DB10000"  # third attempt
    assert state.calls_to("debtor", "show") == 3
    assert state.faults.pending() == 0


@pytest.mark.parametrize("kind", ["error500", "drop"])
async def test_failed_write_is_not_retried_and_not_applied(
    http: httpx.AsyncClient, kind: str
) -> None:
    state = _state()
    state.faults.add(kind, controller="invoice", action="add")  # type: ignore[arg-type]
    async with serve_emulator(state) as url:
        with pytest.raises(UnavailableError) as caught:
            await make_client("wefact", http, url).add_invoice(_invoice())
    assert caught.value.maybe_applied  # the client cannot know
    assert state.calls_to("invoice", "add") == 1
    assert state.invoices == {}


async def test_lost_response_write_is_applied_and_can_be_found(http: httpx.AsyncClient) -> None:
    state = _state("hostfact")
    state.faults.add("lose_response", controller="invoice", action="add")
    async with serve_emulator(state) as url:
        client = make_client("hostfact", http, url)
        with pytest.raises(UnavailableError) as caught:
            await client.add_invoice(_invoice("RUN-7"))
        assert caught.value.maybe_applied
        assert state.calls_to("invoice", "add") == 1
        # The recovery path the billing service uses: look the invoice up by reference.
        found = await client.find_invoices_by_reference("RUN-7", debtor_code="DB10000")
    assert [invoice.code for invoice in found] == ["[concept]0001"]


async def test_timed_out_write_is_not_retried(http: httpx.AsyncClient) -> None:
    state = _state()
    state.faults.add("timeout", controller="invoice", action="add", delay=1.0)
    async with serve_emulator(state) as url:
        with pytest.raises(UnavailableError) as caught:
            await make_client("wefact", http, url).add_invoice(_invoice())
    assert caught.value.maybe_applied
    assert state.calls_to("invoice", "add") == 1


async def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        _state().faults.add("explode")  # type: ignore[arg-type]


# -- HostFact's write lock --------------------------------------------------------------


def _raw_add(reference: str) -> list[tuple[str, str]]:
    return encode_form(
        {
            "controller": "invoice",
            "action": "add",
            "api_key": API_KEY,
            "DebtorCode": "DB10000",
            "ReferenceNumber": reference,
            "InvoiceLines": [{"Description": "x", "PriceExcl": "1"}],
        }
    )


async def test_concurrent_writes_hit_the_lock_without_client_serialising() -> None:
    state = _state("hostfact")
    state.write_hold_seconds = 0.5
    state.write_lock_wait = 0.05
    async with serve_emulator(state) as url:
        endpoint = url + "/apiv2/api.php"
        async with make_http_client(5) as one, make_http_client(5) as two:
            first = asyncio.create_task(one.post(endpoint, data=dict(_raw_add("A"))))
            # Poll: the emulator state has no event to wait on.
            while not state.invoices:  # noqa: ASYNC110 - the first write now holds the lock
                await asyncio.sleep(0.01)
            second = await two.post(endpoint, data=dict(_raw_add("B")))
            await first
    assert second.json()["errors"] == [
        "API has concurrent calls, but the queue was not able to fix them in 5 seconds."
    ]
    assert len(state.invoices) == 1


async def test_hostfact_client_serialises_writes_per_installation() -> None:
    state = _state("hostfact")
    state.write_hold_seconds = 0.2
    state.write_lock_wait = 0.05
    async with serve_emulator(state) as url, make_http_client(5) as http:
        # Two separate client objects for the same installation share the lock.
        clients = [make_client("hostfact", http, url), make_client("hostfact", http, url + "/")]
        results = await asyncio.gather(
            *(c.add_invoice(_invoice(f"R{n}")) for n, c in enumerate(clients))
        )
    assert sorted(invoice.code for invoice in results) == ["[concept]0001", "[concept]0002"]
    assert state.calls_to("invoice", "add") == 2  # no busy answers, no retries


async def test_write_lock_busy_surfaces_after_retries(http: httpx.AsyncClient) -> None:
    state = _state("hostfact")
    state.write_lock_wait = 0.01
    async with serve_emulator(state) as url:
        lock = state.write_lock()
        await lock.acquire()  # someone else (another process) holds HostFact's lock
        try:
            with pytest.raises(WriteLockBusyError):
                await make_client("hostfact", http, url).add_invoice(_invoice())
        finally:
            lock.release()
    assert state.calls_to("invoice", "add") == 3
    assert state.invoices == {}
