"""More than one machine: two API processes and two job workers against one PostgreSQL.

Everything runs as real processes (``graphql-api serve`` ×2, ``graphql-api worker`` ×2)
against the test database, invoicing in the WeFact emulator over real HTTP. Two workspaces
send overlapping selections through both APIs at once; whatever the interleaving, every
registration ends on exactly one invoice (one in WeFact too), and a selection that lost a
race is refused as a whole with the reason, never half-invoiced.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from graphql_api.app import AppState
from graphql_api.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RegistrationStatus,
    TimeEntry,
)
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState
from tests.conftest import ACTIVATE, EMULATOR_API_KEY, TEST_SECRET_KEY, Member
from tests.deploy.processes import Process, start, stop_all, wait_until_serving
from tests.invoicing.conftest import INVOICE, INVOICE_RUN, World, gid

CUSTOMERS_PER_WORKSPACE = 3
ENTRIES_PER_CUSTOMER = 6
RUN_DEADLINE_SECONDS = 120.0

OPEN_ENTRIES = """
query($after: String) {
  timeEntries(filter: {status: OPEN}, first: 100, after: $after) {
    edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass
class Api:
    """One API process as a client sees it: its URL and a workspace's token."""

    client: httpx.AsyncClient
    base_url: str

    async def post(self, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@dataclass
class Outcome:
    """What one invoiceInWefact request came to."""

    workspace: str
    via: str
    ids: frozenset[str]
    result: dict[str, Any]

    @property
    def won(self) -> bool:
        return bool(self.result["__typename"] == "InvoiceRun")


@pytest.fixture
async def emulator(state: AppState) -> AsyncIterator[tuple[EmulatorState, str]]:
    """The WeFact emulator over real HTTP (rate limits as WeFact's)."""
    emulated = EmulatorState(flavor="wefact", api_key=EMULATOR_API_KEY)
    emulated.seed_products()
    async with serve_emulator(emulated) as url:
        yield emulated, url


@dataclass
class Deployment:
    """``graphql-api`` processes against the test database and the emulator."""

    env: dict[str, str]
    logs: Path
    running: dict[str, Process] = field(default_factory=dict)
    killed: set[str] = field(default_factory=set)

    def start(self, name: str, args: list[str]) -> Process:
        self.running[name] = start(name, args, self.env, self.logs)
        return self.running[name]

    async def api(self, name: str) -> str:
        """A ``graphql-api serve`` on a free port; its base URL once it is ready."""
        return await wait_until_serving(self.start(name, ["serve", "--port", "0"]))

    def worker(self, name: str) -> Process:
        return self.start(name, ["worker", "--concurrency", "2"])

    def kill(self, name: str) -> None:
        """SIGKILL: the process dies wherever it is, as in a crash or an OOM kill."""
        self.running[name].popen.kill()
        self.running[name].popen.wait()
        self.killed.add(name)


@pytest.fixture
async def deployment(
    database_url: str, emulator: tuple[EmulatorState, str], tmp_path: Path
) -> AsyncIterator[Deployment]:
    """Processes started by the test; all still running are stopped gracefully (SIGTERM)."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "WEFACT_API_URL": emulator[1],
        "ALLOW_PRIVATE_INTEGRATION_URLS": "true",
        # The job workers are their own processes here, as in production.
        "RUN_WORKER_IN_PROCESS": "false",
        # A killed worker's run is taken over after this long (the shortest allowed).
        "RUN_STALLED_SECONDS": "15",
        "LOG_LEVEL": "WARNING",
    }
    deployment = Deployment(env, tmp_path)
    try:
        yield deployment
    finally:
        alive = [p for name, p in deployment.running.items() if name not in deployment.killed]
        codes = await stop_all(alive)
        # Graceful: SIGTERM drains and exits 0 (a crash would show here).
        assert codes == {p.name: 0 for p in alive}, [p.tail() for p in alive]


@pytest.fixture
async def processes(deployment: Deployment) -> dict[str, Process]:
    """Two APIs and two workers."""
    deployment.worker("worker-1")
    deployment.worker("worker-2")
    await asyncio.gather(deployment.api("api-a"), deployment.api("api-b"))
    return deployment.running


LANES_PER_PROCESS = 2
"""Each worker process runs one procrastinate worker per lane: runs and periodic jobs, and
webhook deliveries (``JobRunner.lanes``)."""


async def wait_for_workers(state: AppState, count: int, processes: dict[str, Process]) -> None:
    """Until ``count`` worker processes registered every lane (all of them listening)."""
    count *= LANES_PER_PROCESS
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while True:
        async with state.engine.connect() as connection:
            registered = await connection.scalar(text("SELECT count(*) FROM procrastinate_workers"))
        if registered == count:
            return
        for name, process in processes.items():
            assert process.popen.poll() is None, f"{name} died\n{process.tail()}"
        assert loop.time() < deadline, f"{registered} workers registered, expected {count}"
        await asyncio.sleep(0.2)


async def build_workspace(world: World, label: str) -> list[list[str]]:
    """Customers (one with a number WeFact does not know, the others without), a project
    each and their hours; the time entries' global ids per customer."""
    per_customer = []
    for c in range(CUSTOMERS_PER_WORKSPACE):
        number = f"{label[:2].upper()}-{c}" if c == 0 else None
        customer = await world.customer(f"{label} client {c}", number, city="Utrecht", country="NL")
        project = await world.project(customer, f"{label} project {c}")
        activity = await world.activity(f"{label} work {c}")
        entries = [
            await world.entry(
                project, activity, f"{1 + i}.25", date=dt.date(2026, 3, 2) + dt.timedelta(days=i)
            )
            for i in range(ENTRIES_PER_CUSTOMER)
        ]
        per_customer.append([gid(entry) for entry in entries])
    return per_customer


def overlapping(ids: list[list[str]]) -> list[frozenset[str]]:
    """Selections where every one shares registrations with another."""
    c0, c1, c2 = ids
    half = ENTRIES_PER_CUSTOMER // 2
    return [
        frozenset(c0 + c1[:half]),
        frozenset(c1 + c2),
        frozenset(c2[half:]),
        frozenset(c0[: half + 1]),
    ]


async def invoice(api: Api, via: str, member: Member, label: str, ids: frozenset[str]) -> Outcome:
    data = await api.post(member.token, INVOICE, {"ids": sorted(ids)})
    return Outcome(label, via, ids, data["invoiceInWefact"])


async def finished(api: Api, member: Member, run_id: str) -> dict[str, Any]:
    """The run once it is final (polled through the same API)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RUN_DEADLINE_SECONDS
    while True:
        run: dict[str, Any] = (await api.post(member.token, INVOICE_RUN, {"id": run_id}))[
            "invoiceRun"
        ]
        if run["status"] not in {"QUEUED", "RUNNING"}:
            return run
        assert loop.time() < deadline, f"run {run_id} still {run['status']}"
        await asyncio.sleep(0.25)


async def open_entries(api: Api, member: Member) -> frozenset[str]:
    found: set[str] = set()
    after = None
    while True:
        page = (await api.post(member.token, OPEN_ENTRIES, {"after": after}))["timeEntries"]
        found.update(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return frozenset(found)
        after = page["pageInfo"]["endCursor"]


def check_round(outcomes: list[Outcome]) -> None:
    """A lost race is refused as a whole, saying why; two winners never share anything."""
    for outcome in outcomes:
        if not outcome.won:
            assert outcome.result["__typename"] == "ConflictError", outcome.result
            assert outcome.result["code"] == "ALREADY_INVOICED", outcome.result
            assert "Nothing was invoiced" in outcome.result["message"]
    by_workspace: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_workspace.setdefault(outcome.workspace, []).append(outcome)
    for group in by_workspace.values():
        winners = [o for o in group if o.won]
        for i, first in enumerate(winners):
            for second in winners[i + 1 :]:
                assert not first.ids & second.ids, "two runs won the same registrations"


async def run_round(
    jobs: list[tuple[Api, str, Member, str, frozenset[str]]],
) -> list[tuple[Outcome, dict[str, Any] | None]]:
    """All requests at once; every winning run followed to its end."""
    outcomes = await asyncio.gather(*(invoice(*job) for job in jobs))
    check_round(list(outcomes))
    apis = {(job[1], job[3]): (job[0], job[2]) for job in jobs}
    ends = []
    for outcome in outcomes:
        if outcome.won:
            api, member = apis[(outcome.via, outcome.workspace)]
            ends.append((outcome, await finished(api, member, outcome.result["id"])))
        else:
            ends.append((outcome, None))
    return ends


async def test_two_apis_and_two_workers_invoice_each_registration_exactly_once(
    state: AppState,
    owner: Member,
    other_owner: Member,
    emulator: tuple[EmulatorState, str],
    processes: dict[str, Process],
) -> None:
    emulated, _ = emulator
    members = {"Acme": owner, "Globex": other_owner}
    worlds = {label: World(state, member) for label, member in members.items()}
    async with httpx.AsyncClient(timeout=60) as client:
        a = Api(client, str(processes["api-a"].base_url))
        b = Api(client, str(processes["api-b"].base_url))
        # Each workspace activates WeFact through a different API process.
        for api, member in ((a, owner), (b, other_owner)):
            activated = await api.post(
                member.token,
                ACTIVATE,
                {"input": {"subscription": "WEFACT", "apiKey": EMULATOR_API_KEY}},
            )
            assert activated["activateWefact"]["__typename"] == "WefactSettings", activated
        for world in worlds.values():
            await world.settings(default_product_code="P0001")
        ids = {label: await build_workspace(world, label) for label, world in worlds.items()}
        everything = {label: frozenset(i for c in per for i in c) for label, per in ids.items()}
        await wait_for_workers(state, 2, processes)

        # Round 1: overlapping selections, alternating between the APIs, all at once.
        jobs = []
        for w, (label, member) in enumerate(members.items()):
            for n, selection in enumerate(overlapping(ids[label])):
                via, api = ("A", a) if (n + w) % 2 == 0 else ("B", b)
                jobs.append((api, via, member, label, selection))
        first = await run_round(jobs)
        assert any(not outcome.won for outcome, _ in first), "overlaps must lose a race"

        # Round 2: whatever is still open, sent through both APIs at once (one wins).
        jobs = []
        for label, member in members.items():
            remaining = await open_entries(a, member)
            assert remaining <= everything[label]
            if remaining:
                jobs.append((a, "A", member, label, remaining))
                jobs.append((b, "B", member, label, remaining))
        second = await run_round(jobs)

        for label, member in members.items():
            assert await open_entries(b, member) == frozenset(), f"{label} left entries open"

    won = [(o, run) for o, run in first + second if o.won]
    assert won, "no run won at all"
    for outcome, run in won:
        assert run is not None
        assert run["status"] == "SUCCEEDED", run
        # A run invoices exactly what its request selected.
        invoiced = {
            reg["id"]
            for inv in run["invoices"]
            for line in inv["lines"]
            for reg in line["registrations"]
        }
        assert invoiced == outcome.ids
    for label in members:
        invoiced_ids = [i for o, _ in won if o.workspace == label for i in o.ids]
        assert Counter(invoiced_ids) == Counter(everything[label]), label

    await assert_database_and_wefact_agree(state, emulated)


async def assert_registrations_invoiced_once(state: AppState, expected: int) -> None:
    """Every invoiced time entry points at exactly one line of a made invoice."""
    async with state.sessionmaker() as session:
        invoiced = list(
            await session.scalars(
                select(TimeEntry).where(TimeEntry.status == RegistrationStatus.INVOICED)
            )
        )
        lines_per_entry = dict(
            (
                await session.execute(
                    select(TimeEntry.id, func.count(InvoiceLine.id))
                    .join(InvoiceLine, InvoiceLine.id == TimeEntry.invoice_line_id)
                    .group_by(TimeEntry.id)
                )
            ).all()
        )
        statuses = set(await session.scalars(select(Invoice.status)))
    assert len(invoiced) == expected
    assert lines_per_entry == {e.id: 1 for e in invoiced}
    assert statuses == {InvoiceStatus.CONCEPT}


async def assert_database_and_wefact_agree(state: AppState, emulated: EmulatorState) -> None:
    """One line per registration, one WeFact invoice per invoice, one debtor per customer."""
    total = 2 * CUSTOMERS_PER_WORKSPACE * ENTRIES_PER_CUSTOMER
    await assert_registrations_invoiced_once(state, total)
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(TimeEntry)) == total
        invoices = list(await session.scalars(select(Invoice)))
        customers = list(await session.scalars(select(Customer)))

    in_wefact = list(emulated.invoices.values())
    assert len(in_wefact) == len(invoices)
    assert Counter(i["ReferenceNumber"] for i in in_wefact) == Counter(
        i.reference for i in invoices
    )
    by_reference = {i["ReferenceNumber"]: i for i in in_wefact}
    for invoice in invoices:
        assert Decimal(by_reference[invoice.reference]["AmountExcl"]) == invoice.amount_excl
    # Every customer became exactly one debtor, whichever process created it.
    debtor_codes = Counter(d["DebtorCode"] for d in emulated.debtors.values())
    assert all(count == 1 for count in debtor_codes.values()), debtor_codes
    assert len(emulated.debtors) == len(customers)
    assert {c.wefact_debtor_code for c in customers} == set(debtor_codes)


async def wait_for(condition: Any, what: str, seconds: float = 60.0) -> None:
    """Poll an async or plain condition until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_workers_killed_while_wefact_adds_the_invoice_leave_one_invoice(
    state: AppState,
    owner: Member,
    emulator: tuple[EmulatorState, str],
    deployment: Deployment,
) -> None:
    """Crash at the worst moment: WeFact applies the invoice, nobody hears the answer.

    Both workers are SIGKILLed while the emulator holds ``invoice add`` (then applies it).
    A worker started later takes the run over and finds the invoice by its reference
    instead of adding it again.
    """
    emulated, _ = emulator
    deployment.worker("worker-1")
    deployment.worker("worker-2")
    api = Api(httpx.AsyncClient(timeout=60), await deployment.api("api-a"))
    try:
        activated = await api.post(
            owner.token, ACTIVATE, {"input": {"subscription": "WEFACT", "apiKey": EMULATOR_API_KEY}}
        )
        assert activated["activateWefact"]["__typename"] == "WefactSettings", activated
        world = World(state, owner)
        await world.settings(default_product_code="P0001")
        selection = frozenset((await build_workspace(world, "Acme"))[0])
        await wait_for_workers(state, 2, deployment.running)

        emulated.faults.add("slow", controller="invoice", action="add", delay=15.0)
        request = asyncio.create_task(invoice(api, "A", owner, "Acme", selection))
        await wait_for(lambda: ("slow", "invoice", "add") in emulated.faults.triggered, "the add")
        deployment.kill("worker-1")
        deployment.kill("worker-2")
        started = await request
        assert started.won, started.result

        # WeFact applies the write after the delay; our record still waits for an answer.
        await wait_for(lambda: len(emulated.invoices) == 1, "WeFact to apply the add", 30)
        async with state.sessionmaker() as session:
            pending = list(await session.scalars(select(Invoice)))
        assert [i.status for i in pending] == [InvoiceStatus.PENDING]

        async def dead_workers_stale() -> bool:
            async with state.engine.connect() as connection:
                fresh = await connection.scalar(
                    text(
                        "SELECT count(*) FROM procrastinate_workers "
                        "WHERE last_heartbeat > now() - interval '16 seconds'"
                    )
                )
            return fresh == 0

        await wait_for(dead_workers_stale, "the killed workers to count as stalled", 60)
        # A new worker's start-up reaper hands it the interrupted run.
        deployment.worker("worker-3")
        run = await finished(api, owner, started.result["id"])
    finally:
        await api.client.aclose()

    assert run["status"] == "SUCCEEDED", run
    assert run["attempts"] == 2
    [made] = run["invoices"]
    assert {reg["id"] for line in made["lines"] for reg in line["registrations"]} == selection
    [in_wefact] = emulated.invoices.values()
    assert in_wefact["ReferenceNumber"] == made["reference"]
    assert made["wefactIdentifier"] == str(in_wefact["Identifier"])
    assert emulated.calls_to("invoice", "add") == 1
    await assert_registrations_invoiced_once(state, len(selection))
