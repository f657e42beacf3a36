"""Turn the providers' JSON records into our models (tolerant of both dialects)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .coerce import to_date, to_datetime, to_decimal, to_int, to_money, to_str
from .models import AttachmentRef, Debtor, DebtorSummary, Invoice, InvoiceLine, Product

Record = Mapping[str, Any]


def parse_product(raw: Record) -> Product:
    return Product(
        code=to_str(raw.get("ProductCode")),
        identifier=to_int(raw.get("Identifier")),
        name=to_str(raw.get("ProductName")),
        key_phrase=to_str(raw.get("ProductKeyPhrase")),
        description=to_str(raw.get("ProductDescription")),
        unit=to_str(raw.get("NumberSuffix")),
        price_excl=to_money(raw.get("PriceExcl")),
        tax_percentage=to_decimal(raw.get("TaxPercentage")),
        tax_code=to_str(raw.get("TaxCode")) or None,
        price_period=to_str(raw.get("PricePeriod")),
        modified=to_datetime(raw.get("Modified")),
    )


def _summary_fields(raw: Record) -> dict[str, Any]:
    return {
        "identifier": to_int(raw.get("Identifier")) or 0,
        "code": to_str(raw.get("DebtorCode")),
        "company_name": to_str(raw.get("CompanyName")),
        "sex": to_str(raw.get("Sex")),
        "initials": to_str(raw.get("Initials")),
        "surname": to_str(raw.get("SurName")),
        "email": to_str(raw.get("EmailAddress")),
        "modified": to_datetime(raw.get("Modified")),
    }


def parse_debtor_summary(raw: Record) -> DebtorSummary:
    return DebtorSummary(**_summary_fields(raw))


def parse_debtor(raw: Record) -> Debtor:
    return Debtor(
        **_summary_fields(raw),
        company_number=to_str(raw.get("CompanyNumber")),
        tax_number=to_str(raw.get("TaxNumber")),
        address=to_str(raw.get("Address")),
        zip_code=to_str(raw.get("ZipCode")),
        city=to_str(raw.get("City")),
        country=to_str(raw.get("Country")),
        phone=to_str(raw.get("PhoneNumber")),
        mobile=to_str(raw.get("MobileNumber")),
        comment=to_str(raw.get("Comment")),
        invoice_method=to_int(raw.get("InvoiceMethod")),
        invoice_term=to_int(raw.get("InvoiceTerm")),
        created=to_datetime(raw.get("Created")),
    )


def parse_invoice_line(raw: Record) -> InvoiceLine:
    return InvoiceLine(
        identifier=to_int(raw.get("Identifier")),
        product_code=to_str(raw.get("ProductCode")),
        description=to_str(raw.get("Description")),
        number=to_money(raw.get("Number")),
        unit=to_str(raw.get("NumberSuffix")),
        price_excl=to_money(raw.get("PriceExcl")),
        discount_percentage=to_money(raw.get("DiscountPercentage")),
        tax_percentage=to_decimal(raw.get("TaxPercentage")),
        amount_excl=to_decimal(raw.get("AmountExcl")),
        amount_incl=to_decimal(raw.get("AmountIncl")),
        date=to_date(raw.get("Date")),
        # WeFact names the period StartDate/EndDate, HostFact StartPeriod/EndPeriod.
        start_date=to_date(raw.get("StartDate") or raw.get("StartPeriod")),
        end_date=to_date(raw.get("EndDate") or raw.get("EndPeriod")),
    )


def _rows(value: Any) -> list[Any]:
    """A PHP array as a list: maps keyed by id arrive as objects, missing ones as nothing."""
    if isinstance(value, Mapping):
        return list(value.values())
    return list(value) if isinstance(value, list) else []


def parse_attachment(raw: Record) -> AttachmentRef:
    return AttachmentRef(
        identifier=to_int(raw.get("Identifier")), filename=to_str(raw.get("Filename"))
    )


def parse_invoice(raw: Record) -> Invoice:
    lines = _rows(raw.get("InvoiceLines"))
    return Invoice(
        identifier=to_int(raw.get("Identifier")) or 0,
        code=to_str(raw.get("InvoiceCode")),
        debtor_code=to_str(raw.get("DebtorCode")),
        status=to_int(raw.get("Status")) or 0,
        date=to_date(raw.get("Date")),
        term=to_int(raw.get("Term")),
        pay_before=to_date(raw.get("PayBefore")),
        amount_excl=to_money(raw.get("AmountExcl")),
        amount_tax=to_money(raw.get("AmountTax")),
        amount_incl=to_money(raw.get("AmountIncl")),
        amount_paid=to_money(raw.get("AmountPaid")),
        reference_number=to_str(raw.get("ReferenceNumber")),
        description=to_str(raw.get("Description")),
        comment=to_str(raw.get("Comment")),
        lines=tuple(parse_invoice_line(line) for line in lines if isinstance(line, Mapping)),
        created=to_datetime(raw.get("Created")),
        modified=to_datetime(raw.get("Modified")),
        # HostFact's show lists {Identifier, Filename} per file, and leaves the key out when
        # there is none (invoice_api_controller.php, _show_invoice).
        attachments=tuple(
            parse_attachment(row) for row in _rows(raw.get("Attachments"))
            if isinstance(row, Mapping)
        ),
    )
