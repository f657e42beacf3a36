"""Exactly once with proof (issue 17), under every fault of the fault suite, for WeFact and
HostFact over real HTTP.

A SEND-mode invoice with the hours specification and two receipts must end with exactly three
files on it in the emulator (no name twice) and be e-mailed exactly once, with all three —
whichever call fails how (each emulator fault kind on invoice/add, the first and the last
attachment/add, invoice/show and invoice/sendbyemail), and wherever the worker dies (after
the add, after each attachment reached WeFact but before we recorded it, after we recorded
it). A run that stops is resumed, as an admin would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import (
    Expense,
    ExpenseReceipt,
    Invoice,
    InvoiceAttachment,
    InvoiceStatus,
    RegistrationStatus,
    TimeEntry,
)
from graphql_api.provider_runtime import ProviderRuntime
from integrations import RetryPolicy
from integrations.emulator import FAULT_KINDS
from integrations.transport import make_http_client
from tests.conftest import Emulator, GraphQLClient, activate
from tests.invoicing.conftest import World, emulator_invoices, resume, run_invoices
from tests.invoicing.proof import JPEG_RECEIPT, PDF_RECEIPT, ProofCase, proof_case

INVOICE_DATE = "2026-03-31"
SPEC_NAME = f"hours-specification-{INVOICE_DATE}.pdf"
SEND_WITH_PROOF = {"mode": "SEND", "hoursSpecification": True, "attachReceipts": True,
                   "invoiceDate": INVOICE_DATE}

#: Where a fault strikes: (controller, action, which call of it: 1st, or the 3rd attachment).
TARGETS = {
    "invoice/add": ("invoice", "add", 1),
    "first attachment/add": ("attachment", "add", 1),
    "last attachment/add": ("attachment", "add", 3),
    "invoice/show": ("invoice", "show", 1),
    "invoice/sendbyemail": ("invoice", "sendbyemail", 1),
}
#: Faults the emulator applies before the answer is lost (the write happened).
APPLIED = {"lose_response", "timeout", "slow"}

#: The client gives up after CLIENT_TIMEOUT; a "timeout" fault applies the write at
#: EMULATOR_DELAY; the engine looks it up RESEND_PAUSE after the failure. Correctness never
#: depends on these margins for the other fault kinds (they use no pauses at all).
CLIENT_TIMEOUT, EMULATOR_DELAY, RESEND_PAUSE = 1.0, 2.0, 2.0


@pytest.fixture
async def timeouts(state: AppState) -> AsyncIterator[None]:
    """A client that gives up after a second, and the engine's pause before a lookup."""
    original = state.http
    state.http = make_http_client(timeout=CLIENT_TIMEOUT)
    state.providers = ProviderRuntime(
        retry=RetryPolicy(base_delay=0.0, resend_pauses=(RESEND_PAUSE, RESEND_PAUSE))
    )
    try:
        yield
    finally:
        await state.http.aclose()
        state.http = original


async def assert_proof_once(world: World, emulator: Emulator, case: ProofCase) -> dict[str, Any]:
    """The invariants: one invoice in WeFact with exactly the three files, e-mailed once
    carrying them; our record SENT, every file recorded attached, the registrations
    INVOICED. Returns the emulated invoice."""
    async with world.state.sessionmaker() as session:
        [invoice] = list(await session.scalars(select(Invoice)))
        rows = list(await session.scalars(select(InvoiceAttachment).order_by(InvoiceAttachment.id)))
        statuses = {r.status for r in await session.scalars(
            select(TimeEntry).execution_options(populate_existing=True))}
        statuses |= {r.status for r in await session.scalars(
            select(Expense).execution_options(populate_existing=True))}
    assert invoice.status is InvoiceStatus.SENT, invoice.error
    assert statuses == {RegistrationStatus.INVOICED}
    expected = [SPEC_NAME, *case.receipt_names]
    assert [r.filename for r in rows] == expected
    assert all(r.attached_at is not None for r in rows)

    [remote] = emulator_invoices(emulator, reference=invoice.reference)
    assert len(emulator.state.invoices) == 1, "no second invoice"
    files = emulator.state.attachments_of(int(remote["Identifier"]))
    assert sorted(f["Filename"] for f in files) == sorted(expected), "each file exactly once"
    by_name = {f["Filename"]: f["_content"] for f in files}
    assert by_name[case.receipt_names[0]] == JPEG_RECEIPT
    assert by_name[case.receipt_names[1]] == PDF_RECEIPT
    assert by_name[SPEC_NAME].startswith(b"%PDF-")
    assert emulator.state.sent_emails == [(remote["InvoiceCode"], "bakkerij@example.com")], (
        "e-mailed exactly once"
    )
    [(code, sent_with)] = emulator.state.sent_attachments
    assert code == remote["InvoiceCode"]
    assert sorted(sent_with) == sorted(expected), "the e-mail carried all three files"
    return remote


def inject(world: World, emulator: Emulator, kind: str, target: str) -> None:
    """Arm the fault: on the target's first call, or (the last attachment) once the second
    file is recorded."""
    controller, action, nth = TARGETS[target]
    if nth == 1:
        emulator.state.faults.add(kind, controller=controller, action=action)
        return
    recorded: list[str] = []

    async def arm_before_the_third(invoice_id: int, filename: str, done: bool) -> None:
        if done:
            recorded.append(filename)
            if len(recorded) == nth - 1:
                emulator.state.faults.add(kind, controller=controller, action=action)

    world.state.providers.after_attachment = arm_before_the_third


async def completed(
    gql: GraphQLClient, jobs: JobRunner, world: World, run: dict[str, Any]
) -> dict[str, Any]:
    """The run, resumed once if it stopped (WeFact out of reach, a crash), as an admin would."""
    if run["status"] != "SUCCEEDED":
        assert {i["status"] for i in run["invoices"]} == {"PENDING"}, run
        world.state.providers.after_invoice_add = None
        world.state.providers.after_attachment = None
        run = await resume(gql, jobs, run["id"])
    assert run["status"] == "SUCCEEDED", run["problems"]
    return run


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("kind", [k for k in FAULT_KINDS if k != "timeout"])
async def test_a_fault_on_any_call_attaches_each_file_once_and_emails_once(
    *, gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator, kind: str, target: str
) -> None:
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    emulator.state.slow_delay = 0.2
    inject(world, emulator, kind, target)

    await completed(gql, jobs, world, await run_invoices(gql, jobs, case.ids, SEND_WITH_PROOF))

    assert emulator.state.faults.pending() == 0, "the fault struck"
    await assert_proof_once(world, emulator, case)
    adds = emulator.state.calls_to("attachment", "add")
    lost_before_applied = target.endswith("attachment/add") and kind not in APPLIED
    # A file whose add was lost after WeFact stored it is found by name, never sent again.
    assert adds == (4 if lost_before_applied else 3)


@pytest.mark.usefixtures("timeouts")
@pytest.mark.parametrize("target", list(TARGETS))
async def test_a_timeout_on_any_call_is_looked_up_before_anything_is_sent_again(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator, target: str
) -> None:
    """The write lands after the client gave up; the engine pauses, then finds it."""
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    emulator.state.timeout_delay = EMULATOR_DELAY
    inject(world, emulator, "timeout", target)

    await completed(gql, jobs, world, await run_invoices(gql, jobs, case.ids, SEND_WITH_PROOF))

    assert emulator.state.faults.triggered, "the fault struck"
    await assert_proof_once(world, emulator, case)
    assert emulator.state.calls_to("attachment", "add") == 3
    assert emulator.state.calls_to("invoice", "add") == 1


CRASHES = [
    ("after invoice/add", None, False),
    *[(f"after file {n} reached WeFact", n, False) for n in (1, 2, 3)],
    *[(f"after file {n} was recorded", n, True) for n in (1, 2, 3)],
]


@pytest.mark.parametrize(("where", "nth", "recorded"), CRASHES, ids=[c[0] for c in CRASHES])
async def test_a_worker_dying_at_any_step_is_resumed_without_doubles(
    *, gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator,
    where: str, nth: int | None, recorded: bool,
) -> None:
    """The last case dies between the last file and sendbyemail: resumed, it sends once."""
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    seen: list[str] = []

    async def die_after_add(invoice_id: int) -> None:
        raise RuntimeError("worker killed")

    async def die_at_file(invoice_id: int, filename: str, done: bool) -> None:
        if done == recorded:
            seen.append(filename)
            if len(seen) == nth:
                raise RuntimeError("worker killed")

    if nth is None:
        world.state.providers.after_invoice_add = die_after_add
    else:
        world.state.providers.after_attachment = die_at_file

    run = await run_invoices(gql, jobs, case.ids, SEND_WITH_PROOF)
    assert run["status"] == "FAILED", where
    # Died before sendbyemail: nothing was e-mailed, whatever was attached.
    assert emulator.state.sent_emails == []

    await completed(gql, jobs, world, run)

    await assert_proof_once(world, emulator, case)
    assert emulator.state.calls_to("attachment", "add") == 3
    assert emulator.state.calls_to("invoice", "add") == 1


async def test_a_refused_file_keeps_the_invoice_unsent_and_says_which(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Never e-mailed without its proof: the invoice stays a concept, the run says why."""
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    photo = JPEG_RECEIPT[:-2] + bytes(300_000) + b"\xff\xd9"  # a big photo of a receipt
    async with world.state.sessionmaker() as session, session.begin():
        await session.execute(
            update(ExpenseReceipt).where(ExpenseReceipt.expense_id == case.expenses[0].id)
            .values(content=photo, size_bytes=len(photo))
        )
    emulator.state.attachment_max_bytes = 200_000  # the specification is far smaller

    run = await run_invoices(gql, jobs, case.ids, SEND_WITH_PROOF)

    assert run["status"] == "PARTIAL", run["problems"]
    [ours] = run["invoices"]
    assert ours["status"] == "CONCEPT"
    assert case.receipt_names[0] in ours["error"]
    assert "not e-mailed" in ours["error"]
    assert any(case.receipt_names[0] in p["message"] for p in run["problems"])
    assert emulator.state.sent_emails == []
    [remote] = emulator_invoices(emulator)
    assert remote["Status"] == 0
    # The specification went on before the refused receipt; the one after it was not tried.
    names = [f["Filename"] for f in emulator.state.attachments_of(int(remote["Identifier"]))]
    assert names == [SPEC_NAME]
