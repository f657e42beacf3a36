"""The hours specification: a PDF of everything an invoice bills, grouped as its lines are.

``load_specification`` reads one invoice with its lines and every registration they cover in
a fixed number of queries (however many registrations); ``render_specification`` turns that
into PDF bytes (fpdf2, pure Python: callers run it in a thread so the event loop stays free).

What it shows: our reference (the invoice's ReferenceNumber in WeFact, so the two documents
match) and WeFact's number, the customer, the period, then per invoice line its text and
quantity × price = amount, with the registrations it covers beneath — date, user, project,
activity (expense category, "Trip"), notes (expense description, the route), hours (units,
km), rate, amount. The totals are the invoice's own: line amounts summed per VAT rate, VAT
per rate half-up to cents (``lines.totals``, exactly as the invoice was computed), so the PDF
never disagrees with the invoice. Each registration's amount is its shown quantity × shown
rate; the line's amount is the line's quantity × price, which is what is billed.

Text is set in DejaVu Sans (shipped in ``graphql_api/static/fonts``): fpdf2's built-in fonts
are Latin-1 only. Long notes wrap within their cell; a page break repeats the table head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.models import (
    Activity,
    Customer,
    Expense,
    ExpenseCategory,
    Invoice,
    InvoiceLine,
    LineKind,
    Project,
    Subscription,
    TimeEntry,
    Trip,
    User,
    Workspace,
)
from graphql_api.services.invoicing.lines import LineDraft, Totals, money, totals

FONT_FAMILY = "DejaVu"
_FONTS = resources.files("graphql_api") / "static" / "fonts"
_PROVIDERS = {Subscription.WEFACT: "WeFact", Subscription.HOSTFACT: "HostFact"}


@dataclass(frozen=True)
class SpecEntry:
    """One registration on the specification."""

    date: dt.date
    user: str
    project: str
    activity: str
    notes: str
    quantity: Decimal
    rate: Decimal

    @property
    def amount(self) -> Decimal:
        """The shown quantity × the shown rate, half-up to cents."""
        return money(self.quantity * self.rate)


@dataclass(frozen=True)
class SpecLine:
    """One invoice line and the registrations it covers (none for a fixed price or a
    subscription period)."""

    position: int
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_percentage: Decimal | None
    period_start: dt.date | None
    period_end: dt.date | None
    entries: tuple[SpecEntry, ...] = ()


@dataclass(frozen=True)
class Specification:
    """Everything the PDF shows, read from our records."""

    sender: str
    provider: str
    reference: str
    provider_code: str | None
    invoice_date: dt.date
    customer: str
    customer_number: str | None
    lines: tuple[SpecLine, ...]
    totals: Totals = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", totals(_as_drafts(self.lines)))

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        """The first and last day the invoice bills (the invoice date if no line says)."""
        days = [d for line in self.lines for d in (line.period_start, line.period_end) if d]
        days += [entry.date for line in self.lines for entry in line.entries]
        return (min(days), max(days)) if days else (self.invoice_date, self.invoice_date)

    @property
    def entry_count(self) -> int:
        """How many registrations it lists."""
        return sum(len(line.entries) for line in self.lines)


def _as_drafts(lines: Sequence[SpecLine]) -> list[LineDraft]:
    """The lines as the invoice computed its totals from (amount and VAT rate are what
    count)."""
    return [
        LineDraft(
            position=line.position, kind=line.kind, product_code="",
            description=line.description, quantity=line.quantity, unit_price=line.unit_price,
            amount=line.amount, tax_percentage=line.tax_percentage,
            date=line.period_start or dt.date.min, period_start=line.period_start or dt.date.min,
            period_end=line.period_end or dt.date.min,
        )
        for line in lines
    ]


# ---------------------------------------------------------------- reading


async def load_specification(
    session: AsyncSession, workspace_id: int, invoice_id: int
) -> Specification | None:
    """The specification of one invoice of the workspace; None when there is none.

    Five queries however many registrations: the invoice with its customer and workspace,
    its lines, and one joined query per kind of registration."""
    head = (
        await session.execute(
            select(Invoice, Customer.name, Customer.customer_number, Workspace.name)
            .join(Customer, Customer.id == Invoice.customer_id)
            .join(Workspace, Workspace.id == Invoice.workspace_id)
            .where(Invoice.id == invoice_id, Invoice.workspace_id == workspace_id)
        )
    ).first()
    if head is None:
        return None
    invoice, customer_name, customer_number, sender = head
    lines = list(
        await session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.position, InvoiceLine.id)
        )
    )
    entries = await _entries(session, workspace_id, [line.id for line in lines])
    return Specification(
        sender=sender,
        provider=_PROVIDERS.get(invoice.provider, "WeFact"),
        reference=invoice.reference,
        provider_code=invoice.wefact_code,
        invoice_date=invoice.invoice_date,
        customer=customer_name,
        customer_number=invoice.debtor_code or customer_number,
        lines=tuple(
            SpecLine(
                position=line.position,
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_percentage=line.tax_percentage,
                period_start=line.period_start,
                period_end=line.period_end,
                entries=tuple(sorted(entries.get(line.id, []), key=lambda e: e.date)),
            )
            for line in lines
        ),
    )


def _line_of(row: TimeEntry | Expense | Trip) -> int:
    line_id = row.invoice_line_id
    assert line_id is not None  # selected by their line
    return line_id


async def _entries(
    session: AsyncSession, workspace_id: int, line_ids: list[int]
) -> dict[int, list[SpecEntry]]:
    """The registrations the lines cover, by line: one query per kind, names joined in."""
    found: dict[int, list[SpecEntry]] = {}
    if not line_ids:
        return found
    hours = await session.execute(
        select(TimeEntry, User.name, Project.name, Activity.name)
        .join(User, User.id == TimeEntry.user_id)
        .join(Project, Project.id == TimeEntry.project_id)
        .join(Activity, Activity.id == TimeEntry.activity_id)
        .where(TimeEntry.workspace_id == workspace_id, TimeEntry.invoice_line_id.in_(line_ids))
        .order_by(TimeEntry.date, TimeEntry.id)
    )
    for entry, user, project, activity in hours:
        found.setdefault(_line_of(entry), []).append(
            SpecEntry(entry.date, user, project, activity, entry.notes or "", entry.hours,
                      entry.rate)
        )
    costs = await session.execute(
        select(Expense, User.name, Project.name, ExpenseCategory.name)
        .join(User, User.id == Expense.user_id)
        .join(Project, Project.id == Expense.project_id)
        .join(ExpenseCategory, ExpenseCategory.id == Expense.category_id)
        .where(Expense.workspace_id == workspace_id, Expense.invoice_line_id.in_(line_ids))
        .order_by(Expense.date, Expense.id)
    )
    for expense, user, project, category in costs:
        found.setdefault(_line_of(expense), []).append(
            SpecEntry(expense.date, user, project, category, expense.description,
                      expense.quantity, expense.unit_price)
        )
    trips = await session.execute(
        select(Trip, User.name, Project.name)
        .join(User, User.id == Trip.user_id)
        .join(Project, Project.id == Trip.project_id)
        .where(Trip.workspace_id == workspace_id, Trip.invoice_line_id.in_(line_ids))
        .order_by(Trip.date, Trip.id)
    )
    for trip, user, project in trips:
        found.setdefault(_line_of(trip), []).append(
            SpecEntry(trip.date, user, project, "Trip",
                      f"{trip.from_address} → {trip.to_address}", trip.distance_km, trip.rate)
        )
    return found


# ---------------------------------------------------------------- rendering

_COLUMNS = ("Date", "User", "Project", "Activity", "Notes", "Qty", "Rate", "Amount")
_WIDTHS = (20, 21, 24, 22, 43, 14, 15, 21)
_NUMERIC = (5, 6, 7)
_UNITS = {LineKind.HOURS: "h", LineKind.TRIP: "km"}


def amount_text(value: Decimal) -> str:
    """Money and quantities as the API shows them: two places, a dot, no separators."""
    return format(value.quantize(Decimal("0.01")), "f")


def _provider_number(spec: Specification) -> str:
    if spec.provider_code and not spec.provider_code.startswith("[concept]"):
        return spec.provider_code
    # A concept's "[concept]0001" means nothing to the customer: the number comes with sending.
    if spec.provider_code:
        return f"numbered by {spec.provider} when the invoice is sent"
    return f"not yet made in {spec.provider}"


def _vat_label(rate: Decimal | None) -> str:
    return f"{amount_text(rate)}%" if rate is not None else "no VAT rate"


class _Document(FPDF):
    """A4 portrait; a running header and page numbers on every page."""

    def __init__(self, spec: Specification) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.spec = spec
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=16)
        fonts = Path(str(_FONTS))
        self.add_font(FONT_FAMILY, "", fonts / "DejaVuSans.ttf")
        self.add_font(FONT_FAMILY, "B", fonts / "DejaVuSans-Bold.ttf")
        self.set_title(f"Hours specification {spec.reference}")
        self.set_author(spec.sender)
        self.set_creator("graphql-api")

    def header(self) -> None:
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"Hours specification · {self.spec.customer} · {self.spec.reference}",
                  new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)


def render_specification(spec: Specification) -> bytes:
    """The PDF (bytes) of ``spec``."""
    pdf = _Document(spec)
    pdf.add_page()
    _title(pdf, spec)
    _table(pdf, spec)
    _totals(pdf, spec)
    return bytes(pdf.output())


def _title(pdf: _Document, spec: Specification) -> None:
    pdf.set_font(FONT_FAMILY, "B", 16)
    pdf.cell(0, 9, "Hours specification", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 9)
    start, end = spec.period
    customer = spec.customer + (f" ({spec.customer_number})" if spec.customer_number else "")
    facts = (
        ("From", spec.sender),
        ("Customer", customer),
        (f"{spec.provider} invoice", _provider_number(spec)),
        ("Our reference", spec.reference),
        ("Invoice date", spec.invoice_date.isoformat()),
        ("Period", start.isoformat() if start == end else f"{start} – {end}"),
        ("Registrations", str(spec.entry_count)),
    )
    for label, value in facts:
        pdf.set_font(FONT_FAMILY, "B", 9)
        pdf.cell(32, 5, label)
        pdf.set_font(FONT_FAMILY, "", 9)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(pdf: _Document, spec: Specification) -> None:
    pdf.set_font(FONT_FAMILY, "", 8)
    group = FontFace(emphasis="BOLD", fill_color=(232, 236, 242))
    with pdf.table(
        col_widths=_WIDTHS,
        width=sum(_WIDTHS),
        text_align=tuple("RIGHT" if i in _NUMERIC else "LEFT" for i in range(len(_COLUMNS))),
        headings_style=FontFace(emphasis="BOLD", fill_color=(210, 217, 228)),
        line_height=4.2,
        padding=1,
        cell_fill_mode=TableCellFillMode.NONE,
        repeat_headings=1,
    ) as table:
        table.row(_COLUMNS)
        for line in spec.lines:
            unit = _UNITS.get(line.kind, "")
            quantity = f"{amount_text(line.quantity)}{f' {unit}' if unit else ''}"
            row = table.row(style=group)
            row.cell(
                f"{line.position}. {line.description} — {quantity} × "
                f"{amount_text(line.unit_price)} · VAT {_vat_label(line.tax_percentage)}",
                colspan=len(_COLUMNS) - 1,
                align="LEFT",
            )
            row.cell(amount_text(line.amount), align="RIGHT")
            for entry in line.entries:
                table.row(
                    (
                        entry.date.isoformat(),
                        entry.user,
                        entry.project,
                        entry.activity,
                        entry.notes,
                        amount_text(entry.quantity),
                        amount_text(entry.rate),
                        amount_text(entry.amount),
                    )
                )


def _totals(pdf: _Document, spec: Specification) -> None:
    pdf.ln(4)
    label_width, value_width = 60, 25
    left = pdf.l_margin + sum(_WIDTHS) - label_width - value_width

    def total(label: str, value: Decimal, *, bold: bool = False) -> None:
        pdf.set_x(left)
        pdf.set_font(FONT_FAMILY, "B" if bold else "", 9)
        pdf.cell(label_width, 5.5, label)
        pdf.cell(value_width, 5.5, amount_text(value), align="R", new_x="LMARGIN",
                 new_y="NEXT")

    for rate in spec.totals.per_rate:
        label = _vat_label(rate.tax_percentage)
        total(f"Excl. VAT at {label}", rate.amount_excl)
        total(f"VAT {label}", rate.amount_tax)
    total("Total excl. VAT", spec.totals.amount_excl, bold=True)
    total("VAT", spec.totals.amount_tax, bold=True)
    total("Total incl. VAT", spec.totals.amount_incl, bold=True)
