"""The provider client: one implementation of InvoicingProvider for both APIs.

WeFactClient and HostFactClient only choose the endpoint and the Dialect.

Two rules from the real products shape the lookups (contract §4):

- **List rows are not records.** ``invoice/list`` rows carry a fixed subset of fields (no
  ``ReferenceNumber``), debtor rows no ``Comment``. Anything matched on such a field lists
  candidates by a field the rows do carry and confirms each with ``show``.
- **Never sort by Identifier.** HostFact accepts ``sort=Identifier`` (it is a parameter) but
  its query then fails and the list answers "no rows" — a lookup that silently finds
  nothing. Debtors are listed by ``DebtorCode`` (the documented default, unique), invoices in
  the default order (newest first).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

import httpx

from .budget import CallBudget, WriteLocks
from .coerce import to_int
from .dialect import Dialect
from .errors import InconclusiveLookupError, NotFoundError, ValidationError, unreachable
from .models import (
    AttachmentRef,
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
from .pacing import PacerRegistry, RatePacer, Sleep
from .parsing import parse_debtor, parse_debtor_summary, parse_invoice, parse_product
from .protocol import MAX_PAGE, ProviderKind
from .transport import RetryPolicy, Transport

T = TypeVar("T")

#: At most this many list rows are read for one search (five full pages).
MAX_SEARCH_ROWS = 5 * MAX_PAGE
#: At most this many candidates are confirmed with ``show`` for one reference lookup.
MAX_REFERENCE_CANDIDATES = 100
#: The ``Type`` of an invoice's attachments (WeFact's and HostFact's attachment pages).
INVOICE_ATTACHMENT = "invoice"

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


def _downloaded(envelope: Mapping[str, Any]) -> bytes:
    """The file of an ``attachment/download`` answer.

    HostFact documents it as ``success: [Filename, Base64]`` (its attachment_api_controller
    hands the file to parseSuccess); an ``attachment: {Filename, Base64}`` record is read too,
    in case WeFact answers as its invoice download does."""
    encoded: Any = None
    record = envelope.get("attachment")
    if isinstance(record, Mapping):
        encoded = record.get("Base64")
    else:
        messages = envelope.get("success")
        if isinstance(messages, list) and len(messages) >= 2:
            encoded = messages[1]
    if not isinstance(encoded, str):
        raise unreachable("the attachment download carried no file", retryable=False)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise unreachable("the attachment download was not Base64", retryable=False) from None


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
        pacers: PacerRegistry | None = None,
        budget: CallBudget | None = None,
        write_locks: WriteLocks | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        # WeFact counts calls per source IP: clients given the fleet's ``budget`` share one
        # budget per endpoint with every process; clients given only the process's registry
        # share one per process. Without either (tests, scripts) the client paces itself.
        if pacer is None and pacers is not None and dialect.shares_rate_limit:
            pacer = pacers.for_endpoint(endpoint)
        self._dialect = dialect
        self.endpoint = endpoint
        #: HostFact's write lock, shared with other processes when given (see ``_write``).
        self._write_locks = write_locks if dialect.serialises_writes else None
        self._transport = Transport(
            http,
            endpoint,
            api_key,
            provider=dialect.name,
            pacer=pacer,
            budget=budget if dialect.shares_rate_limit else None,
            retry=retry,
            sleep=sleep,
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
        # The in-process lock first, so one process holds at most one shared lock (and one
        # database connection) per installation while its other writers queue here.
        async with self._dialect.write_guard(self.endpoint), self._shared_write_lock():
            return await self._transport.call(controller, action, params)

    def _shared_write_lock(self) -> contextlib.AbstractAsyncContextManager[Any]:
        if self._write_locks is None:
            return contextlib.nullcontext()
        return self._write_locks.hold(self.endpoint)

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
        # DebtorCode: the documented default and unique, so paging is stable (new debtors get
        # the highest code and land at the end).
        params: dict[str, Any] = {"sort": "DebtorCode", "order": "ASC"}
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

    async def search_debtors(self, text: str, fields: str = "CompanyName") -> list[DebtorSummary]:
        async def fetch(offset: int) -> Page[DebtorSummary]:
            params = {"searchat": fields, "searchfor": text, "sort": "DebtorCode", "order": "ASC"}
            return await self._page(
                "debtor",
                plural="debtors",
                parse=parse_debtor_summary,
                params=params,
                offset=offset,
                limit=MAX_PAGE,
            )

        found: list[DebtorSummary] = []
        async for debtor in self._all(fetch):
            if len(found) >= MAX_SEARCH_ROWS:
                raise InconclusiveLookupError(
                    f"more than {MAX_SEARCH_ROWS} debtors match {text!r} in {fields}"
                )
            found.append(debtor)
        return found

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
        created_since: datetime | None = None,
    ) -> Page[Invoice]:
        # The default order (newest first): see the module docstring on sort=Identifier.
        params: dict[str, Any] = {}
        if modified_since is not None:
            params["modified"] = {"from": modified_since}
        if created_since is not None:
            params["created"] = {"from": created_since}
        if debtor_code is not None:
            # A plain DebtorCode= filter is ignored on HostFact; searchfor matches substrings.
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

    async def find_invoices_by_reference(
        self, reference: str, *, debtor_code: str, created_since: datetime | None = None
    ) -> list[Invoice]:
        # List rows carry no ReferenceNumber (and searching it is undocumented): list the
        # debtor's invoices made since the attempt, confirm each candidate with show.
        candidates: list[Invoice] = []
        offset = 0
        while True:
            page = await self.list_invoices(
                offset=offset, debtor_code=debtor_code, created_since=created_since
            )
            # searchfor matches substrings (DB1000 also finds DB10001): exact codes only.
            candidates.extend(row for row in page.items if row.debtor_code == debtor_code)
            if len(candidates) > MAX_REFERENCE_CANDIDATES:
                since = f" since {created_since:%Y-%m-%d %H:%M}" if created_since else ""
                raise InconclusiveLookupError(
                    f"debtor {debtor_code} has more than {MAX_REFERENCE_CANDIDATES} invoices"
                    f"{since}, too many to check one by one for reference {reference}"
                )
            if len(page.items) < MAX_PAGE:
                break
            offset += len(page.items)
        found: list[Invoice] = []
        for row in candidates:
            try:
                invoice = await self.show_invoice(row.identifier)
            except NotFoundError:
                continue  # a concept deleted since it was listed
            if invoice.reference_number == reference:
                found.append(invoice)
        return found

    async def delete_invoice(self, identifier: int) -> None:
        await self._write("invoice", "delete", {"Identifier": identifier})

    def _answered_invoice(self, envelope: Mapping[str, Any]) -> Invoice | None:
        record = envelope.get("invoice")
        return parse_invoice(record) if isinstance(record, Mapping) else None

    async def credit_invoice(self, identifier: int) -> Invoice | None:
        try:
            envelope = await self._write("invoice", "credit", {"Identifier": identifier})
        except ValidationError:
            # Credited already (an earlier call whose answer was lost, or by hand)? Then
            # this call's work is done; anything else is a real refusal.
            if (await self.show_invoice(identifier)).status == InvoiceStatus.CANCELLED:
                return None
            raise
        credit = self._answered_invoice(envelope)
        return credit if credit is not None and credit.identifier != identifier else None

    async def book_invoice(self, identifier: int) -> Invoice:
        params = {"Identifier": identifier, "Status": int(InvoiceStatus.SENT)}
        envelope = await self._write("invoice", "edit", params)
        return parse_invoice(_record(envelope, "invoice"))

    async def send_invoice(self, identifier: int) -> Invoice:
        # sendbyemail e-mails again each time it is called: only a concept is sent.
        current = await self.show_invoice(identifier)
        if not current.is_concept:
            return current
        envelope = await self._write("invoice", "sendbyemail", {"Identifier": identifier})
        return self._answered_invoice(envelope) or await self.show_invoice(identifier)

    async def mark_as_paid(self, identifier: int) -> Invoice:
        try:
            envelope = await self._write("invoice", "markaspaid", {"Identifier": identifier})
        except ValidationError:
            # HostFact refuses an invoice that is paid already ("The invoice is already paid").
            current = await self.show_invoice(identifier)
            if current.status == InvoiceStatus.PAID:
                return current
            raise
        # HostFact answers with messages only; WeFact's answer is undocumented.
        return self._answered_invoice(envelope) or await self.show_invoice(identifier)

    # -- attachments -----------------------------------------------------------------
    #
    # Controller ``attachment`` (WeFact's and HostFact's "attachment add/download/delete"
    # pages): the invoice by ``ReferenceIdentifier``, ``Type=invoice``, the file by
    # ``Filename``, its content as ``Base64``. There is no ``list`` action: ``invoice/show``
    # lists an invoice's files. A second ``add`` with the same name stores a second file, so
    # a caller whose ``add`` answer was lost looks at that list before adding again.
    # HostFact lets the attachment controller past its global write lock
    # (hostfactapi.class.php, checkLogin), so these writes skip our per-installation guard;
    # the transport still never repeats an ``add`` whose answer was lost.

    @staticmethod
    def _attachment(invoice_identifier: int, filename: str) -> dict[str, Any]:
        return {
            "ReferenceIdentifier": invoice_identifier,
            "Type": INVOICE_ATTACHMENT,
            "Filename": filename,
        }

    async def add_attachment(self, invoice_identifier: int, filename: str, content: bytes) -> None:
        params = {
            **self._attachment(invoice_identifier, filename),
            "Base64": base64.b64encode(content).decode("ascii"),
        }
        await self._transport.call("attachment", "add", params)

    async def list_attachments(self, invoice_identifier: int) -> tuple[AttachmentRef, ...]:
        return (await self.show_invoice(invoice_identifier)).attachments

    async def download_attachment(self, invoice_identifier: int, filename: str) -> bytes:
        envelope = await self._read(
            "attachment", "download", self._attachment(invoice_identifier, filename)
        )
        return _downloaded(envelope)

    async def delete_attachment(self, invoice_identifier: int, filename: str) -> None:
        await self._transport.call(
            "attachment", "delete", self._attachment(invoice_identifier, filename)
        )
