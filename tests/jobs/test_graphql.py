"""Runs in GraphQL: ``run(id:)``, ``node(id:)`` and ``runProgress`` over graphql-transport-ws."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
import websockets

from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.jobs import override_handler, start_run
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Run
from graphql_api.settings import Settings
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member
from tests.jobs import handlers
from tests.jobs.handlers import TEST_KIND

RUN_QUERY = """
query($id: ID!) {
  run(id: $id) {
    __typename id kind status progressDone progressTotal attempts
    counts { name value } problems { item message }
    createdAt startedAt finishedAt startedBy { email }
  }
}
"""

PROGRESS = """
subscription($id: ID!) {
  runProgress(id: $id) {
    __typename
    ... on Run { status progressDone progressTotal counts { name value } }
    ... on NotFoundError { code message field }
  }
}
"""


@pytest.fixture(autouse=True)
def test_handler() -> Iterator[None]:
    with override_handler(TEST_KIND, handlers.steps):
        yield


async def start(state: AppState, member: Member, params: dict[str, Any]) -> Run:
    async with state.sessionmaker() as session, session.begin():
        return await start_run(session, member.workspace_id, TEST_KIND, params, member.user_id)


async def test_run_query_shows_a_finished_run(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, other_owner: Member
) -> None:
    run = await start(state, owner, {"items": 2, "problem_items": [1]})
    await jobs.run_worker(wait=False)
    run_id = global_id("Run", run.id)

    data = await gql.data(RUN_QUERY, {"id": run_id})
    shown = data["run"]
    assert shown["__typename"] == "Run"
    assert shown["id"] == run_id
    assert shown["kind"] == TEST_KIND.name
    assert shown["status"] == "PARTIAL"
    assert (shown["progressDone"], shown["progressTotal"], shown["attempts"]) == (2, 2, 1)
    assert shown["counts"] == [{"name": "processed", "value": 2}]
    assert shown["problems"] == [{"item": "1", "message": "step 1 failed"}]
    assert shown["startedBy"] == {"email": owner.email}
    assert shown["startedAt"] is not None
    assert shown["finishedAt"] is not None

    node = await gql.data(
        "query($id: ID!) { node(id: $id) { __typename ... on Run { status } } }", {"id": run_id}
    )
    assert node["node"] == {"__typename": "Run", "status": "PARTIAL"}

    theirs = await gql.data(RUN_QUERY, {"id": run_id}, token=other_owner.token)
    assert theirs["run"] is None
    unknown = await gql.data(RUN_QUERY, {"id": "not-an-id"})
    assert unknown["run"] is None


@pytest.fixture
async def ws_url(settings: Settings, database_url: str) -> AsyncIterator[str]:
    """The app served by a real uvicorn (in a thread, with its own state and event loop)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The state is only ever used on the server's loop; its lifespan closes it there.
    app = build_app(AppState.create(settings, database_url))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not server.started:
        assert loop.time() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 30)
        sock.close()


async def subscribe(
    url: str, token: str, run_id: str, *, token_in_init: bool = False
) -> list[dict[str, Any]]:
    """Every ``runProgress`` event of one subscription, until the server completes it.

    The token goes in the URL, or (as browser GraphQL clients send it) in ``connection_init``.
    """
    events: list[dict[str, Any]] = []
    address = url if token_in_init else f"{url}?token={token}"
    init_payload = {"Authorization": f"Bearer {token}"} if token_in_init else {}
    async with websockets.connect(
        address, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": init_payload}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": PROGRESS, "variables": {"id": run_id}},
                }
            )
        )
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if message["type"] == "complete":
                return events
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message["payload"]
            events.append(message["payload"]["data"]["runProgress"])


async def test_run_progress_follows_a_run_until_it_finishes(
    state: AppState, jobs: JobRunner, owner: Member, ws_url: str
) -> None:
    run = await start(state, owner, {"items": 3, "pause": 0.3})
    worker = asyncio.create_task(jobs.run_worker(wait=True, name="progress"))
    try:
        events = await subscribe(ws_url, owner.token, global_id("Run", run.id))
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)

    assert events, "at least the final state is sent"
    assert all(event["__typename"] == "Run" for event in events)
    assert events[-1]["status"] == "SUCCEEDED"
    assert events[-1]["progressDone"] == 3
    assert events[-1]["counts"] == [{"name": "processed", "value": 3}]
    done = [event["progressDone"] for event in events]
    assert done == sorted(done), "progress never goes back"
    assert all(event["status"] != "SUCCEEDED" for event in events[:-1]), "ends after finishing"


async def test_run_progress_of_another_workspace_is_not_found(
    state: AppState, jobs: JobRunner, owner: Member, other_owner: Member, ws_url: str
) -> None:
    run = await start(state, owner, {"items": 1})
    events = await subscribe(ws_url, other_owner.token, global_id("Run", run.id))
    assert [event["__typename"] for event in events] == ["NotFoundError"]
    assert events[0]["code"] == "NOT_FOUND"
    assert events[0]["field"] == "id"


async def test_run_progress_with_the_token_in_connection_init(
    state: AppState, jobs: JobRunner, owner: Member, ws_url: str
) -> None:
    run = await start(state, owner, {"items": 1})
    await jobs.run_worker(wait=False)
    events = await subscribe(ws_url, owner.token, global_id("Run", run.id), token_in_init=True)
    assert events[-1]["__typename"] == "Run"
    assert events[-1]["status"] == "SUCCEEDED"


async def test_run_progress_without_any_token_is_refused(
    state: AppState, jobs: JobRunner, owner: Member, ws_url: str
) -> None:
    run = await start(state, owner, {"items": 1})
    async with websockets.connect(
        ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": PROGRESS, "variables": {"id": global_id("Run", run.id)}}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
