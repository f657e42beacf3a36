"""Customers: create, update, archive and list filters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict
from graphql_api.models import Customer
from graphql_api.services.commands import UNSET, CreateCustomer, UpdateCustomer
from graphql_api.services.domain import validation as v


async def _apply(  # noqa: PLR0912 - one branch per input field reads best
    session: AsyncSession, customer: Customer, command: CreateCustomer | UpdateCustomer
) -> None:
    """Validate and set what the command gives, field by field, in input order."""
    c = command
    if c.name is not UNSET:
        customer.name = v.required_text(
            c.name, "name", max_length=v.MAX_NAME_LENGTH, what="customer name"
        )
    if c.customer_number is not UNSET:
        _renumber(
            customer,
            v.optional_text(c.customer_number, "customerNumber", max_length=v.MAX_CODE_LENGTH),
        )
    if c.email is not UNSET:
        customer.email = v.email(c.email, "email")
    if c.phone is not UNSET:
        customer.phone = v.optional_text(c.phone, "phone", max_length=50)
    if c.street is not UNSET:
        customer.street = v.optional_text(c.street, "street", max_length=200)
    if c.zip_code is not UNSET:
        customer.zip_code = v.optional_text(c.zip_code, "zipCode", max_length=20)
    if c.city is not UNSET:
        customer.city = v.optional_text(c.city, "city", max_length=100)
    if c.country is not UNSET:
        customer.country = v.country(c.country, "country")
    if c.vat_number is not UNSET:
        customer.vat_number = v.optional_text(c.vat_number, "vatNumber", max_length=50)
    if c.coc_number is not UNSET:
        customer.coc_number = v.optional_text(c.coc_number, "cocNumber", max_length=50)
    if c.hourly_rate is not UNSET:
        customer.hourly_rate = v.decimal(c.hourly_rate, "hourlyRate", what="rate")
    if c.mileage_rate is not UNSET:
        customer.mileage_rate = v.decimal(c.mileage_rate, "mileageRate", what="rate")
    if c.payment_term_days is not UNSET:
        customer.payment_term_days = v.payment_term(c.payment_term_days, "paymentTermDays")
    if c.notes is not UNSET:
        customer.notes = v.optional_text(c.notes, "notes")
    if command.customer_number is not UNSET and customer.customer_number is not None:
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
        customer.details_complete = True  # unlinked: nothing to read until linked again
    customer.customer_number = number


async def create_customer(
    session: AsyncSession, workspace_id: int, command: CreateCustomer
) -> Customer:
    """A new customer."""
    customer = Customer(workspace_id=workspace_id)
    await _apply(session, customer, command)
    session.add(customer)
    await _flush(session, customer)
    await session.refresh(customer)
    return customer


async def update_customer(
    session: AsyncSession, workspace_id: int, command: UpdateCustomer
) -> Customer:
    """Change the given fields only."""
    customer = await v.get_in_workspace(
        session, Customer, command.id, workspace_id, field="id", what="customer", for_update=True
    )
    await _apply(session, customer, command)
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
