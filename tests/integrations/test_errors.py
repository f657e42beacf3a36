"""Mapping provider answers to the exception tree, and which ones are retried."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from integrations import (
    ApiDisabledError,
    AuthenticationError,
    FirewalledError,
    IpNotWhitelistedError,
    NotFoundError,
    ProviderError,
    UnavailableError,
    ValidationError,
    WriteLockBusyError,
)
from integrations.client import ProviderClient

from .conftest import make_client

pytestmark = pytest.mark.asyncio

URL = "https://api.mijnwefact.nl/v2/"


def refused(*messages: str) -> httpx.Response:
    body = {
        "controller": "invalid",
        "action": "invalid",
        "status": "error",
        "date": "",
        "errors": list(messages),
    }
    return httpx.Response(200, json=body)


@pytest.fixture
async def client() -> AsyncIterator[ProviderClient]:
    async with httpx.AsyncClient() as http:
        yield make_client("wefact", http, URL)


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("No api_key provided", AuthenticationError),
        ("De API sleutel kan niet worden gevonden.", AuthenticationError),
        ("API key is invalid", AuthenticationError),
        ("API access has been disabled", ApiDisabledError),
        ("IP 203.0.113.9 has no access to API", IpNotWhitelistedError),
        ("Klant niet gevonden.", NotFoundError),
        ("Unknown client number", NotFoundError),
        # HostFact for an Identifier nobody has (class/debtor.php show(), en_EN.php).
        ("Invalid identifier for client", NotFoundError),
        ("Invalid identifier for invoice", NotFoundError),
        ("Invoice [concept]0001 does not contain invoice lines", ValidationError),
    ],
)
@respx.mock
async def test_error_messages_map_to_exceptions(
    client: ProviderClient, message: str, error: type[ProviderError]
) -> None:
    route = respx.post(URL).mock(return_value=refused(message))
    with pytest.raises(error) as caught:
        await client.show_debtor("DB10000")
    assert type(caught.value) is error
    assert caught.value.messages == [message]
    assert str(caught.value)  # a message for the user
    assert route.call_count == 1  # refusals are never retried


@respx.mock
async def test_ip_error_carries_the_address(client: ProviderClient) -> None:
    respx.post(URL).mock(return_value=refused("IP 203.0.113.9 has no access to API"))
    with pytest.raises(IpNotWhitelistedError) as caught:
        await client.verify()
    assert caught.value.ip == "203.0.113.9"
    assert "203.0.113.9" in str(caught.value)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            403,
            json={
                "controller": "invalid",
                "action": "invalid",
                "status": "error",
                "errors": ["IP 1.2.3.4 currently in firewall"],
            },
        ),
        httpx.Response(403, text="IP 1.2.3.4 currently in firewall"),
    ],
    ids=["json", "plain-text"],
)
@respx.mock
async def test_firewall_403_is_never_retried(
    client: ProviderClient, response: httpx.Response
) -> None:
    route = respx.post(URL).mock(return_value=response)
    with pytest.raises(FirewalledError) as caught:
        await client.verify()
    assert "1.2.3.4 currently in firewall" in str(caught.value)
    assert route.call_count == 1


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="<html>Internal Server Error</html>"),
        httpx.Response(502, text="Bad gateway"),
        httpx.Response(200, html="<html><body>Onderhoud: we zijn zo terug</body></html>"),
        httpx.Response(200, json={"unexpected": True}),
    ],
    ids=["500", "502", "html-maintenance", "not-an-envelope"],
)
@respx.mock
async def test_server_trouble_is_unavailable_and_reads_retry(
    client: ProviderClient, response: httpx.Response
) -> None:
    route = respx.post(URL).mock(return_value=response)
    with pytest.raises(UnavailableError) as caught:
        await client.verify()
    assert caught.value.retryable
    assert not caught.value.maybe_applied
    assert route.call_count == 3


@respx.mock
async def test_wrong_url_404_is_not_retried(client: ProviderClient) -> None:
    route = respx.post(URL).mock(return_value=httpx.Response(404, html="<h1>Not Found</h1>"))
    with pytest.raises(UnavailableError, match="Check the URL"):
        await client.verify()
    assert route.call_count == 1


@respx.mock
async def test_write_lock_busy_is_retried_even_for_writes() -> None:
    url = "https://example.com/Pro/apiv2/api.php"
    busy = refused("API has concurrent calls, but the queue was not able to fix them in 5 seconds.")
    done = httpx.Response(200, json={"status": "success", "invoice": {"Identifier": "9"}})
    route = respx.post(url).mock(side_effect=[busy, busy, done])
    async with httpx.AsyncClient() as http:
        client = make_client("hostfact", http, "https://example.com/Pro")
        credit = await client.credit_invoice(3)
        assert credit is not None
        assert credit.identifier == 9
        assert route.call_count == 3
        route.mock(return_value=busy)
        with pytest.raises(WriteLockBusyError):
            await client.credit_invoice(3)
