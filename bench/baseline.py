"""The hand-written baseline: Starlette + asyncpg returning the same rows as the GraphQL list.

It does what a careful hand-written endpoint must do too: check the bearer token (one query:
token → workspace), then one query joining the relations, and answer with the same JSON
document the GraphQL query produces. No ORM, no GraphQL, no DataLoaders. ``/list`` answers
the plain page (any ``first``), ``/filtered`` the filtered page after a cursor.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
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


FILTERED_SQL = """
SELECT te.id, te.date, te.hours, te.notes, p.name AS project, a.name AS activity
FROM time_entries te
JOIN projects p ON p.id = te.project_id
JOIN activities a ON a.id = te.activity_id
WHERE te.workspace_id = $1 AND te.project_id = $2 AND te.date >= $3
  AND (te.date, te.id) > ($4, $5)
ORDER BY te.date, te.id
LIMIT $6
"""


def _cursor(row: asyncpg.Record) -> str:
    """The API's keyset cursor: JSON ``[date, id]`` in URL-safe base64."""
    text = json.dumps([row["date"].isoformat(), row["id"]], ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode()


def _decode(value: str) -> Any:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


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

    async def filtered(request: Request) -> Response:
        """A filtered, cursor-paged page: ``projectId`` and ``dateFrom``, ``after`` a cursor."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        variables = json.loads(await request.body()).get("variables", {})
        first = min(int(variables.get("first", 20)), 100)
        after_date, after_id = json.loads(_decode(variables["after"]))
        project_id = int(_decode(variables["filter"]["projectId"]).decode().split(":")[1])
        date_from = dt.date.fromisoformat(variables["filter"]["dateFrom"])
        async with pools["db"].acquire() as conn:
            workspace_id = (
                await conn.fetchval(AUTH_SQL, hash_token(token.strip()))
                if scheme.lower() == "bearer"
                else None
            )
            if workspace_id is None:
                return JSONResponse({"error": "unauthenticated"}, status_code=401)
            rows = await conn.fetch(
                FILTERED_SQL, workspace_id, project_id, date_from,
                dt.date.fromisoformat(after_date), int(after_id), first + 1,
            )
        page = rows[:first]
        edges = [
            {
                "cursor": _cursor(row),
                "node": {
                    "id": _global_id("TimeEntry", row["id"]),
                    "date": row["date"].isoformat(),
                    "hours": str(row["hours"]),
                    "notes": row["notes"],
                    "project": {"name": row["project"]},
                    "activity": {"name": row["activity"]},
                },
            }
            for row in page
        ]
        info = {
            "hasNextPage": len(rows) > first,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return JSONResponse({"data": {"timeEntries": {"edges": edges, "pageInfo": info}}})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/list", time_entries, methods=["POST"]),
            Route("/filtered", filtered, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
