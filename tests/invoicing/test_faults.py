"""Exactly once under faults: one test per failure point, each for WeFact and HostFact.

Every test ends with ``assert_exactly_once``: each invoice we recorded as made exists exactly
once in the emulator (found by its reference), its registrations are INVOICED; each failed
invoice has its registrations OPEN again with a reason; nothing stays pending or is lost.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select

from graphql_api.jobs.worker import JobRunner
from graphql_api.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RegistrationStatus,
    Run,
    TimeEntry,
)
from graphql_api.services.invoicing.debtors import debtor_marker
from integrations.client import MAX_REFERENCE_CANDIDATES
from integrations.emulator import invoices as emulated
from tests.conftest import Emulator, GraphQLClient, activate
from tests.invoicing.conftest import (
    QUICK_RETRIES,
    World,
    emulator_invoices,
    gid,
    invoice_in_wefact,
    product_code,
    resume,
    run_invoices,
)


async def two_customers(world: World, emulator: Emulator) -> list[TimeEntry]:
    """Adviesbureau (number K-1, unknown in WeFact) and Bakkerij (no number): an entry each."""
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    activity = await world.activity()
    first = await world.customer("Adviesbureau Meijer", "K-1")
    second = await world.customer("Bakkerij Jansen")
    return [
        await world.entry(await world.project(first, "Advice"), activity, "2.00"),
        await world.entry(await world.project(second, "Shop"), activity, "3.00"),
    ]


async def assert_exactly_once(world: World, emulator: Emulator) -> dict[str, InvoiceStatus]:
    """The invariants after retry/resume; returns each customer's invoice status."""
    async with world.state.sessionmaker() as session:
        invoices = list(await session.scalars(select(Invoice).order_by(Invoice.id)))
        entries = {
            e.id: e
            for e in await session.scalars(select(TimeEntry).execution_options(
                populate_existing=True))
        }
        lines = {line.id: line for line in await session.scalars(select(InvoiceLine))}
    statuses: dict[str, InvoiceStatus] = {}
    made = 0
    for invoice in invoices:
        assert invoice.status is not InvoiceStatus.PENDING, "nothing may stay pending"
        covered = [e for e in entries.values()
                   if e.invoice_line_id and lines[e.invoice_line_id].invoice_id == invoice.id]
        if invoice.status is InvoiceStatus.FAILED:
            assert invoice.released_reason
            assert covered == []
            continue
        made += 1
        remote = emulator_invoices(emulator, reference=invoice.reference)
        assert len(remote) == 1, f"{invoice.reference} is in WeFact {len(remote)} times"
        assert str(remote[0]["Identifier"]) == invoice.wefact_identifier
        assert covered, "an invoice covers its registrations"
        assert {e.status for e in covered} == {RegistrationStatus.INVOICED}
    assert len(emulator.state.invoices) == made, "no invoice in WeFact that we do not know"
    for entry in entries.values():
        if entry.invoice_line_id is None:
            assert entry.status is RegistrationStatus.OPEN
    # One debtor per customer, never a second one for the same customer.
    codes = [d["DebtorCode"] for d in emulator.state.debtors.values()]
    assert len(codes) == len(set(codes))
    for invoice in invoices:
        statuses[str(invoice.customer_id)] = invoice.status
    return statuses


async def test_fault_before_the_debtor_call(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    # More 500s than the client's own read retries: the engine's retry must recover.
    emulator.state.faults.add("error500", times=3, controller="debtor", action="show")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.faults.pending() == 0
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_debtor_created_but_the_answer_lost(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    # Both debtor adds are applied, and both answers are lost.
    emulator.state.faults.add("lose_response", times=2, controller="debtor", action="add")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.calls_to("debtor", "add") == 2, "no debtor is added twice"
    assert len(emulator.state.debtors) == 2
    bakery = next(
        d for d in emulator.state.debtors.values() if d["CompanyName"] == "Bakkerij Jansen"
    )
    async with world.state.sessionmaker() as session:
        bakery_id = await session.scalar(
            select(Customer.id).where(Customer.name == "Bakkerij Jansen")
        )
    assert bakery_id is not None
    assert debtor_marker(bakery_id) in bakery["Comment"]
    by_customer = {i["customer"]["name"]: i for i in run["invoices"]}
    assert by_customer["Bakkerij Jansen"]["customer"]["customerNumber"] == bakery["DebtorCode"]
    await assert_exactly_once(world, emulator)


async def test_invoice_added_but_the_answer_lost(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    emulator.state.faults.add("lose_response", times=1, controller="invoice", action="add")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "SUCCEEDED", run["problems"]
    # The lost one was found by its reference, not added again.
    assert emulator.state.calls_to("invoice", "add") == 2
    assert emulator.state.calls_to("invoice", "list") >= 1
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_server_error_500_on_invoice_add(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    emulator.state.faults.add("error500", times=1, controller="invoice", action="add")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "SUCCEEDED", run["problems"]
    # Unknown outcome → looked up (nothing there) → added once more.
    assert emulator.state.calls_to("invoice", "add") == 3
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_unreachable_for_long_leaves_pending_and_resume_finishes(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    attempts = len(QUICK_RETRIES.resend_pauses) + 1
    emulator.state.faults.add("error500", times=attempts, controller="invoice", action="add")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "FAILED"
    assert "resume the run" in run["problems"][-1]["message"]
    assert {i["status"] for i in run["invoices"]} == {"PENDING"}
    for entry in entries:  # still reserved: nobody can invoice them elsewhere meanwhile
        assert (await world.reload(entry)).invoice_line_id is not None

    resumed = await resume(gql, jobs, run["id"])

    assert resumed["status"] == "SUCCEEDED", resumed["problems"]
    assert resumed["attempts"] == 2
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_firewall_stops_all_calls_and_releases_what_was_not_sent(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    calls_at_block: list[int] = []

    async def block_after_first_invoice(invoice_id: int) -> None:
        if not calls_at_block:
            calls_at_block.append(len(emulator.state.calls))
            if emulator.flavor == "wefact":
                emulator.state.firewalled["127.0.0.1"] = time.time() + 900
            else:
                emulator.state.whitelist = ["203.0.113.10"]

    world.state.providers.after_invoice_add = block_after_first_invoice
    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "FAILED"
    by_customer = {i["customer"]["name"]: i for i in run["invoices"]}
    assert by_customer["Adviesbureau Meijer"]["status"] == "CONCEPT"
    skipped = by_customer["Bakkerij Jansen"]
    assert skipped["status"] == "FAILED"
    assert skipped["releasedReason"].startswith("Not sent to WeFact")
    expected = "15 minutes" if emulator.flavor == "wefact" else "whitelist"
    assert expected in run["problems"][-1]["message"]
    # The refused call was the last one: no retry against a ban.
    assert len(emulator.state.calls) <= calls_at_block[0] + 1
    assert (await world.reload(entries[1])).status is RegistrationStatus.OPEN

    # Once unblocked, the released registrations are invoiced in a new run, once.
    emulator.state.firewalled.clear()
    emulator.state.whitelist = None
    world.state.providers.after_invoice_add = None
    again = await run_invoices(gql, jobs, [gid(entries[1])])
    assert again["status"] == "SUCCEEDED", again["problems"]
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_worker_killed_between_the_add_and_our_commit(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)

    async def die(invoice_id: int) -> None:
        raise RuntimeError("worker killed")

    world.state.providers.after_invoice_add = die
    run = await run_invoices(gql, jobs, [gid(e) for e in entries], {"mode": "SEND"})

    assert run["status"] == "FAILED"
    assert {i["status"] for i in run["invoices"]} == {"PENDING"}
    # WeFact is ahead of us: the first invoice exists there as a concept, not yet e-mailed.
    [remote] = emulator_invoices(emulator)
    assert remote["Status"] == 0
    assert emulator.state.sent_emails == []

    world.state.providers.after_invoice_add = None
    resumed = await resume(gql, jobs, run["id"])

    assert resumed["status"] == "SUCCEEDED", resumed["problems"]
    assert emulator.state.calls_to("invoice", "add") == 2, "the found invoice was adopted"
    assert {i["status"] for i in resumed["invoices"]} == {"SENT"}
    # Each invoice e-mailed exactly once, the adopted concept included.
    assert sorted(code for code, _ in emulator.state.sent_emails) == sorted(
        i["InvoiceCode"] for i in emulator.state.invoices.values()
    )
    await assert_exactly_once(world, emulator)


@pytest.mark.parametrize("emulator", ["hostfact"], indirect=True)
async def test_two_runs_racing_for_the_same_registrations(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    extra = await world.entry(
        await world.project(await world.customer("Kapsalon Smit", "K-3")),
        await world.activity("Cut"), "1.00",
    )
    first_ids = [gid(entries[0]), gid(entries[1])]
    second_ids = [gid(entries[1]), gid(extra)]

    results: list[dict[str, Any]] = list(
        await asyncio.gather(invoice_in_wefact(gql, first_ids), invoice_in_wefact(gql, second_ids))
    )

    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ConflictError", "InvoiceRun"]
    winner = next(r for r in results if r["__typename"] == "InvoiceRun")
    loser = next(r for r in results if r["__typename"] == "ConflictError")
    assert loser["code"] == "ALREADY_INVOICED"
    assert gid(entries[1]) in loser["message"]
    # The loser changed nothing: one run, and only the winner's registrations reserved.
    assert await world.count(Run) == 1
    reserved = {gid(e) for e in (*entries, extra)
                if (await world.reload(e)).invoice_line_id is not None}
    assert reserved in (set(first_ids), set(second_ids))
    assert winner["progressTotal"] == 2

    await jobs.run_worker(wait=False)
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_debtor_add_lost_for_a_customer_with_a_namesake(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """The marker is confirmed on full records: a namesake without it is not adopted, and the
    debtor whose add answer was lost is found (its name has characters HostFact escapes)."""
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    name = "Jansen & Zn"
    emulator.state.add_debtor(CompanyName=name, Comment="a namesake, not ours")
    entry = await world.entry(
        await world.project(await world.customer(name)), await world.activity(), "1.00"
    )
    emulator.state.faults.add("lose_response", times=1, controller="debtor", action="add")

    run = await run_invoices(gql, jobs, [gid(entry)])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.calls_to("debtor", "add") == 1, "the lost add was found, not redone"
    ours = [d for d in emulator.state.debtors.values() if "[timetracking-customer:" in d["Comment"]]
    assert len(ours) == 1
    assert len(emulator.state.debtors) == 2  # the namesake and ours
    [remote] = emulator_invoices(emulator)
    assert remote["DebtorCode"] == ours[0]["DebtorCode"]
    await assert_exactly_once(world, emulator)


async def test_sendbyemail_answer_lost_emails_once(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    emulator.state.faults.add("lose_response", times=1, controller="invoice", action="sendbyemail")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries], {"mode": "SEND"})

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert {i["status"] for i in run["invoices"]} == {"SENT"}
    # The retry found the invoice sent already: each invoice e-mailed exactly once.
    assert sorted(code for code, _ in emulator.state.sent_emails) == sorted(
        i["InvoiceCode"] for i in emulator.state.invoices.values()
    )
    await assert_exactly_once(world, emulator)


async def test_lookup_after_a_lost_add_lists_by_debtor_not_by_reference(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Other invoices of the same debtor (and of a debtor whose code contains ours) are
    candidates too; only the one with our reference is adopted."""
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    emulator.state.add_debtor(DebtorCode="K-1", CompanyName="Adviesbureau Meijer")
    emulator.state.add_debtor(DebtorCode="K-10", CompanyName="Someone else")
    lines = [{"Description": "earlier work", "PriceExcl": "10"}]

    for code in ("K-1", "K-10"):
        emulated.add(emulator.state, {"DebtorCode": code, "InvoiceLines": lines})
    entry = await world.entry(
        await world.project(await world.customer("Adviesbureau Meijer", "K-1")),
        await world.activity(), "2.00",
    )
    emulator.state.faults.add("lose_response", times=1, controller="invoice", action="add")

    run = await run_invoices(gql, jobs, [gid(entry)])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.calls_to("invoice", "add") == 1
    [ours] = run["invoices"]
    assert ours["wefactCode"] == "[concept]0003"
    # Only K-1's invoices (the earlier one and ours) were confirmed with show.
    assert emulator.state.calls_to("invoice", "show") == 2
    assert len(emulator.state.invoices) == 3


async def test_every_invoice_add_answer_lost(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Both answers lost — also the one for the customer whose debtor code the provider
    assigned in this run: each is found under the code it was sent to."""
    await activate(gql, emulator)
    entries = await two_customers(world, emulator)
    emulator.state.faults.add("lose_response", times=2, controller="invoice", action="add")

    run = await run_invoices(gql, jobs, [gid(e) for e in entries])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert emulator.state.calls_to("invoice", "add") == 2
    await assert_exactly_once(world, emulator)
    assert len(emulator.state.invoices) == 2


async def test_a_lookup_too_broad_to_be_sure_keeps_the_invoice_pending(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """More candidates than the lookup checks: it stops and says so instead of concluding
    "not there" and adding the invoice a second time."""
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    emulator.state.add_debtor(DebtorCode="K-1", CompanyName="Adviesbureau Meijer")
    for _ in range(MAX_REFERENCE_CANDIDATES + 1):
        emulated.add(emulator.state, {"DebtorCode": "K-1",
                                      "InvoiceLines": [{"Description": "x", "PriceExcl": "1"}]})
    entry = await world.entry(
        await world.project(await world.customer("Adviesbureau Meijer", "K-1")),
        await world.activity(), "2.00",
    )
    emulator.state.faults.add("lose_response", times=1, controller="invoice", action="add")

    run = await run_invoices(gql, jobs, [gid(entry)])

    assert run["status"] == "FAILED"
    [ours] = run["invoices"]
    assert ours["status"] == "PENDING"
    message = run["problems"][-1]["message"]
    assert "too many to check" in message
    assert ours["reference"] in message
    assert emulator.state.calls_to("invoice", "add") == 1, "not sent a second time"
    assert (await world.reload(entry)).invoice_line_id is not None  # still reserved
