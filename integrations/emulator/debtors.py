"""Controller ``debtor``: list, show, add, edit. There is no delete."""

from __future__ import annotations

import re
from typing import Any

from .common import Handler, Params, fail, find, list_envelope
from .listing import ListRules
from .messages import message
from .state import EmulatorState, Record
from .values import render, text

STRING_FIELDS = (
    "CompanyName",
    "CompanyNumber",
    "TaxNumber",
    "Sex",
    "Initials",
    "SurName",
    "Address",
    "ZipCode",
    "City",
    "Country",
    "EmailAddress",
    "PhoneNumber",
    "MobileNumber",
    "Comment",
)
SUMMARY_FIELDS = (
    "Identifier",
    "DebtorCode",
    "CompanyName",
    "Sex",
    "Initials",
    "SurName",
    "EmailAddress",
    "Modified",
)
COUNTRIES = frozenset(
    [
        "NL",
        "BE",
        "DE",
        "FR",
        "LU",
        "GB",
        "IE",
        "ES",
        "PT",
        "IT",
        "AT",
        "CH",
        "DK",
        "SE",
        "NO",
        "FI",
        "PL",
        "CZ",
        "SK",
        "HU",
        "SI",
        "HR",
        "RO",
        "BG",
        "GR",
        "CY",
        "MT",
        "EE",
        "LV",
        "LT",
        "US",
        "CA",
        "AU",
    ]
)
#: HostFact's debtor_api_controller: its parameters (the valid sort/searchat values) and
#: list_api_action's defaults (sort DebtorCode, searchat DebtorCode|CompanyName|SurName).
LIST_RULES = ListRules(
    parameters=frozenset(
        {
            "Identifier",
            "DebtorCode",
            "CompanyName",
            "CompanyNumber",
            "LegalForm",
            "TaxNumber",
            "Sex",
            "Initials",
            "SurName",
            "Address",
            "ZipCode",
            "City",
            "Country",
            "EmailAddress",
            "PhoneNumber",
            "MobileNumber",
            "FaxNumber",
            "Website",
            "Comment",
            "InvoiceMethod",
            "InvoiceCompanyName",
            "InvoiceEmailAddress",
            "InvoiceTerm",
            "Groups",
            "CustomFields",
            "Created",
            "Modified",
        }
    ),
    default_sort="DebtorCode",
    default_order="ASC",
    default_searchat="DebtorCode|CompanyName|SurName",
)
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$")


def _full(record: Record) -> dict[str, Any]:
    return dict(record)


def _summary(record: Record) -> dict[str, Any]:
    return {key: record[key] for key in SUMMARY_FIELDS}


def _apply(state: EmulatorState, record: Record, params: Params) -> None:
    """Validate and copy the given fields onto `record` (all or nothing)."""
    changes: dict[str, Any] = {f: text(params[f]).strip() for f in STRING_FIELDS if f in params}
    email = changes.get("EmailAddress")
    if email and not all(_EMAIL.match(part.strip()) for part in email.split(";")):
        raise fail(state, "invalid_email", value=email)
    country = changes.get("Country")
    if country is not None and country.upper() not in COUNTRIES:
        raise fail(state, "invalid_country", value=country)
    if country:
        changes["Country"] = country.upper()
    for field in ("InvoiceMethod", "InvoiceTerm"):
        if field in params:
            raw = text(params[field]).strip()
            if not raw.lstrip("-").isdigit():
                raise fail(state, "invalid_value", field=field, value=raw)
            changes[field] = int(raw)
    record.update(changes)


def list_debtors(state: EmulatorState, params: Params) -> dict[str, Any]:
    return list_envelope(
        list(state.debtors.values()),
        params,
        "debtors",
        _summary,
        LIST_RULES,
    )


def _find(state: EmulatorState, params: Params) -> Record:
    return find(
        state,
        state.debtors,
        params,
        "DebtorCode",
        "debtor_not_found",
        unknown_identifier="debtor_bad_identifier",
    )


def show(state: EmulatorState, params: Params) -> dict[str, Any]:
    return {"debtor": render(_full(_find(state, params)))}


def add(state: EmulatorState, params: Params) -> dict[str, Any]:
    if not (text(params.get("CompanyName")).strip() or text(params.get("SurName")).strip()):
        raise fail(state, "name_required")
    code = text(params.get("DebtorCode")).strip()
    if code and state.debtor_by_code(code) is not None:
        raise fail(state, "code_taken", code=code)
    draft: Record = {}
    _apply(state, draft, params)
    # Identifier is output only: whatever the caller sent is ignored.
    record = state.add_debtor(DebtorCode=code or None, **draft)
    answer: dict[str, Any] = {"debtor": render(_full(record))}
    if state.flavor == "hostfact":
        # HostFact's add_api_action: parseSuccess($debtor->Success) before the record.
        answer["success"] = [message(state.flavor, "debtor_created", code=record["DebtorCode"])]
    return answer


def edit(state: EmulatorState, params: Params) -> dict[str, Any]:
    record = _find(state, params)
    changes: Record = {}
    _apply(state, changes, params)
    if text(params.get("Identifier")).strip():
        # Selected by Identifier: a DebtorCode in the body renames the debtor.
        code = text(params.get("DebtorCode")).strip()
        if code and code != record["DebtorCode"]:
            if state.debtor_by_code(code) is not None:
                raise fail(state, "code_taken", code=code)
            changes["DebtorCode"] = code
    record.update(changes)
    record["Modified"] = state.clock()
    return {"debtor": render(_full(record))}


ACTIONS: dict[str, Handler] = {"list": list_debtors, "show": show, "add": add, "edit": edit}
