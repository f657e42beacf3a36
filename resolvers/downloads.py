"""File downloads over plain HTTP GET, with the same bearer tokens and read rules as GraphQL.

- ``GET /files/invoices/{id}/hours-specification.pdf``: the hours specification of an
  invoice, rendered from our records now (with WeFact's number as we know it). Owners,
  admins and managers only — the read rule of ``Invoice``.
- ``GET /files/expenses/{id}/receipt``: an expense's receipt, byte for byte, with the type
  its content was detected as. Everyone in the workspace — the read rule of ``Expense``.

``{id}`` is the global id the API shows. The token goes in ``Authorization: Bearer …`` only
(never in the URL, where logs and browser histories would keep it). Answers: 200 with the
file, 401 without a valid token, 403 for a role the read rule refuses, 404 for an id that is
not the workspace's (another workspace's looks the same as none). Files are served as
attachments with ``nosniff`` and ``no-store``: a receipt is never rendered as a page.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from graphql_api.app import AppState
from graphql_api.errors import NotFound
from graphql_api.services.auth import Caller, authenticate
from graphql_api.services.domain.receipts import read_receipt
from graphql_api.services.invoicing.proof import specification_filename
from graphql_api.services.invoicing.specification import load_specification, render_specification
from resolvers.ids import global_id, parse_global_id
from resolvers.permissions import MANAGER_ROLES, MANAGERS, UNAUTHENTICATED_MESSAGE
from resolvers.tokens import BAD_TOKEN_MESSAGE, bearer_token

SPECIFICATION_PATH = "/files/invoices/{id}/hours-specification.pdf"
RECEIPT_PATH = "/files/expenses/{id}/receipt"


def specification_url(invoice_id: int) -> str:
    """Where an invoice's hours specification is downloaded (relative to the API's root)."""
    return SPECIFICATION_PATH.format(id=global_id("Invoice", invoice_id))


def receipt_url(expense_id: int) -> str:
    """Where an expense's receipt is downloaded (relative to the API's root)."""
    return RECEIPT_PATH.format(id=global_id("Expense", expense_id))


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


async def _caller(request: Request, state: AppState) -> Caller | JSONResponse:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return _problem(401, "UNAUTHENTICATED", UNAUTHENTICATED_MESSAGE)
    async with state.sessionmaker() as session, session.begin():
        found = await authenticate(session, token)
    return found if found is not None else _problem(401, "UNAUTHENTICATED", BAD_TOKEN_MESSAGE)


def _pk(request: Request, type_name: str) -> int | None:
    parsed = parse_global_id(str(request.path_params["id"]))
    return parsed[1] if parsed is not None and parsed[0] == type_name else None


def _file(content: bytes, media_type: str, filename: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def hours_specification(request: Request) -> Response:
    """The hours specification of an invoice (managers and up)."""
    state: AppState = request.app.state.app_state
    caller = await _caller(request, state)
    if isinstance(caller, JSONResponse):
        return caller
    if caller.role not in MANAGER_ROLES:
        return _problem(403, "FORBIDDEN", MANAGERS.refusal)
    pk = _pk(request, "Invoice")
    spec = None
    if pk is not None:
        async with state.sessionmaker() as session:
            spec = await load_specification(session, caller.workspace_id, pk)
    if spec is None:
        return _problem(404, "NOT_FOUND", "There is no invoice with that id in your workspace.")
    # fpdf2 is pure Python: a big invoice takes seconds; keep the event loop free meanwhile.
    pdf = await asyncio.to_thread(render_specification, spec)
    return _file(pdf, "application/pdf", specification_filename(spec.invoice_date))


async def expense_receipt(request: Request) -> Response:
    """An expense's receipt (everyone in the workspace)."""
    state: AppState = request.app.state.app_state
    caller = await _caller(request, state)
    if isinstance(caller, JSONResponse):
        return caller
    pk = _pk(request, "Expense")
    try:
        if pk is None:
            raise NotFound("There is no expense with that id in your workspace.")
        async with state.sessionmaker() as session:
            receipt = await read_receipt(session, caller.workspace_id, pk)
    except NotFound as exc:
        return _problem(404, "NOT_FOUND", exc.message)
    return _file(receipt.content, receipt.content_type, receipt.filename)


ROUTES: tuple[BaseRoute, ...] = (
    Route(SPECIFICATION_PATH, hours_specification, methods=["GET"]),
    Route(RECEIPT_PATH, expense_receipt, methods=["GET"]),
)
"""The download routes the composition root mounts next to ``/graphql``."""
