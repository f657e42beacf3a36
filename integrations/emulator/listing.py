"""`list` actions: filtering, searching, sorting and paging like the real APIs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .values import RefusalError, strict_datetime, text

MAX_LIMIT = 1000


def _int_param(params: dict[str, Any], name: str, default: int) -> int:
    raw = text(params.get(name)).strip()
    return int(raw) if raw.lstrip("-").isdigit() else default


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, Decimal)):
        return (0, Decimal(value))
    if isinstance(value, (datetime, date)):
        return (1, value.isoformat())
    return (1, text(value).lower())


def _range(params: dict[str, Any], name: str) -> tuple[datetime | None, datetime | None]:
    bounds = params.get(name)
    if not isinstance(bounds, dict):
        return None, None
    result: list[datetime | None] = []
    for side in ("from", "to"):
        raw = bounds.get(side)
        if raw in (None, ""):
            result.append(None)
            continue
        parsed = strict_datetime(raw, end_of_day=side == "to")
        if parsed is None:
            raise RefusalError(f"Invalid value for {name}[{side}]: {text(raw)}")
        result.append(parsed)
    return result[0], result[1]


def _in_range(value: Any, bounds: tuple[datetime | None, datetime | None]) -> bool:
    low, high = bounds
    if low is None and high is None:
        return True
    if not isinstance(value, datetime):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def select(
    records: Iterable[dict[str, Any]],
    params: dict[str, Any],
    *,
    default_sort: str,
    default_order: str,
    default_searchat: str,
) -> tuple[list[dict[str, Any]], int, int]:
    """Apply the list parameters; returns ``(page, totalresults, offset)``.

    Only the lowercase parameter names count (``Sort``/``Offset`` are ignored).
    """
    rows = list(records)
    searchfor = text(params.get("searchfor")).strip().lower()
    if searchfor:
        fields = (text(params.get("searchat")) or default_searchat).split("|")
        rows = [r for r in rows if any(searchfor in text(r.get(f)).lower() for f in fields if f)]
    for name, field in (("created", "Created"), ("modified", "Modified")):
        bounds = _range(params, name)
        rows = [r for r in rows if _in_range(r.get(field), bounds)]
    status = text(params.get("status")).strip()
    if status:
        wanted = {int(s) for s in status.split("|") if s.strip().isdigit()}
        rows = [r for r in rows if int(r.get("Status", -1)) in wanted]

    sort = text(params.get("sort")) or default_sort
    descending = (text(params.get("order")) or default_order).upper() == "DESC"
    rows.sort(key=lambda r: _sort_key(r.get("Identifier")), reverse=descending)  # tie-break
    rows.sort(key=lambda r: _sort_key(r.get(sort)), reverse=descending)

    offset = max(0, _int_param(params, "offset", 0))
    limit = _int_param(params, "limit", MAX_LIMIT)
    limit = MAX_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    return rows[offset : offset + limit], len(rows), offset
