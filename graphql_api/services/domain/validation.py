"""Input checks shared by the domain services; each failure names the (camelCase) field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput, NotFound

CENT = Decimal("0.01")
# Bounds of the NUMERIC(12, 2) money and NUMERIC(10, 2) quantity columns: anything beyond
# cannot be stored and is certainly a typo.
MAX_MONEY = Decimal("9999999999.99")
MAX_QUANTITY = Decimal("99999999.99")
MAX_HOURS = Decimal(24)
MAX_DISTANCE_KM = Decimal(10000)
MAX_PAYMENT_TERM_DAYS = 365
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")

# Text limits (characters). Names, codes and e-mail addresses are bounded by their columns;
# free text (notes, descriptions) is TEXT in PostgreSQL, bounded here so one request cannot
# store a megabyte per row — 5,000 characters is two pages of notes.
MAX_NAME_LENGTH = 200  # customer, project, activity, category, API token, workspace names
MAX_CODE_LENGTH = 50  # customer numbers, project codes, product codes
MAX_EMAIL_LENGTH = 320
MAX_ADDRESS_LENGTH = 300  # trip from/to
MAX_DESCRIPTION_LENGTH = 2_000  # expense descriptions, invoice release reasons
MAX_TEXT_LENGTH = 5_000  # notes (time entries, customers) and any other free text
MAX_SEARCH_LENGTH = 200  # `search` arguments of lists

M = TypeVar("M")


def camel(name: str) -> str:
    """``customer_number`` → ``customerNumber``: errors name fields as clients send them."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def required_text(value: str | None, field: str, *, max_length: int, what: str) -> str:
    """A non-blank, trimmed string that fits its column."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(f"The {what} cannot be empty.", field=field)
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"The {what} is longer than {max_length:,} characters ({len(cleaned):,}).",
            field=field,
        )
    return cleaned


def optional_text(
    value: str | None, field: str, *, max_length: int = MAX_TEXT_LENGTH
) -> str | None:
    """A trimmed string, or None when blank; at most ``max_length`` characters."""
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        return None
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"`{field}` is longer than {max_length:,} characters ({len(cleaned):,}).",
            field=field,
        )
    return cleaned


def decimal(
    value: Decimal | None,
    field: str,
    *,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal = MAX_MONEY,
    exclusive_minimum: bool = False,
    what: str = "amount",
) -> Decimal | None:
    """An exact value with at most two decimals inside ``[minimum, maximum]``."""
    if value is None:
        return None
    if not value.is_finite():
        raise InvalidInput(f"The {what} must be a number.", field=field)
    # Bounds first: quantizing an absurdly large number would itself fail.
    if value > maximum or (minimum is None and value < -maximum):
        raise InvalidInput(f"The {what} may be at most {maximum}.", field=field)
    if minimum is not None:
        if exclusive_minimum and value <= minimum:
            raise InvalidInput(f"The {what} must be more than {minimum}.", field=field)
        if value < minimum:
            raise InvalidInput(f"The {what} cannot be less than {minimum}.", field=field)
    if value != value.quantize(CENT):
        raise InvalidInput(f"The {what} may have at most two decimals.", field=field)
    return value.quantize(CENT)


def required_decimal(value: Decimal | None, field: str, *, what: str, **kwargs: Any) -> Decimal:
    """Like :func:`decimal`, but the value must be there."""
    checked = decimal(value, field, what=what, **kwargs)
    if checked is None:
        raise InvalidInput(f"The {what} is required.", field=field)
    return checked


def hours(value: Decimal | None, field: str = "hours") -> Decimal:
    """Hours of one entry: more than 0, at most 24, two decimals."""
    return required_decimal(
        value,
        field,
        what="number of hours",
        minimum=Decimal(0),
        exclusive_minimum=True,
        maximum=MAX_HOURS,
    )


def date_range(start: dt.date | None, end: dt.date | None, end_field: str) -> None:
    """An end that lies before its start is a mistake."""
    if start is not None and end is not None and end < start:
        raise InvalidInput("The end date lies before the start date.", field=end_field)


def email(value: str | None, field: str = "email") -> str | None:
    """A plausible e-mail address (full validation is the mail server's job)."""
    cleaned = optional_text(value, field, max_length=MAX_EMAIL_LENGTH)
    if cleaned is not None and ("@" not in cleaned or " " in cleaned):
        raise InvalidInput("That is not an e-mail address.", field=field)
    return cleaned


def country(value: str | None, field: str = "country") -> str | None:
    """An ISO 3166-1 alpha-2 code such as NL; stored upper case."""
    cleaned = optional_text(value, field)
    if cleaned is None:
        return None
    cleaned = cleaned.upper()
    if not COUNTRY_CODE.match(cleaned):
        raise InvalidInput("Use a two-letter ISO country code such as NL.", field=field)
    return cleaned


def payment_term(value: int | None, field: str = "paymentTermDays") -> int | None:
    """Days until an invoice is due: 0–365."""
    if value is not None and not 0 <= value <= MAX_PAYMENT_TERM_DAYS:
        raise InvalidInput(
            f"The payment term must be between 0 and {MAX_PAYMENT_TERM_DAYS} days.", field=field
        )
    return value


async def get_in_workspace(
    session: AsyncSession,
    model: type[M],
    pk: int,
    workspace_id: int,
    *,
    field: str,
    what: str,
    for_update: bool = False,
) -> M:
    """A row of the caller's workspace; another workspace's row looks exactly like no row."""
    table: Any = model
    stmt = select(model).where(table.id == pk, table.workspace_id == workspace_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = await session.scalar(stmt)
    if row is None:
        raise NotFound(f"No {what} with that id in your workspace.", field=field)
    return row


def like_pattern(search: str | None) -> str | None:
    """An ILIKE pattern matching ``search`` literally (``%`` and ``_`` are no wildcards)."""
    if search is None or not search.strip():
        return None
    if len(search) > MAX_SEARCH_LENGTH:
        raise InvalidInput(
            f"`search` is longer than {MAX_SEARCH_LENGTH} characters ({len(search):,}).",
            field="search",
        )
    escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
