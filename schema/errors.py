"""Expected failures as data: the ``ErrorCode`` enum, the ``Error`` interface, the error
types, and the one mapping from a domain error to the error type a result union offers.

Resolvers raise ``DomainError``s. For a field whose result is a union, the schema's
exception handlers (``EXCEPTION_HANDLERS``, strawberry's mechanism) turn the error into the
first error type — in ``ERROR_TYPES`` order — whose exception class it is an instance of
*and* that the field's union contains. Anything else (a domain error the union has no type
for, any other exception) stays an exception: a server fault, masked.

``ErrorCode`` is one GraphQL enum composed of the per-domain code enums of
``graphql_api.errors``: GraphQL requires the ``code`` of every type implementing ``Error`` to
be exactly the interface's type, so one enum keeps ``... on Error { code message field }``
valid in every result while each value still says which domain it belongs to.
"""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField

from graphql_api.errors import (
    AuthCode,
    Code,
    Conflict,
    ConnectionProblem,
    DomainError,
    Forbidden,
    GeneralCode,
    InvalidInput,
    InvoicingCode,
    Locked,
    NotFound,
    ProofCode,
    RequestCode,
    TeamCode,
    TrackingCode,
    WebhookCode,
    WefactCode,
)
from resolvers.context import Context, Info
from resolvers.ids import global_id

DOMAINS: dict[type[Code], str] = {
    GeneralCode: "Any operation",
    AuthCode: "Logging in and tokens",
    TeamCode: "Team",
    TrackingCode: "Time tracking",
    WefactCode: "WeFact connection",
    InvoicingCode: "Invoicing",
    ProofCode: "Invoice proof",
    WebhookCode: "Webhooks",
    RequestCode: "The request itself (a top-level error, never in a result)",
}


def _compose(domains: dict[type[Code], str]) -> type[enum.Enum]:
    members: dict[str, Any] = {}
    for codes, title in domains.items():
        for code in codes:
            if code.name in members:
                raise TypeError(f"error code {code.name} is defined by two domains")
            members[code.name] = strawberry.enum_value(
                code.name, description=f"{title}: {code.value}"
            )
    # The functional API, with members computed from the domains (typed as a plain call).
    make_enum: Any = enum.Enum
    composed: type[enum.Enum] = make_enum("ErrorCode", members)
    return composed


ErrorCode = strawberry.enum(
    _compose(DOMAINS),
    name="ErrorCode",
    description="Why an operation failed; stable, for programs to switch on. Composed of "
    "one set of codes per domain (each value names its domain).",
)


def error_code(code: Code) -> enum.Enum:
    """The GraphQL ``ErrorCode`` value of a domain code."""
    value: enum.Enum = ErrorCode[code.name]
    return value


@strawberry.interface(description="An expected failure, returned as data in a mutation result.")
class Error:
    code: enum.Enum = strawberry.field(
        graphql_type=ErrorCode, description="Stable machine-readable code, e.g. NOT_FOUND."
    )
    message: str = strawberry.field(description="What went wrong and what to do, in plain words.")
    field: str | None = strawberry.field(
        default=None, description="The input field (camelCase) the error is about, if any."
    )

    @classmethod
    def of(cls, exc: DomainError, context: Context) -> Error:
        """This error type's view of a domain error."""
        return cls(code=error_code(exc.code), message=exc.message, field=exc.field)


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
    invoice_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The invoice holding it, to release (`releaseInvoice`) when it must change; "
        "also named in `message`. Null for members, who may not see invoices.",
    )

    @classmethod
    def of(cls, exc: DomainError, context: Context) -> Error:
        """The error, naming the invoice the service found for the caller."""
        invoice_id = exc.invoice_id if isinstance(exc, Locked) else None
        return cls(
            code=error_code(exc.code), message=exc.message, field=exc.field,
            invoice_id=None if invoice_id is None else strawberry.ID(
                global_id("Invoice", invoice_id)
            ),
        )


@strawberry.type(description="Your role does not allow this.")
class ForbiddenError(Error):
    pass


@strawberry.type(
    description=(
        "WeFact/HostFact refused or could not be reached; `code` (a WeFact connection code, "
        "e.g. WRONG_API_KEY, IP_NOT_WHITELISTED, NOT_ACTIVATED) says what to do."
    )
)
class WefactConnectionError(Error):
    whitelist_addresses: list[str] = strawberry.field(
        default_factory=list,
        description="With IP_NOT_WHITELISTED: the addresses to add to WeFact's whitelist.",
    )

    @classmethod
    def of(cls, exc: DomainError, context: Context) -> Error:
        """The error, with the addresses to whitelist when WeFact refused ours."""
        whitelist = (
            list(context.state.settings.wefact_egress_ips)
            if exc.code is WefactCode.IP_NOT_WHITELISTED
            else []
        )
        return cls(
            code=error_code(exc.code), message=exc.message, field=exc.field,
            whitelist_addresses=whitelist,
        )


ERROR_TYPES: tuple[tuple[type[DomainError], type[Error]], ...] = (
    # The most specific first: a NotActivated is a ConnectionProblem and a Conflict, and
    # becomes a WefactConnectionError where the union has one, else a ConflictError.
    (ConnectionProblem, WefactConnectionError),
    (NotFound, NotFoundError),
    (Conflict, ConflictError),
    (Locked, LockedError),
    (Forbidden, ForbiddenError),
    (InvalidInput, InvalidInputError),
)
"""Which error type a domain error becomes, by class, in order of preference."""


class AsErrorType:
    """A strawberry exception handler: ``exception_type`` becomes ``error_type`` in every
    result union that contains ``error_type``."""

    def __init__(self, exception_type: type[DomainError], error_type: type[Error]) -> None:
        self.exception_type = exception_type
        self.error_type = error_type

    def handle(self, exception: DomainError, *, field: StrawberryField, info: Info) -> Error:
        """The error as data."""
        return self.error_type.of(exception, info.context)


EXCEPTION_HANDLERS = tuple(AsErrorType(cls, error_type) for cls, error_type in ERROR_TYPES)


def as_error(exc: DomainError, allowed: tuple[type[Error], ...], context: Context) -> Error:
    """The error type of ``allowed`` a domain error becomes (where no exception handler
    applies, e.g. in a subscription's events); re-raises it when none fits."""
    for cls, error_type in ERROR_TYPES:
        if isinstance(exc, cls) and error_type in allowed:
            return error_type.of(exc, context)
    raise exc
