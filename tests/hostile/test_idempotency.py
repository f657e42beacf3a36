"""``Idempotency-Key``: the stored answer for a retry, never a second write — also when the
server is killed between commit and answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from graphql_api.app import AppState
from graphql_api.jobs.worker import open_jobs
from graphql_api.models import ApiToken, IdempotencyKey, Run, RunKind, TimeEntry, TokenKind
from graphql_api.services.idempotency import forget_expired
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState
from resolvers.ids import decode_id
from tests.conftest import EMULATOR_API_KEY, Emulator, GraphQLClient, Member, activate
from tests.domain.helpers import activity, customer, project
from tests.hostile.server import server_process

BULK = """
mutation($input: CreateTimeEntriesInput!) {
  createTimeEntries(input: $input) {
    __typename
    ... on TimeEntryList { timeEntries { id hours notes project { name } } }
    ... on Error { code message field }
  }
}
"""


async def _entries(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(TimeEntry)) or 0)


async def _keys(state: AppState) -> list[IdempotencyKey]:
    async with state.sessionmaker() as session:
        return list(await session.scalars(select(IdempotencyKey).order_by(IdempotencyKey.id)))


@pytest.fixture
async def entries(gql: GraphQLClient) -> list[dict[str, Any]]:
    """Input for 100 time entries."""
    project_id = await project(gql, await customer(gql))
    activity_id = await activity(gql)
    return [
        {"projectId": project_id, "activityId": activity_id, "date": "2026-11-02",
         "hours": "1.50", "notes": f"entry {i}"}
        for i in range(100)
    ]


def _post(
    http: httpx.AsyncClient, token: str, key: str | None, query: str, variables: dict[str, Any]
) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def test_a_retry_gets_the_stored_answer_and_writes_nothing(
    http: httpx.AsyncClient, owner: Member, state: AppState, entries: list[dict[str, Any]]
) -> None:
    variables = {"input": {"entries": entries}}
    first = await _post(http, owner.token, "key-1", BULK, variables)
    assert first.status_code == 200
    assert len(first.json()["data"]["createTimeEntries"]["timeEntries"]) == 100
    assert "idempotent-replayed" not in first.headers
    retry = await _post(http, owner.token, "key-1", BULK, variables)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content
    assert await _entries(state) == 100
    [key] = await _keys(state)
    assert (key.status, key.response_status) == ("COMPLETED", 200)
    # Stored encrypted: neither the notes nor the ids are readable in the row.
    assert b"entry 42" not in (key.response_body or b"")
    assert key.expires_at - key.created_at == dt.timedelta(hours=24)


async def test_the_answer_sees_the_requests_own_writes(
    http: httpx.AsyncClient, owner: Member, gql: GraphQLClient
) -> None:
    # The nested `activities` are read after the write, inside the same transaction.
    query = """
    mutation($input: CreateProjectInput!) { createProject(input: $input) {
      __typename ... on Project { name activities { activity { name } } } } }
    """
    activity_id = await activity(gql, "Design")
    variables = {"input": {"customerId": await customer(gql), "name": "P",
                           "billingMethod": "HOURLY_ACTIVITY_RATE",
                           "activities": [{"activityId": activity_id}]}}
    body = (await _post(http, owner.token, "key-p", query, variables)).json()
    assert body["data"]["createProject"]["activities"] == [{"activity": {"name": "Design"}}]


async def test_the_same_key_with_another_request_is_refused(
    http: httpx.AsyncClient, owner: Member, state: AppState, entries: list[dict[str, Any]]
) -> None:
    await _post(http, owner.token, "key-2", BULK, {"input": {"entries": entries[:1]}})
    other = await _post(http, owner.token, "key-2", BULK, {"input": {"entries": entries[:2]}})
    assert other.status_code == 422
    assert other.json()["errors"][0]["message"] == (
        "This Idempotency-Key was already used for a different request: use a new key for a "
        "new request (a key is kept for 24 hours)."
    )
    assert await _entries(state) == 1


async def test_keys_belong_to_one_caller(
    http: httpx.AsyncClient, owner: Member, other_owner: Member, gql: GraphQLClient
) -> None:
    create = 'mutation { createCustomer(input: {name: "Same"}) { __typename ... on Customer { id } } }'
    mine = (await _post(http, owner.token, "shared", create, {})).json()
    theirs = (await _post(http, other_owner.token, "shared", create, {})).json()
    assert mine["data"]["createCustomer"]["id"] != theirs["data"]["createCustomer"]["id"]


async def test_queries_ignore_the_key(
    http: httpx.AsyncClient, owner: Member, state: AppState
) -> None:
    response = await _post(http, owner.token, "key-q", "{ me { email } }", {})
    assert response.json()["data"]["me"]["email"] == "owner@acme.test"
    assert await _keys(state) == []


@pytest.mark.parametrize("key", ["", " spaced key", "k" * 256, "ключ"])
async def test_a_malformed_key_is_400(http: httpx.AsyncClient, owner: Member, key: str) -> None:
    create = 'mutation { createCustomer(input: {name: "K"}) { __typename } }'
    response = await http.post(
        "/graphql",
        json={"query": create},
        headers={"Authorization": f"Bearer {owner.token}", "Idempotency-Key": key.encode()},
    )
    assert response.status_code == 400
    assert "Idempotency-Key header must be 1–255 visible ASCII" in response.json()["errors"][0]["message"]


async def test_refused_requests_are_not_stored(
    http: httpx.AsyncClient, owner: Member, state: AppState, entries: list[dict[str, Any]]
) -> None:
    bad = [{**entries[0], "hours": "1_0"}]  # refused by the Decimal scalar, before running
    refused = (await _post(http, owner.token, "key-3", BULK, {"input": {"entries": bad}})).json()
    assert refused["data"] is None
    assert await _keys(state) == []
    fixed = (await _post(http, owner.token, "key-3", BULK, {"input": {"entries": entries[:1]}})).json()
    assert fixed["data"]["createTimeEntries"]["__typename"] == "TimeEntryList"


async def test_an_expected_failure_is_an_answer_and_is_kept(
    http: httpx.AsyncClient, owner: Member, state: AppState, entries: list[dict[str, Any]]
) -> None:
    bad = [entries[0], {**entries[1], "hours": "30"}]
    first = (await _post(http, owner.token, "key-4", BULK, {"input": {"entries": bad}})).json()
    assert first["data"]["createTimeEntries"]["field"] == "entries[1].hours"
    retry = await _post(http, owner.token, "key-4", BULK, {"input": {"entries": bad}})
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first
    assert await _entries(state) == 0


async def test_concurrent_duplicates_write_once_and_answer_alike(
    http: httpx.AsyncClient, owner: Member, state: AppState, entries: list[dict[str, Any]]
) -> None:
    variables = {"input": {"entries": entries}}
    responses = await asyncio.gather(
        *(_post(http, owner.token, "key-5", BULK, variables) for _ in range(4))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert sorted(r.headers.get("idempotent-replayed", "no") for r in responses) == [
        "no", "true", "true", "true"
    ]
    assert await _entries(state) == 100


async def test_a_key_is_forgotten_after_its_time(
    http: httpx.AsyncClient, owner: Member, state: AppState, entries: list[dict[str, Any]]
) -> None:
    variables = {"input": {"entries": entries[:1]}}
    await _post(http, owner.token, "key-6", BULK, variables)
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(IdempotencyKey).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(1))
        )
    again = await _post(http, owner.token, "key-6", BULK, variables)
    assert "idempotent-replayed" not in again.headers
    assert await _entries(state) == 2
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(IdempotencyKey).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(1))
        )
    assert await forget_expired(state.sessionmaker) == 1
    assert await _keys(state) == []


# --- killed between commit and answer -------------------------------------------------------


async def _killed(server: Any, request: Any) -> None:
    with pytest.raises(httpx.TransportError):
        await request
    await asyncio.wait_for(asyncio.to_thread(server.process.wait), 30)
    assert server.process.returncode == -9  # SIGKILL, at the fault point


async def test_killed_after_commit_the_retry_gets_the_answer(
    state: AppState, owner: Member, database_url: str, entries: list[dict[str, Any]]
) -> None:
    body = {"query": BULK, "variables": {"input": {"entries": entries}}}
    headers = {"Authorization": f"Bearer {owner.token}", "Idempotency-Key": "kill-1"}
    async with (
        server_process(database_url, TESTING_CRASH_POINT="after-idempotent-commit") as a,
        httpx.AsyncClient(base_url=a.url, timeout=30) as client,
    ):
        await _killed(a, client.post("/graphql", json=body, headers=headers))
    assert await _entries(state) == 100  # committed, answer never sent
    async with server_process(database_url) as b, httpx.AsyncClient(base_url=b.url, timeout=30) as client:
        retry = await client.post("/graphql", json=body, headers=headers)
    assert retry.headers["idempotent-replayed"] == "true"
    answer = retry.json()["data"]["createTimeEntries"]
    assert len(answer["timeEntries"]) == 100
    assert {e["notes"] for e in answer["timeEntries"]} == {f"entry {i}" for i in range(100)}
    assert await _entries(state) == 100


async def test_killed_before_commit_the_retry_runs_once(
    state: AppState, owner: Member, database_url: str, entries: list[dict[str, Any]]
) -> None:
    body = {"query": BULK, "variables": {"input": {"entries": entries}}}
    headers = {"Authorization": f"Bearer {owner.token}", "Idempotency-Key": "kill-2"}
    async with (
        server_process(database_url, TESTING_CRASH_POINT="before-idempotent-commit") as a,
        httpx.AsyncClient(base_url=a.url, timeout=30) as client,
    ):
        await _killed(a, client.post("/graphql", json=body, headers=headers))
    # The answer was made, the transaction never committed: nothing is left of it.
    assert await _entries(state) == 0
    assert await _keys(state) == []
    async with server_process(database_url) as b, httpx.AsyncClient(base_url=b.url, timeout=30) as client:
        retry = await client.post("/graphql", json=body, headers=headers)
    assert "idempotent-replayed" not in retry.headers
    assert len(retry.json()["data"]["createTimeEntries"]["timeEntries"]) == 100
    assert await _entries(state) == 100


@pytest.fixture
async def wefact(state: AppState) -> AsyncIterator[Emulator]:
    """The WeFact emulator with products and five debtors; WEFACT_API_URL points at it."""
    emulator_state = EmulatorState(flavor="wefact", api_key=EMULATOR_API_KEY)
    emulator_state.seed_products()
    emulator_state.seed_debtors(5)
    async with serve_emulator(emulator_state) as url:
        state.settings.wefact_api_url = url
        yield Emulator(emulator_state, url, "wefact")


async def test_killed_after_a_run_was_committed_the_retry_returns_that_run(
    state: AppState, owner: Member, gql: GraphQLClient, database_url: str, wefact: Emulator
) -> None:
    emulator = wefact
    assert (await activate(gql, emulator))["__typename"] == "WefactSettings"
    query = "mutation { importCustomers { __typename ... on CustomerImport { id status created } } }"
    headers = {"Authorization": f"Bearer {owner.token}", "Idempotency-Key": "kill-run"}
    env = {"WEFACT_API_URL": emulator.url, "ALLOW_PRIVATE_INTEGRATION_URLS": "true"}
    async with (
        server_process(database_url, TESTING_CRASH_POINT="after-run-commit", **env) as a,
        httpx.AsyncClient(base_url=a.url, timeout=30) as client,
    ):
        await _killed(a, client.post("/graphql", json={"query": query}, headers=headers))
    async with state.sessionmaker() as session:
        [run] = list(await session.scalars(select(Run).where(Run.kind == RunKind.CUSTOMER_IMPORT)))
    async with (
        server_process(database_url, RUN_WORKER_IN_PROCESS="true", **env) as b,
        httpx.AsyncClient(base_url=b.url, timeout=30) as client,
    ):
        retry = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
        again = await client.post("/graphql", json={"query": query}, headers=headers)
    result = retry["data"]["importCustomers"]
    assert result["__typename"] == "CustomerImport"
    assert decode_id(result["id"], "CustomerImport") == run.id
    assert result["status"] == "SUCCEEDED"
    assert result["created"] == 5
    assert again.headers["idempotent-replayed"] == "true"
    assert json.loads(again.content) == retry
    async with state.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(Run).where(Run.kind == RunKind.CUSTOMER_IMPORT)
        )
    assert count == 1


async def test_login_with_a_key_is_scoped_to_the_address_and_issues_one_session(
    http: httpx.AsyncClient, owner: Member, state: AppState
) -> None:
    login = """
    mutation { login(input: {email: "owner@acme.test", password: "pw-123456"}) {
      __typename ... on Session { token } } }
    """
    headers = {"Idempotency-Key": "login-1"}
    first = await http.post("/graphql", json={"query": login}, headers=headers)
    retry = await http.post("/graphql", json={"query": login}, headers=headers)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    async with state.sessionmaker() as session:
        sessions = await session.scalar(
            select(func.count()).select_from(ApiToken).where(ApiToken.kind == TokenKind.SESSION)
        )
    assert sessions == 1
    [key] = await _keys(state)
    assert key.scope == "address:127.0.0.1"
    # The stored answer holds the token: only encrypted.
    token = first.json()["data"]["login"]["token"]
    assert token.encode() not in (key.response_body or b"")


async def test_a_run_started_under_a_key_is_committed_before_the_wait(
    http: httpx.AsyncClient, owner: Member, gql: GraphQLClient, state: AppState, wefact: Emulator
) -> None:
    # The `state` fixture emptied the job queue: this test runs its own worker.
    assert (await activate(gql, wefact))["__typename"] == "WefactSettings"
    query = "mutation { importCustomers { __typename ... on CustomerImport { id status created } } }"
    headers = {"Authorization": f"Bearer {owner.token}", "Idempotency-Key": "run-1"}
    async with open_jobs(state) as jobs:
        worker = asyncio.create_task(jobs.run_worker(wait=True, name="idempotency"))
        try:
            first = await http.post("/graphql", json={"query": query}, headers=headers)
            retry = await http.post("/graphql", json={"query": query}, headers=headers)
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    # The worker saw the run while the mutation waited: it answers with the finished import.
    assert first.json()["data"]["importCustomers"]["status"] == "SUCCEEDED"
    assert first.json()["data"]["importCustomers"]["created"] == 5
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content
    [key] = await _keys(state)
    assert (key.status, key.resource_kind) == ("COMPLETED", "Run")
