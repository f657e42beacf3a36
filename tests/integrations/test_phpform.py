"""Form encoding, value coercion and URL normalisation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from integrations.coerce import to_date, to_datetime, to_decimal, to_int, to_money
from integrations.hostfact import hostfact_endpoint, normalize_hostfact_url
from integrations.phpform import decode_form, encode_form


def test_nested_data_uses_php_brackets() -> None:
    pairs = encode_form(
        {
            "DebtorCode": "DB10000",
            "InvoiceLines": [
                {"Description": "Design", "PriceExcl": Decimal("95.00")},
                {"ProductCode": "P0002"},
            ],
            "modified": {"from": datetime(2026, 1, 1)},
            "Groups": [4, 7],
        }
    )
    assert pairs == [
        ("DebtorCode", "DB10000"),
        ("InvoiceLines[0][Description]", "Design"),
        ("InvoiceLines[0][PriceExcl]", "95.00"),
        ("InvoiceLines[1][ProductCode]", "P0002"),
        ("modified[from]", "2026-01-01 00:00:00"),
        ("Groups[0]", "4"),
        ("Groups[1]", "7"),
    ]


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (Decimal("1250.5"), "1250.5"),
        (Decimal("1250.50"), "1250.50"),
        (Decimal("1E+3"), "1000"),  # never exponent notation
        (Decimal("1234567.89"), "1234567.89"),  # never thousands separators
        (Decimal("-0.25"), "-0.25"),
        (0.1, "0.1"),
        (True, "yes"),
        (False, "no"),
        (7, "7"),
        (date(2026, 3, 2), "2026-03-02"),
        (datetime(2026, 3, 2, 14, 5, 9), "2026-03-02 14:05:09"),
        ("tekst, met komma", "tekst, met komma"),
    ],
)
def test_value_formats(value: object, wire: str) -> None:
    assert encode_form({"v": value}) == [("v", wire)]


def test_none_is_left_out() -> None:
    assert encode_form({"a": None, "b": {"c": None}, "d": [None]}) == []


def test_decode_rebuilds_lists_and_dicts() -> None:
    data = {
        "InvoiceLines": [{"Number": "1.5", "Description": "x"}],
        "modified": {"from": "2026-01-01"},
    }
    assert decode_form(encode_form(data)) == data
    assert decode_form([("a[]", "1"), ("a[]", "2"), ("m[k]", "v")]) == {
        "a": ["1", "2"],
        "m": {"k": "v"},
    }
    assert decode_form([("InvoiceLines[1][X]", "b"), ("InvoiceLines[0][X]", "a")]) == {
        "InvoiceLines": [{"X": "a"}, {"X": "b"}]
    }


def test_coercion_of_mixed_values() -> None:
    assert to_decimal("750.00") == Decimal("750.00")
    assert to_decimal(907.5) == Decimal("907.5")
    assert to_decimal("") is None
    assert to_money(None) == 0
    assert to_int("2") == 2
    assert to_int("") is None
    assert to_date("") is None
    assert to_date("0000-00-00") is None
    assert to_date("2026-03-02") == date(2026, 3, 2)
    assert to_datetime("2026-03-02 10:11:12") == datetime(2026, 3, 2, 10, 11, 12)
    assert to_datetime("2026-03-02") == datetime(2026, 3, 2)


@pytest.mark.parametrize(
    "entered",
    [
        "https://example.com/Pro",
        "https://example.com/Pro/",
        "https://example.com/Pro/apiv2/api.php",
        "https://example.com/Pro/apiv2/api.php/",
        " https://example.com/Pro// ",
    ],
)
def test_hostfact_url_normalisation(entered: str) -> None:
    assert normalize_hostfact_url(entered) == "https://example.com/Pro"
    assert hostfact_endpoint(entered) == "https://example.com/Pro/apiv2/api.php"
