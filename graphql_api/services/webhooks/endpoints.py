"""Webhook endpoints: create, change, disable/enable, delete, rotate the secret, redeliver.

Decisions:

- The URL is held to the HostFact URL rules (``wefact.urls``): https and public addresses
  only, unless ALLOW_PRIVATE_INTEGRATION_URLS is set (then http and private addresses too,
  for development and tests). It is checked again before every delivery: DNS can change.
- The signing secret (``whsec_`` + base64 of 32 random bytes, the Standard Webhooks form) is
  returned once, by create and rotate, and stored encrypted with SECRET_KEY (``SecretBox``,
  as the WeFact keys). Rotating keeps the previous secret signing as well — a second
  signature in ``webhook-signature`` — until the overlap ends, so receivers can switch.
- At most ``MAX_ENDPOINTS`` per workspace: every event fans out to each of them.
- Disabling stops new deliveries (pending ones end FAILED when their turn comes, saying
  why); enabling clears the reason and the failure streak. Redelivering makes a new delivery
  of the same event (same ``webhook-id``) to one endpoint of the event's workspace.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.db import defer_job
from graphql_api.errors import Conflict, InvalidInput, NotFound, WebhookCode
from graphql_api.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from graphql_api.outbox import DELIVER_TASK, WEBHOOK_QUEUE
from graphql_api.security import SecretBox
from graphql_api.services.auth import Caller, utcnow
from graphql_api.services.commands import UNSET, CreateWebhookEndpoint, UpdateWebhookEndpoint
from graphql_api.services.wefact.urls import AddressProblem, address_problem

MAX_ENDPOINTS = 20
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
MAX_OVERLAP = dt.timedelta(days=30)


@dataclass(frozen=True)
class IssuedSecret:
    """An endpoint with its signing secret as just made (shown once, never again)."""

    secret: str
    endpoint: WebhookEndpoint


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: ``whsec_`` + base64 of 32 bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def url_rule_problem(url: str, *, allow_private: bool) -> str | None:
    """What is wrong with the URL's form (not its addresses), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "That is not a web address; enter it like https://example.com/webhooks."
    if parts.scheme != "https" and not allow_private:
        return "The webhook URL must start with https://."
    if parts.username or parts.password:
        return "Leave user names and passwords out of the URL."
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return "The URL's port is not a number from 1 to 65535."
    return None


async def target_problem(url: str, *, allow_private: bool) -> str | None:
    """Why our server will not call ``url`` now (its form, or where it resolves), or None."""
    problem = url_rule_problem(url, allow_private=allow_private)
    if problem is not None or allow_private:
        return problem
    parts = urlsplit(url)
    assert parts.hostname is not None
    found = await address_problem(parts.hostname, parts.port or 443)
    if found is AddressProblem.UNKNOWN:
        return f"The address {parts.hostname} cannot be found."
    if found is AddressProblem.PRIVATE:
        return "The URL points to a private or local address, which is not allowed."
    return None


async def check_url(raw: str, *, allow_private: bool) -> str:
    """The URL as stored, or ``InvalidInput`` naming the ``url`` field."""
    url = raw.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidInput(
            f"Enter the URL to send events to (at most {MAX_URL_LENGTH} characters).",
            field="url",
            code=WebhookCode.URL_NOT_ALLOWED,
        )
    problem = await target_problem(url, allow_private=allow_private)
    if problem is not None:
        raise InvalidInput(problem, field="url", code=WebhookCode.URL_NOT_ALLOWED)
    return url


def _events(events: tuple[WebhookEventType, ...]) -> list[str]:
    if not events:
        raise InvalidInput(
            "Choose at least one event type.", field="events", code=WebhookCode.NO_EVENTS
        )
    return sorted({event.value for event in events})


def _description(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"The description is longer than {MAX_DESCRIPTION_LENGTH} characters.",
            field="description",
        )
    return value.strip()


def endpoints_of(workspace_id: int) -> Select[WebhookEndpoint]:
    """The workspace's endpoints, oldest first."""
    return (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.workspace_id == workspace_id)
        .order_by(WebhookEndpoint.id)
    )


async def _endpoint(session: AsyncSession, workspace_id: int, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, locked; ``NotFound`` unless it is the workspace's."""
    row = await session.scalar(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.workspace_id == workspace_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound("Webhook endpoint not found.", field="id")
    return row


async def create_endpoint(
    session: AsyncSession,
    caller: Caller,
    command: CreateWebhookEndpoint,
    *,
    box: SecretBox,
    allow_private: bool,
) -> IssuedSecret:
    """A new enabled endpoint and its secret."""
    url = await check_url(command.url, allow_private=allow_private)
    events = _events(command.events)
    description = _description(command.description)
    # Serialise creations per workspace, so two racing requests cannot pass the cap.
    await session.execute(
        select(
            func.pg_advisory_xact_lock(
                func.hashtextextended("webhook_endpoints", caller.workspace_id)
            )
        )
    )
    count = await session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.workspace_id == caller.workspace_id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(
            f"The workspace has {MAX_ENDPOINTS} webhook endpoints, the most it may have: "
            "delete one first.",
            code=WebhookCode.TOO_MANY_ENDPOINTS,
        )
    secret = new_secret()
    endpoint = WebhookEndpoint(
        workspace_id=caller.workspace_id,
        url=url,
        events=events,
        description=description,
        enabled=True,
        secret_encrypted=box.encrypt(secret),
        created_by_user_id=caller.user_id,
    )
    session.add(endpoint)
    await session.flush()
    await session.refresh(endpoint)
    return IssuedSecret(secret=secret, endpoint=endpoint)


async def update_endpoint(
    session: AsyncSession,
    workspace_id: int,
    command: UpdateWebhookEndpoint,
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    """Change the URL, the events or the description (UNSET fields stay)."""
    endpoint = await _endpoint(session, workspace_id, command.id)
    if command.url is not UNSET:
        endpoint.url = await check_url(command.url, allow_private=allow_private)
    if command.events is not UNSET:
        endpoint.events = _events(command.events)
    if command.description is not UNSET:
        endpoint.description = _description(command.description)
    await session.flush()
    await session.refresh(endpoint)
    return endpoint


async def set_enabled(
    session: AsyncSession,
    workspace_id: int,
    endpoint_id: int,
    *,
    enabled: bool,
    reason: str | None = None,
) -> WebhookEndpoint:
    """Disable (with ``reason``) or enable the endpoint; enabling clears the failure streak."""
    endpoint = await _endpoint(session, workspace_id, endpoint_id)
    if enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.failing_since = None
    elif endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_reason = _description(reason) or "Disabled by an admin."
        endpoint.disabled_at = utcnow()
    await session.flush()
    await session.refresh(endpoint)
    return endpoint


async def delete_endpoint(session: AsyncSession, workspace_id: int, endpoint_id: int) -> None:
    """Delete the endpoint with its deliveries and attempts (the events stay)."""
    endpoint = await _endpoint(session, workspace_id, endpoint_id)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession,
    workspace_id: int,
    endpoint_id: int,
    *,
    overlap: dt.timedelta,
    box: SecretBox,
) -> IssuedSecret:
    """A new secret; the current one keeps signing too until ``overlap`` is over."""
    if overlap < dt.timedelta(0) or overlap > MAX_OVERLAP:
        raise InvalidInput("The overlap is from 0 to 720 hours (30 days).", field="overlapHours")
    endpoint = await _endpoint(session, workspace_id, endpoint_id)
    secret = new_secret()
    if overlap > dt.timedelta(0):
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = utcnow() + overlap
    else:
        endpoint.previous_secret_encrypted = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = box.encrypt(secret)
    await session.flush()
    await session.refresh(endpoint)
    return IssuedSecret(secret=secret, endpoint=endpoint)


async def redeliver(
    session: AsyncSession, workspace_id: int, event_id: str, endpoint_id: int
) -> WebhookDelivery:
    """A new delivery of the event (same ``webhook-id``) to the endpoint, queued now."""
    endpoint = await _endpoint(session, workspace_id, endpoint_id)
    event = await session.scalar(
        select(WebhookEvent).where(
            WebhookEvent.id == event_id, WebhookEvent.workspace_id == workspace_id
        )
    )
    if event is None:
        raise NotFound("Webhook event not found.", field="eventId")
    if not endpoint.enabled:
        raise Conflict(
            "The endpoint is disabled: enable it first, then redeliver.",
            field="endpointId",
            code=WebhookCode.ENDPOINT_DISABLED,
        )
    delivery = WebhookDelivery(
        workspace_id=workspace_id,
        event_id=event.id,
        endpoint_id=endpoint.id,
        next_attempt_at=utcnow(),
    )
    session.add(delivery)
    await session.flush()
    await defer_job(
        session,
        queue=WEBHOOK_QUEUE,
        task=DELIVER_TASK,
        args={"delivery_id": delivery.id, "attempt": 0},
    )
    await session.refresh(delivery)
    return delivery
