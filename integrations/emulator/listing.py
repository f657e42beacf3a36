"""`list` actions: filtering, searching, sorting and paging like the real APIs.

Source: HostFact's ``apiv2/controllers/api_controller.php`` (``getFilterValues``) and the
``all()`` methods of its ``class/debtor.php`` and ``class/invoice.php``. WeFact descends from
the same code (HostFact was "WeFact Hosting"); where WeFact's behaviour is not documented the
emulator assumes it is the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .values import RefusalError, strict_datetime, text

MAX_LIMIT = 1000

INVALID_SORT = "Invalid filter 'sort'. Please enter valid columns or remove filter"
INVALID_SEARCHAT = "Invalid filter 'searchat'. Please enter valid columns or remove filter"


@dataclass(frozen=True, slots=True)
class ListRules:
    """How one controller's ``list`` reads its filters.

    ``parameters``: the controller's parameter names — the only values ``sort`` and
    ``searchat`` accept (anything else is refused with an error). ``not_columns``: parameters
    whose database column has another name (``Identifier`` is the column ``id``): sorting by
    them makes HostFact's query fail, and ``all()`` then returns no rows at all — a success
    answer with ``totalresults: 0``.
    """

    parameters: frozenset[str]
    default_sort: str
    default_order: str
    default_searchat: str
    not_columns: frozenset[str] = frozenset({"Identifier"})


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


def _searched_fields(params: dict[str, Any], rules: ListRules) -> list[str]:
    raw = text(params.get("searchat"))
    if not raw:
        return rules.default_searchat.split("|")
    fields = raw.split("|")
    if any(field not in rules.parameters for field in fields):
        raise RefusalError(INVALID_SEARCHAT)
    return fields


def _sort_field(params: dict[str, Any], rules: ListRules) -> str:
    sort = text(params.get("sort"))
    if sort and sort not in rules.parameters:
        raise RefusalError(INVALID_SORT)
    return sort or rules.default_sort


def select(
    records: Iterable[dict[str, Any]], params: dict[str, Any], rules: ListRules
) -> tuple[list[dict[str, Any]], int, int]:
    """Apply the list parameters; returns ``(page, totalresults, offset)``.

    Only the lowercase parameter names count (``Sort``/``Offset`` are ignored).
    """
    offset = max(0, _int_param(params, "offset", 0))
    limit = _int_param(params, "limit", MAX_LIMIT)
    limit = MAX_LIMIT if limit <= 0 else min(limit, MAX_LIMIT)
    sort = _sort_field(params, rules)
    fields = _searched_fields(params, rules)  # validated even without searchfor
    rows = list(records)
    searchfor = text(params.get("searchfor")).strip().lower()
    if searchfor:
        rows = [r for r in rows if any(searchfor in text(r.get(f)).lower() for f in fields if f)]
    for name, field in (("created", "Created"), ("modified", "Modified")):
        bounds = _range(params, name)
        rows = [r for r in rows if _in_range(r.get(field), bounds)]
    status = text(params.get("status")).strip()
    if status:
        wanted = {int(s) for s in status.split("|") if s.strip().isdigit()}
        rows = [r for r in rows if int(r.get("Status", -1)) in wanted]
    if sort in rules.not_columns:
        return [], 0, offset  # the query failed: HostFact answers as if nothing matched

    order = text(params.get("order")).upper()
    descending = (order if order in ("ASC", "DESC") else rules.default_order) == "DESC"
    rows.sort(key=lambda r: _sort_key(r.get("Identifier")), reverse=descending)  # tie-break
    rows.sort(key=lambda r: _sort_key(r.get(sort)), reverse=descending)
    return rows[offset : offset + limit], len(rows), offset
