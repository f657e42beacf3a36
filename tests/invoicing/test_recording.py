"""Recording a selection costs a fixed number of SQL statements, however many it covers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select

from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Invoice, InvoiceLine, TimeEntry
from graphql_api.services.invoicing import (
    InvoiceOptions,
    RegistrationRef,
    RegKind,
    start_invoice_run,
)
from graphql_api.services.invoicing.lines import GroupBy
from tests.conftest import Emulator, GraphQLClient, activate
from tests.domain.test_statement_count import count_statements
from tests.invoicing.conftest import (
    DAY,
    World,
    gid,
    invoice_in_wefact,
    product_code,
    read_run,
)


async def _entries(world: World, projects: list[Any], activity: Any, count: int) -> list[int]:
    rows = [
        TimeEntry(workspace_id=world.ws, user_id=world.member.user_id,
                  project_id=projects[i % len(projects)].id, activity_id=activity.id,
                  date=DAY, hours=Decimal("1.00"), rate=Decimal("95.00"), notes=f"Task {i}")
        for i in range(count)
    ]
    async with world.state.sessionmaker() as session, session.begin():
        session.add_all(rows)
    return [row.id for row in rows]


async def _record(state: AppState, world: World, ids: list[int]) -> int:
    """Record one run of ``ids`` (one line per entry); the statements it took."""
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    refs = [RegistrationRef(RegKind.TIME_ENTRY, pk, f"TimeEntry:{pk}") for pk in ids]
    event.listen(state.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with state.sessionmaker() as session, session.begin():
            await start_invoice_run(
                session, world.ws, world.member.user_id, refs,
                InvoiceOptions(group_by=GroupBy.ENTRY),
            )
    finally:
        event.remove(state.engine.sync_engine, "before_cursor_execute", count)
    return statements


@pytest.mark.parametrize("emulator", ["wefact"], indirect=True)
async def test_recording_statements_do_not_grow_with_the_selection(
    gql: GraphQLClient, state: AppState, world: World, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    activity = await world.activity("Design")
    customers = [await world.customer("Bakkerij Jansen", "K-1"),
                 await world.customer("Studio Visser", "K-2")]
    projects = [await world.project(c, f"Project {c.name}") for c in customers]

    small = await _record(state, world, await _entries(world, projects, activity, 10))
    large = await _record(state, world, await _entries(world, projects, activity, 200))

    assert small == large
    async with state.sessionmaker() as session:
        invoices = await session.scalar(select(func.count()).select_from(Invoice))
        lines = await session.scalar(select(func.count()).select_from(InvoiceLine))
        reserved = await session.scalar(
            select(func.count()).select_from(TimeEntry)
            .where(TimeEntry.invoice_line_id.is_not(None))
        )
    assert (invoices, lines, reserved) == (4, 210, 210)


async def _performed(
    gql: GraphQLClient, world: World, jobs: JobRunner, *, customers: int, prefix: str
) -> list[str]:
    """Invoice one entry each of ``customers`` new numbered customers; the statements the
    worker sent while it made the invoices."""
    activity = await world.activity(f"Design {prefix}")
    ids = []
    for n in range(customers):
        customer = await world.customer(f"Customer {prefix}{n}", f"{prefix}-{n:03}")
        project = await world.project(customer, f"Project {prefix}{n}")
        ids.append(gid(await world.entry(project, activity, "1.00")))
    started = await invoice_in_wefact(gql, ids)
    assert started["__typename"] == "InvoiceRun", started
    with count_statements(world.state) as statements:
        await jobs.run_worker(wait=False)
    run = await read_run(gql, started["id"])
    assert run["status"] == "SUCCEEDED", run["problems"]
    return statements


@pytest.mark.parametrize("emulator", ["wefact"], indirect=True)
async def test_making_an_invoice_costs_eleven_statements(
    gql: GraphQLClient, state: AppState, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    """Per invoice of a new customer: the debtor link (two UPDATEs), the attempt mark (one),
    WeFact's answer, the registrations INVOICED and the run's progress (one UPDATE each),
    and the `invoice.created` event in the same transaction (five: the invoice's row, the
    registrations it covers, the clock, the event, its deliveries with their jobs).
    The rest (reading the run's invoices, customers and lines) does not grow with the run."""
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    small = await _performed(gql, world, jobs, customers=2, prefix="S")
    large = await _performed(gql, world, jobs, customers=5, prefix="L")

    per_invoice = (len(large) - len(small)) / 3
    assert per_invoice == 11, (len(small), len(large))
    # What grows is writes, and the event's three reads (the invoice's row, its
    # registrations, the clock): the engine's own reads are the same for 2 invoices as for 5.
    def reads(statements: list[str]) -> int:
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    assert reads(large) - reads(small) == 3 * 3
