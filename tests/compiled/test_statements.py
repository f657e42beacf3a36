"""A compiled list request costs one statement after authentication, whatever the page size,
the relations selected or the number of root fields."""

from __future__ import annotations

import httpx

from graphql_api.app import AppState
from tests.compiled.paths import ask
from tests.compiled.seed import seed
from tests.conftest import Member

PAGE = """
query($first: Int!) {
  timeEntries(first: $first) {
    edges { cursor node { id hours amount project { name customer { name } } activity { name }
      user { name } } }
    pageInfo { hasNextPage endCursor } totalCount
  }
}
"""
SEVERAL = """
query($first: Int!, $id: ID!) {
  timeEntries(first: $first) { edges { node { id } } }
  trips(first: $first, order: NEWEST_FIRST) { edges { node { rate project { name } } } }
  customers(first: $first, filter: {archived: false}) { totalCount }
  node(id: $id) { ... on Project { name customer { name } } }
}
"""


async def test_one_statement_per_list_request(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    world = await seed(state, owner, other_owner)
    # The first request of a token records its use; the first of a text validates it.
    await ask(http, state, owner.token, PAGE, {"first": 1}, compiled=False)
    await ask(http, state, owner.token, SEVERAL, {"first": 1, "id": world.ids["Project"][0]},
              compiled=False)
    for first in (10, 40):
        answer = await ask(http, state, owner.token, PAGE, {"first": first}, compiled=True)
        assert answer.status == 200
        assert b'"errors"' not in answer.body, answer.body[:300]
        assert answer.compiled
        # authentication (token → user), then the compiled statement
        assert len(answer.statements) == 2, answer.statements
    answer = await ask(
        http, state, owner.token, SEVERAL, {"first": 20, "id": world.ids["Project"][1]},
        compiled=True,
    )
    assert b'"errors"' not in answer.body, answer.body[:300]
    assert answer.compiled
    assert len(answer.statements) == 2, answer.statements


async def test_the_normal_path_takes_more(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    """Positive control: the same request with COMPILED_READS off reads its relations."""
    await seed(state, owner, other_owner)
    await ask(http, state, owner.token, PAGE, {"first": 1}, compiled=False)
    answer = await ask(http, state, owner.token, PAGE, {"first": 40}, compiled=False)
    assert not answer.compiled
    assert len(answer.statements) > 2, answer.statements
