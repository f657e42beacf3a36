"""The suite's own database: a fresh one on ``BENCH_DATABASE_URL``'s server, or an embedded
PostgreSQL in a temporary directory; migrated with our migrations and dropped afterwards."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from graphql_api.db import plain_url, with_database
from graphql_api.migrate import upgrade


async def _admin(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def server() -> Iterator[tuple[str, str]]:
    """A server URL and where it came from (``BENCH_DATABASE_URL`` or ``embedded``)."""
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        yield configured, "BENCH_DATABASE_URL"
        return
    from graphql_api.embedded import EmbeddedPostgres

    tmp = Path(tempfile.mkdtemp(prefix="graphql-api-bench-"))
    embedded = EmbeddedPostgres(tmp)
    try:
        yield embedded.start(), "embedded"
    finally:
        embedded.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def create_database(server_url: str) -> str:
    """A new empty database on the server, migrated to head; returns its URL."""
    import asyncio

    name = "graphql_api_bench_" + secrets.token_hex(4)
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    await asyncio.to_thread(upgrade, url)
    return url


async def drop_database(server_url: str, url: str) -> None:
    """Drop a database made by ``create_database``."""
    name = url.split("?", 1)[0].rsplit("/", 1)[1]
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def connect(url: str) -> asyncpg.Connection:
    """A plain asyncpg connection for bulk loading and baselines."""
    return await asyncpg.connect(plain_url(url))
