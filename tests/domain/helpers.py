"""Shared GraphQL documents and helpers for the domain tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient

ERROR_FIELDS = "... on Error { code message field }"

CREATE_CUSTOMER = f"""
mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{
    __typename
    ... on Customer {{ id name customerNumber email country hourlyRate mileageRate archived }}
    {ERROR_FIELDS}
  }}
}}
"""
UPDATE_CUSTOMER = f"""
mutation($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{
    __typename
    ... on Customer {{ id name customerNumber email hourlyRate notes }}
    {ERROR_FIELDS}
  }}
}}
"""
ARCHIVE_CUSTOMER = f"""
mutation($input: ArchiveCustomerInput!) {{
  archiveCustomer(input: $input) {{
    __typename
    ... on Customer {{ id archived }}
    {ERROR_FIELDS}
  }}
}}
"""
CREATE_PROJECT = f"""
mutation($input: CreateProjectInput!) {{
  createProject(input: $input) {{
    __typename
    ... on Project {{
      id name projectCode: code billingMethod hourlyRate fixedPrice subscriptionAmount
      subscriptionInterval subscriptionStartDate restrictActivities archived customer {{ name }}
      activities {{ hourlyRate billable activity {{ name }} }}
    }}
    {ERROR_FIELDS}
  }}
}}
"""
CREATE_ACTIVITY = f"""
mutation($input: CreateActivityInput!) {{
  createActivity(input: $input) {{
    __typename
    ... on Activity {{ id name hourlyRate billable wefactProductCode archived }}
    {ERROR_FIELDS}
  }}
}}
"""
CREATE_CATEGORY = f"""
mutation($input: CreateExpenseCategoryInput!) {{
  createExpenseCategory(input: $input) {{
    __typename
    ... on ExpenseCategory {{ id name wefactProductCode archived }}
    {ERROR_FIELDS}
  }}
}}
"""
TIME_ENTRY_FIELDS = """
  id date hours startTime endTime notes billable rate amount status locked
  project { name } activity { name } user { id }
"""
CREATE_TIME_ENTRY = f"""
mutation($input: CreateTimeEntryInput!) {{
  createTimeEntry(input: $input) {{
    __typename
    ... on TimeEntry {{ {TIME_ENTRY_FIELDS} }}
    {ERROR_FIELDS}
  }}
}}
"""
CREATE_EXPENSE = f"""
mutation($input: CreateExpenseInput!) {{
  createExpense(input: $input) {{
    __typename
    ... on Expense {{
      id date description quantity unitPrice amount billable status locked
      category {{ name }} project {{ name }} user {{ id }}
    }}
    {ERROR_FIELDS}
  }}
}}
"""
CREATE_TRIP = f"""
mutation($input: CreateTripInput!) {{
  createTrip(input: $input) {{
    __typename
    ... on Trip {{
      id date fromAddress toAddress distanceKm rate amount billable status locked
      project {{ name }} user {{ id }}
    }}
    {ERROR_FIELDS}
  }}
}}
"""
NODE = """
query($id: ID!) { node(id: $id) { __typename id } }
"""


async def mutation(
    gql: GraphQLClient, document: str, field: str, variables: dict[str, Any],
    *, token: str | None = None,
) -> dict[str, Any]:
    """The result object of one mutation (which must not produce top-level errors)."""
    data = await gql.data(document, {"input": variables}, token=token)
    result: dict[str, Any] = data[field]
    return result


async def ok(
    gql: GraphQLClient, document: str, field: str, variables: dict[str, Any],
    *, token: str | None = None,
) -> dict[str, Any]:
    """The result of a mutation that must succeed."""
    result = await mutation(gql, document, field, variables, token=token)
    assert "code" not in result, result
    return result


async def customer(gql: GraphQLClient, name: str = "Wayne Enterprises", **extra: Any) -> str:
    """A new customer's global id."""
    result = await ok(gql, CREATE_CUSTOMER, "createCustomer", {"name": name, **extra})
    return str(result["id"])


async def activity(gql: GraphQLClient, name: str = "Design", **extra: Any) -> str:
    """A new activity's global id."""
    result = await ok(gql, CREATE_ACTIVITY, "createActivity", {"name": name, **extra})
    return str(result["id"])


async def category(gql: GraphQLClient, name: str = "Materials", **extra: Any) -> str:
    """A new expense category's global id."""
    result = await ok(gql, CREATE_CATEGORY, "createExpenseCategory", {"name": name, **extra})
    return str(result["id"])


async def project(
    gql: GraphQLClient, customer_id: str, name: str = "Website",
    billing_method: str = "HOURLY_PROJECT_RATE", **extra: Any,
) -> str:
    """A new project's global id (hourly at 100.00 unless said otherwise)."""
    values: dict[str, Any] = {
        "customerId": customer_id, "name": name, "billingMethod": billing_method, **extra
    }
    if billing_method == "HOURLY_PROJECT_RATE":
        values.setdefault("hourlyRate", "100.00")
    result = await ok(gql, CREATE_PROJECT, "createProject", values)
    return str(result["id"])


def error(result: dict[str, Any], typename: str, code: str, field: str | None) -> None:
    """Assert a typed mutation error."""
    assert result["__typename"] == typename, result
    assert result["code"] == code, result
    assert result["field"] == field, result
    assert result["message"], result
