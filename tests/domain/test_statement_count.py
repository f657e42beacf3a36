"""Relations of a page resolve through DataLoaders: the SQL statement count is fixed.

These pin the normal path, so compiled reads are off here; ``tests/compiled`` pins theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from graphql_api.app import AppState
from graphql_api.models import Activity, BillingMethod, Customer, Project, Role, TimeEntry
from tests.conftest import GraphQLClient, Member, add_member

PAGE = """
query($first: Int!) {
  timeEntries(first: $first) {
    edges { node { project { name customer { name } } activity { name } user { name } } }
  }
}
"""
# authentication (1), the page (1), then the list reads the selected relations of the page in
# its own session: projects, their customers, activities, users (4).
EXPECTED_STATEMENTS = 6
# Only what is selected is read: the same relations through fragments, minus users.
FRAGMENTS = """
query($first: Int!) {
  timeEntries(first: $first) {
    edges { node { ...Entry ... on TimeEntry { activity { name } } } }
  }
}
fragment Entry on TimeEntry { id project { customer { name } } }
"""
BARE = "query($first: Int!) { timeEntries(first: $first) { edges { node { id hours } } } }"


@pytest.fixture(autouse=True)
def normal_path(state: AppState) -> None:
    """Every query of this module executes field by field."""
    state.settings.compiled_reads = False


@contextmanager
def count_statements(state: AppState) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(state.engine.sync_engine, "before_cursor_execute", record)


async def _seed(state: AppState, owner: Member, users: list[int]) -> None:
    """100 entries spread over 10 customers, 20 projects, 5 activities and 3 users."""
    async with state.sessionmaker() as session, session.begin():
        customers = [Customer(workspace_id=owner.workspace_id, name=f"C{i}") for i in range(10)]
        activities = [Activity(workspace_id=owner.workspace_id, name=f"A{i}") for i in range(5)]
        session.add_all([*customers, *activities])
        await session.flush()
        projects = [
            Project(workspace_id=owner.workspace_id, customer_id=customers[i % 10].id,
                    name=f"P{i}", billing_method=BillingMethod.NON_BILLABLE)
            for i in range(20)
        ]
        session.add_all(projects)
        await session.flush()
        session.add_all(
            TimeEntry(
                workspace_id=owner.workspace_id, user_id=users[i % len(users)],
                project_id=projects[i % 20].id, activity_id=activities[i % 5].id,
                date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 30), hours=Decimal(1),
            )
            for i in range(100)
        )


async def test_statement_count_does_not_grow_with_the_page(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    others = [
        await add_member(state, owner.workspace_id, role=Role.MEMBER, email=f"u{i}@acme.test")
        for i in range(2)
    ]
    await _seed(state, owner, [owner.user_id, *(member.user_id for member in others)])
    # the first request of a token records its use; later ones within a minute do not
    await gql.data("{ me { name } }")
    counts = {}
    for first in (10, 100):
        with count_statements(state) as statements:
            data = await gql.data(PAGE, {"first": first})
        assert len(data["timeEntries"]["edges"]) == first
        node = data["timeEntries"]["edges"][0]["node"]
        assert node["project"]["customer"]["name"].startswith("C")
        counts[first] = len(statements)
    assert counts == {10: EXPECTED_STATEMENTS, 100: EXPECTED_STATEMENTS}, counts


async def test_only_selected_relations_are_read(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    await _seed(state, owner, [owner.user_id])
    await gql.data("{ me { name } }")
    with count_statements(state) as statements:
        data = await gql.data(FRAGMENTS, {"first": 100})
    node = data["timeEntries"]["edges"][0]["node"]
    assert node["project"]["customer"]["name"].startswith("C")
    assert node["activity"]["name"].startswith("A")
    # authentication, the page, projects, customers, activities
    assert len(statements) == 5, statements
    with count_statements(state) as statements:
        data = await gql.data(BARE, {"first": 100})
    assert len(data["timeEntries"]["edges"]) == 100
    assert len(statements) == 2, statements


async def test_relations_outside_a_list_still_batch(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    """``node(id:)`` gets no preloading: its relations come through the loaders, batched."""
    await _seed(state, owner, [owner.user_id])
    page = await gql.data(BARE, {"first": 3})
    ids = [edge["node"]["id"] for edge in page["timeEntries"]["edges"]]
    query = "query($a: ID!, $b: ID!, $c: ID!) { " + " ".join(
        f"{alias}: node(id: ${alias}) {{ ... on TimeEntry {{ project {{ customer {{ name }} }} "
        "user { name } activity { name } } }"
        for alias in "abc"
    ) + " }"
    with count_statements(state) as statements:
        data = await gql.data(query, dict(zip("abc", ids, strict=True)))
    for alias in "abc":
        assert data[alias]["project"]["customer"]["name"].startswith("C")
        assert data[alias]["user"]["name"]
    # authentication, the three nodes, projects + users + activities, customers
    assert len(statements) == 6, statements
