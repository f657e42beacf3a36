from __future__ import annotations

import httpx

from graphql_api.app import AppState
from tests.compiled.paths import both
from tests.compiled.seed import seed
from tests.conftest import Member

Q = """
query($first: Int!) {
  timeEntries(first: $first) {
    edges { cursor node { id __typename date hours notes amount locked startTime endTime createdAt
      status project { name billingMethod customer { name hourlyRate } } activity { name }
      user { name } invoiceLine { description } } }
    pageInfo { hasNextPage endCursor startCursor hasPreviousPage } totalCount
  }
  customers { edges { node { name email wefactSyncedAt } } }
}
"""


async def test_smoke(http: httpx.AsyncClient, state: AppState, owner: Member,
                     other_owner: Member) -> None:
    await seed(state, owner, other_owner)
    normal, fast = await both(http, state, owner.token, Q, {"first": 10})
    assert fast.compiled, fast.statements
    assert normal.body == fast.body, (normal.body[:3000], fast.body[:3000])
