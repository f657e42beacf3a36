"""The ASGI application factory and the state it shares between requests."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp

from graphql_api import graphiql
from graphql_api.budget import SharedCallBudget, SharedWriteLocks
from graphql_api.db import create_engine, create_sessionmaker
from graphql_api.middleware import (
    MULTIPART_OVERHEAD_BYTES,
    AccessLog,
    BodyLimit,
    SecurityHeaders,
)
from graphql_api.provider_runtime import ProviderRuntime
from graphql_api.resources import Resources
from graphql_api.security import SecretBox
from graphql_api.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class AppState(Resources):
    """What requests share: the process's resources (with its provider runtime) and the
    engine behind its sessions."""

    engine: AsyncEngine

    @classmethod
    def create(cls, settings: Settings, database_url: str) -> AppState:
        """Engine, sessions and clients for one process."""
        engine = create_engine(database_url)
        # WeFact's budget and HostFact's write lock are shared with every other process.
        providers = ProviderRuntime(
            budget=SharedCallBudget(
                engine,
                per_minute=settings.wefact_calls_per_minute,
                per_hour=settings.wefact_calls_per_hour,
            ),
            write_locks=SharedWriteLocks(engine),
        )
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            secret_box=SecretBox(settings.resolved_secret_key(), settings.previous_secret_keys),
            # One shared client for all provider calls: pooled connections, bounded timeouts.
            http=httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0)),
            database_url=database_url,
            providers=providers,
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


CORS_REQUEST_HEADERS = (
    "Authorization", "Content-Type", "Idempotency-Key", "GraphQL-Require-Preflight",
    "Apollo-Require-Preflight",
)
"""What a page on another origin may send: the token, JSON, the retry key of mutations, and
the header a file upload (multipart) must carry."""

CORS_MAX_AGE_SECONDS = 600
"""How long a browser may reuse a preflight answer."""


def cors_middleware(settings: Settings) -> list[Middleware]:
    """CORS for the origins in CORS_ORIGINS; none at all when it is empty.

    Listed origins are echoed back and may send credentials; ``*`` answers any origin but
    never with credentials (browsers refuse that pair, and it would let every site use a
    visitor's credentials). Tokens travel in ``Authorization``, which works either way.
    """
    origins = settings.cors_origins
    if not origins:
        return []
    wildcard = origins == ["*"]
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=list(CORS_REQUEST_HEADERS),
            allow_credentials=not wildcard,
            max_age=CORS_MAX_AGE_SECONDS,
        )
    ]


def middleware(settings: Settings) -> list[Middleware]:
    """What wraps every route, outermost first.

    The access line sees every answer (413s and preflights included); the security headers
    go on every answer; CORS sits outside the body limit (and the view's time limit), so a
    413 or 503 still carries the CORS headers a browser needs to let the page read it, and
    a preflight is answered before any limit applies.
    """
    return [
        Middleware(AccessLog),
        Middleware(SecurityHeaders),
        *cors_middleware(settings),
        Middleware(
            BodyLimit,
            max_bytes=settings.max_body_bytes,
            upload_max_bytes=settings.receipt_max_bytes + MULTIPART_OVERHEAD_BYTES,
        ),
    ]


def create_app(
    state: AppState,
    graphql_app: ASGIApp,
    *,
    close_state_on_shutdown: bool = True,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The Starlette app: ``/graphql`` (HTTP + graphql-transport-ws), ``/healthz``, ``/readyz``,
    GraphiQL's assets under ``/graphiql`` when GraphiQL is on, and CORS for CORS_ORIGINS.

    ``graphql_app`` serves ``/graphql``; the composition root (``graphql_api.composition``)
    builds it, so this module knows nothing of the GraphQL layer. ``extra_routes``: more
    routes from the layers above (the file downloads).
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if close_state_on_shutdown:
            await state.close()

    routes: list[BaseRoute] = [
        # Every method reaches the view, which answers the unsupported ones with a JSON 405.
        Route("/graphql", graphql_app),
        WebSocketRoute("/graphql", graphql_app),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *extra_routes,
    ]
    if state.settings.graphiql:
        routes.append(Mount(graphiql.STATIC_PATH, app=graphiql.static_files(), name="graphiql"))
    app = Starlette(routes=routes, middleware=middleware(state.settings), lifespan=lifespan)
    app.state.app_state = state
    return app
