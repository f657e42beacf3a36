"""Roles and tenant isolation for the foundation's own types."""

from __future__ import annotations

from graphql_api.app import AppState
from graphql_api.models import Role, Run, RunKind
from resolvers.ids import global_id
from tests.conftest import GraphQLClient, Member, add_member


async def test_admin_only_field_refuses_members(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m@acme.test")
    body = await gql.post("{ users { email } }", token=member.token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_admin_and_owner_see_users(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    admin = await add_member(state, owner.workspace_id, role=Role.ADMIN, email="a@acme.test")
    for token in (owner.token, admin.token):
        data = await gql.data("{ users { email role } }", token=token)
        assert {u["email"] for u in data["users"]} == {"owner@acme.test", "a@acme.test"}


async def test_users_are_scoped_to_the_workspace(gql: GraphQLClient, other_owner: Member) -> None:
    data = await gql.data("{ users { email } }")
    assert [u["email"] for u in data["users"]] == ["owner@acme.test"]
    theirs = await gql.data("{ users { email } }", token=other_owner.token)
    assert [u["email"] for u in theirs["users"]] == ["owner@globex.test"]


async def test_node_of_another_workspace_is_null(gql: GraphQLClient, other_owner: Member) -> None:
    mine = await gql.data("{ me { id } }")
    theirs = await gql.data("{ me { id } }", token=other_owner.token)
    query = "query($id: ID!) { node(id: $id) { __typename id } }"
    assert (await gql.data(query, {"id": mine["me"]["id"]}))["node"] == {
        "__typename": "User",
        "id": mine["me"]["id"],
    }
    assert (await gql.data(query, {"id": theirs["me"]["id"]}))["node"] is None
    assert (await gql.data(query, {"id": "not-a-global-id"}))["node"] is None


async def test_unauthenticated_node_gets_no_data(gql: GraphQLClient) -> None:
    body = await gql.post('{ node(id: "VXNlcjox") { id } }', token="")
    # node is nullable, so the error nulls just that field: still no data.
    assert body["data"] in (None, {"node": None})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_role_protected_fields_tell_anonymous_callers_to_authenticate(
    gql: GraphQLClient,
) -> None:
    manager_only = 'mutation { createCustomer(input: {name: "X"}) { __typename } }'
    admin_only = "{ users { email } }"
    for query in (manager_only, admin_only):
        body = await gql.post(query, token="")
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", query


async def test_members_may_not_manage_customers(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    member = await add_member(state, owner.workspace_id, role=Role.MEMBER, email="m2@acme.test")
    body = await gql.post(
        'mutation { createCustomer(input: {name: "X"}) { __typename } }', token=member.token
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    manager = await add_member(state, owner.workspace_id, role=Role.MANAGER, email="g@acme.test")
    data = await gql.data(
        'mutation { createCustomer(input: {name: "X"}) { __typename } }', token=manager.token
    )
    assert data["createCustomer"]["__typename"] == "Customer"


async def test_node_types_sharing_the_runs_table_only_match_their_kind(
    gql: GraphQLClient, state: AppState, owner: Member
) -> None:
    async with state.sessionmaker() as session, session.begin():
        invoice_run = Run(workspace_id=owner.workspace_id, kind=RunKind.INVOICE)
        sync_run = Run(workspace_id=owner.workspace_id, kind=RunKind.STATUS_SYNC)
        session.add_all([invoice_run, sync_run])
    query = "query($id: ID!) { node(id: $id) { __typename } }"

    async def typename(type_name: str, pk: int) -> object:
        data = await gql.data(query, {"id": global_id(type_name, pk)})
        return data["node"] and data["node"]["__typename"]

    assert await typename("InvoiceRun", invoice_run.id) == "InvoiceRun"
    assert await typename("Run", sync_run.id) == "Run"
    assert await typename("InvoiceRun", sync_run.id) is None
    assert await typename("CustomerImport", invoice_run.id) is None
