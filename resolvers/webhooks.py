"""Webhook endpoints (owners and admins): list, create, change, disable/enable, delete,
rotate the secret, redeliver an event; their recent deliveries and attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.webhooks import endpoints
from graphql_api.services.webhooks.endpoints import IssuedSecret
from resolvers import loaders, results
from resolvers.context import Info
from resolvers.reads import caller

MAX_DELIVERIES = 100


async def webhook_endpoints(info: Info) -> list[models.WebhookEndpoint]:
    """The workspace's endpoints, oldest first (at most 20 exist)."""
    async with info.context.session() as session:
        return list(await session.scalars(endpoints.endpoints_of(info.context.workspace_id)))


async def webhook_endpoint(info: Info, endpoint_id: int) -> models.WebhookEndpoint | None:
    """One endpoint of the workspace, or None."""
    async with info.context.session() as session:
        row: models.WebhookEndpoint | None = await session.scalar(
            endpoints.endpoints_of(info.context.workspace_id).where(
                models.WebhookEndpoint.id == endpoint_id
            )
        )
        return row


def _allow_private(info: Info) -> bool:
    return info.context.state.settings.allow_private_integration_urls


async def create_endpoint(info: Info, command: commands.CreateWebhookEndpoint) -> IssuedSecret:
    """A new endpoint, with its secret shown once."""
    async with info.context.transaction() as session:
        return await endpoints.create_endpoint(
            session, caller(info), command,
            box=info.context.state.secret_box, allow_private=_allow_private(info),
        )


async def update_endpoint(
    info: Info, command: commands.UpdateWebhookEndpoint
) -> models.WebhookEndpoint:
    """Change an endpoint's URL, events or description."""
    async with info.context.transaction() as session:
        return await endpoints.update_endpoint(
            session, info.context.workspace_id, command, allow_private=_allow_private(info)
        )


async def set_enabled(
    info: Info, endpoint_id: int, *, enabled: bool, reason: str | None = None
) -> models.WebhookEndpoint:
    """Disable (with a reason) or enable an endpoint."""
    async with info.context.transaction() as session:
        return await endpoints.set_enabled(
            session, info.context.workspace_id, endpoint_id, enabled=enabled, reason=reason
        )


async def delete_endpoint(info: Info, endpoint_id: int) -> results.Deleted:
    """Delete an endpoint with its deliveries."""
    async with info.context.transaction() as session:
        await endpoints.delete_endpoint(session, info.context.workspace_id, endpoint_id)
    return results.Deleted("WebhookEndpoint", endpoint_id)


async def rotate_secret(info: Info, endpoint_id: int, overlap_hours: float) -> IssuedSecret:
    """A new secret; the previous one signs too for ``overlap_hours``."""
    async with info.context.transaction() as session:
        return await endpoints.rotate_secret(
            session, info.context.workspace_id, endpoint_id,
            overlap=dt.timedelta(hours=overlap_hours), box=info.context.state.secret_box,
        )


async def redeliver(info: Info, event_id: str, endpoint_id: int) -> models.WebhookDelivery:
    """A new delivery of an event to an endpoint, same ``webhook-id``."""
    async with info.context.transaction() as session:
        return await endpoints.redeliver(
            session, info.context.workspace_id, event_id, endpoint_id
        )


async def recent_deliveries(
    info: Info, endpoint_id: int, first: int
) -> list[models.WebhookDelivery]:
    """An endpoint's latest ``first`` deliveries (capped at 100), newest first."""
    first = max(0, min(first, MAX_DELIVERIES))
    if first == 0:
        return []
    return await loaders.webhook_deliveries_by_endpoint_loader(info.context, first).load(
        endpoint_id
    )


async def delivery_attempts(info: Info, delivery_id: int) -> list[models.WebhookAttempt]:
    """A delivery's attempts, first first."""
    return await loaders.webhook_attempts_by_delivery_loader(info.context).load(delivery_id)


async def delivery_event(info: Info, event_id: str) -> models.WebhookEvent:
    """The event a delivery sends (same workspace: the delivery's foreign key)."""
    event = await loaders.webhook_event_loader(info.context).load(event_id)
    assert event is not None
    return event


async def events_of(info: Info, first: int) -> list[models.WebhookEvent]:
    """The workspace's latest events, newest first (capped at 100)."""
    event = models.WebhookEvent
    async with info.context.session() as session:
        rows = await session.scalars(
            select(event)
            .where(event.workspace_id == info.context.workspace_id)
            .order_by(event.created_at.desc(), event.id.desc())
            .limit(max(0, min(first, MAX_DELIVERIES)))
        )
        return list(rows)
