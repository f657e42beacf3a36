"""From a WeFact/HostFact debtor to the customer columns WeFact owns (pure functions).

WeFact owns: name, e-mail, phone, address, country, VAT and chamber-of-commerce numbers and
the link columns. We own everything else (rates, payment term, notes, projects, archived),
so the import never writes those.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graphql_api.errors import InvalidInput
from graphql_api.services.domain import validation as v
from integrations import Debtor, DebtorSummary

CODE_MAX_LENGTH = 50
NAME_MAX_LENGTH = 200

OWNED_COLUMNS: tuple[str, ...] = (
    "name",
    "email",
    "phone",
    "street",
    "zip_code",
    "city",
    "country",
    "vat_number",
    "coc_number",
    "wefact_debtor_code",
    "wefact_identifier",
)
"""Columns the details fill overwrites from the full record (``debtor/show``)."""

LIST_COLUMNS: tuple[str, ...] = ("name", "email", "wefact_debtor_code", "wefact_identifier")
"""Columns the import takes from the list rows alone (what ``debtor/list`` carries)."""

DETAIL_COLUMNS: tuple[str, ...] = tuple(
    col for col in OWNED_COLUMNS if col not in ("wefact_debtor_code", "wefact_identifier")
)
"""Columns the details fill writes (the link columns stay as the import set them)."""

# Our column → (WeFact's field name for messages, column length).
_TEXT_COLUMNS: dict[str, tuple[str, int]] = {
    "phone": ("PhoneNumber", 50),
    "street": ("Address", 200),
    "zip_code": ("ZipCode", 20),
    "city": ("City", 100),
    "vat_number": ("TaxNumber", 50),
    "coc_number": ("CompanyNumber", 50),
}


def customer_number(summary: DebtorSummary) -> str:
    """The customer number a debtor links to: its DebtorCode, trimmed (exact otherwise)."""
    return summary.code.strip()


def debtor_name(summary: DebtorSummary) -> str:
    """CompanyName, else Initials + SurName; ``""`` when the debtor has neither."""
    company = summary.company_name.strip()
    if company:
        return company
    return " ".join(part for part in (summary.initials.strip(), summary.surname.strip()) if part)


def name_key(name: str) -> str:
    """How names are compared for likely duplicates: case- and spacing-insensitive."""
    return " ".join(name.split()).casefold()


def summary_problem(summary: DebtorSummary) -> str | None:
    """Why a list row cannot become a customer at all, before any detail is fetched."""
    code = customer_number(summary)
    if not code:
        return (
            f"The debtor with identifier {summary.identifier} has no debtor number. Give it "
            "one in WeFact/HostFact and import again."
        )
    if len(code) > CODE_MAX_LENGTH:
        return (
            f"The debtor number is longer than {CODE_MAX_LENGTH} characters, too long for a "
            "customer number. Shorten it in WeFact/HostFact and import again."
        )
    name = debtor_name(summary)
    if not name:
        return (
            "The debtor has no company name and no surname, so the customer would have no "
            "name. Fill in one of them in WeFact/HostFact and import again."
        )
    if len(name) > NAME_MAX_LENGTH:
        return (
            f"The debtor's name is longer than {NAME_MAX_LENGTH} characters. Shorten it in "
            "WeFact/HostFact and import again."
        )
    return None


def _email_problem(raw: str) -> str:
    return f"The e-mail address {raw.strip()!r} is not valid or is longer than 320 characters."


@dataclass(frozen=True)
class Mapped:
    """A debtor's values for the customer row, or the reasons it cannot be stored."""

    values: dict[str, Any] | None
    problems: list[str]


def map_debtor(debtor: Debtor, *, synced_at: dt.datetime) -> Mapped:
    """The owned columns (plus link and sync stamps) of the customer for ``debtor``.

    Every value is checked against the rules our own customer form applies, so a debtor
    that would break the bulk statement (a too-long city, say) is reported instead.
    """
    problems: list[str] = []
    head = summary_problem(debtor)
    if head is not None:
        return Mapped(None, [head])
    values: dict[str, Any] = {
        "customer_number": customer_number(debtor),
        "name": debtor_name(debtor),
        "wefact_debtor_code": customer_number(debtor),
        "wefact_identifier": str(debtor.identifier),
        "wefact_modified_at": debtor.modified,
        "wefact_synced_at": synced_at,
    }
    try:
        values["email"] = v.email(debtor.email, "EmailAddress")
    except InvalidInput:
        problems.append(_email_problem(debtor.email))
    phone = debtor.phone if debtor.phone.strip() else debtor.mobile
    raw_text = {
        "phone": phone,
        "street": debtor.address,
        "zip_code": debtor.zip_code,
        "city": debtor.city,
        "vat_number": debtor.tax_number,
        "coc_number": debtor.company_number,
    }
    for column, raw in raw_text.items():
        field_name, limit = _TEXT_COLUMNS[column]
        try:
            values[column] = v.optional_text(raw, field_name, max_length=limit)
        except InvalidInput:
            problems.append(f"{field_name} is longer than {limit} characters.")
    try:
        values["country"] = v.country(debtor.country, "Country")
    except InvalidInput:
        problems.append(
            f"Country {debtor.country.strip()!r} is not a two-letter ISO code such as NL."
        )
    if problems:
        problems.append("Correct it in WeFact/HostFact and import again.")
        return Mapped(None, [" ".join(problems)])
    return Mapped(values, [])


def map_summary(row: DebtorSummary, *, synced_at: dt.datetime) -> Mapped:
    """The columns a list row carries (name, e-mail, link and Modified stamp), checked as
    ``map_debtor`` checks them; the rest waits for the details fill.

    An empty e-mail on a list row is ``None`` here; the upsert then keeps a stored address,
    since a list row may leave a field out (the fill writes the full record, blanks too).
    """
    head = summary_problem(row)
    if head is not None:
        return Mapped(None, [head])
    try:
        email = v.email(row.email, "EmailAddress")
    except InvalidInput:
        return Mapped(None, [f"{_email_problem(row.email)} Correct it in WeFact/HostFact and "
                             "import again."])
    number = customer_number(row)
    return Mapped(
        {
            "customer_number": number,
            "name": debtor_name(row),
            "email": email,
            "wefact_debtor_code": number,
            "wefact_identifier": str(row.identifier),
            "wefact_modified_at": row.modified,
            "wefact_synced_at": synced_at,
        },
        [],
    )
