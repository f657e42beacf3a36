"""Controllers ``invoice`` and ``invoiceline``.

Rules: lines inherit unspecified fields from their product; amounts are Decimal,
line amount = PriceExcl x Number (x Periods) rounded half-up to cents minus the line
discount, VAT per rate on the totals; concepts have ``[concept]0001`` codes and are the
only invoices that can be edited or deleted; booking gives the next real number;
credit turns the original into status 9 and creates a negative status-8 invoice.

Answers follow HostFact's ``apiv2/controllers/invoice_api_controller.php`` (and
``invoiceline_api_controller.php``): ``list`` rows are a fixed subset of the record,
``markaspaid`` answers with messages only, ``sendbyemail`` and ``credit`` add success
messages to the record, ``invoiceline/add`` works in every status.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .common import Handler, Params, fail, find, list_envelope
from .listing import ListRules
from .messages import message
from .products import read_vat
from .state import EmulatorState, Record, tax_code_for
from .values import cents, period_end, render, strict_date, strict_decimal, text

CONCEPT, SENT, PARTLY_PAID, PAID, CREDIT, CANCELLED = 0, 2, 3, 4, 8, 9
_HUNDRED = Decimal(100)
_EDITABLE = (
    "DebtorCode",
    "Debtor",
    "Date",
    "Term",
    "ReferenceNumber",
    "Description",
    "Comment",
    "Discount",
    "Status",
)
#: HostFact's invoice_api_controller: its parameters (the valid sort/searchat values) and
#: list_api_action's defaults: newest first, searching InvoiceCode|CompanyName|SurName.
LIST_RULES = ListRules(
    parameters=frozenset(
        {
            "Identifier",
            "InvoiceCode",
            "Debtor",
            "DebtorCode",
            "Status",
            "SubStatus",
            "Date",
            "Term",
            "PayBefore",
            "PaymentURL",
            "AmountExcl",
            "AmountTax",
            "AmountIncl",
            "AmountPaid",
            "Discount",
            "VatCalcMethod",
            "IgnoreDiscount",
            "Coupon",
            "ReferenceNumber",
            "CompanyName",
            "TaxNumber",
            "Sex",
            "Initials",
            "SurName",
            "Address",
            "ZipCode",
            "City",
            "Country",
            "EmailAddress",
            "InvoiceMethod",
            "Template",
            "SentDate",
            "Sent",
            "Reminders",
            "ReminderDate",
            "Authorisation",
            "PaymentMethod",
            "PayDate",
            "TransactionID",
            "Description",
            "Comment",
            "InvoiceLines",
            "Created",
            "Modified",
        }
    ),
    default_sort="Date",
    default_order="DESC",
    default_searchat="InvoiceCode|CompanyName|SurName",
)
#: What HostFact's list_api_action puts in a row (no ReferenceNumber, Term, AmountPaid,
#: Comment or lines); AmountOpen is computed.
LIST_ROW_FIELDS = (
    "Identifier",
    "InvoiceCode",
    "Debtor",
    "DebtorCode",
    "CompanyName",
    "Initials",
    "SurName",
    "AmountExcl",
    "AmountIncl",
    "AmountOpen",
    "Date",
    "Status",
    "SubStatus",
    "Authorisation",
    "Modified",
)


def _period_fields(state: EmulatorState) -> tuple[str, str]:
    return ("StartDate", "EndDate") if state.flavor == "wefact" else ("StartPeriod", "EndPeriod")


def _today(state: EmulatorState) -> date:
    return state.clock().date()


# -- reading values -------------------------------------------------------------------


def _decimal(
    state: EmulatorState, raw: Params, field: str, default: Decimal, label: str
) -> Decimal:
    if field not in raw or text(raw[field]).strip() == "":
        return default
    value = strict_decimal(raw[field])
    if value is None:
        raise fail(state, "invalid_value", field=label, value=text(raw[field]))
    return value


def _date(
    state: EmulatorState, raw: Params, field: str, default: date | None, label: str
) -> date | None:
    if field not in raw or text(raw[field]).strip() == "":
        return default
    value = strict_date(raw[field])
    if value is None:
        raise fail(state, "invalid_value", field=label, value=text(raw[field]))
    return value


def _int(state: EmulatorState, raw: Params, field: str, default: int) -> int:
    value = text(raw.get(field)).strip()
    if value == "":
        return default
    if not value.lstrip("-").isdigit():
        raise fail(state, "invalid_value", field=field, value=value)
    return int(value)


# -- lines ----------------------------------------------------------------------------


def build_line(state: EmulatorState, raw: Any, index: int, invoice_date: date) -> Record:
    """One validated line; fields the caller left out come from the product."""
    label = f"InvoiceLines[{index}]"
    if not isinstance(raw, dict):
        raise fail(state, "invalid_value", field="InvoiceLines", value=text(raw))
    product: Record | None = None
    code = text(raw.get("ProductCode")).strip()
    if code:
        product = state.product_by_code(code)
        if product is None:
            raise fail(state, "product_not_found")
    if "Description" in raw:
        description = text(raw["Description"])
    else:
        description = product["ProductKeyPhrase"] if product else ""
    if not description.strip() and product is None:
        raise fail(state, "required", field=f"{label}[Description]")
    number = _decimal(state, raw, "Number", Decimal(1), f"{label}[Number]")
    price = _decimal(
        state,
        raw,
        "PriceExcl",
        product["PriceExcl"] if product else Decimal(0),
        f"{label}[PriceExcl]",
    )
    discount = _decimal(
        state, raw, "DiscountPercentage", Decimal(0), f"{label}[DiscountPercentage]"
    )
    if not Decimal(0) <= discount <= _HUNDRED:
        raise fail(state, "invalid_value", field=f"{label}[DiscountPercentage]", value=discount)
    vat = read_vat(state, raw)
    if vat is None:
        rate = product["TaxPercentage"] if product else state.default_tax_rate
        vat = {"TaxPercentage": rate}
        if state.flavor == "wefact":
            vat["TaxCode"] = (
                product.get("TaxCode", tax_code_for(rate)) if product else tax_code_for(rate)
            )
    line: Record = {
        "Identifier": state.next_id("invoiceline"),
        "Date": _date(state, raw, "Date", invoice_date, f"{label}[Date]"),
        "Number": number,
        "NumberSuffix": text(raw["NumberSuffix"])
        if "NumberSuffix" in raw
        else (product["NumberSuffix"] if product else ""),
        "ProductCode": code,
        "Description": description,
        "PriceExcl": price,
        "DiscountPercentage": discount,
        **vat,
    }
    _periods(state, line, raw, product=product, invoice_date=invoice_date, label=label)
    return line


def _periods(
    state: EmulatorState,
    line: Record,
    raw: Params,
    *,
    product: Record | None,
    invoice_date: date,
    label: str,
) -> None:
    start_field, end_field = _period_fields(state)
    inherited = product["PricePeriod"] if product else ""
    periodic = text(raw.get("Periodic")).strip() or inherited
    kind = text(raw.get("PeriodicType")).strip() or ("period" if periodic else "once")
    if kind not in ("once", "period"):
        raise fail(state, "invalid_value", field=f"{label}[PeriodicType]", value=kind)
    periods = _int(state, raw, "Periods", 1)
    start = _date(state, raw, start_field, None, f"{label}[{start_field}]")
    end = (
        _date(state, raw, end_field, None, f"{label}[{end_field}]")
        if state.flavor == "wefact"
        else None
    )
    if kind == "period":
        start = start or invoice_date
        end = end or period_end(start, periodic or "m", periods)
    line.update(
        {
            "PeriodicType": kind,
            "Periods": periods,
            "Periodic": periodic if kind == "period" else "",
            start_field: start,
            end_field: end,
        }
    )


def recalculate(state: EmulatorState, invoice: Record) -> None:
    """Line amounts, then VAT per rate on the (discounted) totals."""
    per_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in invoice["InvoiceLines"]:
        periods = line["Periods"] if line["PeriodicType"] == "period" else 1
        gross = cents(line["PriceExcl"] * line["Number"] * periods)
        excl = gross - cents(gross * line["DiscountPercentage"] / _HUNDRED)
        rate = line["TaxPercentage"]
        line["AmountExcl"] = excl
        line["AmountIncl"] = excl + cents(excl * rate / _HUNDRED)
        per_rate[rate] += excl
    total_excl = total_tax = Decimal("0.00")
    for rate, gross in per_rate.items():
        base = gross - cents(gross * invoice["Discount"] / _HUNDRED)
        total_excl += base
        total_tax += cents(base * rate / _HUNDRED)
    invoice["AmountExcl"] = total_excl
    invoice["AmountTax"] = total_tax
    invoice["AmountIncl"] = total_excl + total_tax
    if invoice["Status"] == PAID:
        invoice["AmountPaid"] = invoice["AmountIncl"]
    invoice["PayBefore"] = invoice["Date"] + timedelta(days=invoice["Term"])


def list_row(invoice: Record) -> dict[str, Any]:
    """A row of ``invoice/list``: only HostFact's fixed subset of fields."""
    if invoice["Status"] == SENT:
        amount_open = invoice["AmountIncl"]
    elif invoice["Status"] == PARTLY_PAID:
        amount_open = invoice["AmountIncl"] - invoice["AmountPaid"]
    else:
        amount_open = Decimal(0)
    row = {**invoice, "AmountOpen": amount_open}
    return dict(render({field: row[field] for field in LIST_ROW_FIELDS}))


def rendered(state: EmulatorState, invoice: Record) -> dict[str, Any]:
    out = render(invoice)
    files = state.attachments_of(invoice["Identifier"])
    if files:
        # HostFact's _show_invoice: {Identifier, Filename} per file, no key when none.
        out["Attachments"] = [
            render({"Identifier": f["Identifier"], "Filename": f["Filename"]}) for f in files
        ]
    if state.flavor == "wefact":
        # WeFact mixes JSON numbers into otherwise string amounts; clients must cope.
        out["AmountIncl"] = float(invoice["AmountIncl"])
        out["AmountOutstanding"] = float(invoice["AmountIncl"] - invoice["AmountPaid"])
    return dict(out)


def _reply(state: EmulatorState, invoice: Record) -> dict[str, Any]:
    return {"invoice": rendered(state, invoice)}


def _find(state: EmulatorState, params: Params) -> Record:
    return find(state, state.invoices, params, "InvoiceCode", "invoice_not_found")


def _debtor(state: EmulatorState, params: Params) -> Record:
    identifier = text(params.get("Debtor")).strip()
    code = text(params.get("DebtorCode")).strip()
    if identifier:
        debtor = state.debtors.get(int(identifier)) if identifier.isdigit() else None
    elif code:
        debtor = state.debtor_by_code(code)
    else:
        raise fail(state, "required", field="DebtorCode")
    if debtor is None:
        raise fail(state, "debtor_not_found")
    return debtor


def _status(state: EmulatorState, params: Params, default: int) -> int:
    status = _int(state, params, "Status", default)
    allowed = {CONCEPT, SENT} | ({1} if state.flavor == "hostfact" else set())
    if status not in allowed:
        raise fail(state, "invalid_status", value=status)
    return status


def _book(state: EmulatorState, invoice: Record, status: int = SENT) -> None:
    invoice["InvoiceCode"] = state.next_invoice_code()
    invoice["Status"] = status
    invoice["SentDate"] = state.clock()


def _touch(state: EmulatorState, invoice: Record) -> None:
    recalculate(state, invoice)
    invoice["Modified"] = state.clock()


# -- invoice actions ---------------------------------------------------------------------


def add(state: EmulatorState, params: Params) -> dict[str, Any]:
    debtor = _debtor(state, params)
    status = _status(state, params, CONCEPT)
    invoice_date = _date(state, params, "Date", _today(state), "Date") or _today(state)
    default_term = debtor["InvoiceTerm"] if debtor["InvoiceTerm"] >= 0 else 14
    term = _int(state, params, "Term", default_term)
    raw_lines = params.get("InvoiceLines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise fail(state, "no_lines", code=state.next_concept_code(peek=True))
    lines = [build_line(state, raw, n, invoice_date) for n, raw in enumerate(raw_lines)]
    discount = _decimal(state, params, "Discount", Decimal(0), "Discount")
    now = state.clock()
    invoice: Record = {
        "Identifier": state.next_id("invoice"),
        "InvoiceCode": state.next_concept_code(),
        "Debtor": debtor["Identifier"],
        "DebtorCode": debtor["DebtorCode"],
        "CompanyName": debtor["CompanyName"],
        "Initials": debtor["Initials"],
        "SurName": debtor["SurName"],
        "Status": CONCEPT,
        "SubStatus": "",
        "Authorisation": "no",
        "Date": invoice_date,
        "Term": term,
        "PayBefore": None,
        "PayDate": None,
        "SentDate": None,
        "Discount": discount,
        "AmountExcl": Decimal(0),
        "AmountTax": Decimal(0),
        "AmountIncl": Decimal(0),
        "AmountPaid": Decimal("0.00"),
        "ReferenceNumber": text(params.get("ReferenceNumber")),
        "Description": text(params.get("Description")),
        "Comment": text(params.get("Comment")),
        "InvoiceLines": lines,
        "Created": now,
        "Modified": now,
    }
    if status != CONCEPT:
        _book(state, invoice, status)
    recalculate(state, invoice)
    state.invoices[invoice["Identifier"]] = invoice
    # WeFact takes products out of stock unless told "no" ("False" is not understood).
    if state.flavor == "wefact" and text(params.get("UseProductInventory")).strip() != "no":
        state.stock_moves.extend(
            (line["ProductCode"], line["Number"]) for line in lines if line["ProductCode"]
        )
    return _reply(state, invoice)


def show(state: EmulatorState, params: Params) -> dict[str, Any]:
    return _reply(state, _find(state, params))


def list_invoices(state: EmulatorState, params: Params) -> dict[str, Any]:
    return list_envelope(
        list(state.invoices.values()),
        params,
        "invoices",
        list_row,
        LIST_RULES,
    )


def edit(state: EmulatorState, params: Params) -> dict[str, Any]:
    invoice = _find(state, params)
    if invoice["Status"] != CONCEPT:
        changes = [f for f in _EDITABLE if f in params and f != "Comment"]
        if (
            any(f != "Status" for f in changes)
            or _int(state, params, "Status", invoice["Status"]) != invoice["Status"]
        ):
            raise fail(state, "edit_not_concept", code=invoice["InvoiceCode"])
        if "Comment" in params:
            invoice["Comment"] = text(params["Comment"])
            invoice["Modified"] = state.clock()
        return _reply(state, invoice)
    status = _status(state, params, CONCEPT)
    updates: Record = {}
    if "DebtorCode" in params or "Debtor" in params:
        debtor = _debtor(state, params)
        updates.update(
            Debtor=debtor["Identifier"],
            DebtorCode=debtor["DebtorCode"],
            CompanyName=debtor["CompanyName"],
            Initials=debtor["Initials"],
            SurName=debtor["SurName"],
        )
    updates["Date"] = _date(state, params, "Date", invoice["Date"], "Date")
    updates["Term"] = _int(state, params, "Term", invoice["Term"])
    updates["Discount"] = _decimal(state, params, "Discount", invoice["Discount"], "Discount")
    for field in ("ReferenceNumber", "Description", "Comment"):
        if field in params:
            updates[field] = text(params[field])
    invoice.update(updates)
    if status != CONCEPT:
        _book(state, invoice, status)
    _touch(state, invoice)
    return _reply(state, invoice)


def delete(state: EmulatorState, params: Params) -> dict[str, Any]:
    invoice = _find(state, params)
    if invoice["Status"] != CONCEPT:
        raise fail(state, "delete_not_concept")
    del state.invoices[invoice["Identifier"]]
    return {"success": [message(state.flavor, "deleted", code=invoice["InvoiceCode"])]}


def credit(state: EmulatorState, params: Params) -> dict[str, Any]:
    original = _find(state, params)
    if original["Status"] == CONCEPT:
        raise fail(state, "credit_concept", code=original["InvoiceCode"])
    if original["Status"] in (CREDIT, CANCELLED):
        raise fail(state, "credit_again", code=original["InvoiceCode"])
    now = state.clock()
    lines = [
        {**line, "Identifier": state.next_id("invoiceline"), "Number": -line["Number"]}
        for line in original["InvoiceLines"]
    ]
    credit_invoice: Record = {
        **original,
        "Identifier": state.next_id("invoice"),
        "Date": now.date(),
        "PayDate": None,
        "AmountPaid": Decimal("0.00"),
        "InvoiceLines": lines,
        "Comment": f"Creditfactuur voor {original['InvoiceCode']}",
        "Created": now,
        "Modified": now,
    }
    _book(state, credit_invoice, CREDIT)
    recalculate(state, credit_invoice)
    state.invoices[credit_invoice["Identifier"]] = credit_invoice
    original["Status"] = CANCELLED
    original["Modified"] = now
    # Two messages: the original credited (and cancelled), the credit invoice made.
    success = [
        message(state.flavor, "credited", code=original["InvoiceCode"]),
        message(state.flavor, "created", code=credit_invoice["InvoiceCode"]),
    ]
    return {"success": success, **_reply(state, credit_invoice)}


def send_by_email(state: EmulatorState, params: Params) -> dict[str, Any]:
    invoice = _find(state, params)
    debtor = state.debtors.get(invoice["Debtor"])
    email = debtor["EmailAddress"] if debtor else ""
    if not email:
        raise fail(state, "no_email")
    if invoice["Status"] == CONCEPT:
        _book(state, invoice)
    _touch(state, invoice)
    # Sending again e-mails again: HostFact's sent(true, …) does not look at the status.
    state.sent_emails.append((invoice["InvoiceCode"], email))
    files = tuple(f["Filename"] for f in state.attachments_of(invoice["Identifier"]))
    state.sent_attachments.append((invoice["InvoiceCode"], files))
    answer: dict[str, Any] = {
        "success": [message(state.flavor, "sent", code=invoice["InvoiceCode"], email=email)],
        **_reply(state, invoice),
    }
    if state.flavor == "wefact":
        answer["warning"] = []
    return answer


def mark_as_paid(state: EmulatorState, params: Params) -> dict[str, Any]:
    """Messages only, no record; an error when already paid (markaspaid_api_action)."""
    invoice = _find(state, params)
    if invoice["Status"] == PAID:
        raise fail(state, "already_paid", code=invoice["InvoiceCode"])
    if invoice["Status"] == CONCEPT:
        raise fail(state, "paid_concept", code=invoice["InvoiceCode"])
    if invoice["Status"] in (CREDIT, CANCELLED):
        raise fail(state, "paid_state", code=invoice["InvoiceCode"])
    invoice["Status"] = PAID
    invoice["PayDate"] = _today(state)
    _touch(state, invoice)
    return {"success": [message(state.flavor, "paid", code=invoice["InvoiceCode"])]}


def download(state: EmulatorState, params: Params) -> dict[str, Any]:
    invoice = _find(state, params)
    pdf = f"%PDF-1.4\n% emulated invoice {invoice['InvoiceCode']}\n".encode()
    return {
        "invoice": {
            "Filename": f"{invoice['InvoiceCode']}.pdf",
            "Base64": base64.b64encode(pdf).decode(),
            "MimeType": "application/pdf",
        }
    }


# -- invoiceline actions -------------------------------------------------------------------


def _concept_for_lines(state: EmulatorState, params: Params) -> Record:
    """Deleting lines stays limited to concepts: an assumption (the documentation states
    every-status only for ``invoiceline/add``)."""
    invoice = _find(state, params)
    if invoice["Status"] != CONCEPT:
        raise fail(state, "edit_not_concept", code=invoice["InvoiceCode"])
    return invoice


def line_add(state: EmulatorState, params: Params) -> dict[str, Any]:
    """Lines can be added to an invoice in every status (both products' documentation)."""
    invoice = _find(state, params)
    raw_lines = params.get("InvoiceLines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise fail(state, "no_lines", code=invoice["InvoiceCode"])
    lines = [build_line(state, raw, n, invoice["Date"]) for n, raw in enumerate(raw_lines)]
    invoice["InvoiceLines"].extend(lines)
    _touch(state, invoice)
    success = [message(state.flavor, "lines_added", count=len(lines))]
    return {"success": success, **_reply(state, invoice)}


def line_delete(state: EmulatorState, params: Params) -> dict[str, Any]:
    invoice = _concept_for_lines(state, params)
    raw_lines = params.get("InvoiceLines")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise fail(state, "required", field="InvoiceLines")
    existing = {line["Identifier"] for line in invoice["InvoiceLines"]}
    doomed: set[int] = set()
    for raw in raw_lines:
        value = text(raw.get("Identifier") if isinstance(raw, dict) else raw).strip()
        if not value.isdigit() or int(value) not in existing:
            raise fail(state, "line_not_found", id=value)
        doomed.add(int(value))
    if doomed >= existing:
        raise fail(state, "delete_all_lines")
    invoice["InvoiceLines"] = [
        line for line in invoice["InvoiceLines"] if line["Identifier"] not in doomed
    ]
    _touch(state, invoice)
    return _reply(state, invoice)


INVOICE_ACTIONS: dict[str, Handler] = {
    "add": add,
    "show": show,
    "list": list_invoices,
    "edit": edit,
    "delete": delete,
    "credit": credit,
    "sendbyemail": send_by_email,
    "markaspaid": mark_as_paid,
    "download": download,
}
LINE_ACTIONS: dict[str, Handler] = {"add": line_add, "delete": line_delete}
