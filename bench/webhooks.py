"""``webhook_latency_ms`` (median and p99, commit → receiver) and ``webhook_events_per_second``
(through one worker) against the same signed POSTs made raw.

Delivery runs as in production: events are recorded through the outbox in their own
transactions (the delivery's job deferred with them), one ``JobRunner`` in this process runs
every lane (the webhook lane at its default ``WEBHOOK_CONCURRENCY``), and the receiver — a
partner's endpoint verifying each signature with ``standardwebhooks`` — runs in its own
process (``bench/receiver.py``) and records when each ``webhook-id`` arrived.

- Latency: one event at a time (a short pause between them, so none waits behind another):
  the time from the event's commit to its arrival at the receiver. Baseline: the round trip
  of one signed POST made with httpx straight to the receiver (sign, send, answer).
- Throughput: a burst of events committed at once; events per second from the commit to
  the last arrival. Baseline: the same number of signed POSTs made raw, as many at once as
  the worker's lane runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from typing import Any

import httpx

from bench.common import Report, Sizes, median
from bench.data import new_workspace
from bench.servers import running
from graphql_api import outbox
from graphql_api.app import AppState
from graphql_api.jobs.worker import open_jobs
from graphql_api.models import WebhookEndpoint, WebhookEventType
from graphql_api.services.webhooks import delivery  # registers the delivery task
from graphql_api.services.webhooks.endpoints import new_secret

PAUSE_SECONDS = 0.05
WAIT_SECONDS = 300.0


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def _arrivals(client: httpx.AsyncClient, base: str) -> dict[str, float]:
    body = (await client.get(f"{base}/arrivals")).json()
    if body["forged"]:
        raise RuntimeError(f"{body['forged']} requests failed signature verification")
    found: dict[str, float] = body["arrivals"]
    return found


async def _until_arrived(client: httpx.AsyncClient, base: str, ids: set[str]) -> dict[str, float]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        arrived = await _arrivals(client, base)
        if ids <= arrived.keys():
            return arrived
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(ids - arrived.keys())} events never arrived")
        await asyncio.sleep(0.05)


async def _record(state: AppState, workspace_id: int, count: int) -> tuple[list[str], float]:
    """``count`` events in one transaction; their ids and the commit's wall-clock time."""
    async with state.sessionmaker() as session, session.begin():
        ids = [
            (await outbox.record(
                session, workspace_id, WebhookEventType.INVOICE_RUN_FINISHED, {"n": n}
            )).id
            for n in range(count)
        ]
    return ids, time.time()


async def _raw_post(
    client: httpx.AsyncClient, url: str, secret: str, event_id: str, body: str
) -> None:
    at = dt.datetime.now(dt.UTC)
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": delivery.signature((secret,), event_id, at, body),
        "content-type": "application/json",
    }
    response = await client.post(url, content=body.encode(), headers=headers)
    response.raise_for_status()


async def run(state: AppState, database_url: str, sizes: Sizes, report: Report, tool: str) -> None:
    """Latency one by one, then a burst; each against raw signed POSTs."""
    workspace_id, _, _ = await new_workspace(state, "Webhook bench", "owner@webhooks.bench")
    secret = new_secret()
    extra = {"BENCH_WEBHOOK_SECRET": secret}
    async with (
        running("receiver", database_url, extra) as receiver,
        httpx.AsyncClient(timeout=30.0) as client,
    ):
        url = f"{receiver.base_url}/hooks"
        async with state.sessionmaker() as session, session.begin():
            session.add(WebhookEndpoint(
                workspace_id=workspace_id, url=url, events=[t.value for t in WebhookEventType],
                secret_encrypted=state.secret_box.encrypt(secret),
            ))
        concurrency = state.settings.webhook_concurrency
        async with open_jobs(state) as runner:
            lanes = asyncio.create_task(runner.run_lanes(install_signal_handlers=False))
            try:
                # Warm up: connections, the lane's first fetch.
                warm, _ = await _record(state, workspace_id, 5)
                await _until_arrived(client, receiver.base_url, set(warm))

                committed: dict[str, float] = {}
                for _ in range(sizes.webhook_latency_events):
                    ids, at = await _record(state, workspace_id, 1)
                    committed[ids[0]] = at
                    await asyncio.sleep(PAUSE_SECONDS)
                arrived = await _until_arrived(client, receiver.base_url, set(committed))
                latencies = [(arrived[i] - at) * 1000 for i, at in committed.items()]

                n_burst = sizes.webhook_throughput_events
                burst, burst_at = await _record(state, workspace_id, n_burst)
                arrived = await _until_arrived(client, receiver.base_url, set(burst))
                burst_seconds = max(arrived[i] for i in burst) - burst_at
            finally:
                lanes.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await lanes

        # Baselines: the same requests, signed with the same library, made raw.
        body = json.dumps({"type": "invoice_run.finished", "data": {"n": 0}})
        raw_latencies = []
        for n in range(sizes.webhook_latency_events):
            began = time.perf_counter()
            await _raw_post(client, url, secret, f"msg_raw_latency_{n}", body)
            raw_latencies.append((time.perf_counter() - began) * 1000)
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            async with gate:
                await _raw_post(client, url, secret, f"msg_raw_burst_{n}", body)

        began = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for n in range(sizes.webhook_throughput_events):
                group.create_task(one(n))
        raw_seconds = time.perf_counter() - began

    ours_rate, raw_rate = n_burst / burst_seconds, n_burst / raw_seconds
    figures: dict[str, Any] = {
        "webhook_latency_ms": {
            "median": round(median(latencies), 1), "p99": round(_p99(latencies), 1),
        },
        "webhook_raw_post_ms": {
            "median": round(median(raw_latencies), 1), "p99": round(_p99(raw_latencies), 1),
        },
        "webhook_events_per_second": round(ours_rate, 1),
        "webhook_raw_posts_per_second": round(raw_rate, 1),
    }
    report.figures.update(figures)
    report.details["webhooks"] = {
        "latency_events": sizes.webhook_latency_events,
        "burst_events": n_burst,
        "lane_concurrency": concurrency,
        "latencies_ms": [round(v, 1) for v in latencies],
        "burst_seconds": round(burst_seconds, 3),
        "raw_burst_seconds": round(raw_seconds, 3),
    }
    latency, raw = figures["webhook_latency_ms"], figures["webhook_raw_post_ms"]
    report.row(
        "webhook latency, commit → receiver (ms, median / p99)",
        f"{latency['median']} / {latency['p99']}",
        f"{raw['median']} / {raw['p99']} (one signed POST, raw)",
        f"{latency['median'] / raw['median']:.1f}x",
    )
    report.row(
        f"webhook events per second, one worker ({n_burst} at once)",
        f"{ours_rate:.0f}", f"{raw_rate:.0f} (signed POSTs, {concurrency} at a time, raw)",
        f"{ours_rate / raw_rate:.2f}",
    )
