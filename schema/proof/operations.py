"""Root fields of invoice proof: uploading and removing expense receipts."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.file_uploads import Upload

from graphql_api import models
from resolvers import proof
from resolvers.context import Info
from resolvers.ids import decode_id
from resolvers.permissions import IsAuthenticated
from schema.domain.types import Expense
from schema.errors import ForbiddenError, InvalidInputError, LockedError, NotFoundError

EXPENSE_ID = Annotated[strawberry.ID, strawberry.argument(description="Global id of the expense.")]
FILE = Annotated[
    Upload,
    strawberry.argument(
        description="The receipt: a PDF, JPEG or PNG (told by its content, not its name), at "
        "most RECEIPT_MAX_BYTES (10 MB by default). Sent as a GraphQL multipart request."
    ),
]

UploadExpenseReceiptResult = Annotated[
    Expense | InvalidInputError | LockedError | ForbiddenError | NotFoundError,
    strawberry.union(
        "UploadExpenseReceiptResult",
        description="The expense with its new receipt, or why not (a file that is too large "
        "or of another type: InvalidInputError with `field: \"file\"` and RECEIPT_TOO_LARGE or "
        "RECEIPT_TYPE).",
    ),
]
RemoveExpenseReceiptResult = Annotated[
    Expense | LockedError | ForbiddenError | NotFoundError,
    strawberry.union(
        "RemoveExpenseReceiptResult", description="The expense without a receipt, or why not."
    ),
]


@strawberry.type
class ProofMutation:
    @strawberry.mutation(
        graphql_type=UploadExpenseReceiptResult,
        permission_classes=[IsAuthenticated],
        description="Upload (or replace) the receipt of an open expense — members only their "
        "own expenses. Send it as a GraphQL multipart request (the `operations`, `map` and "
        "file parts) with the header 'GraphQL-Require-Preflight: 1'. Locked (LockedError) "
        "once the expense is reserved for an invoice or invoiced.",
    )
    async def upload_expense_receipt(
        self, info: Info, expense_id: EXPENSE_ID, file: FILE
    ) -> models.Expense:
        # strawberry types Upload as bytes; over ASGI it is Starlette's UploadFile.
        uploaded = cast(proof.UploadedFile, file)
        return await proof.upload_expense_receipt(
            info, decode_id(expense_id, "Expense", field="expenseId"), uploaded
        )

    @strawberry.mutation(
        graphql_type=RemoveExpenseReceiptResult,
        permission_classes=[IsAuthenticated],
        description="Remove the receipt of an open expense (harmless when it has none) — "
        "members only their own expenses; locked once invoiced.",
    )
    async def remove_expense_receipt(self, info: Info, expense_id: EXPENSE_ID) -> models.Expense:
        return await proof.remove_expense_receipt(
            info, decode_id(expense_id, "Expense", field="expenseId")
        )
