"""Bad scalars and bad text: each refused with a clear error naming the field, never
"Unexpected error.", and nothing stored."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from strawberry.schema.types.base_scalars import (
    DateDefinition,
    DateTimeDefinition,
    DecimalDefinition,
    TimeDefinition,
)

from graphql_api.app import AppState
from graphql_api.models import Customer, TimeEntry
from schema.scalars import SCALAR_OVERRIDES
from tests.conftest import GraphQLClient, Member
from tests.domain.helpers import CREATE_TIME_ENTRY, activity, customer, project

CREATE_TOKEN = """
mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { __typename ... on Error { code message field } }
}
"""


@pytest.fixture
async def entry(gql: GraphQLClient) -> dict[str, Any]:
    """Valid createTimeEntry input; each test spoils one field."""
    project_id = await project(gql, await customer(gql))
    return {
        "projectId": project_id,
        "activityId": await activity(gql),
        "date": "2026-11-02",
        "hours": "2.50",
    }


async def _entries(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(TimeEntry)) or 0)


def _refused(body: dict[str, Any], *fragments: str) -> str:
    assert body["data"] is None, body
    message: str = body["errors"][0]["message"]
    assert message != "Unexpected error."
    for fragment in fragments:
        assert fragment in message, message
    return message


BAD_DECIMALS = ["1_0", "١٢", "1e2", "Infinity", "NaN", " 1", "1.", ".5", "+1", "0x10", "1,5", "9" * 40, True, [], {}]


@pytest.mark.parametrize("hours", BAD_DECIMALS, ids=[repr(v)[:12] for v in BAD_DECIMALS])
async def test_bad_decimals_are_refused(
    gql: GraphQLClient, state: AppState, entry: dict[str, Any], hours: Any
) -> None:
    body = await gql.post(CREATE_TIME_ENTRY, {"input": {**entry, "hours": hours}})
    _refused(body, "Decimal must be written with ASCII digits", "'$input' has invalid value at .hours")
    assert await _entries(state) == 0


@pytest.mark.parametrize("hours", ["2.50", "2.5", 2.5, 2, "02"])
async def test_good_decimals_are_read_as_written(
    gql: GraphQLClient, entry: dict[str, Any], hours: Any
) -> None:
    data = await gql.data(CREATE_TIME_ENTRY, {"input": {**entry, "hours": hours}})
    assert data["createTimeEntry"]["hours"] in {"2.50", "2.00"}


async def test_decimal_literals_are_checked_too(gql: GraphQLClient, entry: dict[str, Any]) -> None:
    literal = (
        f'mutation {{ createTimeEntry(input: {{projectId: "{entry["projectId"]}", '
        f'activityId: "{entry["activityId"]}", date: "2026-11-02", hours: "1_0"}}) '
        "{ __typename } }"
    )
    _refused(await gql.post(literal), "Decimal must be written with ASCII digits")


BAD_DATES = ["20261101", "2026-W45-1", "0001-01-01", "3000-01-01", "1899-12-31", "2026-1-1", "2026-02-30", "2026-11-01T00:00", "٢٠٢٦-١١-٠١", "", 20261101]


@pytest.mark.parametrize("date", BAD_DATES, ids=[repr(v) for v in BAD_DATES])
async def test_bad_dates_are_refused(
    gql: GraphQLClient, state: AppState, entry: dict[str, Any], date: Any
) -> None:
    body = await gql.post(CREATE_TIME_ENTRY, {"input": {**entry, "date": date}})
    _refused(body, "Date must be a date as YYYY-MM-DD between 1900-01-01 and 2999-12-31")
    assert await _entries(state) == 0


BAD_TIMES = ["09:00+01:00", "09:00Z", "9:00", "09:00:00.5", "0900", "25:00", "09:60", "T09:00"]


@pytest.mark.parametrize("start", BAD_TIMES)
async def test_bad_times_are_refused(
    gql: GraphQLClient, state: AppState, entry: dict[str, Any], start: str
) -> None:
    body = await gql.post(CREATE_TIME_ENTRY, {"input": {**entry, "startTime": start}})
    _refused(body, "Time must be a time of day as HH:MM or HH:MM:SS, without an offset")
    assert await _entries(state) == 0


@pytest.mark.parametrize("start", ["09:00", "09:00:30"])
async def test_good_times(gql: GraphQLClient, entry: dict[str, Any], start: str) -> None:
    data = await gql.data(CREATE_TIME_ENTRY, {"input": {**entry, "startTime": start}})
    assert data["createTimeEntry"]["startTime"] in {"09:00:00", "09:00:30"}


BAD_MOMENTS = ["2030-01-01T00:00:00", "2030-01-01", "2030-01-01 00:00:00+00:00", "20300101T000000Z", "2030-01-01T00:00:00+0100", "3000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "2030-01-01t00:00:00z"]


@pytest.mark.parametrize("expires_at", BAD_MOMENTS)
async def test_naive_or_odd_datetimes_are_refused(gql: GraphQLClient, expires_at: str) -> None:
    body = await gql.post(CREATE_TOKEN, {"input": {"name": "partner", "expiresAt": expires_at}})
    _refused(body, "DateTime must be a date and time with an offset", "invalid value at .expiresAt")


@pytest.mark.parametrize("expires_at", ["2030-01-01T00:00:00Z", "2030-01-01T01:00:00.123+01:00"])
async def test_datetimes_with_an_offset_are_fine(gql: GraphQLClient, expires_at: str) -> None:
    data = await gql.data(CREATE_TOKEN, {"input": {"name": "partner", "expiresAt": expires_at}})
    assert data["createApiToken"]["__typename"] == "NewApiToken"


SAMPLES: dict[object, list[Any]] = {
    Decimal: [Decimal("0"), Decimal("2.50"), Decimal("-1234567.89"), Decimal("10")],
    dt.date: [dt.date(2026, 11, 1), dt.date(1900, 1, 1)],
    dt.time: [dt.time(9, 0), dt.time(23, 59, 59), dt.time(8, 5, 3, 120)],
    dt.datetime: [
        dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 9, 30, 1, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ],
}
BUILT_IN = {
    Decimal: DecimalDefinition,
    dt.date: DateDefinition,
    dt.time: TimeDefinition,
    dt.datetime: DateTimeDefinition,
}


@pytest.mark.parametrize("origin", list(SAMPLES), ids=lambda o: getattr(o, "__name__", str(o)))
def test_answers_are_formatted_exactly_as_before(origin: object) -> None:
    ours, theirs = SCALAR_OVERRIDES[origin], BUILT_IN[origin]
    for value in SAMPLES[origin]:
        assert ours.serialize(value) == theirs.serialize(value)


# --- text: NUL characters and lone surrogates ---------------------------------------------


def _post_raw(http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> Any:
    # json.dumps writes a lone surrogate as the escape \\udXXX, as a browser's JSON would.
    body = json.dumps({"query": query, "variables": variables})
    return http.post(
        "/graphql",
        content=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )


CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename } }
"""


@pytest.mark.parametrize(
    ("variables", "field", "problem"),
    [
        ({"input": {"name": "Acme\u0000"}}, "input.name", "a NUL character (U+0000)"),
        ({"input": {"name": "Acme", "notes": "a\ud800b"}}, "input.notes", "an unpaired surrogate (U+D800)"),
        ({"input": {"name": "x\udfff"}}, "input.name", "an unpaired surrogate (U+DFFF)"),
    ],
)
async def test_bad_text_in_variables_is_refused_naming_the_field(
    http: httpx.AsyncClient, owner: Member, state: AppState, *, variables: dict[str, Any],
    field: str, problem: str,
) -> None:
    response = await _post_raw(http, owner.token, CREATE_CUSTOMER, variables)
    body = response.json()
    error = body["errors"][0]
    assert error["message"] == f"`{field}` contains {problem}, which " + error["message"].split(", which ", 1)[1]
    assert error["extensions"] == {"code": "INVALID_INPUT", "field": field}
    async with state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 0


async def test_bad_text_deep_in_a_list_names_its_path(
    http: httpx.AsyncClient, owner: Member, entry: dict[str, Any]
) -> None:
    query = """
    mutation($input: CreateTimeEntriesInput!) { createTimeEntries(input: $input) { __typename } }
    """
    entries = [entry, entry, entry, {**entry, "notes": "ok\u0000"}]
    body = (await _post_raw(http, owner.token, query, {"input": {"entries": entries}})).json()
    assert body["errors"][0]["extensions"]["field"] == "input.entries[3].notes"


async def test_bad_text_in_literals_is_refused(gql: GraphQLClient) -> None:
    body = await gql.post('mutation { createCustomer(input: {name: "a\\u0000"}) { __typename } }')
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "input.name"}
    # A lone surrogate escape cannot even be lexed: a syntax error, still a client error.
    body = await gql.post('mutation { createCustomer(input: {name: "a\\ud800"}) { __typename } }')
    assert body["errors"][0]["message"].startswith("Syntax Error: Invalid Unicode escape")


async def test_bad_text_in_search_and_login(http: httpx.AsyncClient, owner: Member) -> None:
    search = "query($s: String) { customers(filter: {search: $s}) { totalCount } }"
    body = (await _post_raw(http, owner.token, search, {"s": "\u0000"})).json()
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "s"}
    login = """
    mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { __typename } }
    """
    body = (await _post_raw(http, "", login, {"e": "a\ud83d@x.test", "p": "pw"})).json()
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "e"}


async def test_valid_astral_characters_pass(http: httpx.AsyncClient, owner: Member) -> None:
    # 😀 arrives as a surrogate *pair* escape: valid, one code point.
    body = (await _post_raw(http, owner.token, CREATE_CUSTOMER, {"input": {"name": "Café 😀"}})).json()
    assert body["data"]["createCustomer"]["__typename"] == "Customer"


async def test_variables_nested_too_deeply_are_refused(http: httpx.AsyncClient, owner: Member) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    body = (await _post_raw(http, owner.token, CREATE_CUSTOMER, {"input": {"name": deep}})).json()
    assert body["errors"][0]["message"].endswith("nests more than 32 levels deep.")


# --- text limits (graphql_api/services/domain/validation.py) --------------------------------


async def test_token_name_of_201_characters(gql: GraphQLClient) -> None:
    data = await gql.data(CREATE_TOKEN, {"input": {"name": "t" * 201}})
    assert data["createApiToken"] == {
        "__typename": "InvalidInputError",
        "code": "INVALID",
        "message": "The token name is longer than 200 characters (201).",
        "field": "name",
    }


async def test_notes_longer_than_5000_characters(
    gql: GraphQLClient, state: AppState, entry: dict[str, Any]
) -> None:
    document = CREATE_TIME_ENTRY
    data = await gql.data(document, {"input": {**entry, "notes": "n" * 5001}})
    result = data["createTimeEntry"]
    assert (result["__typename"], result["field"]) == ("InvalidInputError", "notes")
    assert result["message"] == "`notes` is longer than 5,000 characters (5,001)."
    assert await _entries(state) == 0
    update = """
    mutation($input: UpdateCustomerInput!) {
      updateCustomer(input: $input) { __typename ... on Error { field message } }
    }
    """
    customer_id = await customer(gql, name="Noted")
    data = await gql.data(update, {"input": {"id": customer_id, "notes": "n" * 5001}})
    assert data["updateCustomer"]["field"] == "notes"


async def test_search_longer_than_200_characters(gql: GraphQLClient) -> None:
    query = "query($s: String) { customers(filter: {search: $s}) { totalCount } }"
    body = await gql.post(query, {"s": "s" * 201})
    error = body["errors"][0]
    assert error["message"] == "`search` is longer than 200 characters (201)."
    assert error["extensions"]["field"] == "search"
