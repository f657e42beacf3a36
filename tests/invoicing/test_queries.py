"""Reading invoices: lines and the registrations they cover come through DataLoaders."""

from __future__ import annotations

import pytest

from graphql_api.jobs.worker import JobRunner
from tests.conftest import Emulator, GraphQLClient, activate
from tests.domain.test_statement_count import count_statements
from tests.invoicing.conftest import World, gid, product_code, run_invoices

PAGE = """
query($first: Int!, $filter: InvoiceFilter) {
  invoices(first: $first, filter: $filter) {
    totalCount
    edges { node {
      id status customer { name } run { status }
      lines { description registrations { id ... on TimeEntry { invoiceLine { amount } } } }
    } }
  }
}
"""
# authentication (1), the page (1), then one batch per relation level: customers, runs and
# lines (3), the lines' registrations (3 tables), their invoice lines (1); totalCount (1).
EXPECTED_STATEMENTS = 10


@pytest.mark.parametrize("emulator", ["hostfact"], indirect=True)
async def test_invoice_pages_cost_a_fixed_number_of_statements(
    gql: GraphQLClient, world: World, jobs: JobRunner, emulator: Emulator
) -> None:
    await activate(gql, emulator)
    await world.settings(default_product_code=product_code(emulator, "Consultancy"))
    activity = await world.activity()
    ids = []
    for n in range(6):
        customer = await world.customer(f"Customer {n}", f"K-{n}")
        project = await world.project(customer)
        ids += [gid(await world.entry(project, activity, "1.00")),
                gid(await world.entry(project, activity, "2.00", "50.00"))]
    run = await run_invoices(gql, jobs, ids)
    assert run["status"] == "SUCCEEDED", run["problems"]
    await gql.data("{ me { name } }")  # the token's first use is recorded once

    counts = {}
    for first in (2, 6):
        with count_statements(world.state) as statements:
            data = await gql.data(PAGE, {"first": first})
        edges = data["invoices"]["edges"]
        assert len(edges) == first
        assert data["invoices"]["totalCount"] == 6
        for edge in edges:
            assert [len(line["registrations"]) for line in edge["node"]["lines"]] == [1, 1]
        counts[first] = len(statements)
    assert counts == {2: EXPECTED_STATEMENTS, 6: EXPECTED_STATEMENTS}, counts

    filtered = await gql.data(PAGE, {"first": 10, "filter": {"runId": run["id"],
                                                            "statuses": ["CONCEPT"]}})
    assert filtered["invoices"]["totalCount"] == 6
    none = await gql.data(PAGE, {"first": 10, "filter": {"statuses": ["FAILED"]}})
    assert none["invoices"]["edges"] == []
