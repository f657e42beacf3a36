"""domain API (customers, projects, registrations)

Revision ID: 0002_domain
Revises: 0001_foundation
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0002_domain"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can add its changes without a branch.
    pass


def downgrade() -> None:
    pass
