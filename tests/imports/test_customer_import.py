"""Customer import against the WeFact and HostFact emulators, through a real job worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select

from graphql_api.app import AppState
from graphql_api.jobs import RunContext, override_handler, start_run, wait_for_run
from graphql_api.jobs.worker import JobRunner
from graphql_api.models import Customer, Role, Run, RunKind, RunStatus, WefactSettings
from graphql_api.services.customer_import import start_nightly_imports
from resolvers.ids import decode_id, global_id
from tests.conftest import Emulator, GraphQLClient, Member, activate, add_member

IMPORT_FIELDS = """
  id status progressDone progressTotal created updated unchanged failed
  problems { debtorCode message } startedAt finishedAt startedBy { email } run { id status }
  detailsRun { id kind }
"""
DETAILS_RUN = """
query($id: ID!) {
  run(id: $id) {
    ... on Run { kind status progressDone progressTotal counts { name value } problems { item message } }
  }
}
"""
CUSTOMER_DETAILS = "query($id: ID!) { node(id: $id) { ... on Customer { detailsComplete city } } }"
IMPORT = f"""
mutation {{
  importCustomers {{
    __typename
    ... on CustomerImport {{ {IMPORT_FIELDS} }}
    ... on Error {{ code message field }}
    ... on WefactConnectionError {{ whitelistAddresses }}
  }}
}}
"""
READ = f"query($id: ID!) {{ customerImport(id: $id) {{ {IMPORT_FIELDS} }} }}"
LIST = """
query($first: Int!, $after: String) {
  customerImports(first: $first, after: $after) {
    totalCount edges { node { id created } } pageInfo { hasNextPage endCursor }
  }
}
"""
CUSTOMERS_TABLE = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+customers\b", re.IGNORECASE)
NODE = "query($id: ID!) { node(id: $id) { __typename id ... on CustomerImport { created } } }"


async def _parked(ctx: RunContext) -> RunStatus:
    """A details fill that waits until its worker stops: what the import does on its own."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def run_import(
    gql: GraphQLClient,
    state: AppState,
    jobs: JobRunner,
    *,
    token: str | None = None,
    details: bool = True,
) -> dict[str, Any]:
    """importCustomers with a worker running, read back once the run finished; with
    ``details`` also once the details fill it queued finished (``result["details"]``).
    Without, the fill is parked and goes back to the queue when the worker stops."""
    with ExitStack() as stack:
        if not details:
            stack.enter_context(override_handler(RunKind.CUSTOMER_DETAILS, _parked))
        worker = asyncio.create_task(
            jobs.run_worker(wait=True, name="imports", shutdown_graceful_timeout=0)
        )
        try:
            result: dict[str, Any] = (await gql.data(IMPORT, token=token))["importCustomers"]
            if result["__typename"] == "CustomerImport":
                # A big import outlives the mutation's wait; clients poll, and so does the test.
                await wait_for_run(
                    state.sessionmaker, decode_id(result["id"], "CustomerImport"), 300
                )
                result = (await gql.data(READ, {"id": result["id"]}, token=token))[
                    "customerImport"
                ]
            fill = result.get("detailsRun")
            if details and fill is not None:
                await wait_for_run(state.sessionmaker, decode_id(fill["id"], "Run"), 300)
                result["details"] = (await gql.data(DETAILS_RUN, {"id": fill["id"]}, token=token))[
                    "run"
                ]
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    return result


async def finish_parked_fill(jobs: JobRunner) -> None:
    """Hand a parked (interrupted) details fill back to a worker and let it finish."""
    await jobs.reap()
    await jobs.run_worker(wait=False)


def counts(run: dict[str, Any]) -> dict[str, int]:
    """A generic run's counters as a dict."""
    return {c["name"]: c["value"] for c in run["counts"]}


async def customers(state: AppState, workspace_id: int) -> dict[str, Customer]:
    """The workspace's numbered customers by number (plus unnumbered ones by name)."""
    async with state.sessionmaker() as session:
        rows = (
            await session.scalars(select(Customer).where(Customer.workspace_id == workspace_id))
        ).all()
    return {row.customer_number or f"name:{row.name}": row for row in rows}


@contextmanager
def customer_statements(state: AppState) -> Iterator[list[str]]:
    """SQL statements touching the customers table while the block runs (any connection)."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if CUSTOMERS_TABLE.search(statement):
            seen.append(statement)

    event.listen(state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(state.engine.sync_engine, "before_cursor_execute", record)


def unlimited(emulator: Emulator) -> None:
    """Big imports: lift the emulated WeFact rate limit (pacing is tested elsewhere)."""
    emulator.state.rate_limit_per_minute = 1_000_000
    emulator.state.rate_limit_per_hour = 1_000_000


def later(emulator: Emulator, minutes: int) -> None:
    """Move the emulator's clock on, so an edit gets a Modified stamp of its own."""
    base = emulator.state.clock()
    emulator.state.clock = lambda: base + dt.timedelta(minutes=minutes)


async def test_first_import_maps_the_fields_and_the_fill_takes_the_address_from_show(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    emulator.state.add_debtor(
        DebtorCode="DB10001", CompanyName="Bakkerij Jansen", CompanyNumber="12345678",
        TaxNumber="NL001234567B01", Initials="J.", SurName="Jansen", Address="Dorpsstraat 1",
        ZipCode="1234 AB", City="Zwolle", Country="NL", EmailAddress="info@jansen.example",
        PhoneNumber="038-1234567",
    )
    emulator.state.add_debtor(
        DebtorCode="DB10002", Initials="P.", SurName="de Vries", Address="Kerkweg 2",
        ZipCode="2000", City="Antwerpen", Country="BE", MobileNumber="06-12345678",
    )
    emulator.state.calls.clear()

    result = await run_import(gql, state, jobs)

    assert result["status"] == "SUCCEEDED"
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (
        2, 0, 0, 0,
    )
    assert (result["progressDone"], result["progressTotal"]) == (2, 2)
    assert result["problems"] == []
    assert result["startedBy"] == {"email": owner.email}
    assert result["startedAt"] is not None
    assert result["finishedAt"] is not None
    assert result["run"]["status"] == "SUCCEEDED"
    # One list page (the import), then details for the two new debtors only (the fill).
    assert emulator.state.calls_to("debtor", "list") == 1
    assert emulator.state.calls_to("debtor", "show") == 2
    assert result["detailsRun"]["kind"] == "CUSTOMER_DETAILS"
    fill = result["details"]
    assert (fill["kind"], fill["status"]) == ("CUSTOMER_DETAILS", "SUCCEEDED")
    assert (fill["progressDone"], fill["progressTotal"]) == (2, 2)
    assert counts(fill) == {"updated": 2, "unchanged": 0, "deferred": 0, "failed": 0}

    stored = await customers(state, owner.workspace_id)
    company = stored["DB10001"]
    assert (company.name, company.email, company.phone) == (
        "Bakkerij Jansen", "info@jansen.example", "038-1234567",
    )
    assert (company.street, company.zip_code, company.city, company.country) == (
        "Dorpsstraat 1", "1234 AB", "Zwolle", "NL",
    )
    assert (company.vat_number, company.coc_number) == ("NL001234567B01", "12345678")
    assert company.wefact_debtor_code == "DB10001"
    assert company.wefact_identifier == "1"
    assert company.wefact_synced_at is not None
    assert company.details_complete
    person = stored["DB10002"]
    assert (person.name, person.phone, person.city, person.country) == (
        "P. de Vries", "06-12345678", "Antwerpen", "BE",
    )
    assert person.email is None

    async with state.sessionmaker() as session:
        settings = await session.scalar(select(WefactSettings))
    assert settings is not None
    assert settings.last_customer_import_at is not None

    # Read back: by id, by node(id:), in the list.
    again = (await gql.data(READ, {"id": result["id"]}))["customerImport"]
    assert again["created"] == 2
    node = (await gql.data(NODE, {"id": result["id"]}))["node"]
    assert node == {"__typename": "CustomerImport", "id": result["id"], "created": 2}
    listed = (await gql.data(LIST, {"first": 10}))["customerImports"]
    assert listed["totalCount"] == 1
    assert [edge["node"]["id"] for edge in listed["edges"]] == [result["id"]]


async def test_2500_debtors_exist_after_three_list_calls_and_a_repeat_costs_three_more(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    # Lifted before the first call: the shared budget trusts WeFact's lowest count of a
    # window, and a real limit does not rise in the middle of one.
    unlimited(emulator)
    await activate(gql, emulator)
    emulator.state.seed_debtors(2500)
    emulator.state.calls.clear()

    with customer_statements(state) as statements:
        first = await run_import(gql, state, jobs, details=False)
    assert first["status"] == "SUCCEEDED"
    assert first["created"] == 2500
    # Pages of 1000, 1000 and 500 (the short page ends the import), and nothing else: the
    # customers exist after the list pages alone.
    assert emulator.state.calls == [("debtor", "list")] * 3
    # Bulk writes: one read of the local customers, one upsert per page, one count of the
    # customers left for the details fill.
    assert len(statements) == 1 + 3 + 1
    assert sum(s.lstrip().upper().startswith("INSERT INTO CUSTOMERS") for s in statements) == 3
    stored = await customers(state, owner.workspace_id)
    assert len(stored) == 2500
    assert not any(c.details_complete for c in stored.values())
    sample = stored["DB10000"]
    assert (sample.city, sample.street, sample.wefact_identifier) == (None, None, "1")
    node = (await gql.data(CUSTOMER_DETAILS, {"id": global_id("Customer", sample.id)}))["node"]
    assert node == {"detailsComplete": False, "city": None}

    # The fill reads each debtor once, in batches: one select and one update per batch.
    emulator.state.calls.clear()
    with customer_statements(state) as statements:
        await finish_parked_fill(jobs)
    assert emulator.state.calls == [("debtor", "show")] * 2500
    assert len(statements) == 1 + 25 * 2 + 1  # count, 25 × (select, update), empty select
    stored = await customers(state, owner.workspace_id)
    assert all(c.details_complete for c in stored.values())
    node = (await gql.data(CUSTOMER_DETAILS, {"id": global_id("Customer", sample.id)}))["node"]
    assert node == {"detailsComplete": True, "city": emulator.state.debtor_by_code("DB10000")["City"]}

    emulator.state.calls.clear()
    with customer_statements(state) as statements:
        second = await run_import(gql, state, jobs)
    assert second["status"] == "SUCCEEDED"
    assert (second["created"], second["updated"], second["unchanged"], second["failed"]) == (
        0, 0, 2500, 0,
    )
    # 2500 unchanged debtors: 3 list calls and not a single show; no fill queued.
    assert emulator.state.calls == [("debtor", "list")] * 3
    assert second["detailsRun"] is None
    # Nothing to write: the read of the local customers and the count of incomplete ones.
    assert len(statements) == 2
    assert len(await customers(state, owner.workspace_id)) == 2500

    listed = (await gql.data(LIST, {"first": 1}))["customerImports"]
    assert listed["totalCount"] == 2
    assert listed["edges"][0]["node"]["id"] == second["id"]  # newest first
    assert listed["pageInfo"]["hasNextPage"] is True
    rest = (await gql.data(LIST, {"first": 1, "after": listed["pageInfo"]["endCursor"]}))
    assert [e["node"]["id"] for e in rest["customerImports"]["edges"]] == [first["id"]]


async def test_a_changed_debtor_is_shown_once_by_the_fill_and_our_fields_are_kept(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    emulator.state.seed_debtors(5)
    await run_import(gql, state, jobs)
    async with state.sessionmaker() as session, session.begin():
        mine = await session.scalar(select(Customer).where(Customer.customer_number == "DB10001"))
        assert mine is not None
        mine.hourly_rate = Decimal("95.00")
        mine.notes = "Prefers invoices in English"
        mine.payment_term_days = 14
        first_synced = mine.wefact_synced_at

    later(emulator, 5)
    emulator.state.modify_debtor("DB10001", Address="Nieuwe Gracht 9", City="Utrecht")
    # Only a field we do not take over: fetched (its stamp moved), but nothing changes.
    emulator.state.modify_debtor("DB10002", Comment="called on Monday")
    emulator.state.calls.clear()

    result = await run_import(gql, state, jobs)

    assert result["status"] == "SUCCEEDED"
    # Both stamps moved: the import counts them changed and the fill reads both again.
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (
        0, 2, 3, 0,
    )
    assert emulator.state.calls_to("debtor", "list") == 1
    assert emulator.state.calls_to("debtor", "show") == 2
    # Only DB10001's details differed.
    assert counts(result["details"]) == {"updated": 1, "unchanged": 1, "deferred": 0, "failed": 0}
    stored = await customers(state, owner.workspace_id)
    changed = stored["DB10001"]
    assert (changed.street, changed.city) == ("Nieuwe Gracht 9", "Utrecht")
    assert changed.hourly_rate == Decimal("95.00")
    assert changed.notes == "Prefers invoices in English"
    assert changed.payment_term_days == 14
    assert changed.wefact_synced_at is not None
    assert first_synced is not None
    assert changed.wefact_synced_at > first_synced

    # Both new stamps are stored: the next import fetches nothing.
    emulator.state.calls.clear()
    third = await run_import(gql, state, jobs)
    assert third["unchanged"] == 5
    assert third["detailsRun"] is None
    assert emulator.state.calls_to("debtor", "show") == 0


async def test_bad_rows_and_duplicates_are_problems_not_crashes(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    async with state.sessionmaker() as session, session.begin():
        session.add(Customer(workspace_id=owner.workspace_id, name="Bakkerij  Jansen"))
    state_ = emulator.state
    state_.add_debtor(DebtorCode="DB10001", CompanyName="Good One", City="Zwolle")
    state_.add_debtor(DebtorCode="DB10002", CompanyName="", Initials="", SurName="")
    state_.add_debtor(DebtorCode="DB10003", CompanyName="BAKKERIJ JANSEN")
    state_.add_debtor(DebtorCode=" DB10001 ", CompanyName="Claims a taken number")
    state_.add_debtor(DebtorCode="DB10005", CompanyName="Long city", City="x" * 101)
    state_.add_debtor(DebtorCode="DB10006", CompanyName="Also good")

    result = await run_import(gql, state, jobs)

    assert result["status"] == "PARTIAL"
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (
        3, 0, 0, 3,
    )
    problems = {p["debtorCode"]: p["message"] for p in result["problems"]}
    assert set(problems) == {"DB10001", "DB10002", "DB10003"}
    assert "no company name and no surname" in problems["DB10002"]
    assert "likely a duplicate of debtor DB10003" in problems["DB10003"]
    assert "give that customer the customer number DB10003" in problems["DB10003"]
    assert "more than one debtor" in problems["DB10001"]
    # The city is only in the full record: the fill reports it, the customer stays incomplete.
    fill = result["details"]
    assert fill["status"] == "PARTIAL"
    fill_problems = {p["item"]: p["message"] for p in fill["problems"]}
    assert set(fill_problems) == {"DB10001", "DB10005"}
    assert "City is longer than 100 characters" in fill_problems["DB10005"]
    # The list is sorted by code, so " DB10001 " (identifier 4) came first and keeps the
    # number; reading "DB10001" answers with debtor 1, which the fill does not write over it.
    assert "now belongs to another debtor" in fill_problems["DB10001"]

    stored = await customers(state, owner.workspace_id)
    # The first debtor keeps the number; the likely duplicate is neither merged nor created.
    assert set(stored) == {"DB10001", "DB10005", "DB10006", "name:Bakkerij  Jansen"}
    assert (stored["DB10005"].details_complete, stored["DB10005"].city) == (False, None)
    assert stored["DB10006"].details_complete
    assert (stored["DB10001"].name, stored["DB10001"].wefact_identifier) == (
        "Claims a taken number", "4",
    )
    assert stored["name:Bakkerij  Jansen"].wefact_debtor_code is None
    assert stored["name:Bakkerij  Jansen"].details_complete  # our own: nothing to read

    # Linking the duplicate by giving it the number makes the next import update it.
    async with state.sessionmaker() as session, session.begin():
        twin = await session.get(Customer, stored["name:Bakkerij  Jansen"].id)
        assert twin is not None
        twin.customer_number = "DB10003"
    again = await run_import(gql, state, jobs)
    assert again["updated"] == 1
    assert "DB10003" not in {p["debtorCode"] for p in again["problems"]}
    linked = (await customers(state, owner.workspace_id))["DB10003"]
    assert (linked.id, linked.name, linked.wefact_identifier) == (twin.id, "BAKKERIJ JANSEN", "3")


@pytest.mark.parametrize("emulator", ["wefact"], indirect=True)
async def test_a_provider_failure_stops_the_run_and_a_new_run_completes_it(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    # Lifted before the first call: the shared budget trusts WeFact's lowest count of a
    # window, and a real limit does not rise in the middle of one.
    unlimited(emulator)
    await activate(gql, emulator)
    emulator.state.seed_debtors(1500)
    # The first list call answers normally; the second (and the client's retries) fail.
    emulator.state.faults.add("slow", times=1, controller="debtor", action="list", delay=0)
    emulator.state.faults.add("error500", times=3, controller="debtor", action="list")

    failed = await run_import(gql, state, jobs)

    assert failed["status"] == "FAILED"
    assert (failed["created"], failed["progressDone"]) == (1000, 1000)
    message = failed["problems"][-1]["message"]
    assert failed["problems"][-1]["debtorCode"] is None
    assert "stopped after 1000 debtor(s)" in message
    assert "Start the import again" in message
    assert len(await customers(state, owner.workspace_id)) == 1000
    async with state.sessionmaker() as session:
        settings = await session.scalar(select(WefactSettings))
    assert settings is not None
    assert settings.last_customer_import_at is None  # only set by a complete import

    emulator.state.calls.clear()
    done = await run_import(gql, state, jobs)

    assert done["status"] == "SUCCEEDED"
    assert (done["created"], done["updated"], done["unchanged"], done["failed"]) == (
        500, 0, 1000, 0,
    )
    # The failed import queued no fill; the complete one fills all 1500, each read once.
    assert done["details"]["status"] == "SUCCEEDED"
    assert emulator.state.calls_to("debtor", "list") == 2
    assert emulator.state.calls_to("debtor", "show") == 1500
    stored = await customers(state, owner.workspace_id)
    assert len(stored) == 1500
    assert set(stored) == {f"DB{10000 + n}" for n in range(1500)}


@pytest.mark.parametrize("emulator", ["hostfact"], indirect=True)
async def test_an_interrupted_attempt_resumes_at_the_page_it_reached(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    emulator.state.seed_debtors(1500)
    # The second list call is slow, so the worker is stopped inside it.
    emulator.state.faults.add("slow", times=1, controller="debtor", action="list", delay=0)
    emulator.state.faults.add("slow", times=1, controller="debtor", action="list", delay=30)
    async with state.sessionmaker() as session, session.begin():
        run = await start_run(
            session, owner.workspace_id, RunKind.CUSTOMER_IMPORT, {}, owner.user_id
        )
    worker = asyncio.create_task(
        jobs.run_worker(wait=True, name="stopping", shutdown_graceful_timeout=0)
    )
    try:
        await _until(state, run.id, lambda r: r.progress_done == 1000)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    interrupted = await _reload(state, run.id)
    assert interrupted.status is RunStatus.QUEUED
    assert interrupted.progress_done == 1000

    emulator.state.faults.clear()
    report = await jobs.reap()
    assert report.resumed_runs == [run.id]
    await jobs.run_worker(wait=False)

    finished = await _reload(state, run.id)
    assert finished.status is RunStatus.SUCCEEDED
    assert finished.attempts == 2
    # Counted once each: the resumed attempt did not redo the first page.
    assert finished.counts == {"created": 1500, "updated": 0, "unchanged": 0, "failed": 0}
    stored = await customers(state, owner.workspace_id)
    assert len(stored) == 1500
    assert all(c.details_complete for c in stored.values())  # the fill ran after it


async def test_the_other_workspace_is_untouched(
    *,
    gql: GraphQLClient,
    state: AppState,
    jobs: JobRunner,
    emulator: Emulator,
    owner: Member,
    other_owner: Member,
) -> None:
    async with state.sessionmaker() as session, session.begin():
        session.add(
            Customer(workspace_id=other_owner.workspace_id, name="Theirs", customer_number="DB10000")
        )
    await activate(gql, emulator)
    emulator.state.seed_debtors(3)

    result = await run_import(gql, state, jobs)
    assert result["created"] == 3

    theirs = await customers(state, other_owner.workspace_id)
    assert list(theirs) == ["DB10000"]
    assert theirs["DB10000"].name == "Theirs"
    assert theirs["DB10000"].wefact_identifier is None
    # Their import has no connection; their reads see none of ours.
    other = GraphQLClient(gql.http, other_owner.token)
    refused = (await other.data(IMPORT))["importCustomers"]
    assert refused["__typename"] == "WefactConnectionError"
    assert refused["code"] == "NOT_ACTIVATED"
    assert (await other.data(READ, {"id": result["id"]}))["customerImport"] is None
    assert (await other.data(NODE, {"id": result["id"]}))["node"] is None
    assert (await other.data(LIST, {"first": 10}))["customerImports"]["totalCount"] == 0


async def test_only_admins_import_and_one_import_at_a_time(
    gql: GraphQLClient, state: AppState, jobs: JobRunner, emulator: Emulator, owner: Member
) -> None:
    await activate(gql, emulator)
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    body = await gql.post(IMPORT, token=member.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    async with state.sessionmaker() as session, session.begin():
        await start_run(session, owner.workspace_id, RunKind.CUSTOMER_IMPORT, {}, owner.user_id)
    second = (await gql.data(IMPORT))["importCustomers"]
    assert second["__typename"] == "ConflictError"
    assert "already queued or running" in second["message"]
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Run)) == 1

    # A run of another kind is not a CustomerImport.
    async with state.sessionmaker() as session, session.begin():
        other = await start_run(session, owner.workspace_id, RunKind.STATUS_SYNC, {}, None)

    disguised = global_id("CustomerImport", other.id)
    assert (await gql.data(READ, {"id": disguised}))["customerImport"] is None
    assert (await gql.data(NODE, {"id": disguised}))["node"] is None


async def test_nightly_import_starts_runs_for_opted_in_workspaces_only(
    *,
    gql: GraphQLClient,
    state: AppState,
    jobs: JobRunner,
    emulator: Emulator,
    owner: Member,
    other_owner: Member,
) -> None:
    await activate(gql, emulator)
    emulator.state.seed_debtors(2)
    await start_nightly_imports(jobs, 0)
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Run)) == 0
        row = await session.scalar(select(WefactSettings))
    assert row is not None

    async with state.sessionmaker() as session, session.begin():
        settings = await session.get(WefactSettings, row.id)
        assert settings is not None
        settings.auto_import_customers = True
    await start_nightly_imports(jobs, 0)
    await start_nightly_imports(jobs, 0)  # still active: skipped, not doubled
    await jobs.run_worker(wait=False)

    async with state.sessionmaker() as session:
        runs = (await session.scalars(select(Run).order_by(Run.id))).all()
    assert [(r.kind, r.workspace_id, r.status, r.started_by_user_id) for r in runs] == [
        (RunKind.CUSTOMER_IMPORT, owner.workspace_id, RunStatus.SUCCEEDED, None),
        (RunKind.CUSTOMER_DETAILS, owner.workspace_id, RunStatus.SUCCEEDED, None),
    ]
    assert len(await customers(state, owner.workspace_id)) == 2


async def _reload(state: AppState, run_id: int) -> Run:
    async with state.sessionmaker() as session:
        run = await session.get(Run, run_id)
    assert run is not None
    return run


async def _until(state: AppState, run_id: int, condition: Any, seconds: float = 120) -> Run:
    """Poll until ``condition(run)``; fails (not a timing assertion) if it never happens."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        run = await _reload(state, run_id)
        if condition(run):
            return run
        assert loop.time() < deadline, f"run never reached the expected state: {run.status}"
        await asyncio.sleep(0.05)
