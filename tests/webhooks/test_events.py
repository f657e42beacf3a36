"""Each event type arrives, signed, from the flows that cause it: an invoice run against the
emulator over real HTTP (``invoice.created``, ``invoice_run.finished``), releaseInvoice and
the status sync (``invoice.status_changed``), a customer import
(``customer_import.finished``). Every payload carries the API's global ids and its schema
version, and its ``webhook-id`` is the stored event's id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from graphql_api import outbox
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import WebhookEvent
from integrations.emulator import invoices as emulated
from resolvers.ids import global_id
from tests.conftest import Emulator, GraphQLClient, Member, activate
from tests.imports.test_customer_import import IMPORT
from tests.invoicing.conftest import RELEASE, World, gid, product_code, run_invoices
from tests.status_sync.test_status_sync import sync
from tests.webhooks.conftest import create_endpoint
from tests.webhooks.receiver import Receiver


def by_type(receiver: Receiver, path: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for request in receiver.at(path):
        assert request.verified_with == [0], "signed with the endpoint's secret"
        found.setdefault(request.payload["type"], []).append(request.payload)
    return found


async def test_each_event_type_arrives_from_its_flow(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, *,
    world: World, emulator: Emulator, receiver: Receiver,
) -> None:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    await create_endpoint(gql, receiver, "/all")
    await create_endpoint(gql, receiver, "/runs-only", ["INVOICE_RUN_FINISHED"])
    design = await world.activity("Design")
    customer = await world.customer("Acme Klant BV", "K-1")
    project = await world.project(customer)
    concept_entry = await world.entry(project, design, "2.00")
    booked_entry = await world.entry(project, design, "1.50", notes="booked")

    # invoice.created ×1 and invoice_run.finished, per run (run_worker drains every queue).
    concept_run = await run_invoices(gql, jobs, [gid(concept_entry)])
    booked_run = await run_invoices(gql, jobs, [gid(booked_entry)], {"mode": "BOOK"})
    concept, booked = concept_run["invoices"][0], booked_run["invoices"][0]
    # invoice.status_changed: released by us, and paid in WeFact (seen by the sync).
    released = (await gql.data(RELEASE, {"input": {"id": concept["id"]}}))["releaseInvoice"]
    assert released["status"] == "RELEASED", released
    await jobs.run_worker(wait=False)
    emulated.mark_as_paid(emulator.state, {"Identifier": booked["wefactIdentifier"]})
    assert (await sync(gql, jobs))["status"] == "SUCCEEDED"
    # customer_import.finished
    emulator.state.seed_debtors(2)
    started = (await gql.data(IMPORT))["importCustomers"]
    assert started["__typename"] == "CustomerImport", started
    await jobs.run_worker(wait=False)
    await receiver.wait_for(lambda: len(receiver.at("/all")) >= 7)

    events = by_type(receiver, "/all")
    assert sorted((kind, len(found)) for kind, found in events.items()) == [
        ("customer_import.finished", 1), ("invoice.created", 2),
        ("invoice.status_changed", 2), ("invoice_run.finished", 2),
    ]
    for payload in (p for found in events.values() for p in found):
        assert payload["schemaVersion"] == outbox.SCHEMA_VERSION
        assert payload["workspace"] == global_id("Workspace", owner.workspace_id)

    created = {p["data"]["invoice"]["id"]: p["data"] for p in events["invoice.created"]}
    assert created[concept["id"]]["registrations"] == [gid(concept_entry)]
    assert created[booked["id"]]["registrations"] == [gid(booked_entry)]
    assert created[concept["id"]]["invoice"]["status"] == "CONCEPT"
    assert created[booked["id"]]["invoice"]["status"] == "BOOKED"
    assert created[booked["id"]]["invoice"]["amountExcl"] == booked["amountExcl"]
    assert created[booked["id"]]["invoice"]["customer"] == gid(customer)
    assert created[booked["id"]]["invoice"]["invoiceRun"] == booked_run["id"]
    assert created[booked["id"]]["invoice"]["number"] == booked["wefactCode"]

    changes = {
        p["data"]["invoice"]["id"]: (p["data"]["oldStatus"], p["data"]["newStatus"])
        for p in events["invoice.status_changed"]
    }
    assert changes == {concept["id"]: ("CONCEPT", "RELEASED"), booked["id"]: ("BOOKED", "PAID")}
    paid = next(p for p in events["invoice.status_changed"] if p["data"]["newStatus"] == "PAID")
    assert paid["data"]["paidAt"] is not None

    runs = {p["data"]["run"]["id"]: p["data"]["run"] for p in events["invoice_run.finished"]}
    assert set(runs) == {concept_run["id"], booked_run["id"]}
    assert runs[booked_run["id"]]["status"] == "SUCCEEDED"
    assert runs[booked_run["id"]]["counts"] == {"invoiced": 1}
    imported = events["customer_import.finished"][0]["data"]["run"]
    assert imported["id"] == started["id"]
    assert imported["counts"]["created"] == 2

    # The endpoint that takes only run events got only those, with the same ids.
    only_runs = by_type(receiver, "/runs-only")
    assert list(only_runs) == ["invoice_run.finished"]
    ids = {r.webhook_id for r in receiver.at("/runs-only")}
    assert ids <= {r.webhook_id for r in receiver.at("/all")}
    async with state.sessionmaker() as session:
        stored = set(await session.scalars(select(WebhookEvent.id)))
    assert {r.webhook_id for r in receiver.received} <= stored
    assert len(stored) == 7


def test_payload_global_ids_are_the_apis() -> None:
    """The outbox encodes ids itself (it sits below the GraphQL layer): the same bytes."""
    for name, pk in [("Invoice", 1), ("TimeEntry", 42), ("InvoiceRun", 10**12), ("Trip", 7)]:
        assert outbox.global_id(name, pk) == global_id(name, pk)
