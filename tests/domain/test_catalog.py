"""Activities and expense categories: create, update, archive, list, product codes, isolation."""

from __future__ import annotations

import datetime as dt

from graphql_api.app import AppState
from graphql_api.models import Role, WefactProduct
from graphql_api.services.domain.products import validate_product_code
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import (
    CREATE_ACTIVITY,
    CREATE_CATEGORY,
    ERROR_FIELDS,
    NODE,
    activity,
    category,
    error,
    mutation,
    ok,
)

UPDATE_ACTIVITY = f"""
mutation($input: UpdateActivityInput!) {{
  updateActivity(input: $input) {{
    __typename
    ... on Activity {{ id name hourlyRate billable wefactProductCode archived }}
    {ERROR_FIELDS}
  }}
}}
"""
UPDATE_CATEGORY = f"""
mutation($input: UpdateExpenseCategoryInput!) {{
  updateExpenseCategory(input: $input) {{
    __typename
    ... on ExpenseCategory {{ id name wefactProductCode archived }}
    {ERROR_FIELDS}
  }}
}}
"""
ACTIVITIES = """
query($filter: ActivityFilter) {
  activities(filter: $filter, first: 10) { totalCount edges { node { name } } }
}
"""
CATEGORIES = """
query($filter: ExpenseCategoryFilter) {
  expenseCategories(filter: $filter, first: 10) { totalCount edges { node { name } } }
}
"""


async def _cache_product(state: AppState, workspace_id: int, code: str) -> None:
    async with state.sessionmaker() as session, session.begin():
        session.add(
            WefactProduct(
                workspace_id=workspace_id, code=code, name=code, synced_at=dt.datetime.now(dt.UTC)
            )
        )


async def test_create_and_update_activity(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    await _cache_product(state, owner.workspace_id, "P1")
    result = await ok(gql, CREATE_ACTIVITY, "createActivity",
                      {"name": " Design ", "hourlyRate": "75", "billable": False})
    assert result["__typename"] == "Activity"
    assert (result["name"], result["hourlyRate"], result["billable"]) == ("Design", "75.00", False)
    assert result["wefactProductCode"] is None
    updated = await ok(gql, UPDATE_ACTIVITY, "updateActivity",
                       {"id": result["id"], "hourlyRate": None, "wefactProductCode": "P1",
                        "archived": True})
    assert updated == {
        "__typename": "Activity", "id": result["id"], "name": "Design", "hourlyRate": None,
        "billable": False, "wefactProductCode": "P1", "archived": True,
    }


async def test_activity_errors(gql: GraphQLClient, other_owner: Member) -> None:
    result = await mutation(gql, CREATE_ACTIVITY, "createActivity", {"name": ""})
    error(result, "InvalidInputError", "INVALID", "name")
    result = await mutation(gql, CREATE_ACTIVITY, "createActivity",
                            {"name": "x", "hourlyRate": "1.234"})
    error(result, "InvalidInputError", "INVALID", "hourlyRate")
    gid = await activity(gql)
    result = await mutation(gql, UPDATE_ACTIVITY, "updateActivity", {"id": gid, "billable": None})
    error(result, "InvalidInputError", "INVALID", "billable")
    result = await mutation(gql, UPDATE_ACTIVITY, "updateActivity",
                            {"id": gid, "name": "y"}, token=other_owner.token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    assert (await gql.data(NODE, {"id": gid}, token=other_owner.token))["node"] is None
    assert (await gql.data(ACTIVITIES, token=other_owner.token))["activities"]["totalCount"] == 0


async def test_product_code_needs_synced_products(gql: GraphQLClient) -> None:
    gid = await activity(gql)
    result = await mutation(gql, UPDATE_ACTIVITY, "updateActivity",
                            {"id": gid, "wefactProductCode": "P0001"})
    error(result, "InvalidInputError", "INVALID", "wefactProductCode")


async def test_product_code_must_be_a_cached_product(
    gql: GraphQLClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    await _cache_product(state, owner.workspace_id, "HOURS")
    await _cache_product(state, other_owner.workspace_id, "OTHER")
    gid = await activity(gql)
    result = await mutation(gql, UPDATE_ACTIVITY, "updateActivity",
                            {"id": gid, "wefactProductCode": "OTHER"})
    error(result, "InvalidInputError", "INVALID", "wefactProductCode")
    result = await ok(gql, UPDATE_ACTIVITY, "updateActivity",
                      {"id": gid, "wefactProductCode": " HOURS "})
    assert result["wefactProductCode"] == "HOURS"
    cat = await category(gql)
    result = await mutation(gql, UPDATE_CATEGORY, "updateExpenseCategory",
                            {"id": cat, "wefactProductCode": "NOPE"})
    error(result, "InvalidInputError", "INVALID", "wefactProductCode")
    async with state.sessionmaker() as session:
        assert await validate_product_code(session, owner.workspace_id, "") is None


async def test_activity_list_filters(gql: GraphQLClient) -> None:
    await activity(gql, "Design")
    await activity(gql, "Support", billable=False)
    archived = await activity(gql, "Old")
    await ok(gql, UPDATE_ACTIVITY, "updateActivity", {"id": archived, "archived": True})
    listed = await gql.data(ACTIVITIES, {"filter": {"archived": False}})
    assert [e["node"]["name"] for e in listed["activities"]["edges"]] == ["Design", "Support"]
    listed = await gql.data(ACTIVITIES, {"filter": {"billable": False}})
    assert [e["node"]["name"] for e in listed["activities"]["edges"]] == ["Support"]
    listed = await gql.data(ACTIVITIES, {"filter": {"search": "sup"}})
    assert listed["activities"]["totalCount"] == 1
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    listed = await gql.data(ACTIVITIES, {"filter": {"updatedSince": future}})
    assert listed["activities"]["totalCount"] == 0


async def test_create_update_and_list_categories(
    gql: GraphQLClient, state: AppState, owner: Member, other_owner: Member
) -> None:
    await _cache_product(state, owner.workspace_id, "P")
    result = await ok(gql, CREATE_CATEGORY, "createExpenseCategory",
                      {"name": "Parking", "wefactProductCode": "P"})
    assert result["__typename"] == "ExpenseCategory"
    assert result["wefactProductCode"] == "P"
    gid = result["id"]
    result = await mutation(gql, CREATE_CATEGORY, "createExpenseCategory", {"name": " "})
    error(result, "InvalidInputError", "INVALID", "name")
    updated = await ok(gql, UPDATE_CATEGORY, "updateExpenseCategory",
                       {"id": gid, "name": "Parking fees", "archived": True})
    assert (updated["name"], updated["archived"]) == ("Parking fees", True)
    result = await mutation(gql, UPDATE_CATEGORY, "updateExpenseCategory", {"id": gid, "name": ""})
    error(result, "InvalidInputError", "INVALID", "name")
    listed = await gql.data(CATEGORIES, {"filter": {"archived": True}})
    assert [e["node"]["name"] for e in listed["expenseCategories"]["edges"]] == ["Parking fees"]
    # another workspace sees nothing and cannot touch it
    token = other_owner.token
    assert (await gql.data(CATEGORIES, token=token))["expenseCategories"]["totalCount"] == 0
    assert (await gql.data(NODE, {"id": gid}, token=token))["node"] is None
    result = await mutation(gql, UPDATE_CATEGORY, "updateExpenseCategory",
                            {"id": gid, "name": "x"}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "id")


async def test_members_cannot_manage_activities_or_categories(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    gid = await activity(gql)
    cat = await category(gql)
    for document, values in [
        (CREATE_ACTIVITY, {"name": "X"}),
        (UPDATE_ACTIVITY, {"id": gid, "name": "X"}),
        (CREATE_CATEGORY, {"name": "X"}),
        (UPDATE_CATEGORY, {"id": cat, "name": "X"}),
    ]:
        body = await gql.post(document, {"input": values}, token=member.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql.data(ACTIVITIES, token=member.token))["activities"]["totalCount"] == 1
