"""Strict scalars: what a client sends must be exactly the documented form.

strawberry's defaults parse with Python's own parsers, which accept far more than the schema
promises: ``Decimal("1_0")`` is 10 and ``Decimal("١٢")`` is 12, ``date.fromisoformat``
takes ``20261101`` and ``2026-W45-1``, times may carry offsets and datetimes may lack them.
Each scalar here checks the text against one pattern of ASCII characters and a sane range
first, then converts. Answers are formatted exactly as before (``str`` / ``isoformat``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.types.scalar import ScalarDefinition

MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
MAX_DECIMAL_LENGTH = 32

_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2})?", re.ASCII)
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)


def _refuse(type_name: str, value: object, rule: str) -> StrawberryInputCoercionError:
    shown = repr(value) if not isinstance(value, str) else f'"{value[:40]}"'
    return StrawberryInputCoercionError(f"{type_name} {rule}, not {shown}.")


def parse_decimal(value: object) -> Decimal:
    """``"12.50"``, ``"-3"``; JSON numbers are accepted as their shortest text (``2.5``)."""
    rule = "must be written with ASCII digits, an optional minus and decimal point (12.50)"
    if isinstance(value, bool):
        raise _refuse("Decimal", value, rule)
    text = str(value) if isinstance(value, int | float) else value
    if not isinstance(text, str) or len(text) > MAX_DECIMAL_LENGTH:
        raise _refuse("Decimal", value, rule)
    if not _DECIMAL.fullmatch(text):
        raise _refuse("Decimal", value, rule)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise _refuse("Decimal", value, rule) from None


def parse_date(value: object) -> dt.date:
    """``YYYY-MM-DD`` between 1900-01-01 and 2999-12-31."""
    rule = f"must be a date as YYYY-MM-DD between {MIN_DATE} and {MAX_DATE}"
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _refuse("Date", value, rule)
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise _refuse("Date", value, rule) from None
    if not MIN_DATE <= parsed <= MAX_DATE:
        raise _refuse("Date", value, rule)
    return parsed


def parse_time(value: object) -> dt.time:
    """``HH:MM`` or ``HH:MM:SS``, without an offset (times of day are local)."""
    rule = "must be a time of day as HH:MM or HH:MM:SS, without an offset"
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise _refuse("Time", value, rule)
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise _refuse("Time", value, rule) from None


def parse_datetime(value: object) -> dt.datetime:
    """``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` with ``Z`` or ``±HH:MM``: a moment, never naive."""
    rule = (
        "must be a date and time with an offset, as YYYY-MM-DDTHH:MM:SSZ or "
        "YYYY-MM-DDTHH:MM:SS+01:00"
    )
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise _refuse("DateTime", value, rule)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _refuse("DateTime", value, rule) from None
    if not MIN_DATE.year <= parsed.year <= MAX_DATE.year:
        raise _refuse("DateTime", value, rule)
    return parsed


def _isoformat(value: Any) -> str:
    text: str = value.isoformat()
    return text


def _definition(
    origin: type, name: str, description: str, parse: Callable[[object], object], serialize: Any
) -> ScalarDefinition:
    return ScalarDefinition(
        name=name,
        description=description,
        specified_by_url=None,
        serialize=serialize,
        parse_value=parse,
        parse_literal=None,  # graphql-core reads the literal, then calls parse_value
        origin=origin,
    )


SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    Decimal: _definition(
        Decimal,
        "Decimal",
        'An exact decimal number in ASCII digits with an optional minus and decimal point: '
        '`"12.50"` (a JSON number such as `12.5` is taken as written). Answers are strings.',
        parse_decimal,
        str,
    ),
    dt.date: _definition(
        dt.date,
        "Date",
        f"A calendar date, `YYYY-MM-DD`, from {MIN_DATE} to {MAX_DATE}.",
        parse_date,
        _isoformat,
    ),
    dt.time: _definition(
        dt.time,
        "Time",
        "A time of day, `HH:MM` or `HH:MM:SS`, without an offset.",
        parse_time,
        _isoformat,
    ),
    dt.datetime: _definition(
        dt.datetime,
        "DateTime",
        "A moment in ISO 8601 with its offset: `2026-11-01T09:30:00Z` or "
        "`2026-11-01T10:30:00+01:00` (a time without an offset is refused).",
        parse_datetime,
        _isoformat,
    ),
}
