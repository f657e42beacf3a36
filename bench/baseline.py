"""The hand-written baseline: Starlette + asyncpg returning the same rows as the GraphQL list.

It does what a careful hand-written endpoint must do too: check the bearer token (one query:
token → workspace), then one query joining the relations, and answer with the same JSON
document the GraphQL query produces. No ORM, no GraphQL, no DataLoaders.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graphql_api.db import plain_url
from graphql_api.security import hash_token

AUTH_SQL = """
SELECT u.workspace_id
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1 AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.active
"""

PAGE_SQL = """
SELECT te.id, te.date, te.hours, te.notes,
       p.name AS project, c.name AS customer, a.name AS activity, u.name AS "user"
FROM time_entries te
JOIN projects p ON p.id = te.project_id
JOIN customers c ON c.id = p.customer_id
JOIN activities a ON a.id = te.activity_id
JOIN users u ON u.id = te.user_id
WHERE te.workspace_id = $1
ORDER BY te.date, te.id
LIMIT $2
"""


def _global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode()


def _node(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": _global_id("TimeEntry", row["id"]),
        "date": row["date"].isoformat(),
        "hours": str(row["hours"]),
        "notes": row["notes"],
        "project": {"name": row["project"], "customer": {"name": row["customer"]}},
        "activity": {"name": row["activity"]},
        "user": {"name": row["user"]},
    }


def create_baseline_app(database_url: str, *, pool_size: int = 10) -> Starlette:
    """The baseline app; ``POST /list`` takes the GraphQL request body (reads ``first``)."""
    pools: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pools["db"] = await asyncpg.create_pool(
            plain_url(database_url), min_size=1, max_size=pool_size
        )
        yield
        await pools["db"].close()

    async def time_entries(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        body = json.loads(await request.body())
        first = min(int(body.get("variables", {}).get("first", 20)), 100)
        async with pools["db"].acquire() as conn:
            workspace_id = (
                await conn.fetchval(AUTH_SQL, hash_token(token.strip()))
                if scheme.lower() == "bearer"
                else None
            )
            if workspace_id is None:
                return JSONResponse({"error": "unauthenticated"}, status_code=401)
            rows = await conn.fetch(PAGE_SQL, workspace_id, first)
        edges = [{"node": _node(row)} for row in rows]
        return JSONResponse({"data": {"timeEntries": {"edges": edges}}})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/list", time_entries, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
