"""Receipts of expenses: upload (GraphQL multipart request), replace and remove.

The file arrives as strawberry's ``Upload`` (a Starlette ``UploadFile`` spooled by
python-multipart). At most ``RECEIPT_MAX_BYTES`` + 1 bytes are read from it: enough to tell
"too large" without reading a huge file into memory. The body as a whole is bounded by the
HTTP layer's own request limit.
"""

from __future__ import annotations

from typing import Protocol

from graphql_api import models
from graphql_api.errors import InvalidInput, ProofCode
from graphql_api.services.domain import receipts as service
from resolvers.context import Info
from resolvers.reads import caller


class UploadedFile(Protocol):
    """What strawberry hands a resolver for an ``Upload`` (Starlette's UploadFile)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


async def read_upload(file: UploadedFile, max_bytes: int) -> service.ReceiptUpload:
    """The upload's name and at most ``max_bytes`` + 1 of its bytes.

    ``Upload`` takes any value in JSON variables or literals; only a multipart request puts a
    file there, so anything else is the client's mistake, named as such.
    """
    if not callable(getattr(file, "read", None)):
        raise InvalidInput(
            "Send the receipt as a file: a multipart request (GraphQL multipart request "
            "spec) whose map puts the file at variables.file.",
            field="file",
            code=ProofCode.RECEIPT_NOT_A_FILE,
        )
    return service.ReceiptUpload(filename=file.filename, content=await file.read(max_bytes + 1))


async def upload_expense_receipt(
    info: Info, expense_id: int, file: UploadedFile
) -> models.Expense:
    """Store (or replace) the receipt of an open expense."""
    context = info.context
    max_bytes = context.state.settings.receipt_max_bytes
    upload = await read_upload(file, max_bytes)
    async with context.transaction() as session:
        return await service.store_receipt(
            session, caller(info), expense_id, upload, max_bytes=max_bytes
        )


async def remove_expense_receipt(info: Info, expense_id: int) -> models.Expense:
    """Remove the receipt of an open expense (harmless when it has none)."""
    async with info.context.transaction() as session:
        return await service.remove_receipt(session, caller(info), expense_id)
