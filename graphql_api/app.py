"""The ASGI application factory and the state it shares between requests."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from graphql_api.db import create_engine, create_sessionmaker
from graphql_api.middleware import AccessLog, BodyLimit, SecurityHeaders
from graphql_api.security import SecretBox
from graphql_api.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class AppState:
    """What requests share: settings, the database, the secret box and one HTTP client."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    secret_box: SecretBox
    http: httpx.AsyncClient
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, database_url: str) -> AppState:
        """Engine, sessions and clients for one process."""
        engine = create_engine(database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            secret_box=SecretBox(settings.resolved_secret_key(), settings.previous_secret_keys),
            # One shared client for all provider calls: pooled connections, bounded timeouts.
            http=httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)),
        )

    async def close(self) -> None:
        """Release connections (graceful shutdown)."""
        await self.http.aclose()
        await self.engine.dispose()


async def healthz(request: Request) -> JSONResponse:
    """Alive: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready: the database answers."""
    state: AppState = request.app.state.app_state
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        logger.warning("readiness check failed: database unreachable", exc_info=True)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def create_app(state: AppState, *, close_state_on_shutdown: bool = True) -> Starlette:
    """The Starlette app: ``/graphql`` (HTTP + graphql-transport-ws), ``/healthz``, ``/readyz``."""
    from resolvers.http import GraphQLApp

    graphql_app = GraphQLApp(state)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if close_state_on_shutdown:
            await state.close()

    app = Starlette(
        routes=[
            # Every method reaches the view, which answers the unsupported ones with a JSON 405.
            Route("/graphql", graphql_app),
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
        middleware=[
            # Outermost first: the access line sees every answer, the 413s included.
            Middleware(AccessLog),
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, max_bytes=state.settings.max_body_bytes),
        ],
    )
    app.state.app_state = state
    return app
