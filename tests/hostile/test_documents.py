"""Hostile documents: each is refused with a clear error before it can cost real work.

The times printed here (run with ``-s``) are for the issue note; nothing asserts on them
beyond an answer arriving within a generous bound.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from graphql import OperationType, get_introspection_query

from graphql_api.app import AppState
from schema.limits import DocumentCache, DocumentLimits
from schema.schema import schema
from tests.conftest import GraphQLClient

BOUNDED_WAIT = 30.0  # seconds: "answered at all", not a performance claim


def doubling(n: int) -> str:
    """``F0`` spreads ``F1`` twice, ``F1`` spreads ``F2`` twice, …: 2ⁿ expansions."""
    fragments = [f"fragment F{i} on User {{ id ...F{i + 1} ...F{i + 1} }}" for i in range(n)]
    fragments.append(f"fragment F{n} on User {{ id }}")
    return "{ me { ...F0 } } " + " ".join(fragments)


async def timed(coroutine: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await asyncio.wait_for(coroutine, BOUNDED_WAIT)
    return result, (time.perf_counter() - started) * 1000


async def test_fragment_doubling_is_refused_and_others_are_served(gql: GraphQLClient) -> None:
    (refused, refused_ms), (me, me_ms) = await asyncio.gather(
        timed(gql.post(doubling(30), token="")), timed(gql.data("{ me { id } }"))
    )
    print(f"\nfragment doubling n=30 refused in {refused_ms:.1f} ms; concurrent me in {me_ms:.1f} ms")
    assert refused["data"] is None
    error = refused["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "selections once its fragments are expanded; at most 2,000" in error["message"]
    assert me["me"]["id"]


async def test_repeated_root_fields_are_refused_before_validation(gql: GraphQLClient) -> None:
    query = "{ " + " ".join("timeEntries { edges { node { id } } }" for _ in range(400)) + " }"
    body, elapsed = await timed(gql.post(query))
    print(f"\n400 unaliased timeEntries refused in {elapsed:.1f} ms")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["message"].startswith("`timeEntries` is selected 400 times;")
    assert len(body["errors"]) == 1


async def test_nested_repetition_is_refused(gql: GraphQLClient) -> None:
    # 20 `project` fields with 20 `customer` fields each: validation would compare 400
    # customer fields pairwise (half a second), so it is refused.
    customers = " ".join("customer { id name }" for _ in range(20))
    projects = " ".join(f"project {{ {customers} }}" for _ in range(20))
    body = await gql.post("{ timeEntries { edges { node { " + projects + " } } } }")
    message = body["errors"][0]["message"]
    assert message.startswith("`timeEntries.edges.node.project.customer` is selected 400 times")


async def test_cost_counts_lists_by_first_and_is_reported(gql: GraphQLClient) -> None:
    query = "{ timeEntries(first: 10) { edges { node { id project { id } } } } }"
    body = await gql.post(query)
    assert not body.get("errors")
    # the connection, 10 edges, 10 nodes, 10 projects
    assert body["extensions"]["cost"] == {"requested": 31, "limit": 25_000}


NESTED = """
query($n: Int!) {
  invoices(first: $n) { edges { node {
    lines { registrations { invoiceLine { invoice { lines { position } } } } }
  } } }
}
"""


def nested_cost(n: int) -> int:
    # The invoices connection, n edges, n nodes; per invoice ~10 lines (a plain list counts
    # 10), per line ~10 registrations, each with its invoice line, that line's invoice and
    # its ~10 lines.
    return 1 + 2 * n + n * 10 * (1 + 10 * (1 + 1 + 1 + 10))


async def test_cost_follows_first_in_variables(gql: GraphQLClient) -> None:
    accepted = await gql.post(NESTED, {"n": 19})
    assert not accepted.get("errors"), accepted
    assert accepted["extensions"]["cost"]["requested"] == nested_cost(19) == 24_929
    refused = await gql.post(NESTED, {"n": 20})
    assert refused["data"] is None
    error = refused["errors"][0]
    assert error["message"] == (
        "The query may return 26,241 objects; at most 25,000 are allowed. "
        "Ask for smaller pages (`first`) or fewer nested lists."
    )
    assert nested_cost(20) == 26_241
    assert error["extensions"]["cost"] == {"requested": 26_241, "limit": 25_000}
    assert refused["extensions"]["cost"] == {"requested": 26_241, "limit": 25_000}


async def test_cost_limit_is_a_setting(gql: GraphQLClient, state: AppState) -> None:
    state.settings.graphql_max_cost = 30
    body = await gql.post("{ timeEntries(first: 10) { edges { node { id project { id } } } } }")
    assert body["errors"][0]["extensions"]["cost"] == {"requested": 31, "limit": 30}


async def test_fragment_cycle_is_refused(gql: GraphQLClient) -> None:
    query = "{ me { ...A } } fragment A on User { id ...B } fragment B on User { name ...A }"
    body = await gql.post(query)
    assert body["errors"][0]["message"] == (
        "Fragment `A` spreads itself (directly or through others)."
    )


async def test_long_chain_of_fragments_is_measured_without_recursion(gql: GraphQLClient) -> None:
    fragments = " ".join(f"fragment C{i} on User {{ ...C{i + 1} }}" for i in range(600))
    query = "{ me { ...C0 } } " + fragments + " fragment C600 on User { id }"
    body = await gql.post(query)
    # Measured fine (no recursion), then graphql-core refuses or runs it: never a fault.
    assert all(e["message"] != "Unexpected error." for e in body.get("errors", []))


async def test_too_long_query_text_is_refused(gql: GraphQLClient, state: AppState) -> None:
    state.settings.graphql_max_query_length = 1000
    body = await gql.post("{ me { id } }" + " " * 1000)
    assert body["errors"][0]["message"] == (
        "The query text has 1,013 characters; at most 1,000 are allowed."
    )


async def test_too_many_tokens_are_refused(gql: GraphQLClient) -> None:
    body = await gql.post("{ me { " + "id " * 6000 + "} }")
    assert "more than 5000 tokens" in body["errors"][0]["message"]


async def test_several_operations_need_a_name(http: httpx.AsyncClient, gql: GraphQLClient) -> None:
    query = "query A { me { id } } query B { me { email } }"
    headers = {"Authorization": f"Bearer {gql.token}"}
    response = await http.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The document contains 2 operations: name the one to run in "
                "`operationName`.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    named = await http.post(
        "/graphql", json={"query": query, "operationName": "B"}, headers=headers
    )
    assert named.json()["data"] == {"me": {"email": "owner@acme.test"}}


async def test_graphiql_introspection_is_allowed_and_costed(gql: GraphQLClient) -> None:
    body, elapsed = await timed(gql.post(get_introspection_query(), token=""))
    print(f"\nstandard introspection query answered in {elapsed:.1f} ms")
    assert not body.get("errors")
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    # Counted exactly: every type, field, argument and type reference the answer holds.
    assert body["extensions"]["cost"]["requested"] == _objects_in(body["data"]["__schema"])


def _objects_in(value: Any) -> int:
    """Every JSON object in an answer (each is one object the response returned)."""
    if isinstance(value, dict):
        return 1 + sum(_objects_in(v) for v in value.values())
    if isinstance(value, list):
        return sum(_objects_in(v) for v in value)
    return 0


async def test_nested_introspection_is_refused_by_its_exact_cost(gql: GraphQLClient) -> None:
    # Each level multiplies by the fields of every type: exponential in the nesting, linear
    # in the text thanks to fragments.
    levels = 8
    fragments = [
        f"fragment T{i} on __Type {{ name fields {{ name type {{ ...T{i + 1} "
        f"ofType {{ ...T{i + 1} ofType {{ ...T{i + 1} }} }} }} }} }}"
        for i in range(levels)
    ]
    fragments.append(f"fragment T{levels} on __Type {{ name }}")
    query = "{ __schema { types { ...T0 } } } " + " ".join(fragments)
    body, elapsed = await timed(gql.post(query, token=""))
    print(f"\nnested introspection refused in {elapsed:.1f} ms")
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_introspection_can_be_switched_off(gql: GraphQLClient, state: AppState) -> None:
    state.settings.graphql_introspection = False
    body = await gql.post("{ __schema { queryType { name } } }", token="")
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
    # __typename is not introspection of the schema: still answered.
    assert (await gql.data("{ __typename }")) == {"__typename": "Query"}


def test_document_cache_is_bounded_in_bytes_least_recently_used_out() -> None:
    cache = DocumentCache()
    texts = [f"{{ me {{ id }} }} # {i:04}" + " " * 1000 for i in range(10)]
    size = len(texts[0]) * 121
    limits = DocumentLimits(cache_bytes=3 * size)
    for text in texts[:3]:
        cache.parse(text, limits)
    cache.parse(texts[0], limits)  # used again: now the most recent
    cache.parse(texts[3], limits)  # evicts texts[1], the least recently used
    assert [key[0] for key in cache.entries] == [texts[2], texts[0], texts[3]]
    assert cache.bytes == 3 * size <= limits.cache_bytes
    # A text larger than the whole cache is parsed but never kept.
    cache.parse("{ me { id } }" + " " * (3 * size), limits)
    assert len(cache.entries) == 3


def test_the_schema_tells_the_view_which_operation_a_request_runs(state: AppState) -> None:
    """What the HTTP view asks before an Idempotency-Key applies (``OperationTypes``): the
    schema answers through its document cache, under the configured limits."""
    settings = state.settings
    mutation = 'mutation Go { login(input: {email: "a@b.c", password: "x"}) { __typename } }'
    two = "query A { me { id } } mutation B { revokeApiToken(id: \"x\") { __typename } }"
    assert schema.operation_type(mutation, None, settings) is OperationType.MUTATION
    assert schema.operation_type("{ me { id } }", None, settings) is OperationType.QUERY
    assert schema.operation_type(two, "B", settings) is OperationType.MUTATION
    assert schema.operation_type(two, "A", settings) is OperationType.QUERY
    # Ambiguous, unknown or unparsable: not a mutation to the view (the schema refuses it).
    assert schema.operation_type(two, None, settings) is None
    assert schema.operation_type(two, "C", settings) is None
    assert schema.operation_type("mutation {", None, settings) is None
    settings.graphql_max_query_length = 10
    assert schema.operation_type(mutation, None, settings) is None
