"""The README's demo flow, run literally against ``graphql-api serve --demo``.

The operations are read from the README (the ``graphql`` blocks of "The demo" section), in
order, and sent to a real demo process with the token it printed, as a newcomer pastes them
into GraphiQL. Two promises are checked: the import keeps the demo's customers (names and
numbers), and the invoice shows the same lines as its preview.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from graphql_api.app import AppState
from graphql_api.demo import DEMO_CUSTOMERS, OTHER_DEBTORS

README = Path(__file__).resolve().parents[2] / "README.md"
POLL_SECONDS = 60


@dataclass(frozen=True)
class Step:
    """One README operation: its text and the root fields it asks for."""

    text: str
    fields: tuple[str, ...]
    variables: tuple[str, ...]


CUSTOMERS = Step(
    "{ customers(first: 100) { edges { node { name customerNumber } } } }", ("customers",), ()
)
"""Not a README step: how the test looks at the customers afterwards."""


def demo_steps() -> list[Step]:
    """The operations of the README's "The demo" section, in order."""
    readme = README.read_text()
    section = readme.split("### The demo", 1)[1].split("\n### ", 1)[0]
    steps = []
    for block in re.findall(r"```graphql\n(.*?)```", section, re.S):
        for chunk in re.split(r"\n\s*\n", block):
            text = "\n".join(
                line for line in chunk.splitlines() if not line.strip().startswith("#")
            )
            if not text.strip():
                continue
            operation = parse(text).definitions[0]
            assert isinstance(operation, OperationDefinitionNode)
            fields = tuple(
                sel.name.value  # type: ignore[attr-defined]
                for sel in operation.selection_set.selections
            )
            variables = tuple(v.variable.name.value for v in operation.variable_definitions or ())
            steps.append(Step(text, fields, variables))
    return steps


@pytest.fixture
def demo(database_url: str, state: AppState) -> Iterator[tuple[str, dict[str, str]]]:
    """The demo on an empty database (as after a fresh clone): its URL and token header."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "demo-readme-test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "graphql_api.cli", "serve", "--demo", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = header = None
        deadline = time.monotonic() + 90
        while header is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if found := re.search(r"GraphiQL: (http://\S+)", line):
                url = found.group(1)
            if line.startswith('{"Authorization"'):
                header = json.loads(line)
        assert url is not None, "the demo never printed its address"
        assert header is not None, "the demo never printed its token"
        yield url, header
    finally:
        process.terminate()
        process.wait(timeout=30)


def post(url: str, header: dict[str, str], step: Step, variables: dict[str, Any]) -> Any:
    response = httpx.post(
        url,
        json={"query": step.text, "variables": {k: variables[k] for k in step.variables}},
        headers=header,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), (step.fields, body["errors"])
    return body["data"]


def until_done(url: str, header: dict[str, str], poll: Step, run: dict[str, Any]) -> Any:
    """Step 5/8 of the README: ask again while the run is QUEUED or RUNNING."""
    deadline = time.monotonic() + POLL_SECONDS
    while run["status"] in {"QUEUED", "RUNNING"}:
        assert time.monotonic() < deadline, f"run still {run['status']}"
        time.sleep(0.5)
        run = post(url, header, poll, {"id": run["id"]})[poll.fields[0]] | {"id": run["id"]}
    return run


def comparable(invoice: dict[str, Any]) -> tuple[Any, ...]:
    return (
        invoice["customer"]["name"],
        invoice["amountExcl"],
        invoice["amountVat"],
        invoice["amountIncl"],
        invoice["lines"],
    )


def test_the_readme_demo_flow_keeps_the_customers_and_invoices_what_it_previewed(
    demo: tuple[str, dict[str, str]],
) -> None:
    url, header = demo
    steps = demo_steps()
    by_field = {step.fields[0]: step for step in steps}
    expected_order = [
        "me", "wefactProducts", "timeEntries", "importCustomers", "customerImport",
        "previewInvoice", "invoiceInWefact", "invoiceRun", "unbilled", "invoiceUnbilled",
    ]  # fmt: skip
    assert [step.fields[0] for step in steps] == expected_order

    results: dict[str, Any] = {}
    variables: dict[str, Any] = {"until": dt.date.today().isoformat()}
    for step in steps:
        if step.fields[0] in {"customerImport", "invoiceRun"}:
            continue  # the polls: used by the step before them
        data = post(url, header, step, variables)
        results[step.fields[0]] = data
        if step.fields[0] == "timeEntries":
            variables["ids"] = [e["node"]["id"] for e in data["timeEntries"]["edges"]]
        elif step.fields[0] == "importCustomers":
            started = data["importCustomers"]
            assert started["__typename"] == "CustomerImport", started
            results["import"] = until_done(url, header, by_field["customerImport"], started)
        elif step.fields[0] == "invoiceInWefact":
            started = data["invoiceInWefact"]
            assert started["__typename"] == "InvoiceRun", started
            results["invoiceRun"] = until_done(url, header, by_field["invoiceRun"], started)
        elif step.fields[0] == "unbilled":
            variables["projectIds"] = [p["project"]["id"] for p in data["unbilled"]["projects"]]

    assert results["me"]["wefactSettings"]["active"] is True
    assert len(variables["ids"]) == 10

    # The import kept the demo's customers (names, numbers) and added the other debtors.
    customers = post(url, header, CUSTOMERS, {})["customers"]["edges"]
    numbers = {c["node"]["name"]: c["node"]["customerNumber"] for c in customers}
    for customer in DEMO_CUSTOMERS:
        assert customer.name in numbers, f"{customer.name} was renamed by the import"
        # Studio Noord has no number of its own; it gets WeFact's code when invoiced (step 7).
        if customer.customer_number is not None:
            assert numbers[customer.name] == customer.customer_number
    assert len(numbers) == len(DEMO_CUSTOMERS) + OTHER_DEBTORS
    imported = results["import"]
    assert imported["status"] == "SUCCEEDED", imported
    assert (imported["created"], imported["failed"]) == (OTHER_DEBTORS, 0)

    # The invoice shows exactly what the preview showed: customers, totals, every line.
    preview = results["previewInvoice"]["previewInvoice"]
    assert preview["canInvoice"] is True
    assert {i["customer"]["name"] for i in preview["invoices"]} <= {c.name for c in DEMO_CUSTOMERS}
    run = results["invoiceRun"]
    assert run["status"] == "SUCCEEDED", run
    assert sorted(map(comparable, run["invoices"])) == sorted(map(comparable, preview["invoices"]))
    assert all(invoice["status"] == "CONCEPT" for invoice in run["invoices"])

    unbilled = results["invoiceUnbilled"]["invoiceUnbilled"]
    assert unbilled["__typename"] == "InvoiceRun", unbilled
