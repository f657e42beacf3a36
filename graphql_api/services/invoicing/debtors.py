"""Make sure a customer exists as a debtor in WeFact, never creating it twice.

- With a customer number: that debtor code is used; when WeFact does not know it, the
  debtor is created with that code and the customer's details.
- Without a number: WeFact assigns the code. Our marker goes into the debtor's
  ``Comment`` and we look for it before creating, so a debtor created just before a crash
  or a lost answer is found instead of created again. The code is stored as the customer
  number.

Debtor list rows carry no ``Comment`` (contract §5), and whether WeFact searches that column
is undocumented. So the marker is never matched on list rows: the candidates are the debtors
named exactly like the customer (we create the debtor with the customer's name as its
``CompanyName``, a field list rows carry and both products search by default), and each is
confirmed on its full record (``show``).
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from graphql_api.models import Customer, Invoice, WefactSettings
from graphql_api.services.auth import utcnow
from integrations import (
    Debtor,
    DebtorInput,
    InconclusiveLookupError,
    InvoicingProvider,
    NotFoundError,
)

if TYPE_CHECKING:
    from graphql_api.jobs import RunContext


def debtor_marker(customer_id: int) -> str:
    """Our mark in the debtor's Comment: the customer's global id, bracketed so a search
    for one customer never matches another's marker."""
    global_id = base64.urlsafe_b64encode(f"Customer:{customer_id}".encode()).decode()
    return f"[timetracking-customer:{global_id}]"


def debtor_input(customer: Customer, code: str | None) -> DebtorInput:
    """The customer's details as a new debtor (``code`` None: WeFact numbers it)."""
    return DebtorInput(
        code=code,
        company_name=customer.name,
        email=customer.email or None,
        phone=customer.phone or None,
        address=customer.street or None,
        zip_code=customer.zip_code or None,
        city=customer.city or None,
        country=customer.country or None,
        tax_number=customer.vat_number or None,
        company_number=customer.coc_number or None,
        invoice_term=customer.payment_term_days,
        comment=debtor_marker(customer.id),
    )


MAX_NAMESAKES = 20
"""Debtors with the customer's exact name confirmed with ``show`` before we give up."""

# HostFact stores text HTML-escaped and searches with LIKE: a term with these characters
# might not match its own record, so the search uses the longest part without them.
_ESCAPED = re.compile(r"[&<>\"'%_]")


def search_term(name: str) -> str:
    """What to search for to find every debtor called ``name`` (a superset)."""
    parts = [part.strip() for part in _ESCAPED.split(name)]
    return max(parts, key=len) if any(parts) else name.strip()


async def find_marked_debtor(provider: InvoicingProvider, customer: Customer) -> Debtor | None:
    """The debtor carrying our marker for this customer, if one exists."""
    marker = debtor_marker(customer.id)
    name = customer.name.strip().casefold()
    rows = await provider.search_debtors(search_term(customer.name), "CompanyName")
    namesakes = [row for row in rows if row.company_name.strip().casefold() == name]
    if len(namesakes) > MAX_NAMESAKES:
        raise InconclusiveLookupError(
            f"there are {len(namesakes)} debtors named {customer.name!r}, too many to check for "
            "the one this app may have created. Give the customer its customer number (the "
            "debtor code) and invoice again"
        )
    for summary in namesakes:
        try:
            debtor = await provider.show_debtor(summary.code)
        except NotFoundError:
            continue  # renumbered since it was listed
        # Only the full record has the Comment; the marker must be there.
        if marker in debtor.comment:
            return debtor
    return None


async def ensure_debtor(
    ctx: RunContext, provider: InvoicingProvider, customer: Customer, invoice_id: int
) -> str:
    """The debtor code to invoice ``customer`` with; creates the debtor when missing."""
    debtor: Debtor | None
    if customer.customer_number:
        try:
            debtor = await provider.show_debtor(customer.customer_number)
        except NotFoundError:
            debtor = await provider.add_debtor(debtor_input(customer, customer.customer_number))
    else:
        debtor = await find_marked_debtor(provider, customer)
        if debtor is None:
            debtor = await provider.add_debtor(debtor_input(customer, None))
    await _store(ctx, customer.id, invoice_id, debtor)
    return debtor.code


async def _store(ctx: RunContext, customer_id: int, invoice_id: int, debtor: Debtor) -> None:
    """The debtor on the invoice, and as the customer's link — only while the invoice's
    connection is still the workspace's current one: a run that outlives a switch must not
    link the customer to a debtor of the administration the workspace has left."""
    async with ctx.transaction() as session:
        invoice = await session.get(Invoice, invoice_id)
        if invoice is not None:
            invoice.debtor_code = debtor.code
        current = await session.scalar(
            select(WefactSettings.connection_id).where(
                WefactSettings.workspace_id == ctx.workspace_id
            )
        )
        if invoice is not None and invoice.connection_id != current:
            return
        customer = await session.get(
            Customer, customer_id, with_for_update=True, populate_existing=True
        )
        assert customer is not None
        if not customer.customer_number:
            taken = await session.scalar(
                select(Customer.id).where(
                    Customer.workspace_id == customer.workspace_id,
                    Customer.customer_number == debtor.code,
                    Customer.id != customer.id,
                )
            )
            if taken is None:
                customer.customer_number = debtor.code
            else:
                await ctx.problem(
                    f"WeFact gave {customer.name} debtor code {debtor.code}, but another "
                    "customer here already has that number; it was not stored as the "
                    "customer number.",
                    item=customer.name,
                )
        customer.wefact_debtor_code = debtor.code
        customer.wefact_identifier = str(debtor.identifier)
        customer.wefact_synced_at = utcnow()
