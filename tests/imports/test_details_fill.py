"""The details fill (``CUSTOMER_DETAILS`` runs): resumable, fenced against newer imports,
stopped cleanly by a provider failure, and below the other runs in priority."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.jobs import start_run
from graphql_api.jobs.registry import get_spec
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Customer, Run, RunKind, RunStatus
from graphql_api.services.customer_import.details import FILL_BATCH, SHOW_CONCURRENCY
from graphql_api.services.customer_import.store import fill_details
from tests.conftest import Emulator, GraphQLClient, Member, activate
from tests.imports.test_customer_import import customers, run_import, unlimited


async def incomplete_customers(state: AppState, workspace_id: int, emulator: Emulator) -> None:
    """Customers as an import from the list rows leaves them: linked, stamped, incomplete."""
    async with state.sessionmaker() as session, session.begin():
        for record in emulator.state.debtors.values():
            session.add(
                Customer(
                    workspace_id=workspace_id,
                    name=record["CompanyName"] or record["SurName"],
                    customer_number=record["DebtorCode"],
                    wefact_debtor_code=record["DebtorCode"],
                    wefact_identifier=str(record["Identifier"]),
                    wefact_modified_at=record["Modified"],
                    details_complete=False,
                )
            )


async def start_fill(state: AppState, owner: Member) -> int:
    async with state.sessionmaker() as session, session.begin():
        run = await start_run(session, owner.workspace_id, RunKind.CUSTOMER_DETAILS, {}, None)
    return run.id


async def reload(state: AppState, run_id: int) -> Run:
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
    assert run is not None
    return run


async def until(state: AppState, run_id: int, condition: Any, seconds: float = 120) -> Run:
    """Poll until ``condition(run)``; fails (not a timing assertion) if it never happens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        run = await reload(state, run_id)
        if condition(run):
            return run
        assert loop.time() < deadline, f"run never reached the expected state: {run.status}"
        await asyncio.sleep(0.05)


def test_the_fill_runs_below_every_other_run_kind() -> None:
    """Invoicing (and status sync, and the import itself) go first when work is queued."""
    fill = get_spec(RunKind.CUSTOMER_DETAILS)
    assert fill is not None
    others = [get_spec(kind) for kind in RunKind if kind is not RunKind.CUSTOMER_DETAILS]
    assert all(spec is not None and spec.priority > fill.priority for spec in others)


async def test_a_worker_takes_a_status_sync_queued_later_before_the_fill(
    state: AppState, jobs: JobRunner, owner: Member
) -> None:
    """Procrastinate takes the highest priority first: the fill waits even when queued first
    (both end quickly here, with no WeFact connection: only their order is looked at)."""
    async with state.sessionmaker() as session, session.begin():
        fill = await start_run(session, owner.workspace_id, RunKind.CUSTOMER_DETAILS, {}, None)
        sync = await start_run(session, owner.workspace_id, RunKind.STATUS_SYNC, {}, None)
    await jobs.run_worker(wait=False)
    fill_run, sync_run = await reload(state, fill.id), await reload(state, sync.id)
    assert fill_run.started_at is not None
    assert sync_run.started_at is not None
    assert sync_run.started_at < fill_run.started_at


@pytest.mark.parametrize("emulator", ["wefact"], indirect=True)
async def test_an_interrupted_fill_resumes_after_its_last_batch(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    unlimited(emulator)
    emulator.state.seed_debtors(3 * FILL_BATCH)
    await incomplete_customers(state, owner.workspace_id, emulator)
    # The first batch answers at once; the second hangs, so the worker is stopped inside it.
    emulator.state.faults.add("slow", times=FILL_BATCH, controller="debtor", action="show",
                              delay=0)
    emulator.state.faults.add("slow", times=FILL_BATCH, controller="debtor", action="show",
                              delay=30)
    emulator.state.calls.clear()
    run_id = await start_fill(state, owner)
    worker = asyncio.create_task(
        jobs.run_worker(wait=True, name="stopping", shutdown_graceful_timeout=0)
    )
    try:
        await until(state, run_id, lambda r: r.progress_done == FILL_BATCH)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    interrupted = await reload(state, run_id)
    assert interrupted.status is RunStatus.QUEUED
    assert interrupted.params["after_id"] > 0

    emulator.state.faults.clear()
    report = await jobs.reap()
    assert report.resumed_runs == [run_id]
    await jobs.run_worker(wait=False)

    finished = await reload(state, run_id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.attempts == 2
    assert (finished.progress_done, finished.progress_total) == (3 * FILL_BATCH, 3 * FILL_BATCH)
    # Each customer counted once: the resumed attempt started after the committed batch.
    assert finished.counts == {
        "updated": 3 * FILL_BATCH, "unchanged": 0, "deferred": 0, "failed": 0,
    }
    # Re-read at most the calls that were in flight when the worker stopped.
    shows = emulator.state.calls_to("debtor", "show")
    assert 3 * FILL_BATCH <= shows <= 3 * FILL_BATCH + SHOW_CONCURRENCY
    stored = await customers(state, owner.workspace_id)
    assert all(c.details_complete and c.city for c in stored.values())


@pytest.mark.parametrize("emulator", ["wefact"], indirect=True)
async def test_a_provider_failure_stops_the_fill_and_the_next_import_finishes_it(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    unlimited(emulator)
    emulator.state.seed_debtors(250)
    await incomplete_customers(state, owner.workspace_id, emulator)
    emulator.state.faults.add("slow", times=FILL_BATCH, controller="debtor", action="show",
                              delay=0)
    emulator.state.faults.add("error500", times=50, controller="debtor", action="show")
    run_id = await start_fill(state, owner)
    await jobs.run_worker(wait=False)

    failed = await reload(state, run_id)
    assert failed.status is RunStatus.FAILED
    assert failed.progress_done == FILL_BATCH
    message = failed.problems[-1]["message"]
    assert f"stopped after {FILL_BATCH} customer(s)" in message
    assert "The next customer import carries on" in message
    stored = await customers(state, owner.workspace_id)
    assert sum(c.details_complete for c in stored.values()) == FILL_BATCH

    emulator.state.faults.clear()
    emulator.state.calls.clear()
    result = await run_import(gql, state, jobs)

    # Nothing changed in WeFact: the import writes nothing, and its fill reads only the rest.
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 250)
    assert result["details"]["status"] == "SUCCEEDED"
    assert emulator.state.calls_to("debtor", "list") == 1
    assert emulator.state.calls_to("debtor", "show") == 250 - FILL_BATCH
    stored = await customers(state, owner.workspace_id)
    assert all(c.details_complete for c in stored.values())


async def test_a_fill_never_writes_over_a_stamp_an_import_stored_meanwhile(
    state: AppState, owner: Member
) -> None:
    """The fill read the record of stamp T1; an import stored T2 since: the fill's write
    is dropped and the customer stays incomplete (the import's own fill reads T2)."""
    t1 = dt.datetime(2026, 3, 1, 10, 0)
    t2 = dt.datetime(2026, 3, 1, 10, 5)
    async with state.sessionmaker() as session, session.begin():
        customer = Customer(
            workspace_id=owner.workspace_id, name="Noord", customer_number="DB1",
            wefact_debtor_code="DB1", wefact_identifier="7", wefact_modified_at=t1,
            details_complete=False,
        )
        session.add(customer)
        await session.flush()
        pk = customer.id
    fetched = {
        "id": pk, "identifier": "7", "seen_modified": t1, "wefact_modified_at": t1,
        "wefact_synced_at": dt.datetime.now(dt.UTC), "name": "Noord", "email": None,
        "phone": None, "street": "Oud 1", "zip_code": None, "city": "Delft", "country": "NL",
        "vat_number": None, "coc_number": None,
    }
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Customer).where(Customer.id == pk).values(wefact_modified_at=t2)
        )
    async with state.sessionmaker() as session, session.begin():
        assert await fill_details(session, owner.workspace_id, [fetched]) == []
        # Another workspace's id, or another debtor's identifier: never written either.
        assert await fill_details(session, owner.workspace_id + 1, [{**fetched,
                                                                    "seen_modified": t2}]) == []
        assert await fill_details(session, owner.workspace_id, [{**fetched,
                                                                "seen_modified": t2,
                                                                "identifier": "8"}]) == []
    async with state.sessionmaker() as session:
        row = await session.scalar(select(Customer).where(Customer.id == pk))
    assert row is not None
    assert (row.details_complete, row.city, row.wefact_modified_at) == (False, None, t2)

    # With the current stamp it lands: complete, the details and the record's stamp stored.
    async with state.sessionmaker() as session, session.begin():
        written = await fill_details(
            session, owner.workspace_id, [{**fetched, "seen_modified": t2,
                                           "wefact_modified_at": t2}]
        )
    assert [(w.id, w.changed) for w in written] == [(pk, True)]
    async with state.sessionmaker() as session:
        row = await session.scalar(select(Customer).where(Customer.id == pk))
    assert row is not None
    assert (row.details_complete, row.city, row.street, row.wefact_modified_at) == (
        True, "Delft", "Oud 1", t2,
    )
