"""GraphQL over HTTP and WebSocket: builds the per-request context from the bearer token.

On top of strawberry's ASGI view, every HTTP request here:

- is read strictly (``resolvers.http_request``): a malformed request is answered 400, 405,
  413 or 415 with a JSON body saying what is wrong, never a 500;
- runs under ``REQUEST_TIMEOUT_SECONDS``: past it the work is cancelled and the answer is a
  503 that says so;
- fills in its access line (``graphql_api.logs.RequestLog``): operation, outcome, codes;
- honours an ``Idempotency-Key`` on mutations (``resolvers.idempotency``).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Protocol

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graphql_api.app import AppState
from graphql_api.db import autocommit
from graphql_api.errors import Code, GeneralCode, RequestCode
from graphql_api.graphiql import graphiql_response
from graphql_api.logs import query_hash
from graphql_api.middleware import request_log
from graphql_api.services.auth import authenticate
from resolvers.context import Context
from resolvers.http_request import (
    RequestError,
    check_json_content_type,
    decode_json,
    is_multipart_content_type,
    request_from_body,
    request_from_query_params,
)
from resolvers.idempotency import HEADER as IDEMPOTENCY_HEADER
from resolvers.idempotency import Answered, OperationTypes, answer_once, is_mutation
from resolvers.tokens import BAD_TOKEN_MESSAGE, bearer_token

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

ERROR_CODES: dict[int, Code] = {
    400: RequestCode.BAD_REQUEST,
    404: GeneralCode.NOT_FOUND,
    405: RequestCode.METHOD_NOT_ALLOWED,
    409: GeneralCode.CONFLICT,
    413: RequestCode.PAYLOAD_TOO_LARGE,
    415: RequestCode.UNSUPPORTED_MEDIA_TYPE,
    422: RequestCode.UNPROCESSABLE_CONTENT,
    503: RequestCode.TIMEOUT,
}


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A request error as JSON: ``{"errors": [{"message", "extensions": {"code"}}]}``."""
    code = ERROR_CODES.get(status, RequestCode.BAD_REQUEST)
    body = {"errors": [{"message": message, "extensions": {"code": code.name}}]}
    return Response(
        json.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


class ReadCompiler(Protocol):
    """Answers a query with one SQL statement when it can (``schema.compiled``)."""

    async def execute(
        self, context: Context, query: str, operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """The answer, or None: the query takes the normal path."""


class GraphQLApp(GraphQL[Context, None]):
    """strawberry's ASGI view with our context, strict request parsing and a time limit.

    The composition root hands it the schema, what the schema knows about a document
    before it runs (``operations``: is it a mutation?) and the compiled reads (``compiled``),
    so this layer never imports it.
    """

    def __init__(
        self, state: AppState, schema: Schema, *, operations: OperationTypes,
        compiled: ReadCompiler | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if state.settings.graphiql else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            **kwargs,
        )
        self.state = state
        self.operations = operations
        self.compiled = compiled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        seconds = self.state.settings.request_timeout_seconds
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                response = await self.run(request)
        except Answered as done:
            response = done.response
        except HTTPException as exc:
            response = json_error(exc.status_code, exc.reason, _headers_of(exc))
        except TimeoutError:
            if not deadline.expired():
                raise
            record = request_log(scope)
            if record is not None:
                record.outcome = "timeout"
            response = json_error(
                503,
                f"The request took longer than {seconds:g} seconds and was stopped. Ask for "
                "less (smaller pages, fewer nested lists); a mutation that timed out may have "
                "completed: check, or retry it with the same Idempotency-Key.",
            )
        await response(scope, receive, send)

    # -- reading the request ----------------------------------------------------------------

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        if request.method == "GET":
            return request_from_query_params(request.query_params)
        if self.multipart_uploads_enabled and is_multipart_content_type(request.content_type):
            # A file upload (GraphQL multipart request spec): its `operations` part is the
            # JSON body, with the files put in place of their variables.
            try:
                return request_from_body(await self.parse_multipart(request))
            except StarletteHTTPException as exc:  # starlette's form parser refused the body
                raise RequestError(
                    400, f"The multipart body could not be read ({exc.detail})."
                ) from None
        check_json_content_type(request.content_type)
        return request_from_body(decode_json(await request.get_body()))

    def decode_json(self, data: str | bytes) -> object:
        # WebSocket messages come through here too; a malformed one is a JSONDecodeError
        # to strawberry's handler, which closes the socket with 4400.
        try:
            return decode_json(data, what="The message")
        except RequestError as exc:
            raise json.JSONDecodeError(exc.reason, "", 0) from None

    async def execute_single(  # noqa: PLR0917
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        record = context.request_log
        if record is not None:
            record.query_hash = query_hash(request_data.query)
            record.operation = request_data.operation_name

        async def execute() -> ExecutionResult:
            return await self._execute(request_adapter, context, root_value, request_data)

        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and is_mutation(self.operations, self.state.settings, request_data):

            async def respond(result: ExecutionResult) -> Response:
                processed = await self.process_result(request, result)
                return self.create_response(processed, sub_response)

            response = await answer_once(
                request, context, request_data, key, execute=execute, respond=respond
            )
            raise Answered(response)
        return await execute()

    async def _execute(
        self,
        request_adapter: AsyncHTTPRequestAdapter,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        allowed = OperationType.from_http(request_adapter.method)
        if self.compiled is not None and request_data.query is not None:
            answer = await self.compiled.execute(
                context, request_data.query, request_data.operation_name,
                request_data.variables,
            )
            if answer is not None:
                return answer
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise RequestError(400, exc.as_http_error_reason()) from None
        except InvalidOperationTypeError as exc:
            # GraphQL over HTTP: a mutation sent with GET is 405, and says how to send it.
            raise RequestError(
                405,
                f"{exc.as_http_error_reason(request_adapter.method)}: send them with POST.",
                {"Allow": "POST"},
            ) from None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        record = request_log(request.scope)
        if record is not None and result.errors:
            record.outcome = "client_error"
        return await super().process_result(request, result)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the assets the package ships, not strawberry's CDN page (offline)."""
        return graphiql_response()

    # -- the caller -----------------------------------------------------------------------------

    async def context_for_token(self, token: str | None, request: Any, response: Any) -> Context:
        """Resolve the caller once; a bad token leaves the context unauthenticated."""
        record = request_log(request.scope) if request is not None else None
        if token is None:
            return Context(
                state=self.state,
                caller=None,
                request=request,
                response=response,
                request_log=record,
            )
        # One read (and, at most once a minute, one update of the token's last use): single
        # statements on a bare connection, without BEGIN/COMMIT round trips around them.
        async with autocommit(self.state.engine).connect() as connection:
            caller = await authenticate(connection, token)
        return Context(
            state=self.state,
            caller=caller,
            auth_problem=None if caller else BAD_TOKEN_MESSAGE,
            request=request,
            response=response,
            request_log=record,
        )

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        token = bearer_token(request.headers.get("authorization"))
        if token is None and isinstance(request, WebSocket):
            # Browsers cannot set headers on WebSockets: the token may come as a query param
            # or (graphql-transport-ws) in connection_init, handled per operation.
            token = request.query_params.get("token")
        return await self.context_for_token(token, request, response)


def _headers_of(exc: HTTPException) -> dict[str, str] | None:
    if isinstance(exc, RequestError):
        return exc.headers or None
    if exc.status_code == 405:
        return {"Allow": "GET, POST"}
    return None
