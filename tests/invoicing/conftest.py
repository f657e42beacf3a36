"""Fixtures and builders for invoicing tests: data rows, an open job runner, GraphQL documents.

Registrations are stored with the ORM (with explicit rate snapshots) so each test states
exactly what it invoices; everything invoicing does goes through GraphQL over HTTP, a real
worker and the emulator over real HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, text

from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner, open_jobs
from graphql_api.models import (
    Activity,
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    Invoice,
    InvoiceLine,
    Project,
    Run,
    TimeEntry,
    Trip,
    WefactSettings,
)
from graphql_api.provider_runtime import ProviderRuntime
from integrations import RetryPolicy
from resolvers.ids import global_id
from tests.conftest import Emulator, GraphQLClient, Member

PROCRASTINATE_TABLES = (
    "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
    "procrastinate_workers"
)
DAY = dt.date(2026, 3, 2)
T = TypeVar("T")


@pytest.fixture
async def jobs(state: AppState) -> AsyncIterator[JobRunner]:
    """An open job runner on an empty queue; mutations answer at once (no waiting)."""
    async with state.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {PROCRASTINATE_TABLES} RESTART IDENTITY CASCADE"))
    state.settings.run_wait_seconds = 0
    async with open_jobs(state) as runner:
        yield runner


#: The retry policy of these tests: the same attempts, no pauses.
QUICK_RETRIES = RetryPolicy(base_delay=0.0, resend_pauses=(0.0, 0.0))


@pytest.fixture
def state(state: AppState) -> AppState:
    """The app state with a fresh provider runtime: no pauses between retries (transport and
    engine), a rate-limit budget of its own, no fault hooks."""
    state.providers = ProviderRuntime(retry=QUICK_RETRIES)
    return state


def gid(row: Any) -> str:
    """The global id of a registration row."""
    return str(global_id(type(row).__name__, row.id))


def product_code(emulator: Emulator, name: str) -> str:
    """The code the emulator gave the seeded product ``name`` (differs per flavour)."""
    return str(
        next(p["ProductCode"] for p in emulator.state.products.values()
             if p["ProductName"] == name)
    )


@dataclass
class World:
    """Rows of one workspace to invoice, created directly."""

    state: AppState
    member: Member

    @property
    def ws(self) -> int:
        return self.member.workspace_id

    async def add(self, row: T) -> T:
        async with self.state.sessionmaker() as session, session.begin():
            session.add(row)
            await session.flush()
            await session.refresh(row)
        return row

    async def customer(self, name: str, number: str | None = None, **extra: Any) -> Customer:
        extra.setdefault("email", f"{name.split(maxsplit=1)[0].lower()}@example.com")
        return await self.add(
            Customer(workspace_id=self.ws, name=name, customer_number=number, **extra)
        )

    async def project(
        self, customer: Customer, name: str = "Website",
        method: BillingMethod = BillingMethod.HOURLY_PROJECT_RATE,
    ) -> Project:
        return await self.add(
            Project(workspace_id=self.ws, customer_id=customer.id, name=name,
                    billing_method=method, hourly_rate=Decimal("95.00"))
        )

    async def activity(self, name: str = "Design", product: str | None = None) -> Activity:
        return await self.add(
            Activity(workspace_id=self.ws, name=name, wefact_product_code=product)
        )

    async def category(self, name: str = "Books", product: str | None = None) -> ExpenseCategory:
        return await self.add(
            ExpenseCategory(workspace_id=self.ws, name=name, wefact_product_code=product)
        )

    async def entry(
        self, project: Project, activity: Activity, hours: str, rate: str = "95.00",
        *, date: dt.date = DAY, notes: str | None = None, billable: bool = True,
        user_id: int | None = None,
    ) -> TimeEntry:
        return await self.add(
            TimeEntry(workspace_id=self.ws, user_id=user_id or self.member.user_id,
                      project_id=project.id, activity_id=activity.id, date=date,
                      hours=Decimal(hours), rate=Decimal(rate), notes=notes, billable=billable)
        )

    async def expense(
        self, project: Project, category: ExpenseCategory, description: str, quantity: str,
        unit_price: str, *, date: dt.date = DAY,
    ) -> Expense:
        return await self.add(
            Expense(workspace_id=self.ws, user_id=self.member.user_id, project_id=project.id,
                    category_id=category.id, date=date, description=description,
                    quantity=Decimal(quantity), unit_price=Decimal(unit_price))
        )

    async def trip(
        self, project: Project, from_address: str, to_address: str, km: str,
        rate: str = "0.23", *, date: dt.date = DAY,
    ) -> Trip:
        return await self.add(
            Trip(workspace_id=self.ws, user_id=self.member.user_id, project_id=project.id,
                 date=date, from_address=from_address, to_address=to_address,
                 distance_km=Decimal(km), rate=Decimal(rate))
        )

    async def settings(self, **values: Any) -> None:
        async with self.state.sessionmaker() as session, session.begin():
            row = await session.scalar(
                select(WefactSettings).where(WefactSettings.workspace_id == self.ws)
            )
            assert row is not None, "activate WeFact first"
            for key, value in values.items():
                setattr(row, key, value)

    async def reload(self, row: Any) -> Any:
        async with self.state.sessionmaker() as session:
            return await session.get(type(row), row.id, populate_existing=True)

    async def count(self, model: Any) -> int:
        async with self.state.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def invoices(self) -> list[Invoice]:
        async with self.state.sessionmaker() as session:
            return list(await session.scalars(select(Invoice).order_by(Invoice.id)))

    async def run(self, pk: int) -> Run:
        async with self.state.sessionmaker() as session:
            run = await session.get(Run, pk)
        assert run is not None
        return run

    async def table_counts(self) -> tuple[int, int, int]:
        return (await self.count(Invoice), await self.count(InvoiceLine), await self.count(Run))


@pytest.fixture
def world(state: AppState, owner: Member) -> World:
    """Builders for the owner's workspace."""
    return World(state, owner)


ERRORS = "... on Error { code message field }"

PREVIEW = """
query($ids: [ID!]!, $options: InvoiceOptionsInput) {
  previewInvoice(ids: $ids, options: $options) {
    canInvoice mode groupBy
    problems { code message registrationId blocking customer { name } }
    invoices {
      invoiceDate termDays amountExcl amountVat amountIncl customerWillBeCreated
      customer { name customerNumber } project { name }
      vatTotals { vatPercentage amountExcl amountVat amountIncl }
      lines {
        position kind productCode description quantity unitPrice amount vatPercentage
        periodStart periodEnd registrationIds
      }
    }
  }
}
"""

RUN_FIELDS = """
  id status progressDone progressTotal attempts
  counts { name value }
  problems { item message }
  invoices {
    id status mode reference wefactIdentifier wefactCode wefactStatus debtorCode
    amountExcl amountVat amountIncl error releasedReason customerReference
    customer { name customerNumber }
    lines { position kind productCode description quantity unitPrice amount vatPercentage
            registrations { __typename id status } }
  }
"""

INVOICE = f"""
mutation($ids: [ID!]!, $options: InvoiceOptionsInput) {{
  invoiceInWefact(ids: $ids, options: $options) {{
    __typename
    ... on InvoiceRun {{ {RUN_FIELDS} }}
    ... on WefactConnectionError {{ whitelistAddresses }}
    {ERRORS}
  }}
}}
"""

INVOICE_RUN = f"""
query($id: ID!) {{ invoiceRun(id: $id) {{ {RUN_FIELDS} }} }}
"""

RESUME = f"""
mutation($input: ResumeInvoiceRunInput!) {{
  resumeInvoiceRun(input: $input) {{
    __typename
    ... on InvoiceRun {{ {RUN_FIELDS} }}
    {ERRORS}
  }}
}}
"""

RELEASE = f"""
mutation($input: ReleaseInvoiceInput!) {{
  releaseInvoice(input: $input) {{
    __typename
    ... on Invoice {{ id status wefactStatus releasedReason
                     lines {{ registrations {{ id status }} }} }}
    {ERRORS}
  }}
}}
"""


async def invoice_in_wefact(
    gql: GraphQLClient, ids: list[str], options: dict[str, Any] | None = None,
    *, token: str | None = None,
) -> dict[str, Any]:
    """The invoiceInWefact result object."""
    variables: dict[str, Any] = {"ids": ids}
    if options is not None:
        variables["options"] = options
    data = await gql.data(INVOICE, variables, token=token)
    result: dict[str, Any] = data["invoiceInWefact"]
    return result


async def run_invoices(
    gql: GraphQLClient, jobs: JobRunner, ids: list[str], options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """invoiceInWefact, then a worker until the queue is empty; returns the run as it ended."""
    started = await invoice_in_wefact(gql, ids, options)
    assert started["__typename"] == "InvoiceRun", started
    await jobs.run_worker(wait=False)
    return await read_run(gql, started["id"])


async def read_run(gql: GraphQLClient, run_id: str) -> dict[str, Any]:
    data = await gql.data(INVOICE_RUN, {"id": run_id})
    run: dict[str, Any] = data["invoiceRun"]
    return run


async def resume(gql: GraphQLClient, jobs: JobRunner, run_id: str) -> dict[str, Any]:
    data = await gql.data(RESUME, {"input": {"id": run_id}})
    result: dict[str, Any] = data["resumeInvoiceRun"]
    assert result["__typename"] == "InvoiceRun", result
    await jobs.run_worker(wait=False)
    return await read_run(gql, run_id)


def emulator_invoices(emulator: Emulator, *, reference: str | None = None) -> list[dict[str, Any]]:
    """The invoices the emulated administration holds (optionally with one reference)."""
    return [
        i for i in emulator.state.invoices.values()
        if reference is None or i["ReferenceNumber"] == reference
    ]
