"""Valid query texts skip re-validation; the limits still reject what they rejected."""

from __future__ import annotations

from tests.conftest import GraphQLClient, Member


async def test_limits_hold_for_repeated_texts(gql: GraphQLClient, owner: Member) -> None:
    deep = "{ me { workspace { " + "__typename " + "} } }"
    aliases = " ".join(f"a{i}: me {{ name }}" for i in range(31))
    too_many = "{ " + aliases + " }"
    for _ in range(2):
        assert (await gql.data(deep))["me"]["workspace"]["__typename"] == "Workspace"
        body = await gql.post(too_many)
        assert body.get("errors"), body  # 31 aliases: over the alias limit, every time
    # a cached valid text with different variables still validates its variables' use
    query = "query($first: Int!) { timeEntries(first: $first) { edges { node { id } } } }"
    assert (await gql.data(query, {"first": 5}))["timeEntries"]["edges"] == []
    body = await gql.post(query, {"first": "five"})
    assert body.get("errors"), body
