"""The ``Idempotency-Key`` header on GraphQL over HTTP (the storage is in
``graphql_api.services.idempotency``).

A key applies to mutations (queries change nothing and ignore it). Answers follow the IETF
draft "The Idempotency-Key HTTP Header Field": 422 when the key was used for another
request, 409 while a request with the key is still running, 400 for a malformed key. A replay
is the stored answer byte for byte, with ``Idempotent-Replayed: true`` (as Stripe sends).

What is stored: the answer of a mutation that ran. Not stored (so a retry runs again):
requests refused before running (invalid documents, limits, bad input) and requests with a
server fault, whose writes are all rolled back with the request's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Protocol

from graphql import OperationType
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from graphql_api.errors import RequestCode
from graphql_api.services.idempotency import (
    KeyBusy,
    KeyReused,
    RequestTransaction,
    request_hash,
    valid_key,
)
from graphql_api.settings import Settings
from resolvers.context import Context
from resolvers.http_request import RequestError

HEADER = "idempotency-key"
NOTHING_KEPT = (
    "Unexpected error. Nothing this request changed was kept: retry it with the same "
    "Idempotency-Key."
)


class Answered(Exception):
    """Raised with a finished response (a replay, or an answer just stored)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


class OperationTypes(Protocol):
    """What the schema tells about a document before running it (``schema.guarded`` does;
    the composition root passes it in, so resolvers never import the schema)."""

    def operation_type(
        self, query: str, operation_name: str | None, settings: Settings
    ) -> OperationType | None:
        """The type of the operation the request would run; None when the document does
        not parse (under the configured limits) or names no single operation."""
        ...


def is_mutation(operations: OperationTypes, settings: Settings, data: GraphQLRequestData) -> bool:
    """Whether the request's operation is a mutation (anything unparsable is left to the
    schema to refuse)."""
    if data.query is None:
        return False
    kind = operations.operation_type(data.query, data.operation_name, settings)
    return kind is OperationType.MUTATION


async def answer_once(
    request: Request,
    context: Context,
    data: GraphQLRequestData,
    key: str,
    *,
    execute: Callable[[], Awaitable[ExecutionResult]],
    respond: Callable[[ExecutionResult], Awaitable[Response]],
) -> Response:
    """Run the mutation at most once for this key; the answer to send."""
    if not valid_key(key):
        raise RequestError(
            400, "The Idempotency-Key header must be 1–255 visible ASCII characters (a UUID)."
        )
    state = context.state
    settings = state.settings
    record = context.request_log
    try:
        async with RequestTransaction.open(
            state.engine,
            state.secret_box,
            scope=_scope(context, request),
            key=key,
            fingerprint=request_hash(
                settings.resolved_secret_key(), data.query, data.variables, data.operation_name
            ),
            ttl=dt.timedelta(hours=settings.idempotency_ttl_hours),
            lock_timeout=dt.timedelta(seconds=max(0.5, settings.request_timeout_seconds - 1)),
            crash_point=settings.testing_crash_point,
        ) as transaction:
            if transaction.stored is not None:
                if record is not None:
                    record.idempotency = "replayed"
                return Response(
                    transaction.stored.body,
                    status_code=transaction.stored.status,
                    media_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
            context.idempotency = transaction
            try:
                result = await execute()
            finally:
                context.idempotency = None
            response = await respond(result)
            faulted = bool(record is not None and record.faults)
            if faulted or (result.data is None and not transaction.committed):
                # Not stored: refused before it ran, or a fault rolled everything back.
                if record is not None:
                    record.idempotency = "not stored"
                if faulted and result.data is not None:
                    return _nothing_kept()
                return response
            try:
                await transaction.complete(response.status_code, bytes(response.body))
            except DBAPIError as error:
                # The transaction broke (a statement failed outside a savepoint): nothing of
                # it is kept; the client may retry with the same key.
                if record is not None:
                    record.faults.append(error)
                return _nothing_kept()
            if record is not None:
                record.idempotency = "stored"
            return response
    except KeyReused:
        raise RequestError(
            422,
            "This Idempotency-Key was already used for a different request: use a new key for "
            "a new request (a key is kept for "
            f"{settings.idempotency_ttl_hours:g} hours).",
        ) from None
    except KeyBusy:
        raise RequestError(
            409, "A request with this Idempotency-Key is still running: retry in a moment."
        ) from None


def _scope(context: Context, request: Request) -> str:
    """Keys belong to one caller: the user, or (for login) the client's address."""
    if context.caller is not None:
        return f"user:{context.caller.user_id}"
    client = request.client
    return f"address:{client.host if client else 'unknown'}"


def _nothing_kept() -> Response:
    code = RequestCode.INTERNAL_SERVER_ERROR.name
    body = {"errors": [{"message": NOTHING_KEPT, "extensions": {"code": code}}]}
    return Response(json.dumps(body), status_code=500, media_type="application/json")
