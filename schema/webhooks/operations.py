"""Root fields of webhooks (owners and admins)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from graphql_api.services.webhooks.endpoints import IssuedSecret
from resolvers import results, webhooks
from resolvers.context import Info
from resolvers.ids import decode_id
from resolvers.permissions import IsAdmin
from schema.webhooks import types

ADMINS = "(owners and admins)"
CREATE = Annotated[
    types.CreateWebhookEndpointInput, strawberry.argument(description="The endpoint.")
]
UPDATE = Annotated[
    types.UpdateWebhookEndpointInput, strawberry.argument(description="The changes.")
]
WHICH = Annotated[types.WebhookEndpointIdInput, strawberry.argument(description="Which one.")]
DISABLE = Annotated[
    types.DisableWebhookEndpointInput, strawberry.argument(description="Which one, and why.")
]
ROTATE = Annotated[
    types.RotateWebhookSecretInput, strawberry.argument(description="Which one, and the overlap.")
]
REDELIVER = Annotated[
    types.RedeliverWebhookEventInput, strawberry.argument(description="Which event, where.")
]
RECENT = Annotated[
    int, strawberry.argument(description="How many, newest first: 0–100 (more is 100).")
]


def _endpoint_id(value: strawberry.ID, field: str = "id") -> int:
    return decode_id(value, "WebhookEndpoint", field=field)


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        graphql_type=list[types.WebhookEndpoint],
        permission_classes=[IsAdmin],
        description=f"The workspace's webhook endpoints, oldest first (at most 20) {ADMINS}.",
    )
    async def webhook_endpoints(self, info: Info) -> list[models.WebhookEndpoint]:
        return await webhooks.webhook_endpoints(info)

    @strawberry.field(
        graphql_type=list[types.WebhookEvent],
        permission_classes=[IsAdmin],
        description=f"The workspace's latest webhook events, newest first {ADMINS}; "
        "`first` is capped at 100.",
    )
    async def webhook_events(self, info: Info, first: RECENT = 20) -> list[models.WebhookEvent]:
        return await webhooks.events_of(info, first)


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(
        graphql_type=types.CreateWebhookEndpointResult,
        permission_classes=[IsAdmin],
        description=f"Add a webhook endpoint {ADMINS}: the answer's `secret`, shown once, "
        "is what its requests are signed with.",
    )
    async def create_webhook_endpoint(self, info: Info, input: CREATE) -> IssuedSecret:
        return await webhooks.create_endpoint(info, input.command())

    @strawberry.mutation(
        graphql_type=types.UpdateWebhookEndpointResult,
        permission_classes=[IsAdmin],
        description=f"Change an endpoint's URL, events or description {ADMINS}.",
    )
    async def update_webhook_endpoint(self, info: Info, input: UPDATE) -> models.WebhookEndpoint:
        return await webhooks.update_endpoint(info, input.command())

    @strawberry.mutation(
        graphql_type=types.WebhookEndpointResult,
        permission_classes=[IsAdmin],
        description=f"Stop sending to an endpoint {ADMINS}: its pending deliveries end "
        "FAILED, new events are not queued for it.",
    )
    async def disable_webhook_endpoint(
        self, info: Info, input: DISABLE
    ) -> models.WebhookEndpoint:
        return await webhooks.set_enabled(
            info, _endpoint_id(input.id), enabled=False, reason=input.reason
        )

    @strawberry.mutation(
        graphql_type=types.WebhookEndpointResult,
        permission_classes=[IsAdmin],
        description=f"Send to a disabled endpoint again, from the next event on {ADMINS}; "
        "redeliver what it missed with redeliverWebhookEvent.",
    )
    async def enable_webhook_endpoint(self, info: Info, input: WHICH) -> models.WebhookEndpoint:
        return await webhooks.set_enabled(info, _endpoint_id(input.id), enabled=True)

    @strawberry.mutation(
        graphql_type=types.DeleteWebhookEndpointResult,
        permission_classes=[IsAdmin],
        description=f"Delete an endpoint with its deliveries {ADMINS}.",
    )
    async def delete_webhook_endpoint(self, info: Info, input: WHICH) -> results.Deleted:
        return await webhooks.delete_endpoint(info, _endpoint_id(input.id))

    @strawberry.mutation(
        graphql_type=types.RotateWebhookSecretResult,
        permission_classes=[IsAdmin],
        description=f"Give an endpoint a new secret (shown once) {ADMINS}; the previous one "
        "keeps signing too for `overlapHours`, so the receiver can switch without a gap.",
    )
    async def rotate_webhook_secret(self, info: Info, input: ROTATE) -> IssuedSecret:
        return await webhooks.rotate_secret(info, _endpoint_id(input.id), input.overlap_hours)

    @strawberry.mutation(
        graphql_type=types.RedeliverWebhookEventResult,
        permission_classes=[IsAdmin],
        description=f"Send an event to an endpoint again, with the same `webhook-id` "
        f"{ADMINS}: a new delivery, queued now and retried like any other.",
    )
    async def redeliver_webhook_event(
        self, info: Info, input: REDELIVER
    ) -> models.WebhookDelivery:
        return await webhooks.redeliver(
            info, input.event_id, _endpoint_id(input.endpoint_id, "endpointId")
        )
