"""WeFact settings, products and customer import

Revision ID: 0004_wefact
Revises: 0003_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0004_wefact"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can add its changes without a branch.
    pass


def downgrade() -> None:
    pass
