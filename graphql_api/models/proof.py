"""What an invoice carries as proof: expense receipts, and the files attached in WeFact.

Receipts live in PostgreSQL (``bytea``), next to the expense they prove: it is the one
durable store every API process and job worker already shares, its backups already cover
it, and a receipt then changes in the same transaction that checks its expense is still
open — so a receipt can never change under an invoice that is being made.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import Base, IdMixin, TimestampMixin, WorkspaceMixin, str_enum


class ExpenseReceipt(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """The receipt of one expense (PDF, JPEG or PNG, told by its content), byte for byte."""

    __tablename__ = "expense_receipts"

    expense_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("expenses.id", ondelete="CASCADE"), unique=True
    )
    filename: Mapped[str] = mapped_column(String(255), comment="The name it was uploaded with.")
    content_type: Mapped[str] = mapped_column(
        String(64),
        comment="What its first bytes say it is: application/pdf, image/jpeg, image/png.",
    )
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), comment="Hex SHA-256 of content.")
    # Deferred: listing receipts never drags their bytes along.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )


class AttachmentKind(enum.Enum):
    """What a file attached to an invoice in WeFact is."""

    SPECIFICATION = "SPECIFICATION"
    RECEIPT = "RECEIPT"


class InvoiceAttachment(IdMixin, WorkspaceMixin, Base):
    """One file an invoice gets in WeFact, and how far attaching it got.

    ``attempted_at`` is committed before ``attachment/add`` is sent: from then on WeFact may
    have the file, so a retry lists the invoice's files (by name) before adding it again.
    ``attached_at`` is set once WeFact confirmed it (or the list showed it)."""

    __tablename__ = "invoice_attachments"
    __table_args__ = (UniqueConstraint("invoice_id", "filename"),)

    invoice_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("invoices.id", ondelete="CASCADE")
    )
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind))
    expense_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("expenses.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime | None]
    attached_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
