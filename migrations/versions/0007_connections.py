"""provider connections: an invoice belongs to the connection it was made with

Every WeFact administration / HostFact installation a workspace invoiced with becomes a row of
``provider_connections`` (provider, HostFact URL, encrypted key). ``wefact_settings`` points at
the current one; ``invoices.connection_id`` records the one each invoice was made with.

Existing data: each settings row becomes its workspace's first connection. Invoices made with
the provider that row names are assigned to it; invoices made with another provider (the
workspace switched before connections were kept) get no connection: their connection is gone.

Revision ID: 0007_connections
Revises: 0006_unbilled
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_connections"
down_revision: str | None = "0006_unbilled"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBSCRIPTION = sa.Enum("WEFACT", "HOSTFACT", name="subscription", native_enum=False, length=32)
_MOVED = ("subscription", "hostfact_url", "api_key_encrypted", "api_key_hint",
          "last_verified_at", "last_status_sync_at")


def upgrade() -> None:
    op.create_table(
        "provider_connections",
        sa.Column("provider", _SUBSCRIPTION, nullable=False),
        sa.Column("hostfact_url", sa.String(length=500), nullable=True),
        sa.Column("api_key_encrypted", sa.Text(), nullable=False),
        sa.Column("api_key_hint", sa.String(length=8), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "replaced_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When another connection became the workspace's current one (NULL: current).",
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"],
            name=op.f("fk_provider_connections_workspace_id_workspaces"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_connections")),
    )
    op.create_index(op.f("ix_provider_connections_workspace_id"), "provider_connections",
                    ["workspace_id"], unique=False)

    op.add_column("wefact_settings", sa.Column("connection_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "wefact_settings",
        sa.Column(
            "activation_notes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
            comment="What the last activation changed besides the connection, in plain words.",
        ),
    )
    op.add_column("invoices", sa.Column("connection_id", sa.BigInteger(), nullable=True))

    # Each settings row becomes its workspace's first (and current) connection.
    op.execute(
        """
        WITH made AS (
            INSERT INTO provider_connections (
                workspace_id, provider, hostfact_url, api_key_encrypted, api_key_hint,
                last_verified_at, last_status_sync_at, created_at, updated_at)
            SELECT workspace_id, subscription, hostfact_url, api_key_encrypted, api_key_hint,
                   last_verified_at, last_status_sync_at, created_at, updated_at
            FROM wefact_settings
            RETURNING id, workspace_id
        )
        UPDATE wefact_settings s SET connection_id = made.id
        FROM made WHERE made.workspace_id = s.workspace_id
        """
    )
    op.execute(
        """
        UPDATE invoices i SET connection_id = s.connection_id
        FROM wefact_settings s
        WHERE s.workspace_id = i.workspace_id AND s.subscription = i.provider
        """
    )

    op.alter_column("wefact_settings", "connection_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_wefact_settings_connection_id_provider_connections"), "wefact_settings",
        "provider_connections", ["connection_id"], ["id"],
    )
    op.create_index(op.f("ix_wefact_settings_connection_id"), "wefact_settings",
                    ["connection_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_invoices_connection_id_provider_connections"), "invoices",
        "provider_connections", ["connection_id"], ["id"],
    )
    op.create_index(op.f("ix_invoices_connection_id"), "invoices", ["connection_id"],
                    unique=False)
    for column in _MOVED:
        op.drop_column("wefact_settings", column)


def downgrade() -> None:
    op.add_column("wefact_settings", sa.Column("subscription", _SUBSCRIPTION, nullable=True))
    op.add_column("wefact_settings", sa.Column("hostfact_url", sa.String(500), nullable=True))
    op.add_column("wefact_settings", sa.Column("api_key_encrypted", sa.Text(), nullable=True))
    op.add_column("wefact_settings", sa.Column("api_key_hint", sa.String(8), nullable=True))
    op.add_column("wefact_settings",
                  sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("wefact_settings",
                  sa.Column("last_status_sync_at", sa.DateTime(timezone=True), nullable=True))
    # The current connection goes back onto the settings row; earlier ones are lost.
    op.execute(
        """
        UPDATE wefact_settings s SET subscription = c.provider, hostfact_url = c.hostfact_url,
            api_key_encrypted = c.api_key_encrypted, api_key_hint = c.api_key_hint,
            last_verified_at = c.last_verified_at, last_status_sync_at = c.last_status_sync_at
        FROM provider_connections c WHERE c.id = s.connection_id
        """
    )
    for column in ("subscription", "api_key_encrypted", "api_key_hint"):
        op.alter_column("wefact_settings", column, nullable=False)
    op.drop_index(op.f("ix_invoices_connection_id"), table_name="invoices")
    op.drop_constraint(op.f("fk_invoices_connection_id_provider_connections"), "invoices",
                       type_="foreignkey")
    op.drop_column("invoices", "connection_id")
    op.drop_index(op.f("ix_wefact_settings_connection_id"), table_name="wefact_settings")
    op.drop_constraint(op.f("fk_wefact_settings_connection_id_provider_connections"),
                       "wefact_settings", type_="foreignkey")
    op.drop_column("wefact_settings", "activation_notes")
    op.drop_column("wefact_settings", "connection_id")
    op.drop_index(op.f("ix_provider_connections_workspace_id"), table_name="provider_connections")
    op.drop_table("provider_connections")
