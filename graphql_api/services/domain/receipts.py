"""Expense receipts: store, replace, remove and read back the proof of an expense.

- A receipt is a PDF, JPEG or PNG, told by its first bytes (the client's content type and
  file name prove nothing), at most ``RECEIPT_MAX_BYTES`` (10 MiB by default).
- It is stored byte for byte in PostgreSQL with its SHA-256 (see ``models.proof``), one per
  expense: uploading again replaces it.
- Who may change it: whoever may change the expense (members their own), and only while the
  expense is open — once it is reserved for an invoice or invoiced, the receipt is part of
  that invoice's proof and is locked with it. The expense row is locked (FOR UPDATE) for the
  change, so an invoice run reserving it waits and then sees the receipt as it is.
- Anyone in the workspace may read it (as they may read the expense).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from graphql_api.errors import Forbidden, InvalidInput, Locked, NotFound, ProofCode
from graphql_api.models import Expense, ExpenseReceipt, Role
from graphql_api.services.auth import Caller
from graphql_api.services.domain import validation as v
from graphql_api.services.domain.registrations import is_locked
from graphql_api.services.invoicing.proof import EXTENSIONS

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
MAX_FILENAME = 255


def detect_type(content: bytes) -> str | None:
    """The receipt type its first bytes show (PDF, JPEG, PNG); None for anything else."""
    return next((kind for magic, kind in _SIGNATURES if content.startswith(magic)), None)


def clean_filename(name: str | None, content_type: str) -> str:
    """The uploaded name without any path, control characters or excess length; a neutral
    name when nothing usable is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(base) > MAX_FILENAME:
        stem, dot, extension = base.rpartition(".")
        if dot and len(extension) <= 10:  # keep a real extension, cut the stem
            base = f"{stem[: MAX_FILENAME - len(extension) - 1]}.{extension}"
        else:
            base = base[:MAX_FILENAME]
    return base or f"receipt.{EXTENSIONS[content_type]}"


@dataclass(frozen=True)
class ReceiptUpload:
    """A file as it arrived: its name (as the client said) and at most limit + 1 bytes."""

    filename: str | None
    content: bytes


def check_upload(upload: ReceiptUpload, max_bytes: int, *, field: str = "file") -> str:
    """The receipt's content type; refuses an empty, oversized or unknown file, naming
    ``field``."""
    size = len(upload.content)
    if size > max_bytes:
        raise InvalidInput(
            f"The receipt is larger than {max_bytes // (1024 * 1024) or 1} MB "
            f"({max_bytes} bytes): upload a smaller scan or photo.",
            field=field,
            code=ProofCode.RECEIPT_TOO_LARGE,
        )
    content_type = detect_type(upload.content)
    if content_type is None:
        raise InvalidInput(
            "The receipt must be a PDF, JPEG or PNG file"
            + (" (the file is empty)." if size == 0 else "; this file is none of them."),
            field=field,
            code=ProofCode.RECEIPT_TYPE,
        )
    return content_type


async def _changeable_expense(session: AsyncSession, caller: Caller, expense_id: int) -> Expense:
    """The expense, locked, if the caller may change it and it is still open."""
    expense = await v.get_in_workspace(
        session, Expense, expense_id, caller.workspace_id, field="expenseId", what="expense",
        for_update=True,
    )
    if caller.role is Role.MEMBER and expense.user_id != caller.user_id:
        raise Forbidden("Members can only change the receipts of their own expenses.",
                        field="expenseId")
    if is_locked(expense):
        raise Locked(
            "This expense is invoiced or reserved for an invoice: its receipt is part of that "
            "invoice's proof and cannot change.",
            field="expenseId",
        )
    return expense


async def store_receipt(
    session: AsyncSession,
    caller: Caller,
    expense_id: int,
    upload: ReceiptUpload,
    *,
    max_bytes: int,
) -> Expense:
    """Store (or replace) the receipt of an open expense; returns the expense."""
    expense = await _changeable_expense(session, caller, expense_id)
    content_type = check_upload(upload, max_bytes)
    content = upload.content
    values = {
        "filename": clean_filename(upload.filename, content_type),
        "content_type": content_type,
        "size_bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": content,
        "uploaded_by_user_id": caller.user_id,
    }
    receipt = await session.scalar(
        select(ExpenseReceipt).where(ExpenseReceipt.expense_id == expense.id)
    )
    if receipt is None:
        session.add(ExpenseReceipt(workspace_id=caller.workspace_id, expense_id=expense.id,
                                   **values))
    else:
        for name, value in values.items():
            setattr(receipt, name, value)
    await session.flush()
    return expense


async def remove_receipt(session: AsyncSession, caller: Caller, expense_id: int) -> Expense:
    """Remove the receipt of an open expense (none there: nothing to do); returns it."""
    expense = await _changeable_expense(session, caller, expense_id)
    await session.execute(delete(ExpenseReceipt).where(ExpenseReceipt.expense_id == expense.id))
    return expense


async def read_receipt(session: AsyncSession, workspace_id: int, expense_id: int) -> ExpenseReceipt:
    """The receipt of an expense of the workspace, with its bytes."""
    receipt = await session.scalar(
        select(ExpenseReceipt)
        .where(ExpenseReceipt.expense_id == expense_id,
               ExpenseReceipt.workspace_id == workspace_id)
        .options(undefer(ExpenseReceipt.content))
    )
    if receipt is None:
        raise NotFound("That expense has no receipt (or is not in your workspace).",
                       field="expenseId")
    return receipt
