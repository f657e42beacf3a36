"""The one interface the application uses to talk to an invoicing provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal, Protocol

from .models import (
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

    async def search_debtors(self, text: str, fields: str = "Comment") -> list[DebtorSummary]:
        """Debtors whose `fields` (``|``-separated) contain `text` (substring match)."""

    async def show_debtor(self, code: str) -> Debtor:
        """Raises NotFoundError for an unknown customer number."""

    async def add_debtor(self, data: DebtorInput) -> Debtor: ...

    async def edit_debtor(self, code: str, data: DebtorInput) -> Debtor: ...

    async def add_invoice(self, data: InvoiceInput) -> Invoice: ...

    async def show_invoice(self, identifier: int | str) -> Invoice:
        """An int selects by Identifier, a str by InvoiceCode."""

    async def find_invoices_by_reference(self, reference: str) -> list[Invoice]:
        """Invoices whose ReferenceNumber equals `reference` (list rows, without lines)."""

    async def list_invoices(
        self,
        modified_since: datetime | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE,
        debtor_code: str | None = None,
    ) -> Page[Invoice]: ...

    def iter_invoices_modified_since(self, since: datetime) -> AsyncIterator[Invoice]:
        """Polling for status changes (neither API has webhooks)."""

    async def delete_invoice(self, identifier: int) -> None:
        """Concepts only; booked invoices must be credited."""

    async def credit_invoice(self, identifier: int) -> Invoice:
        """Returns the new credit invoice (status 8); the original becomes status 9."""

    async def book_invoice(self, identifier: int) -> Invoice:
        """Give a concept its real number (status 2) without e-mailing the customer."""

    async def send_invoice(self, identifier: int) -> Invoice:
        """E-mail the invoice to the customer (books a concept first)."""

    async def mark_as_paid(self, identifier: int) -> Invoice: ...
