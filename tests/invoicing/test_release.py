"""releaseInvoice: concept deleted, final invoice credited, registrations open again, and
safe to repeat — also after a crash between WeFact's change and our commit."""

from __future__ import annotations

from typing import Any

from graphql_api.jobs.worker import JobRunner
from graphql_api.models import RegistrationStatus, Role
from tests.conftest import Emulator, GraphQLClient, activate, add_member
from tests.invoicing.conftest import (
    RELEASE,
    World,
    emulator_invoices,
    gid,
    product_code,
    run_invoices,
)


async def release(gql: GraphQLClient, invoice_id: str, **extra: Any) -> dict[str, Any]:
    data = await gql.data(RELEASE, {"input": {"id": invoice_id, **extra}})
    result: dict[str, Any] = data["releaseInvoice"]
    return result


async def invoiced(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator, mode: str
) -> tuple[dict[str, Any], Any]:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    customer = await world.customer("Bakkerij Jansen", "K-1")
    entry = await world.entry(await world.project(customer), await world.activity(), "2.00")
    run = await run_invoices(gql, jobs, [gid(entry)], {"mode": mode})
    assert run["status"] == "SUCCEEDED", run["problems"]
    [invoice] = run["invoices"]
    return invoice, entry


async def test_release_a_concept_deletes_it(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    invoice, entry = await invoiced(gql, world, jobs, emulator, "CONCEPT")

    result = await release(gql, invoice["id"], reason="Wrong customer.")

    assert result["__typename"] == "Invoice"
    assert result["status"] == "RELEASED"
    assert result["releasedReason"] == "The concept was deleted in WeFact. Wrong customer."
    assert emulator.state.invoices == {}
    row = await world.reload(entry)
    assert (row.status, row.invoice_line_id) == (RegistrationStatus.OPEN, None)

    again = await release(gql, invoice["id"])
    assert again["status"] == "RELEASED"
    assert emulator.state.calls_to("invoice", "delete") == 1

    # Open again means invoiceable again.
    rerun = await run_invoices(gql, jobs, [gid(entry)])
    assert rerun["status"] == "SUCCEEDED"
    assert len(emulator.state.invoices) == 1


async def test_release_a_final_invoice_credits_it(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    invoice, entry = await invoiced(gql, world, jobs, emulator, "BOOK")

    result = await release(gql, invoice["id"])

    assert result["status"] == "RELEASED"
    assert result["wefactStatus"] == 9
    original = emulator.state.invoices[int(invoice["wefactIdentifier"])]
    assert original["Status"] == 9
    [credit] = [i for i in emulator.state.invoices.values() if i["Status"] == 8]
    assert credit["InvoiceCode"] in result["releasedReason"]
    assert (await world.reload(entry)).status is RegistrationStatus.OPEN


async def test_release_after_a_crash_does_not_credit_twice(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    invoice, entry = await invoiced(gql, world, jobs, emulator, "BOOK")
    # WeFact credited it, then our process died before recording that.
    original = emulator.state.invoices[int(invoice["wefactIdentifier"])]
    original["Status"] = 9

    result = await release(gql, invoice["id"])

    assert result["status"] == "RELEASED"
    assert emulator.state.calls_to("invoice", "credit") == 0
    assert len(emulator_invoices(emulator)) == 1
    assert (await world.reload(entry)).invoice_line_id is None


async def test_release_is_for_admins_and_pending_invoices_wait(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    customer = await world.customer("Bakkerij Jansen", "K-1")
    entry = await world.entry(await world.project(customer), await world.activity(), "2.00")
    started = await gql.data(
        "mutation($ids: [ID!]!) { invoiceInWefact(ids: $ids) { __typename "
        "... on InvoiceRun { invoices { id status } } } }", {"ids": [gid(entry)]}
    )
    [pending] = started["invoiceInWefact"]["invoices"]
    assert pending["status"] == "PENDING"  # no worker ran yet

    refused = await release(gql, pending["id"])
    assert (refused["__typename"], refused["code"]) == ("ConflictError", "INVOICE_PENDING")

    manager = await add_member(world.state, world.ws, role=Role.MANAGER, email="m@acme.test")
    body = await gql.post(RELEASE, {"input": {"id": pending["id"]}}, token=manager.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
