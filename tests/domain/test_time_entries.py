"""Hours: rate snapshots per billing method, validation, ownership, locking, bulk, totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from graphql_api.app import AppState
from graphql_api.models import (
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    LineKind,
    RegistrationStatus,
    Role,
    Subscription,
    TimeEntry,
    User,
)
from resolvers.ids import global_id, parse_global_id
from tests.conftest import GraphQLClient, Member, add_member
from tests.domain.helpers import (
    CREATE_TIME_ENTRY,
    ERROR_FIELDS,
    NODE,
    TIME_ENTRY_FIELDS,
    activity,
    customer,
    error,
    mutation,
    ok,
    project,
)

UPDATE = f"""
mutation($input: UpdateTimeEntryInput!) {{
  updateTimeEntry(input: $input) {{
    __typename
    ... on TimeEntry {{ {TIME_ENTRY_FIELDS} }}
    {ERROR_FIELDS}
  }}
}}
"""
DELETE = f"""
mutation($input: DeleteRegistrationInput!) {{
  deleteTimeEntry(input: $input) {{
    __typename
    ... on Deleted {{ id }}
    {ERROR_FIELDS}
  }}
}}
"""
BULK = f"""
mutation($input: CreateTimeEntriesInput!) {{
  createTimeEntries(input: $input) {{
    __typename
    ... on TimeEntryList {{ timeEntries {{ hours rate }} }}
    {ERROR_FIELDS}
  }}
}}
"""
LIST = """
query($filter: RegistrationFilter, $first: Int! = 20, $after: String) {
  timeEntries(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { date hours notes } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SUMMARY = """
query($filter: RegistrationFilter) {
  timeEntrySummary(filter: $filter) { entryCount hours billableHours amount }
}
"""


async def _count(state: AppState) -> int:
    async with state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(TimeEntry)) or 0)


async def _set_user_rate(state: AppState, user_id: int, rate: str) -> None:
    async with state.sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == user_id).values(hourly_rate=rate))


def _user_gid(member: Member) -> str:
    return global_id("User", member.user_id)


async def _entry(
    gql: GraphQLClient, project_id: str, activity_id: str, **extra: Any
) -> dict[str, Any]:
    values = {"projectId": project_id, "activityId": activity_id, "date": "2024-03-01",
              "hours": "2", **extra}
    return await ok(gql, CREATE_TIME_ENTRY, "createTimeEntry", values)


async def test_rate_snapshot_per_billing_method(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    await _set_user_rate(state, owner.user_id, "70")
    cust = await customer(gql, hourlyRate="90")
    act = await activity(gql, "Design", hourlyRate="80")
    other_act = await activity(gql, "Support", hourlyRate="50")
    expected = {
        "HOURLY_PROJECT_RATE": ("100.00", True),
        "HOURLY_USER_RATE": ("70.00", True),
        "HOURLY_CUSTOMER_RATE": ("90.00", True),
        "FIXED_PRICE": ("0.00", False),
        "SUBSCRIPTION": ("0.00", False),
        "NON_BILLABLE": ("0.00", False),
    }
    extra: dict[str, dict[str, Any]] = {
        "FIXED_PRICE": {"fixedPrice": "5000"},
        "SUBSCRIPTION": {"subscriptionAmount": "10", "subscriptionInterval": "MONTH",
                         "subscriptionStartDate": "2024-01-01"},
    }
    for method, (rate, billable) in expected.items():
        proj = await project(gql, cust, method, billing_method=method, **extra.get(method, {}))
        entry = await _entry(gql, proj, act, hours="1.50", billable=True)
        assert (entry["rate"], entry["billable"]) == (rate, billable), method
        assert entry["amount"] == str((Decimal(rate) * Decimal("1.5")).quantize(Decimal("0.01")))
    by_activity = await project(
        gql, cust, "By activity", billing_method="HOURLY_ACTIVITY_RATE",
        activities=[{"activityId": act, "hourlyRate": "120"}],
    )
    assert (await _entry(gql, by_activity, act))["rate"] == "120.00"  # the project's override
    assert (await _entry(gql, by_activity, other_act))["rate"] == "50.00"  # the activity's


async def test_later_rate_changes_do_not_rewrite_history_but_moves_do(
    gql: GraphQLClient,
) -> None:
    cust = await customer(gql)
    act = await activity(gql)
    cheap = await project(gql, cust, "Cheap", hourlyRate="10")
    dear = await project(gql, cust, "Dear", hourlyRate="200")
    entry = await _entry(gql, cheap, act)
    await gql.data(
        "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { __typename } }",
        {"i": {"id": cheap, "hourlyRate": "11"}},
    )
    unchanged = await ok(gql, UPDATE, "updateTimeEntry", {"id": entry["id"], "notes": "n"})
    assert unchanged["rate"] == "10.00"
    moved = await ok(gql, UPDATE, "updateTimeEntry", {"id": entry["id"], "projectId": dear})
    assert (moved["rate"], moved["project"]) == ("200.00", {"name": "Dear"})


async def test_create_time_entry_fields_and_defaults(gql: GraphQLClient, owner: Member) -> None:
    cust = await customer(gql)
    act = await activity(gql, billable=False)
    proj = await project(gql, cust)
    entry = await _entry(gql, proj, act, startTime="09:00:00", endTime="11:30:00",
                         hours="2.5", notes=" fixed bug ")
    assert entry["__typename"] == "TimeEntry"
    assert entry["billable"] is False  # the activity is not billable
    assert entry["notes"] == "fixed bug"
    assert entry["status"] == "OPEN"
    assert entry["locked"] is False
    assert entry["user"] == {"id": global_id("User", owner.user_id)}
    assert entry["amount"] == "250.00"


async def test_create_time_entry_errors_change_nothing(
    gql: GraphQLClient, state: AppState, other_owner: Member
) -> None:
    cust = await customer(gql)
    act = await activity(gql)
    other_act = await activity(gql, "Other")
    proj = await project(gql, cust)
    restricted = await project(gql, cust, "Restricted", restrictActivities=True,
                               activities=[{"activityId": act}])
    archived = await project(gql, cust, "Archived")
    await gql.data(
        "mutation($i: ArchiveProjectInput!) { archiveProject(input: $i) { __typename } }",
        {"i": {"id": archived}},
    )
    theirs_customer = await customer(gql, "X")  # used from the other workspace below
    base = {"projectId": proj, "activityId": act, "date": "2024-03-01", "hours": "1"}
    cases: list[tuple[dict[str, Any], str, str, str]] = [
        ({"hours": "0"}, "InvalidInputError", "INVALID", "hours"),
        ({"hours": "-1"}, "InvalidInputError", "INVALID", "hours"),
        ({"hours": "24.01"}, "InvalidInputError", "INVALID", "hours"),
        ({"hours": "1.005"}, "InvalidInputError", "INVALID", "hours"),
        ({"startTime": "10:00:00", "endTime": "09:00:00"}, "InvalidInputError", "INVALID",
         "endTime"),
        ({"projectId": archived}, "InvalidInputError", "ARCHIVED", "projectId"),
        ({"projectId": restricted, "activityId": other_act}, "InvalidInputError",
         "ACTIVITY_NOT_ON_PROJECT", "activityId"),
        ({"projectId": "bm9wZQ=="}, "NotFoundError", "NOT_FOUND", "projectId"),
        ({"projectId": theirs_customer}, "NotFoundError", "NOT_FOUND", "projectId"),
        ({"activityId": proj}, "NotFoundError", "NOT_FOUND", "activityId"),
        ({"userId": _user_gid(other_owner)}, "NotFoundError", "NOT_FOUND", "userId"),
    ]
    for extra, typename, code, field in cases:
        result = await mutation(gql, CREATE_TIME_ENTRY, "createTimeEntry", {**base, **extra})
        error(result, typename, code, field)
    assert (await _count(state)) == 0
    # the other workspace cannot use our project or activity
    result = await mutation(gql, CREATE_TIME_ENTRY, "createTimeEntry", base,
                            token=other_owner.token)
    error(result, "NotFoundError", "NOT_FOUND", "projectId")
    assert (await _count(state)) == 0
    assert (await _entry(gql, restricted, act))["rate"] == "100.00"


async def test_members_register_only_their_own_hours(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    manager = await add_member(state, owner.workspace_id, role=Role.MANAGER, email="b@acme.test")
    cust = await customer(gql)
    act = await activity(gql)
    proj = await project(gql, cust)
    base = {"projectId": proj, "activityId": act, "date": "2024-03-01", "hours": "1"}
    own = await ok(gql, CREATE_TIME_ENTRY, "createTimeEntry", base, token=member.token)
    assert own["user"] == {"id": global_id("User", member.user_id)}
    result = await mutation(gql, CREATE_TIME_ENTRY, "createTimeEntry",
                            {**base, "userId": _user_gid(owner)}, token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "userId")
    owners = await _entry(gql, proj, act)
    result = await mutation(gql, UPDATE, "updateTimeEntry", {"id": owners["id"], "hours": "3"},
                            token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "id")
    result = await mutation(gql, DELETE, "deleteTimeEntry", {"id": owners["id"]},
                            token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "id")
    result = await mutation(gql, UPDATE, "updateTimeEntry",
                            {"id": own["id"], "userId": _user_gid(owner)}, token=member.token)
    error(result, "ForbiddenError", "FORBIDDEN", "userId")
    # managers manage everyone's hours, also on someone's behalf
    for_member = await ok(gql, CREATE_TIME_ENTRY, "createTimeEntry",
                          {**base, "userId": _user_gid(member)}, token=manager.token)
    assert for_member["user"] == {"id": global_id("User", member.user_id)}
    changed = await ok(gql, UPDATE, "updateTimeEntry", {"id": own["id"], "hours": "4"},
                       token=manager.token)
    assert changed["hours"] == "4.00"
    result = await ok(gql, DELETE, "deleteTimeEntry", {"id": own["id"]}, token=member.token)
    assert result == {"__typename": "Deleted", "id": own["id"]}


async def test_update_and_delete(gql: GraphQLClient, state: AppState) -> None:
    cust = await customer(gql)
    act = await activity(gql)
    proj = await project(gql, cust)
    entry = await _entry(gql, proj, act, startTime="09:00:00")
    updated = await ok(gql, UPDATE, "updateTimeEntry", {
        "id": entry["id"], "hours": "7.75", "date": "2024-03-02", "notes": None,
        "billable": False, "startTime": None,
    })
    assert (updated["hours"], updated["date"], updated["notes"], updated["billable"]) == (
        "7.75", "2024-03-02", None, False
    )
    assert updated["startTime"] is None
    cases: list[tuple[dict[str, Any], str]] = [
        ({"hours": "25"}, "hours"), ({"hours": None}, "hours"), ({"date": None}, "date"),
        ({"activityId": None}, "activityId"),
        ({"startTime": "12:00:00", "endTime": "08:00:00"}, "endTime"),
    ]
    for extra, field in cases:
        result = await mutation(gql, UPDATE, "updateTimeEntry", {"id": entry["id"], **extra})
        error(result, "InvalidInputError", "INVALID", field)
    result = await mutation(gql, UPDATE, "updateTimeEntry", {"id": "bm9wZQ==", "hours": "1"})
    error(result, "NotFoundError", "NOT_FOUND", "id")
    result = await ok(gql, DELETE, "deleteTimeEntry", {"id": entry["id"]})
    assert result == {"__typename": "Deleted", "id": entry["id"]}
    result = await mutation(gql, DELETE, "deleteTimeEntry", {"id": entry["id"]})
    error(result, "NotFoundError", "NOT_FOUND", "id")
    assert (await _count(state)) == 0


async def test_invoiced_and_reserved_entries_are_locked(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    cust = await customer(gql)
    act = await activity(gql)
    proj = await project(gql, cust)
    invoiced = await _entry(gql, proj, act)
    reserved = await _entry(gql, proj, act)
    invoiced_pk = parse_global_id(invoiced["id"])[1]
    reserved_pk = parse_global_id(reserved["id"])[1]
    async with state.sessionmaker() as session, session.begin():
        invoice = Invoice(
            workspace_id=owner.workspace_id, customer_id=parse_global_id(cust)[1],
            provider=Subscription.WEFACT, reference="test-1", status=InvoiceStatus.PENDING,
            mode=InvoiceMode.CONCEPT, invoice_date=dt.date(2024, 3, 31), amount_excl=Decimal(200),
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
        await session.execute(update(TimeEntry).where(TimeEntry.id == invoiced_pk)
                              .values(status=RegistrationStatus.INVOICED))
        await session.execute(update(TimeEntry).where(TimeEntry.id == reserved_pk)
                              .values(invoice_line_id=line.id))
    for gid in (invoiced["id"], reserved["id"]):
        result = await mutation(gql, UPDATE, "updateTimeEntry", {"id": gid, "hours": "1"})
        error(result, "LockedError", "LOCKED", "id")
        result = await mutation(gql, DELETE, "deleteTimeEntry", {"id": gid})
        error(result, "LockedError", "LOCKED", "id")
        node = await gql.data(
            "query($id: ID!) { node(id: $id) { ... on TimeEntry { hours locked } } }", {"id": gid}
        )
        assert node["node"] == {"hours": "2.00", "locked": True}


async def test_bulk_create_all_or_nothing(gql: GraphQLClient, state: AppState) -> None:
    cust = await customer(gql)
    act = await activity(gql)
    proj = await project(gql, cust)
    entry = {"projectId": proj, "activityId": act, "date": "2024-03-01", "hours": "1"}
    result = await ok(gql, BULK, "createTimeEntries",
                      {"entries": [entry, {**entry, "hours": "2.25"}]})
    assert result == {"__typename": "TimeEntryList", "timeEntries": [
        {"hours": "1.00", "rate": "100.00"}, {"hours": "2.25", "rate": "100.00"}]}
    assert (await _count(state)) == 2
    bad = [entry, entry, entry, {**entry, "hours": "30"}]
    result = await mutation(gql, BULK, "createTimeEntries", {"entries": bad})
    error(result, "InvalidInputError", "INVALID", "entries[3].hours")
    bad = [entry, {**entry, "projectId": "bm9wZQ=="}]
    result = await mutation(gql, BULK, "createTimeEntries", {"entries": bad})
    error(result, "NotFoundError", "NOT_FOUND", "entries[1].projectId")
    result = await mutation(gql, BULK, "createTimeEntries", {"entries": [entry] * 101})
    error(result, "InvalidInputError", "INVALID", "input")
    result = await mutation(gql, BULK, "createTimeEntries", {"entries": []})
    error(result, "InvalidInputError", "INVALID", "input")
    assert (await _count(state)) == 2
    result = await ok(gql, BULK, "createTimeEntries", {"entries": [entry] * 100})
    assert len(result["timeEntries"]) == 100


async def test_list_filters_pages_and_summary(gql: GraphQLClient, state: AppState,
                                              owner: Member) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    a = await customer(gql, "A")
    b = await customer(gql, "B")
    design = await activity(gql, "Design")
    support = await activity(gql, "Support")
    pa = await project(gql, a, "PA", hourlyRate="10.02")
    pb = await project(gql, b, "PB", billing_method="FIXED_PRICE", fixedPrice="100")
    await _entry(gql, pa, design, date="2024-03-02", hours="1.25", notes="alpha")
    await _entry(gql, pa, support, date="2024-03-01", hours="1.25", notes="beta")
    await _entry(gql, pb, design, date="2024-03-01", hours="3", notes="gamma")
    await ok(gql, CREATE_TIME_ENTRY, "createTimeEntry",
             {"projectId": pa, "activityId": design, "date": "2024-04-01", "hours": "0.5",
              "billable": False}, token=member.token)
    page = (await gql.data(LIST, {"first": 2}))["timeEntries"]
    assert page["totalCount"] == 4
    dates = [e["node"]["notes"] for e in page["edges"]]
    rest = (await gql.data(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}))
    dates += [e["node"]["notes"] for e in rest["timeEntries"]["edges"]]
    assert dates == ["beta", "gamma", "alpha", None]  # date, then id
    cases: list[tuple[dict[str, Any], int]] = [
        ({"customerId": a}, 3), ({"projectId": pb}, 1), ({"activityId": support}, 1),
        ({"userId": _user_gid(member)}, 1), ({"billable": False}, 2),
        ({"dateFrom": "2024-03-02", "dateTo": "2024-03-31"}, 1), ({"search": "AMM"}, 1),
        ({"status": "INVOICED"}, 0), ({"status": "OPEN"}, 4),
        ({"updatedSince": "2999-01-01T00:00:00+00:00"}, 0),
    ]
    for filter, count in cases:
        listed = await gql.data(LIST, {"filter": filter})
        assert listed["timeEntries"]["totalCount"] == count, filter
    summary = (await gql.data(SUMMARY, {"filter": {"customerId": a}}))["timeEntrySummary"]
    # 1.25 × 10.02 = 12.525 → 12.53 per entry (half-up), twice; the non-billable one adds none
    assert summary == {"entryCount": 3, "hours": "3.00", "billableHours": "2.50",
                       "amount": "25.06"}
    summary = (await gql.data(SUMMARY))["timeEntrySummary"]
    assert summary["hours"] == "6.00"
    body = await gql.post(LIST, {"filter": {"dateFrom": "2024-03-02", "dateTo": "2024-03-01"}})
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "dateTo"}


async def test_time_entries_are_isolated_per_workspace(
    gql: GraphQLClient, other_owner: Member
) -> None:
    cust = await customer(gql)
    act = await activity(gql)
    proj = await project(gql, cust)
    entry = await _entry(gql, proj, act)
    token = other_owner.token
    assert (await gql.data(NODE, {"id": entry["id"]}, token=token))["node"] is None
    assert (await gql.data(LIST, token=token))["timeEntries"]["totalCount"] == 0
    summary = (await gql.data(SUMMARY, token=token))["timeEntrySummary"]
    assert summary == {"entryCount": 0, "hours": "0.00", "billableHours": "0.00", "amount": "0.00"}
    listed = await gql.data(LIST, {"filter": {"projectId": proj}}, token=token)
    assert listed["timeEntries"]["totalCount"] == 0
    result = await mutation(gql, UPDATE, "updateTimeEntry", {"id": entry["id"], "hours": "1"},
                            token=token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    result = await mutation(gql, DELETE, "deleteTimeEntry", {"id": entry["id"]}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "id")
    result = await mutation(gql, BULK, "createTimeEntries", {"entries": [
        {"projectId": proj, "activityId": act, "date": "2024-03-01", "hours": "1"}]}, token=token)
    error(result, "NotFoundError", "NOT_FOUND", "entries[0].projectId")
    # nor can our entry be moved onto their project
    their_project = await project(GraphQLClient(gql.http, token), await customer(
        GraphQLClient(gql.http, token), "Theirs"))
    result = await mutation(gql, UPDATE, "updateTimeEntry",
                            {"id": entry["id"], "projectId": their_project})
    error(result, "NotFoundError", "NOT_FOUND", "projectId")
    mine = await gql.data(NODE, {"id": entry["id"]})
    assert mine["node"] == {"__typename": "TimeEntry", "id": entry["id"]}


async def test_start_and_end_time_must_agree_with_the_hours(
    gql: GraphQLClient, state: AppState
) -> None:
    """09:00–17:00 is 8 hours: an entry of 1 hour with those times is refused, naming the
    field the change sent (issue 19). Times to the minute round half-up to cents of an hour."""
    proj = await project(gql, await customer(gql))
    act = await activity(gql)
    base = {"projectId": proj, "activityId": act, "date": "2024-03-01"}
    result = await mutation(gql, CREATE_TIME_ENTRY, "createTimeEntry",
                            {**base, "hours": "1", "startTime": "09:00:00", "endTime": "17:00:00"})
    error(result, "InvalidInputError", "INVALID", "hours")
    assert "09:00 to 17:00 is 8.00 hours" in result["message"]
    assert (await _count(state)) == 0

    entry = await _entry(gql, proj, act, hours="8", startTime="09:00:00", endTime="17:00:00")
    third = await _entry(gql, proj, act, hours="0.33", startTime="09:00:00", endTime="09:20:00")
    assert third["hours"] == "0.33"
    assert (await _entry(gql, proj, act, hours="0.02", startTime="09:00:00",
                         endTime="09:01:00"))["hours"] == "0.02"  # 0.0167 → 0.02

    cases: list[tuple[dict[str, Any], str]] = [
        ({"hours": "7.5"}, "hours"),
        ({"endTime": "16:00:00"}, "endTime"),
        ({"startTime": "08:00:00"}, "startTime"),
        ({"hours": "6", "startTime": "10:00:00"}, "hours"),
    ]
    for extra, field in cases:
        result = await mutation(gql, UPDATE, "updateTimeEntry", {"id": entry["id"], **extra})
        error(result, "InvalidInputError", "INVALID", field)
    moved = await ok(gql, UPDATE, "updateTimeEntry",
                     {"id": entry["id"], "hours": "7", "startTime": "10:00:00"})
    assert (moved["hours"], moved["startTime"], moved["endTime"]) == (
        "7.00", "10:00:00", "17:00:00")
    # A day with a break: no times, any hours.
    untimed = await ok(gql, UPDATE, "updateTimeEntry",
                       {"id": entry["id"], "hours": "6.5", "startTime": None})
    assert (untimed["hours"], untimed["startTime"]) == ("6.50", None)
    # Times on one side only say nothing about the length.
    assert (await _entry(gql, proj, act, hours="3", startTime="13:00:00"))["hours"] == "3.00"
