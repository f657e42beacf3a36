"""GraphQL types of invoice proof: expense receipts, the files an invoice gets in WeFact, and
the line-text templates (views over their rows and the service's data)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import Parent

from graphql_api import models
from resolvers.downloads import receipt_url
from resolvers.permissions import MANAGERS
from schema.tenancy.types import User
from schema.views import computed, row_type, to_one


@row_type(
    models.ExpenseReceipt,
    description="The receipt of an expense: a PDF, JPEG or PNG (told by its content), stored "
    "byte for byte. Download it from `url` with your token; it changes only while the expense "
    "is open (uploadExpenseReceipt, removeExpenseReceipt).",
)
class ExpenseReceipt:
    filename: str = strawberry.field(description="The name it was uploaded with.")
    content_type: str = strawberry.field(
        description="application/pdf, image/jpeg or image/png: what its first bytes say."
    )
    size_bytes: int = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of its bytes (hex): proof it is intact.")
    updated_at: dt.datetime = strawberry.field(
        name="uploadedAt", description="When this file was uploaded."
    )
    uploaded_by = to_one(
        models.User, "uploaded_by_user_id", User, nullable=True,
        description="Who uploaded it (null when that user was removed).",
    )

    @computed(
        "expense_id",
        description="Where to download it: GET this path on the API's host with "
        "'Authorization: Bearer <token>'.",
    )
    @staticmethod
    def url(root: Parent[models.ExpenseReceipt]) -> str:
        return receipt_url(root.expense_id)


@row_type(
    models.InvoiceAttachment,
    read=MANAGERS,
    description="A file an invoice gets in WeFact/HostFact (the hours specification or a "
    "receipt), and how far attaching it got. Owners, admins and managers only.",
)
class InvoiceAttachment:
    kind: models.AttachmentKind = strawberry.field(description="Specification or receipt.")
    filename: str = strawberry.field(description="Its name on the invoice in WeFact.")
    size_bytes: int | None = strawberry.field(description="Bytes sent (once attempted).")
    sha256: str | None = strawberry.field(description="SHA-256 of the bytes sent (hex).")
    attempted_at: dt.datetime | None = strawberry.field(
        description="When it was first sent to WeFact."
    )
    attached_at: dt.datetime | None = strawberry.field(
        description="When WeFact confirmed it (null: not attached yet, or refused — see the "
        "invoice's error)."
    )
    expense = to_one(
        models.Expense, "expense_id", "Expense", module="schema.domain.types", nullable=True,
        description="The expense whose receipt it is (null for the specification).",
    )
