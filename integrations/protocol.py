"""The one interface the application uses to talk to an invoicing provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal, Protocol

from .models import (
    AttachmentRef,
    Debtor,
    DebtorInput,
    DebtorSummary,
    Invoice,
    InvoiceInput,
    Page,
    Product,
)

ProviderKind = Literal["WEFACT", "HOSTFACT"]

#: The providers' own page-size cap.
MAX_PAGE = 1000


class InvoicingProvider(Protocol):
    """WeFact or HostFact. Every method raises :mod:`integrations.errors` exceptions."""

    @property
    def kind(self) -> ProviderKind: ...

    async def verify(self) -> None:
        """One cheap call that proves URL, IP whitelist and key are right."""

    async def list_products(self, offset: int = 0, limit: int = MAX_PAGE) -> Page[Product]: ...

    def iter_products(self) -> AsyncIterator[Product]:
        """Every product, page by page."""

    async def show_product(self, code: str) -> Product: ...

    async def list_debtors(
        self, offset: int = 0, limit: int = MAX_PAGE, modified_since: datetime | None = None
    ) -> Page[DebtorSummary]: ...

    def iter_debtors(self, modified_since: datetime | None = None) -> AsyncIterator[DebtorSummary]:
        """Pages of 1000 until a short or empty page (``totalresults`` is not trusted)."""

    async def search_debtors(self, text: str, fields: str = "CompanyName") -> list[DebtorSummary]:
        """Debtors whose `fields` (``|``-separated) contain `text` (substring match).

        Rows are list rows (no Comment): confirm anything else with ``show_debtor``. Raises
        InconclusiveLookupError rather than read more than a few thousand rows."""

    async def show_debtor(self, code: str) -> Debtor:
        """Raises NotFoundError for an unknown customer number."""

    async def add_debtor(self, data: DebtorInput) -> Debtor: ...

    async def edit_debtor(self, code: str, data: DebtorInput) -> Debtor: ...

    async def add_invoice(self, data: InvoiceInput) -> Invoice: ...

    async def show_invoice(self, identifier: int | str) -> Invoice:
        """An int selects by Identifier, a str by InvoiceCode."""

    async def find_invoices_by_reference(
        self, reference: str, *, debtor_code: str, created_since: datetime | None = None
    ) -> list[Invoice]:
        """The invoices of debtor `debtor_code` (created since `created_since`, the
        provider's naive local time) whose ReferenceNumber equals `reference`: full records.

        List rows carry no ReferenceNumber, so candidates are listed by debtor and created
        date and each is confirmed with ``show``. Raises InconclusiveLookupError when there
        are more candidates than it will check (never "not found" when it did not look)."""

    async def list_invoices(
        self,
        modified_since: datetime | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE,
        debtor_code: str | None = None,
        created_since: datetime | None = None,
    ) -> Page[Invoice]:
        """List rows (a subset of the record, no lines), newest first."""

    def iter_invoices_modified_since(self, since: datetime) -> AsyncIterator[Invoice]:
        """Polling for status changes (neither API has webhooks)."""

    async def delete_invoice(self, identifier: int) -> None:
        """Concepts only; booked invoices must be credited."""

    async def credit_invoice(self, identifier: int) -> Invoice | None:
        """Credit a final invoice: the original becomes status 9 (cancelled) and a credit
        invoice (status 8) is made. Returns that credit invoice, or None when the invoice was
        cancelled already (an earlier call whose answer was lost): twice is once."""

    async def book_invoice(self, identifier: int) -> Invoice:
        """Give a concept its real number (status 2) without e-mailing the customer."""

    async def send_invoice(self, identifier: int) -> Invoice:
        """E-mail a concept to the customer (which books it). An invoice that is no longer a
        concept is returned as it is, not e-mailed again: twice is once."""

    async def mark_as_paid(self, identifier: int) -> Invoice:
        """Mark a final invoice paid; returns it as shown afterwards. An invoice that is
        paid already is returned as it is (HostFact refuses it with "already paid")."""

    async def add_attachment(self, invoice_identifier: int, filename: str, content: bytes) -> None:
        """Attach a file to an invoice (any status). Adding a name twice stores two files:
        after a lost answer, look at ``list_attachments`` before adding again."""

    async def list_attachments(self, invoice_identifier: int) -> tuple[AttachmentRef, ...]:
        """The files attached to an invoice (read from ``invoice/show``)."""

    async def download_attachment(self, invoice_identifier: int, filename: str) -> bytes:
        """The content of the invoice's file named ``filename``; NotFoundError when none."""

    async def delete_attachment(self, invoice_identifier: int, filename: str) -> None:
        """Remove the invoice's file named ``filename``; NotFoundError when none."""
