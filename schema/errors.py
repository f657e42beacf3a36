"""The ``Error`` interface and the generic error types every mutation can return."""

from __future__ import annotations

import strawberry

from graphql_api.errors import DomainError


@strawberry.interface(description="An expected failure, returned as data in a mutation result.")
class Error:
    code: str = strawberry.field(description="Stable machine-readable code, e.g. NOT_FOUND.")
    message: str = strawberry.field(description="What went wrong and what to do, in plain words.")
    field: str | None = strawberry.field(
        default=None, description="The input field (camelCase) the error is about, if any."
    )


@strawberry.type(description="The object does not exist in your workspace.")
class NotFoundError(Error):
    pass


@strawberry.type(description="An input value was rejected; `field` names it.")
class InvalidInputError(Error):
    pass


@strawberry.type(description="The change clashes with existing data or a running operation.")
class ConflictError(Error):
    pass


@strawberry.type(description="The object is invoiced (or reserved for an invoice) and locked.")
class LockedError(Error):
    pass


@strawberry.type(description="Your role does not allow this.")
class ForbiddenError(Error):
    pass


ERROR_TYPES: dict[str, type[Error]] = {
    "NOT_FOUND": NotFoundError,
    "CONFLICT": ConflictError,
    "LOCKED": LockedError,
    "FORBIDDEN": ForbiddenError,
}


def to_error(exc: DomainError) -> Error:
    """Map a domain error to its GraphQL type (unknown codes become InvalidInputError)."""
    error_type = ERROR_TYPES.get(exc.code, InvalidInputError)
    return error_type(code=exc.code, message=exc.message, field=exc.field)
