"""A customer already linked to a WeFact debtor is invoiced without looking the debtor up;
when that debtor was deleted in WeFact since, the run takes the debtor path once."""

from __future__ import annotations

from sqlalchemy import select

from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Customer
from tests.conftest import Emulator, GraphQLClient, activate
from tests.invoicing.conftest import World, emulator_invoices, gid, product_code, run_invoices


async def _linked_entries(world: World, emulator: Emulator, code: str) -> list[str]:
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    customer = await world.customer("Bakkerij Jansen", code, wefact_debtor_code=code)
    project = await world.project(customer, "Shop")
    design = await world.activity("Design")
    first = await world.entry(project, design, "2.00", notes="Homepage")
    second = await world.entry(project, design, "1.00", notes="Menu")
    return [gid(first), gid(second)]


async def test_linked_debtor_is_not_looked_up(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    emulator.state.add_debtor(DebtorCode="K-7", CompanyName="Bakkerij Jansen")
    ids = await _linked_entries(world, emulator, "K-7")

    # Two runs for the same linked customer: neither asks WeFact for the debtor.
    first = await run_invoices(gql, jobs, ids[:1])
    second = await run_invoices(gql, jobs, ids[1:])

    assert (first["status"], second["status"]) == ("SUCCEEDED", "SUCCEEDED"), second
    assert emulator.state.calls_to("debtor") == 0
    assert emulator.state.calls_to("invoice", "add") == 2
    assert [i["DebtorCode"] for i in emulator_invoices(emulator)] == ["K-7", "K-7"]


async def test_linked_debtor_deleted_in_wefact_is_created_again(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    ids = await _linked_entries(world, emulator, "K-8")  # linked, but not in WeFact (deleted)

    run = await run_invoices(gql, jobs, ids)

    assert run["status"] == "SUCCEEDED", run["problems"]
    # Refused for the unknown debtor, then the debtor path (show, add), then added once.
    assert emulator.state.calls_to("invoice", "add") == 2
    assert emulator.state.calls_to("debtor", "show") == 1
    assert emulator.state.calls_to("debtor", "add") == 1
    made = emulator_invoices(emulator)
    assert [i["DebtorCode"] for i in made] == ["K-8"]
    assert [i["DebtorCode"] for i in emulator.state.debtors.values()] == ["K-8"]
    assert run["invoices"][0]["status"] == "CONCEPT"
    assert [r["status"] for r in run["invoices"][0]["lines"][0]["registrations"]] == ["INVOICED"]
    async with world.state.sessionmaker() as session:
        identifier = await session.scalar(select(Customer.wefact_identifier))
    assert identifier == str(emulator.state.debtor_by_code("K-8")["Identifier"])


async def test_a_customer_whose_details_are_not_filled_yet_is_invoiced(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Decision: invoicing needs no details of a linked customer (the invoice goes to the
    WeFact debtor, which has its own address), so it neither waits for the details fill nor
    fetches the debtor; the customer stays incomplete for the fill to finish."""
    await activate(gql, emulator)
    emulator.state.add_debtor(DebtorCode="K-9", CompanyName="Bakkerij Jansen", City="Zwolle")
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    # As an import from the list rows leaves it: linked, no address, details incomplete.
    customer = await world.customer(
        "Bakkerij Jansen", "K-9", wefact_debtor_code="K-9", wefact_identifier="1",
        details_complete=False,
    )
    project = await world.project(customer, "Shop")
    entry = await world.entry(project, await world.activity("Design"), "2.00")

    run = await run_invoices(gql, jobs, [gid(entry)])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.calls_to("debtor") == 0
    assert [i["DebtorCode"] for i in emulator_invoices(emulator)] == ["K-9"]
    after = await world.reload(customer)
    assert (after.details_complete, after.city) == (False, None)


async def test_one_debtor_search_per_run_for_its_numbered_customers(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Customers with a number but no link: one search of their codes' common prefix tells
    which debtors exist; the known one is used as is, the others are added without a show."""
    await activate(gql, emulator)
    emulator.state.add_debtor(DebtorCode="K-100", CompanyName="Bakkerij Jansen")
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    design = await world.activity("Design")
    ids = []
    for name, number in (("Bakkerij Jansen", "K-100"), ("Studio Noord", "K-101"),
                         ("Hosting Klant", "K-102")):
        customer = await world.customer(name, number)
        ids.append(gid(await world.entry(await world.project(customer, "Shop"), design, "1.00")))
    emulator.state.calls.clear()

    run = await run_invoices(gql, jobs, ids)

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.calls_to("debtor", "list") == 1
    assert emulator.state.calls_to("debtor", "show") == 0
    assert emulator.state.calls_to("debtor", "add") == 2
    assert sorted(i["DebtorCode"] for i in emulator_invoices(emulator)) == [
        "K-100", "K-101", "K-102",
    ]
    assert sorted(d["DebtorCode"] for d in emulator.state.debtors.values()) == [
        "K-100", "K-101", "K-102",
    ]
    async with world.state.sessionmaker() as session:
        rows = await session.execute(select(Customer.customer_number, Customer.wefact_identifier))
        links = {str(row[0]): row[1] for row in rows}
    by_code = {d["DebtorCode"]: str(d["Identifier"]) for d in emulator.state.debtors.values()}
    assert links == by_code


async def test_a_debtor_added_with_its_answer_lost_is_found_not_added_again(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """After the run's search said "not there", a debtor add is applied but its answer lost:
    the retry looks the debtor up instead of trusting the search."""
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    design = await world.activity("Design")
    ids = []
    for name, number in (("Studio Noord", "K-201"), ("Hosting Klant", "K-202")):
        customer = await world.customer(name, number)
        ids.append(gid(await world.entry(await world.project(customer, "Shop"), design, "1.00")))
    emulator.state.faults.add("lose_response", times=1, controller="debtor", action="add")
    emulator.state.calls.clear()

    run = await run_invoices(gql, jobs, ids)

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.faults.pending() == 0
    assert emulator.state.calls_to("debtor", "add") == 2, "no debtor is added twice"
    assert sorted(d["DebtorCode"] for d in emulator.state.debtors.values()) == ["K-201", "K-202"]
    assert sorted(i["DebtorCode"] for i in emulator_invoices(emulator)) == ["K-201", "K-202"]
