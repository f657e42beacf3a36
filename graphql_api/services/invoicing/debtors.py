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

from sqlalchemy import BigInteger, and_, case, exists, literal, or_, select, update
from sqlalchemy.orm import aliased

import integrations
from graphql_api.models import Customer, Invoice, WefactSettings
from graphql_api.services.auth import utcnow
from integrations import (
    Debtor,
    DebtorInput,
    DebtorSummary,
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


MIN_SEARCHED_CUSTOMERS = 2
"""A run searches its customers' debtor codes at once from this many on (one show is as
cheap as one search)."""


def _common_prefix(texts: set[str]) -> str:
    """The longest prefix all ``texts`` share (that of the first and last in sort order)."""
    first, last = min(texts), max(texts)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


async def search_numbered(
    provider: InvoicingProvider, numbers: set[str]
) -> dict[str, DebtorSummary] | None:
    """One debtor search for a run's customer numbers: the debtors whose code contains the
    numbers' common prefix, by code. None when no search can settle it — too few numbers, no
    usable prefix (empty, or with characters HostFact stores escaped), or more debtors match
    than one search reads, or WeFact could not be asked (each customer is then looked up on
    its own, as before, which handles the error)."""
    if len(numbers) < MIN_SEARCHED_CUSTOMERS:
        return None
    prefix = _common_prefix(numbers).strip()
    if not prefix or _ESCAPED.search(prefix):
        return None
    try:
        rows = await provider.search_debtors(prefix, "DebtorCode")
    except integrations.ProviderError:
        return None
    # The search is a superset (substring, maybe case-insensitive): keep exact codes only.
    return {row.code: row for row in rows if row.code in numbers}


async def ensure_debtor(
    ctx: RunContext,
    provider: InvoicingProvider,
    customer: Customer,
    invoice_id: int,
    known: dict[str, DebtorSummary] | None = None,
) -> str:
    """The debtor code to invoice ``customer`` with; creates the debtor when missing.

    ``known``: the run's search of its customer numbers (``search_numbered``). A number it
    found is used as is; one it did not find is added straight away (no ``show``). Should
    the code have been taken since the search, WeFact refuses the add (codes are unique, so
    nothing is created twice) and the debtor is looked up as without a search."""
    debtor: DebtorSummary | None
    number = customer.customer_number
    if number and known is not None:
        debtor = known.get(number)
        if debtor is None:
            try:
                debtor = await provider.add_debtor(debtor_input(customer, number))
            except integrations.ValidationError:
                debtor = await provider.show_debtor(number)
    elif number:
        try:
            debtor = await provider.show_debtor(number)
        except NotFoundError:
            debtor = await provider.add_debtor(debtor_input(customer, number))
    else:
        debtor = await find_marked_debtor(provider, customer)
        if debtor is None:
            debtor = await provider.add_debtor(debtor_input(customer, None))
    await _store(ctx, customer.id, invoice_id, debtor)
    return debtor.code


async def _store(
    ctx: RunContext, customer_id: int, invoice_id: int, debtor: DebtorSummary
) -> None:
    """The debtor on the invoice, and as the customer's link — only while the invoice's
    connection is still the workspace's current one: a run that outlives a switch must not
    link the customer to a debtor of the administration the workspace has left.

    Two statements in one transaction: the invoice's UPDATE answers its connection, and the
    customer's UPDATE checks it against the workspace's current one and takes the debtor
    code as customer number only when the customer has none and no other customer has it.
    """
    async with ctx.transaction() as session:
        found = await session.execute(
            update(Invoice)
            .where(Invoice.id == invoice_id)
            .values(debtor_code=debtor.code)
            .returning(Invoice.connection_id)
            .execution_options(synchronize_session=False)
        )
        invoice_row = found.first()
        other = aliased(Customer)
        taken = exists().where(
            other.workspace_id == Customer.workspace_id,
            other.customer_number == debtor.code,
            other.id != Customer.id,
        )
        unnumbered = or_(Customer.customer_number.is_(None), Customer.customer_number == "")
        stmt = (
            update(Customer)
            .where(Customer.id == customer_id)
            .values(
                customer_number=case(
                    (and_(unnumbered, ~taken), debtor.code), else_=Customer.customer_number
                ),
                wefact_debtor_code=debtor.code,
                wefact_identifier=str(debtor.identifier),
                wefact_synced_at=utcnow(),
            )
            .returning(Customer.customer_number, Customer.name)
            .execution_options(synchronize_session=False)
        )
        if invoice_row is not None:
            current = (
                select(WefactSettings.connection_id)
                .where(WefactSettings.workspace_id == ctx.workspace_id)
                .scalar_subquery()
            )
            stmt = stmt.where(
                literal(invoice_row.connection_id, BigInteger).is_not_distinct_from(current)
            )
        linked = (await session.execute(stmt)).first()
        if linked is not None and not linked.customer_number:
            await ctx.problem(
                f"WeFact gave {linked.name} debtor code {debtor.code}, but another "
                "customer here already has that number; it was not stored as the "
                "customer number.",
                item=linked.name,
            )
