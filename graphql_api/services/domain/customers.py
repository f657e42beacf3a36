"""Customers: create, update, archive and list filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict
from graphql_api.models import Customer
from graphql_api.services.domain import validation as v

CUSTOMER_FIELDS = frozenset(
    {
        "name",
        "customer_number",
        "email",
        "phone",
        "street",
        "zip_code",
        "city",
        "country",
        "vat_number",
        "coc_number",
        "hourly_rate",
        "mileage_rate",
        "payment_term_days",
        "notes",
    }
)
_TEXT_LIMITS = {
    "phone": 50,
    "street": 200,
    "zip_code": 20,
    "city": 100,
    "vat_number": 50,
    "coc_number": 50,
}


async def _apply(session: AsyncSession, customer: Customer, changes: Mapping[str, Any]) -> None:
    v.only_known(changes, CUSTOMER_FIELDS)
    for key, value in changes.items():
        field = v.camel(key)
        if key == "name":
            customer.name = v.required_text(
                value, field, max_length=v.MAX_NAME_LENGTH, what="customer name"
            )
        elif key == "customer_number":
            _renumber(customer, v.optional_text(value, field, max_length=v.MAX_CODE_LENGTH))
        elif key == "email":
            customer.email = v.email(value, field)
        elif key == "country":
            customer.country = v.country(value, field)
        elif key in ("hourly_rate", "mileage_rate"):
            setattr(customer, key, v.decimal(value, field, what="rate"))
        elif key == "payment_term_days":
            customer.payment_term_days = v.payment_term(value, field)
        elif key == "notes":
            customer.notes = v.optional_text(value, field)
        else:
            setattr(customer, key, v.optional_text(value, field, max_length=_TEXT_LIMITS[key]))
    if "customer_number" in changes and customer.customer_number is not None:
        clash = select(Customer.id).where(
            Customer.workspace_id == customer.workspace_id,
            Customer.customer_number == customer.customer_number,
        )
        if customer.id is not None:
            clash = clash.where(Customer.id != customer.id)
        with session.no_autoflush:  # check before writing, so the clash is ours to report
            taken = await session.scalar(clash)
        if taken is not None:
            raise Conflict(
                f"Customer number {customer.customer_number!r} is already in use.",
                field="customerNumber",
            )


def _renumber(customer: Customer, number: str | None) -> None:
    """Set the number; the link to a WeFact debtor follows it, so a renumbered customer is
    matched afresh by the next import or invoice instead of clashing with its old debtor."""
    if number not in (customer.customer_number, customer.wefact_debtor_code):
        customer.wefact_debtor_code = None
        customer.wefact_identifier = None
        customer.wefact_modified_at = None
    customer.customer_number = number


async def create_customer(
    session: AsyncSession, workspace_id: int, values: Mapping[str, Any]
) -> Customer:
    """A new customer; ``values`` holds the input fields by their snake_case names."""
    customer = Customer(workspace_id=workspace_id)
    await _apply(session, customer, {"name": None, **values})
    session.add(customer)
    await _flush(session, customer)
    await session.refresh(customer)
    return customer


async def update_customer(
    session: AsyncSession, workspace_id: int, customer_id: int, changes: Mapping[str, Any]
) -> Customer:
    """Change the given fields only."""
    customer = await v.get_in_workspace(
        session, Customer, customer_id, workspace_id, field="id", what="customer", for_update=True
    )
    await _apply(session, customer, changes)
    await _flush(session, customer)
    await session.refresh(customer)
    return customer


async def archive_customer(
    session: AsyncSession, workspace_id: int, customer_id: int, archived: bool
) -> Customer:
    """Archive (hide from pickers; history stays) or restore a customer."""
    customer = await v.get_in_workspace(
        session, Customer, customer_id, workspace_id, field="id", what="customer", for_update=True
    )
    customer.archived = archived
    await session.flush()
    await session.refresh(customer)
    return customer


async def _flush(session: AsyncSession, customer: Customer) -> None:
    """Flush; a concurrent request that took the same number between check and write loses."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Customer number {customer.customer_number!r} is already in use.",
            field="customerNumber",
        ) from exc


def customers_query(
    workspace_id: int,
    *,
    search: str | None = None,
    archived: bool | None = None,
    updated_since: dt.datetime | None = None,
) -> Select[Customer]:
    """Customers of the workspace matching the filter (unordered; the pager orders)."""
    stmt = select(Customer).where(Customer.workspace_id == workspace_id)
    pattern = v.like_pattern(search)
    if pattern is not None:
        stmt = stmt.where(
            or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.customer_number.ilike(pattern, escape="\\"),
                Customer.email.ilike(pattern, escape="\\"),
            )
        )
    if archived is not None:
        stmt = stmt.where(Customer.archived.is_(archived))
    if updated_since is not None:
        stmt = stmt.where(Customer.updated_at >= updated_since)
    return stmt
