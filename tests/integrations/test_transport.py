"""Pacing by rate-limit headers, retries, and the diagnostic log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from integrations import (
    DebtorInput,
    InvoiceInput,
    InvoiceLineInput,
    RateLimitedError,
    UnavailableError,
)
from integrations.pacing import PacerRegistry, RatePacer
from integrations.transport import RetryPolicy

from .conftest import make_client

pytestmark = pytest.mark.asyncio

URL = "https://api.mijnwefact.nl/v2/"
NOW = 1_800_000_000.0


class Sleeps:
    """An injected sleep that only records what it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def answer(
    remaining_minute: int = 400, remaining_hour: int = 4000, **data: object
) -> httpx.Response:
    headers = {
        "API-RateLimit-Remaining-Minute": str(remaining_minute),
        "API-RateLimit-Remaining-Hour": str(remaining_hour),
        "API-RateLimit-Reset-Minute": str(int(NOW + 30)),
        "API-RateLimit-Reset-Hour": str(int(NOW + 1800)),
    }
    body = {"status": "success", "totalresults": 0, "currentresults": 0, "offset": 0, **data}
    return httpx.Response(200, json=body, headers=headers)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@respx.mock
async def test_low_budget_waits_until_the_minute_resets(http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    pacer = RatePacer(low_water=5, sleep=sleeps, clock=lambda: NOW)
    client = make_client("wefact", http, URL, pacer=pacer)
    respx.post(URL).mock(side_effect=[answer(remaining_minute=3), answer(), answer()])
    await client.verify()
    assert sleeps.waits == []
    await client.verify()  # the previous answer said 3 left: wait for the reset
    assert sleeps.waits == [30.0]
    await client.verify()  # plenty left again
    assert sleeps.waits == [30.0]


@respx.mock
async def test_reset_given_as_seconds_from_now(http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    client = make_client("wefact", http, URL, pacer=RatePacer(sleep=sleeps, clock=lambda: NOW))
    low = httpx.Response(
        200,
        json={"status": "success"},
        headers={"API-RateLimit-Remaining-Minute": "0", "API-RateLimit-Reset-Minute": "12"},
    )
    respx.post(URL).mock(side_effect=[low, answer()])
    await client.verify()
    await client.verify()
    assert sleeps.waits == [12.0]


@respx.mock
async def test_hour_budget_gone_raises_instead_of_hanging(http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    client = make_client(
        "wefact", http, URL, pacer=RatePacer(sleep=sleeps, clock=lambda: NOW, max_wait=120)
    )
    route = respx.post(URL).mock(return_value=answer(remaining_hour=0))
    await client.verify()
    with pytest.raises(RateLimitedError) as caught:
        await client.verify()
    assert caught.value.retry_after == 1800
    assert route.call_count == 1  # nothing sent while over budget
    assert sleeps.waits == []


@respx.mock
async def test_clients_given_one_registry_share_the_wefact_budget(
    http: httpx.AsyncClient,
) -> None:
    # WeFact counts per source IP: the budget one client saw holds back every other client
    # of the same URL that was given the same registry — and only those.
    sleeps = Sleeps()
    registry = PacerRegistry(lambda: RatePacer(low_water=5, sleep=sleeps, clock=lambda: NOW))
    respx.post(URL).mock(return_value=answer(remaining_minute=2))
    first = make_client("wefact", http, URL, pacers=registry, sleep=sleeps)
    second = make_client("wefact", http, URL, pacers=registry, sleep=sleeps)
    alone = make_client("wefact", http, URL, sleep=sleeps)
    await first.verify()  # learns that 2 calls are left this minute
    await alone.verify()  # its own pacer: no wait
    assert sleeps.waits == []
    await second.verify()
    assert sleeps.waits == [30.0]
    assert registry.for_endpoint(URL) is registry.for_endpoint(URL)
    assert registry.for_endpoint(URL) is not registry.for_endpoint("https://other.example/v2/")


@respx.mock
async def test_hostfact_without_headers_never_waits(http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    url = "https://example.com/Pro/apiv2/api.php"
    respx.post(url).mock(return_value=httpx.Response(200, json={"status": "success"}))
    client = make_client("hostfact", http, "https://example.com/Pro", pacer=RatePacer(sleep=sleeps))
    for _ in range(3):
        await client.verify()
    assert sleeps.waits == []


@respx.mock
async def test_reads_are_retried_on_transport_errors_with_backoff(http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    client = make_client(
        "wefact",
        http,
        URL,
        sleep=sleeps,
        retry=RetryPolicy(attempts=4, base_delay=0.5),
        pacer=RatePacer(),
    )
    route = respx.post(URL).mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.RemoteProtocolError("dropped"),
            httpx.ConnectError("refused"),
            answer(),
        ]
    )
    await client.verify()
    assert route.call_count == 4
    assert sleeps.waits == [0.5, 1.0, 2.0]


@respx.mock
async def test_reads_give_up_after_the_last_attempt(http: httpx.AsyncClient) -> None:
    client = make_client("wefact", http, URL, pacer=RatePacer())
    route = respx.post(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(UnavailableError):
        await client.list_debtors()
    assert route.call_count == 3


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.Response(500)],
    ids=["timeout", "dropped", "500"],
)
@respx.mock
async def test_writes_that_may_have_landed_are_not_retried(
    http: httpx.AsyncClient, failure: Exception | httpx.Response
) -> None:
    client = make_client("wefact", http, URL, pacer=RatePacer())
    route = respx.post(URL).mock(side_effect=[failure])
    invoice = InvoiceInput(debtor_code="DB10000", lines=[InvoiceLineInput(description="x")])
    with pytest.raises(UnavailableError) as caught:
        await client.add_invoice(invoice)
    assert caught.value.maybe_applied
    assert route.call_count == 1


@respx.mock
async def test_writes_are_retried_when_the_request_never_left(http: httpx.AsyncClient) -> None:
    client = make_client("wefact", http, URL, pacer=RatePacer())
    route = respx.post(URL).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            answer(debtor={"Identifier": "1", "DebtorCode": "DB10000"}),
        ]
    )
    debtor = await client.add_debtor(DebtorInput(company_name="Acme"))
    assert debtor.code == "DB10000"
    assert route.call_count == 2


@respx.mock
async def test_log_line_per_call_without_key_or_body(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    respx.post(URL).mock(
        side_effect=[
            answer(debtor={"Identifier": "1", "DebtorCode": "DB10000"}),
            httpx.Response(200, json={"status": "error", "errors": ["Klant niet gevonden."]}),
        ]
    )
    client = make_client("wefact", http, URL, pacer=RatePacer())
    await client.add_debtor(
        DebtorInput(company_name="Geheime Klant BV", email="geheim@example.com")
    )
    with pytest.raises(Exception, match="niet gevonden"):
        await client.show_debtor("DB1")
    records = [r for r in caplog.records if r.name == "integrations.calls"]
    assert [(r.controller, r.action, r.outcome) for r in records] == [  # type: ignore[attr-defined]
        ("debtor", "add", "success"),
        ("debtor", "show", "NotFoundError"),
    ]
    assert all(isinstance(r.duration_ms, int) for r in records)  # type: ignore[attr-defined]
    everything = " ".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert "Geheime Klant" not in everything
    assert "geheim@example.com" not in everything
