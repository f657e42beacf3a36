"""Both paths answer the same bytes: seeded random queries (fields, aliases, fragments,
variables, filters, cursors, nesting, @skip/@include) over edge-case data, as every role.

Each query is asked on the normal path first (which also validates the text), then with
compiled reads on; the bodies must be identical. Queries the compiler does not cover (a
role's refusal, a field resolved in Python, a bad cursor or `first`) fall back and must be
identical too; the test also requires that most queries were really compiled, so it cannot
pass by falling back everywhere.
"""

from __future__ import annotations

import json
import random

import httpx
import pytest

from graphql_api.app import AppState
from graphql_api.models import Role
from schema.schema import schema
from tests.compiled.paths import Answer, both
from tests.compiled.queries import Generator
from tests.compiled.seed import seed
from tests.conftest import Member

SEED = 14
QUERIES = 520
# About half the generated queries compile; the rest fall back by design (a role's refusal, a
# bad cursor or `first`, a field resolved in Python). The floor only keeps the test from
# passing by falling back everywhere; the exact share moves with the schema.
MIN_COMPILED_SHARE = 0.4


@pytest.mark.db
async def test_both_paths_answer_the_same_bytes(
    http: httpx.AsyncClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    world = await seed(state, owner, other_owner)
    rng = random.Random(SEED)
    generator = Generator(schema._schema, rng, world.ids, world.other_ids)
    roles = list(world.members)
    failures: list[str] = []
    compiled = dict.fromkeys(roles, 0)
    for index in range(QUERIES):
        role = roles[index % len(roles)]
        query = generator.query()
        normal, fast = await both(
            http, state, world.members[role].token, query.text, query.variables
        )
        assert not normal.compiled
        if not _same(normal, fast):
            failures.append(
                f"#{index} as {role.name}:\n{query.show()}\n"
                f"normal ({normal.status}): {normal.body[:1500]!r}\n"
                f"compiled ({fast.status}): {fast.body[:1500]!r}"
            )
        compiled[role] += fast.compiled
        _remember_cursors(generator, query.root, normal.body)
    assert not failures, f"{len(failures)} of {QUERIES} differ; first:\n" + "\n\n".join(
        failures[:3]
    )
    share = sum(compiled.values()) / QUERIES
    print(f"compiled {share:.0%} of {QUERIES} queries; per role: "
          + ", ".join(f"{r.name} {n}" for r, n in compiled.items()))
    assert share >= MIN_COMPILED_SHARE, compiled
    # Every role had queries compiled (members too: everything but invoices is theirs).
    assert all(compiled[role] > 0 for role in (Role.OWNER, Role.MEMBER)), compiled


def _same(normal: Answer, fast: Answer) -> bool:
    """Identical bytes when the compiled path answered. Two answers of the normal path may
    list their errors in another order (resolvers finish concurrently): then the same
    document with the errors in path order."""
    if fast.compiled or normal.status != fast.status:
        return (normal.status, normal.body) == (fast.status, fast.body)
    if normal.body == fast.body:
        return True
    ours, theirs = json.loads(normal.body), json.loads(fast.body)
    for body in (ours, theirs):
        body["errors"] = sorted(body.get("errors") or [], key=json.dumps)
    return bool(ours == theirs)


def _remember_cursors(generator: Generator, root: str, body: bytes) -> None:
    """Cursors of the answers feed later queries' `after`."""
    data = json.loads(body).get("data") or {}
    for value in data.values():
        if not isinstance(value, dict):
            continue
        for edge in value.get("edges") or []:
            if isinstance(edge, dict) and "cursor" in edge:
                generator.cursors.setdefault(root, []).append(edge["cursor"])
        info = value.get("pageInfo") or {}
        if info.get("endCursor"):
            generator.cursors.setdefault(root, []).append(info["endCursor"])
