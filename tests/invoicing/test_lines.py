"""Line building without a database: rounding, grouping keys, totals per VAT rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from graphql_api.models import LineKind
from graphql_api.services.invoicing.lines import (
    Billable,
    GroupBy,
    RegKey,
    RegKind,
    build_lines,
    money,
    totals,
)

DAY = dt.date(2026, 3, 2)


def hours(pk: int, quantity: str, price: str, *, product: str = "P1", activity: int = 1,
          date: dt.date = DAY) -> Billable:
    return Billable(
        key=RegKey(RegKind.TIME_ENTRY, pk), label=f"e{pk}", date=date,
        quantity=Decimal(quantity), price=Decimal(price), product_code=product,
        description=f"entry {pk}", project_id=1, project_name="Shop",
        activity_id=activity, activity_name=f"A{activity}", user_id=1, user_name="Ann",
    )


def test_amounts_round_half_up_to_cents() -> None:
    assert money(Decimal("0.125")) == Decimal("0.13")  # banker's rounding would give 0.12
    assert money(Decimal("2.675")) == Decimal("2.68")
    assert money(Decimal("-0.125")) == Decimal("-0.13")
    [line] = build_lines([hours(1, "0.25", "0.50")], [], [], group_by=GroupBy.ENTRY, vat={})
    assert line.amount == Decimal("0.13")  # 0.125


def test_a_line_has_one_rate_and_one_product() -> None:
    items = [
        hours(1, "1.00", "95.00"),
        hours(2, "2.00", "95.00"),
        hours(3, "1.00", "80.00"),
        hours(4, "1.00", "95.00", product="P2"),
    ]
    lines = build_lines(items, [], [], group_by=GroupBy.ACTIVITY,
                        vat={"P1": Decimal(21), "P2": Decimal(9)})
    assert [(ln.product_code, ln.unit_price, ln.quantity, [k.pk for k in ln.covers])
            for ln in lines] == [
        ("P1", Decimal("95.00"), Decimal("3.00"), [1, 2]),
        ("P1", Decimal("80.00"), Decimal("1.00"), [3]),
        ("P2", Decimal("95.00"), Decimal("1.00"), [4]),
    ]
    assert [ln.position for ln in lines] == [1, 2, 3]
    assert {ln.kind for ln in lines} == {LineKind.HOURS}


def test_grouped_amount_is_quantity_times_price_not_a_sum_of_roundings() -> None:
    # Three entries of 0.33 h at 0.50: 3 × round(0.165)=0.51, but the line shows 0.99 × 0.50.
    items = [hours(pk, "0.33", "0.50") for pk in (1, 2, 3)]
    [line] = build_lines(items, [], [], group_by=GroupBy.PROJECT, vat={})
    assert (line.quantity, line.amount) == (Decimal("0.99"), Decimal("0.50"))


def test_vat_is_computed_per_rate_on_the_totals() -> None:
    items = [hours(1, "1.00", "0.05", product="A"), hours(2, "1.00", "0.05", product="A",
                                                          activity=2)]
    lines = build_lines(items, [], [], group_by=GroupBy.ENTRY, vat={"A": Decimal(21)})
    result = totals(lines)
    # Per line 0.0105 → 0.01 twice would be 0.02; on the rate total 0.10 × 21% = 0.021 → 0.02.
    assert (result.amount_excl, result.amount_tax, result.amount_incl) == (
        Decimal("0.10"), Decimal("0.02"), Decimal("0.12"),
    )
    assert len(result.per_rate) == 1
