"""Customers: create, read, filter, update, archive; errors, roles and tenant isolation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.models import Customer, Role
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import (
    ARCHIVE_CUSTOMER,
    CREATE_CUSTOMER,
    NODE,
    UPDATE_CUSTOMER,
    customer,
    error,
    mutation,
    ok,
)

LIST = """
query($filter: CustomerFilter, $first: Int!, $after: String) {
  customers(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { name customerNumber archived } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_create_customer_with_all_fields(gql: GraphQLClient) -> None:
    result = await ok(gql, CREATE_CUSTOMER, "createCustomer", {
        "name": "  Wayne Enterprises ", "customerNumber": "DB0001", "email": "ap@wayne.test",
        "country": "nl", "hourlyRate": "95.50", "mileageRate": "0.30", "paymentTermDays": 14,
        "street": "Main 1", "zipCode": "1234 AB", "city": "Gotham", "vatNumber": "NL1",
        "cocNumber": "123", "phone": "+31", "notes": "vip",
    })
    assert result["__typename"] == "Customer"
    assert result["name"] == "Wayne Enterprises"
    assert result["country"] == "NL"
    assert result["hourlyRate"] == "95.50"
    assert result["archived"] is False


async def test_create_customer_empty_name(gql: GraphQLClient) -> None:
    result = await mutation(gql, CREATE_CUSTOMER, "createCustomer", {"name": "  "})
    error(result, "InvalidInputError", "INVALID", "name")


async def test_create_customer_duplicate_number(gql: GraphQLClient) -> None:
    await customer(gql, "A", customerNumber="DB1")
    result = await mutation(
        gql, CREATE_CUSTOMER, "createCustomer", {"name": "B", "customerNumber": "DB1"}
    )
    error(result, "ConflictError", "CONFLICT", "customerNumber")
    listed = await gql.data(LIST, {"first": 10})
    assert listed["customers"]["totalCount"] == 1


async def test_customer_number_may_repeat_across_workspaces(
    gql: GraphQLClient, other_owner: Member
) -> None:
    await customer(gql, "A", customerNumber="DB1")
    result = await ok(gql, CREATE_CUSTOMER, "createCustomer",
                      {"name": "B", "customerNumber": "DB1"}, token=other_owner.token)
    assert result["customerNumber"] == "DB1"


async def test_create_customer_bad_values(gql: GraphQLClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"email": "nope"}, "email"),
        ({"country": "Netherlands"}, "country"),
        ({"hourlyRate": "10.005"}, "hourlyRate"),
        ({"hourlyRate": "-1"}, "hourlyRate"),
        ({"mileageRate": "99999999999"}, "mileageRate"),
        ({"paymentTermDays": 1000}, "paymentTermDays"),
    ]
    for extra, field in cases:
        result = await mutation(gql, CREATE_CUSTOMER, "createCustomer", {"name": "X", **extra})
        error(result, "InvalidInputError", "INVALID", field)
    listed = await gql.data(LIST, {"first": 10})
    assert listed["customers"]["totalCount"] == 0


async def test_update_customer_changes_only_given_fields(gql: GraphQLClient) -> None:
    gid = await customer(gql, "A", customerNumber="DB1", email="a@a.test", notes="keep")
    result = await ok(gql, UPDATE_CUSTOMER, "updateCustomer",
                      {"id": gid, "name": "A2", "email": None, "hourlyRate": "80"})
    assert result == {
        "__typename": "Customer", "id": gid, "name": "A2", "customerNumber": "DB1",
        "email": None, "hourlyRate": "80.00", "notes": "keep",
    }


async def test_update_customer_errors(gql: GraphQLClient, other_owner: Member) -> None:
    gid = await customer(gql, "A", customerNumber="DB1")
    await customer(gql, "B", customerNumber="DB2")
    result = await mutation(gql, UPDATE_CUSTOMER, "updateCustomer",
                            {"id": gid, "customerNumber": "DB2"})
    error(result, "ConflictError", "CONFLICT", "customerNumber")
    result = await mutation(gql, UPDATE_CUSTOMER, "updateCustomer", {"id": gid, "name": ""})
    error(result, "InvalidInputError", "INVALID", "name")
    result = await mutation(gql, UPDATE_CUSTOMER, "updateCustomer",
                            {"id": "bm9wZQ==", "name": "x"})
    error(result, "NotFoundError", "NOT_FOUND", "id")
    # keeping its own number is no clash
    result = await ok(gql, UPDATE_CUSTOMER, "updateCustomer", {"id": gid, "customerNumber": "DB1"})
    assert result["customerNumber"] == "DB1"


async def test_archive_and_restore_customer(gql: GraphQLClient) -> None:
    gid = await customer(gql)
    result = await ok(gql, ARCHIVE_CUSTOMER, "archiveCustomer", {"id": gid})
    assert result == {"__typename": "Customer", "id": gid, "archived": True}
    listed = await gql.data(LIST, {"first": 10, "filter": {"archived": False}})
    assert listed["customers"]["totalCount"] == 0
    result = await ok(gql, ARCHIVE_CUSTOMER, "archiveCustomer", {"id": gid, "archived": False})
    assert result["archived"] is False
    result = await mutation(gql, ARCHIVE_CUSTOMER, "archiveCustomer", {"id": "bm9wZQ=="})
    error(result, "NotFoundError", "NOT_FOUND", "id")


async def test_list_customers_by_name_with_pages_and_filters(gql: GraphQLClient) -> None:
    for name, number in [("Charlie", "C1"), ("Alpha_co", "A1"), ("Bravo", "B1"), ("Bravo", "B2")]:
        await customer(gql, name, customerNumber=number)
    page = (await gql.data(LIST, {"first": 3}))["customers"]
    assert page["totalCount"] == 4
    assert page["pageInfo"]["hasNextPage"] is True
    names = [edge["node"]["customerNumber"] for edge in page["edges"]]
    rest = (await gql.data(LIST, {"first": 3, "after": page["pageInfo"]["endCursor"]}))
    names += [edge["node"]["customerNumber"] for edge in rest["customers"]["edges"]]
    assert rest["customers"]["pageInfo"]["hasNextPage"] is False
    assert names == ["A1", "B1", "B2", "C1"]
    found = (await gql.data(LIST, {"first": 10, "filter": {"search": "_"}}))["customers"]
    assert [edge["node"]["name"] for edge in found["edges"]] == ["Alpha_co"]
    found = (await gql.data(LIST, {"first": 10, "filter": {"search": "b2"}}))["customers"]
    assert found["totalCount"] == 1


async def test_list_customers_bad_page_size_is_a_client_error(gql: GraphQLClient) -> None:
    body = await gql.post(LIST, {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    assert "100" in body["errors"][0]["message"]


async def test_members_read_customers_but_cannot_manage_them(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    gid = await customer(gql)
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    listed = await gql.data(LIST, {"first": 10}, token=member.token)
    assert listed["customers"]["totalCount"] == 1
    for document, values in [
        (CREATE_CUSTOMER, {"name": "X"}),
        (UPDATE_CUSTOMER, {"id": gid, "name": "X"}),
        (ARCHIVE_CUSTOMER, {"id": gid}),
    ]:
        body = await gql.post(document, {"input": values}, token=member.token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    manager = await add_member(state, owner.workspace_id, role=Role.MANAGER, email="b@acme.test")
    result = await ok(gql, CREATE_CUSTOMER, "createCustomer", {"name": "Y"}, token=manager.token)
    assert result["name"] == "Y"


async def test_customers_are_isolated_per_workspace(
    gql: GraphQLClient, other_owner: Member
) -> None:
    theirs = await customer(gql, "Theirs")
    token = other_owner.token
    assert (await gql.data(LIST, {"first": 10}, token=token))["customers"]["totalCount"] == 0
    assert (await gql.data(NODE, {"id": theirs}, token=token))["node"] is None
    own = (await gql.data(NODE, {"id": theirs}))["node"]
    assert own == {"__typename": "Customer", "id": theirs}
    result = await mutation(gql, UPDATE_CUSTOMER, "updateCustomer",
                            {"id": theirs, "name": "hacked"}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    result = await mutation(gql, ARCHIVE_CUSTOMER, "archiveCustomer", {"id": theirs}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    mine = (await gql.data(LIST, {"first": 10}))["customers"]["edges"]
    assert [edge["node"]["name"] for edge in mine] == ["Theirs"]


async def test_renumbering_a_customer_drops_its_wefact_link(
    gql: GraphQLClient, state: AppState
) -> None:
    gid = await customer(gql, "Linked", customerNumber="DB10001")
    async with state.sessionmaker() as session, session.begin():
        await session.execute(
            update(Customer).values(
                wefact_debtor_code="DB10001",
                wefact_identifier="7",
                wefact_modified_at=dt.datetime(2026, 1, 1),  # WeFact's own naive stamp
            )
        )
    await ok(gql, UPDATE_CUSTOMER, "updateCustomer", {"id": gid, "name": "Still linked"})
    async with state.sessionmaker() as session:
        row = await session.scalar(select(Customer))
    assert row is not None
    assert row.wefact_debtor_code == "DB10001"
    await ok(gql, UPDATE_CUSTOMER, "updateCustomer", {"id": gid, "customerNumber": "DB20000"})
    async with state.sessionmaker() as session:
        row = await session.scalar(select(Customer))
    assert row is not None
    assert (row.customer_number, row.wefact_debtor_code, row.wefact_identifier) == (
        "DB20000", None, None,
    )
