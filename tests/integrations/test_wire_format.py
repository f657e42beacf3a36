"""What the clients put on the wire, checked field by field with respx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from integrations import (
    DebtorInput,
    InconclusiveLookupError,
    InvoiceInput,
    InvoiceLineInput,
    make_provider,
)
from integrations.client import MAX_REFERENCE_CANDIDATES, MAX_SEARCH_ROWS, ProviderClient

from .conftest import API_KEY, make_client

pytestmark = pytest.mark.asyncio

WEFACT = "https://api.mijnwefact.nl/v2/"
HOSTFACT = "https://example.com/Pro/apiv2/api.php"

INVOICE = {
    "Identifier": "2",
    "InvoiceCode": "[concept]0001",
    "DebtorCode": "DB10000",
    "Status": "0",
    "Date": "2026-03-02",
    "Term": "14",
    "PayBefore": "2026-03-16",
    "AmountExcl": "750.00",
    "AmountTax": "157.50",
    "AmountIncl": 907.5,
    "AmountPaid": "0.00",
    "ReferenceNumber": "TT-1",
    "InvoiceLines": [
        {
            "Identifier": "7",
            "Description": "Design",
            "Number": "1",
            "PriceExcl": "750",
            "TaxPercentage": "21",
            "StartDate": "",
            "Date": "2026-03-02",
        }
    ],
    "Created": "2026-03-02 10:00:00",
    "Modified": "",
}


def ok(**data: Any) -> httpx.Response:
    return httpx.Response(
        200, json={"controller": "x", "action": "y", "status": "success", "date": "", **data}
    )


def form(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode(), keep_blank_values=True)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def _invoice() -> InvoiceInput:
    return InvoiceInput(
        debtor_code="DB10000",
        date=date(2026, 3, 2),
        reference_number="TT-1",
        lines=[
            InvoiceLineInput(
                product_code="P0001",
                description="Design",
                number=Decimal("2.5"),
                price_excl=Decimal("1250.50"),
            ),
            InvoiceLineInput(
                description="Hosting",
                price_excl=Decimal("10"),
                tax_code="V21",
                tax_percentage=Decimal(21),
                start_date=date(2026, 3, 1),
                end_date=date(2026, 4, 1),
            ),
        ],
    )


@respx.mock
async def test_wefact_invoice_add(http: httpx.AsyncClient) -> None:
    route = respx.post(WEFACT).mock(return_value=ok(invoice=INVOICE))
    invoice = await make_client("wefact", http, WEFACT).add_invoice(_invoice())
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.url.query == b""
    assert "authorization" not in request.headers
    pairs = form(request)
    assert pairs == [
        ("DebtorCode", "DB10000"),
        ("Status", "0"),
        ("Date", "2026-03-02"),
        ("ReferenceNumber", "TT-1"),
        ("UseProductInventory", "no"),
        ("InvoiceLines[0][Number]", "2.5"),
        ("InvoiceLines[0][ProductCode]", "P0001"),
        ("InvoiceLines[0][Description]", "Design"),
        ("InvoiceLines[0][PriceExcl]", "1250.50"),
        ("InvoiceLines[1][Number]", "1"),
        ("InvoiceLines[1][Description]", "Hosting"),
        ("InvoiceLines[1][PriceExcl]", "10"),
        ("InvoiceLines[1][TaxCode]", "V21"),
        ("InvoiceLines[1][StartDate]", "2026-03-01"),
        ("InvoiceLines[1][EndDate]", "2026-04-01"),
        ("controller", "invoice"),
        ("action", "add"),
        ("api_key", API_KEY),
    ]
    # Money comes back as Decimal whatever JSON type carried it.
    assert invoice.amount_incl == Decimal("907.5")
    assert invoice.amount_excl == Decimal("750.00")
    assert invoice.identifier == 2
    assert invoice.modified is None
    assert invoice.lines[0].start_date is None


@respx.mock
async def test_hostfact_invoice_add(http: httpx.AsyncClient) -> None:
    route = respx.post(HOSTFACT).mock(return_value=ok(invoice=INVOICE))
    # The user pasted the full API URL: it is normalised, not doubled.
    client = make_client("hostfact", http, "https://example.com/Pro/apiv2/api.php")
    await client.add_invoice(_invoice())
    pairs = dict(form(route.calls.last.request))
    assert "UseProductInventory" not in pairs
    assert pairs["InvoiceLines[1][TaxPercentage]"] == "21"
    assert "InvoiceLines[1][TaxCode]" not in pairs
    assert pairs["InvoiceLines[1][StartPeriod]"] == "2026-03-01"
    assert "InvoiceLines[1][StartDate]" not in pairs
    assert "InvoiceLines[0][TaxPercentage]" not in pairs  # inherited from the product


@respx.mock
async def test_list_filters_are_lowercase_and_bracketed(http: httpx.AsyncClient) -> None:
    route = respx.post(WEFACT).mock(return_value=ok(totalresults=0, currentresults=0, offset=0))
    page = await make_client("wefact", http, WEFACT).list_debtors(
        modified_since=datetime(2026, 1, 1)
    )
    assert page.items == ()
    pairs = form(route.calls.last.request)
    assert ("modified[from]", "2026-01-01 00:00:00") in pairs
    assert ("offset", "0") in pairs
    assert ("limit", "1000") in pairs
    assert not [key for key, _ in pairs if key in ("Offset", "Limit", "Sort")]


@respx.mock
async def test_debtor_add_never_sends_identifier(http: httpx.AsyncClient) -> None:
    debtor = {"Identifier": "5", "DebtorCode": "DB10004", "CompanyName": "Acme"}
    route = respx.post(WEFACT).mock(return_value=ok(debtor=debtor))
    await make_client("wefact", http, WEFACT).add_debtor(
        DebtorInput(company_name="Acme", invoice_term=30)
    )
    pairs = form(route.calls.last.request)
    assert ("CompanyName", "Acme") in pairs
    assert ("InvoiceTerm", "30") in pairs
    assert all(key not in ("Identifier", "DebtorCode") for key, _ in pairs)


@respx.mock
async def test_paging_stops_on_short_page_not_on_totalresults(http: httpx.AsyncClient) -> None:
    def row(n: int) -> dict[str, Any]:
        return {
            "Identifier": str(n),
            "DebtorCode": f"DB{10000 + n}",
            "Modified": "2026-01-01 00:00:00",
        }

    def page(request: httpx.Request) -> httpx.Response:
        offset = int(dict(form(request))["offset"])
        rows = [row(n) for n in range(offset, min(offset + 1000, 2003))]
        # totalresults lies (as reported for real installations): only 1000.
        return ok(totalresults=1000, currentresults=len(rows), offset=offset, debtors=rows)

    route = respx.post(WEFACT).mock(side_effect=page)
    debtors = [d async for d in make_client("wefact", http, WEFACT).iter_debtors()]
    assert len(debtors) == 2003
    assert route.call_count == 3
    assert [dict(form(call.request))["offset"] for call in route.calls] == ["0", "1000", "2000"]


@respx.mock
async def test_paging_stops_on_empty_page_without_data_key(http: httpx.AsyncClient) -> None:
    rows = [{"Identifier": str(n), "ProductCode": f"P{n}", "PriceExcl": "1"} for n in range(1000)]
    route = respx.post(WEFACT).mock(
        side_effect=[
            ok(totalresults=5000, currentresults=1000, offset=0, products=rows),
            ok(totalresults=5000, currentresults=0, offset=1000),
        ]
    )
    products = [p async for p in make_client("wefact", http, WEFACT).iter_products()]
    assert len(products) == 1000
    assert route.call_count == 2


def _row(identifier: int, debtor_code: str = "DB10000") -> dict[str, Any]:
    """An invoice/list row as HostFact sends it: no ReferenceNumber (list_api_action)."""
    return {
        "Identifier": str(identifier),
        "InvoiceCode": f"[concept]{identifier:04d}",
        "DebtorCode": debtor_code,
        "AmountExcl": "750.00",
        "Status": "0",
    }


@respx.mock
async def test_find_by_reference_lists_by_debtor_and_confirms_with_show(
    http: httpx.AsyncClient,
) -> None:
    rows = [_row(2), _row(3), _row(4, "DB100001")]  # substring match: DB10000 in DB100001
    shown = {2: "TT-10", 3: "TT-1"}

    def answer(request: httpx.Request) -> httpx.Response:
        pairs = dict(form(request))
        if pairs["action"] == "list":
            return ok(totalresults=3, currentresults=3, offset=0, invoices=rows)
        identifier = int(pairs["Identifier"])
        return ok(invoice={**INVOICE, "Identifier": str(identifier),
                           "ReferenceNumber": shown[identifier]})

    route = respx.post(WEFACT).mock(side_effect=answer)
    found = await make_client("wefact", http, WEFACT).find_invoices_by_reference(
        "TT-1", debtor_code="DB10000", created_since=datetime(2026, 3, 1, 9, 30)
    )

    assert [i.identifier for i in found] == [3]
    assert found[0].lines  # the full record from show
    listed = dict(form(route.calls[0].request))
    assert (listed["searchat"], listed["searchfor"]) == ("DebtorCode", "DB10000")
    assert listed["created[from]"] == "2026-03-01 09:30:00"
    assert "sort" not in listed  # never sort=Identifier: HostFact then lists nothing
    assert "ReferenceNumber" not in {value for _, value in form(route.calls[0].request)}
    # Only the exact debtor's rows are shown, each once.
    shows = [dict(form(call.request)) for call in route.calls[1:]]
    assert [(c["action"], c["Identifier"]) for c in shows] == [("show", "2"), ("show", "3")]


@respx.mock
async def test_find_by_reference_refuses_to_guess_past_its_bound(
    http: httpx.AsyncClient,
) -> None:
    rows = [_row(n) for n in range(1, MAX_REFERENCE_CANDIDATES + 2)]
    route = respx.post(WEFACT).mock(
        return_value=ok(totalresults=len(rows), currentresults=len(rows), offset=0, invoices=rows)
    )
    with pytest.raises(InconclusiveLookupError, match="more than 100 invoices"):
        await make_client("wefact", http, WEFACT).find_invoices_by_reference(
            "TT-1", debtor_code="DB10000"
        )
    assert route.call_count == 1  # not one show: it said so instead of answering "none"


@respx.mock
async def test_debtor_lists_sort_by_debtor_code(http: httpx.AsyncClient) -> None:
    route = respx.post(WEFACT).mock(return_value=ok(totalresults=0, currentresults=0, offset=0))
    client = make_client("wefact", http, WEFACT)
    await client.list_debtors()
    await client.search_debtors("Bakkerij Jansen")
    for call in route.calls:
        pairs = dict(form(call.request))
        assert (pairs["sort"], pairs["order"]) == ("DebtorCode", "ASC")
    assert dict(form(route.calls[1].request))["searchat"] == "CompanyName"


@respx.mock
async def test_debtor_search_is_bounded(http: httpx.AsyncClient) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        offset = int(dict(form(request))["offset"])
        rows = [{"Identifier": str(n), "DebtorCode": f"DB{n}"} for n in range(offset, offset + 1000)]
        return ok(totalresults=10**6, currentresults=1000, offset=offset, debtors=rows)

    route = respx.post(WEFACT).mock(side_effect=page)
    with pytest.raises(InconclusiveLookupError, match="more than 5000 debtors"):
        await make_client("wefact", http, WEFACT).search_debtors("BV")
    assert route.call_count == MAX_SEARCH_ROWS // 1000 + 1  # then it stops reading


@pytest.mark.parametrize("with_record", [True, False], ids=["record", "messages-only"])
@respx.mock
async def test_mark_as_paid_accepts_both_answer_shapes(
    http: httpx.AsyncClient, with_record: bool
) -> None:
    paid = {**INVOICE, "Status": "4"}
    answer = ok(success=["Invoice F0001 has been paid."], **({"invoice": paid} if with_record else {}))
    route = respx.post(WEFACT).mock(side_effect=[answer, ok(invoice=paid)])
    result = await make_client("wefact", http, WEFACT).mark_as_paid(2)
    assert result.status == 4
    # With a record no show is needed; with messages only the record comes from show.
    assert route.call_count == (1 if with_record else 2)


@respx.mock
async def test_book_edits_status_without_email(http: httpx.AsyncClient) -> None:
    route = respx.post(WEFACT).mock(return_value=ok(invoice=INVOICE))
    await make_client("wefact", http, WEFACT).book_invoice(2)
    assert form(route.calls.last.request)[:4] == [
        ("Identifier", "2"),
        ("Status", "2"),
        ("controller", "invoice"),
        ("action", "edit"),
    ]


@respx.mock
async def test_make_provider_builds_the_right_client(http: httpx.AsyncClient) -> None:
    respx.post(WEFACT).mock(return_value=ok(totalresults=0, currentresults=0, offset=0))
    respx.post(HOSTFACT).mock(return_value=ok(totalresults=0, currentresults=0, offset=0))
    wefact = make_provider("WEFACT", http, API_KEY)
    hostfact = make_provider("HOSTFACT", http, API_KEY, hostfact_url="https://example.com/Pro/")
    assert isinstance(wefact, ProviderClient)
    assert (wefact.kind, hostfact.kind) == ("WEFACT", "HOSTFACT")
    await wefact.verify()
    await hostfact.verify()
    assert json.dumps(repr(wefact)).count(API_KEY) == 0
