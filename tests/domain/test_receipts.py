"""Expense receipts over HTTP: GraphQL multipart uploads (behind the CSRF preflight rule),
types told by content, a size limit, replace and remove while open, locked once invoiced,
read back byte for byte from the download route (issue 17)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.models import (
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    ExpenseReceipt,
    Project,
    RegistrationStatus,
    Role,
)
from graphql_api.services.domain.receipts import clean_filename, detect_type
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.invoicing.proof import JPEG_RECEIPT, PDF_RECEIPT, PNG_RECEIPT, upload_receipt

EXPENSE = """
query($id: ID!) { node(id: $id) { ... on Expense {
  locked receipt { filename contentType sizeBytes sha256 url uploadedAt uploadedBy { id } }
} } }
"""
REMOVE = """
mutation($id: ID!) { removeExpenseReceipt(expenseId: $id) {
  __typename ... on Expense { receipt { filename } } ... on Error { code message field } } }
"""


async def _expense(state: AppState, owner: Member, user_id: int | None = None) -> str:
    async with state.sessionmaker() as session, session.begin():
        customer = Customer(workspace_id=owner.workspace_id, name="Bakkerij")
        category = ExpenseCategory(workspace_id=owner.workspace_id, name="Parking")
        session.add_all([customer, category])
        await session.flush()
        project = Project(workspace_id=owner.workspace_id, customer_id=customer.id, name="Shop",
                          billing_method=BillingMethod.HOURLY_PROJECT_RATE)
        session.add(project)
        await session.flush()
        expense = Expense(workspace_id=owner.workspace_id, user_id=user_id or owner.user_id,
                          project_id=project.id, category_id=category.id,
                          date=dt.date(2026, 3, 2), description="Parking",
                          quantity=Decimal(1), unit_price=Decimal("12.10"))
        session.add(expense)
        await session.flush()
        return global_id("Expense", expense.id)


def _result(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    result: dict[str, object] = body["data"]["uploadExpenseReceipt"]
    return result


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PDF_RECEIPT, "application/pdf"), (JPEG_RECEIPT, "image/jpeg"), (PNG_RECEIPT, "image/png")],
)
async def test_upload_tells_the_type_by_content_and_reads_back_byte_for_byte(
    *, http: httpx.AsyncClient, gql: GraphQLClient, state: AppState, owner: Member,
    content: bytes, content_type: str,
) -> None:
    expense_id = await _expense(state, owner)
    # The client's name and content type say nothing: a JPEG named .txt sent as text/plain.
    result = _result(await upload_receipt(
        http, owner.token, expense_id, "scan.txt", content, content_type="text/plain"
    ))
    assert result["__typename"] == "Expense"
    receipt = (await gql.data(EXPENSE, {"id": expense_id}))["node"]["receipt"]
    assert receipt["contentType"] == content_type
    assert receipt["filename"] == "scan.txt"
    assert receipt["sizeBytes"] == len(content)
    assert receipt["sha256"] == hashlib.sha256(content).hexdigest()
    assert receipt["uploadedBy"]["id"] == global_id("User", owner.user_id)

    downloaded = await http.get(receipt["url"], headers={"Authorization": f"Bearer {owner.token}"})
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["content-type"].startswith(content_type)
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert 'filename="scan.txt"' in downloaded.headers["content-disposition"]


async def test_a_wrong_type_or_an_oversize_file_is_a_typed_error_naming_the_field(
    http: httpx.AsyncClient, state: AppState, owner: Member
) -> None:
    expense_id = await _expense(state, owner)
    state.settings.receipt_max_bytes = 4096
    html = _result(await upload_receipt(
        http, owner.token, expense_id, "receipt.pdf", b"<html>not a receipt</html>",
        content_type="application/pdf",
    ))
    assert (html["__typename"], html["code"], html["field"]) == (
        "InvalidInputError", "RECEIPT_TYPE", "file"
    )
    assert "PDF, JPEG or PNG" in str(html["message"])
    empty = _result(await upload_receipt(http, owner.token, expense_id, "empty.pdf", b""))
    assert (empty["code"], empty["field"]) == ("RECEIPT_TYPE", "file")
    big = _result(await upload_receipt(
        http, owner.token, expense_id, "big.jpg", JPEG_RECEIPT + bytes(4096)
    ))
    assert (big["__typename"], big["code"], big["field"]) == (
        "InvalidInputError", "RECEIPT_TOO_LARGE", "file"
    )
    assert "4096 bytes" in str(big["message"])
    async with state.sessionmaker() as session:
        assert list(await session.scalars(select(ExpenseReceipt))) == []


async def test_a_value_instead_of_a_file_is_a_typed_error_naming_the_field(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    # Upload accepts any JSON value; only a multipart request can carry a file.
    expense_id = await _expense(state, owner)
    data = await gql.data(
        """mutation($id: ID!, $file: Upload!) { uploadExpenseReceipt(expenseId: $id, file: $file) {
          __typename ... on Error { code field } } }""",
        {"id": expense_id, "file": "receipt.pdf"},
    )
    assert data["uploadExpenseReceipt"] == {
        "__typename": "InvalidInputError", "code": "RECEIPT_NOT_A_FILE", "field": "file"
    }
    async with state.sessionmaker() as session:
        assert list(await session.scalars(select(ExpenseReceipt))) == []


async def test_multipart_without_the_preflight_header_is_refused_before_anything_runs(
    http: httpx.AsyncClient, state: AppState, owner: Member
) -> None:
    """A multipart POST is a simple request a foreign page can make a browser send: without
    a header that forces a CORS preflight it is refused (CSRF)."""
    expense_id = await _expense(state, owner)
    response = await upload_receipt(http, owner.token, expense_id, "bon.pdf", PDF_RECEIPT,
                                    preflight=False)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PREFLIGHT_REQUIRED"
    async with state.sessionmaker() as session:
        assert list(await session.scalars(select(ExpenseReceipt))) == []
    # Apollo's header works as well.
    operations = json.dumps({"query": "mutation($f: Upload!, $e: ID!) { uploadExpenseReceipt("
                             "expenseId: $e, file: $f) { __typename } }",
                             "variables": {"f": None, "e": expense_id}})
    apollo = await http.post(
        "/graphql", data={"operations": operations, "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("bon.pdf", PDF_RECEIPT, "application/pdf")},
        headers={"Authorization": f"Bearer {owner.token}", "Apollo-Require-Preflight": "true"},
    )
    assert apollo.json()["data"]["uploadExpenseReceipt"]["__typename"] == "Expense"


async def test_replace_and_remove_while_open_locked_once_invoiced(
    http: httpx.AsyncClient, gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    expense_id = await _expense(state, owner)
    _result(await upload_receipt(http, owner.token, expense_id, "first.pdf", PDF_RECEIPT))
    _result(await upload_receipt(http, owner.token, expense_id, "second.png", PNG_RECEIPT))
    receipt = (await gql.data(EXPENSE, {"id": expense_id}))["node"]["receipt"]
    assert (receipt["filename"], receipt["contentType"]) == ("second.png", "image/png")
    async with state.sessionmaker() as session:
        assert len(list(await session.scalars(select(ExpenseReceipt)))) == 1  # replaced

    removed = (await gql.data(REMOVE, {"id": expense_id}))["removeExpenseReceipt"]
    assert removed == {"__typename": "Expense", "receipt": None}
    again = (await gql.data(REMOVE, {"id": expense_id}))["removeExpenseReceipt"]
    assert again["__typename"] == "Expense"  # removing twice is harmless

    _result(await upload_receipt(http, owner.token, expense_id, "kept.pdf", PDF_RECEIPT))
    # Reserved for an invoice: the receipt is part of its proof now.
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(Expense).values(status=RegistrationStatus.INVOICED))
    locked = _result(await upload_receipt(http, owner.token, expense_id, "new.pdf", PNG_RECEIPT))
    assert (locked["__typename"], locked["code"], locked["field"]) == (
        "LockedError", "LOCKED", "expenseId"
    )
    not_removed = (await gql.data(REMOVE, {"id": expense_id}))["removeExpenseReceipt"]
    assert (not_removed["__typename"], not_removed["code"]) == ("LockedError", "LOCKED")
    receipt = (await gql.data(EXPENSE, {"id": expense_id}))["node"]["receipt"]
    assert receipt["filename"] == "kept.pdf"


async def test_members_change_only_their_own_and_workspaces_stay_apart(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    owners = await _expense(state, owner)
    theirs = await _expense(state, owner, user_id=member.user_id)
    refused = _result(await upload_receipt(http, member.token, owners, "bon.pdf", PDF_RECEIPT))
    assert (refused["__typename"], refused["field"]) == ("ForbiddenError", "expenseId")
    assert _result(await upload_receipt(
        http, member.token, theirs, "bon.pdf", PDF_RECEIPT
    ))["__typename"] == "Expense"
    # Everyone in the workspace may read it, as they may read the expense.
    url = f"/files/expenses/{theirs}/receipt"
    assert (await http.get(url, headers={"Authorization": f"Bearer {owner.token}"})).content == (
        PDF_RECEIPT
    )
    # Another workspace: its ids look like unknown ones, on both paths.
    foreign = _result(await upload_receipt(http, other_owner.token, theirs, "x.pdf", PDF_RECEIPT))
    assert (foreign["__typename"], foreign["code"]) == ("NotFoundError", "NOT_FOUND")
    elsewhere = await http.get(url, headers={"Authorization": f"Bearer {other_owner.token}"})
    assert elsewhere.status_code == 404
    assert (await http.get(url)).status_code == 401
    none_yet = await http.get(f"/files/expenses/{owners}/receipt",
                              headers={"Authorization": f"Bearer {owner.token}"})
    assert none_yet.status_code == 404


def test_types_are_told_by_their_first_bytes_and_names_are_cleaned() -> None:
    assert detect_type(b"%PDF-1.7 ...") == "application/pdf"
    assert detect_type(b"\xff\xd8\xff\xdb") == "image/jpeg"
    assert detect_type(b"\x89PNG\r\n\x1a\nIHDR") == "image/png"
    assert detect_type(b"GIF89a") is None
    assert detect_type(b"PK\x03\x04") is None  # a zip (or .docx) named receipt.pdf
    assert clean_filename("C:\\Users\\me\\bon 12.JPG", "image/jpeg") == "bon 12.JPG"
    assert clean_filename("../../etc/passwd\x00.pdf", "application/pdf") == "passwd.pdf"
    assert clean_filename("", "image/png") == "receipt.png"
    long = clean_filename("x" * 400 + ".pdf", "application/pdf")
    assert len(long) == 255
    assert long.endswith(".pdf")
