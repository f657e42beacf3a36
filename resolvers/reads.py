"""Helpers every resolver shares: the caller, and reads whose domain errors are the
client's mistakes (a bad cursor, page size or filter id answers a top-level error naming
the field, not a masked server fault)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import FieldExtension

from graphql_api.errors import DomainError
from graphql_api.services.auth import Caller
from resolvers.context import Info


def caller(info: Info) -> Caller:
    """The authenticated caller (permission classes guarantee there is one)."""
    assert info.context.caller is not None
    return info.context.caller


def client_error(exc: DomainError) -> GraphQLError:
    """A domain error as the top-level error a read answers with."""
    return GraphQLError(exc.message, extensions={"code": exc.code.name, "field": exc.field})


class ClientErrors(FieldExtension):
    """On a read field (declared with ``extensions=[ClientErrors()]``): a domain error
    raised while reading — decoding its arguments included — is the client's mistake."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except DomainError as exc:
            raise client_error(exc) from None

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as exc:
            raise client_error(exc) from None
