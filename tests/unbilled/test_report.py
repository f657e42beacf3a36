"""The Unbilled report: every billing method, the open-registration rules, filters, totals,
one SQL statement, and the partial indexes it reads."""

from __future__ import annotations

from sqlalchemy import text

from graphql_api.app import AppState
from graphql_api.models import (
    InvoiceStatus,
    LineKind,
    RegistrationStatus,
    SubscriptionInterval,
)
from graphql_api.services.unbilled import UnbilledFilter, report_statement
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member, new_workspace
from tests.domain.test_statement_count import count_statements
from tests.unbilled.conftest import D, UnbilledWorld, by_project, report

UNTIL = D(2026, 3, 31)


async def test_hourly_project_counts_open_billable_registrations_rounded_each(
    gql: GraphQLClient, uworld: UnbilledWorld
) -> None:
    bakery = await uworld.customer("Bakkerij Jansen", "K-100")
    shop = await uworld.project(bakery, "Shop")
    design = await uworld.activity("Design")
    books = await uworld.category("Books")
    await uworld.entry(shop, design, "2.50", "95.00", date=D(2026, 3, 1))
    # 0.33 × 95.55 = 31.5315 → 31.53; 0.05 × 95.55 = 4.7775 → 4.78 (each rounded, then summed)
    await uworld.entry(shop, design, "0.33", "95.55", date=D(2026, 3, 2))
    await uworld.entry(shop, design, "0.05", "95.55", date=UNTIL)
    # Not counted: not billable, after `until`, already invoiced, reserved by an invoice.
    await uworld.entry(shop, design, "9.00", billable=False, date=D(2026, 3, 3))
    await uworld.entry(shop, design, "9.00", date=D(2026, 4, 1))
    invoiced = await uworld.entry(shop, design, "9.00", date=D(2026, 3, 4))
    reserved = await uworld.entry(shop, design, "9.00", date=D(2026, 3, 5))
    pending = await uworld.invoice_with(
        bakery, InvoiceStatus.PENDING, {"kind": LineKind.HOURS, "amount": "855.00"}
    )
    async with uworld.state.sessionmaker() as session, session.begin():
        row = await session.get(type(invoiced), invoiced.id)
        assert row is not None
        row.status = RegistrationStatus.INVOICED
        line_id = await session.scalar(
            text("SELECT id FROM invoice_lines WHERE invoice_id = :i"), {"i": pending.id}
        )
        other = await session.get(type(reserved), reserved.id)
        assert other is not None
        other.invoice_line_id = line_id
    # 0.50 × 0.25 = 0.125 → 0.13 (half-up); 2 × 34.50 = 69.00
    await uworld.expense(shop, books, "Style guide", "2", "34.50", date=D(2026, 3, 1))
    await uworld.expense(shop, books, "Stamps", "0.50", "0.25", date=D(2026, 3, 1))
    await uworld.trip(shop, "Utrecht", "Zwolle", "91.40", "0.23", date=D(2026, 3, 1))

    result = await report(gql, UNTIL)

    (row,) = result["projects"]
    assert row["billingMethod"] == "HOURLY_PROJECT_RATE"
    assert (row["hours"], row["hoursAmount"], row["timeEntryCount"]) == ("2.88", "273.81", 3)
    assert (row["expensesAmount"], row["expenseCount"]) == ("69.13", 2)
    assert (row["tripDistance"], row["tripsAmount"], row["tripCount"]) == ("91.40", "21.02", 1)
    assert row["fixedPrice"] is None
    assert row["subscriptionPeriodsDue"] == []
    assert row["total"] == "363.96"
    assert result["total"] == "363.96"
    assert row["project"]["customer"]["name"] == "Bakkerij Jansen"


async def test_fixed_price_remaining_and_instalments(
    gql: GraphQLClient, uworld: UnbilledWorld
) -> None:
    studio = await uworld.customer("Studio Visser")
    whole = await uworld.fixed(studio, "Website", "5000.00", start=D(2026, 1, 1))
    await uworld.fixed(studio, "Not started", "800.00", start=D(2026, 4, 1))
    await uworld.fixed(studio, "Instalments", "1000.00", instalments=4,
                       start=D(2026, 1, 1), end=D(2026, 12, 31))
    paid = await uworld.fixed(studio, "Paid in full", "300.00")
    # Invoiced: 1000 on a live invoice counts; 700 on a released one does not.
    await uworld.invoice_with(
        studio, InvoiceStatus.SENT,
        {"kind": LineKind.FIXED_PRICE, "amount": "1000.00", "project_id": whole.id},
        {"kind": LineKind.FIXED_PRICE, "amount": "300.00", "project_id": paid.id},
    )
    await uworld.invoice_with(
        studio, InvoiceStatus.RELEASED,
        {"kind": LineKind.FIXED_PRICE, "amount": "700.00", "project_id": whole.id},
    )
    # Hours on a fixed-price project are not billed by the hour.
    design = await uworld.activity("Design")
    await uworld.entry(whole, design, "5.00", date=D(2026, 3, 1))

    rows = by_project(await report(gql, UNTIL))

    assert set(rows) == {"Website", "Instalments"}  # nothing due: not listed
    website = rows["Website"]
    assert (website["fixedPrice"], website["fixedPriceInvoiced"],
            website["fixedPriceRemaining"], website["fixedPriceDue"]) == (
        "5000.00", "1000.00", "4000.00", "4000.00")
    assert (website["hours"], website["hoursAmount"], website["total"]) == (
        "0.00", "0.00", "4000.00")
    # 365 days in 4: due 1 Jan and 2 Apr (day 91): one instalment by 31 March.
    instalments = rows["Instalments"]
    assert (instalments["fixedPriceInstalments"], instalments["fixedPriceInstalmentsDue"],
            instalments["fixedPriceDue"], instalments["fixedPriceRemaining"]) == (
        4, 1, "250.00", "1000.00")
    later = by_project(await report(gql, D(2026, 4, 2)))
    assert later["Instalments"]["fixedPriceDue"] == "500.00"
    assert later["Not started"]["fixedPriceDue"] == "800.00"


async def test_subscriptions_mid_period_end_date_and_nothing_due(
    gql: GraphQLClient, uworld: UnbilledWorld
) -> None:
    club = await uworld.customer("Sportclub")
    await uworld.subscription(club, "Hosting", "25.00", D(2026, 1, 15))
    await uworld.subscription(club, "Support", "910.00", D(2025, 10, 1),
                              interval=SubscriptionInterval.QUARTER, end=D(2026, 2, 14),
                              billed_until=D(2025, 12, 31))
    await uworld.subscription(club, "Future", "50.00", D(2026, 4, 1))
    await uworld.subscription(club, "Billed ahead", "50.00", D(2026, 1, 1),
                              billed_until=D(2026, 3, 31))

    result = await report(gql, UNTIL)
    rows = by_project(result)

    assert set(rows) == {"Hosting", "Support"}
    assert rows["Hosting"]["subscriptionPeriodsDue"] == [
        {"start": "2026-01-15", "end": "2026-02-14", "amount": "25.00", "proRata": False},
        {"start": "2026-02-15", "end": "2026-03-14", "amount": "25.00", "proRata": False},
        {"start": "2026-03-15", "end": "2026-04-14", "amount": "25.00", "proRata": False},
    ]
    assert rows["Hosting"]["subscriptionAmount"] == "75.00"
    # Q1 2026 cut off on 14 Feb: 45 of 90 days.
    assert rows["Support"]["subscriptionPeriodsDue"] == [
        {"start": "2026-01-01", "end": "2026-02-14", "amount": "455.00", "proRata": True},
    ]
    assert rows["Support"]["subscriptionBilledUntil"] == "2025-12-31"
    (customer,) = result["customers"]
    assert (customer["subscriptionAmount"], customer["total"], customer["projectCount"]) == (
        "530.00", "530.00", 2)


async def test_filters_customer_totals_and_workspace_isolation(
    gql: GraphQLClient, uworld: UnbilledWorld, state: AppState
) -> None:
    bakery = await uworld.customer("Bakkerij Jansen")
    studio = await uworld.customer("Studio Visser")
    design = await uworld.activity("Design")
    shop = await uworld.project(bakery, "Shop")
    await uworld.entry(shop, design, "1.00", "100.00", date=D(2026, 3, 1))
    await uworld.fixed(bakery, "Logo", "400.00")
    brand = await uworld.project(studio, "Brand")
    await uworld.entry(brand, design, "2.00", "50.00", date=D(2026, 3, 1))
    # Another workspace's project: never seen, also not through its ids.
    globex = await new_workspace(state, "Globex", "owner@globex.test")
    other = UnbilledWorld(state, Member(globex.workspace_id, globex.user_id, globex.email,
                                        globex.token))
    stranger = await other.customer("Stranger")
    await other.fixed(stranger, "Theirs", "999.00")

    everything = await report(gql, UNTIL)
    assert [(r["customer"]["name"], r["project"]["name"]) for r in everything["projects"]] == [
        ("Bakkerij Jansen", "Logo"), ("Bakkerij Jansen", "Shop"), ("Studio Visser", "Brand"),
    ]
    assert [(c["customer"]["name"], c["hoursAmount"], c["fixedPriceAmount"], c["total"])
            for c in everything["customers"]] == [
        ("Bakkerij Jansen", "100.00", "400.00", "500.00"),
        ("Studio Visser", "100.00", "0.00", "100.00"),
    ]
    assert everything["total"] == "600.00"

    only_studio = await report(gql, UNTIL, customerIds=[global_id("Customer", studio.id)])
    assert [r["project"]["name"] for r in only_studio["projects"]] == ["Brand"]
    only_shop = await report(gql, UNTIL, projectIds=[global_id("Project", shop.id)])
    assert [r["project"]["name"] for r in only_shop["projects"]] == ["Shop"]
    fixed = await report(gql, UNTIL, billingMethods=["FIXED_PRICE"])
    assert [r["project"]["name"] for r in fixed["projects"]] == ["Logo"]
    theirs = await report(gql, UNTIL, customerIds=[global_id("Customer", stranger.id)])
    assert theirs["projects"] == []
    assert theirs["total"] == "0.00"


async def test_report_is_one_statement(
    gql: GraphQLClient, uworld: UnbilledWorld, state: AppState
) -> None:
    design = await uworld.activity("Design")
    for n in range(6):
        customer = await uworld.customer(f"Customer {n}")
        project = await uworld.project(customer, f"Hourly {n}")
        await uworld.entry(project, design, "1.00", date=D(2026, 3, 1))
        await uworld.fixed(customer, f"Fixed {n}", "100.00")
        await uworld.subscription(customer, f"Subscription {n}", "10.00", D(2026, 1, 1))
    await gql.data("{ me { name } }")  # the token's first use is recorded once

    with count_statements(state) as statements:
        result = await report(gql, UNTIL)

    assert len(result["projects"]) == 18
    # Authentication (1) and the report (1): rows, their projects and customers included.
    assert len(statements) == 2, statements


async def test_report_reads_the_partial_indexes(state: AppState, owner: Member) -> None:
    """The report's condition matches the partial indexes' predicate (written literally,
    not as a parameter), so PostgreSQL can use them.

    Which plan wins on real data is the planner's call, and on near-empty tables it differs
    between PostgreSQL versions; so, inside a transaction that is rolled back, the other
    secondary indexes are dropped and seq scans switched off: the partial index then appears
    in the plan only if its predicate is implied by the report's condition.
    """
    stmt = report_statement(owner.workspace_id, UnbilledFilter(until=UNTIL))
    compiled = stmt.compile(
        dialect=state.engine.dialect, compile_kwargs={"literal_binds": True}
    )
    tables = ("time_entries", "expenses", "trips")
    async with state.engine.connect() as connection:
        transaction = await connection.begin()
        try:
            others = await connection.execute(
                text(
                    "SELECT indexname FROM pg_indexes WHERE tablename = ANY(:tables) "
                    "AND indexname NOT LIKE '%open_billable' AND indexname NOT LIKE 'pk_%'"
                ),
                {"tables": list(tables)},
            )
            for (name,) in others.all():
                await connection.execute(text(f'DROP INDEX "{name}"'))
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(
                row[0] for row in await connection.execute(text(f"EXPLAIN {compiled}"))
            )
        finally:
            await transaction.rollback()
    for table in tables:
        assert f"ix_{table}_open_billable" in plan, plan
