"""Reading request values strictly and writing response values, as the PHP side does."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
CENT = Decimal("0.01")


class RefusalError(Exception):
    """Raised by handlers: becomes a ``status: error`` envelope with these messages."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def text(value: Any) -> str:
    """A request value as PHP would see it in a string context."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def strict_decimal(value: Any) -> Decimal | None:
    """Dot decimals only: ``1250,50`` or ``1.250,50`` are refused, as by the real APIs."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raw = text(value).strip()
    return Decimal(raw) if _DECIMAL.match(raw) else None


def strict_date(value: Any) -> date | None:
    raw = text(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def strict_datetime(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """``yyyy-mm-dd hh:mm:ss`` or a plain date (start, or end of day for upper bounds)."""
    raw = text(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", raw):
        try:
            return datetime.fromisoformat(raw.replace("T", " "))
        except ValueError:
            return None
    day = strict_date(raw)
    if day is None:
        return None
    start = datetime.combine(day, datetime.min.time())
    return start + timedelta(days=1, microseconds=-1) if end_of_day else start


def cents(value: Decimal) -> Decimal:
    """Round half-up (away from zero) to cents, as invoices do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_PERIOD_MONTHS = {"m": 1, "k": 3, "h": 6, "j": 12, "t": 24}


def period_end(start: date, periodic: str, periods: int) -> date:
    """End of `periods` periods of type `periodic` (d w m k h j t) from `start`."""
    if periodic == "d":
        return start + timedelta(days=periods)
    if periodic == "w":
        return start + timedelta(weeks=periods)
    return add_months(start, _PERIOD_MONTHS.get(periodic, 1) * periods)


def render(value: Any) -> Any:  # noqa: PLR0911 - one branch per value type
    """Internal values → the JSON the PHP APIs send (strings for most scalars)."""
    if isinstance(value, dict):
        return {key: render(sub) for key, sub in value.items() if not key.startswith("_")}
    if isinstance(value, list):
        return [render(sub) for sub in value]
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # "Identifier": "2", as the real APIs do
    return value
