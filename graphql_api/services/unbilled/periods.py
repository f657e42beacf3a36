"""Pure arithmetic of what a fixed price or a subscription has due by a date (no I/O).

Subscriptions
    Periods follow the subscription's own calendar: period *n* runs from ``start + n × interval``
    to the day before period *n + 1* (months are added with the day clamped to the month's
    end, always from the start date, so 31 Jan → 28 Feb → 31 Mar). A period is billed in
    advance: it is due once its first day is on or before ``until``.

    ``billed_until`` is the last day already billed. Periods after it are due; a period it
    falls inside is due for its remaining days only (pro rata). The end date cuts the last
    period off: no period starts after it, and a period it falls inside is billed pro rata for
    its days up to the end date. Pro rata = amount × days billed / days of the whole period,
    rounded half-up to cents.

    Released periods (on a released or failed invoice, and not on any live invoice) before
    ``billed_until`` are due again too: releasing an invoice never makes a period get lost,
    even when a later period is still invoiced (see ``graphql_api.services.unbilled``).

Fixed prices
    Without instalments the whole price is due once the project has started (its start date
    is on or before ``until``, or it has none). With *n* > 1 instalments and both a start and
    an end date, instalment *k* (0-based) is due on ``start + ⌊k × days / n⌋`` where ``days``
    is the project's length in days counting both ends: the first is due at the start, the
    rest spread evenly, in advance like subscriptions. Each instalment is the price / n rounded
    half-up to cents; the last takes the rounding difference so they add up to the price.
    Without both dates instalments cannot be spread: the price is due as without instalments.
    What is due is the instalments due so far minus what was invoiced already (never below 0).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from graphql_api.models import SubscriptionInterval

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)

MONTHS = {
    SubscriptionInterval.MONTH: 1,
    SubscriptionInterval.QUARTER: 3,
    SubscriptionInterval.HALF_YEAR: 6,
    SubscriptionInterval.YEAR: 12,
}

MAX_PERIODS = 240
"""Periods billed at once per project (20 years of months); the rest stays due for the next
invoice — ``billed_until`` only moves past what was billed, so nothing is skipped."""


def money(value: Decimal) -> Decimal:
    """Half-up to cents, the one rounding rule for amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Subscription:
    """What the arithmetic needs of a subscription project."""

    amount: Decimal
    interval: SubscriptionInterval
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True)
class Period:
    """One subscription period to bill; ``full`` is False when cut off (pro rata)."""

    start: dt.date
    end: dt.date
    amount: Decimal
    full: bool


def _grid(sub: Subscription, first_index: int = 0) -> Iterator[tuple[dt.date, dt.date]]:
    months = MONTHS[sub.interval]
    index = first_index
    while True:
        yield (
            add_months(sub.start, index * months),
            add_months(sub.start, (index + 1) * months) - ONE_DAY,
        )
        index += 1


def _index_near(sub: Subscription, day: dt.date) -> int:
    """A grid index at or just before the period containing ``day`` (skips the loop ahead)."""
    months = (day.year - sub.start.year) * 12 + day.month - sub.start.month
    return max(0, months // MONTHS[sub.interval] - 1)


def _containing(sub: Subscription, day: dt.date) -> tuple[dt.date, dt.date]:
    for start, end in _grid(sub, _index_near(sub, day)):
        if end >= day:
            return start, end
    raise AssertionError("unreachable: the grid is endless")


def _priced(sub: Subscription, start: dt.date, end: dt.date) -> Period:
    """The period ``start``–``end`` (inside one grid period) at its full or pro rata amount."""
    grid_start, grid_end = _containing(sub, max(start, sub.start))
    if (start, end) == (grid_start, grid_end):
        return Period(start, end, money(sub.amount), True)
    days = (end - start).days + 1
    whole = (grid_end - grid_start).days + 1
    return Period(start, end, money(sub.amount * days / whole), False)


def due_periods(
    sub: Subscription,
    *,
    billed_until: dt.date | None,
    until: dt.date,
    released: Sequence[tuple[dt.date, dt.date]] = (),
    limit: int = MAX_PERIODS,
) -> list[Period]:
    """The periods due by ``until``, oldest first (at most ``limit``).

    ``released``: periods of released or failed invoices that no live invoice covers; those
    on or before ``billed_until`` are due again as they were billed (cut off at the end date).
    """
    periods: list[Period] = []
    for start, released_end in sorted(set(released)):
        if billed_until is None or start > billed_until:
            continue  # the regular periods below cover it
        end = released_end if sub.end is None else min(released_end, sub.end)
        if start > until or start > end or (periods and start <= periods[-1].end):
            continue
        periods.append(_priced(sub, start, end))
    first = sub.start if billed_until is None else max(sub.start, billed_until + ONE_DAY)
    for grid_start, grid_end in _grid(sub, _index_near(sub, first)):
        if grid_end < first:
            continue
        start = max(grid_start, first)
        end = grid_end if sub.end is None else min(grid_end, sub.end)
        if start > until or start > end or len(periods) >= limit:
            break
        periods.append(_priced(sub, start, end))
    return sorted(periods, key=lambda p: p.start)[:limit]


@dataclass(frozen=True)
class FixedPriceDue:
    """What a fixed price has due: ``due`` is what to invoice now."""

    price: Decimal
    invoiced: Decimal
    remaining: Decimal
    due: Decimal
    instalments: int
    """How many instalments the price is split into (1 without instalments)."""
    instalments_due: int
    """How many of them are due by the date (all of them when the price is due at once)."""
    first_due_instalment: int
    """The first instalment (1-based) not yet fully invoiced: the invoice covers this one up
    to ``instalments_due``."""


def instalment_schedule(
    price: Decimal, instalments: int | None, start: dt.date | None, end: dt.date | None
) -> list[tuple[dt.date | None, Decimal]]:
    """``(due date, amount)`` per instalment; a None date means "due at once"."""
    count = instalments or 1
    if count <= 1 or start is None or end is None or end < start:
        return [(start, money(price))]
    each = money(price / count)
    days = (end - start).days + 1
    schedule: list[tuple[dt.date | None, Decimal]] = [
        (start + dt.timedelta(days=k * days // count), each) for k in range(count)
    ]
    last_day, _ = schedule[-1]
    schedule[-1] = (last_day, money(price) - each * (count - 1))
    return schedule


def fixed_price_due(
    price: Decimal,
    instalments: int | None,
    *,
    start: dt.date | None,
    end: dt.date | None,
    invoiced: Decimal,
    until: dt.date,
) -> FixedPriceDue:
    """What of ``price`` is due by ``until`` after ``invoiced`` was invoiced already."""
    schedule = instalment_schedule(price, instalments, start, end)
    due_count = sum(1 for day, _ in schedule if day is None or day <= until)
    cumulative = sum((amount for _, amount in schedule[:due_count]), ZERO)
    # Instalments fully covered by what was invoiced already (due or not).
    covered = 0
    running = ZERO
    for _, amount in schedule:
        running += amount
        if running > invoiced:
            break
        covered += 1
    remaining = max(money(price) - invoiced, ZERO)
    due = max(min(cumulative, money(price)) - invoiced, ZERO)
    return FixedPriceDue(
        price=money(price),
        invoiced=invoiced,
        remaining=remaining,
        due=due,
        instalments=len(schedule),
        instalments_due=due_count,
        first_due_instalment=min(covered + 1, len(schedule)),
    )
