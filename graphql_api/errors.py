"""Domain errors that services raise and resolvers turn into typed GraphQL errors."""

from __future__ import annotations


class DomainError(Exception):
    """An expected failure the caller can act on; ``code`` is stable, ``message`` plain."""

    code = "INVALID"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """The object does not exist in the caller's workspace (or at all: they look the same)."""

    code = "NOT_FOUND"


class InvalidInput(DomainError):
    """A value was rejected; ``field`` names it."""

    code = "INVALID"


class Conflict(DomainError):
    """The change clashes with existing data (a number in use, a run already going)."""

    code = "CONFLICT"


class Locked(DomainError):
    """The object is invoiced or reserved for an invoice and cannot change."""

    code = "LOCKED"


class Forbidden(DomainError):
    """The caller's role does not allow this."""

    code = "FORBIDDEN"
