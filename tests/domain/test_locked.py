"""A locked registration names the invoice that holds it (``LockedError.invoiceId`` and the
message), to those who may see invoices; members are told to ask, not shown the invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from graphql_api.app import AppState
from graphql_api.models import (
    Expense,
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    LineKind,
    RegistrationStatus,
    Role,
    Subscription,
    TimeEntry,
)
from resolvers.ids import global_id, parse_global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import (
    CREATE_EXPENSE,
    CREATE_TIME_ENTRY,
    category,
    customer,
    mutation,
    ok,
    project,
)

LOCKED = "... on LockedError { code message field invoiceId }"
UPDATE_ENTRY = f"""
mutation($input: UpdateTimeEntryInput!) {{
  updateTimeEntry(input: $input) {{ __typename {LOCKED} }}
}}
"""
DELETE_EXPENSE = f"""
mutation($input: DeleteRegistrationInput!) {{
  deleteExpense(input: $input) {{ __typename {LOCKED} }}
}}
"""


async def _invoice(
    state: AppState, owner: Member, customer_id: str, status: InvoiceStatus, code: str | None,
) -> tuple[int, int]:
    """An invoice with one line: (invoice id, line id)."""
    async with state.sessionmaker() as session, session.begin():
        invoice = Invoice(
            workspace_id=owner.workspace_id, customer_id=parse_global_id(customer_id)[1],
            provider=Subscription.WEFACT, reference=f"ref-{status.name.lower()}",
            status=status, mode=InvoiceMode.BOOK, invoice_date=dt.date(2024, 3, 31),
            amount_excl=Decimal(200), wefact_code=code,
        )
        session.add(invoice)
        await session.flush()
        line = InvoiceLine(
            workspace_id=owner.workspace_id, invoice_id=invoice.id, position=1,
            kind=LineKind.HOURS, description="hours", quantity=Decimal(2),
            unit_price=Decimal(100), amount=Decimal(200),
        )
        session.add(line)
        await session.flush()
        return invoice.id, line.id


async def _hold(state: AppState, model: Any, gid: str, line_id: int, *, invoiced: bool) -> None:
    values: dict[str, Any] = {"invoice_line_id": line_id}
    if invoiced:
        values["status"] = RegistrationStatus.INVOICED
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(model).where(model.id == parse_global_id(gid)[1]).values(**values)
        )


async def test_a_locked_registration_names_its_invoice(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    cust = await customer(gql)
    proj = await project(gql, cust)
    act = (await ok(gql, "mutation($input: CreateActivityInput!) { createActivity(input: $input)"
                    " { ... on Activity { id } } }", "createActivity", {"name": "Design"}))["id"]
    entry = await ok(gql, CREATE_TIME_ENTRY, "createTimeEntry", {
        "projectId": proj, "activityId": act, "date": "2024-03-01", "hours": "2",
    }, token=member.token)
    expense = await ok(gql, CREATE_EXPENSE, "createExpense", {
        "projectId": proj, "categoryId": await category(gql), "date": "2024-03-01",
        "description": "Paper", "quantity": "1", "unitPrice": "10.00",
    })
    booked, booked_line = await _invoice(state, owner, cust, InvoiceStatus.BOOKED, "F2024-0007")
    pending, pending_line = await _invoice(state, owner, cust, InvoiceStatus.PENDING, None)
    await _hold(state, TimeEntry, entry["id"], booked_line, invoiced=True)
    await _hold(state, Expense, expense["id"], pending_line, invoiced=False)

    on_invoice = await mutation(gql, UPDATE_ENTRY, "updateTimeEntry",
                                {"id": entry["id"], "hours": "1"})
    assert (on_invoice["__typename"], on_invoice["code"], on_invoice["field"]) == (
        "LockedError", "LOCKED", "id")
    assert on_invoice["invoiceId"] == global_id("Invoice", booked)
    assert "invoice F2024-0007 (BOOKED)" in on_invoice["message"]
    assert "releaseInvoice" in on_invoice["message"]

    reserved = await mutation(gql, DELETE_EXPENSE, "deleteExpense", {"id": expense["id"]})
    assert reserved["invoiceId"] == global_id("Invoice", pending)
    assert "reserved for invoice ref-pending, which is still being made" in reserved["message"]

    # The member's own entry: locked, but the invoice is not theirs to see.
    theirs = await mutation(gql, UPDATE_ENTRY, "updateTimeEntry",
                            {"id": entry["id"], "hours": "1"}, token=member.token)
    assert (theirs["__typename"], theirs["invoiceId"]) == ("LockedError", None)
    assert "F2024-0007" not in theirs["message"]
    assert "release" in theirs["message"]
