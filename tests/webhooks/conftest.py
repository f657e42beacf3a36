"""Fixtures of the webhook tests: a verifying receiver on loopback, quick delivery settings,
the invoicing builders and job runner, a worker running every lane in the background."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from graphql_api import outbox
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import WebhookDelivery, WebhookEventType
from graphql_api.provider_runtime import ProviderRuntime
from tests.conftest import GraphQLClient
from tests.invoicing import conftest as invoicing_fixtures
from tests.invoicing.conftest import jobs, world
from tests.webhooks.receiver import Receiver, serve_receiver

__all__ = ["jobs", "world"]

ERRORS = "... on Error { code message field }"
CREATE = f"""
mutation($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{
    __typename
    ... on WebhookEndpointWithSecret {{ secret endpoint {{ id url events enabled }} }}
    {ERRORS}
  }}
}}
"""
ALL_EVENTS = [
    "INVOICE_CREATED", "INVOICE_STATUS_CHANGED", "INVOICE_RUN_FINISHED",
    "CUSTOMER_IMPORT_FINISHED",
]


@pytest.fixture
def state(state: AppState) -> AppState:
    """The invoicing tests' state (quick provider retries), with webhook timings made for tests: a receiver is cut
    off after 1 s, retries start after 0.1 s (then 0.4, 1.6, …)."""
    state.providers = ProviderRuntime(retry=invoicing_fixtures.QUICK_RETRIES)
    settings = state.settings
    settings.webhook_timeout_seconds = 1.0
    settings.webhook_retry_first_seconds = 0.1
    settings.webhook_concurrency = 4
    return state


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serve_receiver(Receiver()) as served:
        yield served


@contextlib.asynccontextmanager
async def worker_lanes(jobs: JobRunner) -> AsyncIterator[asyncio.Task[None]]:
    """Every lane's worker loop in the background for the block (as ``serve`` runs them)."""
    task = asyncio.create_task(jobs.run_lanes(install_signal_handlers=False, name="test"))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def create_endpoint(
    gql: GraphQLClient, receiver: Receiver, path: str, events: list[str] | None = None,
    *, token: str | None = None,
) -> str:
    """An endpoint at ``receiver.url(path)``; the receiver verifies with its secret."""
    data = await gql.data(
        CREATE,
        {"input": {"url": receiver.url(path), "events": events or ALL_EVENTS,
                   "description": f"test {path}"}},
        token=token,
    )
    result = data["createWebhookEndpoint"]
    assert result["__typename"] == "WebhookEndpointWithSecret", result
    receiver.secrets.setdefault(path, []).append(result["secret"])
    endpoint_id: str = result["endpoint"]["id"]
    return endpoint_id


async def record_event(
    state: AppState, workspace_id: int,
    event_type: WebhookEventType = WebhookEventType.INVOICE_RUN_FINISHED,
    data: dict[str, Any] | None = None,
) -> str:
    """An event through the outbox in a transaction of its own; its id."""
    async with state.sessionmaker() as session, session.begin():
        event = await outbox.record(session, workspace_id, event_type, data or {"n": 1})
    return event.id


async def deliveries(state: AppState) -> list[WebhookDelivery]:
    async with state.sessionmaker() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def wait_for_deliveries(state: AppState, predicate: Any) -> None:
    """Until ``predicate(deliveries)`` holds (polled every 0.1 s, for at most a minute)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60.0
    while True:
        rows = await deliveries(state)
        if predicate(rows):
            return
        assert loop.time() < deadline, f"deliveries never got there: {[vars(r) for r in rows]}"
        await asyncio.sleep(0.1)
