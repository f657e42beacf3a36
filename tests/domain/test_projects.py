"""Projects: billing methods, activities, dates, archive, list filters, roles and isolation."""

from __future__ import annotations

from typing import Any

from graphql_api.app import AppState
from graphql_api.models import Role
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import (
    ARCHIVE_CUSTOMER,
    CREATE_PROJECT,
    ERROR_FIELDS,
    NODE,
    activity,
    customer,
    error,
    mutation,
    ok,
    project,
)

UPDATE_PROJECT = f"""
mutation($input: UpdateProjectInput!) {{
  updateProject(input: $input) {{
    __typename
    ... on Project {{
      id name billingMethod hourlyRate startDate endDate restrictActivities customer {{ name }}
      activities {{ hourlyRate billable activity {{ name }} }}
    }}
    {ERROR_FIELDS}
  }}
}}
"""
ARCHIVE_PROJECT = f"""
mutation($input: ArchiveProjectInput!) {{
  archiveProject(input: $input) {{
    __typename
    ... on Project {{ id archived }}
    {ERROR_FIELDS}
  }}
}}
"""
PROJECTS = """
query($filter: ProjectFilter) {
  projects(filter: $filter, first: 10) {
    totalCount edges { node { name billingMethod customer { name } } }
  }
}
"""


async def test_create_subscription_project_with_activities(gql: GraphQLClient) -> None:
    cust = await customer(gql, "Acme Corp")
    design = await activity(gql, "Design")
    support = await activity(gql, "Support")
    result = await ok(gql, CREATE_PROJECT, "createProject", {
        "customerId": cust, "name": "Hosting", "billingMethod": "SUBSCRIPTION",
        "subscriptionAmount": "25.00", "subscriptionInterval": "MONTH",
        "subscriptionStartDate": "2024-01-01", "restrictActivities": True,
        "activities": [
            {"activityId": support, "hourlyRate": "60"},
            {"activityId": design, "billable": False},
        ],
    })
    assert result["__typename"] == "Project"
    assert result["billingMethod"] == "SUBSCRIPTION"
    assert result["subscriptionInterval"] == "MONTH"
    assert result["customer"] == {"name": "Acme Corp"}
    assert result["activities"] == [
        {"hourlyRate": None, "billable": False, "activity": {"name": "Design"}},
        {"hourlyRate": "60.00", "billable": True, "activity": {"name": "Support"}},
    ]


async def test_billing_methods_need_their_amounts(gql: GraphQLClient) -> None:
    cust = await customer(gql)
    base = {"customerId": cust, "name": "P"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"billingMethod": "HOURLY_PROJECT_RATE"}, "hourlyRate"),
        ({"billingMethod": "FIXED_PRICE"}, "fixedPrice"),
        ({"billingMethod": "SUBSCRIPTION", "subscriptionInterval": "YEAR",
          "subscriptionStartDate": "2024-01-01"}, "subscriptionAmount"),
        ({"billingMethod": "SUBSCRIPTION", "subscriptionAmount": "1",
          "subscriptionStartDate": "2024-01-01"}, "subscriptionInterval"),
        ({"billingMethod": "NON_BILLABLE", "name": ""}, "name"),
        ({"billingMethod": "NON_BILLABLE", "startDate": "2024-02-01", "endDate": "2024-01-01"},
         "endDate"),
        ({"billingMethod": "FIXED_PRICE", "fixedPrice": "1000", "fixedPriceInstalments": 0},
         "fixedPriceInstalments"),
        ({"billingMethod": "FIXED_PRICE", "fixedPrice": "-5"}, "fixedPrice"),
        ({"billingMethod": "NON_BILLABLE", "budgetHours": "1.001"}, "budgetHours"),
    ]
    for extra, field in cases:
        result = await mutation(gql, CREATE_PROJECT, "createProject", {**base, **extra})
        error(result, "InvalidInputError", "INVALID", field)
    assert (await gql.data(PROJECTS))["projects"]["totalCount"] == 0
    result = await ok(gql, CREATE_PROJECT, "createProject",
                      {**base, "billingMethod": "FIXED_PRICE", "fixedPrice": "1000"})
    assert result["fixedPrice"] == "1000.00"


async def test_project_customer_must_exist_and_be_active(
    gql: GraphQLClient, other_owner: Member
) -> None:
    theirs = await customer(gql, "Theirs")
    result = await mutation(gql, CREATE_PROJECT, "createProject", {
        "customerId": theirs, "name": "P", "billingMethod": "NON_BILLABLE",
    }, token=other_owner.token)
    error(result, "NotFoundError", "NOT_FOUND", "customerId")
    act = await activity(gql)
    result = await mutation(gql, CREATE_PROJECT, "createProject", {
        "customerId": theirs, "name": "P", "billingMethod": "NON_BILLABLE",
        "activities": [{"activityId": act}, {"activityId": act}],
    })
    error(result, "InvalidInputError", "INVALID", "activities[1].activityId")
    await ok(gql, ARCHIVE_CUSTOMER, "archiveCustomer", {"id": theirs})
    result = await mutation(gql, CREATE_PROJECT, "createProject", {
        "customerId": theirs, "name": "P", "billingMethod": "NON_BILLABLE",
    })
    error(result, "InvalidInputError", "ARCHIVED", "customerId")
    assert (await gql.data(PROJECTS))["projects"]["totalCount"] == 0


async def test_update_project(gql: GraphQLClient, other_owner: Member) -> None:
    cust = await customer(gql, "A")
    other = await customer(gql, "B")
    act = await activity(gql, "Design")
    gid = await project(gql, cust, activities=[{"activityId": act}])
    result = await ok(gql, UPDATE_PROJECT, "updateProject", {
        "id": gid, "customerId": other, "billingMethod": "HOURLY_ACTIVITY_RATE",
        "hourlyRate": None, "endDate": "2030-01-01", "activities": [],
        "restrictActivities": True,
    })
    assert result == {
        "__typename": "Project", "id": gid, "name": "Website",
        "billingMethod": "HOURLY_ACTIVITY_RATE", "hourlyRate": None, "startDate": None,
        "endDate": "2030-01-01", "restrictActivities": True, "customer": {"name": "B"},
        "activities": [],
    }
    result = await mutation(gql, UPDATE_PROJECT, "updateProject",
                            {"id": gid, "billingMethod": "HOURLY_PROJECT_RATE"})
    error(result, "InvalidInputError", "INVALID", "hourlyRate")
    result = await mutation(gql, UPDATE_PROJECT, "updateProject",
                            {"id": gid, "startDate": "2031-01-01"})
    error(result, "InvalidInputError", "INVALID", "endDate")
    result = await mutation(gql, UPDATE_PROJECT, "updateProject",
                            {"id": gid, "activities": [{"activityId": "bm9wZQ=="}]})
    error(result, "NotFoundError", "NOT_FOUND", "activities[0].activityId")
    result = await mutation(gql, UPDATE_PROJECT, "updateProject",
                            {"id": gid, "name": "x"}, token=other_owner.token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    result = await mutation(gql, UPDATE_PROJECT, "updateProject",
                            {"id": gid, "customerId": cust}, token=other_owner.token)
    error(result, "NotFoundError", "NOT_FOUND", "id")


async def test_archive_project_and_filters(gql: GraphQLClient, other_owner: Member) -> None:
    a = await customer(gql, "A")
    b = await customer(gql, "B")
    await project(gql, a, "Alpha site", code="AS-1")
    old = await project(gql, b, "Beta", billing_method="NON_BILLABLE")
    result = await ok(gql, ARCHIVE_PROJECT, "archiveProject", {"id": old})
    assert result == {"__typename": "Project", "id": old, "archived": True}
    listed = await gql.data(PROJECTS, {"filter": {"archived": False}})
    assert [e["node"]["name"] for e in listed["projects"]["edges"]] == ["Alpha site"]
    listed = await gql.data(PROJECTS, {"filter": {"customerId": b}})
    assert listed["projects"]["edges"] == [
        {"node": {"name": "Beta", "billingMethod": "NON_BILLABLE", "customer": {"name": "B"}}}
    ]
    listed = await gql.data(PROJECTS, {"filter": {"search": "as-"}})
    assert listed["projects"]["totalCount"] == 1
    listed = await gql.data(PROJECTS, {"filter": {"billingMethod": "NON_BILLABLE"}})
    assert listed["projects"]["totalCount"] == 1
    # another workspace: nothing to see, archive and node behave as for an unknown id
    token = other_owner.token
    result = await mutation(gql, ARCHIVE_PROJECT, "archiveProject", {"id": old}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    assert (await gql.data(NODE, {"id": old}, token=token))["node"] is None
    assert (await gql.data(PROJECTS, token=token))["projects"]["totalCount"] == 0
    listed = await gql.data(PROJECTS, {"filter": {"customerId": b}}, token=token)
    assert listed["projects"]["totalCount"] == 0


async def test_members_cannot_manage_projects(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    cust = await customer(gql)
    gid = await project(gql, cust)
    for document, values in [
        (CREATE_PROJECT, {"customerId": cust, "name": "X", "billingMethod": "NON_BILLABLE"}),
        (UPDATE_PROJECT, {"id": gid, "name": "X"}),
        (ARCHIVE_PROJECT, {"id": gid}),
    ]:
        body = await gql.post(document, {"input": values}, token=member.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql.data(PROJECTS, token=member.token))["projects"]["totalCount"] == 1
