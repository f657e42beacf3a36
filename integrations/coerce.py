"""Lenient readers for provider values.

Both APIs mix strings and numbers for the same field (``"Identifier": "2"``,
``"AmountExcl": "750.00"`` next to ``907.5``) and use ``""`` for "no date". These
helpers turn whatever arrives into one Python type, so model parsing stays simple.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_EMPTY_DATES = {"", "0000-00-00", "0000-00-00 00:00:00"}


def to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def to_decimal(value: Any, default: Decimal | None = None) -> Decimal | None:
    """Read a number; floats go through ``repr`` so 907.5 stays 907.5, not 907.49999…"""
    if value is None or value == "" or isinstance(value, bool):
        return default
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return default


def to_money(value: Any) -> Decimal:
    """Like :func:`to_decimal` but never ``None``: a missing amount is zero."""
    result = to_decimal(value, Decimal(0))
    assert result is not None
    return result


def to_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return None


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = to_str(value).strip()
    if text in _EMPTY_DATES:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def to_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    text = to_str(value).strip()
    if text in _EMPTY_DATES:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        parsed = to_date(text)
        return datetime.combine(parsed, datetime.min.time()) if parsed else None
