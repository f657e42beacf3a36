"""An invoice belongs to the connection it was made with — also after the workspace switched
to another product or administration. Two emulators (or two administrations on one WeFact
URL) over real HTTP, a real worker, GraphQL over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import (
    Customer,
    Invoice,
    ProviderConnection,
    RegistrationStatus,
    Subscription,
    TimeEntry,
)
from graphql_api.security import SecretBox
from graphql_api.services.wefact.connection import ProviderServices
from graphql_api.services.wefact.connection import activate as activate_service
from graphql_api.services.wefact.secrets import rotate_api_keys
from integrations.emulator import invoices as emulated
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState
from tests.conftest import EMULATOR_API_KEY, TEST_SECRET_KEY, Emulator, GraphQLClient
from tests.invoicing.conftest import (
    RELEASE,
    World,
    gid,
    product_code,
    read_run,
    resume,
    run_invoices,
)
from tests.status_sync.test_status_sync import sync

ACTIVATE = """
mutation($input: ActivateWefactInput!) {
  activateWefact(input: $input) {
    __typename
    ... on WefactSettings {
      subscription apiKeyHint activationNotes defaultProductCode
      earlierConnections { subscription hostfactUrl apiKeyHint replacedAt openInvoices }
    }
    ... on Error { code message field }
  }
}
"""
OTHER_KEY = "another-administration-key-9876"


@pytest.fixture
async def wefact(state: AppState) -> AsyncIterator[Emulator]:
    """A WeFact administration (the app's WEFACT_API_URL points at it)."""
    emulated = EmulatorState("wefact", api_key=EMULATOR_API_KEY)
    emulated.seed_products()
    async with serve_emulator(emulated) as url:
        state.settings.wefact_api_url = url
        yield Emulator(emulated, url, "wefact")


@pytest.fixture
async def hostfact() -> AsyncIterator[Emulator]:
    """A HostFact installation of its own."""
    emulated = EmulatorState("hostfact", api_key=EMULATOR_API_KEY)
    emulated.seed_products()
    async with serve_emulator(emulated) as url:
        yield Emulator(emulated, url, "hostfact")


async def activate(
    gql: GraphQLClient, emulator: Emulator, api_key: str = EMULATOR_API_KEY
) -> dict[str, Any]:
    payload: dict[str, Any] = {"subscription": emulator.subscription, "apiKey": api_key}
    if emulator.flavor == "hostfact":
        payload["hostfactUrl"] = emulator.url
    result: dict[str, Any] = (await gql.data(ACTIVATE, {"input": payload}))["activateWefact"]
    assert result["__typename"] == "WefactSettings", result
    return result


async def release(gql: GraphQLClient, invoice_id: str, **extra: Any) -> dict[str, Any]:
    data = await gql.data(RELEASE, {"input": {"id": invoice_id, **extra}})
    result: dict[str, Any] = data["releaseInvoice"]
    return result


async def invoice_one(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator, entry: TimeEntry,
    *, mode: str = "CONCEPT",
) -> dict[str, Any]:
    """Invoice ``entry`` with the current connection; returns our invoice."""
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    run = await run_invoices(gql, jobs, [gid(entry)], {"mode": mode})
    assert run["status"] == "SUCCEEDED", run["problems"]
    [invoice] = run["invoices"]
    return invoice


async def hours(world: World, name: str = "Bakkerij Jansen", number: str | None = "K-1") -> TimeEntry:
    customer = await world.customer(name, number)
    return await world.entry(await world.project(customer), await world.activity(), "2.00")


async def registration(world: World, entry: TimeEntry) -> RegistrationStatus:
    row = await world.reload(entry)
    assert isinstance(row, TimeEntry)
    return row.status


# -- the reproduction from the issue ---------------------------------------------------------


async def test_releasing_a_wefact_concept_after_switching_to_hostfact_deletes_it_in_wefact(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    entry = await hours(world)
    made = await invoice_one(gql, world, jobs, wefact, entry)
    assert len(wefact.state.invoices) == 1

    switched = await activate(gql, hostfact)

    # The answer says what stays behind, and what else the switch changed.
    assert switched["subscription"] == "HOSTFACT"
    [earlier] = switched["earlierConnections"]
    assert (earlier["subscription"], earlier["hostfactUrl"], earlier["openInvoices"]) == (
        "WEFACT", None, 1
    )
    assert earlier["replacedAt"]
    notes = " ".join(switched["activationNotes"])
    assert "kept for its 1 open invoice(s)" in notes
    assert "1 customer(s) were linked to debtors of the earlier administration" in notes
    assert "default product P0001 does not exist" in notes  # HostFact numbers P001
    assert switched["defaultProductCode"] is None

    result = await release(gql, made["id"])

    assert result["__typename"] == "Invoice", result
    assert result["status"] == "RELEASED"
    assert result["releasedReason"] == "The concept was deleted in WeFact."
    assert wefact.state.invoices == {}, "the concept is gone where it was made"
    assert wefact.state.calls_to("invoice", "delete") == 1
    assert hostfact.state.calls_to("invoice") == 0, "nothing went to HostFact"
    assert await registration(world, entry) is RegistrationStatus.OPEN
    # Nothing is open any more in the earlier connection.
    settings = await gql.data("{ wefactSettings { earlierConnections { openInvoices } } }")
    assert settings["wefactSettings"]["earlierConnections"] == [{"openInvoices": 0}]


async def test_after_switching_customers_are_matched_again_in_the_new_administration(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    await invoice_one(gql, world, jobs, wefact, await hours(world))
    await activate(gql, hostfact)

    made = await invoice_one(gql, world, jobs, hostfact, await hours_for_same_customer(world))

    # Not invoiced to WeFact's debtor: looked up by number in HostFact, created there.
    assert [d["DebtorCode"] for d in hostfact.state.debtors.values()] == ["K-1"]
    assert made["debtorCode"] == "K-1"
    assert len(wefact.state.invoices) == 1
    async with world.state.sessionmaker() as session:
        customer = await session.scalar(select(Customer))
    assert customer is not None
    assert customer.wefact_identifier == str(next(iter(hostfact.state.debtors)))


async def hours_for_same_customer(world: World) -> TimeEntry:
    async with world.state.sessionmaker() as session:
        customer = await session.scalar(select(Customer))
    assert customer is not None
    return await world.entry(await world.project(customer, "Shop"), await world.activity(), "1.00")


async def test_a_final_invoice_is_credited_where_it_was_made(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, hostfact)
    entry = await hours(world)
    made = await invoice_one(gql, world, jobs, hostfact, entry, mode="BOOK")
    await activate(gql, wefact)

    result = await release(gql, made["id"])

    assert result["status"] == "RELEASED"
    statuses = sorted(i["Status"] for i in hostfact.state.invoices.values())
    assert statuses == [8, 9]  # credited in HostFact
    assert wefact.state.calls_to("invoice") == 0
    assert await registration(world, entry) is RegistrationStatus.OPEN


# -- another administration of the same product ---------------------------------------------


async def test_another_wefact_administration_keeps_the_first_for_its_invoices(
    gql: GraphQLClient, world: World, jobs: JobRunner, state: AppState
) -> None:
    first = EmulatorState("wefact", api_key=EMULATOR_API_KEY)
    second = EmulatorState("wefact", api_key=OTHER_KEY)
    for administration in (first, second):
        administration.seed_products()
    async with serve_emulator(first, second) as url:  # one WeFact URL for both
        state.settings.wefact_api_url = url
        one, two = Emulator(first, url, "wefact"), Emulator(second, url, "wefact")
        await activate(gql, one)
        old_entry = await hours(world)
        made = await invoice_one(gql, world, jobs, one, old_entry)

        switched = await activate(gql, two, OTHER_KEY)
        new_entry = await hours(world, "Kapsalon Smit", "K-2")
        await invoice_one(gql, world, jobs, two, new_entry)
        result = await release(gql, made["id"])

    assert switched["apiKeyHint"] == "…" + OTHER_KEY[-4:]
    assert [c["openInvoices"] for c in switched["earlierConnections"]] == [1]
    assert result["status"] == "RELEASED"
    assert first.invoices == {}, "released in the first administration"
    assert [i["ReferenceNumber"][:3] for i in second.invoices.values()] == ["TT-"]
    assert await registration(world, old_entry) is RegistrationStatus.OPEN
    assert await registration(world, new_entry) is RegistrationStatus.INVOICED
    # Bakkerij was invoiced in the first administration only; nothing of it in the second.
    assert {d["CompanyName"] for d in second.debtors.values()} == {"Kapsalon Smit"}


async def test_a_regenerated_key_of_the_same_administration_keeps_its_invoices(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator
) -> None:
    await activate(gql, wefact)
    entry = await hours(world)
    made = await invoice_one(gql, world, jobs, wefact, entry)
    wefact.state.api_key = OTHER_KEY  # regenerated in WeFact: the old key stops working

    renewed = await activate(gql, wefact, OTHER_KEY)

    assert renewed["earlierConnections"] == []
    assert renewed["activationNotes"] == [
        "The new key replaces the stored key of this administration (it still shows the "
        "invoices made through it): they stay where they are."
    ]
    assert renewed["defaultProductCode"] == "P0001"  # the same products: nothing unset
    result = await release(gql, made["id"])
    assert result["status"] == "RELEASED"
    assert wefact.state.invoices == {}
    async with world.state.sessionmaker() as session:
        assert await session.scalar(select(ProviderConnection.id).order_by(ProviderConnection.id)) == 1
        customer = await session.scalar(select(Customer))
    assert customer is not None
    assert customer.wefact_debtor_code == "K-1", "the same administration: links kept"


async def test_activating_the_same_key_again_changes_nothing(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator
) -> None:
    await activate(gql, wefact)
    await invoice_one(gql, world, jobs, wefact, await hours(world))
    again = await activate(gql, wefact)
    assert (again["earlierConnections"], again["activationNotes"]) == ([], [])
    assert wefact.state.calls_to("invoice", "show") == 0  # no probe needed for the same key


# -- resume and status sync go to the invoice's connection -----------------------------------


async def test_resume_after_switching_adopts_what_the_old_connection_made(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    await world.settings(default_product_code=product_code(wefact, "Consultancy"))
    made_there = await hours(world)
    never_sent = await hours(world, "Kapsalon Smit", "K-2")

    async def die(invoice_id: int) -> None:
        raise RuntimeError("worker killed")

    world.state.providers.after_invoice_add = die
    run = await run_invoices(gql, jobs, [gid(made_there), gid(never_sent)])
    assert {i["status"] for i in run["invoices"]} == {"PENDING"}
    assert len(wefact.state.invoices) == 1  # WeFact is ahead of us
    world.state.providers.after_invoice_add = None

    await activate(gql, hostfact)
    resumed = await resume(gql, jobs, run["id"])

    by_customer = {i["customer"]["name"]: i for i in resumed["invoices"]}
    adopted = by_customer["Bakkerij Jansen"]
    assert adopted["status"] == "CONCEPT"
    [remote] = wefact.state.invoices.values()
    assert adopted["wefactIdentifier"] == str(remote["Identifier"])
    failed = by_customer["Kapsalon Smit"]
    assert failed["status"] == "FAILED"
    assert "switched to its HostFact" in failed["releasedReason"]
    assert len(wefact.state.invoices) == 1, "nothing new added to the connection we left"
    assert hostfact.state.calls_to("invoice") == 0
    assert await registration(world, made_there) is RegistrationStatus.INVOICED
    assert await registration(world, never_sent) is RegistrationStatus.OPEN
    assert (await read_run(gql, run["id"]))["status"] == "PARTIAL"


async def test_status_sync_follows_each_connection(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    old = await invoice_one(gql, world, jobs, wefact, await hours(world), mode="BOOK")
    await activate(gql, hostfact)
    new = await invoice_one(
        gql, world, jobs, hostfact, await hours(world, "Kapsalon Smit", "K-2"), mode="BOOK"
    )
    emulated.mark_as_paid(wefact.state, {"Identifier": old["wefactIdentifier"]})
    emulated.mark_as_paid(hostfact.state, {"Identifier": new["wefactIdentifier"]})

    run = await sync(gql, jobs)

    assert run["status"] == "SUCCEEDED", run["problems"]
    async with world.state.sessionmaker() as session:
        statuses = [i.status.value for i in await session.scalars(select(Invoice))]
    assert statuses == ["PAID", "PAID"]
    assert wefact.state.calls_to("invoice", "list") == 1  # asked where the invoice lives


async def test_an_earlier_connection_that_fails_makes_the_sync_partial(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    await invoice_one(gql, world, jobs, wefact, await hours(world), mode="BOOK")
    await activate(gql, hostfact)
    wefact.state.api_key = "revoked-in-wefact"

    run = await sync(gql, jobs)

    assert run["status"] == "PARTIAL"
    [problem] = run["problems"]
    assert problem["message"].startswith("Your earlier WeFact administration with key …")
    assert "could not be checked" in problem["message"]
    async with world.state.sessionmaker() as session:
        synced = {
            c.provider.value: c.last_status_sync_at
            for c in await session.scalars(select(ProviderConnection))
        }
    assert synced["HOSTFACT"] is not None, "the current connection was synced"
    assert synced["WEFACT"] is None, "the failed one is covered again by the next run"


# -- a connection that is gone -----------------------------------------------------------------


async def test_release_is_refused_when_the_connection_is_gone(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator
) -> None:
    await activate(gql, wefact)
    entry = await hours(world)
    made = await invoice_one(gql, world, jobs, wefact, entry)
    async with world.state.sessionmaker() as session, session.begin():
        # An invoice from before connections were kept whose connection had been replaced.
        await session.execute(update(Invoice).values(connection_id=None))

    refused = await release(gql, made["id"])

    assert refused["__typename"] == "ConflictError"
    assert refused["code"] == "CONNECTION_GONE"
    assert "undoneInProvider" in refused["message"]
    assert len(wefact.state.invoices) == 1
    assert await registration(world, entry) is RegistrationStatus.INVOICED, "still reserved"

    by_hand = await release(gql, made["id"], undoneInProvider=True)

    assert by_hand["status"] == "RELEASED"
    assert "by hand" in by_hand["releasedReason"]
    assert wefact.state.calls_to("invoice", "delete") == 0
    assert await registration(world, entry) is RegistrationStatus.OPEN


async def test_undone_by_hand_is_refused_while_the_connection_works(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator
) -> None:
    await activate(gql, wefact)
    entry = await hours(world)
    made = await invoice_one(gql, world, jobs, wefact, entry)
    refused = await release(gql, made["id"], undoneInProvider=True)
    assert refused["__typename"] == "ConflictError"
    assert refused["field"] == "undoneInProvider"
    assert len(wefact.state.invoices) == 1
    assert await registration(world, entry) is RegistrationStatus.INVOICED


async def test_rotate_secrets_re_encrypts_the_earlier_connections_keys_too(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    await activate(gql, hostfact)
    box = SecretBox("new-secret-key", [TEST_SECRET_KEY])

    assert await rotate_api_keys(world.state.sessionmaker, box) == 2

    async with world.state.sessionmaker() as session:
        stored = list(await session.scalars(select(ProviderConnection.api_key_encrypted)))
    assert [SecretBox("new-secret-key").decrypt(key) for key in stored] == [EMULATOR_API_KEY] * 2


async def test_a_run_that_outlives_a_switch_does_not_link_customers_to_the_old_debtors(
    gql: GraphQLClient, world: World, jobs: JobRunner, wefact: Emulator, hostfact: Emulator
) -> None:
    await activate(gql, wefact)
    await world.settings(default_product_code=product_code(wefact, "Consultancy"))
    first = await hours(world)
    second = await hours(world, "Kapsalon Smit", None)  # no number: WeFact numbers it
    switched: list[bool] = []

    async def switch_after_the_first(invoice_id: int) -> None:
        if not switched:
            switched.append(True)
            await activate_service(
                ProviderServices.of(world.state), world.state.sessionmaker, world.ws,
                subscription=Subscription.HOSTFACT, api_key=EMULATOR_API_KEY,
                hostfact_url=hostfact.url,
            )

    world.state.providers.after_invoice_add = switch_after_the_first
    run = await run_invoices(gql, jobs, [gid(first), gid(second)])

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert len(wefact.state.invoices) == 2, "the run finished where it started"
    assert hostfact.state.calls_to("invoice") == 0
    async with world.state.sessionmaker() as session:
        smit = await session.scalar(select(Customer).where(Customer.name == "Kapsalon Smit"))
    assert smit is not None
    # Its WeFact debtor is on the invoice, not linked to the customer (HostFact is current).
    assert (smit.customer_number, smit.wefact_debtor_code) == (None, None)
    by_customer = {i["customer"]["name"]: i for i in run["invoices"]}
    assert by_customer["Kapsalon Smit"]["debtorCode"] == "DB10000"
