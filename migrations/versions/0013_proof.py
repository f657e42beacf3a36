"""proof on invoices: expense receipts, attachment progress, line texts and defaults

``expense_receipts`` keeps one receipt per expense byte for byte (``bytea``, with its SHA-256);
``invoice_attachments`` records, per invoice, each file attached in WeFact/HostFact and how far
attaching it got (attempted before the call, attached once confirmed), so a resumed run never
attaches a file twice nor sends an invoice without it. Invoices record whether they carry the
hours specification and the receipts; the WeFact settings hold the workspace defaults and the
line-text templates per grouping.

Revision ID: 0013_proof
Revises: 0008_guards
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_proof"
down_revision: str | None = "0008_guards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KIND = sa.Enum("SPECIFICATION", "RECEIPT", name="attachmentkind", native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "expense_receipts",
        sa.Column("expense_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False,
                  comment="The name it was uploaded with."),
        sa.Column("content_type", sa.String(length=64), nullable=False,
                  comment="What its first bytes say it is: application/pdf, image/jpeg, "
                  "image/png."),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False,
                  comment="Hex SHA-256 of content."),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["expense_id"], ["expenses.id"],
                                name=op.f("fk_expense_receipts_expense_id_expenses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_user_id"], ["users.id"],
                                name=op.f("fk_expense_receipts_uploaded_by_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_expense_receipts_workspace_id_workspaces"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_receipts")),
        sa.UniqueConstraint("expense_id", name=op.f("uq_expense_receipts_expense_id")),
    )
    op.create_index(op.f("ix_expense_receipts_workspace_id"), "expense_receipts",
                    ["workspace_id"], unique=False)

    op.create_table(
        "invoice_attachments",
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", _KIND, nullable=False),
        sa.Column("expense_id", sa.BigInteger(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["expense_id"], ["expenses.id"],
                                name=op.f("fk_invoice_attachments_expense_id_expenses"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"],
                                name=op.f("fk_invoice_attachments_invoice_id_invoices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_invoice_attachments_workspace_id_workspaces"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_attachments")),
        sa.UniqueConstraint("invoice_id", "filename",
                            name=op.f("uq_invoice_attachments_invoice_id_filename")),
    )
    op.create_index(op.f("ix_invoice_attachments_workspace_id"), "invoice_attachments",
                    ["workspace_id"], unique=False)

    op.add_column("invoices", sa.Column("attach_specification", sa.Boolean(),
                                        server_default=sa.text("false"), nullable=False,
                                        comment="Attach the hours specification (PDF)."))
    op.add_column("invoices", sa.Column("attach_receipts", sa.Boolean(),
                                        server_default=sa.text("false"), nullable=False,
                                        comment="Attach the receipts of its expenses."))
    op.add_column("wefact_settings", sa.Column(
        "attach_specification", sa.Boolean(), server_default=sa.text("false"), nullable=False,
        comment="Default of invoicing's hoursSpecification option: attach the hours PDF."))
    op.add_column("wefact_settings", sa.Column(
        "attach_receipts", sa.Boolean(), server_default=sa.text("false"), nullable=False,
        comment="Default of invoicing's attachReceipts option: attach the expenses' receipts."))
    op.add_column("wefact_settings", sa.Column(
        "line_templates", postgresql.JSONB(astext_type=sa.Text()),
        server_default=sa.text("'{}'::jsonb"), nullable=False,
        comment="Hours line text per grouping (ENTRY, ACTIVITY, …), validated when saved."))


def downgrade() -> None:
    op.drop_column("wefact_settings", "line_templates")
    op.drop_column("wefact_settings", "attach_receipts")
    op.drop_column("wefact_settings", "attach_specification")
    op.drop_column("invoices", "attach_receipts")
    op.drop_column("invoices", "attach_specification")
    op.drop_index(op.f("ix_invoice_attachments_workspace_id"), table_name="invoice_attachments")
    op.drop_table("invoice_attachments")
    op.drop_index(op.f("ix_expense_receipts_workspace_id"), table_name="expense_receipts")
    op.drop_table("expense_receipts")
