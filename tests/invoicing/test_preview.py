"""previewInvoice: every line rule and option, every problem, and that it writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graphql_api.models import BillingMethod, RegistrationStatus
from resolvers.ids import global_id
from tests.conftest import Emulator, GraphQLClient, Member, activate
from tests.invoicing.conftest import DAY, PREVIEW, World, gid, product_code

WEFACT_ONLY = pytest.mark.parametrize("emulator", ["wefact"], indirect=True)


async def preview(
    gql: GraphQLClient, ids: list[str], options: dict[str, Any] | None = None
) -> dict[str, Any]:
    data = await gql.data(PREVIEW, {"ids": ids, "options": options})
    result: dict[str, Any] = data["previewInvoice"]
    return result


@WEFACT_ONLY
async def test_preview_builds_lines_and_writes_nothing(
    gql: GraphQLClient, world: World, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    consultancy = product_code(emulator, "Consultancy")
    books = product_code(emulator, "Boeken")
    travel = product_code(emulator, "Reiskosten")
    await world.settings(default_product_code=consultancy, trip_product_code=travel)
    customer = await world.customer("Bakkerij Jansen", "K-1", payment_term_days=21)
    project = await world.project(customer, "Shop")
    design = await world.activity("Design", books)  # the activity's own product wins
    entry = await world.entry(project, design, "1.33", "77.77", notes="Logo")
    expense = await world.expense(project, await world.category("Misc"), "Parking", "3", "2.50")
    trip = await world.trip(project, "Utrecht", "Zwolle", "10.00", "0.19")
    before_rows = await world.table_counts()
    before_calls = len(emulator.state.calls)

    result = await preview(gql, [gid(entry), gid(expense), gid(trip)])

    assert result["canInvoice"] is True
    assert (result["mode"], result["groupBy"]) == ("CONCEPT", "ENTRY")
    assert [p["code"] for p in result["problems"]] == ["CUSTOMER_WILL_BE_CREATED"]
    assert result["problems"][0]["blocking"] is False
    [invoice] = result["invoices"]
    assert invoice["termDays"] == 21
    assert invoice["customer"]["name"] == "Bakkerij Jansen"
    assert [
        (ln["kind"], ln["productCode"], ln["description"], ln["quantity"], ln["unitPrice"],
         ln["amount"], ln["vatPercentage"], ln["registrationIds"])
        for ln in invoice["lines"]
    ] == [
        ("HOURS", books, "Shop – Design: Logo", "1.33", "77.77", "103.43", "9.00", [gid(entry)]),
        ("EXPENSE", consultancy, "Parking", "3.00", "2.50", "7.50", "21.00", [gid(expense)]),
        ("TRIP", travel, "Utrecht → Zwolle", "10.00", "0.19", "1.90", "0.00", [gid(trip)]),
    ]
    # 1.33 × 77.77 = 103.4341 → 103.43 (half-up to cents).
    assert invoice["vatTotals"] == [
        {"vatPercentage": "0.00", "amountExcl": "1.90", "amountVat": "0.00",
         "amountIncl": "1.90"},
        {"vatPercentage": "9.00", "amountExcl": "103.43", "amountVat": "9.31",
         "amountIncl": "112.74"},
        {"vatPercentage": "21.00", "amountExcl": "7.50", "amountVat": "1.58",
         "amountIncl": "9.08"},
    ]
    assert (invoice["amountExcl"], invoice["amountVat"], invoice["amountIncl"]) == (
        "112.83", "10.89", "123.72",
    )
    # A pure dry run: no row written, no call made, nothing reserved.
    assert await world.table_counts() == before_rows
    assert len(emulator.state.calls) == before_calls
    assert (await world.reload(entry)).invoice_line_id is None


@WEFACT_ONLY
@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("ENTRY", [("Shop – Design", "1.00"), ("Shop – Design", "2.00"),
                   ("Shop – Code", "0.50"), ("Stock – Design", "4.00")]),
        ("ACTIVITY", [("Design (2026-03-02 – 2026-03-03)", "5.00"),
                      ("Design – Shop (2026-03-02)", "2.00"),
                      ("Code – Shop (2026-03-02)", "0.50")]),
        ("PROJECT", [("Shop (2026-03-02)", "1.50"), ("Shop – Design (2026-03-02)", "2.00"),
                     ("Stock – Design (2026-03-03)", "4.00")]),
        ("USER", [("owner (2026-03-02 – 2026-03-03)", "5.50"),
                  ("owner – Shop – Design (2026-03-02)", "2.00")]),
        ("DATE", [("Shop (2026-03-02)", "1.50"), ("Shop – Design (2026-03-02)", "2.00"),
                  ("Stock – Design (2026-03-03)", "4.00")]),
    ],
)
async def test_group_by_never_mixes_rates(
    gql: GraphQLClient, world: World, emulator: Emulator, group_by: str,
    expected: list[tuple[str, str]],
) -> None:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    customer = await world.customer("Studio Visser", "K-2")
    shop, stock = await world.project(customer, "Shop"), await world.project(customer, "Stock")
    design, code = await world.activity("Design"), await world.activity("Code")
    entries = [
        await world.entry(shop, design, "1.00", "95.00"),
        await world.entry(shop, design, "2.00", "120.00"),  # another rate: its own line
        await world.entry(shop, code, "0.50", "95.00"),
        await world.entry(stock, design, "4.00", "95.00", date=DAY + dt.timedelta(days=1)),
    ]

    result = await preview(gql, [gid(e) for e in entries], {"groupBy": group_by})

    [invoice] = result["invoices"]
    lines = invoice["lines"]
    assert [(ln["description"], ln["quantity"]) for ln in lines] == expected
    for line in lines:  # one price per line, and the 120.00 entry is always alone
        if line["unitPrice"] == "120.00":
            assert line["registrationIds"] == [gid(entries[1])]
    assert invoice["amountExcl"] == "762.50"


@WEFACT_ONLY
async def test_per_project_option_and_invoice_date(
    gql: GraphQLClient, world: World, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    customer = await world.customer("Studio Visser", "K-2")
    activity = await world.activity()
    a = await world.entry(await world.project(customer, "Shop"), activity, "1.00")
    b = await world.entry(await world.project(customer, "Stock"), activity, "1.00")

    together = await preview(gql, [gid(a), gid(b)])
    apart = await preview(
        gql, [gid(a), gid(b)],
        {"perProject": True, "invoiceDate": "2026-04-01", "termDays": 7, "mode": "BOOK"},
    )

    assert len(together["invoices"]) == 1
    assert together["invoices"][0]["project"] is None
    assert sorted(i["project"]["name"] for i in apart["invoices"]) == ["Shop", "Stock"]
    assert {(i["invoiceDate"], i["termDays"]) for i in apart["invoices"]} == {("2026-04-01", 7)}
    assert apart["mode"] == "BOOK"


@WEFACT_ONLY
async def test_every_problem_is_reported(
    gql: GraphQLClient, world: World, emulator: Emulator, other_owner: Member
) -> None:
    await activate(gql, emulator)
    customer = await world.customer("Kapsalon Smit")  # no number: will be created
    hourly = await world.project(customer, "Hourly")
    fixed = await world.project(customer, "Fixed", BillingMethod.FIXED_PRICE)
    subscription = await world.project(customer, "Plan", BillingMethod.SUBSCRIPTION)
    activity = await world.activity()
    no_product = await world.entry(hourly, activity, "1.00")
    unbillable = await world.entry(hourly, activity, "1.00", billable=False)
    on_fixed = await world.entry(fixed, activity, "1.00")
    on_plan = await world.expense(subscription, await world.category(), "Cable", "1", "5.00")
    reserved = await world.entry(hourly, activity, "1.00")
    foreign_world = World(world.state, other_owner)
    foreign_customer = await foreign_world.customer("Globex Ltd", "G-1")
    foreign = await foreign_world.entry(
        await foreign_world.project(foreign_customer), await foreign_world.activity(), "1.00"
    )
    # "Already invoiced": INVOICED as a confirmed invoice leaves it.
    async with world.state.sessionmaker() as session, session.begin():
        row = await session.get(type(reserved), reserved.id)
        assert row is not None
        row.status = RegistrationStatus.INVOICED

    ids = [gid(no_product), gid(unbillable), gid(on_fixed), gid(on_plan), gid(reserved),
           gid(foreign), str(global_id("Customer", customer.id)), "not-an-id"]
    result = await preview(gql, ids)

    problems = {p["registrationId"]: p["code"] for p in result["problems"]}
    assert problems == {
        gid(no_product): "NO_PRODUCT",
        gid(unbillable): "NOT_BILLABLE",
        gid(on_fixed): "FIXED_PRICE_PROJECT",
        gid(on_plan): "SUBSCRIPTION_PROJECT",
        gid(reserved): "ALREADY_INVOICED",
        gid(foreign): "NOT_FOUND",  # another workspace's id is just unknown
        str(global_id("Customer", customer.id)): "NOT_FOUND",
        "not-an-id": "NOT_FOUND",
    }
    assert result["canInvoice"] is False
    assert result["invoices"] == []
    assert all(p["blocking"] for p in result["problems"])

    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    fixed_selection = await preview(gql, [gid(no_product)])
    assert [p["code"] for p in fixed_selection["problems"]] == ["CUSTOMER_WILL_BE_CREATED"]
    assert fixed_selection["problems"][0]["customer"]["name"] == "Kapsalon Smit"
    assert fixed_selection["invoices"][0]["customerWillBeCreated"] is True


async def test_not_activated_is_a_problem(gql: GraphQLClient, world: World) -> None:
    customer = await world.customer("Drukkerij Bakker", "K-5")
    entry = await world.entry(await world.project(customer), await world.activity(), "1.00")

    result = await preview(gql, [gid(entry)])

    assert result["canInvoice"] is False
    assert "NOT_ACTIVATED" in [p["code"] for p in result["problems"]]
