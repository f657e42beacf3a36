"""Pure line building: registrations in, invoice lines and totals out (no database, no I/O).

Rules (issue 7):

- Hours: product = the activity's product, else the default product; quantity = hours;
  price = the entry's rate snapshot. ``groupBy`` combines entries into one line per entry,
  activity, project, user or date — but entries with a different rate or product never
  share a line (a line has one price and one product).
- Expenses: product = the category's product, else the default; one line per expense with
  its quantity and unit price.
- Trips: product = the trip product, else the default; one line per trip, quantity = km,
  price = the trip's rate, description "from → to".
- Amount = shown quantity × shown price, rounded half-up to cents. VAT is the product's,
  per rate on the totals (as WeFact computes it).
- Line texts (issue 17): a workspace template for the grouping words its hours lines
  (``line_texts``); without one, the built-in texts below.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from graphql_api.models import LineKind
from graphql_api.services.invoicing.line_texts import (
    LineFacts,
    LineTemplate,
    parse_template,
    period_text,
    placeholder_values,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def money(value: Decimal) -> Decimal:
    """Half-up to cents: the only rounding used for amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class GroupBy(enum.Enum):
    """How hours are combined into lines (expenses and trips always get a line each)."""

    ENTRY = "ENTRY"
    ACTIVITY = "ACTIVITY"
    PROJECT = "PROJECT"
    USER = "USER"
    DATE = "DATE"


def stored_templates(stored: Mapping[str, str] | None) -> dict[GroupBy, LineTemplate]:
    """The workspace's saved line texts by grouping. One that no longer parses (saved under
    other rules) gives way to the built-in text rather than stopping invoicing."""
    templates: dict[GroupBy, LineTemplate] = {}
    for name, source in (stored or {}).items():
        try:
            templates[GroupBy(name)] = parse_template(source)
        except ValueError:  # an unknown grouping, or a TemplateError
            continue
    return templates


class RegKind(enum.Enum):
    """The three kinds of registration an invoice bills."""

    TIME_ENTRY = "TimeEntry"
    EXPENSE = "Expense"
    TRIP = "Trip"


@dataclass(frozen=True)
class RegKey:
    """One registration: its kind and primary key."""

    kind: RegKind
    pk: int


@dataclass(frozen=True)
class Billable:
    """A registration reduced to what a line needs (built from the rows by ``selection``)."""

    key: RegKey
    label: str
    """The global id the caller sent, used in messages."""
    date: dt.date
    quantity: Decimal
    price: Decimal
    product_code: str
    description: str
    """The text of a line for this registration alone (ENTRY grouping, expenses, trips)."""
    project_id: int
    project_name: str
    activity_id: int | None = None
    activity_name: str | None = None
    user_id: int | None = None
    user_name: str | None = None
    notes: str | None = None
    """A time entry's notes (line-text templates show them)."""


@dataclass
class LineDraft:
    """One line to record and send."""

    position: int
    kind: LineKind
    product_code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_percentage: Decimal | None
    date: dt.date
    period_start: dt.date
    period_end: dt.date
    covers: list[RegKey] = field(default_factory=list)
    project_id: int | None = None
    """The project a FIXED_PRICE or SUBSCRIPTION line bills (registrations carry their own)."""


@dataclass(frozen=True)
class RateTotal:
    """Totals of the lines with one VAT rate."""

    tax_percentage: Decimal | None
    amount_excl: Decimal
    amount_tax: Decimal
    amount_incl: Decimal


@dataclass(frozen=True)
class Totals:
    """Invoice totals: per rate, and overall."""

    per_rate: tuple[RateTotal, ...]
    amount_excl: Decimal
    amount_tax: Decimal
    amount_incl: Decimal


class Dated(Protocol):
    """A line as recorded: what it bills and the days it covers."""

    @property
    def kind(self) -> LineKind: ...

    @property
    def period_start(self) -> dt.date | None: ...

    @property
    def period_end(self) -> dt.date | None: ...


def carries_period(line: Dated) -> bool:
    """Whether the line is sent with its period (WeFact StartDate/EndDate, HostFact
    StartPeriod): a subscription period, and an hours line of one day — so ENTRY lines with
    the same text still tell apart by their date on the invoice."""
    if line.kind is LineKind.SUBSCRIPTION:
        return True
    return (
        line.kind is LineKind.HOURS
        and line.period_start is not None
        and line.period_start == line.period_end
    )


def totals(lines: Iterable[LineDraft]) -> Totals:
    """VAT per rate on the summed line amounts (rounded per rate), like WeFact does."""
    per_rate: dict[Decimal | None, Decimal] = defaultdict(Decimal)
    for line in lines:
        per_rate[line.tax_percentage] += line.amount
    rates = []
    for rate in sorted(per_rate, key=lambda r: (r is None, r or Decimal(0))):
        excl = money(per_rate[rate])
        tax = money(excl * rate / HUNDRED) if rate is not None else Decimal("0.00")
        rates.append(RateTotal(rate, excl, tax, excl + tax))
    excl = sum((r.amount_excl for r in rates), Decimal("0.00"))
    tax = sum((r.amount_tax for r in rates), Decimal("0.00"))
    return Totals(tuple(rates), excl, tax, excl + tax)


def _hours_group(item: Billable, group_by: GroupBy) -> Hashable:
    if group_by is GroupBy.ENTRY:
        return ("entry", item.key.pk)
    if group_by is GroupBy.ACTIVITY:
        return ("activity", item.activity_id)
    if group_by is GroupBy.PROJECT:
        return ("project", item.project_id)
    if group_by is GroupBy.USER:
        return ("user", item.user_id)
    return ("date", item.date)


_period = period_text


def _hours_description(
    items: Sequence[Billable], group_by: GroupBy, template: LineTemplate | None = None
) -> str:
    """The text of a combined hours line: the workspace's template for the grouping, else
    what it groups by plus what all items share."""
    if template is not None:
        return template.render(placeholder_values([
            LineFacts(i.date, i.project_name, i.activity_name, i.user_name, i.notes)
            for i in items
        ]))
    first = items[0]
    if group_by is GroupBy.ENTRY:
        return first.description
    projects = {i.project_id for i in items}
    activities = {i.activity_id for i in items}
    start, end = min(i.date for i in items), max(i.date for i in items)
    project = first.project_name if len(projects) == 1 else None
    activity = first.activity_name if len(activities) == 1 else None
    if group_by is GroupBy.ACTIVITY:
        parts = [first.activity_name or "", project]
    elif group_by is GroupBy.PROJECT:
        parts = [first.project_name, activity]
    elif group_by is GroupBy.USER:
        parts = [first.user_name or "", project, activity]
    else:
        parts = [project, activity]
    text = " – ".join(p for p in parts if p)
    return f"{text} ({_period(start, end)})" if text else _period(start, end)


def build_lines(
    hours: Sequence[Billable],
    expenses: Sequence[Billable],
    trips: Sequence[Billable],
    *,
    group_by: GroupBy,
    vat: dict[str, Decimal | None],
    templates: Mapping[GroupBy, LineTemplate] | None = None,
) -> list[LineDraft]:
    """Lines of one invoice: hours (grouped), then expenses, then trips, each by date.
    ``templates``: the workspace's hours line texts per grouping."""
    template = (templates or {}).get(group_by)
    lines: list[LineDraft] = []

    def add(kind: LineKind, items: Sequence[Billable], description: str) -> None:
        first = items[0]
        quantity = sum((i.quantity for i in items), Decimal("0.00"))
        start, end = min(i.date for i in items), max(i.date for i in items)
        lines.append(
            LineDraft(
                position=len(lines) + 1,
                kind=kind,
                product_code=first.product_code,
                description=description,
                quantity=quantity,
                unit_price=first.price,
                amount=money(quantity * first.price),
                tax_percentage=vat.get(first.product_code),
                date=start,
                period_start=start,
                period_end=end,
                covers=[i.key for i in items],
            )
        )

    groups: dict[Hashable, list[Billable]] = {}
    ordered = sorted(hours, key=lambda i: (i.date, i.key.pk))
    for item in ordered:
        # Rate and product are always part of the key: a line has one price and product.
        key = (_hours_group(item, group_by), item.price, item.product_code)
        groups.setdefault(key, []).append(item)
    for items in groups.values():
        add(LineKind.HOURS, items, _hours_description(items, group_by, template))
    for item in sorted(expenses, key=lambda i: (i.date, i.key.pk)):
        add(LineKind.EXPENSE, [item], item.description)
    for item in sorted(trips, key=lambda i: (i.date, i.key.pk)):
        add(LineKind.TRIP, [item], item.description)
    return lines
