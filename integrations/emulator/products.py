"""Controller ``product``: list, show, add, edit, delete."""

from __future__ import annotations

from typing import Any

from .common import Handler, Params, fail, find, list_envelope
from .listing import ListRules
from .state import HOSTFACT_TAX_RATES, WEFACT_TAX_CODES, EmulatorState, Record
from .values import render, strict_decimal, text

PERIODS = frozenset({"", "d", "w", "m", "k", "h", "j", "t"})
_TEXT_FIELDS = ("ProductName", "ProductKeyPhrase", "ProductDescription", "NumberSuffix")
#: HostFact's product_api_controller: its parameters and list_api_action's defaults.
LIST_RULES = ListRules(
    parameters=frozenset(
        {
            "Identifier",
            "ProductCode",
            "ProductName",
            "ProductKeyPhrase",
            "ProductDescription",
            "NumberSuffix",
            "PriceExcl",
            "PricePeriod",
            "TaxPercentage",
            "TaxCode",
            "Cost",
            "ProductType",
            "Groups",
            "Created",
            "Modified",
        }
    ),
    default_sort="ProductCode",
    default_order="ASC",
    default_searchat="ProductCode|ProductName|ProductKeyPhrase",
)


def rendered(state: EmulatorState, record: Record) -> dict[str, Any]:
    """WeFact shows TaxCode and TaxPercentage; HostFact only TaxPercentage."""
    out = dict(record)
    if state.flavor == "hostfact":
        out.pop("TaxCode", None)
    return out


def read_vat(state: EmulatorState, params: Params) -> dict[str, Any] | None:
    """The VAT fields in `params` in this flavour's dialect, validated; None if absent."""
    if state.flavor == "wefact":
        if "TaxCode" not in params:
            return None
        code = text(params["TaxCode"]).strip()
        if code not in WEFACT_TAX_CODES:
            raise fail(state, "invalid_tax", value=code)
        return {"TaxCode": code, "TaxPercentage": WEFACT_TAX_CODES[code]}
    if "TaxPercentage" not in params:
        return None
    rate = strict_decimal(params["TaxPercentage"])
    if rate is None or rate not in HOSTFACT_TAX_RATES:
        raise fail(state, "invalid_tax", value=text(params["TaxPercentage"]))
    return {"TaxPercentage": rate}


def _changes(state: EmulatorState, params: Params) -> dict[str, Any]:
    changes: dict[str, Any] = {f: text(params[f]).strip() for f in _TEXT_FIELDS if f in params}
    if "PriceExcl" in params:
        price = strict_decimal(params["PriceExcl"])
        if price is None:
            raise fail(state, "invalid_value", field="PriceExcl", value=text(params["PriceExcl"]))
        changes["PriceExcl"] = price
    if "PricePeriod" in params:
        period = text(params["PricePeriod"]).strip()
        if period not in PERIODS:
            raise fail(state, "invalid_value", field="PricePeriod", value=period)
        changes["PricePeriod"] = period
    changes.update(read_vat(state, params) or {})
    return changes


def list_products(state: EmulatorState, params: Params) -> dict[str, Any]:
    return list_envelope(
        list(state.products.values()),
        params,
        "products",
        lambda r: rendered(state, r),
        LIST_RULES,
    )


def show(state: EmulatorState, params: Params) -> dict[str, Any]:
    record = find(state, state.products, params, "ProductCode", "product_not_found")
    return {"product": render(rendered(state, record))}


def add(state: EmulatorState, params: Params) -> dict[str, Any]:
    for required in ("ProductName", "ProductKeyPhrase", "PriceExcl"):
        if not text(params.get(required)).strip():
            raise fail(state, "required", field=required)
    code = text(params.get("ProductCode")).strip()
    if code and state.product_by_code(code) is not None:
        raise fail(state, "product_code_taken", code=code)
    changes = _changes(state, params)
    changes.setdefault("TaxPercentage", state.default_tax_rate)
    record = state.add_product(ProductCode=code or None, **changes)
    return {"product": render(rendered(state, record))}


def edit(state: EmulatorState, params: Params) -> dict[str, Any]:
    record = find(state, state.products, params, "ProductCode", "product_not_found")
    changes = _changes(state, params)
    if text(params.get("Identifier")).strip():
        code = text(params.get("ProductCode")).strip()
        if code and code != record["ProductCode"]:
            if state.product_by_code(code) is not None:
                raise fail(state, "product_code_taken", code=code)
            changes["ProductCode"] = code
    record.update(changes)
    record["Modified"] = state.clock()
    return {"product": render(rendered(state, record))}


def delete(state: EmulatorState, params: Params) -> dict[str, Any]:
    record = find(state, state.products, params, "ProductCode", "product_not_found")
    del state.products[record["Identifier"]]
    return {"success": [f"Product {record['ProductCode']} deleted"]}


ACTIONS: dict[str, Handler] = {
    "list": list_products,
    "show": show,
    "add": add,
    "edit": edit,
    "delete": delete,
}
