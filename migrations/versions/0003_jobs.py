"""background jobs (procrastinate schema, run records)

Revision ID: 0003_jobs
Revises: 0002_domain
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003_jobs"
down_revision: str | None = "0002_domain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reserved in the chain so parallel work can add its changes without a branch.
    pass


def downgrade() -> None:
    pass
