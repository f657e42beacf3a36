"""The emulator's rules, checked directly on the wire (in-process ASGI, no client)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from integrations.emulator import EmulatorState
from integrations.emulator.debtors import SUMMARY_FIELDS

from .conftest import API_KEY, PATHS, FakeClock, MakeApi

pytestmark = pytest.mark.asyncio

FLAVORS = pytest.mark.parametrize("flavor", ["wefact", "hostfact"])


# -- envelope, access, routing -----------------------------------------------------------


@FLAVORS
async def test_envelope_shape(make_api: MakeApi, flavor: str) -> None:
    api = make_api(flavor)
    answer = await api.ok("DEBTOR", "Show", DebtorCode="DB10000")
    assert (answer["controller"], answer["action"]) == ("debtor", "show")
    assert datetime.fromisoformat(answer["date"]).tzinfo is not None
    assert api.last is not None
    assert api.last.status_code == 200
    assert api.last.headers["content-type"] == "application/json"
    assert answer["debtor"]["Identifier"] == "1"  # strings, as the PHP APIs send


@FLAVORS
async def test_access_checks_in_order(make_api: MakeApi, flavor: str) -> None:
    api = make_api(flavor, whitelist=["203.0.113.7"])
    # The IP is checked before the key.
    answer = await api("debtor", "list", key=None)
    assert answer["errors"] == ["IP 127.0.0.1 has no access to API"]
    assert (answer["controller"], answer["action"]) == ("invalid", "invalid")
    api.state.whitelist = ["127.0.0.1"]
    assert await api.errors("debtor", "list", key=None) == ["No api_key provided"]
    wrong = (
        "De API sleutel kan niet worden gevonden." if flavor == "wefact" else "API key is invalid"
    )
    assert await api.errors("debtor", "list", key="nope") == [wrong]
    api.state.api_enabled = False
    assert await api.errors("debtor", "list") == ["API access has been disabled"]
    api.state.whitelist = None
    api.state.api_enabled = True
    await api.ok("debtor", "list")


@FLAVORS
async def test_unknown_controller_and_action(make_api: MakeApi, flavor: str) -> None:
    api = make_api(flavor)
    answer = await api("ledger", "list")
    assert (answer["controller"], answer["errors"]) == ("invalid", ["Invalid controller"])
    assert await api.errors("debtor", "delete", DebtorCode="DB10000") == ["Invalid action"]
    assert api.state.calls[-2:] == [("ledger", "list"), ("debtor", "delete")]


async def test_paths_json_and_query_string(make_api: MakeApi) -> None:
    api = make_api("hostfact")
    # Any installation prefix works for HostFact; other paths are a 404 page.
    other = await api.http.post(
        "/some/where/apiv2/api.php",
        data={"controller": "debtor", "action": "list", "api_key": API_KEY},
    )
    assert other.json()["status"] == "success"
    assert (await api.http.post("/v2/", data={})).status_code == 404
    # Query-string parameters are ignored.
    query = await api.http.post(
        f"{PATHS['hostfact']}?controller=debtor&action=list&api_key={API_KEY}"
    )
    assert query.json()["errors"] == ["No api_key provided"]
    # JSON bodies work; HostFact silently drops a number sent for a string field.
    body = {
        "controller": "debtor",
        "action": "add",
        "api_key": API_KEY,
        "SurName": "Jansen",
        "ZipCode": 1234,
    }
    added = (await api.http.post(PATHS["hostfact"], json=body)).json()
    assert added["debtor"]["ZipCode"] == ""
    wefact = make_api("wefact")
    added = (await wefact.http.post(PATHS["wefact"], json=body)).json()
    assert added["debtor"]["ZipCode"] == "1234"


# -- debtors ----------------------------------------------------------------------------


async def test_debtor_codes_and_validation(make_api: MakeApi) -> None:
    api = make_api("wefact", seed=False)
    first = await api.ok("debtor", "add", CompanyName="A", Identifier=99)
    assert first["debtor"]["DebtorCode"] == "DB10000"
    assert first["debtor"]["Identifier"] == "1"  # a sent Identifier is ignored
    await api.ok("debtor", "add", CompanyName="B", DebtorCode="DB10500")
    assert (await api.ok("debtor", "add", SurName="C"))["debtor"]["DebtorCode"] == "DB10501"
    assert await api.errors("debtor", "add", CompanyName="D", DebtorCode="DB10500") == [
        "Klantnummer DB10500 is al in gebruik."
    ]
    assert await api.errors("debtor", "add", EmailAddress="x@example.com")
    assert await api.errors("debtor", "add", CompanyName="E", EmailAddress="not-an-address")
    assert await api.errors("debtor", "add", CompanyName="F", Country="XX")
    assert len(api.state.debtors) == 3


@FLAVORS
async def test_debtor_show_edit_and_not_found(make_api: MakeApi, flavor: str) -> None:
    api = make_api(flavor)
    api.state.clock = FakeClock(datetime(2026, 4, 1, 8, 0, 0))
    edited = await api.ok("debtor", "edit", DebtorCode="DB10000", City="Delft", InvoiceTerm=21)
    assert edited["debtor"]["City"] == "Delft"
    assert edited["debtor"]["InvoiceTerm"] == "21"
    assert edited["debtor"]["Modified"] == "2026-04-01 08:00:00"
    assert edited["debtor"]["Created"] == "2026-03-01 12:00:00"
    by_id = await api.ok("debtor", "show", Identifier=1)
    assert by_id["debtor"]["City"] == "Delft"
    missing = "Klant niet gevonden." if flavor == "wefact" else "Unknown client number"
    assert await api.errors("debtor", "show", DebtorCode="DB424242") == [missing]


async def test_debtor_list_rules(make_api: MakeApi) -> None:
    api = make_api("hostfact", seed=False)
    api.state.seed_debtors(12)
    api.state.clock = FakeClock(datetime(2026, 5, 1, 0, 0, 0))
    api.state.modify_debtor("DB10003", Comment="changed")

    page = await api.ok("debtor", "list", offset=10, limit=5)
    assert (page["totalresults"], page["currentresults"], page["offset"]) == (12, 2, 10)
    assert set(page["debtors"][0]) == set(SUMMARY_FIELDS)
    # Capitalised filters are ignored.
    assert (await api.ok("debtor", "list", Offset=10, Limit=5))["currentresults"] == 12
    desc = await api.ok("debtor", "list", sort="DebtorCode", order="DESC", limit=1)
    assert desc["debtors"][0]["DebtorCode"] == "DB10011"
    search = await api.ok("debtor", "list", searchat="DebtorCode|City", searchfor="antwerpen")
    assert {d["DebtorCode"] for d in search["debtors"]} == {"DB10002", "DB10006", "DB10010"}
    modified = await api.ok("debtor", "list", modified={"from": "2026-04-01 00:00:00"})
    assert [d["DebtorCode"] for d in modified["debtors"]] == ["DB10003"]
    until = await api.ok("debtor", "list", modified={"to": "2026-03-01"})  # a date: the whole day
    assert until["totalresults"] == 11
    created = await api.ok("debtor", "list", created={"from": "2026-03-02"})
    # Empty result: counts are zero and the data key is absent.
    assert created == {**created, "totalresults": 0, "currentresults": 0}
    assert "debtors" not in created


async def test_list_limit_is_capped_at_1000(make_api: MakeApi) -> None:
    api = make_api("wefact", seed=False)
    api.state.seed_debtors(1001)
    page = await api.ok("debtor", "list", limit=5000)
    assert (page["totalresults"], page["currentresults"]) == (1001, 1000)
    default = await api.ok("debtor", "list", offset=1000)
    assert default["currentresults"] == 1


# -- products ---------------------------------------------------------------------------


async def test_product_rules_per_flavour(make_api: MakeApi) -> None:
    wefact, hostfact = make_api("wefact"), make_api("hostfact")
    shown = (await wefact.ok("product", "show", ProductCode="P0001"))["product"]
    assert (shown["TaxCode"], shown["TaxPercentage"], shown["NumberSuffix"]) == ("V21", "21", "uur")
    shown = (await hostfact.ok("product", "show", ProductCode="P001"))["product"]
    assert "TaxCode" not in shown
    assert shown["TaxPercentage"] == "21"

    added = await wefact.ok(
        "product",
        "add",
        ProductName="Licentie",
        ProductKeyPhrase="Licentie",
        PriceExcl="9.95",
        TaxCode="V9",
    )
    assert (added["product"]["ProductCode"], added["product"]["TaxPercentage"]) == ("P0005", "9")
    added = await hostfact.ok(
        "product",
        "add",
        ProductName="Licentie",
        ProductKeyPhrase="Licentie",
        PriceExcl="9.95",
        TaxPercentage="9",
    )
    assert added["product"]["ProductCode"] == "P005"
    assert await hostfact.errors(
        "product", "add", ProductName="X", ProductKeyPhrase="X", PriceExcl="1", TaxPercentage="15"
    )
    assert await hostfact.errors("product", "add", ProductName="X", PriceExcl="1")  # no key phrase
    assert await hostfact.errors(
        "product", "add", ProductName="X", ProductKeyPhrase="X", PriceExcl="9,95"
    )

    await wefact.ok("product", "edit", ProductCode="P0005", PriceExcl="10.50")
    assert (await wefact.ok("product", "show", ProductCode="P0005"))["product"][
        "PriceExcl"
    ] == "10.50"
    await wefact.ok("product", "delete", ProductCode="P0005")
    assert await wefact.errors("product", "show", ProductCode="P0005") == ["Product niet gevonden."]


# -- invoices ---------------------------------------------------------------------------


def line(**fields: Any) -> dict[str, Any]:
    return fields


@FLAVORS
async def test_invoice_lines_inherit_and_explicit_values_win(
    make_api: MakeApi, flavor: str
) -> None:
    api = make_api(flavor)
    code = {"wefact": "P000", "hostfact": "P00"}[flavor]
    vat_field, vat_value = ("TaxCode", "V0") if flavor == "wefact" else ("TaxPercentage", "0")
    answer = await api.ok(
        "invoice",
        "add",
        DebtorCode="DB10000",
        InvoiceLines=[
            line(ProductCode=f"{code}1"),
            line(
                ProductCode=f"{code}1",
                Description="Eigen tekst",
                PriceExcl="80",
                Number="2",
                **{vat_field: vat_value},
            ),
            line(ProductCode=f"{code}4", Periods="3"),
            line(Description="Los", PriceExcl="10"),
        ],
    )
    inherited, explicit, periodic, loose = answer["invoice"]["InvoiceLines"]
    assert (
        inherited["Description"],
        inherited["PriceExcl"],
        inherited["TaxPercentage"],
        inherited["NumberSuffix"],
    ) == (
        "Advieswerkzaamheden",
        "95.00",
        "21",
        "uur",
    )
    assert (explicit["Description"], explicit["PriceExcl"], explicit["TaxPercentage"]) == (
        "Eigen tekst",
        "80",
        "0",
    )
    start, end = ("StartDate", "EndDate") if flavor == "wefact" else ("StartPeriod", "EndPeriod")
    assert (periodic["PeriodicType"], periodic["Periodic"], periodic[start], periodic[end]) == (
        "period",
        "m",
        "2026-03-01",
        "2026-06-01",
    )
    assert periodic["AmountExcl"] == "37.50"  # 12.50 x 1 x 3 periods
    assert loose["TaxPercentage"] == "21"  # no product, no VAT: the default rate
    invoice = answer["invoice"]
    assert invoice["AmountExcl"] == "302.50"  # 95 + 160 + 37.50 + 10
    assert invoice["AmountTax"] == "29.93"  # 21% of 142.50 = 29.925 -> 29.93, 0% of 160
    assert invoice["InvoiceCode"] == "[concept]0001"
    assert invoice["PayBefore"] == "2026-03-15"  # default term 14 days


async def test_totals_discounts_and_half_up_rounding(make_api: MakeApi) -> None:
    api = make_api("hostfact")
    invoice = (
        await api.ok(
            "invoice",
            "add",
            DebtorCode="DB10000",
            Discount="10",
            InvoiceLines=[
                line(Description="a", PriceExcl="33.335", Number="1"),  # 33.335 -> 33.34
                line(
                    Description="b", PriceExcl="100", Number="1.5", DiscountPercentage="25"
                ),  # 150 - 37.50
                line(Description="c", PriceExcl="20", TaxPercentage="9"),
            ],
        )
    )["invoice"]
    a, b, c = invoice["InvoiceLines"]
    assert (a["AmountExcl"], b["AmountExcl"], c["AmountExcl"]) == ("33.34", "112.50", "20.00")
    # 21%: 145.84 - 10% (14.58) = 131.26, tax 27.56; 9%: 20 - 2 = 18, tax 1.62
    assert (invoice["AmountExcl"], invoice["AmountTax"], invoice["AmountIncl"]) == (
        "149.26",
        "29.18",
        "178.44",
    )


@FLAVORS
async def test_invoice_refusals(make_api: MakeApi, flavor: str) -> None:
    api = make_api(flavor)
    assert await api.errors("invoice", "add", DebtorCode="DB10000") == [
        "Invoice [concept]0001 does not contain invoice lines"
    ]
    assert await api.errors(
        "invoice", "add", DebtorCode="DB10000", InvoiceLines=[line(ProductCode="P9999")]
    )
    assert await api.errors(
        "invoice", "add", DebtorCode="DB404", InvoiceLines=[line(Description="x")]
    )
    # One bad value makes the whole lines array invalid: nothing is stored.
    assert await api.errors(
        "invoice",
        "add",
        DebtorCode="DB10000",
        InvoiceLines=[
            line(Description="ok", PriceExcl="10"),
            line(Description="comma", PriceExcl="95,00"),
        ],
    )
    assert await api.errors(
        "invoice", "add", DebtorCode="DB10000", Status="4", InvoiceLines=[line(Description="x")]
    )
    assert api.state.invoices == {}


@FLAVORS
async def test_invoice_status_rules(make_api: MakeApi, flavor: str) -> None:
    api = make_api(flavor)
    lines = [line(Description="Werk", PriceExcl="100")]
    first = (await api.ok("invoice", "add", DebtorCode="DB10000", InvoiceLines=lines))["invoice"]
    second = (await api.ok("invoice", "add", DebtorCode="DB10000", InvoiceLines=lines))["invoice"]
    assert (first["InvoiceCode"], second["InvoiceCode"]) == ("[concept]0001", "[concept]0002")
    assert await api.errors("invoice", "credit", Identifier=first["Identifier"])
    assert await api.errors("invoice", "markaspaid", Identifier=first["Identifier"])

    api.state.clock = FakeClock(datetime(2026, 3, 5, 9, 0, 0))
    booked = (await api.ok("invoice", "edit", Identifier=second["Identifier"], Status="2"))[
        "invoice"
    ]
    real = "F2026-0001" if flavor == "wefact" else "F0001"
    assert (booked["InvoiceCode"], booked["Status"], booked["Modified"]) == (
        real,
        "2",
        "2026-03-05 09:00:00",
    )
    assert api.state.sent_emails == []
    assert await api.errors("invoice", "delete", Identifier=booked["Identifier"])
    assert await api.errors(
        "invoice", "edit", Identifier=booked["Identifier"], Description="changed"
    )
    # Repeating the booking is harmless (a retry after a lost answer).
    await api.ok("invoice", "edit", Identifier=booked["Identifier"], Status="2")

    credit = (await api.ok("invoice", "credit", InvoiceCode=real))["invoice"]
    assert (credit["Status"], credit["AmountExcl"]) == ("8", "-100.00")
    assert credit["InvoiceLines"][0]["Number"] == "-1"
    assert (await api.ok("invoice", "show", InvoiceCode=real))["invoice"]["Status"] == "9"
    assert await api.errors("invoice", "credit", InvoiceCode=real)

    await api.ok("invoice", "delete", Identifier=first["Identifier"])
    assert await api.errors("invoice", "show", Identifier=first["Identifier"])
    third = (await api.ok("invoice", "add", DebtorCode="DB10000", InvoiceLines=lines))["invoice"]
    assert third["InvoiceCode"] == "[concept]0003"  # concepts keep their own counter


async def test_send_mark_paid_and_download(make_api: MakeApi) -> None:
    api = make_api("wefact")
    api.state.add_debtor(DebtorCode="DB20000", CompanyName="Zonder mail")
    invoice = (
        await api.ok("invoice", "add", DebtorCode="DB20000", InvoiceLines=[line(Description="x")])
    )["invoice"]
    assert await api.errors("invoice", "sendbyemail", Identifier=invoice["Identifier"]) == [
        "De klant heeft geen e-mailadres."
    ]
    invoice = (
        await api.ok(
            "invoice",
            "add",
            DebtorCode="DB10000",
            InvoiceLines=[line(Description="x", PriceExcl="10")],
        )
    )["invoice"]
    sent = (await api.ok("invoice", "sendbyemail", Identifier=invoice["Identifier"]))["invoice"]
    assert (sent["Status"], sent["InvoiceCode"]) == ("2", "F2026-0001")
    assert api.state.sent_emails == [("F2026-0001", "a@acme.test")]
    marked = await api.ok("invoice", "markaspaid", Identifier=invoice["Identifier"])
    assert "invoice" not in marked  # messages only; the record comes from show
    paid = (await api.ok("invoice", "show", Identifier=invoice["Identifier"]))["invoice"]
    assert (paid["Status"], paid["AmountPaid"], paid["AmountOutstanding"]) == ("4", "12.10", 0.0)
    assert paid["AmountIncl"] == 12.1  # WeFact mixes numbers into string amounts
    pdf = (await api.ok("invoice", "download", Identifier=invoice["Identifier"]))["invoice"]
    assert pdf["Filename"] == "F2026-0001.pdf"


async def test_invoice_lines_controller(make_api: MakeApi) -> None:
    api = make_api("hostfact")
    invoice = (
        await api.ok(
            "invoice",
            "add",
            DebtorCode="DB10000",
            InvoiceLines=[line(Description="a", PriceExcl="10")],
        )
    )["invoice"]
    grown = (
        await api.ok(
            "invoiceline",
            "add",
            InvoiceCode=invoice["InvoiceCode"],
            InvoiceLines=[line(ProductCode="P002")],
        )
    )["invoice"]
    assert [ln["Description"] for ln in grown["InvoiceLines"]] == ["a", "Vakliteratuur"]
    assert grown["AmountExcl"] == "44.50"
    first_id, second_id = (ln["Identifier"] for ln in grown["InvoiceLines"])
    assert await api.errors(
        "invoiceline",
        "delete",
        Identifier=invoice["Identifier"],
        InvoiceLines=[{"Identifier": first_id}, {"Identifier": second_id}],
    )
    shrunk = (
        await api.ok(
            "invoiceline",
            "delete",
            Identifier=invoice["Identifier"],
            InvoiceLines=[{"Identifier": first_id}],
        )
    )["invoice"]
    assert [ln["Identifier"] for ln in shrunk["InvoiceLines"]] == [second_id]


async def test_invoice_list_filters(make_api: MakeApi) -> None:
    api = make_api("wefact")
    api.state.add_debtor(DebtorCode="DB10001", CompanyName="Beta")
    for debtor, ref in (("DB10000", "TT-1"), ("DB10001", "TT-2"), ("DB10000", "TT-10")):
        await api.ok(
            "invoice",
            "add",
            DebtorCode=debtor,
            ReferenceNumber=ref,
            InvoiceLines=[line(Description="x")],
        )
    await api.ok("invoice", "edit", Identifier=2, Status="2")
    mine = await api.ok("invoice", "list", searchat="DebtorCode", searchfor="DB10000")
    assert {i["Identifier"] for i in mine["invoices"]} == {"1", "3"}
    assert "InvoiceLines" not in mine["invoices"][0]
    refs = await api.ok("invoice", "list", searchat="ReferenceNumber", searchfor="TT-1")
    assert refs["totalresults"] == 2  # substring match: TT-1 and TT-10
    booked = await api.ok("invoice", "list", status="2|4")
    assert [i["Identifier"] for i in booked["invoices"]] == ["2"]
    assert (await api.ok("invoice", "list", status="0"))["totalresults"] == 2


async def test_wefact_stock_moves_unless_told_no(make_api: MakeApi) -> None:
    api = make_api("wefact")
    lines = [line(ProductCode="P0002", Number="3")]
    await api.ok(
        "invoice", "add", DebtorCode="DB10000", InvoiceLines=lines, UseProductInventory="no"
    )
    assert api.state.stock_moves == []
    await api.ok(
        "invoice", "add", DebtorCode="DB10000", InvoiceLines=lines, UseProductInventory="False"
    )
    await api.ok("invoice", "add", DebtorCode="DB10000", InvoiceLines=lines)
    assert api.state.stock_moves == [("P0002", Decimal(3)), ("P0002", Decimal(3))]


# -- limits -----------------------------------------------------------------------------


async def test_wefact_rate_limit_headers_and_firewall(make_api: MakeApi) -> None:
    api = make_api("wefact", rate_limit_per_minute=3, firewall_seconds=600)
    now = [1_800_000_010.0]
    api.state.wall_clock = lambda: now[0]
    await api.ok("debtor", "list")
    assert api.last is not None
    headers = api.last.headers
    assert headers["API-RateLimit-Remaining-Minute"] == "2"
    assert headers["API-RateLimit-Remaining-Hour"] == "4999"
    assert headers["API-RateLimit-Reset-Minute"] == "1800000060"
    await api.ok("debtor", "list")
    await api.errors("debtor", "list", key="wrong")  # failed logins count too
    answer = await api("debtor", "list")
    assert api.last.status_code == 403
    assert answer == {"text": "IP 127.0.0.1 currently in firewall"}
    now[0] += 120  # a new minute, but the ban lasts firewall_seconds
    await api("debtor", "list")
    assert api.last.status_code == 403
    now[0] += 601
    await api.ok("debtor", "list")


async def test_hostfact_sends_no_rate_limit_headers(make_api: MakeApi) -> None:
    api = make_api("hostfact")
    await api.ok("debtor", "list")
    assert api.last is not None
    assert not [h for h in api.last.headers if h.lower().startswith("api-ratelimit")]


async def test_seeded_data_is_realistic() -> None:
    state = EmulatorState("wefact", api_key="k")
    products = state.seed_products()
    assert {p["TaxPercentage"] for p in products} == {Decimal(21), Decimal(9), Decimal(0)}
    assert any(p["NumberSuffix"] == "uur" for p in products)
    debtors = state.seed_debtors(8)
    assert [d["DebtorCode"] for d in debtors][:2] == ["DB10000", "DB10001"]
    assert any(not d["CompanyName"] for d in debtors)  # some private persons
    json.dumps([{k: str(v) for k, v in d.items()} for d in debtors])
