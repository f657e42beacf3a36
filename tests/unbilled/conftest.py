"""Builders for Unbilled tests: the invoicing tests' world, plus priced projects and invoices."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

import pytest

from graphql_api.app import AppState
from graphql_api.models import (
    BillingMethod,
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    Project,
    Subscription,
    SubscriptionInterval,
)
from tests.conftest import GraphQLClient, Member
from tests.invoicing import conftest as invoicing_fixtures
from tests.invoicing.conftest import World, jobs  # noqa: F401 - fixtures

#: The app state with quick retries and a fresh provider runtime (a fixture).
state = invoicing_fixtures.state

D = dt.date


class UnbilledWorld(World):
    """``World`` with fixed-price and subscription projects and hand-made invoices."""

    async def fixed(
        self, customer: Customer, name: str, price: str, *, instalments: int | None = None,
        start: dt.date | None = None, end: dt.date | None = None, product: str | None = None,
    ) -> Project:
        return await self.add(
            Project(workspace_id=self.ws, customer_id=customer.id, name=name,
                    billing_method=BillingMethod.FIXED_PRICE, fixed_price=Decimal(price),
                    fixed_price_instalments=instalments, start_date=start, end_date=end,
                    wefact_product_code=product)
        )

    async def subscription(
        self, customer: Customer, name: str, amount: str, start: dt.date, *,
        interval: SubscriptionInterval = SubscriptionInterval.MONTH,
        end: dt.date | None = None, billed_until: dt.date | None = None,
        product: str | None = None,
    ) -> Project:
        return await self.add(
            Project(workspace_id=self.ws, customer_id=customer.id, name=name,
                    billing_method=BillingMethod.SUBSCRIPTION,
                    subscription_amount=Decimal(amount), subscription_interval=interval,
                    subscription_start_date=start, subscription_end_date=end,
                    subscription_billed_until=billed_until, wefact_product_code=product)
        )

    async def invoice_with(
        self, customer: Customer, status: InvoiceStatus, *lines: dict[str, Any]
    ) -> Invoice:
        """An invoice record (as if made earlier) with lines given as column values."""
        total = sum((Decimal(line["amount"]) for line in lines), Decimal("0.00"))
        invoice = await self.add(
            Invoice(workspace_id=self.ws, customer_id=customer.id,
                    provider=Subscription.WEFACT, reference=f"T-{secrets.token_hex(6)}",
                    status=status, mode=InvoiceMode.CONCEPT, invoice_date=D(2026, 1, 1),
                    amount_excl=total)
        )
        for position, values in enumerate(lines, start=1):
            amount = Decimal(values.pop("amount"))
            await self.add(
                InvoiceLine(workspace_id=self.ws, invoice_id=invoice.id, position=position,
                            description="earlier", quantity=Decimal(1), unit_price=amount,
                            amount=amount, **values)
            )
        return invoice


@pytest.fixture
def uworld(state: AppState, owner: Member) -> UnbilledWorld:
    """Builders for the owner's workspace."""
    return UnbilledWorld(state, owner)


REPORT = """
query($filter: UnbilledFilter!) {
  unbilled(filter: $filter) {
    until total
    projects {
      billingMethod hours hoursAmount timeEntryCount expensesAmount expenseCount
      tripDistance tripsAmount tripCount
      fixedPrice fixedPriceInvoiced fixedPriceRemaining fixedPriceDue
      fixedPriceInstalments fixedPriceInstalmentsDue
      subscriptionPeriodsDue { start end amount proRata }
      subscriptionAmount subscriptionBilledUntil total
      project { id name customer { name } }
      customer { name }
    }
    customers {
      customer { name }
      hoursAmount expensesAmount tripsAmount fixedPriceAmount subscriptionAmount
      projectCount total
    }
  }
}
"""


async def report(
    gql: GraphQLClient, until: dt.date, **filters: Any
) -> dict[str, Any]:
    """The unbilled report as JSON."""
    data = await gql.data(REPORT, {"filter": {"until": until.isoformat(), **filters}})
    result: dict[str, Any] = data["unbilled"]
    return result


def by_project(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Report rows by project name."""
    return {row["project"]["name"]: row for row in result["projects"]}
