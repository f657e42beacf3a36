"""The invoice status sync against the emulator (WeFact and HostFact): every WeFact status,
a deleted concept (registrations and subscription periods open again), the cut-off after a
successful pass only, and the periodic job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from graphql_api.jobs.worker import JobRunner
from graphql_api.models import (
    Invoice,
    InvoiceStatus,
    ProviderConnection,
    RegistrationStatus,
    Role,
    Run,
    RunKind,
    WefactSettings,
)
from graphql_api.services.status_sync import start_periodic_status_syncs
from integrations.emulator import invoices as emulated
from tests.conftest import Emulator, GraphQLClient, Member, activate, add_member
from tests.invoicing.conftest import gid, product_code, run_invoices
from tests.unbilled.conftest import D, UnbilledWorld, by_project, report
from tests.unbilled.test_invoice import run_unbilled

SYNC = """
mutation {
  syncInvoiceStatuses {
    __typename
    ... on Run { id kind status counts { name value } problems { message } }
    ... on Error { code message field }
  }
}
"""
RUN = "query($id: ID!) { run(id: $id) { status counts { name value } problems { message } } }"
INVOICE = """
query($id: ID!) {
  invoice(id: $id) { status wefactStatus wefactCode paidAt statusChangedAt releasedReason }
}
"""


async def sync(gql: GraphQLClient, jobs: JobRunner) -> dict[str, Any]:
    """syncInvoiceStatuses, then a worker until the queue is empty; the run as it ended."""
    started = (await gql.data(SYNC))["syncInvoiceStatuses"]
    assert started["__typename"] == "Run", started
    assert started["kind"] == "STATUS_SYNC"
    await jobs.run_worker(wait=False)
    run: dict[str, Any] = (await gql.data(RUN, {"id": started["id"]}))["run"]
    return run


async def invoice(gql: GraphQLClient, invoice_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(INVOICE, {"id": invoice_id}))["invoice"]
    return found


def touch(emulator: Emulator, identifier: str, **fields: Any) -> None:
    """Change an invoice in the emulated administration as a WeFact user would."""
    record = emulator.state.invoices[int(identifier)]
    record.update(fields, Modified=emulator.state.clock())


async def last_sync(uworld: UnbilledWorld) -> dt.datetime | None:
    async with uworld.state.sessionmaker() as session:
        return await session.scalar(
            select(ProviderConnection.last_status_sync_at)
            .join(WefactSettings, WefactSettings.connection_id == ProviderConnection.id)
            .where(WefactSettings.workspace_id == uworld.ws)
        )


async def test_every_status_and_a_deleted_concept(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    await uworld.settings(default_product_code=product_code(emulator, "Consultancy"))
    design = await uworld.activity("Design")
    entries = {}
    for name in ("Sent", "Partly", "Paid", "Credited", "Deleted", "Untouched"):
        customer = await uworld.customer(f"{name} BV", f"K-{name}")
        project = await uworld.project(customer, f"{name} project")
        entries[name] = await uworld.entry(project, design, "1.00", date=D(2026, 3, 1))
    concepts = await run_invoices(
        gql, jobs, [gid(entries[n]) for n in ("Sent", "Deleted", "Untouched")]
    )
    booked = await run_invoices(
        gql, jobs, [gid(entries[n]) for n in ("Partly", "Paid", "Credited")], {"mode": "BOOK"}
    )
    ours = {i["customer"]["name"].removesuffix(" BV"): i
            for i in concepts["invoices"] + booked["invoices"]}
    club = await uworld.customer("Sportclub", "K-300")
    hosting = await uworld.subscription(club, "Hosting", "25.00", D(2026, 1, 1))
    subscription_run = await run_unbilled(gql, jobs, [hosting], "2026-02-15")
    ours["Hosting"] = subscription_run["invoices"][0]
    assert (await uworld.reload(hosting)).subscription_billed_until == D(2026, 2, 28)
    before = await sync(gql, jobs)  # nothing changed yet: nothing updated
    assert before["status"] == "SUCCEEDED", before["problems"]
    assert {c["name"]: c["value"] for c in before["counts"]}.get("updated", 0) == 0

    state = emulator.state
    identifier = {name: inv["wefactIdentifier"] for name, inv in ours.items()}
    emulated.send_by_email(state, {"Identifier": identifier["Sent"]})
    touch(emulator, identifier["Partly"], Status=3, AmountPaid=Decimal("10.00"))
    emulated.mark_as_paid(state, {"Identifier": identifier["Paid"]})
    emulated.credit(state, {"Identifier": identifier["Credited"]})
    del state.invoices[int(identifier["Deleted"])]
    del state.invoices[int(identifier["Hosting"])]

    run = await sync(gql, jobs)

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert {c["name"]: c["value"] for c in run["counts"]}["released"] == 2
    found = {name: await invoice(gql, inv["id"]) for name, inv in ours.items()}
    assert {name: (f["status"], f["wefactStatus"]) for name, f in found.items()} == {
        "Sent": ("SENT", 2),
        "Partly": ("PARTLY_PAID", 3),
        "Paid": ("PAID", 4),
        "Credited": ("CREDITED", 9),
        "Deleted": ("RELEASED", None),
        "Hosting": ("RELEASED", None),
        "Untouched": ("CONCEPT", 0),
    }
    assert found["Sent"]["wefactCode"]
    assert "concept" not in found["Sent"]["wefactCode"]
    assert found["Paid"]["paidAt"] == str(state.clock().date())
    assert found["Partly"]["paidAt"] is None
    for name in ("Sent", "Partly", "Paid", "Credited", "Deleted", "Hosting"):
        assert found[name]["statusChangedAt"] is not None
    assert "deleted in WeFact" in found["Deleted"]["releasedReason"]
    # The deleted concept's registration and subscription period are open / due again.
    assert (await uworld.reload(entries["Deleted"])).status is RegistrationStatus.OPEN
    assert (await uworld.reload(entries["Deleted"])).invoice_line_id is None
    assert (await uworld.reload(entries["Credited"])).status is RegistrationStatus.INVOICED
    assert (await uworld.reload(hosting)).subscription_billed_until is None
    rows = by_project(await report(gql, D(2026, 2, 15)))
    assert [p["start"] for p in rows["Hosting"]["subscriptionPeriodsDue"]] == [
        "2026-01-01", "2026-02-01"]
    open_hours = by_project(await report(gql, D(2026, 3, 1)))
    assert open_hours["Deleted project"]["hours"] == "1.00"
    assert "Credited project" not in open_hours
    assert await last_sync(uworld) is not None


async def test_cut_off_moves_only_after_a_successful_pass(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    await uworld.settings(default_product_code=product_code(emulator, "Consultancy"))
    design = await uworld.activity("Design")
    customer = await uworld.customer("Paid BV", "K-1")
    project = await uworld.project(customer, "Shop")
    entry = await uworld.entry(project, design, "1.00", date=D(2026, 3, 1))
    made = (await run_invoices(gql, jobs, [gid(entry)], {"mode": "BOOK"}))["invoices"][0]
    first = await sync(gql, jobs)
    assert first["status"] == "SUCCEEDED"
    cut_off = await last_sync(uworld)
    assert cut_off is not None

    emulated.mark_as_paid(emulator.state, {"Identifier": made["wefactIdentifier"]})
    emulator.state.faults.add("error500", times=20, controller="invoice", action="list")
    failed = await sync(gql, jobs)
    assert failed["status"] == "FAILED"
    assert failed["problems"][0]["message"]
    assert await last_sync(uworld) == cut_off
    assert (await invoice(gql, made["id"]))["status"] == "SENT"

    emulator.state.faults.clear()
    again = await sync(gql, jobs)
    assert again["status"] == "SUCCEEDED", again["problems"]
    assert (await invoice(gql, made["id"]))["status"] == "PAID"
    later = await last_sync(uworld)
    assert later is not None
    assert later > cut_off


async def test_admins_only_and_activation_required(
    gql: GraphQLClient, owner: Member, uworld: UnbilledWorld, emulator: Emulator
) -> None:
    not_active = (await gql.data(SYNC))["syncInvoiceStatuses"]
    assert (not_active["__typename"], not_active["code"]) == (
        "WefactConnectionError", "NOT_ACTIVATED")
    await activate(gql, emulator)

    manager = await add_member(uworld.state, owner.workspace_id, role=Role.MANAGER,
                               email="manager@acme.test")
    body = await gql.post(SYNC, token=manager.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_periodic_job_starts_one_sync_per_active_workspace(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)

    await start_periodic_status_syncs(jobs, 0)
    await start_periodic_status_syncs(jobs, 60)  # the first is still queued: not doubled

    async with uworld.state.sessionmaker() as session:
        runs = list(await session.scalars(select(Run).where(Run.kind == RunKind.STATUS_SYNC)))
    assert [(r.workspace_id, r.params) for r in runs] == [(uworld.ws, {"trigger": "periodic"})]
    await jobs.run_worker(wait=False)
    async with uworld.state.sessionmaker() as session:
        run = await session.get(Run, runs[0].id, populate_existing=True)
        tracked = await session.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.status == InvoiceStatus.CONCEPT))
    assert run is not None
    assert run.status.value == "SUCCEEDED"
    assert tracked == 0
    assert await last_sync(uworld) is not None
