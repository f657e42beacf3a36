"""Bulk data for the benchmarks: COPY through asyncpg, never through GraphQL.

Everything is deterministic (a seeded ``random.Random``), so two runs measure the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from graphql_api.app import AppState
from graphql_api.models import TokenKind
from graphql_api.services.auth import create_workspace, issue_token

FIRST_DAY = dt.date(2023, 1, 1)
COPY_CHUNK = 50_000


@dataclass(frozen=True)
class Catalog:
    """A workspace with an owner's API token and the rows registrations point at."""

    workspace_id: int
    owner_id: int
    token: str
    user_ids: list[int]
    customer_ids: list[int]
    project_ids: list[int]
    activity_ids: list[int]


async def new_workspace(state: AppState, name: str, email: str) -> tuple[int, int, str]:
    """A workspace and its owner, with a real API token issued by the auth service."""
    async with state.sessionmaker() as session, session.begin():
        workspace, owner = await create_workspace(session, name, email, None)
        issued = await issue_token(
            session, owner, kind=TokenKind.API, name="bench", expires_at=None
        )
        return workspace.id, owner.id, issued.token


async def _ids(conn: asyncpg.Connection, table: str, workspace_id: int) -> list[int]:
    rows = await conn.fetch(
        f"SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id",
        workspace_id,
    )
    return [row["id"] for row in rows]


async def seed_catalog(
    state: AppState,
    conn: asyncpg.Connection,
    name: str,
    *,
    users: int = 10,
    customers: int = 100,
    projects: int = 300,
    activities: int = 20,
    number_prefix: str = "DB",
) -> Catalog:
    """Users, customers, projects (hourly, billed at the project rate) and activities."""
    slug = name.lower().replace(" ", "-")
    workspace_id, owner_id, token = await new_workspace(state, name, f"owner@{slug}.bench")
    await conn.copy_records_to_table(
        "users",
        columns=["workspace_id", "email", "name", "role", "hourly_rate", "active"],
        records=[
            (workspace_id, f"user{i}@{slug}.bench", f"User {i}", "MEMBER", Decimal("80.00"), True)
            for i in range(users - 1)
        ],
    )
    await conn.copy_records_to_table(
        "customers",
        columns=["workspace_id", "name", "customer_number", "hourly_rate", "archived"],
        records=[
            (workspace_id, f"Customer {i:05d}", f"{number_prefix}{i:05d}", Decimal("90.00"), False)
            for i in range(customers)
        ],
    )
    customer_ids = await _ids(conn, "customers", workspace_id)
    await conn.copy_records_to_table(
        "projects",
        columns=[
            "workspace_id", "customer_id", "name", "billing_method", "hourly_rate",
            "restrict_activities", "archived",
        ],
        records=[
            (workspace_id, customer_ids[i % customers], f"Project {i:05d}",
             "HOURLY_PROJECT_RATE", Decimal("95.00"), False, False)
            for i in range(projects)
        ],
    )
    await conn.copy_records_to_table(
        "activities",
        columns=["workspace_id", "name", "hourly_rate", "billable", "archived"],
        records=[
            (workspace_id, f"Activity {i:03d}", Decimal("85.00"), True, False)
            for i in range(activities)
        ],
    )
    return Catalog(
        workspace_id=workspace_id,
        owner_id=owner_id,
        token=token,
        user_ids=await _ids(conn, "users", workspace_id),
        customer_ids=customer_ids,
        project_ids=await _ids(conn, "projects", workspace_id),
        activity_ids=await _ids(conn, "activities", workspace_id),
    )


TIME_ENTRY_COLUMNS = [
    "workspace_id", "user_id", "project_id", "activity_id", "date", "billable", "status",
    "hours", "notes", "rate",
]


def _time_entries(
    catalog: Catalog,
    count: int,
    *,
    seed: int,
    invoiced_share: float,
    billable_share: float,
    days: int,
) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)  # test data, not secrets
    quarter_hours = [Decimal(q) / 4 for q in range(1, 33)]
    for i in range(count):
        status = "INVOICED" if rng.random() < invoiced_share else "OPEN"
        yield (
            catalog.workspace_id,
            rng.choice(catalog.user_ids),
            rng.choice(catalog.project_ids),
            rng.choice(catalog.activity_ids),
            FIRST_DAY + dt.timedelta(days=rng.randrange(days)),
            rng.random() < billable_share,
            status,
            rng.choice(quarter_hours),
            f"Work item {i}",
            Decimal("95.00"),
        )


async def seed_time_entries(
    conn: asyncpg.Connection,
    catalog: Catalog,
    count: int,
    *,
    seed: int = 1,
    invoiced_share: float = 0.0,
    billable_share: float = 0.9,
    days: int = 730,
) -> None:
    """``count`` time entries spread over users, projects, activities and ``days`` days."""
    chunk: list[tuple[object, ...]] = []
    for record in _time_entries(
        catalog,
        count,
        seed=seed,
        invoiced_share=invoiced_share,
        billable_share=billable_share,
        days=days,
    ):
        chunk.append(record)
        if len(chunk) >= COPY_CHUNK:
            await conn.copy_records_to_table(
                "time_entries", columns=TIME_ENTRY_COLUMNS, records=chunk
            )
            chunk = []
    if chunk:
        await conn.copy_records_to_table("time_entries", columns=TIME_ENTRY_COLUMNS, records=chunk)
    # Fresh statistics for every table, as autovacuum would have them on a live database:
    # without them the planner takes the few-hundred-row catalog tables for empty.
    await conn.execute("ANALYZE")
