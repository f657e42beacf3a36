"""The webhook API (owners and admins): endpoints, URL rules, secrets shown once and stored
encrypted, rotation with an overlap, disable/enable, delete, redelivery with the same
``webhook-id``; the outbox's atomicity and its fixed statement count."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from graphql_api import outbox
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import (
    DeliveryStatus,
    Role,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from graphql_api.security import SecretBox
from graphql_api.services.wefact.secrets import rotate_api_keys
from tests.conftest import TEST_SECRET_KEY, GraphQLClient, Member, add_member
from tests.domain.test_statement_count import count_statements
from tests.webhooks.conftest import (
    CREATE,
    ERRORS,
    create_endpoint,
    deliveries,
    record_event,
    wait_for_deliveries,
    worker_lanes,
)
from tests.webhooks.receiver import Receiver

UPDATE = f"""
mutation($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpoint {{ id url events description }} {ERRORS}
  }}
}}
"""
DISABLE = f"""
mutation($input: DisableWebhookEndpointInput!) {{
  disableWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpoint {{ enabled disabledReason disabledAt }} {ERRORS}
  }}
}}
"""
ENABLE = f"""
mutation($input: WebhookEndpointIdInput!) {{
  enableWebhookEndpoint(input: $input) {{
    __typename ... on WebhookEndpoint {{ enabled disabledReason }} {ERRORS}
  }}
}}
"""
DELETE = f"""
mutation($input: WebhookEndpointIdInput!) {{
  deleteWebhookEndpoint(input: $input) {{ __typename ... on Deleted {{ id }} {ERRORS} }}
}}
"""
ROTATE = f"""
mutation($input: RotateWebhookSecretInput!) {{
  rotateWebhookSecret(input: $input) {{
    __typename
    ... on WebhookEndpointWithSecret {{ secret endpoint {{ previousSecretExpiresAt }} }}
    {ERRORS}
  }}
}}
"""
REDELIVER = f"""
mutation($input: RedeliverWebhookEventInput!) {{
  redeliverWebhookEvent(input: $input) {{
    __typename ... on WebhookDelivery {{ id status attemptCount event {{ id }} }} {ERRORS}
  }}
}}
"""
LIST = """
query { webhookEndpoints { id url events
  deliveries(first: 3) { status event { id type } attempts { number statusCode } } } }
"""
EVENTS = "query { webhookEvents(first: 5) { id type schemaVersion body createdAt } }"


async def create(gql: GraphQLClient, url: str, events: list[str] | None = None,
                 **extra: Any) -> dict[str, Any]:
    data = await gql.data(
        CREATE, {"input": {"url": url, "events": events or ["INVOICE_CREATED"], **extra}}
    )
    result: dict[str, Any] = data["createWebhookEndpoint"]
    return result


async def test_admins_only(gql: GraphQLClient, state: AppState, owner: Member) -> None:
    for role in (Role.MANAGER, Role.MEMBER):
        member = await add_member(state, owner.workspace_id, role=role, email=f"{role.name}@a.test")
        body = await gql.post(CREATE, {"input": {"url": "https://example.com/h",
                                                 "events": ["INVOICE_CREATED"]}},
                              token=member.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        body = await gql.post(LIST, token=member.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = await add_member(state, owner.workspace_id, role=Role.ADMIN, email="admin@a.test")
    body = await gql.post(LIST, token=admin.token)
    assert body["data"] == {"webhookEndpoints": []}


async def test_secret_shown_once_and_stored_encrypted(
    gql: GraphQLClient, state: AppState, receiver: Receiver
) -> None:
    result = await create(gql, receiver.url("/x"), description="  ERP  ")
    assert result["__typename"] == "WebhookEndpointWithSecret", result
    secret = result["secret"]
    assert secret.startswith("whsec_")
    assert result["endpoint"]["events"] == ["INVOICE_CREATED"]
    async with state.sessionmaker() as session:
        row = await session.scalar(select(WebhookEndpoint))
    assert row is not None
    assert secret not in row.secret_encrypted
    assert state.secret_box.decrypt(row.secret_encrypted) == secret
    assert row.description == "ERP"
    # No field of the schema shows it again.
    listed = [await gql.post(LIST), await gql.post(EVENTS)]
    assert secret not in str(listed)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "must start with https://"),
        ("https://127.0.0.1/hook", "private or local address"),
        ("https://localhost:8443/hook", "private or local address"),
        ("https://10.1.2.3/hook", "private or local address"),
        ("https://user:pw@example.com/hook", "user names and passwords"),
        ("ftp://example.com/hook", "not a web address"),
        ("https://no-such-host.invalid/hook", "cannot be found"),
        ("", "Enter the URL"),
    ],
)
async def test_urls_must_be_public_https_unless_allowed(
    gql: GraphQLClient, state: AppState, url: str, message: str
) -> None:
    state.settings.allow_private_integration_urls = False
    result = await create(gql, url)
    assert result["__typename"] == "InvalidInputError", result
    assert result["code"] == "URL_NOT_ALLOWED"
    assert result["field"] == "url"
    assert message in result["message"]


async def test_no_events_and_too_many_endpoints(gql: GraphQLClient, receiver: Receiver) -> None:
    body = await gql.data(CREATE, {"input": {"url": receiver.url("/x"), "events": []}})
    assert body["createWebhookEndpoint"]["code"] == "NO_EVENTS"
    for n in range(20):
        assert (await create(gql, receiver.url(f"/{n}")))["__typename"] != "ConflictError"
    over = await create(gql, receiver.url("/21"))
    assert over["__typename"] == "ConflictError"
    assert over["code"] == "TOO_MANY_ENDPOINTS"


async def test_the_url_is_checked_again_at_delivery_time(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    """Allowed when created (private URLs on), refused when sent: nothing is requested."""
    await create_endpoint(gql, receiver, "/internal")
    state.settings.allow_private_integration_urls = False
    state.settings.webhook_retry_window_seconds = 0.5
    await record_event(state, owner.workspace_id)
    async with worker_lanes(jobs):
        await wait_for_deliveries(state, lambda rows: rows[0].status is DeliveryStatus.FAILED)
    [delivery] = await deliveries(state)
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("Not sent: The webhook URL must start with https://")
    assert receiver.received == []


async def test_update_disable_enable_redeliver_delete(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    endpoint_id = await create_endpoint(gql, receiver, "/p", ["INVOICE_CREATED"])
    changed = (await gql.data(UPDATE, {"input": {
        "id": endpoint_id, "events": ["INVOICE_RUN_FINISHED", "INVOICE_CREATED"],
        "description": None,
    }}))["updateWebhookEndpoint"]
    assert changed["events"] == ["INVOICE_CREATED", "INVOICE_RUN_FINISHED"]
    assert changed["url"] == receiver.url("/p")
    bad = (await gql.data(UPDATE, {"input": {"id": endpoint_id, "url": "nope"}}))[
        "updateWebhookEndpoint"]
    assert bad["code"] == "URL_NOT_ALLOWED"

    disabled = (await gql.data(DISABLE, {"input": {"id": endpoint_id, "reason": "Migrating"}}))[
        "disableWebhookEndpoint"]
    assert disabled["enabled"] is False
    assert disabled["disabledReason"] == "Migrating"
    event_id = await record_event(state, owner.workspace_id)
    assert await deliveries(state) == [], "nothing is queued for a disabled endpoint"
    refused = (await gql.data(REDELIVER, {"input": {"eventId": event_id,
                                                    "endpointId": endpoint_id}}))
    assert refused["redeliverWebhookEvent"]["code"] == "ENDPOINT_DISABLED"

    enabled = (await gql.data(ENABLE, {"input": {"id": endpoint_id}}))["enableWebhookEndpoint"]
    assert enabled == {"__typename": "WebhookEndpoint", "enabled": True, "disabledReason": None}
    async with worker_lanes(jobs):
        for _ in range(2):  # redelivered twice: each time the same webhook-id
            again = (await gql.data(REDELIVER, {"input": {"eventId": event_id,
                                                          "endpointId": endpoint_id}}))
            assert again["redeliverWebhookEvent"]["event"]["id"] == event_id
        await receiver.wait_for(lambda: len(receiver.at("/p")) == 2)
    assert [r.webhook_id for r in receiver.at("/p")] == [event_id, event_id]

    deleted = (await gql.data(DELETE, {"input": {"id": endpoint_id}}))["deleteWebhookEndpoint"]
    assert deleted == {"__typename": "Deleted", "id": endpoint_id}
    assert await deliveries(state) == []
    gone = (await gql.data(ENABLE, {"input": {"id": endpoint_id}}))["enableWebhookEndpoint"]
    assert gone["code"] == "NOT_FOUND"
    events = (await gql.data(EVENTS))["webhookEvents"]
    assert [e["id"] for e in events] == [event_id], "the event stays"


async def test_another_workspace_cannot_touch_the_endpoint_or_the_event(
    gql: GraphQLClient, state: AppState, owner: Member, other_owner: Member, receiver: Receiver
) -> None:
    endpoint_id = await create_endpoint(gql, receiver, "/p")
    event_id = await record_event(state, owner.workspace_id)
    theirs = await create_endpoint(gql, receiver, "/q", token=other_owner.token)
    for document, variables, field in [
        (DISABLE, {"id": endpoint_id}, "disableWebhookEndpoint"),
        (DELETE, {"id": endpoint_id}, "deleteWebhookEndpoint"),
        (ROTATE, {"id": endpoint_id}, "rotateWebhookSecret"),
        (REDELIVER, {"eventId": event_id, "endpointId": theirs}, "redeliverWebhookEvent"),
    ]:
        result = (await gql.data(document, {"input": variables}, token=other_owner.token))[field]
        assert result["code"] == "NOT_FOUND", (field, result)
    assert (await gql.data(EVENTS, token=other_owner.token))["webhookEvents"] == []


async def test_rotation_signs_with_both_secrets_during_the_overlap(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    endpoint_id = await create_endpoint(gql, receiver, "/p")
    rotated = (await gql.data(ROTATE, {"input": {"id": endpoint_id, "overlapHours": 2}}))[
        "rotateWebhookSecret"]
    assert rotated["endpoint"]["previousSecretExpiresAt"] is not None
    receiver.secrets["/p"].append(rotated["secret"])  # [old, new]
    async with worker_lanes(jobs):
        await record_event(state, owner.workspace_id)
        await receiver.wait_for(lambda: len(receiver.at("/p")) == 1)
        assert receiver.at("/p")[0].verified_with == [0, 1]
        assert len(receiver.at("/p")[0].headers["webhook-signature"].split(" ")) == 2
        # Without overlap only the newest secret signs.
        newest = (await gql.data(ROTATE, {"input": {"id": endpoint_id, "overlapHours": 0}}))[
            "rotateWebhookSecret"]
        receiver.secrets["/p"].append(newest["secret"])  # [old, new, newest]
        await record_event(state, owner.workspace_id)
        await receiver.wait_for(lambda: len(receiver.at("/p")) == 2)
    assert receiver.at("/p")[1].verified_with == [2]
    bad = (await gql.data(ROTATE, {"input": {"id": endpoint_id, "overlapHours": 1000}}))
    assert bad["rotateWebhookSecret"]["code"] == "INVALID"


async def test_outbox_writes_nothing_when_the_change_rolls_back(
    state: AppState, owner: Member, receiver: Receiver, gql: GraphQLClient
) -> None:
    await create_endpoint(gql, receiver, "/p")

    class Boom(Exception):
        pass

    async def change_then_fail() -> None:
        async with state.sessionmaker() as session, session.begin():
            await outbox.record(session, owner.workspace_id, WebhookEventType.INVOICE_CREATED, {})
            raise Boom

    with pytest.raises(Boom):
        await change_then_fail()
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        jobs = await session.scalar(text(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'webhooks'"))
        assert jobs == 0


async def test_recording_an_event_takes_three_statements_for_any_number_of_endpoints(
    gql: GraphQLClient, state: AppState, owner: Member, receiver: Receiver
) -> None:
    for n in range(5):
        await create_endpoint(gql, receiver, f"/{n}")
    with count_statements(state) as statements:
        await record_event(state, owner.workspace_id)
    # now(), the event, deliveries + jobs; the transaction's BEGIN/COMMIT are not statements.
    assert len([s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]) == 3
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookDelivery)) == 5
        queued = await session.scalar(text(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'webhooks'"))
    assert queued == 5


async def test_listing_reads_a_fixed_number_of_statements(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, receiver: Receiver
) -> None:
    for n in range(4):
        await create_endpoint(gql, receiver, f"/{n}")
    async with worker_lanes(jobs):
        for _ in range(3):
            await record_event(state, owner.workspace_id)
        await wait_for_deliveries(state, lambda rows: len(rows) == 12 and all(
            r.status is DeliveryStatus.SUCCEEDED for r in rows))
    with count_statements(state) as statements:
        listed = (await gql.data(LIST))["webhookEndpoints"]
    assert [len(e["deliveries"]) for e in listed] == [3, 3, 3, 3]
    assert all(d["attempts"] == [{"number": 1, "statusCode": 204}]
               for e in listed for d in e["deliveries"])
    # authentication, endpoints, deliveries (one window query), events, attempts
    assert len(statements) == 5, statements


async def test_rotate_secrets_re_encrypts_the_signing_secrets(
    gql: GraphQLClient, state: AppState, receiver: Receiver
) -> None:
    endpoint_id = await create_endpoint(gql, receiver, "/p")
    await gql.data(ROTATE, {"input": {"id": endpoint_id, "overlapHours": 1}})
    async with state.sessionmaker() as session:
        before = await session.scalar(select(WebhookEndpoint))
    assert before is not None
    old, previous = before.secret_encrypted, before.previous_secret_encrypted
    assert previous is not None
    box = SecretBox("a-new-secret-key", [TEST_SECRET_KEY])
    assert await rotate_api_keys(state.sessionmaker, box) == 0
    async with state.sessionmaker() as session:
        after = await session.scalar(select(WebhookEndpoint))
    assert after is not None
    assert after.previous_secret_encrypted is not None
    assert SecretBox("a-new-secret-key").decrypt(after.secret_encrypted) == box.decrypt(old)
    assert SecretBox("a-new-secret-key").decrypt(after.previous_secret_encrypted) == box.decrypt(
        previous
    )
