"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info as StrawberryInfo

from graphql_api.app import AppState
from graphql_api.logs import RequestLog
from graphql_api.services.auth import Caller, authenticate
from graphql_api.services.idempotency import RequestTransaction
from resolvers.tokens import BAD_TOKEN_MESSAGE, bearer_token


@dataclass
class Context:
    """Per request: the app's shared state, the caller (if authenticated) and loaders."""

    state: AppState
    caller: Caller | None
    auth_problem: str | None = None
    request: Any = None
    response: Any = None
    # DataLoaders are created lazily, one set per request (see ``resolvers.loaders``).
    loaders: dict[str, Any] = field(default_factory=dict)
    # graphql-transport-ws: strawberry stores the ``connection_init`` payload here. Browsers
    # cannot set headers on WebSockets, so the token may arrive this way.
    connection_params: dict[str, Any] | None = None
    # The HTTP request's access line (operation, outcome, faults); None on WebSockets.
    request_log: RequestLog | None = None
    # Set while a mutation with an Idempotency-Key runs: all its database work joins this
    # one transaction, which also stores the answer (see graphql_api.services.idempotency).
    idempotency: RequestTransaction | None = None

    async def ensure_caller(self) -> Caller | None:
        """The caller; authenticates from ``connection_params`` on first use if needed."""
        if self.caller is None and self.connection_params:
            raw = self.connection_params.get("Authorization") or self.connection_params.get(
                "authorization"
            )
            token = bearer_token(raw) if isinstance(raw, str) else None
            if token is None and isinstance(self.connection_params.get("token"), str):
                token = self.connection_params["token"]
            if token:
                async with self.state.sessionmaker() as session, session.begin():
                    self.caller = await authenticate(session, token)
                self.auth_problem = None if self.caller else BAD_TOKEN_MESSAGE
        return self.caller

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A fresh session for one resolver or loader batch: never shared concurrently.

        Under an Idempotency-Key it reads inside the request's transaction, so the answer
        shows the request's own (not yet committed) writes.
        """
        if self.idempotency is not None:
            async with self.idempotency.read_session() as session:
                yield session
            return
        async with self.state.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A fresh session in one explicit transaction (mutations).

        Under an Idempotency-Key it is a savepoint of the request's transaction, which
        commits together with the stored answer.
        """
        if self.idempotency is not None:
            async with self.idempotency.savepoint() as session:
                yield session
            return
        async with self.state.sessionmaker() as session, session.begin():
            yield session

    async def once(self, kind: str, create: Callable[[AsyncSession], Awaitable[int]]) -> int:
        """Create and commit the one ``kind`` (a run) this mutation starts; its id.

        Under an Idempotency-Key the run commits together with the key, and a retry of the
        same request gets the run created the first time instead of starting another.
        """
        if self.idempotency is not None:
            return await self.idempotency.once(kind, create)
        async with self.transaction() as session:
            return await create(session)

    @property
    def workspace_id(self) -> int:
        """The caller's workspace; permission classes guarantee a caller exists."""
        assert self.caller is not None, "resolver reached without authentication"
        return self.caller.workspace_id

    @property
    def user_id(self) -> int:
        """The calling user."""
        assert self.caller is not None, "resolver reached without authentication"
        return self.caller.user_id


Info = StrawberryInfo[Context, None]
