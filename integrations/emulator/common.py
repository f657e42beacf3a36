"""Helpers shared by the controller handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .listing import ListRules, select
from .messages import message
from .state import EmulatorState, Record
from .values import RefusalError, render, text

Params = dict[str, Any]
Handler = Callable[[EmulatorState, Params], dict[str, Any]]


def fail(state: EmulatorState, key: str, **values: object) -> RefusalError:
    return RefusalError(message(state.flavor, key, **values))


def find(
    state: EmulatorState,
    records: dict[int, Record],
    params: Params,
    code_field: str,
    not_found: str,
    *,
    unknown_identifier: str | None = None,
) -> Record:
    """Select by ``Identifier`` (wins) or by the code field, as show/edit do.

    ``unknown_identifier``: the message for an ``Identifier`` nobody has, when the product
    words it differently from an unknown code (HostFact: "Invalid identifier for client").
    """
    identifier = text(params.get("Identifier")).strip()
    if identifier:
        record = records.get(int(identifier)) if identifier.isdigit() else None
        if record is None:
            raise fail(state, unknown_identifier or not_found)
        return record
    code = text(params.get(code_field)).strip()
    record = next((r for r in records.values() if r[code_field] == code), None) if code else None
    if record is None:
        raise fail(state, not_found)
    return record


def list_envelope(
    records: list[Record],
    params: Params,
    plural: str,
    row: Callable[[Record], dict[str, Any]],
    rules: ListRules,
) -> dict[str, Any]:
    page, total, offset = select(records, params, rules)
    envelope: dict[str, Any] = {
        "totalresults": total,
        "currentresults": len(page),
        "offset": offset,
    }
    if page:  # no data key at all for an empty result
        envelope[plural] = [render(row(r)) for r in page]
    return envelope
