"""Plain data the clients return and accept. Provider-neutral, immutable.

Money and quantities are always :class:`~decimal.Decimal`. Dates the provider leaves
empty (``""``) are ``None``. Returned datetimes are naive, in the provider's time zone,
exactly as the provider reports them (neither API states an offset).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class InvoiceStatus(IntEnum):
    """Invoice status codes shared by WeFact and HostFact (HostFact adds QUEUED)."""

    CONCEPT = 0
    QUEUED = 1
    SENT = 2
    PARTLY_PAID = 3
    PAID = 4
    CREDIT = 8
    CANCELLED = 9


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list call. `total` is the provider's `totalresults` (a hint only)."""

    items: tuple[T, ...]
    total: int
    offset: int


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    identifier: int | None
    name: str
    #: The text that lands on invoice lines (not `name`).
    key_phrase: str
    description: str
    unit: str
    price_excl: Decimal
    tax_percentage: Decimal | None
    #: WeFact's VAT code (e.g. ``V21``); ``None`` on HostFact.
    tax_code: str | None
    #: ``""`` one-off, else one of ``d w m k h j t``.
    price_period: str
    modified: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DebtorSummary:
    """A row of `debtor/list`: the providers return only these fields there."""

    identifier: int
    code: str
    company_name: str
    sex: str
    initials: str
    surname: str
    email: str
    modified: dt.datetime | None

    @property
    def display_name(self) -> str:
        person = " ".join(part for part in (self.initials, self.surname) if part)
        return self.company_name or person or self.code


@dataclass(frozen=True, slots=True)
class Debtor(DebtorSummary):
    """The full record from `debtor/show`, `add` and `edit`."""

    company_number: str
    tax_number: str
    address: str
    zip_code: str
    city: str
    country: str
    phone: str
    mobile: str
    comment: str
    #: 0 e-mail, 1 post, 3 both (WeFact: 5 Peppol); ``None`` when not reported.
    invoice_method: int | None
    #: Payment term in days; -1 means the administration's default.
    invoice_term: int | None
    created: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DebtorInput:
    """What we send on `debtor/add` and `debtor/edit`.

    ``None`` means "leave out" (on edit: keep the current value); ``""`` clears a field.
    Leave `code` out on add to let the provider number the debtor.
    """

    code: str | None = None
    company_name: str | None = None
    company_number: str | None = None
    tax_number: str | None = None
    sex: str | None = None
    initials: str | None = None
    surname: str | None = None
    address: str | None = None
    zip_code: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    comment: str | None = None
    invoice_method: int | None = None
    invoice_term: int | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLineInput:
    """One line to send. Fields left ``None`` are inherited from the product (when
    `product_code` is set) — in particular VAT: the integration relies on that."""

    description: str | None = None
    number: Decimal = Decimal(1)
    price_excl: Decimal | None = None
    product_code: str | None = None
    unit: str | None = None
    date: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    discount_percentage: Decimal | None = None
    #: Sent to WeFact only (its VAT codes are per administration, e.g. ``V21``).
    tax_code: str | None = None
    #: Sent to HostFact only (must be a rate configured there).
    tax_percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class InvoiceInput:
    """An invoice to add. `status` 0 keeps it a concept; 2 books it with a real number
    without e-mailing anyone (our "sales booking")."""

    debtor_code: str
    lines: Sequence[InvoiceLineInput]
    status: InvoiceStatus = InvoiceStatus.CONCEPT
    date: dt.date | None = None
    term: int | None = None
    #: Our own key for the invoice; searchable, used to find it again after a timeout.
    reference_number: str | None = None
    description: str | None = None
    comment: str | None = None
    discount_percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    identifier: int | None
    product_code: str
    description: str
    number: Decimal
    unit: str
    price_excl: Decimal
    discount_percentage: Decimal
    tax_percentage: Decimal | None
    #: Line totals when the provider reports them.
    amount_excl: Decimal | None
    amount_incl: Decimal | None
    date: dt.date | None
    start_date: dt.date | None
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A file attached to an invoice, as ``invoice/show`` lists it (``Attachments``)."""

    identifier: int | None
    filename: str


@dataclass(frozen=True, slots=True)
class Invoice:
    identifier: int
    #: ``[concept]0001`` style for concepts, the real number once booked.
    code: str
    debtor_code: str
    status: int
    date: dt.date | None
    term: int | None
    pay_before: dt.date | None
    amount_excl: Decimal
    amount_tax: Decimal
    amount_incl: Decimal
    amount_paid: Decimal
    reference_number: str
    description: str
    comment: str
    #: Empty for rows of `invoice/list`, which carry no lines.
    lines: tuple[InvoiceLine, ...] = field(default=())
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    #: The files attached to it (``show`` only; list rows and fresh adds have none).
    attachments: tuple[AttachmentRef, ...] = field(default=())

    @property
    def is_concept(self) -> bool:
        return self.status == InvoiceStatus.CONCEPT
