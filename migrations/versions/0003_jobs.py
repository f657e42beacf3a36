"""background jobs (procrastinate schema, run records)

Installs procrastinate's schema (its tables, types, functions and triggers, all named
``procrastinate_*``) from the installed package's ``schema.sql``, i.e. the schema of the
procrastinate version pinned in requirements.lock (3.10). The ``runs`` table itself was
created by the foundation migration and needs no change here.

Upgrading procrastinate later: add a new alembic migration that applies the package's
``sql/migrations/*.sql`` files between the old and the new version (procrastinate ships one
file per schema change), never edit this one.

Revision ID: 0003_jobs
Revises: 0002_domain
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_

revision: str = "0003_jobs"
down_revision: str | None = "0002_domain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DROP = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
    procrastinate_jobs, procrastinate_workers CASCADE;
DO $$
DECLARE fn regprocedure;
BEGIN
    FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || fn || ' CASCADE';
    END LOOP;
END;
$$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
    procrastinate_job_status CASCADE;
"""


def _execute_script(sql: str) -> None:
    # The schema is a multi-statement script with $$-quoted functions: it must go through
    # the driver's simple-query path (asyncpg's ``execute`` without arguments), not through
    # SQLAlchemy, which prepares each statement and would also read ``:name`` as a parameter.
    # It still runs on alembic's connection, inside the migration's transaction.
    driver_connection = op.get_bind().connection.driver_connection
    await_(driver_connection.execute(sql))  # type: ignore[union-attr]


def upgrade() -> None:
    _execute_script(SchemaManager.get_schema())


def downgrade() -> None:
    _execute_script(_DROP)
