"""GraphQL types of webhooks: endpoints, events, deliveries and their attempts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry import Parent
from strawberry.relay import NodeID

from graphql_api import models
from graphql_api.services import commands
from graphql_api.services.webhooks.delivery import body_of
from graphql_api.services.webhooks.endpoints import IssuedSecret
from resolvers import webhooks
from resolvers.context import Info
from resolvers.ids import decode_id
from resolvers.permissions import WEBHOOKS
from schema.domain.types import Deleted
from schema.errors import ConflictError, InvalidInputError, NotFoundError
from schema.inputs import given, given_as
from schema.relay import Node
from schema.views import computed, result_type, row_type

_ADMINS = "Owners and admins only."

RECENT = Annotated[
    int, strawberry.argument(description="How many, newest first: 0–100 (more is 100).")
]


@row_type(
    models.WebhookEvent,
    read=WEBHOOKS,
    description="Something that happened, as partners receive it (the outbox). " + _ADMINS,
)
class WebhookEvent:
    id: str = strawberry.field(
        description="The `webhook-id` header of every delivery of this event: receivers "
        "deduplicate on it."
    )

    @computed("type", description="What happened.")
    @staticmethod
    def type(root: Parent[models.WebhookEvent]) -> models.WebhookEventType:
        return models.WebhookEventType(root.type)

    schema_version: int = strawberry.field(
        description="The version of the payload's shape (`schemaVersion` in the body)."
    )
    created_at: dt.datetime = strawberry.field(
        description="When it happened (committed with the change it describes)."
    )

    @computed("payload", description="The exact JSON body every delivery of it sends.")
    @staticmethod
    def body(root: Parent[models.WebhookEvent]) -> str:
        return body_of(root)


@row_type(
    models.WebhookAttempt,
    read=WEBHOOKS,
    description="One HTTP request of a delivery and what the receiver did. " + _ADMINS,
)
class WebhookAttempt:
    number: int = strawberry.field(description="1 for the first attempt of the delivery.")
    status_code: int | None = strawberry.field(
        description="The receiver's HTTP status; null when it did not answer (timeout, "
        "connection refused) or the URL was refused before sending."
    )
    duration_ms: int = strawberry.field(description="How long the attempt took (ms).")
    error: str | None = strawberry.field(
        description="Why the attempt failed; null when the receiver answered 2xx."
    )
    created_at: dt.datetime = strawberry.field(description="When the attempt ended.")


@row_type(
    models.WebhookDelivery,
    read=WEBHOOKS,
    description="One event to one endpoint, tried until it succeeds or for 3 days. " + _ADMINS,
)
class WebhookDelivery(Node):
    id: NodeID[int]
    status: models.DeliveryStatus = strawberry.field(description="Where the delivery is.")
    attempts: int = strawberry.field(
        name="attemptCount", description="Attempts made so far (the `attempts` listed, and "
        "one that a stopped worker could not record)."
    )
    next_attempt_at: dt.datetime | None = strawberry.field(
        description="When it is tried (again); null once it succeeded or failed."
    )
    delivered_at: dt.datetime | None = strawberry.field(
        description="When the receiver answered 2xx."
    )
    last_error: str | None = strawberry.field(description="Why the latest attempt failed.")
    created_at: dt.datetime = strawberry.field(
        description="When it was queued (with the event, or by redeliverWebhookEvent)."
    )

    @strawberry.field(graphql_type=WebhookEvent, description="The event it sends.")
    @staticmethod
    async def event(root: Parent[models.WebhookDelivery], info: Info) -> models.WebhookEvent:
        return await webhooks.delivery_event(info, root.event_id)

    @strawberry.field(
        name="attempts",
        graphql_type=list[WebhookAttempt],
        description="Its attempts, the first first.",
    )
    @staticmethod
    async def attempt_list(
        root: Parent[models.WebhookDelivery], info: Info
    ) -> list[models.WebhookAttempt]:
        return await webhooks.delivery_attempts(info, root.id)


@row_type(
    models.WebhookEndpoint,
    read=WEBHOOKS,
    description="A partner's URL that receives the workspace's events, signed by the "
    "Standard Webhooks specification. " + _ADMINS,
)
class WebhookEndpoint(Node):
    id: NodeID[int]
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str | None = strawberry.field(description="What the endpoint is for.")

    @computed("events", description="The event types it receives.")
    @staticmethod
    def events(root: Parent[models.WebhookEndpoint]) -> list[models.WebhookEventType]:
        return [models.WebhookEventType(value) for value in root.events]

    enabled: bool = strawberry.field(
        description="Disabled endpoints receive nothing (events meanwhile are not queued "
        "for them; redeliver them after enabling)."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why it is disabled: by an admin, or automatically after failing for "
        "3 days."
    )
    disabled_at: dt.datetime | None = strawberry.field(description="When it was disabled.")
    previous_secret_expires_at: dt.datetime | None = strawberry.field(
        description="After rotateWebhookSecret: until when the previous secret signs too."
    )
    failing_since: dt.datetime | None = strawberry.field(
        description="The first failed attempt since the last success; null when not failing."
    )
    created_at: dt.datetime = strawberry.field(description="When it was created.")
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")

    @strawberry.field(
        graphql_type=list[WebhookDelivery],
        description="Its latest deliveries, newest first, with their attempts; `first` is "
        "capped at 100.",
    )
    @staticmethod
    async def deliveries(
        root: Parent[models.WebhookEndpoint], info: Info, first: RECENT = 10
    ) -> list[models.WebhookDelivery]:
        return await webhooks.recent_deliveries(info, root.id, first)


@result_type(
    IssuedSecret,
    description="An endpoint with its signing secret: store `secret` now, it is shown once.",
)
class WebhookEndpointWithSecret:
    secret: str = strawberry.field(
        description="The signing secret (`whsec_…`): verify each request's "
        "`webhook-signature` with it, using a Standard Webhooks library."
    )
    endpoint: models.WebhookEndpoint = strawberry.field(
        graphql_type=WebhookEndpoint, description="The endpoint."
    )


# ---------------------------------------------------------------- inputs


@strawberry.input(description="A new webhook endpoint.")
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="Where to POST events: a public https URL (private addresses only when "
        "the server allows them)."
    )
    events: list[models.WebhookEventType] = strawberry.field(
        description="The event types it receives (at least one)."
    )
    description: str | None = strawberry.field(
        default=None, description="What it is for (at most 500 characters)."
    )

    def command(self) -> commands.CreateWebhookEndpoint:
        """The service's command."""
        return commands.CreateWebhookEndpoint(
            url=self.url, events=tuple(self.events), description=self.description
        )


@strawberry.input(description="Changes to an endpoint; omitted fields stay as they are.")
class UpdateWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")
    url: strawberry.Maybe[str] = strawberry.field(description="Where to POST events.")
    events: strawberry.Maybe[list[models.WebhookEventType]] = strawberry.field(
        description="The event types it receives (at least one)."
    )
    description: strawberry.Maybe[str | None] = strawberry.field(
        description="What it is for; null clears it."
    )

    def command(self) -> commands.UpdateWebhookEndpoint:
        """The service's command."""
        return commands.UpdateWebhookEndpoint(
            id=decode_id(self.id, "WebhookEndpoint"),
            url=given(self.url),
            events=given_as(self.events, tuple),
            description=given(self.description),
        )


@strawberry.input(description="Which endpoint.")
class WebhookEndpointIdInput:
    id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")


@strawberry.input(description="Which endpoint to disable, and why.")
class DisableWebhookEndpointInput:
    id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")
    reason: str | None = strawberry.field(
        default=None, description="Why (shown as `disabledReason`)."
    )


@strawberry.input(description="Which endpoint gets a new secret, and how long both sign.")
class RotateWebhookSecretInput:
    id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")
    overlap_hours: float = strawberry.field(
        default=24.0,
        description="How long the previous secret keeps signing too (0–720 hours; 24 "
        "when left out): deliveries carry both signatures meanwhile.",
    )


@strawberry.input(description="Which event to send again, to which endpoint.")
class RedeliverWebhookEventInput:
    event_id: str = strawberry.field(
        description="The event's id (its `webhook-id`, e.g. from a delivery's `event`)."
    )
    endpoint_id: strawberry.ID = strawberry.field(description="Global id of the endpoint.")


CreateWebhookEndpointResult = Annotated[
    WebhookEndpointWithSecret | InvalidInputError | ConflictError,
    strawberry.union(
        "CreateWebhookEndpointResult", description="The endpoint and its secret, or why not."
    ),
]
UpdateWebhookEndpointResult = Annotated[
    WebhookEndpoint | NotFoundError | InvalidInputError,
    strawberry.union("UpdateWebhookEndpointResult", description="The endpoint, or why not."),
]
WebhookEndpointResult = Annotated[
    WebhookEndpoint | NotFoundError,
    strawberry.union("WebhookEndpointResult", description="The endpoint, or why not."),
]
DeleteWebhookEndpointResult = Annotated[
    Deleted | NotFoundError,
    strawberry.union("DeleteWebhookEndpointResult", description="What was deleted, or why not."),
]
RotateWebhookSecretResult = Annotated[
    WebhookEndpointWithSecret | NotFoundError | InvalidInputError,
    strawberry.union(
        "RotateWebhookSecretResult", description="The endpoint and its new secret, or why not."
    ),
]
RedeliverWebhookEventResult = Annotated[
    WebhookDelivery | NotFoundError | ConflictError,
    strawberry.union(
        "RedeliverWebhookEventResult", description="The new delivery (queued), or why not."
    ),
]
