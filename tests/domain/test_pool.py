"""The pool pings connections that sat idle, so a database restart does not fail requests."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from graphql_api import db
from graphql_api.app import AppState


async def test_a_killed_idle_connection_is_replaced_not_used(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled connection is "idle"
    url = state.engine.url.render_as_string(hide_password=False)
    engine = db.create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        # What a database restart does to every pooled connection.
        async with state.engine.connect() as admin:
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()


async def test_busy_connections_are_not_pinged(state: AppState) -> None:
    url = state.engine.url.render_as_string(hide_password=False)
    engine = db.create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        async with state.engine.connect() as admin:
            await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # Used a moment ago, so not pinged: the dead connection surfaces as an error, and
        # SQLAlchemy invalidates it (the next checkout connects afresh).
        with pytest.raises(Exception):  # noqa: B017, PT011 - the driver's error type varies
            async with engine.connect() as conn:
                await conn.scalar(text("SELECT 1"))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()
