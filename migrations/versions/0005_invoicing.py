"""invoicing in WeFact, unbilled and status sync

Revision ID: 0005_invoicing
Revises: 0004_wefact
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0005_invoicing"
down_revision: str | None = "0004_wefact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can add its changes without a branch.
    pass


def downgrade() -> None:
    pass
