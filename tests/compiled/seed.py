"""Edge-case data for the compiled reads: every text a JSON encoder can get wrong, NULLs,
microsecond and whole-second moments, leap days, exact decimals, and a second workspace."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from graphql_api.app import AppState
from graphql_api.models import (
    Activity,
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    LineKind,
    Project,
    RegistrationStatus,
    Role,
    Subscription,
    TimeEntry,
    Trip,
)
from resolvers.ids import global_id
from tests.conftest import Member, add_member

TEXTS = [
    'plain', 'He said "hi"', "back\\slash", "tab\there", "new\nline", "cr\rlf", "\x01\x1f ctl",
    "del\x7fete", "café Ünïcødé", "日本語", "emoji 😀🎉", "\u2028 line separator", "</script>",
    "", "  spaced  ", "a'b", "zero\u200bwidth", "𝔘𝔫𝔦", "Ω≈ç√", "mixed \"\\\n😀",
]
UTC = dt.UTC


def moment(rng: random.Random) -> dt.datetime:
    """A moment with microseconds, or a whole second (isoformat drops .000000)."""
    base = dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC) - dt.timedelta(
        days=rng.randrange(0, 900), seconds=rng.randrange(0, 86400)
    )
    return base.replace(microsecond=rng.choice([0, 1, 999999, 123456, 500000]))


@dataclass
class World:
    """What the seed made: members by role and global ids to filter and look up."""

    members: dict[Role, Member]
    other: Member
    ids: dict[str, list[str]] = field(default_factory=dict)
    other_ids: dict[str, list[str]] = field(default_factory=dict)


async def seed(state: AppState, owner: Member, other: Member, *, seed: int = 14) -> World:
    """Rows in both workspaces (the other one gets fewer), users of every role."""
    rng = random.Random(seed)
    members = {Role.OWNER: owner}
    for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER):
        members[role] = await add_member(
            state, owner.workspace_id, role=role, email=f"{role.value.lower()}@acme.test"
        )
    world = World(members=members, other=other)
    world.ids = await _rows(state, owner.workspace_id, [m.user_id for m in members.values()],
                            rng, size=40)
    world.other_ids = await _rows(state, other.workspace_id, [other.user_id], rng, size=8)
    return world


async def _rows(
    state: AppState, workspace_id: int, users: list[int], rng: random.Random, *, size: int
) -> dict[str, list[str]]:
    def text(nullable: bool = False) -> str | None:
        if nullable and rng.random() < 0.3:
            return None
        return rng.choice(TEXTS) + rng.choice(["", " x", " 2"])

    def money(nullable: bool = False) -> Decimal | None:
        if nullable and rng.random() < 0.3:
            return None
        return Decimal(rng.randrange(0, 100000)) / 100

    def day() -> dt.date:
        return rng.choice([dt.date(2024, 2, 29), dt.date(2020, 2, 29), dt.date(2023, 12, 31),
                           dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))])

    async with state.sessionmaker() as session, session.begin():
        customers = [
            Customer(
                workspace_id=workspace_id, name=text() or "x", email=text(True),
                city=text(True), hourly_rate=money(True), mileage_rate=money(True),
                payment_term_days=rng.choice([None, 0, 14, 30]), notes=text(True),
                archived=rng.random() < 0.2, wefact_synced_at=rng.choice([None, moment(rng)]),
                created_at=moment(rng), updated_at=moment(rng),
            )
            for _ in range(max(3, size // 5))
        ]
        activities = [
            Activity(workspace_id=workspace_id, name=text() or "a", hourly_rate=money(True),
                     billable=rng.random() < 0.7, archived=rng.random() < 0.2,
                     created_at=moment(rng), updated_at=moment(rng))
            for _ in range(5)
        ]
        categories = [
            ExpenseCategory(workspace_id=workspace_id, name=text() or "c",
                            wefact_product_code=text(True), created_at=moment(rng),
                            updated_at=moment(rng))
            for _ in range(4)
        ]
        session.add_all([*customers, *activities, *categories])
        await session.flush()
        projects = [
            Project(
                workspace_id=workspace_id, customer_id=rng.choice(customers).id,
                name=text() or "p", code=text(True),
                billing_method=rng.choice(list(BillingMethod)), hourly_rate=money(True),
                fixed_price=money(True), start_date=rng.choice([None, day()]),
                end_date=rng.choice([None, day()]), budget_hours=money(True),
                archived=rng.random() < 0.2, created_at=moment(rng), updated_at=moment(rng),
            )
            for _ in range(max(3, size // 4))
        ]
        session.add_all(projects)
        await session.flush()
        invoices = [
            Invoice(
                workspace_id=workspace_id, customer_id=rng.choice(customers).id,
                project_id=rng.choice([None, rng.choice(projects).id]),
                provider=Subscription.WEFACT, reference=f"ref-{workspace_id}-{i}",
                status=rng.choice(list(InvoiceStatus)), mode=rng.choice(list(InvoiceMode)),
                invoice_date=day(), amount_excl=money() or Decimal(0), amount_tax=money(True),
                description=text(True), error=text(True), attach_specification=False,
                attach_receipts=rng.random() < 0.5, status_changed_at=rng.choice(
                    [None, moment(rng)]), created_at=moment(rng), updated_at=moment(rng),
            )
            for i in range(max(2, size // 8))
        ]
        session.add_all(invoices)
        await session.flush()
        lines = [
            InvoiceLine(
                workspace_id=workspace_id, invoice_id=invoice.id, position=1,
                kind=LineKind.HOURS, description=text() or "l", quantity=Decimal("1.50"),
                unit_price=Decimal("80.00"), amount=Decimal("120.00"),
                tax_percentage=rng.choice([None, Decimal("21.00")]),
            )
            for invoice in invoices
        ]
        session.add_all(lines)
        await session.flush()

        def registration() -> dict[str, object]:
            line = rng.choice([None, None, rng.choice(lines).id])
            return {
                'workspace_id': workspace_id, 'user_id': rng.choice(users),
                'project_id': rng.choice(projects).id, 'date': day(), 'billable': rng.random() < 0.6,
                'status': rng.choice(list(RegistrationStatus)), 'invoice_line_id': line,
                'created_at': moment(rng), 'updated_at': moment(rng),
            }

        entries = [
            TimeEntry(
                **registration(), activity_id=rng.choice(activities).id,
                hours=Decimal(rng.randrange(1, 2400)) / 100, rate=money() or Decimal(0),
                notes=text(True),
                start_time=rng.choice([None, dt.time(9, 0), dt.time(8, 30, 15, 250000)]),
                end_time=rng.choice([None, dt.time(17, 45, 59)]),
            )
            for _ in range(size)
        ]
        expenses = [
            Expense(
                **registration(), category_id=rng.choice(categories).id,
                description=text() or "e", quantity=Decimal(rng.randrange(1, 1000)) / 100,
                unit_price=money() or Decimal(0),
            )
            for _ in range(size // 2)
        ]
        trips = [
            Trip(
                **registration(), from_address=text() or "f", to_address=text() or "t",
                distance_km=Decimal(rng.randrange(1, 50000)) / 100,
                rate=Decimal(rng.randrange(0, 100)) / 100,
            )
            for _ in range(size // 2)
        ]
        session.add_all([*entries, *expenses, *trips])
        await session.flush()
        return {
            "Customer": [global_id("Customer", c.id) for c in customers],
            "Project": [global_id("Project", p.id) for p in projects],
            "Activity": [global_id("Activity", a.id) for a in activities],
            "ExpenseCategory": [global_id("ExpenseCategory", c.id) for c in categories],
            "Invoice": [global_id("Invoice", i.id) for i in invoices],
            "TimeEntry": [global_id("TimeEntry", e.id) for e in entries],
            "Expense": [global_id("Expense", e.id) for e in expenses],
            "Trip": [global_id("Trip", t.id) for t in trips],
            "User": [global_id("User", u) for u in users],
        }
