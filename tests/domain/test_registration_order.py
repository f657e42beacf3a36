"""Registrations list oldest first by default, newest first on request; paging with the
keyset cursors visits every registration exactly once in either order, also among many on
one day."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.domain.helpers import (
    CREATE_TRIP,
    activity,
    customer,
    ok,
    project,
)

BULK = """
mutation($input: CreateTimeEntriesInput!) {
  createTimeEntries(input: $input) { ... on TimeEntryList { timeEntries { id date } } }
}
"""
PAGE = """
query($first: Int!, $after: String, $order: RegistrationOrder!) {
  %s(first: $first, after: $after, order: $order) {
    edges { cursor node { id date } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
DATES = ["2024-03-04", "2024-03-01", "2024-03-04", "2024-03-02", "2024-03-04", "2024-03-01",
         "2024-03-03"]


async def _walk(gql: GraphQLClient, field: str, order: str | None, first: int) -> list[str]:
    """Every id of the list, page by page."""
    ids: list[str] = []
    after = None
    pages = 0
    while True:
        variables: dict[str, Any] = {"first": first, "after": after}
        variables["order"] = order or "OLDEST_FIRST"
        data = (await gql.data(PAGE % field, variables))[field]
        ids += [edge["node"]["id"] for edge in data["edges"]]
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        pages += 1
        assert pages <= len(DATES) + 1, "paging does not end"
        if not data["pageInfo"]["hasNextPage"]:
            return ids
        after = data["pageInfo"]["endCursor"]


def _expected(created: list[dict[str, Any]], *, newest_first: bool) -> list[str]:
    """By date, then by id (creation order): both reversed for newest first."""
    order = sorted(range(len(created)), key=lambda i: (created[i]["date"], i),
                   reverse=newest_first)
    return [created[i]["id"] for i in order]


async def test_time_entries_page_both_ways(gql: GraphQLClient) -> None:
    proj = await project(gql, await customer(gql))
    act = await activity(gql)
    entries = [{"projectId": proj, "activityId": act, "date": d, "hours": "1"} for d in DATES]
    created = (await gql.data(BULK, {"input": {"entries": entries}}))["createTimeEntries"][
        "timeEntries"
    ]
    oldest = _expected(created, newest_first=False)
    newest = _expected(created, newest_first=True)
    assert newest == list(reversed(oldest))
    for first in (1, 2, 3, 100):
        assert await _walk(gql, "timeEntries", None, first) == oldest, first
        assert await _walk(gql, "timeEntries", "OLDEST_FIRST", first) == oldest, first
        assert await _walk(gql, "timeEntries", "NEWEST_FIRST", first) == newest, first


async def test_expenses_and_trips_take_the_order_too(gql: GraphQLClient) -> None:
    proj = await project(gql, await customer(gql))
    trips = [
        await ok(gql, CREATE_TRIP, "createTrip", {
            "projectId": proj, "date": day, "fromAddress": "A", "toAddress": "B",
            "distanceKm": "10",
        })
        for day in DATES[:4]
    ]
    created = [{"id": t["id"], "date": t["date"]} for t in trips]
    assert await _walk(gql, "trips", "NEWEST_FIRST", 2) == _expected(created, newest_first=True)
    assert await _walk(gql, "expenses", "NEWEST_FIRST", 2) == []


async def test_a_cursor_continues_in_the_order_it_is_passed_to(gql: GraphQLClient) -> None:
    """A cursor is a position (date, id): after it, newest first, come the older ones."""
    proj = await project(gql, await customer(gql))
    act = await activity(gql)
    entries = [{"projectId": proj, "activityId": act, "date": d, "hours": "1"} for d in DATES]
    created = (await gql.data(BULK, {"input": {"entries": entries}}))["createTimeEntries"][
        "timeEntries"
    ]
    oldest = _expected(created, newest_first=False)
    first_two = (await gql.data(PAGE % "timeEntries", {"first": 2, "order": "OLDEST_FIRST"}))[
        "timeEntries"
    ]
    cursor = first_two["edges"][1]["cursor"]
    back = (await gql.data(PAGE % "timeEntries",
                           {"first": 10, "after": cursor, "order": "NEWEST_FIRST"}))["timeEntries"]
    assert [edge["node"]["id"] for edge in back["edges"]] == [oldest[0]]
