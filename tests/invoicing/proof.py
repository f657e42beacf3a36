"""Builders shared by the proof tests (issue 17): receipts, a customer to invoice with hours
and expenses, multipart uploads, and reading a PDF back."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

import httpx
from pypdf import PdfReader

from graphql_api.models import Expense, ExpenseReceipt, TimeEntry
from tests.conftest import Emulator
from tests.invoicing.conftest import World, gid, product_code

PDF_RECEIPT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG_RECEIPT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + (
    bytes(range(256)) * 8
) + b"\xff\xd9"
PNG_RECEIPT = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)

UPLOAD = """
mutation($expenseId: ID!, $file: Upload!) {
  uploadExpenseReceipt(expenseId: $expenseId, file: $file) {
    __typename
    ... on Expense { id locked receipt { filename contentType sizeBytes sha256 url
                                        uploadedBy { id } } }
    ... on Error { code message field }
  }
}
"""


async def upload_receipt(
    http: httpx.AsyncClient, token: str, expense_id: str, filename: str, content: bytes,
    *, content_type: str = "application/octet-stream", preflight: bool = True,
) -> httpx.Response:
    """uploadExpenseReceipt as a GraphQL multipart request (operations, map, the file)."""
    operations = {"query": UPLOAD, "variables": {"expenseId": expense_id, "file": None}}
    headers = {"Authorization": f"Bearer {token}"}
    if preflight:
        headers["GraphQL-Require-Preflight"] = "1"
    return await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, content_type)},
        headers=headers,
    )


async def store_receipt(world: World, expense: Expense, content: bytes, content_type: str,
                        filename: str = "bon") -> ExpenseReceipt:
    """A receipt written straight to the database (the fault tests' arrangement)."""
    return await world.add(ExpenseReceipt(
        workspace_id=world.ws, expense_id=expense.id, filename=filename,
        content_type=content_type, size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(), content=content,
        uploaded_by_user_id=world.member.user_id,
    ))


@dataclass
class ProofCase:
    """One customer with two hours and two expenses, each expense with a receipt."""

    entries: list[TimeEntry]
    expenses: list[Expense]

    @property
    def ids(self) -> list[str]:
        return [gid(row) for row in (*self.entries, *self.expenses)]

    @property
    def receipt_names(self) -> list[str]:
        exts = ["jpg", "pdf"]
        return [f"receipt-{e.date.isoformat()}-{e.id}.{ext}"
                for e, ext in zip(self.expenses, exts, strict=True)]


async def proof_case(world: World, emulator: Emulator, *, number: str | None = "K-1") -> ProofCase:
    """Bakkerij Jansen: 2.50 h and 1.25 h of design, two expenses (books 9% VAT, parking)."""
    consultancy = product_code(emulator, "Consultancy")
    books = product_code(emulator, "Boeken")
    await world.settings(default_product_code=consultancy)
    customer = await world.customer("Bakkerij Jansen", number)
    project = await world.project(customer, "Shop")
    design = await world.activity("Design")
    category = await world.category("Books", books)
    parking = await world.category("Parking")
    entries = [
        await world.entry(project, design, "2.50", notes="Homepage", date=dt.date(2026, 3, 2)),
        await world.entry(project, design, "1.25", "80.00", date=dt.date(2026, 3, 9)),
    ]
    expenses = [
        await world.expense(project, category, "Style guide", "2", "34.50",
                            date=dt.date(2026, 3, 3)),
        await world.expense(project, parking, "Parking garage", "1", "12.10",
                            date=dt.date(2026, 3, 4)),
    ]
    await store_receipt(world, expenses[0], JPEG_RECEIPT, "image/jpeg", "IMG_0001.JPG")
    await store_receipt(world, expenses[1], PDF_RECEIPT, "application/pdf", "parking.pdf")
    return ProofCase(entries, expenses)


def pdf_text(content: bytes) -> str:
    """Every page's text, pages joined by a form feed."""
    reader = PdfReader(io.BytesIO(content))
    return "\f".join(page.extract_text() or "" for page in reader.pages)


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def remote_files(emulator: Emulator, invoice: dict[str, Any]) -> dict[str, bytes]:
    """The emulated invoice's files, by name (a name twice would collapse: count separately)."""
    return {a["Filename"]: a["_content"]
            for a in emulator.state.attachments_of(int(invoice["Identifier"]))}
