"""The ``Error`` interface and the generic error types every mutation can return."""

from __future__ import annotations

import strawberry

from graphql_api.errors import Conflict, DomainError, Forbidden, InvalidInput, Locked, NotFound


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


_BY_CLASS: tuple[tuple[type[DomainError], type[Error]], ...] = (
    (NotFound, NotFoundError),
    (Conflict, ConflictError),
    (Locked, LockedError),
    (Forbidden, ForbiddenError),
    (InvalidInput, InvalidInputError),
)


def to_error(exc: DomainError) -> Error:
    """Map a domain error to its GraphQL type by class; only a bare DomainError goes by code.

    An ``InvalidInput`` stays an InvalidInputError whatever its code (e.g. NOT_FOUND for an
    unknown id in a list), so results never return a type their union lacks.
    """
    error_type = next((t for cls, t in _BY_CLASS if isinstance(exc, cls)), None)
    if error_type is None:
        error_type = ERROR_TYPES.get(exc.code, InvalidInputError)
    return error_type(code=exc.code, message=exc.message, field=exc.field)
