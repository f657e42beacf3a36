"""``Idempotency-Key``: a retried mutation gets the stored answer and writes nothing twice.

As Stripe does it: same key + same request + same caller → the answer given the first time;
the same key with another request → refused; answers are kept ``IDEMPOTENCY_TTL_HOURS``.

The hard case is a crash between commit and answer. Here the key's row is written in the same
transaction as the mutation's own writes (``RequestTransaction``): every database session
the request opens joins that one transaction (writes as savepoints, reads inside it, so the
answer sees its own writes), the answer is stored in it, then it commits. Either the writes
and the answer are both there or neither is: a retry after a crash finds the answer, or finds
nothing and runs the mutation for the first time.

A mutation that starts a run must commit before it answers (the worker has to see the run):
``RequestTransaction.once`` commits the run together with the key (status COMMITTED and the
run's id), and a retry — after a crash, or a duplicate arriving meanwhile — gets that same
run instead of starting another. Mutations that call WeFact through their own sessions
(activate, release, sync products) commit those steps themselves; their flows are safe to
repeat by design, so a retry before the answer was stored repeats them harmlessly.

A concurrent duplicate waits for the first request's row lock (its INSERT conflicts with the
uncommitted row) and then replays its answer; waiting longer than ``lock_timeout`` is
answered as a conflict to retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from graphql_api.models import IdempotencyKey
from graphql_api.security import SecretBox

STARTED = "STARTED"  # only ever seen inside the request's own transaction
COMMITTED = "COMMITTED"  # a run was committed, the answer is not stored yet
COMPLETED = "COMPLETED"  # the answer is stored
MAX_KEY_LENGTH = 255
_LOCK_NOT_AVAILABLE = "55P03"


class KeyReused(Exception):
    """The key was first used with a different request."""


class KeyBusy(Exception):
    """Another request with this key holds it longer than we wait."""


@dataclass(frozen=True)
class StoredAnswer:
    """The answer as it was sent the first time."""

    status: int
    body: bytes


def valid_key(key: str) -> bool:
    """1–255 visible ASCII characters (a UUID is ideal)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all("!" <= c <= "~" for c in key)


def request_hash(secret: str, query: str | None, variables: Any, operation_name: str | None) -> str:
    """A keyed fingerprint of what was asked: the body itself (it may hold a password) is not
    kept, and without SECRET_KEY the fingerprint cannot be tested against guesses."""
    canonical = json.dumps(
        {"query": query, "variables": variables or {}, "operationName": operation_name},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hmac.new(
        b"graphql-api/idempotency/v1:" + secret.encode(),
        canonical.encode("utf-8", "surrogatepass"),
        hashlib.sha256,
    )
    return digest.hexdigest()


def crash_here(point: str, configured: str) -> None:
    """Tests only (``TESTING_CRASH_POINT``): die like a killed server, at this point."""
    if configured and configured == point:
        os.kill(os.getpid(), signal.SIGKILL)


class RequestTransaction:
    """The one transaction of an idempotent request, and its key's row.

    Use ``open`` (a context manager). Afterwards ``stored`` holds the answer to replay, if
    there is one; otherwise the request runs with ``read_session`` / ``savepoint`` for its
    database work, ``once`` for a run it starts, and ``complete`` to store its answer and
    commit.
    """

    def __init__(
        self,
        connection: AsyncConnection,
        box: SecretBox,
        *,
        scope: str,
        key: str,
        fingerprint: str,
        ttl: dt.timedelta,
        crash_point: str,
    ) -> None:
        self.connection = connection
        self.box = box
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.ttl = ttl
        self.crash_point = crash_point
        self.row_id: int | None = None
        self.stored: StoredAnswer | None = None
        self.resource: tuple[str, int] | None = None
        self.committed = False

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        engine: AsyncEngine,
        box: SecretBox,
        *,
        scope: str,
        key: str,
        fingerprint: str,
        ttl: dt.timedelta,
        lock_timeout: dt.timedelta,
        crash_point: str = "",
    ) -> AsyncIterator[RequestTransaction]:
        """Begin the transaction and claim the key (waiting behind a concurrent duplicate);
        roll back whatever was not completed when the block ends."""
        async with engine.connect() as connection:
            request = cls(
                connection,
                box,
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                ttl=ttl,
                crash_point=crash_point,
            )
            await connection.begin()
            try:
                await request._claim(lock_timeout)
                yield request
            finally:
                if connection.in_transaction():
                    await connection.rollback()

    async def _claim(self, lock_timeout: dt.timedelta) -> None:
        now = dt.datetime.now(dt.UTC)
        milliseconds = max(1, int(lock_timeout.total_seconds() * 1000))
        await self.connection.execute(text(f"SET LOCAL lock_timeout = '{milliseconds}ms'"))
        try:
            inserted = await self.connection.scalar(
                insert(IdempotencyKey)
                .values(
                    scope=self.scope,
                    key=self.key,
                    request_hash=self.fingerprint,
                    status=STARTED,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
                .on_conflict_do_nothing(index_elements=["scope", "key"])
                .returning(IdempotencyKey.id)
            )
            if inserted is None:
                await self._read_existing(now)
            else:
                self.row_id = inserted
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise KeyBusy from None
            raise
        await self.connection.execute(text("SET LOCAL lock_timeout TO DEFAULT"))

    async def _read_existing(self, now: dt.datetime) -> None:
        row = (
            await self.connection.execute(
                select(IdempotencyKey)
                .where(IdempotencyKey.scope == self.scope, IdempotencyKey.key == self.key)
                .with_for_update()
            )
        ).one()
        self.row_id = row.id
        if row.expires_at <= now:
            # Kept long enough: the key starts afresh, as if never used.
            await self.connection.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.id == row.id)
                .values(
                    request_hash=self.fingerprint,
                    status=STARTED,
                    response_status=None,
                    response_body=None,
                    resource_kind=None,
                    resource_id=None,
                    created_at=now,
                    expires_at=now + self.ttl,
                )
            )
            return
        if not hmac.compare_digest(row.request_hash, self.fingerprint):
            raise KeyReused
        if row.status == COMPLETED and row.response_body is not None:
            body = self.box.decrypt(row.response_body.decode()).encode()
            self.stored = StoredAnswer(status=row.response_status or 200, body=body)
        elif row.resource_kind is not None and row.resource_id is not None:
            self.resource = (row.resource_kind, row.resource_id)

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session inside the request's transaction (it sees the request's own writes and
        never commits or rolls back the transaction)."""
        async with AsyncSession(
            bind=self.connection, join_transaction_mode="rollback_only", expire_on_commit=False
        ) as session:
            yield session

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[AsyncSession]:
        """A mutation's "transaction": a savepoint, so a domain error undoes just its writes."""
        async with (
            AsyncSession(
                bind=self.connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            ) as session,
            session.begin(),
        ):
            yield session

    async def once(self, kind: str, create: Callable[[AsyncSession], Awaitable[int]]) -> int:
        """The id of the request's ``kind`` (a run): the recorded one when this key already
        committed one, else ``create`` it and commit it with the key at once."""
        if self.resource is not None and self.resource[0] == kind:
            return self.resource[1]
        async with self.savepoint() as session:
            created = await create(session)
        await self.connection.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == self.row_id)
            .values(status=COMMITTED, resource_kind=kind, resource_id=created)
        )
        await self.connection.commit()
        self.committed = True
        crash_here("after-run-commit", self.crash_point)
        # Hold the key again while the answer is made: duplicates wait, then replay it.
        await self.connection.begin()
        await self.connection.execute(
            select(IdempotencyKey.id).where(IdempotencyKey.id == self.row_id).with_for_update()
        )
        self.resource = (kind, created)
        return created

    async def complete(self, status: int, body: bytes) -> None:
        """Store the answer with the request's writes and commit them together."""
        crash_here("before-idempotent-commit", self.crash_point)
        await self.connection.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == self.row_id)
            .values(
                status=COMPLETED,
                response_status=status,
                response_body=self.box.encrypt(body.decode()).encode(),
            )
        )
        await self.connection.commit()
        self.committed = True
        crash_here("after-idempotent-commit", self.crash_point)


async def forget_expired(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Delete answers kept longer than their time (periodic maintenance)."""
    async with sessionmaker() as session, session.begin():
        result = await session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.expires_at <= dt.datetime.now(dt.UTC))
        )
    return int(getattr(result, "rowcount", 0) or 0)
