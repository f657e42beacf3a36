"""Subscription periods and fixed-price instalments: the pure arithmetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from graphql_api.models import SubscriptionInterval
from graphql_api.services.unbilled.periods import (
    Period,
    Subscription,
    add_months,
    due_periods,
    fixed_price_due,
    instalment_schedule,
)

D = dt.date
MONTHLY = Subscription(Decimal("100.00"), SubscriptionInterval.MONTH, D(2026, 1, 15))


def test_add_months_clamps_from_the_start_each_time() -> None:
    start = D(2026, 1, 31)
    assert [add_months(start, n) for n in range(4)] == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)
    ]
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)


def test_periods_follow_the_start_date_and_are_billed_in_advance() -> None:
    # Started mid-month: periods run 15th to 14th; the one starting on `until` is due.
    periods = due_periods(MONTHLY, billed_until=None, until=D(2026, 3, 15))
    assert periods == [
        Period(D(2026, 1, 15), D(2026, 2, 14), Decimal("100.00"), True),
        Period(D(2026, 2, 15), D(2026, 3, 14), Decimal("100.00"), True),
        Period(D(2026, 3, 15), D(2026, 4, 14), Decimal("100.00"), True),
    ]
    assert due_periods(MONTHLY, billed_until=None, until=D(2026, 1, 14)) == []


def test_billed_until_is_never_billed_again_nor_skipped() -> None:
    periods = due_periods(MONTHLY, billed_until=D(2026, 2, 14), until=D(2026, 4, 1))
    assert [(p.start, p.end) for p in periods] == [
        (D(2026, 2, 15), D(2026, 3, 14)), (D(2026, 3, 15), D(2026, 4, 14))
    ]
    # Everything up to the date billed: nothing due.
    assert due_periods(MONTHLY, billed_until=D(2026, 4, 14), until=D(2026, 4, 14)) == []
    # Billed up to a day inside a period: the rest of it, pro rata (14 of 28 days).
    partial = due_periods(MONTHLY, billed_until=D(2026, 2, 28), until=D(2026, 3, 1))
    assert partial == [Period(D(2026, 3, 1), D(2026, 3, 14), Decimal("50.00"), False)]


def test_interval_lengths() -> None:
    start = D(2026, 1, 1)
    for interval, ends in [
        (SubscriptionInterval.QUARTER, [D(2026, 3, 31), D(2026, 6, 30)]),
        (SubscriptionInterval.HALF_YEAR, [D(2026, 6, 30), D(2026, 12, 31)]),
        (SubscriptionInterval.YEAR, [D(2026, 12, 31), D(2027, 12, 31)]),
    ]:
        sub = Subscription(Decimal("300.00"), interval, start)
        periods = due_periods(sub, billed_until=None, until=ends[0] + dt.timedelta(days=1))
        assert [p.end for p in periods] == ends


def test_end_date_cuts_the_last_period_pro_rata_and_stops() -> None:
    # Quarterly from 1 Jan, ending 15 May: Q2 is billed for 1 Apr–15 May (45 of 91 days).
    sub = Subscription(Decimal("910.00"), SubscriptionInterval.QUARTER, D(2026, 1, 1),
                       end=D(2026, 5, 15))
    periods = due_periods(sub, billed_until=None, until=D(2027, 1, 1))
    assert periods == [
        Period(D(2026, 1, 1), D(2026, 3, 31), Decimal("910.00"), True),
        Period(D(2026, 4, 1), D(2026, 5, 15), Decimal("450.00"), False),
    ]
    assert due_periods(sub, billed_until=D(2026, 5, 15), until=D(2027, 1, 1)) == []


def test_released_periods_before_billed_until_are_due_again() -> None:
    # Feb was released while Mar is still invoiced (billed_until stays 14 Apr).
    released = [(D(2026, 2, 15), D(2026, 3, 14))]
    periods = due_periods(MONTHLY, billed_until=D(2026, 4, 14), until=D(2026, 4, 14),
                          released=released)
    assert periods == [Period(D(2026, 2, 15), D(2026, 3, 14), Decimal("100.00"), True)]
    # Released periods after billed_until are the regular ones: not listed twice.
    periods = due_periods(MONTHLY, billed_until=D(2026, 2, 14), until=D(2026, 2, 20),
                          released=released)
    assert [(p.start, p.end) for p in periods] == [(D(2026, 2, 15), D(2026, 3, 14))]
    # Nothing billed at all (rewound to before the start): each period once.
    periods = due_periods(MONTHLY, billed_until=None, until=D(2026, 2, 20),
                          released=[(D(2026, 1, 15), D(2026, 2, 14)), *released])
    assert [p.start for p in periods] == [D(2026, 1, 15), D(2026, 2, 15)]


def test_period_limit_leaves_the_rest_due() -> None:
    periods = due_periods(MONTHLY, billed_until=None, until=D(2030, 1, 1), limit=3)
    assert [p.start for p in periods] == [D(2026, 1, 15), D(2026, 2, 15), D(2026, 3, 15)]


def test_instalments_spread_evenly_from_start_to_end() -> None:
    schedule = instalment_schedule(Decimal("1000.00"), 3, D(2026, 1, 1), D(2026, 12, 31))
    # 365 days: due on day 0, 121 and 243; the last instalment takes the cent.
    assert schedule == [
        (D(2026, 1, 1), Decimal("333.33")),
        (D(2026, 5, 2), Decimal("333.33")),
        (D(2026, 9, 1), Decimal("333.34")),
    ]
    assert instalment_schedule(Decimal("1000.00"), 3, None, D(2026, 12, 31)) == [
        (None, Decimal("1000.00"))
    ]


def test_fixed_price_due_by_instalments_minus_invoiced() -> None:
    def due(until: dt.date, invoiced: str) -> tuple[Decimal, Decimal, int, int]:
        result = fixed_price_due(
            Decimal("1000.00"), 3, start=D(2026, 1, 1), end=D(2026, 12, 31),
            invoiced=Decimal(invoiced), until=until,
        )
        return (result.due, result.remaining, result.instalments_due,
                result.first_due_instalment)

    assert due(D(2025, 12, 31), "0") == (Decimal("0.00"), Decimal("1000.00"), 0, 1)
    assert due(D(2026, 6, 1), "0") == (Decimal("666.66"), Decimal("1000.00"), 2, 1)
    assert due(D(2026, 6, 1), "333.33") == (Decimal("333.33"), Decimal("666.67"), 2, 2)
    assert due(D(2026, 6, 1), "666.66") == (Decimal("0.00"), Decimal("333.34"), 2, 3)
    assert due(D(2027, 1, 1), "666.66") == (Decimal("333.34"), Decimal("333.34"), 3, 3)


def test_fixed_price_without_instalments_is_due_once_started() -> None:
    def due(start: dt.date | None, invoiced: str = "0") -> Decimal:
        return fixed_price_due(Decimal("500.00"), None, start=start, end=None,
                               invoiced=Decimal(invoiced), until=D(2026, 3, 1)).due

    assert due(None) == Decimal("500.00")
    assert due(D(2026, 3, 1)) == Decimal("500.00")
    assert due(D(2026, 3, 2)) == Decimal("0.00")
    assert due(None, "500.00") == Decimal("0.00")
