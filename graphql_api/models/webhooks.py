"""Signed webhooks: partners' endpoints, the events outbox, and every delivery attempt.

An event row is written in the same transaction as the change it describes (the outbox,
``graphql_api.outbox``), together with one delivery per subscribed endpoint and that
delivery's job. A delivery is tried until it succeeds, or until the retry window is over.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import Base, IdMixin, TimestampMixin, WorkspaceMixin, str_enum


class WebhookEventType(enum.Enum):
    """What happened; the value is the ``type`` partners receive."""

    INVOICE_CREATED = "invoice.created"
    INVOICE_STATUS_CHANGED = "invoice.status_changed"
    INVOICE_RUN_FINISHED = "invoice_run.finished"
    CUSTOMER_IMPORT_FINISHED = "customer_import.finished"


class DeliveryStatus(enum.Enum):
    """PENDING: (re)tried at ``next_attempt_at``; SUCCEEDED: a 2xx answer; FAILED: given up
    (retry window over, or the endpoint was disabled)."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class WebhookEndpoint(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A URL of a partner that receives the workspace's events of ``events``, signed.

    The signing secret is stored encrypted (``SecretBox``, like the WeFact keys) and shown
    once. After a rotation the previous secret keeps signing too (a second signature in
    ``webhook-signature``) until ``previous_secret_expires_at``.
    """

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    enabled: Mapped[bool] = mapped_column(server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[dt.datetime | None]
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[dt.datetime | None]
    failing_since: Mapped[dt.datetime | None] = mapped_column(
        comment="First failed attempt since the last success (NULL: not failing)."
    )
    created_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )


class WebhookEvent(WorkspaceMixin, Base):
    """One event, as partners receive it; ``id`` is the ``webhook-id`` of every delivery."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class WebhookDelivery(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """One event to one endpoint: tried until it succeeds or the retry window is over.

    Each attempt's job carries the attempt number it may make: it claims the attempt
    (``attempts + 1``, and ``next_attempt_at`` becomes the claim's lease) before sending,
    so a stale or duplicate job does nothing. A PENDING delivery past ``next_attempt_at``
    without a job (its worker died) is re-queued by the sweep.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        # The sweep's scan: deliveries still to do.
        Index(
            "ix_webhook_deliveries_pending",
            "next_attempt_at",
            postgresql_where=text("status = 'PENDING'"),
        ),
    )

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), server_default=DeliveryStatus.PENDING.name
    )
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookAttempt(IdMixin, WorkspaceMixin, Base):
    """One HTTP request of a delivery: what the receiver answered, how long it took."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
