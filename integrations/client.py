"""The provider client: one implementation of InvoicingProvider for both APIs.

WeFactClient and HostFactClient only choose the endpoint and the Dialect.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import httpx

from .coerce import to_int
from .dialect import Dialect
from .errors import unreachable
from .models import (
    Debtor,
    DebtorInput,
    DebtorSummary,
    Invoice,
    InvoiceInput,
    InvoiceLineInput,
    InvoiceStatus,
    Page,
    Product,
)
from .pacing import RatePacer, Sleep, shared_pacer
from .parsing import parse_debtor, parse_debtor_summary, parse_invoice, parse_product
from .protocol import MAX_PAGE, ProviderKind
from .transport import RetryPolicy, Transport

T = TypeVar("T")

_DEBTOR_FIELDS = {
    "code": "DebtorCode",
    "company_name": "CompanyName",
    "company_number": "CompanyNumber",
    "tax_number": "TaxNumber",
    "sex": "Sex",
    "initials": "Initials",
    "surname": "SurName",
    "address": "Address",
    "zip_code": "ZipCode",
    "city": "City",
    "country": "Country",
    "email": "EmailAddress",
    "phone": "PhoneNumber",
    "mobile": "MobileNumber",
    "comment": "Comment",
    "invoice_method": "InvoiceMethod",
    "invoice_term": "InvoiceTerm",
}


def debtor_params(data: DebtorInput) -> dict[str, Any]:
    """API field names for the fields that are set (never ``Identifier``)."""
    return {
        api: getattr(data, ours)
        for ours, api in _DEBTOR_FIELDS.items()
        if getattr(data, ours) is not None
    }


def _record(envelope: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    record = envelope.get(key)
    if not isinstance(record, Mapping):
        raise unreachable(f"the answer had no {key!r} record", retryable=False)
    return record


class ProviderClient:
    """Implements :class:`~integrations.protocol.InvoicingProvider` over a Transport."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        endpoint: str,
        dialect: Dialect,
        *,
        pacer: RatePacer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if pacer is None and dialect.shares_rate_limit:
            pacer = shared_pacer(endpoint)
        self._dialect = dialect
        self.endpoint = endpoint
        self._transport = Transport(
            http, endpoint, api_key, provider=dialect.name, pacer=pacer, retry=retry, sleep=sleep
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint!r})"

    @property
    def kind(self) -> ProviderKind:
        return self._dialect.kind

    # -- plumbing -------------------------------------------------------------------

    async def _read(
        self, controller: str, action: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        return await self._transport.call(controller, action, params)

    async def _write(
        self, controller: str, action: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        async with self._dialect.write_guard(self.endpoint):
            return await self._transport.call(controller, action, params)

    async def _page(
        self,
        controller: str,
        *,
        plural: str,
        parse: Callable[[Mapping[str, Any]], T],
        params: Mapping[str, Any],
        offset: int,
        limit: int,
    ) -> Page[T]:
        envelope = await self._read(
            controller, "list", {**params, "offset": offset, "limit": min(limit, MAX_PAGE)}
        )
        # The data key is absent (not an empty list) when nothing matched.
        rows = envelope.get(plural) or []
        if isinstance(rows, Mapping):
            rows = list(rows.values())
        return Page(
            items=tuple(parse(row) for row in rows),
            total=to_int(envelope.get("totalresults")) or 0,
            offset=to_int(envelope.get("offset")) or offset,
        )

    @staticmethod
    async def _all(fetch: Callable[[int], Awaitable[Page[T]]]) -> AsyncIterator[T]:
        offset = 0
        while True:
            page = await fetch(offset)
            for item in page.items:
                yield item
            # Stop on a short page; totalresults is known to be unreliable.
            if len(page.items) < MAX_PAGE:
                return
            offset += len(page.items)

    # -- products ------------------------------------------------------------------

    async def verify(self) -> None:
        await self.list_products(limit=1)

    async def list_products(self, offset: int = 0, limit: int = MAX_PAGE) -> Page[Product]:
        return await self._page(
            "product", plural="products", parse=parse_product, params={}, offset=offset, limit=limit
        )

    def iter_products(self) -> AsyncIterator[Product]:
        return self._all(self.list_products)

    async def show_product(self, code: str) -> Product:
        envelope = await self._read("product", "show", {"ProductCode": code})
        return parse_product(_record(envelope, "product"))

    # -- debtors -------------------------------------------------------------------

    async def list_debtors(
        self, offset: int = 0, limit: int = MAX_PAGE, modified_since: datetime | None = None
    ) -> Page[DebtorSummary]:
        params: dict[str, Any] = {"sort": "Identifier", "order": "ASC"}
        if modified_since is not None:
            params["modified"] = {"from": modified_since}
        return await self._page(
            "debtor",
            plural="debtors",
            parse=parse_debtor_summary,
            params=params,
            offset=offset,
            limit=limit,
        )

    def iter_debtors(self, modified_since: datetime | None = None) -> AsyncIterator[DebtorSummary]:
        return self._all(lambda offset: self.list_debtors(offset, modified_since=modified_since))

    async def search_debtors(self, text: str, fields: str = "Comment") -> list[DebtorSummary]:
        async def fetch(offset: int) -> Page[DebtorSummary]:
            params = {"searchat": fields, "searchfor": text, "sort": "Identifier", "order": "ASC"}
            return await self._page(
                "debtor",
                plural="debtors",
                parse=parse_debtor_summary,
                params=params,
                offset=offset,
                limit=MAX_PAGE,
            )

        return [debtor async for debtor in self._all(fetch)]

    async def show_debtor(self, code: str) -> Debtor:
        envelope = await self._read("debtor", "show", {"DebtorCode": code})
        return parse_debtor(_record(envelope, "debtor"))

    async def add_debtor(self, data: DebtorInput) -> Debtor:
        envelope = await self._write("debtor", "add", debtor_params(data))
        return parse_debtor(_record(envelope, "debtor"))

    async def edit_debtor(self, code: str, data: DebtorInput) -> Debtor:
        params = debtor_params(data)
        if data.code is None or data.code == code:
            params["DebtorCode"] = code
        else:
            # Renaming: DebtorCode carries the new code, so select by Identifier.
            params["Identifier"] = (await self.show_debtor(code)).identifier
        envelope = await self._write("debtor", "edit", params)
        return parse_debtor(_record(envelope, "debtor"))

    # -- invoices ------------------------------------------------------------------

    def _line_params(self, line: InvoiceLineInput) -> dict[str, Any]:
        return {
            "Date": line.date,
            "Number": line.number,
            "NumberSuffix": line.unit,
            "ProductCode": line.product_code,
            "Description": line.description,
            "PriceExcl": line.price_excl,
            "DiscountPercentage": line.discount_percentage,
            **self._dialect.line_vat(line),
            **self._dialect.line_period(line),
        }

    async def add_invoice(self, data: InvoiceInput) -> Invoice:
        params: dict[str, Any] = {
            "DebtorCode": data.debtor_code,
            "Status": int(data.status),
            "Date": data.date,
            "Term": data.term,
            "ReferenceNumber": data.reference_number,
            "Description": data.description,
            "Comment": data.comment,
            "Discount": data.discount_percentage,
            **self._dialect.invoice_add_extra,
            "InvoiceLines": [self._line_params(line) for line in data.lines],
        }
        envelope = await self._write("invoice", "add", params)
        return parse_invoice(_record(envelope, "invoice"))

    @staticmethod
    def _select(identifier: int | str) -> dict[str, Any]:
        if isinstance(identifier, int):
            return {"Identifier": identifier}
        return {"InvoiceCode": identifier}

    async def show_invoice(self, identifier: int | str) -> Invoice:
        envelope = await self._read("invoice", "show", self._select(identifier))
        return parse_invoice(_record(envelope, "invoice"))

    async def list_invoices(
        self,
        modified_since: datetime | None = None,
        offset: int = 0,
        limit: int = MAX_PAGE,
        debtor_code: str | None = None,
    ) -> Page[Invoice]:
        # Identifier order keeps paging stable while invoices change (no row is skipped).
        params: dict[str, Any] = {"sort": "Identifier", "order": "ASC"}
        if modified_since is not None:
            params["modified"] = {"from": modified_since}
        if debtor_code is not None:
            # A plain DebtorCode= filter is ignored on HostFact.
            params.update(searchat="DebtorCode", searchfor=debtor_code)
        return await self._page(
            "invoice",
            plural="invoices",
            parse=parse_invoice,
            params=params,
            offset=offset,
            limit=limit,
        )

    def iter_invoices_modified_since(self, since: datetime) -> AsyncIterator[Invoice]:
        return self._all(lambda offset: self.list_invoices(since, offset))

    async def find_invoices_by_reference(self, reference: str) -> list[Invoice]:
        async def fetch(offset: int) -> Page[Invoice]:
            params = {
                "searchat": "ReferenceNumber",
                "searchfor": reference,
                "sort": "Identifier",
                "order": "ASC",
            }
            return await self._page(
                "invoice",
                plural="invoices",
                parse=parse_invoice,
                params=params,
                offset=offset,
                limit=MAX_PAGE,
            )

        # searchfor matches substrings: keep only exact matches.
        return [
            invoice async for invoice in self._all(fetch) if invoice.reference_number == reference
        ]

    async def delete_invoice(self, identifier: int) -> None:
        await self._write("invoice", "delete", {"Identifier": identifier})

    async def credit_invoice(self, identifier: int) -> Invoice:
        envelope = await self._write("invoice", "credit", {"Identifier": identifier})
        return parse_invoice(_record(envelope, "invoice"))

    async def book_invoice(self, identifier: int) -> Invoice:
        params = {"Identifier": identifier, "Status": int(InvoiceStatus.SENT)}
        envelope = await self._write("invoice", "edit", params)
        return parse_invoice(_record(envelope, "invoice"))

    async def send_invoice(self, identifier: int) -> Invoice:
        envelope = await self._write("invoice", "sendbyemail", {"Identifier": identifier})
        return parse_invoice(_record(envelope, "invoice"))

    async def mark_as_paid(self, identifier: int) -> Invoice:
        envelope = await self._write("invoice", "markaspaid", {"Identifier": identifier})
        return parse_invoice(_record(envelope, "invoice"))
