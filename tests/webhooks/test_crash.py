"""A worker killed (SIGKILL) between the event's commit and a recorded delivery: the event
still arrives, with the same ``webhook-id``, exactly once more.

The worker runs in a subprocess (``tests/webhooks/worker_process.py``, every lane as in
production); the receiver holds the first request open and the test kills the worker
while it waits for the answer. The reaper then ends the dead worker's job as stalled, the
sweep re-queues the delivery once its claim's lease is over, and a new worker delivers.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import DeliveryStatus
from graphql_api.services.webhooks import delivery as webhook_delivery
from tests.conftest import GraphQLClient, Member
from tests.webhooks.conftest import (
    create_endpoint,
    deliveries,
    record_event,
    wait_for_deliveries,
    worker_lanes,
)
from tests.webhooks.receiver import Receiver

REPO = Path(__file__).resolve().parents[2]


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.webhooks.worker_process", database_url],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


async def test_worker_killed_mid_delivery_still_delivers_with_the_same_id(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, *,
    receiver: Receiver, database_url: str,
) -> None:
    await create_endpoint(gql, receiver, "/partner")
    receiver.hang.add("/partner")
    # Committed with its job; no worker runs yet.
    event_id = await record_event(state, owner.workspace_id)
    process = start_worker(database_url)
    try:
        await receiver.wait_for(lambda: receiver.hanging == 1)
    finally:
        process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()
    receiver.hang.clear()
    receiver.released.set()
    [claimed] = await deliveries(state)
    assert claimed.status is DeliveryStatus.PENDING
    assert claimed.attempts == 1, "the dead worker had claimed the first attempt"

    # The sweep leaves a claimed attempt alone while its job lives and its lease runs.
    assert await webhook_delivery.sweep(state) == 0
    # The reaper ends the dead worker's job (stalled); the lease is over, and overdue by
    # another lease (made so here rather than waited for: the subprocess's timeout is 30 s).
    stalled: list[int] = []
    for _ in range(300):  # until its last heartbeat is over half a second old
        stalled += (await jobs.reap(stalled_seconds=0.5)).stalled_jobs
        if stalled:
            break
        await asyncio.sleep(0.1)
    assert len(stalled) == 1
    async with state.sessionmaker() as session, session.begin():
        await session.execute(text(
            "UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour'"
        ))
    assert await webhook_delivery.sweep(state) == 1
    assert await webhook_delivery.sweep(state) == 0, "re-queued once"

    async with worker_lanes(jobs):
        await wait_for_deliveries(
            state, lambda rows: rows[0].status is DeliveryStatus.SUCCEEDED
        )
    arrived = receiver.at("/partner")
    assert [r.webhook_id for r in arrived] == [event_id, event_id]
    assert all(r.verified_with == [0] for r in arrived)
    [done] = await deliveries(state)
    assert done.attempts == 2


async def test_events_committed_while_no_worker_runs_are_delivered_when_one_starts(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, owner: Member, *,
    receiver: Receiver, database_url: str,
) -> None:
    await create_endpoint(gql, receiver, "/partner")
    first = await record_event(state, owner.workspace_id)
    # A worker killed before it took the job: the job is still queued.
    process = start_worker(database_url)
    process.kill()
    process.wait()
    assert process.stderr is not None
    process.stderr.close()
    second = await record_event(state, owner.workspace_id)
    async with worker_lanes(jobs):
        await receiver.wait_for(lambda: len(receiver.at("/partner")) == 2)
        await wait_for_deliveries(
            state, lambda rows: all(r.status is DeliveryStatus.SUCCEEDED for r in rows)
        )
    assert sorted(r.webhook_id for r in receiver.at("/partner")) == sorted([first, second])
