"""The compiled path is scoped like the normal one: another workspace's ids answer null or
no rows, every list shows only the caller's workspace, and what a role may not read is
refused with the normal path's own words."""

from __future__ import annotations

import json

import httpx

from graphql_api.app import AppState
from graphql_api.models import Role
from tests.compiled.paths import ask, both
from tests.compiled.seed import World, seed
from tests.conftest import Member

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
LISTS = """
query($customer: ID!) {
  timeEntries(first: 100) { totalCount edges { node { id project { id customer { id } } } } }
  byCustomer: expenses(first: 100, filter: {customerId: $customer}) { totalCount edges { node { id } } }
  projects(first: 100, filter: {customerId: $customer}) { edges { node { id } } }
  customers(first: 100) { edges { node { id } } }
}
"""


async def _compiled(http: httpx.AsyncClient, state: AppState, token: str, query: str,
                    variables: dict[str, object]) -> dict[str, object]:
    await ask(http, state, token, query, variables, compiled=False)  # validates the text
    answer = await ask(http, state, token, query, variables, compiled=True)
    assert answer.compiled, answer.statements
    body: dict[str, object] = json.loads(answer.body)
    assert "errors" not in body, body
    data = body["data"]
    assert isinstance(data, dict)
    return data


async def test_ids_of_another_workspace_answer_null(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    world = await seed(state, owner, other_owner)
    for kind, ids in world.other_ids.items():
        data = await _compiled(http, state, owner.token, NODE, {"id": ids[0]})
        assert data == {"node": None}, kind
        # Positive control: the other workspace's owner sees it.
        theirs = await _compiled(http, state, other_owner.token, NODE, {"id": ids[0]})
        assert theirs["node"] == {"__typename": kind, "id": ids[0]}, kind


async def test_lists_show_only_the_callers_workspace(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    world = await seed(state, owner, other_owner)
    foreign = world.other_ids["Customer"][0]
    data = await _compiled(http, state, owner.token, LISTS, {"customer": foreign})
    entries = data["timeEntries"]
    assert isinstance(entries, dict)
    assert entries["totalCount"] == len(world.ids["TimeEntry"])
    assert {e["node"]["id"] for e in entries["edges"]} == set(world.ids["TimeEntry"])
    for edge in entries["edges"]:
        assert edge["node"]["project"]["id"] in world.ids["Project"]
        assert edge["node"]["project"]["customer"]["id"] in world.ids["Customer"]
    # Filtering by another workspace's customer finds nothing.
    assert data["byCustomer"] == {"totalCount": 0, "edges": []}
    assert data["projects"] == {"edges": []}
    customers = data["customers"]
    assert isinstance(customers, dict)
    assert {e["node"]["id"] for e in customers["edges"]} == set(world.ids["Customer"])
    _no_foreign_id(world, data)


def _no_foreign_id(world: World, data: object) -> None:
    text = json.dumps(data)
    for ids in world.other_ids.values():
        assert not any(i in text for i in ids)


async def test_what_a_role_may_not_read_is_refused_as_on_the_normal_path(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    world = await seed(state, owner, other_owner)
    member = world.members[Role.MEMBER]
    for query, refused in (
        ("{ invoices(first: 5) { edges { node { id } } } }", True),
        ("{ timeEntries(first: 5) { edges { node { user { name email } } } } }", True),
        # Refused only where a line is set (a rule on the row): the normal path decides.
        ("{ expenses(first: 40) { edges { node { invoiceLine { description } } } } }", False),
    ):
        normal, fast = await both(http, state, member.token, query)
        assert not fast.compiled
        assert (b"FORBIDDEN" in normal.body) >= refused
        assert normal.body == fast.body
    # Positive control: an owner's same queries are compiled.
    for query in (
        "{ invoices(first: 5) { edges { node { id } } } }",
        "{ timeEntries(first: 5) { edges { node { user { name email } } } } }",
    ):
        normal, fast = await both(http, state, owner.token, query)
        assert fast.compiled
        assert normal.body == fast.body
