"""A subscription project set up through the API with its own WeFact product is invoiced with
that product — its code and its VAT rate, in our record and in WeFact — while a fixed-price
project without one falls back to the default product (issue 19, item 4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql_api.jobs.worker import JobRunner
from resolvers.ids import global_id
from tests.conftest import Emulator, GraphQLClient, activate
from tests.domain.helpers import ERROR_FIELDS, ok
from tests.invoicing.conftest import emulator_invoices, product_code
from tests.unbilled.conftest import D, UnbilledWorld
from tests.unbilled.test_invoice import INVOICE_UNBILLED, RUN

CREATE = f"""
mutation($input: CreateProjectInput!) {{
  createProject(input: $input) {{
    __typename
    ... on Project {{ id name wefactProductCode }}
    {ERROR_FIELDS}
  }}
}}
"""


async def test_a_hosting_subscription_is_invoiced_with_its_own_product_and_vat(
    gql: GraphQLClient, uworld: UnbilledWorld, jobs: JobRunner, emulator: Emulator
) -> None:
    # Hosting for a business customer elsewhere in the EU: VAT reverse-charged, 0 %. The
    # default product (Consultancy) carries 21 %, so the rate shows which product was used.
    emulator.state.add_product(
        ProductName="Hosting", ProductKeyPhrase="Webhosting (btw verlegd)",
        PriceExcl=Decimal("25.00"), TaxPercentage=0, PricePeriod="m",
    )
    await activate(gql, emulator)  # caches the products, the new one included
    hosting_code = next(
        str(p["ProductCode"]) for p in emulator.state.products.values()
        if p["ProductKeyPhrase"] == "Webhosting (btw verlegd)"
    )
    consultancy = product_code(emulator, "Consultancy")
    await uworld.settings(default_product_code=consultancy)
    customer = await uworld.customer("Hosting Klant BV", "HK-001")
    customer_id = str(global_id("Customer", customer.id))

    hosting = await ok(gql, CREATE, "createProject", {
        "customerId": customer_id, "name": "Hosting", "billingMethod": "SUBSCRIPTION",
        "subscriptionAmount": "25.00", "subscriptionInterval": "MONTH",
        "subscriptionStartDate": "2026-03-01", "wefactProductCode": hosting_code,
    })
    assert hosting["wefactProductCode"] == hosting_code
    website = await ok(gql, CREATE, "createProject", {
        "customerId": customer_id, "name": "Website", "billingMethod": "FIXED_PRICE",
        "fixedPrice": "1000.00",
    })
    assert website["wefactProductCode"] is None

    started = await gql.data(INVOICE_UNBILLED, {"input": {
        "projectIds": [hosting["id"], website["id"]], "until": D(2026, 3, 31).isoformat(),
    }})
    assert started["invoiceUnbilled"]["__typename"] == "InvoiceRun", started
    await jobs.run_worker(wait=False)
    run: dict[str, Any] = (await gql.data(RUN, {"id": started["invoiceUnbilled"]["id"]}))[
        "invoiceRun"
    ]
    assert run["status"] == "SUCCEEDED", run["problems"]
    (invoice,) = run["invoices"]
    lines = {line["kind"]: line for line in invoice["lines"]}
    assert (lines["SUBSCRIPTION"]["productCode"], lines["SUBSCRIPTION"]["amount"]) == (
        hosting_code, "25.00")
    assert lines["FIXED_PRICE"]["productCode"] == consultancy

    vat = await gql.data(
        "query($id: ID!) { invoice(id: $id) { amountExcl amountVat "
        "lines { kind productCode vatPercentage } } }", {"id": invoice["id"]},
    )
    by_kind = {line["kind"]: line for line in vat["invoice"]["lines"]}
    assert by_kind["SUBSCRIPTION"]["vatPercentage"] == "0.00"
    assert by_kind["FIXED_PRICE"]["vatPercentage"] == "21.00"
    # VAT only on the fixed price: the hosting line is not taxed as Consultancy would be.
    assert (vat["invoice"]["amountExcl"], vat["invoice"]["amountVat"]) == ("1025.00", "210.00")

    (made,) = emulator_invoices(emulator)
    sent = {str(line["ProductCode"]): line for line in made["InvoiceLines"]}
    assert Decimal(sent[hosting_code]["TaxPercentage"]) == 0
    assert Decimal(sent[consultancy]["TaxPercentage"]) == 21

