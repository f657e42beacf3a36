"""unbilled report indexes and the project of fixed-price / subscription lines

Revision ID: 0006_unbilled
Revises: 0005_invoicing
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_unbilled"
down_revision: str | None = "0005_invoicing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_BILLABLE = "status = 'OPEN' AND invoice_line_id IS NULL AND billable"

# Per registration table: the columns its amount needs, carried in the index so the
# Unbilled report reads open rows with an index-only scan.
_REGISTRATIONS = {
    "time_entries": ["hours", "rate"],
    "expenses": ["quantity", "unit_price"],
    "trips": ["distance_km", "rate"],
}


def upgrade() -> None:
    for table, include in _REGISTRATIONS.items():
        op.create_index(
            f"ix_{table}_open_billable",
            table,
            ["workspace_id", "project_id", "date"],
            postgresql_include=include,
            postgresql_where=sa.text(OPEN_BILLABLE),
        )
    op.add_column(
        "invoice_lines",
        sa.Column(
            "project_id",
            sa.BigInteger(),
            nullable=True,
            comment="The project a FIXED_PRICE or SUBSCRIPTION line bills (Unbilled).",
        ),
    )
    op.create_foreign_key(
        "fk_invoice_lines_project_id_projects", "invoice_lines", "projects", ["project_id"], ["id"]
    )
    op.create_index(
        "ix_invoice_lines_project_kind",
        "invoice_lines",
        ["project_id", "kind"],
        postgresql_where=sa.text("project_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_lines_project_kind", table_name="invoice_lines")
    op.drop_constraint("fk_invoice_lines_project_id_projects", "invoice_lines", type_="foreignkey")
    op.drop_column("invoice_lines", "project_id")
    for table in reversed(_REGISTRATIONS):
        op.drop_index(f"ix_{table}_open_billable", table_name=table)
