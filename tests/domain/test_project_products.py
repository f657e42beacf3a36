"""A fixed-price or subscription project chooses the WeFact product it is invoiced with:
validated against the cached products like an activity's, refused where it would never be
used (hourly and non-billable projects)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from graphql_api.app import AppState
from graphql_api.models import WefactProduct
from tests.conftest import GraphQLClient, Member
from tests.domain.helpers import ERROR_FIELDS, customer, error, mutation, ok

CREATE = f"""
mutation($input: CreateProjectInput!) {{
  createProject(input: $input) {{
    __typename
    ... on Project {{ id billingMethod wefactProductCode }}
    {ERROR_FIELDS}
  }}
}}
"""
UPDATE = f"""
mutation($input: UpdateProjectInput!) {{
  updateProject(input: $input) {{
    __typename
    ... on Project {{ id billingMethod wefactProductCode }}
    {ERROR_FIELDS}
  }}
}}
"""
SUBSCRIPTION = {
    "name": "Hosting", "billingMethod": "SUBSCRIPTION", "subscriptionAmount": "25.00",
    "subscriptionInterval": "MONTH", "subscriptionStartDate": "2026-01-01",
}


async def _cache(state: AppState, workspace_id: int, *codes: str) -> None:
    async with state.sessionmaker() as session, session.begin():
        session.add_all(
            WefactProduct(
                workspace_id=workspace_id, code=code, name=code,
                tax_percentage=Decimal("21.00"), synced_at=dt.datetime.now(dt.UTC),
            )
            for code in codes
        )


async def test_subscription_and_fixed_price_projects_store_their_product(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    await _cache(state, owner.workspace_id, "HOST", "WEB")
    cust = await customer(gql)
    hosting = await ok(gql, CREATE, "createProject",
                       {"customerId": cust, **SUBSCRIPTION, "wefactProductCode": " HOST "})
    assert hosting["wefactProductCode"] == "HOST"  # trimmed, like an activity's code
    website = await ok(gql, CREATE, "createProject", {
        "customerId": cust, "name": "Website", "billingMethod": "FIXED_PRICE",
        "fixedPrice": "1200.00", "wefactProductCode": "WEB",
    })
    assert website["wefactProductCode"] == "WEB"

    changed = await ok(gql, UPDATE, "updateProject",
                       {"id": hosting["id"], "wefactProductCode": "WEB"})
    assert changed["wefactProductCode"] == "WEB"
    untouched = await ok(gql, UPDATE, "updateProject", {"id": hosting["id"], "name": "Hosting+"})
    assert untouched["wefactProductCode"] == "WEB"  # omitted: kept
    cleared = await ok(gql, UPDATE, "updateProject",
                       {"id": hosting["id"], "wefactProductCode": None})
    assert cleared["wefactProductCode"] is None  # null: the default product again


async def test_a_product_must_be_cached_and_of_this_workspace(
    gql: GraphQLClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    await _cache(state, other_owner.workspace_id, "THEIRS")
    cust = await customer(gql)
    for code in ("NOPE", "THEIRS"):
        result = await mutation(gql, CREATE, "createProject",
                                {"customerId": cust, **SUBSCRIPTION, "wefactProductCode": code})
        error(result, "InvalidInputError", "INVALID", "wefactProductCode")
        assert code in result["message"]


async def test_hourly_projects_refuse_a_product_they_would_never_use(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    await _cache(state, owner.workspace_id, "HOST")
    cust = await customer(gql)
    result = await mutation(gql, CREATE, "createProject", {
        "customerId": cust, "name": "Shop", "billingMethod": "HOURLY_PROJECT_RATE",
        "hourlyRate": "95.00", "wefactProductCode": "HOST",
    })
    error(result, "InvalidInputError", "INVALID", "wefactProductCode")
    assert "activity" in result["message"]

    hosting = await ok(gql, CREATE, "createProject",
                       {"customerId": cust, **SUBSCRIPTION, "wefactProductCode": "HOST"})
    # Switching to an hourly method while the product is set would silently drop it.
    switched = await mutation(gql, UPDATE, "updateProject", {
        "id": hosting["id"], "billingMethod": "HOURLY_PROJECT_RATE", "hourlyRate": "95.00",
    })
    error(switched, "InvalidInputError", "INVALID", "wefactProductCode")
    both = await ok(gql, UPDATE, "updateProject", {
        "id": hosting["id"], "billingMethod": "HOURLY_PROJECT_RATE", "hourlyRate": "95.00",
        "wefactProductCode": None,
    })
    assert (both["billingMethod"], both["wefactProductCode"]) == ("HOURLY_PROJECT_RATE", None)
