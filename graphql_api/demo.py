"""``graphql-api serve --demo``: the whole flow without a WeFact account.

Starts the WeFact emulator in process (on a free loopback port), points WEFACT_API_URL at
it, creates (once) a demo workspace with customers, projects, activities, hours, expenses and
trips, activates WeFact against the emulator and prints the GraphiQL address and a token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import socket
from dataclasses import dataclass
from decimal import Decimal

import uvicorn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.app import AppState
from graphql_api.composition import add_in_process_worker, build_app
from graphql_api.listening import bound_port, graphql_url, uvicorn_config
from graphql_api.migrate import upgrade
from graphql_api.models import (
    Activity,
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    Project,
    Subscription,
    SubscriptionInterval,
    TimeEntry,
    TokenKind,
    Trip,
    User,
    Workspace,
)
from graphql_api.runtime import database_url
from graphql_api.services.auth import create_workspace, issue_token
from graphql_api.services.wefact.connection import ProviderServices, activate
from graphql_api.settings import Settings
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState

logger = logging.getLogger(__name__)

DEMO_WORKSPACE = "Demo Company"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo login on a local database
DEMO_API_KEY = "demo-wefact-api-key-0000"


@dataclass(frozen=True)
class DemoCustomer:
    """A demo customer; one with a number is also a debtor in the demo's WeFact."""

    name: str
    city: str
    customer_number: str | None = None
    email: str | None = None
    country: str = "NL"

    def debtor_fields(self) -> dict[str, object]:
        """The same customer as the emulator's debtor (WeFact's field names).

        Every field the customer import takes from WeFact agrees with the demo's row, so
        importing links the customer and changes nothing a user sees.
        """
        return {
            "DebtorCode": self.customer_number,
            "CompanyName": self.name,
            "City": self.city,
            "Country": self.country,
            "EmailAddress": self.email or "",
        }


BAKERY = DemoCustomer(
    "Bakkerij De Korenschoof", "Utrecht", "DB10000", "info@korenschoof.example"
)
STUDIO = DemoCustomer("Studio Noord", "Groningen", None, "hallo@studionoord.example")
HOSTING_CLIENT = DemoCustomer("Hosting Klant BV", "Amsterdam", "HK-001")
DEMO_CUSTOMERS = (BAKERY, STUDIO, HOSTING_CLIENT)
"""Studio Noord has no customer number: invoicing it creates its debtor in WeFact."""

OTHER_DEBTORS = 25
"""Debtors the demo's WeFact has besides the demo's customers (the import adds them)."""


def demo_emulator_state() -> EmulatorState:
    """An emulated WeFact with products, the demo's numbered customers and other debtors."""
    state = EmulatorState(flavor="wefact", api_key=DEMO_API_KEY)
    state.seed_products()
    for customer in DEMO_CUSTOMERS:
        if customer.customer_number is not None:
            state.add_debtor(**customer.debtor_fields())
    # Numbered after DB10000, so none takes a demo customer's number.
    state.seed_debtors(OTHER_DEBTORS)
    return state


async def ensure_demo_workspace(state: AppState) -> tuple[int, str]:
    """The demo workspace (created on first start) and a fresh token for its owner."""
    async with state.sessionmaker() as session, session.begin():
        owner = await session.scalar(select(User).where(User.email == DEMO_EMAIL))
        if owner is None:
            workspace, owner = await create_workspace(
                session, DEMO_WORKSPACE, DEMO_EMAIL, DEMO_PASSWORD
            )
            await _seed(session, workspace, owner)
        issued = await issue_token(
            session,
            owner,
            kind=TokenKind.SESSION,
            name="demo start",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
        )
        return owner.workspace_id, issued.token


async def _seed(session: AsyncSession, workspace: Workspace, owner: User) -> None:
    """Realistic data across every billing method, dated over the last four weeks."""
    owner.name = "Demo Owner"
    owner.hourly_rate = Decimal("85.00")
    ws = workspace.id
    linked = _customer(ws, BAKERY, hourly_rate=Decimal("90.00"), payment_term_days=14)
    new = _customer(ws, STUDIO, mileage_rate=Decimal("0.25"))
    retainer = _customer(ws, HOSTING_CLIENT)
    session.add_all([linked, new, retainer])
    design = Activity(
        workspace_id=ws, name="Design", hourly_rate=Decimal("95.00"), wefact_product_code="P0001"
    )
    dev = Activity(workspace_id=ws, name="Development", hourly_rate=Decimal("110.00"))
    meeting = Activity(workspace_id=ws, name="Meeting", hourly_rate=Decimal("75.00"))
    books = ExpenseCategory(workspace_id=ws, name="Books", wefact_product_code="P0002")
    travel = ExpenseCategory(workspace_id=ws, name="Parking")
    session.add_all([design, dev, meeting, books, travel])
    await session.flush()
    today = dt.datetime.now(dt.UTC).date()
    website = Project(
        workspace_id=ws,
        customer_id=linked.id,
        name="New website",
        billing_method=BillingMethod.HOURLY_ACTIVITY_RATE,
    )
    branding = Project(
        workspace_id=ws,
        customer_id=new.id,
        name="Branding",
        billing_method=BillingMethod.HOURLY_PROJECT_RATE,
        hourly_rate=Decimal("100.00"),
    )
    fixed = Project(
        workspace_id=ws,
        customer_id=new.id,
        name="Logo (fixed price)",
        billing_method=BillingMethod.FIXED_PRICE,
        fixed_price=Decimal("1500.00"),
    )
    hosting = Project(
        workspace_id=ws,
        customer_id=retainer.id,
        name="Hosting & support",
        billing_method=BillingMethod.SUBSCRIPTION,
        subscription_amount=Decimal("49.50"),
        subscription_interval=SubscriptionInterval.MONTH,
        subscription_start_date=today.replace(day=1) - dt.timedelta(days=62),
    )
    session.add_all([website, branding, fixed, hosting])
    await session.flush()
    for day in range(1, 21):
        date = today - dt.timedelta(days=day)
        if date.weekday() >= 5:
            continue
        activity = (design, dev, meeting)[day % 3]
        session.add(
            TimeEntry(
                workspace_id=ws,
                user_id=owner.id,
                project_id=website.id,
                activity_id=activity.id,
                date=date,
                hours=Decimal("2.50"),
                notes=f"{activity.name} work",
                rate=activity.hourly_rate or 0,
            )
        )
        session.add(
            TimeEntry(
                workspace_id=ws,
                user_id=owner.id,
                project_id=branding.id,
                activity_id=design.id,
                date=date,
                hours=Decimal("1.25"),
                notes="Brand guide",
                rate=Decimal("100.00"),
            )
        )
    session.add_all(
        [
            Expense(
                workspace_id=ws,
                user_id=owner.id,
                project_id=website.id,
                category_id=books.id,
                date=today - dt.timedelta(days=3),
                description="CSS handbook",
                quantity=Decimal("1"),
                unit_price=Decimal("34.50"),
            ),
            Expense(
                workspace_id=ws,
                user_id=owner.id,
                project_id=branding.id,
                category_id=travel.id,
                date=today - dt.timedelta(days=5),
                description="Parking Groningen",
                quantity=Decimal("2"),
                unit_price=Decimal("7.80"),
            ),
            Trip(
                workspace_id=ws,
                user_id=owner.id,
                project_id=branding.id,
                date=today - dt.timedelta(days=5),
                from_address="Utrecht",
                to_address="Groningen",
                distance_km=Decimal("187.00"),
                rate=Decimal("0.25"),
            ),
        ]
    )
    await session.flush()


def _customer(workspace_id: int, demo: DemoCustomer, **ours: object) -> Customer:
    """The customer row of a demo customer, with the columns we own (rates, term) added."""
    return Customer(
        workspace_id=workspace_id,
        name=demo.name,
        customer_number=demo.customer_number,
        email=demo.email,
        city=demo.city,
        country=demo.country,
        **ours,
    )


async def activate_demo(state: AppState, workspace_id: int) -> None:
    """Activate WeFact against the in-process emulator and pick the demo products."""
    services = ProviderServices.of(state)
    row = await activate(
        services,
        state.sessionmaker,
        workspace_id,
        subscription=Subscription.WEFACT,
        api_key=DEMO_API_KEY,
        hostfact_url=None,
    )
    async with state.sessionmaker() as session, session.begin():
        row = await session.merge(row)
        row.default_product_code = row.default_product_code or "P0001"
        row.trip_product_code = row.trip_product_code or "P0003"


def announce(host: str, port: int, token: str) -> None:
    """Tell the newcomer where to go and how to authenticate."""
    print(f"\nDemo ready. GraphiQL: {graphql_url(host, port)}", flush=True)
    print(f"Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}, or send this header:", flush=True)
    print(json.dumps({"Authorization": f"Bearer {token}"}), flush=True)


def serve_demo(settings: Settings, *, sock: socket.socket, host: str) -> None:
    """Embedded (or configured) database, emulator, demo data, one worker, the API on
    ``sock`` (bound by ``serve``, so a busy port was reported before any of this)."""
    with database_url(settings) as url:
        upgrade(url)
        asyncio.run(_serve_demo(settings, url, sock, host))


async def _serve_demo(settings: Settings, url: str, sock: socket.socket, host: str) -> None:
    async with serve_emulator(demo_emulator_state()) as emulator_url:
        # The demo talks to the emulator on loopback, which production settings forbid.
        settings.wefact_api_url = emulator_url
        settings.allow_private_integration_urls = True
        state = AppState.create(settings, url)
        workspace_id, token = await ensure_demo_workspace(state)
        await activate_demo(state, workspace_id)
        app = build_app(state)
        add_in_process_worker(app, state)
        server = uvicorn.Server(uvicorn_config(app))
        print(f"WeFact emulator on {emulator_url}", flush=True)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        # Announce only once the API accepts connections: scripts use the token at once.
        while not server.started and not serving.done():  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.05)
        if server.started:
            announce(host, bound_port(sock), token)
        await serving
