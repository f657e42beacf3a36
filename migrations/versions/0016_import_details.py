"""import details: customers know whether their WeFact details are complete

The customer import now creates and updates customers from the debtor list pages alone (code,
name, e-mail, Modified); the full record (address, VAT and chamber-of-commerce numbers, phone)
is filled in afterwards by a low-priority ``CUSTOMER_DETAILS`` run. ``details_complete`` is
false from the list import until that fill has read the debtor's current record. Existing
customers were imported with their full records (or are our own), so they start complete.

Revision ID: 0016_import_details
Revises: 0015_budget
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_import_details"
down_revision: str | None = "0015_budget"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "customers",
        sa.Column(
            "details_complete",
            sa.Boolean(),
            server_default=sa.text("true"),
            nullable=False,
            comment=(
                "False while the debtor's full record (address, VAT and chamber-of-commerce "
                "numbers, phone) is still to be read after an import from the list rows."
            ),
        ),
    )
    # The details fill finds its work with this: the few incomplete customers of a workspace.
    op.create_index(
        "ix_customers_details_pending",
        "customers",
        ["workspace_id", "id"],
        postgresql_where=sa.text("NOT details_complete"),
    )


def downgrade() -> None:
    op.drop_index("ix_customers_details_pending", table_name="customers")
    op.drop_column("customers", "details_complete")
