"""The strawberry schema class we serve: its document cache, and errors logged safely.

strawberry logs every error of every request at ERROR, and a ``GraphQLError`` prints with the
lines of the document around it — so a query with an API key written inline that failed
validation put the key in the log. Here client mistakes are not logged one by one (the access
line records their codes); a server fault is handed to the request's access line with its
traceback and without the document (or logged at ERROR the same way outside HTTP).
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, OperationType
from strawberry.types import ExecutionContext

from graphql_api.errors import RequestCode
from graphql_api.settings import Settings
from schema.limits import DocumentCache, DocumentLimits

logger = logging.getLogger("graphql_api.graphql")


def is_server_fault(error: GraphQLError) -> bool:
    """A fault of ours (masked in the response), not a mistake of the client.

    Client mistakes arrive as ``GraphQLError``s: validation, limits, permissions, and the
    domain errors of reads (``resolvers.reads.ClientErrors``). A domain error of a mutation
    is data in its result union (``schema.errors``); one that reaches this point had no
    place there, which is our fault.
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def error_code(error: GraphQLError) -> str:
    """The code the access line records for an error."""
    if is_server_fault(error):
        return RequestCode.INTERNAL_SERVER_ERROR.name
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "GRAPHQL_ERROR"


class GuardedSchema(strawberry.Schema):
    """``strawberry.Schema`` with the parse cache of its ``DocumentGuard`` and safe logging."""

    def __init__(
        self, *args: Any, documents: DocumentCache, limits: DocumentLimits, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.default_limits = limits

    def operation_type(
        self, query: str, operation_name: str | None, settings: Settings
    ) -> OperationType | None:
        """The type of the operation a request would run, parsed through this schema's cache
        under the configured limits; None when it does not parse or names no single one."""
        limits = self.default_limits.configured(settings)
        if len(query) > limits.max_length:
            return None
        try:
            document = self.documents.parse(query, limits).document
        except GraphQLError:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is not None:
            operations = [o for o in operations if o.name and o.name.value == operation_name]
        return operations[0].operation if len(operations) == 1 else None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context is not None else None
        record = getattr(context, "request_log", None)
        for error in errors:
            original = error.original_error
            if record is not None:
                record.error_codes.append(error_code(error))
            if not is_server_fault(error):
                continue
            assert original is not None
            if record is not None:
                record.faults.append(original)
            else:
                logger.error(
                    "server fault at %s: %s",
                    ".".join(str(p) for p in error.path or ()) or "(document)",
                    type(original).__name__,
                    exc_info=(type(original), original, original.__traceback__),
                )
