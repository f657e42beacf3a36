"""Database engines and sessions (SQLAlchemy 2 async on asyncpg)."""

from __future__ import annotations

import datetime as dt
import json
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str) -> str:
    """Turn any PostgreSQL URL into the asyncpg dialect's form."""
    for prefix in (
        "postgresql+asyncpg://",
        "postgresql+psycopg://",
        "postgresql://",
        "postgres://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def plain_url(url: str) -> str:
    """The libpq form of a URL (for psycopg, psql and procrastinate)."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database name."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


# A pooled connection idle for longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 5.0
# Connections are replaced after this long, so none lives across a failover indefinitely.
POOL_RECYCLE_SECONDS = 1800


def create_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    """An async engine whose pool pings connections that sat idle, not every checkout.

    ``pool_pre_ping`` would cost a round trip on every checkout (a list request checks out
    two or more); under load connections are seconds old at most and a restart of the
    database shows as errors on all of them, which SQLAlchemy answers by invalidating the
    whole pool. So only a connection idle for ``PING_AFTER_IDLE_SECONDS`` is pinged (the
    case pre-ping exists for: a quiet app after a database restart), ``pool_recycle`` bounds
    a connection's age, and a disconnect seen mid-request still invalidates the pool.
    """
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=False,
        pool_recycle=POOL_RECYCLE_SECONDS,
        # A failed statement's message would otherwise carry its parameters (names, notes)
        # into the traceback that is logged.
        hide_parameters=True,
    )
    _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's pessimistic disconnect handling, limited to connections that sat idle:
    a failed ping raises ``DisconnectionError``, and the pool retries with a fresh one."""
    pool_events: Any = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool_events, "checkin")
    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(pool_events, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or in use moments ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One session in one explicit transaction: committed on success, rolled back on error."""
    async with sessionmaker() as session, session.begin():
        yield session


_AUTOCOMMIT: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` (its pool) in autocommit: for requests of single statements, which need no
    BEGIN/COMMIT round trips (one statement reads one snapshot by itself)."""
    found = _AUTOCOMMIT.get(engine)
    if found is None:
        found = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


_DEFER_JOB_SQL = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    "CAST(:queue AS varchar), CAST(:task AS varchar), CAST(:priority AS integer), "
    "CAST(:lock AS text), CAST(NULL AS text), CAST(:args AS jsonb), "
    "CAST(:scheduled_at AS timestamptz))::procrastinate_job_to_defer_v1])) AS id"
)


async def defer_job(
    session: AsyncSession,
    *,
    queue: str,
    task: str,
    args: dict[str, Any],
    lock: str | None = None,
    priority: int = 0,
    scheduled_at: dt.datetime | None = None,
) -> int:
    """Queue a procrastinate job in the session's transaction (procrastinate's own
    ``procrastinate_defer_jobs_v1`` on our connection): it becomes visible to workers on
    commit, and vanishes with a rollback. Returns the job's id."""
    job_id = await session.scalar(
        _DEFER_JOB_SQL,
        {
            "queue": queue,
            "task": task,
            "priority": priority,
            "lock": lock,
            "args": json.dumps(args),
            "scheduled_at": scheduled_at,
        },
    )
    assert job_id is not None
    return int(job_id)
