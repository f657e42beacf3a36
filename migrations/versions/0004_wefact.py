"""WeFact settings, products and customer import

Revision ID: 0004_wefact
Revises: 0003_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_wefact"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_MODIFIED_COMMENT = (
    "The debtor's Modified as WeFact last reported it, in WeFact's own clock "
    "(naive): the customer import re-reads a debtor only when this differs."
)


def upgrade() -> None:
    # Customer import: the provider's own modification stamp per linked customer.
    op.add_column(
        "customers",
        sa.Column(
            "wefact_modified_at",
            sa.DateTime(timezone=False),
            nullable=True,
            comment=_MODIFIED_COMMENT,
        ),
    )


def downgrade() -> None:
    op.drop_column("customers", "wefact_modified_at")
