"""Expenses and trips: create, update, delete, rates, errors, ownership, locking, isolation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from graphql_api.app import AppState
from graphql_api.models import Expense, RegistrationStatus, Role, Trip, Workspace
from resolvers.ids import global_id, parse_global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import (
    CREATE_EXPENSE,
    CREATE_TRIP,
    ERROR_FIELDS,
    NODE,
    category,
    customer,
    error,
    mutation,
    ok,
    project,
)

UPDATE_EXPENSE = f"""
mutation($input: UpdateExpenseInput!) {{
  updateExpense(input: $input) {{
    __typename
    ... on Expense {{ id quantity unitPrice amount description billable category {{ name }} }}
    {ERROR_FIELDS}
  }}
}}
"""
DELETE_EXPENSE = f"""
mutation($input: DeleteRegistrationInput!) {{
  deleteExpense(input: $input) {{ __typename ... on Deleted {{ id }} {ERROR_FIELDS} }}
}}
"""
UPDATE_TRIP = f"""
mutation($input: UpdateTripInput!) {{
  updateTrip(input: $input) {{
    __typename
    ... on Trip {{ id distanceKm rate amount fromAddress billable project {{ name }} }}
    {ERROR_FIELDS}
  }}
}}
"""
DELETE_TRIP = f"""
mutation($input: DeleteRegistrationInput!) {{
  deleteTrip(input: $input) {{ __typename ... on Deleted {{ id }} {ERROR_FIELDS} }}
}}
"""
EXPENSES = """
query($filter: RegistrationFilter) {
  expenses(filter: $filter, first: 10) { totalCount edges { node { description } } }
}
"""
TRIPS = """
query($filter: RegistrationFilter) {
  trips(filter: $filter, first: 10) { totalCount edges { node { toAddress } } }
}
"""


async def _expense(gql: GraphQLClient, project_id: str, category_id: str,
                   **extra: Any) -> dict[str, Any]:
    values = {"projectId": project_id, "categoryId": category_id, "date": "2024-03-01",
              "description": "Cable", "quantity": "3", "unitPrice": "2.35", **extra}
    return await ok(gql, CREATE_EXPENSE, "createExpense", values)


async def _trip(gql: GraphQLClient, project_id: str, **extra: Any) -> dict[str, Any]:
    values = {"projectId": project_id, "date": "2024-03-01", "fromAddress": "Office",
              "toAddress": "Client", "distanceKm": "42.5", **extra}
    return await ok(gql, CREATE_TRIP, "createTrip", values)


async def test_expense_lifecycle(gql: GraphQLClient, owner: Member) -> None:
    cust = await customer(gql)
    cat = await category(gql, "Materials")
    other_cat = await category(gql, "Parking")
    proj = await project(gql, cust)
    expense = await _expense(gql, proj, cat)
    assert expense["__typename"] == "Expense"
    assert (expense["quantity"], expense["unitPrice"], expense["amount"]) == (
        "3.00", "2.35", "7.05"
    )
    assert expense["category"] == {"name": "Materials"}
    assert expense["user"] == {"id": global_id("User", owner.user_id)}
    assert (expense["billable"], expense["status"], expense["locked"]) == (True, "OPEN", False)
    updated = await ok(gql, UPDATE_EXPENSE, "updateExpense", {
        "id": expense["id"], "quantity": "0.5", "unitPrice": "0.05", "categoryId": other_cat,
        "billable": False,
    })
    assert updated == {
        "__typename": "Expense", "id": expense["id"], "quantity": "0.50", "unitPrice": "0.05",
        "amount": "0.03", "description": "Cable", "billable": False,
        "category": {"name": "Parking"},
    }
    listed = await gql.data(EXPENSES, {"filter": {"categoryId": other_cat, "search": "cab"}})
    assert listed["expenses"]["totalCount"] == 1
    result = await ok(gql, DELETE_EXPENSE, "deleteExpense", {"id": expense["id"]})
    assert result == {"__typename": "Deleted", "id": expense["id"]}
    assert (await gql.data(EXPENSES))["expenses"]["totalCount"] == 0


async def test_expense_errors(gql: GraphQLClient, state: AppState, owner: Member) -> None:
    cust = await customer(gql)
    cat = await category(gql)
    archived_cat = await category(gql, "Old")
    await gql.data(
        "mutation($i: UpdateExpenseCategoryInput!) { updateExpenseCategory(input: $i) "
        "{ __typename } }", {"i": {"id": archived_cat, "archived": True}},
    )
    proj = await project(gql, cust)
    base = {"projectId": proj, "categoryId": cat, "date": "2024-03-01", "description": "x",
            "quantity": "1", "unitPrice": "1"}
    cases: list[tuple[dict[str, Any], str, str, str]] = [
        ({"description": " "}, "InvalidInputError", "INVALID", "description"),
        ({"quantity": "0"}, "InvalidInputError", "INVALID", "quantity"),
        ({"quantity": "100000000"}, "InvalidInputError", "INVALID", "quantity"),
        ({"unitPrice": "-1"}, "InvalidInputError", "INVALID", "unitPrice"),
        ({"unitPrice": "0.001"}, "InvalidInputError", "INVALID", "unitPrice"),
        ({"categoryId": archived_cat}, "InvalidInputError", "ARCHIVED", "categoryId"),
        ({"categoryId": proj}, "NotFoundError", "NOT_FOUND", "categoryId"),
        ({"projectId": cat}, "NotFoundError", "NOT_FOUND", "projectId"),
    ]
    for extra, typename, code, field in cases:
        result = await mutation(gql, CREATE_EXPENSE, "createExpense", {**base, **extra})
        error(result, typename, code, field)
    assert (await gql.data(EXPENSES))["expenses"]["totalCount"] == 0
    expense = await _expense(gql, proj, cat)
    result = await mutation(gql, UPDATE_EXPENSE, "updateExpense",
                            {"id": expense["id"], "quantity": None})
    error(result, "InvalidInputError", "INVALID", "quantity")
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(Expense).values(status=RegistrationStatus.INVOICED))
    result = await mutation(gql, UPDATE_EXPENSE, "updateExpense",
                            {"id": expense["id"], "quantity": "2"})
    error(result, "LockedError", "LOCKED", "id")
    result = await mutation(gql, DELETE_EXPENSE, "deleteExpense", {"id": expense["id"]})
    error(result, "LockedError", "LOCKED", "id")
    # a member cannot touch someone else's expense or file one for them
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    result = await mutation(gql, CREATE_EXPENSE, "createExpense",
                            {**base, "userId": global_id("User", owner.user_id)},
                            token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "userId")
    open_one = await _expense(gql, proj, cat)
    result = await mutation(gql, UPDATE_EXPENSE, "updateExpense",
                            {"id": open_one["id"], "quantity": "2"}, token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "id")
    result = await mutation(gql, DELETE_EXPENSE, "deleteExpense", {"id": open_one["id"]},
                            token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "id")


async def test_non_billable_projects_bill_no_expenses_or_trips(gql: GraphQLClient) -> None:
    cust = await customer(gql)
    cat = await category(gql)
    internal = await project(gql, cust, "Internal", billing_method="NON_BILLABLE")
    fixed = await project(gql, cust, "Fixed", billing_method="FIXED_PRICE", fixedPrice="10")
    assert (await _expense(gql, internal, cat, billable=True))["billable"] is False
    assert (await _trip(gql, internal))["billable"] is False
    # costs on a fixed-price project are still re-invoiced unless said otherwise
    assert (await _expense(gql, fixed, cat))["billable"] is True


async def test_trip_rates_and_lifecycle(gql: GraphQLClient, state: AppState,
                                        owner: Member) -> None:
    own_rate = await customer(gql, "Own rate", mileageRate="0.40")
    default = await customer(gql, "Default")
    p1 = await project(gql, own_rate, "P1")
    p2 = await project(gql, default, "P2")
    trip = await _trip(gql, p1)
    assert trip["__typename"] == "Trip"
    assert (trip["rate"], trip["amount"], trip["distanceKm"]) == ("0.40", "17.00", "42.50")
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(Workspace).values(mileage_rate="0.25"))
    moved = await ok(gql, UPDATE_TRIP, "updateTrip",
                     {"id": trip["id"], "projectId": p2, "distanceKm": "10.01"})
    assert moved == {
        "__typename": "Trip", "id": trip["id"], "distanceKm": "10.01", "rate": "0.25",
        "amount": "2.50", "fromAddress": "Office", "billable": True, "project": {"name": "P2"},
    }
    await _trip(gql, p2, toAddress="Airport")
    listed = await gql.data(TRIPS, {"filter": {"search": "airp"}})
    assert [e["node"]["toAddress"] for e in listed["trips"]["edges"]] == ["Airport"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"distanceKm": "0"}, "distanceKm"), ({"distanceKm": "10000.01"}, "distanceKm"),
        ({"fromAddress": ""}, "fromAddress"), ({"toAddress": None}, "toAddress"),
        ({"date": None}, "date"),
    ]
    for extra, field in cases:
        result = await mutation(gql, UPDATE_TRIP, "updateTrip", {"id": trip["id"], **extra})
        error(result, "InvalidInputError", "INVALID", field)
    result = await mutation(gql, CREATE_TRIP, "createTrip", {
        "projectId": p1, "date": "2024-03-01", "fromAddress": "a", "toAddress": "b",
        "distanceKm": "-3"})
    error(result, "InvalidInputError", "INVALID", "distanceKm")
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(Trip).where(Trip.id == parse_global_id(trip["id"])[1])
                              .values(status=RegistrationStatus.INVOICED))
    result = await mutation(gql, UPDATE_TRIP, "updateTrip", {"id": trip["id"], "distanceKm": "1"})
    error(result, "LockedError", "LOCKED", "id")
    result = await mutation(gql, DELETE_TRIP, "deleteTrip", {"id": trip["id"]})
    error(result, "LockedError", "LOCKED", "id")
    listed = await gql.data(TRIPS, {"filter": {"status": "OPEN"}})
    assert listed["trips"]["totalCount"] == 1
    open_trip = listed["trips"]["edges"][0]
    assert open_trip["node"]["toAddress"] == "Airport"
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    mine = await ok(gql, CREATE_TRIP, "createTrip", {
        "projectId": p1, "date": "2024-03-02", "fromAddress": "a", "toAddress": "b",
        "distanceKm": "1"}, token=member.token)
    result = await ok(gql, DELETE_TRIP, "deleteTrip", {"id": mine["id"]}, token=member.token)
    assert result == {"__typename": "Deleted", "id": mine["id"]}
    result = await mutation(gql, CREATE_TRIP, "createTrip", {
        "projectId": p1, "date": "2024-03-02", "fromAddress": "a", "toAddress": "b",
        "distanceKm": "1", "userId": global_id("User", owner.user_id)}, token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "userId")


async def test_expenses_and_trips_are_isolated_per_workspace(
    gql: GraphQLClient, other_owner: Member
) -> None:
    cust = await customer(gql)
    cat = await category(gql)
    proj = await project(gql, cust)
    expense = await _expense(gql, proj, cat)
    trip = await _trip(gql, proj)
    token = other_owner.token
    for gid in (expense["id"], trip["id"]):
        assert (await gql.data(NODE, {"id": gid}, token=token))["node"] is None
    assert (await gql.data(EXPENSES, token=token))["expenses"]["totalCount"] == 0
    assert (await gql.data(TRIPS, token=token))["trips"]["totalCount"] == 0
    for document, field, values in [
        (UPDATE_EXPENSE, "updateExpense", {"id": expense["id"], "quantity": "1"}),
        (DELETE_EXPENSE, "deleteExpense", {"id": expense["id"]}),
        (UPDATE_TRIP, "updateTrip", {"id": trip["id"], "distanceKm": "1"}),
        (DELETE_TRIP, "deleteTrip", {"id": trip["id"]}),
    ]:
        result = await mutation(gql, document, field, values, token=token)
        error(result, "NotFoundError", "NOT_FOUND", "id")
    result = await mutation(gql, CREATE_EXPENSE, "createExpense", {
        "projectId": proj, "categoryId": cat, "date": "2024-03-01", "description": "x",
        "quantity": "1", "unitPrice": "1"}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "projectId")
    result = await mutation(gql, CREATE_TRIP, "createTrip", {
        "projectId": proj, "date": "2024-03-01", "fromAddress": "a", "toAddress": "b",
        "distanceKm": "1"}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "projectId")
    assert (await gql.data(EXPENSES))["expenses"]["totalCount"] == 1
