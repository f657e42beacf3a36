"""A bounded schemathesis run in GraphQL mode against a real server process: every query and
mutation field, generated documents and arguments, with a real API token. No answer may be
an HTTP 5xx or contain a masked server fault ("Unexpected error.").

Bounded for CI: ``FUZZ_EXAMPLES`` documents per root field (default 40) with a fixed seed,
so the run is the same every time and takes about a minute. Raise it locally to search harder:
``FUZZ_EXAMPLES=200 pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.graphql import nodes

from graphql_api.app import AppState
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState
from tests.conftest import EMULATOR_API_KEY, Member
from tests.hostile.server import server_process

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SEED = 20261116
MASKED = "Unexpected error."


def _register_scalars() -> None:
    """Strategies for our custom scalars: mostly valid values, some the scalars must refuse
    (cleanly, as client errors)."""
    text = st.text(max_size=12).map(nodes.String)
    dates = st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)).map(
        lambda d: nodes.String(d.isoformat())
    )
    schemathesis.graphql.scalar("Date", st.one_of(dates, dates, text))
    moments = st.datetimes(
        dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
    )
    schemathesis.graphql.scalar(
        "DateTime", st.one_of(moments.map(lambda m: nodes.String(m.isoformat())), text)
    )
    decimals = st.decimals(Decimal("-1000"), Decimal("100000"), places=2, allow_nan=False)
    schemathesis.graphql.scalar(
        "Decimal",
        st.one_of(
            decimals.map(lambda d: nodes.String(str(d))),
            decimals.map(lambda d: nodes.String(str(d))),
            text,
        ),
    )
    times = st.times().map(lambda t: nodes.String(t.strftime("%H:%M:%S")))
    schemathesis.graphql.scalar("Time", st.one_of(times, text))
    # A file only arrives through a multipart request; in a JSON body any literal is wrong,
    # and must be answered as the client's mistake.
    schemathesis.graphql.scalar("Upload", text)


@dataclass
class Findings:
    """What the run saw: per root field the number of calls, and anything wrong."""

    operations: list[str] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)


def _fuzz(url: str, token: str) -> Findings:
    """The whole run (synchronous: schemathesis calls with `requests`; run in a thread)."""
    _register_scalars()
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.graphql.from_url(url, headers=headers, timeout=30)
    findings = Findings()
    for result in schema.get_all_operations():
        operation = result.ok()
        findings.operations.append(operation.label)
        _fuzz_operation(operation, headers, findings)
    return findings


def _fuzz_operation(operation: Any, headers: dict[str, str], findings: Findings) -> None:
    # Valid documents with generated arguments, then invalid ones (missing or null required
    # arguments, wrong types): both must be answered without a fault.
    _fuzz_mode(operation, headers, findings, GenerationMode.POSITIVE, EXAMPLES)
    _fuzz_mode(operation, headers, findings, GenerationMode.NEGATIVE, max(1, EXAMPLES // 4))


def _fuzz_mode(
    operation: Any, headers: dict[str, str], findings: Findings, mode: GenerationMode, examples: int
) -> None:
    label = operation.label

    @settings(
        max_examples=examples,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=30)
        findings.calls[label] = findings.calls.get(label, 0) + 1
        sent = json.dumps(case.body)[:300]
        if response.status_code >= 500:
            findings.server_errors.append(f"{label} {response.status_code}: {sent}")
            return
        if MASKED.encode() in response.content:
            findings.masked.append(f"{label}: {sent}")

    call()


async def test_generated_documents_never_fault(
    state: AppState, owner: Member, database_url: str
) -> None:
    emulator = EmulatorState(flavor="wefact", api_key=EMULATOR_API_KEY)
    emulator.seed_products()
    # WeFact calls (activation with generated keys) stay on this machine, at the emulator.
    async with (
        serve_emulator(emulator) as emulator_url,
        server_process(database_url, WEFACT_API_URL=emulator_url) as server,
    ):
        started = asyncio.get_running_loop().time()
        findings = await asyncio.to_thread(_fuzz, server.url + "/graphql", owner.token)
        elapsed = asyncio.get_running_loop().time() - started
        log = server.log_text()
    total = sum(findings.calls.values())
    print(
        f"\nschemathesis: {total} requests over {len(findings.calls)} root fields in {elapsed:.0f} s; "
        f"{len(findings.server_errors)} HTTP 5xx, {len(findings.masked)} masked errors"
    )
    assert len(findings.operations) > 50
    assert sorted(findings.calls) == sorted(findings.operations), "every root field is exercised"
    assert findings.server_errors == []
    assert findings.masked == [], "\n".join(findings.masked[:10]) + "\n" + log[-5000:]
