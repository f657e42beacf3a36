"""GraphiQL in a real Chromium: it renders from the package's own assets, with no request
leaving the machine, and a query typed with a token in the headers pane returns data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import Page

from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.graphiql import read_versions
from graphql_api.models import Run, RunKind, RunStatus
from resolvers.ids import global_id
from tests.browser.conftest import ARTIFACTS, Session, is_loopback, served
from tests.conftest import Member

pytestmark = pytest.mark.browser

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
RESPONSE = ".graphiql-response .CodeMirror"


async def type_into(page: Page, editor: str, text: str) -> None:
    """Replace an editor's text the way a user does: click, select all, type."""
    await page.locator(editor).click()
    await page.keyboard.press("Control+A")
    # insert_text types the text as one input (CodeMirror's bracket auto-closing, which
    # reacts to single key presses, would otherwise double every brace).
    await page.keyboard.insert_text(text)


async def type_query(page: Page, text: str) -> None:
    """Type an operation and wait until GraphiQL has parsed it (it does so on a short
    debounce, and decides from the parsed document whether to use HTTP or the WebSocket)."""
    await type_into(page, QUERY_EDITOR, text)
    await page.wait_for_function(
        "(selector) => {"
        "  const editor = document.querySelector(selector).CodeMirror;"
        "  const ast = editor.documentAST;"
        "  return Boolean(ast && ast.loc && ast.loc.source.body === editor.getValue());"
        "}",
        arg=QUERY_EDITOR,
    )


async def editor_text(page: Page, editor: str) -> str:
    text: str = await page.locator(editor).evaluate("(node) => node.CodeMirror.getValue()")
    return text


async def run_and_read(page: Page, expect: str) -> Any:
    """Press the play button and wait for a response containing ``expect``."""
    await page.locator(".graphiql-execute-button").click()
    await page.wait_for_function(
        "([selector, expect]) => {"
        "  const node = document.querySelector(selector);"
        "  return node && node.CodeMirror.getValue().includes(expect);"
        "}",
        arg=[RESPONSE, expect],
        timeout=15_000,
    )
    return json.loads(await editor_text(page, RESPONSE))


async def open_graphiql(session: Session, base: str) -> Page:
    page = await session.new_page()
    response = await page.goto(f"{base}/graphql")
    assert response is not None
    assert response.status == 200
    await page.locator(QUERY_EDITOR).wait_for(timeout=20_000)
    return page


async def test_graphiql_renders_offline_and_a_token_in_the_headers_pane_returns_data(
    state: AppState, owner: Member, offline_session: Session
) -> None:
    session = offline_session
    async with state.sessionmaker() as db, db.begin():
        run = Run(
            workspace_id=owner.workspace_id,
            kind=RunKind.CUSTOMER_IMPORT,
            status=RunStatus.SUCCEEDED,
            progress_done=3,
            progress_total=3,
        )
        db.add(run)
        await db.flush()
        run_id = global_id("Run", run.id)

    async with served(build_app(state, close_state_on_shutdown=False)) as base:
        page = await open_graphiql(session, base)
        # Rendered: the editors and the explorer/docs sidebar, the placeholder gone.
        assert await page.locator("#graphiql").inner_text() != "Loading GraphiQL…"
        assert await page.locator(".graphiql-sidebar button").count() >= 3
        assert "{ me { email workspace { name } } }" in await editor_text(page, QUERY_EDITOR)

        await page.get_by_role("button", name="Headers", exact=True).click()
        headers_editor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
        await type_into(
            page, headers_editor, json.dumps({"Authorization": f"Bearer {owner.token}"})
        )
        await type_query(page, "{\n  me { email role workspace { name } }\n}")
        body = await run_and_read(page, owner.email)
        assert body["data"] == {
            "me": {"email": owner.email, "role": "OWNER", "workspace": {"name": "Acme"}}
        }
        assert body["extensions"]["cost"]["requested"] == 2  # me and its workspace
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "graphiql.png"))

        # Subscriptions over graphql-transport-ws, authenticated by the same headers pane.
        await type_query(
            page,
            f'subscription {{\n  runProgress(id: "{run_id}") {{\n    __typename\n'
            "    ... on Run { status progressDone progressTotal }\n  }\n}",
        )
        body = await run_and_read(page, "SUCCEEDED")
        assert body["data"]["runProgress"] == {
            "__typename": "Run",
            "status": "SUCCEEDED",
            "progressDone": 3,
            "progressTotal": 3,
        }

        await page.screenshot(path=str(ARTIFACTS / "graphiql-subscription.png"))

    traffic = session.traffic
    assert traffic.left_loopback() == []
    assert all(is_loopback(url) for url in traffic.requests)
    # Every shipped asset was loaded from this server (integrity checked by the browser).
    for asset in read_versions():
        assert f"{base}/graphiql/{asset.path}" in traffic.requests
    assert traffic.websockets == [base.replace("http", "ws", 1) + "/graphql"]
    # The page ran under its strict Content-Security-Policy without a single violation.
    assert traffic.console_errors == []
