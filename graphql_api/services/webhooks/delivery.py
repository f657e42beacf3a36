"""Delivering webhook events: one job per attempt, on the ``webhooks`` lane.

An attempt (``deliver``, the ``webhooks:deliver`` task, args ``delivery_id`` and the
``attempt`` it may make):

1. **Claim** (one short transaction): the delivery is PENDING and has made exactly
   ``attempt`` attempts, else the job is stale or a duplicate and does nothing. It becomes
   attempt ``attempt + 1`` and ``next_attempt_at`` a lease (twice the timeout, plus a
   second): should the worker die now, the sweep re-queues it once it is a lease overdue. A disabled
   endpoint ends the delivery FAILED here, saying so.
2. **Send** (no transaction open): the URL is checked again against the SSRF rules (DNS
   can change), the body is signed with ``standardwebhooks`` — with every current secret,
   the previous one too during a rotation's overlap — and POSTed with ``httpx``. The whole
   request (connect, send, answer) is cut off at WEBHOOK_TIMEOUT_SECONDS, and at most
   64 KiB of the answer's body is read (and dropped). Redirects are not followed (a
   redirect is a failure).
3. **Record** (one transaction): the attempt row; a 2xx answer makes the delivery
   SUCCEEDED and ends the endpoint's failure streak. Anything else schedules the next
   attempt after an exponential backoff (WEBHOOK_RETRY_FIRST_SECONDS × 4ⁿ, at most
   WEBHOOK_RETRY_MAX_DELAY_SECONDS) by deferring its job in that transaction — or, when it
   would fall after WEBHOOK_RETRY_WINDOW_SECONDS (3 days), ends it FAILED. A delivery
   given up inside the endpoint's failure streak (no success to it since its failures
   began) disables the endpoint, with the reason.

At least once, never lost: the first job is deferred with the event (``graphql_api.
outbox``), each retry's job with the attempt that failed; the sweep (every minute)
re-queues any PENDING delivery a lease past its time that has no job left (a worker killed
with SIGKILL mid-attempt — the reaper ends its job as stalled first). Receivers deduplicate on
``webhook-id``, the same for every attempt and redelivery of one event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from graphql_api.db import defer_job, transaction
from graphql_api.jobs.periodic import PeriodicJob
from graphql_api.jobs.registry import job_task
from graphql_api.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from graphql_api.outbox import DELIVER_TASK, WEBHOOK_QUEUE
from graphql_api.resources import Resources
from graphql_api.services.auth import utcnow
from graphql_api.services.webhooks.endpoints import target_problem
from graphql_api.settings import Settings

if TYPE_CHECKING:
    from graphql_api.jobs.worker import JobRunner

logger = logging.getLogger(__name__)

USER_AGENT = "graphql-api-webhooks/1"
MAX_ERROR_LENGTH = 500
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Claim:
    """What one claimed attempt sends, and to where."""

    delivery_id: int
    workspace_id: int
    endpoint_id: int
    number: int
    """This attempt's number (1 for the first)."""
    url: str
    secrets: tuple[str, ...]
    event_id: str
    body: str
    created_at: dt.datetime
    """When the delivery was made: the retry window counts from here."""
    failing: bool
    """The endpoint had a failure streak when the attempt was claimed."""


@dataclass(frozen=True)
class Outcome:
    """What the receiver did."""

    status_code: int | None
    duration_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        """A 2xx answer."""
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def lease(settings: Settings) -> dt.timedelta:
    """How long a claimed attempt is left alone before the sweep presumes its worker dead."""
    return dt.timedelta(seconds=2 * settings.webhook_timeout_seconds + 1)


def retry_delay(settings: Settings, failed_attempts: int) -> dt.timedelta:
    """The wait after the ``failed_attempts``-th failure: first × 4ⁿ⁻¹, capped."""
    seconds = settings.webhook_retry_first_seconds * 4 ** (failed_attempts - 1)
    return dt.timedelta(seconds=min(seconds, settings.webhook_retry_max_delay_seconds))


def body_of(event: WebhookEvent) -> str:
    """The exact bytes sent (compact JSON of the stored payload: the same every attempt)."""
    return json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def signature(secrets: tuple[str, ...], event_id: str, at: dt.datetime, body: str) -> str:
    """``webhook-signature``: one ``v1,…`` per secret, space-separated (the specification's
    way of signing with two secrets during a rotation)."""
    return " ".join(Webhook(secret).sign(event_id, at, body) for secret in secrets)


# ---------------------------------------------------------------- 1. claim


async def claim(state: Resources, delivery_id: int, attempt: int) -> Claim | None:
    """Take attempt ``attempt + 1`` of the delivery, or None when it is not this job's."""
    async with transaction(state.sessionmaker) as session:
        row = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                .where(WebhookDelivery.id == delivery_id)
                .with_for_update(of=WebhookDelivery)
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
        if row is None:
            return None  # its endpoint was deleted
        delivery, endpoint, event = row
        if delivery.status is not DeliveryStatus.PENDING or delivery.attempts != attempt:
            return None
        if not (endpoint.workspace_id == event.workspace_id == delivery.workspace_id):
            # Never reached by our writes; refused so that no event ever crosses workspaces.
            logger.error("webhook delivery %s crosses workspaces; failed", delivery_id)
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "The event belongs to another workspace."
            return None
        if not endpoint.enabled:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = f"Not sent: the endpoint is disabled ({endpoint.disabled_reason})"
            return None
        # Our clock, not the database's (one round trip less per attempt): the lease and the
        # overlap are minutes and hours, far above any skew between the two.
        now = utcnow()
        delivery.attempts = attempt + 1
        delivery.next_attempt_at = now + lease(state.settings)
        secrets = [state.secret_box.decrypt(endpoint.secret_encrypted)]
        if (
            endpoint.previous_secret_encrypted is not None
            and endpoint.previous_secret_expires_at is not None
            and endpoint.previous_secret_expires_at > now
        ):
            secrets.append(state.secret_box.decrypt(endpoint.previous_secret_encrypted))
        return Claim(
            delivery_id=delivery.id,
            workspace_id=delivery.workspace_id,
            endpoint_id=endpoint.id,
            number=attempt + 1,
            url=endpoint.url,
            secrets=tuple(secrets),
            event_id=event.id,
            body=body_of(event),
            created_at=delivery.created_at,
            failing=endpoint.failing_since is not None,
        )


# ---------------------------------------------------------------- 2. send


async def send(state: Resources, job: Claim) -> Outcome:
    """One signed POST, cut off at the timeout; never raises."""
    settings = state.settings
    started = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - started) * 1000)

    problem = await target_problem(job.url, allow_private=settings.allow_private_integration_urls)
    if problem is not None:
        return Outcome(None, took(), f"Not sent: {problem}")
    at = dt.datetime.now(dt.UTC)
    headers = {
        "webhook-id": job.event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(job.secrets, job.event_id, at, job.body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    timeout = settings.webhook_timeout_seconds
    try:
        # httpx's timeouts are per phase; the outer one bounds the whole exchange (a
        # receiver trickling its answer byte by byte is cut off too).
        async with asyncio.timeout(timeout):
            request = state.http.build_request(
                "POST", job.url, content=job.body.encode(), headers=headers, timeout=timeout
            )
            response = await state.http.send(request, stream=True, follow_redirects=False)
            try:
                # Read (and drop) at most MAX_ANSWER_BYTES of the answer: bounded work for any
                # answer, and a short one read to its end leaves the connection reusable.
                read = 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read > MAX_ANSWER_BYTES:
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        return Outcome(None, took(), f"No answer within {timeout:g} s: cut off.")
    except httpx.HTTPError as exc:
        return Outcome(None, took(), f"The request failed: {type(exc).__name__}.")
    if not 200 <= response.status_code < 300:
        return Outcome(
            response.status_code, took(), f"The receiver answered {response.status_code}."
        )
    return Outcome(response.status_code, took(), None)


# ---------------------------------------------------------------- 3. record


async def record(state: Resources, job: Claim, outcome: Outcome) -> DeliveryStatus | None:
    """Store the attempt and what follows from it; the delivery's status after it (None when
    another attempt took the delivery over meanwhile: then only the attempt row is kept)."""
    settings = state.settings
    async with transaction(state.sessionmaker) as session:
        delivery = await session.scalar(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == job.delivery_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if delivery is None:
            return None  # the endpoint was deleted meanwhile: nothing to keep
        session.add(
            WebhookAttempt(
                workspace_id=job.workspace_id,
                delivery_id=job.delivery_id,
                number=job.number,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
            )
        )
        if delivery.status is not DeliveryStatus.PENDING or delivery.attempts != job.number:
            return None
        now = utcnow()
        if outcome.succeeded:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = None
            if job.failing:  # a success ends the streak (nothing to write when there is none)
                await session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == job.endpoint_id)
                    .values(failing_since=None)
                )
            return delivery.status
        delivery.last_error = (outcome.error or "")[:MAX_ERROR_LENGTH]
        window = dt.timedelta(seconds=settings.webhook_retry_window_seconds)
        next_at = now + retry_delay(settings, job.number)
        gave_up = next_at > job.created_at + window
        if gave_up:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = next_at
            await defer_job(
                session,
                queue=WEBHOOK_QUEUE,
                task=DELIVER_TASK,
                scheduled_at=next_at,
                args={"delivery_id": job.delivery_id, "attempt": job.number},
            )
        await _note_failure(
            session, job.endpoint_id, now, gave_up=gave_up, error=delivery.last_error
        )
        return delivery.status


async def _note_failure(
    session: AsyncSession, endpoint_id: int, now: dt.datetime, *, gave_up: bool, error: str
) -> None:
    """Start the endpoint's failure streak; disable the endpoint when a delivery used up its
    whole retry window inside the streak (not one success meanwhile, to any delivery)."""
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).with_for_update()
    )
    if endpoint is None or not endpoint.enabled:
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    if gave_up:
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            "Disabled automatically: every delivery failed since "
            f"{endpoint.failing_since.isoformat(timespec='seconds')}, until one was given up "
            f"after its retries. Last error: {error} Fix the receiver, then enable the "
            "endpoint and redeliver what it missed."
        )
        logger.warning("webhook endpoint %s disabled: it kept failing", endpoint_id)


# ---------------------------------------------------------------- the job and the sweep


async def attempt_delivery(state: Resources, delivery_id: int, attempt: int) -> Outcome | None:
    """One attempt, claimed, sent and recorded; None when it was not this job's to make."""
    job = await claim(state, delivery_id, attempt)
    if job is None:
        return None
    outcome = await send(state, job)
    await record(state, job, outcome)
    return outcome


@job_task(DELIVER_TASK, queue=WEBHOOK_QUEUE, concurrency=lambda s: s.webhook_concurrency)
async def deliver(state: Resources, args: dict[str, Any]) -> None:
    """The ``webhooks:deliver`` job."""
    await attempt_delivery(state, int(args["delivery_id"]), int(args["attempt"]))


_ORPHANED_SQL = text(
    """
    SELECT d.id, d.attempts FROM webhook_deliveries d
    WHERE d.status = 'PENDING' AND d.next_attempt_at < :cutoff
      AND NOT EXISTS (
        SELECT 1 FROM procrastinate_jobs j
        WHERE j.queue_name = :queue AND j.status IN ('todo', 'doing')
          AND j.args->>'delivery_id' = d.id::text
      )
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED
    """
)

SWEEP_BATCH = 1000


async def sweep(state: Resources) -> int:
    """Re-queue PENDING deliveries a lease past their time that have no job (their worker
    died); returns how many. Stalled jobs are ended by the reaper (``jobs.reaper``) first.

    Only deliveries overdue by a whole lease are looked at: one that is merely due has its
    job queued or running (a burst of thousands is not re-checked every minute).
    """
    cutoff = utcnow() - lease(state.settings)
    params = {"queue": WEBHOOK_QUEUE, "limit": SWEEP_BATCH, "cutoff": cutoff}
    async with transaction(state.sessionmaker) as session:
        rows = (await session.execute(_ORPHANED_SQL, params)).all()
        for delivery_id, attempts in rows:
            await defer_job(
                session,
                queue=WEBHOOK_QUEUE,
                task=DELIVER_TASK,
                args={"delivery_id": delivery_id, "attempt": attempts},
            )
    if rows:
        logger.warning("re-queued %s webhook deliveries whose worker stopped", len(rows))
    return len(rows)


async def _sweep(runner: JobRunner, timestamp: int) -> None:
    await sweep(runner.state)


SWEEP_DELIVERIES = PeriodicJob(name="maintenance:sweep_webhooks", cron="* * * * *", run=_sweep)
"""Re-queue webhook deliveries whose worker died (every minute)."""
