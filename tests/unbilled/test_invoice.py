"""invoiceUnbilled against the emulator (WeFact and HostFact): every billing method, nothing
billed twice, released periods due again, and two racing calls."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Project, RegistrationStatus, SubscriptionInterval
from resolvers.ids import global_id
from tests.conftest import Emulator, GraphQLClient, activate
from tests.invoicing.conftest import ERRORS, RELEASE, emulator_invoices, product_code, read_run
from tests.unbilled.conftest import D, UnbilledWorld, by_project, report

INVOICE_UNBILLED = f"""
mutation($input: InvoiceUnbilledInput!) {{
  invoiceUnbilled(input: $input) {{
    __typename
    ... on InvoiceRun {{ id status }}
    {ERRORS}
  }}
}}
"""

RUN = """
query($id: ID!) {
  invoiceRun(id: $id) {
    id status problems { message }
    invoices {
      id status wefactIdentifier amountExcl customer { name }
      lines { position kind productCode description quantity unitPrice amount
              periodStart periodEnd registrations { id status } }
    }
  }
}
"""


def pid(project: Project) -> str:
    return str(global_id("Project", project.id))


async def invoice_unbilled(
    gql: GraphQLClient, projects: list[Project], until: str, options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"projectIds": [pid(p) for p in projects], "until": until}
    if options is not None:
        payload["options"] = options
    data = await gql.data(INVOICE_UNBILLED, {"input": payload})
    result: dict[str, Any] = data["invoiceUnbilled"]
    return result


async def run_unbilled(
    gql: GraphQLClient, jobs: JobRunner, projects: list[Project], until: str,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """invoiceUnbilled, a worker until the queue is empty; the run as it ended."""
    started = await invoice_unbilled(gql, projects, until, options)
    assert started["__typename"] == "InvoiceRun", started
    await jobs.run_worker(wait=False)
    data = await gql.data(RUN, {"id": started["id"]})
    run: dict[str, Any] = data["invoiceRun"]
    return run


async def setup(gql: GraphQLClient, uworld: UnbilledWorld, emulator: Emulator) -> str:
    await activate(gql, emulator)
    consultancy = product_code(emulator, "Consultancy")
    await uworld.settings(default_product_code=consultancy)
    return consultancy


async def test_every_billing_method_in_one_invoice_then_nothing_twice(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    consultancy = await setup(gql, uworld, emulator)
    hosting_product = product_code(emulator, "Boeken")
    bakery = await uworld.customer("Bakkerij Jansen", "K-100")
    design = await uworld.activity("Design")
    shop = await uworld.project(bakery, "Shop")
    entry = await uworld.entry(shop, design, "2.50", "95.00", date=D(2026, 3, 1))
    late = await uworld.entry(shop, design, "1.00", "95.00", date=D(2026, 4, 1))
    website = await uworld.fixed(bakery, "Website", "1200.00", start=D(2026, 1, 1))
    hosting = await uworld.subscription(bakery, "Hosting", "25.00", D(2026, 2, 10),
                                        product=hosting_product)

    run = await run_unbilled(gql, jobs, [shop, website, hosting], "2026-03-31")

    assert run["status"] == "SUCCEEDED", run["problems"]
    (invoice,) = run["invoices"]
    assert invoice["status"] == "CONCEPT"
    lines = [(ln["kind"], ln["productCode"], ln["description"], ln["amount"],
              ln["periodStart"], ln["periodEnd"]) for ln in invoice["lines"]]
    # Registrations first, then the priced projects by name (each with its own product).
    assert lines == [
        ("HOURS", consultancy, "Shop – Design", "237.50", "2026-03-01", "2026-03-01"),
        ("SUBSCRIPTION", hosting_product, "Hosting: subscription 2026-02-10 – 2026-03-09",
         "25.00", "2026-02-10", "2026-03-09"),
        ("SUBSCRIPTION", hosting_product, "Hosting: subscription 2026-03-10 – 2026-04-09",
         "25.00", "2026-03-10", "2026-04-09"),
        ("FIXED_PRICE", consultancy, "Website: fixed price", "1200.00", lines[3][4],
         lines[3][5]),
    ]
    assert invoice["amountExcl"] == "1487.50"
    assert invoice["lines"][0]["registrations"][0]["status"] == "INVOICED"
    (made,) = emulator_invoices(emulator)
    start_field = "StartDate" if emulator.flavor == "wefact" else "StartPeriod"
    assert [str(line[start_field]) for line in made["InvoiceLines"][1:3]] == [
        "2026-02-10", "2026-03-10"]
    assert made["InvoiceLines"][3][start_field] is None  # only periods carry dates
    if emulator.flavor == "wefact":
        assert [str(line["EndDate"]) for line in made["InvoiceLines"][1:3]] == [
            "2026-03-09", "2026-04-09"]
    assert (await uworld.reload(hosting)).subscription_billed_until == D(2026, 4, 9)
    assert (await uworld.reload(late)).status is RegistrationStatus.OPEN
    assert (await uworld.reload(entry)).status is RegistrationStatus.INVOICED

    # Nothing left up to the same date: the report is empty, a second call bills nothing.
    assert (await report(gql, D(2026, 3, 31)))["projects"] == []
    again = await invoice_unbilled(gql, [shop, website, hosting], "2026-03-31")
    assert again["__typename"] == "InvalidInputError"
    assert (again["code"], again["field"]) == ("NOTHING_TO_INVOICE", "projectIds")
    assert len(emulator_invoices(emulator)) == 1


async def test_instalments_one_invoice_each(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await setup(gql, uworld, emulator)
    studio = await uworld.customer("Studio Visser", "K-200")
    # 4 instalments over 2026 (365 days): due 1 Jan, 2 Apr, 2 Jul, 1 Oct.
    app = await uworld.fixed(studio, "App", "1000.00", instalments=4,
                             start=D(2026, 1, 1), end=D(2026, 12, 31))

    first = await run_unbilled(gql, jobs, [app], "2026-01-31")
    second = await run_unbilled(gql, jobs, [app], "2026-07-02")

    assert [(ln["description"], ln["amount"]) for ln in first["invoices"][0]["lines"]] == [
        ("App: fixed price, instalment 1 of 4", "250.00")]
    assert [(ln["description"], ln["amount"]) for ln in second["invoices"][0]["lines"]] == [
        ("App: fixed price, instalments 2–3 of 4", "500.00")]
    row = by_project(await report(gql, D(2026, 12, 31)))["App"]
    assert (row["fixedPriceInvoiced"], row["fixedPriceDue"]) == ("750.00", "250.00")


async def test_release_makes_periods_and_price_due_again(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await setup(gql, uworld, emulator)
    club = await uworld.customer("Sportclub", "K-300")
    hosting = await uworld.subscription(club, "Hosting", "25.00", D(2026, 1, 1))
    logo = await uworld.fixed(club, "Logo", "400.00")
    january = await run_unbilled(gql, jobs, [hosting, logo], "2026-01-15")
    february = await run_unbilled(gql, jobs, [hosting], "2026-02-15")
    assert (await uworld.reload(hosting)).subscription_billed_until == D(2026, 2, 28)

    # Release January while February is still invoiced: billed_until stays (February is
    # billed), January is due again all the same — and the logo's price.
    released = await gql.data(RELEASE, {"input": {"id": january["invoices"][0]["id"]}})
    assert released["releaseInvoice"]["__typename"] == "Invoice"
    assert (await uworld.reload(hosting)).subscription_billed_until == D(2026, 2, 28)
    rows = by_project(await report(gql, D(2026, 2, 15)))
    assert [(p["start"], p["end"]) for p in rows["Hosting"]["subscriptionPeriodsDue"]] == [
        ("2026-01-01", "2026-01-31")]
    assert rows["Logo"]["fixedPriceDue"] == "400.00"

    # Billed again: exactly January and the price, nothing of February.
    again = await run_unbilled(gql, jobs, [hosting, logo], "2026-02-15")
    assert [(ln["kind"], ln["amount"], ln["periodEnd"])
            for ln in again["invoices"][0]["lines"]][:1] == [
        ("SUBSCRIPTION", "25.00", "2026-01-31"),
    ]
    assert [(ln["kind"], ln["amount"]) for ln in again["invoices"][0]["lines"]][1:] == [
        ("FIXED_PRICE", "400.00"),
    ]
    assert (await report(gql, D(2026, 2, 15)))["projects"] == []

    # Release the latest (February): billed_until goes back, February is due again.
    await gql.data(RELEASE, {"input": {"id": february["invoices"][0]["id"]}})
    assert (await uworld.reload(hosting)).subscription_billed_until == D(2026, 1, 31)
    rows = by_project(await report(gql, D(2026, 2, 15)))
    assert [p["start"] for p in rows["Hosting"]["subscriptionPeriodsDue"]] == ["2026-02-01"]


async def test_subscription_with_end_date_is_cut_off_then_done(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await setup(gql, uworld, emulator)
    club = await uworld.customer("Sportclub", "K-300")
    support = await uworld.subscription(club, "Support", "900.00", D(2026, 1, 1),
                                        interval=SubscriptionInterval.QUARTER,
                                        end=D(2026, 5, 15))

    run = await run_unbilled(gql, jobs, [support], "2026-12-31")

    assert [(ln["periodStart"], ln["periodEnd"], ln["amount"], ln["description"])
            for ln in run["invoices"][0]["lines"]] == [
        ("2026-01-01", "2026-03-31", "900.00", "Support: subscription 2026-01-01 – 2026-03-31"),
        ("2026-04-01", "2026-05-15", "445.05",
         "Support: subscription 2026-04-01 – 2026-05-15 (pro rata)"),
    ]
    nothing = await invoice_unbilled(gql, [support], "2027-12-31")
    assert nothing["__typename"] == "InvalidInputError"


async def test_two_racing_calls_bill_a_period_once(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await setup(gql, uworld, emulator)
    club = await uworld.customer("Sportclub", "K-300")
    hosting = await uworld.subscription(club, "Hosting", "25.00", D(2026, 1, 1))

    results = await asyncio.gather(
        *(invoice_unbilled(gql, [hosting], "2026-03-31") for _ in range(2))
    )

    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["InvalidInputError", "InvoiceRun"], results
    await jobs.run_worker(wait=False)
    (made,) = emulator_invoices(emulator)
    assert len(made["InvoiceLines"]) == 3
    winner = next(r for r in results if r["__typename"] == "InvoiceRun")
    assert (await read_run(gql, winner["id"]))["status"] == "SUCCEEDED"


async def test_unknown_project_and_missing_product(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    club = await uworld.customer("Sportclub", "K-300")
    hosting = await uworld.subscription(club, "Hosting", "25.00", D(2026, 1, 1))

    no_product = await invoice_unbilled(gql, [hosting], "2026-03-31")
    assert (no_product["__typename"], no_product["code"]) == ("InvalidInputError", "NO_PRODUCT")
    assert "Hosting" in no_product["message"]
    unknown = await gql.data(INVOICE_UNBILLED, {"input": {
        "projectIds": [str(global_id("Project", 999999))], "until": "2026-03-31"}})
    assert (unknown["invoiceUnbilled"]["__typename"], unknown["invoiceUnbilled"]["code"]) == (
        "InvalidInputError", "UNKNOWN_PROJECT")
    assert (await uworld.reload(hosting)).subscription_billed_until is None
    assert emulator_invoices(emulator) == []
