"""Ask the app one query on both paths and tell which answered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event

from graphql_api.app import AppState

COMPILED_MARK = "json_build_object"


@contextmanager
def statements(state: AppState) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(state.engine.sync_engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class Answer:
    """One response: its bytes, and the statements that made it."""

    status: int
    body: bytes
    statements: list[str]

    @property
    def compiled(self) -> bool:
        """True when one compiled statement answered."""
        return any(COMPILED_MARK in s for s in self.statements)


async def ask(
    http: httpx.AsyncClient, state: AppState, token: str, query: str,
    variables: dict[str, Any] | None = None, *, compiled: bool,
) -> Answer:
    """POST the query with ``COMPILED_READS`` on or off."""
    state.settings.compiled_reads = compiled
    try:
        with statements(state) as sent:
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
            )
    finally:
        state.settings.compiled_reads = True
    return Answer(response.status_code, response.content, sent)


async def both(
    http: httpx.AsyncClient, state: AppState, token: str, query: str,
    variables: dict[str, Any] | None = None,
) -> tuple[Answer, Answer]:
    """The normal answer (first: it also validates the text), then the compiled one."""
    normal = await ask(http, state, token, query, variables, compiled=False)
    fast = await ask(http, state, token, query, variables, compiled=True)
    return normal, fast
