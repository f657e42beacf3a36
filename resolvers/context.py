"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info as StrawberryInfo

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
