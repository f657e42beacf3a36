"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info as StrawberryInfo

from graphql_api.logs import RequestLog
from graphql_api.services.auth import Caller

if TYPE_CHECKING:
    from graphql_api.app import AppState


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

    async def ensure_caller(self) -> Caller | None:
        """The caller; authenticates from ``connection_params`` on first use if needed."""
        if self.caller is None and self.connection_params:
            from graphql_api.services.auth import authenticate
            from resolvers.http import BAD_TOKEN_MESSAGE, bearer_token

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
        """A fresh session for one resolver or loader batch: never shared concurrently."""
        async with self.state.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A fresh session in one explicit transaction (mutations)."""
        async with self.state.sessionmaker() as session, session.begin():
            yield session

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
