"""invoicing in WeFact, unbilled and status sync

Revision ID: 0005_invoicing
Revises: 0004_wefact
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_invoicing"
down_revision: str | None = "0004_wefact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Invoicing in WeFact: the crash-safety stamp and the customer's own reference.
    op.add_column(
        "invoices",
        sa.Column("provider_attempted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("invoices", sa.Column("customer_reference", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("invoices", "customer_reference")
    op.drop_column("invoices", "provider_attempted_at")
