"""The hours specification PDF from our records: long notes wrap, many registrations break
pages with the table head repeated, text in any script shows (an embedded Unicode font), the
totals are the invoice's, and reading it costs a fixed number of statements (issue 17)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from pypdf import PdfReader

from graphql_api.app import AppState
from graphql_api.models import (
    Activity,
    BillingMethod,
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    LineKind,
    Project,
    RegistrationStatus,
    Subscription,
    TimeEntry,
)
from graphql_api.services.invoicing.specification import load_specification, render_specification
from tests.conftest import Member
from tests.domain.test_statement_count import count_statements

HEAD = "Date User Project Activity Notes Qty Rate Amount"
LONG_NOTE = " ".join(f"word{n}" for n in range(120))  # ~800 characters


async def _invoice(state: AppState, owner: Member, entries: int, *, note: str = "") -> int:
    """An invoice of one hours line covering ``entries`` entries at 95.00, and a fixed-price
    line without registrations (0% VAT), written directly."""
    ws = owner.workspace_id
    async with state.sessionmaker() as session, session.begin():
        customer = Customer(workspace_id=ws, name="Łódź Bakery — Привет Ελληνικά", customer_number="K-1")
        activity = Activity(workspace_id=ws, name="Ontwerp €")
        session.add_all([customer, activity])
        await session.flush()
        project = Project(workspace_id=ws, customer_id=customer.id, name="Zoë's shop",
                          billing_method=BillingMethod.HOURLY_PROJECT_RATE)
        session.add(project)
        await session.flush()
        hours = Decimal("1.25") * entries
        invoice = Invoice(
            workspace_id=ws, customer_id=customer.id, provider=Subscription.WEFACT,
            reference=f"TT-{ws}-1-cafe", status=InvoiceStatus.SENT, mode=InvoiceMode.SEND,
            wefact_code="F2026-0042", invoice_date=dt.date(2026, 3, 31),
            amount_excl=Decimal(0),
        )
        session.add(invoice)
        await session.flush()
        line = InvoiceLine(
            workspace_id=ws, invoice_id=invoice.id, position=1, kind=LineKind.HOURS,
            product_code="P1", description="Zoë's shop – Ontwerp €", quantity=hours,
            unit_price=Decimal("95.00"), amount=(hours * Decimal("95.00")).quantize(
                Decimal("0.01")), tax_percentage=Decimal("21.00"),
            period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 28),
        )
        fixed = InvoiceLine(
            workspace_id=ws, invoice_id=invoice.id, position=2, kind=LineKind.FIXED_PRICE,
            product_code="P2", description="Fixed price, instalment 1 of 2", quantity=Decimal(1),
            unit_price=Decimal("500.00"), amount=Decimal("500.00"), tax_percentage=Decimal(0),
        )
        session.add_all([line, fixed])
        await session.flush()
        session.add_all([
            TimeEntry(
                workspace_id=ws, user_id=owner.user_id, project_id=project.id,
                activity_id=activity.id, date=dt.date(2026, 3, 1) + dt.timedelta(days=n % 28),
                hours=Decimal("1.25"), rate=Decimal("95.00"), notes=f"entry-{n:03d} {note}",
                status=RegistrationStatus.INVOICED, invoice_line_id=line.id,
            )
            for n in range(entries)
        ])
        return invoice.id


async def _pdf(state: AppState, owner: Member, invoice_id: int) -> PdfReader:
    async with state.sessionmaker() as session:
        spec = await load_specification(session, owner.workspace_id, invoice_id)
    assert spec is not None
    return PdfReader(io.BytesIO(render_specification(spec)))


async def test_many_registrations_break_pages_and_repeat_the_table_head(
    state: AppState, owner: Member
) -> None:
    invoice_id = await _invoice(state, owner, 150, note=LONG_NOTE)
    reader = await _pdf(state, owner, invoice_id)
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 5
    assert all(HEAD in text for text in pages), "the head on every page"
    assert all(f"Page {n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
    text = "\n".join(pages)
    assert all(f"entry-{n:03d}" in text for n in range(150)), "every registration listed"
    # The long note wraps inside its cell: every word is there, none cut off.
    words = text.split()
    assert all(f"word{n}" in words for n in range(120))


async def test_text_in_any_script_and_totals_equal_to_the_invoice(
    state: AppState, owner: Member
) -> None:
    invoice_id = await _invoice(state, owner, 3)
    text = "\n".join(page.extract_text() for page in (await _pdf(state, owner, invoice_id)).pages)
    for shown in ("Łódź Bakery — Привет Ελληνικά (K-1)", "Zoë's shop", "Ontwerp €",
                  "F2026-0042", "TT-1-1-cafe", "2026-03-01 – 2026-03-28"):
        assert shown in text, shown
    # 3 × 1.25 h × 95.00 = 356.25 at 21 % (VAT 74.81), plus 500.00 at 0 %.
    assert "1. Zoë's shop – Ontwerp € — 3.75 h × 95.00 · VAT 21.00% 356.25" in text
    assert "2. Fixed price, instalment 1 of 2 — 1.00 × 500.00 · VAT 0.00% 500.00" in text
    assert "2026-03-01 owner Zoë's shop Ontwerp € entry-000 1.25 95.00 118.75" in text
    for total in ("Excl. VAT at 0.00% 500.00", "VAT 0.00% 0.00", "Excl. VAT at 21.00% 356.25",
                  "VAT 21.00% 74.81", "Total excl. VAT 856.25", "VAT 74.81",
                  "Total incl. VAT 931.06"):
        assert total in text, total


async def test_reading_a_specification_costs_a_fixed_number_of_statements(
    state: AppState, owner: Member, other_owner: Member
) -> None:
    small = await _invoice(state, owner, 5)
    large = await _invoice(state, other_owner, 200)
    counts = []
    for member, invoice_id in ((owner, small), (other_owner, large)):
        async with state.sessionmaker() as session:
            with count_statements(state) as statements:
                spec = await load_specification(session, member.workspace_id, invoice_id)
        assert spec is not None
        counts.append(len(statements))
    assert counts[0] == counts[1] == 5, counts
    # Another workspace's invoice is no invoice.
    async with state.sessionmaker() as session:
        assert await load_specification(session, owner.workspace_id, large) is None
