"""The invoice carries its proof (issue 17), end to end over HTTP for WeFact and HostFact:
receipts uploaded through GraphQL multipart, a SEND-mode invoice with the hours
specification and both receipts attached before it is e-mailed, the PDF's figures equal to
the invoice's, and the same PDF downloadable from our API."""

from __future__ import annotations

import hashlib
import re
from decimal import ROUND_HALF_UP, Decimal

import httpx
from sqlalchemy import select

from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Invoice, InvoiceAttachment, InvoiceLine, Role
from tests.conftest import Emulator, GraphQLClient, Member, activate, add_member
from tests.invoicing.conftest import World, emulator_invoices, gid, run_invoices
from tests.invoicing.proof import (
    JPEG_RECEIPT,
    PDF_RECEIPT,
    pdf_text,
    proof_case,
    remote_files,
    upload_receipt,
)

INVOICE_DATE = "2026-03-31"
SEND_WITH_PROOF = {"mode": "SEND", "hoursSpecification": True, "attachReceipts": True,
                   "invoiceDate": INVOICE_DATE}
SPEC_NAME = f"hours-specification-{INVOICE_DATE}.pdf"

INVOICE_PROOF = """
query($id: ID!) { invoice(id: $id) {
  status wefactCode reference hoursSpecification attachReceipts hoursSpecificationUrl
  amountExcl amountVat amountIncl
  attachments { kind filename sizeBytes sha256 attemptedAt attachedAt expense { id } }
  lines { amount vatPercentage }
} }
"""


async def test_send_with_specification_and_two_uploaded_receipts(
    *, gql: GraphQLClient, http: httpx.AsyncClient, owner: Member, world: World, jobs: JobRunner,
    emulator: Emulator,
) -> None:
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    # The receipts go through the API: a multipart request per expense (the case stored
    # others directly: these replace them).
    for expense, (name, content) in zip(
        case.expenses, [("IMG_0001.JPG", JPEG_RECEIPT), ("parking.pdf", PDF_RECEIPT)],
        strict=True,
    ):
        answer = (await upload_receipt(http, owner.token, gid(expense), name, content)).json()
        receipt = answer["data"]["uploadExpenseReceipt"]["receipt"]
        assert receipt["sha256"] == hashlib.sha256(content).hexdigest()

    run = await run_invoices(gql, jobs, case.ids, SEND_WITH_PROOF)

    assert run["status"] == "SUCCEEDED", run["problems"]
    assert {c["name"]: c["value"] for c in run["counts"]} == {"invoiced": 1, "attached": 3}
    [ours] = run["invoices"]
    assert ours["status"] == "SENT"
    [remote] = emulator_invoices(emulator)
    files = remote_files(emulator, remote)
    assert sorted(files) == sorted([SPEC_NAME, *case.receipt_names])
    assert len(emulator.state.attachments_of(int(remote["Identifier"]))) == 3
    # The receipts arrive byte for byte; the e-mail went once, with all three files.
    assert files[case.receipt_names[0]] == JPEG_RECEIPT
    assert files[case.receipt_names[1]] == PDF_RECEIPT
    assert emulator.state.sent_emails == [(remote["InvoiceCode"], "bakkerij@example.com")]
    [(code, sent_with)] = emulator.state.sent_attachments
    assert code == remote["InvoiceCode"]
    assert sorted(sent_with) == sorted(files)

    shown = (await gql.data(INVOICE_PROOF, {"id": ours["id"]}))["invoice"]
    assert (shown["hoursSpecification"], shown["attachReceipts"]) == (True, True)
    assert [a["filename"] for a in shown["attachments"]] == [SPEC_NAME, *case.receipt_names]
    assert all(a["attachedAt"] and a["attemptedAt"] for a in shown["attachments"])
    assert [a["expense"] and a["expense"]["id"] for a in shown["attachments"]] == [
        None, *[gid(e) for e in case.expenses]
    ]
    for attachment in shown["attachments"]:
        assert attachment["sha256"] == hashlib.sha256(files[attachment["filename"]]).hexdigest()

    # The attached specification: its totals are the invoice's, in WeFact and ours.
    text = pdf_text(files[SPEC_NAME])
    assert "Hours specification" in text
    assert shown["reference"] in text
    assert "Bakkerij Jansen (K-1)" in text
    assert "2026-03-02 – 2026-03-09" in text  # the period the registrations cover
    # VAT per rate on the summed line amounts, half-up to cents: computed here from the lines.
    per_rate: dict[Decimal, Decimal] = {}
    for line in shown["lines"]:
        rate = Decimal(line["vatPercentage"])
        per_rate[rate] = per_rate.get(rate, Decimal("0.00")) + Decimal(line["amount"])
    assert f"Total excl. VAT {shown['amountExcl']}" in text
    assert f"VAT {shown['amountVat']}" in text
    assert f"Total incl. VAT {shown['amountIncl']}" in text
    assert Decimal(shown["amountIncl"]) == Decimal(str(remote["AmountIncl"]))
    vat_total = Decimal("0.00")
    for rate, excl in per_rate.items():
        vat = (excl * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        vat_total += vat
        assert f"Excl. VAT at {rate:.2f}% {excl}" in text
        assert f"VAT {rate:.2f}% {vat}" in text
    assert str(vat_total) == shown["amountVat"]

    # The same PDF (rendered again, now with WeFact's final number) from our API.
    response = await http.get(shown["hoursSpecificationUrl"],
                              headers={"Authorization": f"Bearer {owner.token}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert SPEC_NAME in response.headers["content-disposition"]
    downloaded = pdf_text(response.content)
    assert remote["InvoiceCode"] in downloaded
    assert f"Total incl. VAT {shown['amountIncl']}" in downloaded


async def test_the_specification_lists_every_registration_grouped_as_the_lines(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator,
) -> None:
    """Date, user, project, activity (category), notes (description), quantity, rate and
    amount of every registration, under the line that bills it; BOOK mode attaches the PDF
    with WeFact's final number."""
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    run = await run_invoices(gql, jobs, case.ids, {
        "mode": "BOOK", "groupBy": "PROJECT", "hoursSpecification": True,
        "invoiceDate": INVOICE_DATE,
    })
    assert run["status"] == "SUCCEEDED", run["problems"]
    [remote] = emulator_invoices(emulator)
    files = remote_files(emulator, remote)
    assert list(files) == [SPEC_NAME]  # receipts were not asked for
    text = pdf_text(files[SPEC_NAME])
    assert remote["InvoiceCode"] in text  # booked at add: the final number is known
    lines = [ln.strip() for ln in text.splitlines()]
    # One PROJECT line per rate, each with its entries beneath it, then the expenses.
    assert any(ln.startswith("1. Shop") and ln.endswith("237.50") for ln in lines), lines
    assert "2026-03-02 owner Shop Design Homepage 2.50 95.00 237.50" in lines
    assert "2026-03-09 owner Shop Design 1.25 80.00 100.00" in lines
    assert "2026-03-03 owner Shop Books Style guide 2.00 34.50 69.00" in lines
    assert "2026-03-04 owner Shop Parking Parking garage 1.00 12.10 12.10" in lines
    order = [text.index(s) for s in ("1. Shop", "Homepage", "2. Shop", "1.25 80.00",
                                     "3. Style guide", "4. Parking garage")]
    assert order == sorted(order)
    # Our records say the same as the PDF.
    async with world.state.sessionmaker() as session:
        invoice = await session.scalar(select(Invoice))
        assert invoice is not None
        amounts = list(await session.scalars(select(InvoiceLine.amount)))
    assert f"Total excl. VAT {sum(amounts, Decimal('0.00'))}" in text
    assert f"Total incl. VAT {invoice.amount_incl}" in text


async def test_download_route_follows_the_invoice_read_rule(
    *, gql: GraphQLClient, http: httpx.AsyncClient, owner: Member, other_owner: Member,
    world: World, jobs: JobRunner, emulator: Emulator,
) -> None:
    await activate(gql, emulator)
    case = await proof_case(world, emulator)
    run = await run_invoices(gql, jobs, case.ids, {"invoiceDate": INVOICE_DATE})
    [ours] = run["invoices"]
    url = (await gql.data(INVOICE_PROOF, {"id": ours["id"]}))["invoice"]["hoursSpecificationUrl"]
    assert re.fullmatch(r"/files/invoices/[^/]+/hours-specification\.pdf", url)
    member = await add_member(world.state, owner.workspace_id, role=Role.MEMBER,
                              email="member@acme.test")
    manager = await add_member(world.state, owner.workspace_id, role=Role.MANAGER,
                               email="manager@acme.test")

    async def get(token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await http.get(url, headers=headers)

    assert (await get(None)).status_code == 401
    assert (await get("tt_not-a-token")).status_code == 401
    refused = await get(member.token)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "FORBIDDEN"
    assert (await get(other_owner.token)).status_code == 404  # another workspace's id
    fine = await get(manager.token)
    assert fine.status_code == 200
    assert fine.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in fine.headers["cache-control"]
    assert pdf_text(fine.content).count("Hours specification") >= 1
    # Nothing was attached: the options did not ask for it, and the settings default is off.
    async with world.state.sessionmaker() as session:
        assert list(await session.scalars(select(InvoiceAttachment))) == []
    assert emulator.state.attachments == {}
