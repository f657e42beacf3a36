"""Activating WeFact/HostFact, settings, products — against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from graphql_api.app import AppState
from graphql_api.models import Role, WefactSettings
from graphql_api.security import SecretBox
from tests.conftest import (
    EMULATOR_API_KEY,
    TEST_SECRET_KEY,
    Emulator,
    GraphQLClient,
    Member,
    activate,
    add_member,
)

SETTINGS = """
{ wefactSettings { subscription active apiKeyHint hostfactUrl egressIps defaultProductCode
  tripProductCode invoiceMode paymentTermDays groupBy autoImportCustomers lastVerifiedAt } }
"""
PRODUCTS = "query($s: String) { wefactProducts(search: $s) { code name keyPhrase priceExcl vatPercentage unit } }"
UPDATE = """
mutation($input: UpdateWefactSettingsInput!) {
  updateWefactSettings(input: $input) {
    __typename
    ... on WefactSettings { defaultProductCode tripProductCode invoiceMode paymentTermDays groupBy autoImportCustomers }
    ... on Error { code message field }
  }
}
"""


async def test_activate_stores_encrypted_key_and_caches_products(
    gql: GraphQLClient, emulator: Emulator, state: AppState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = await activate(gql, emulator)
    assert result["__typename"] == "WefactSettings"
    assert result["active"] is True
    assert result["apiKeyHint"] == "…" + EMULATOR_API_KEY[-4:]
    assert result["egressIps"] == ["198.51.100.7", "198.51.100.8"]
    async with state.sessionmaker() as session:
        row = await session.scalar(select(WefactSettings))
    assert row is not None
    assert EMULATOR_API_KEY not in row.connection.api_key_encrypted
    assert state.secret_box.decrypt(row.connection.api_key_encrypted) == EMULATOR_API_KEY
    products = (await gql.data(PRODUCTS))["wefactProducts"]
    assert [p["name"] for p in products] == ["Consultancy", "Boeken", "Reiskosten", "Hosting"]
    assert products[0]["vatPercentage"] == "21.00"
    assert products[0]["keyPhrase"] == "Advieswerkzaamheden"
    # The key never appears in a log line or in the settings read back.
    assert EMULATOR_API_KEY not in caplog.text
    settings_text = str(await gql.data(SETTINGS))
    assert EMULATOR_API_KEY not in settings_text


async def test_wrong_key(gql: GraphQLClient, emulator: Emulator, state: AppState) -> None:
    result = await activate(gql, emulator, apiKey="wrong-key")
    assert result["__typename"] == "WefactConnectionError"
    assert result["code"] == "WRONG_API_KEY"
    assert result["field"] == "apiKey"
    assert (await gql.data(SETTINGS))["wefactSettings"] is None


async def test_ip_not_whitelisted_lists_addresses(gql: GraphQLClient, emulator: Emulator) -> None:
    emulator.state.whitelist = ["203.0.113.50"]
    result = await activate(gql, emulator)
    assert result["code"] == "IP_NOT_WHITELISTED"
    assert result["whitelistAddresses"] == ["198.51.100.7", "198.51.100.8"]
    assert "198.51.100.7" in result["message"]
    assert "127.0.0.1" in result["message"]  # the address WeFact saw


@pytest.mark.parametrize("emulator", ["hostfact"], indirect=True)
async def test_hostfact_url_pasted_with_api_path_is_stripped(
    gql: GraphQLClient, emulator: Emulator
) -> None:
    result = await activate(gql, emulator, hostfactUrl=emulator.url + "/apiv2/api.php/")
    assert result["__typename"] == "WefactSettings"
    assert result["hostfactUrl"] == emulator.url


@pytest.mark.parametrize("emulator", ["hostfact"], indirect=True)
async def test_hostfact_url_that_is_not_an_api(gql: GraphQLClient, emulator: Emulator) -> None:
    # The emulator answers 404 on paths that are not an API endpoint.
    base = emulator.url.rsplit("/", 1)[0]
    result = await activate(gql, emulator, hostfactUrl=base + "/not-hostfact/index.php?x=")
    assert result["__typename"] == "WefactConnectionError"
    assert result["code"] == "NOT_A_HOSTFACT_API"


async def test_unreachable_hostfact(gql: GraphQLClient, state: AppState) -> None:
    data = await gql.data(
        """mutation { activateWefact(input: {subscription: HOSTFACT, apiKey: "k",
             hostfactUrl: "http://127.0.0.1:9/Pro"}) {
             __typename ... on Error { code message } } }"""
    )
    assert data["activateWefact"]["code"] == "UNREACHABLE"


async def test_private_and_plain_http_urls_refused_by_default(
    gql: GraphQLClient, state: AppState
) -> None:
    state.settings.allow_private_integration_urls = False
    query = """mutation($url: String!) { activateWefact(input: {subscription: HOSTFACT,
        apiKey: "k", hostfactUrl: $url}) { __typename ... on Error { code field message } } }"""
    plain = (await gql.data(query, {"url": "http://example.com/Pro"}))["activateWefact"]
    assert plain["__typename"] == "InvalidInputError"
    assert "https" in plain["message"]
    private = (await gql.data(query, {"url": "https://127.0.0.1/Pro"}))["activateWefact"]
    assert private["code"] == "PRIVATE_ADDRESS"
    missing = (await gql.data(query, {"url": " "}))["activateWefact"]
    assert missing["field"] == "hostfactUrl"


async def test_update_settings_validates_product_codes(
    gql: GraphQLClient, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    products = (await gql.data(PRODUCTS))["wefactProducts"]
    code = products[0]["code"]
    updated = (
        await gql.data(
            UPDATE,
            {"input": {"defaultProductCode": code, "tripProductCode": products[2]["code"],
                       "invoiceMode": "BOOK", "paymentTermDays": 30, "groupBy": "ACTIVITY",
                       "autoImportCustomers": True}},
        )
    )["updateWefactSettings"]
    assert updated == {
        "__typename": "WefactSettings",
        "defaultProductCode": code,
        "tripProductCode": products[2]["code"],
        "invoiceMode": "BOOK",
        "paymentTermDays": 30,
        "groupBy": "ACTIVITY",
        "autoImportCustomers": True,
    }
    bad = (await gql.data(UPDATE, {"input": {"defaultProductCode": "NOPE"}}))["updateWefactSettings"]
    assert bad["__typename"] == "InvalidInputError"
    assert bad["field"] == "defaultProductCode"
    cleared = (await gql.data(UPDATE, {"input": {"tripProductCode": None}}))["updateWefactSettings"]
    assert cleared["tripProductCode"] is None
    assert cleared["defaultProductCode"] == code


async def test_update_before_activation(gql: GraphQLClient) -> None:
    result = (await gql.data(UPDATE, {"input": {"paymentTermDays": 10}}))["updateWefactSettings"]
    assert result["__typename"] == "NotFoundError"


async def test_sync_products_and_search(gql: GraphQLClient, emulator: Emulator) -> None:
    await activate(gql, emulator)
    emulator.state.add_product(
        ProductName="Support", ProductKeyPhrase="Supportcontract", PriceExcl="50", TaxPercentage=21
    )
    result = await gql.data(
        "mutation { syncWefactProducts { __typename ... on ProductSync { count } } }"
    )
    assert result["syncWefactProducts"] == {"__typename": "ProductSync", "count": 5}
    found = (await gql.data(PRODUCTS, {"s": "support"}))["wefactProducts"]
    assert [p["name"] for p in found] == ["Support"]


async def test_deactivate_keeps_settings(gql: GraphQLClient, emulator: Emulator) -> None:
    await activate(gql, emulator)
    data = await gql.data(
        "mutation { deactivateWefact { __typename ... on WefactSettings { active } } }"
    )
    assert data["deactivateWefact"] == {"__typename": "WefactSettings", "active": False}
    settings = (await gql.data(SETTINGS))["wefactSettings"]
    assert settings["active"] is False
    sync = await gql.data(
        "mutation { syncWefactProducts { __typename ... on Error { code } } }"
    )
    assert sync["syncWefactProducts"]["code"] == "NOT_ACTIVATED"


async def test_settings_are_admin_only(
    gql: GraphQLClient, emulator: Emulator, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    body = await gql.post(SETTINGS, token=member.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await gql.post(
        'mutation { activateWefact(input: {subscription: WEFACT, apiKey: "x"}) { __typename } }',
        token=member.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_other_workspace_never_sees_settings(
    gql: GraphQLClient, emulator: Emulator, other_owner: Member
) -> None:
    await activate(gql, emulator)
    assert (await gql.data(SETTINGS, token=other_owner.token))["wefactSettings"] is None
    assert (await gql.data(PRODUCTS, token=other_owner.token))["wefactProducts"] == []


async def test_rotating_the_secret_key_keeps_stored_keys_usable(
    gql: GraphQLClient, emulator: Emulator, state: AppState, database_url: str
) -> None:
    await activate(gql, emulator)
    env = {**os.environ, "DATABASE_URL": database_url}
    rotate = [sys.executable, "-m", "graphql_api.cli", "rotate-secrets"]
    # Without the old key the stored key cannot be read: refused, nothing changed.
    refused = await asyncio.to_thread(
        subprocess.run, rotate, env={**env, "SECRET_KEY": "new-key"}, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert refused.returncode == 1
    assert "PREVIOUS_SECRET_KEYS" in refused.stderr
    done = await asyncio.to_thread(
        subprocess.run,
        rotate, env={**env, "SECRET_KEY": "new-key", "PREVIOUS_SECRET_KEYS": TEST_SECRET_KEY},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "re-encrypted 1" in done.stdout
    async with state.sessionmaker() as session:
        row = await session.scalar(select(WefactSettings))
    assert row is not None
    assert SecretBox("new-key").decrypt(row.connection.api_key_encrypted) == EMULATOR_API_KEY
    with pytest.raises(ValueError, match="SECRET_KEY"):
        SecretBox(TEST_SECRET_KEY).decrypt(row.connection.api_key_encrypted)
