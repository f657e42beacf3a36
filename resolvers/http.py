"""GraphQL over HTTP and WebSocket: builds the per-request context from the bearer token."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from graphql_api.app import AppState
from graphql_api.graphiql import graphiql_response
from graphql_api.services.auth import authenticate
from resolvers.context import Context
from resolvers.tokens import BAD_TOKEN_MESSAGE, bearer_token


class GraphQLApp(GraphQL[Context, None]):
    """strawberry's ASGI view with our context; the composition root hands it the schema."""

    def __init__(self, state: AppState, schema: Schema, **kwargs: Any) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if state.settings.graphiql else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            **kwargs,
        )
        self.state = state

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the assets the package ships, not strawberry's CDN page (offline)."""
        return graphiql_response()

    async def context_for_token(self, token: str | None, request: Any, response: Any) -> Context:
        """Resolve the caller once; a bad token leaves the context unauthenticated."""
        if token is None:
            return Context(state=self.state, caller=None, request=request, response=response)
        async with self.state.sessionmaker() as session, session.begin():
            caller = await authenticate(session, token)
        return Context(
            state=self.state,
            caller=caller,
            auth_problem=None if caller else BAD_TOKEN_MESSAGE,
            request=request,
            response=response,
        )

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        token = bearer_token(request.headers.get("authorization"))
        if token is None and isinstance(request, WebSocket):
            # Browsers cannot set headers on WebSockets: the token may come as a query param
            # or (graphql-transport-ws) in connection_init, handled per operation.
            token = request.query_params.get("token")
        return await self.context_for_token(token, request, response)
