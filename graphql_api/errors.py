"""Domain errors that services raise, and every error code a client can see.

Each domain has its own code enum; a member's *name* is the code clients read
(``NOT_FOUND``), its *value* the sentence that explains it (it becomes the description of
that value of the GraphQL ``ErrorCode`` enum, which is composed from these enums).

The error's class says what kind of failure it is, and so which GraphQL error type it
becomes (``NotFound`` → ``NotFoundError``, …); a class with two bases (``NotActivated`` is a
conflict *and* a connection problem) becomes the first of them the mutation's result union
offers.
"""

from __future__ import annotations

import enum
from typing import ClassVar


class Code(enum.Enum):
    """Base of the per-domain code enums: ``name`` is the code, ``value`` its description."""


@enum.unique
class GeneralCode(Code):
    """Codes every domain uses."""

    NOT_FOUND = (
        "The object does not exist in your workspace (an id of another workspace "
        "looks exactly like an unknown one)."
    )
    INVALID = "An input value was rejected: `field` names it and `message` says why."
    CONFLICT = "The change clashes with existing data or with an operation in progress."
    LOCKED = "The registration is invoiced or reserved for an invoice and cannot change."
    FORBIDDEN = "Your role, or whose object it is, does not allow this."


@enum.unique
class AuthCode(Code):
    """Logging in and tokens."""

    INVALID_CREDENTIALS = "The e-mail address or password is wrong, or the user is inactive."
    TOO_MANY_ATTEMPTS = (
        "Too many failed logins for this account or from this address: the message says "
        "when login works again (the password is not checked until then)."
    )


@enum.unique
class TeamCode(Code):
    """Inviting people, their roles, rates and access, and passwords."""

    EMAIL_TAKEN = (
        "The e-mail address already belongs to a user, of this workspace or another: one "
        "address logs in to one workspace."
    )
    LAST_OWNER = "The workspace must keep at least one active owner."
    OWNERS_ONLY = "Only owners may make, change, invite or deactivate owners."
    NOT_YOURSELF = "You cannot change your own role or deactivate yourself: ask another admin."
    INVITATION_INVALID = (
        "The invitation token is unknown, or the invitation was revoked or replaced by a "
        "newer one: ask for a new invitation."
    )
    INVITATION_EXPIRED = "The invitation has expired: ask for a new one."
    INVITATION_USED = (
        "The invitation was accepted already: log in with its e-mail address and the "
        "password chosen then."
    )
    WEAK_PASSWORD = "The password is too short or too long (8–200 characters)."  # noqa: S105


@enum.unique
class TrackingCode(Code):
    """Customers, projects, activities, categories, hours, expenses and trips."""

    ARCHIVED = (
        "The customer, project, activity or category is archived: restore it first "
        "or pick another."
    )
    ACTIVITY_NOT_ON_PROJECT = "The project only takes hours on its own activities."


@enum.unique
class WefactCode(Code):
    """The WeFact/HostFact connection: each code says what the admin can do about it."""

    WRONG_API_KEY = "WeFact/HostFact does not accept the API key: copy it again."
    IP_NOT_WHITELISTED = (
        "WeFact refused our server's address: add `whitelistAddresses` to "
        "the API whitelist in WeFact."
    )
    API_DISABLED = "The API is switched off in HostFact (Settings → API)."
    UNREACHABLE = "WeFact/HostFact cannot be reached, or the HostFact host is unknown."
    NOT_A_HOSTFACT_API = "The HostFact URL answers, but not as a HostFact API."
    FIREWALLED = "HostFact's firewall blocks our server."
    RATE_LIMITED = "WeFact asked us to slow down: try again in a minute."
    NOT_ACTIVATED = "WeFact is not activated for the workspace (activateWefact)."
    PROVIDER_REFUSED = "WeFact/HostFact refused the request; the message gives its reason."
    PROVIDER_ERROR = "WeFact/HostFact answered with an error we did not expect."
    PRIVATE_ADDRESS = "The HostFact URL points to a private or local address."
    CONNECTION_GONE = (
        "The connection the invoice was made with is no longer stored, or its key can no "
        "longer be decrypted: undo the invoice in WeFact/HostFact yourself, then release it "
        "with `undoneInProvider: true`."
    )
    LOOKUP_INCONCLUSIVE = (
        "WeFact/HostFact could not be searched exhaustively (too many candidates), so "
        "nothing was sent again: the message says what to narrow down."
    )


@enum.unique
class InvoicingCode(Code):
    """Invoicing registrations, invoice runs and the Unbilled report."""

    ALREADY_INVOICED = "A selected registration is invoiced or reserved by another invoice."
    INVOICE_PENDING = "The invoice is still being made in WeFact: wait for its run."
    RUN_ACTIVE = "The invoice run is still queued or running."
    NOTHING_SELECTED = "Select at least one registration."
    NOT_BILLABLE = "A selected registration is not billable."
    FIXED_PRICE_PROJECT = (
        "Fixed-price projects are invoiced by their price, not per "
        "registration (invoiceUnbilled)."
    )
    SUBSCRIPTION_PROJECT = (
        "Subscription projects are invoiced per period, not per "
        "registration (invoiceUnbilled)."
    )
    NO_PRODUCT = "No WeFact product applies: set a default product in the WeFact settings."
    UNKNOWN_PRODUCT = "A product code is not in the cached WeFact products (syncWefactProducts)."
    TOO_MANY_REGISTRATIONS = (
        "More registrations than one invoice run takes: invoice fewer "
        "projects or an earlier date first."
    )
    NOTHING_TO_INVOICE = "The selected projects have nothing to bill up to that date."
    UNKNOWN_PROJECT = "A selected project does not exist in your workspace."


@enum.unique
class ProofCode(Code):
    """What an invoice carries as proof: receipts, line texts, the hours specification."""

    RECEIPT_TOO_LARGE = "The receipt is larger than the server takes (RECEIPT_MAX_BYTES)."
    RECEIPT_TYPE = "The receipt is not a PDF, JPEG or PNG file (told by its content)."
    RECEIPT_NOT_A_FILE = (
        "The receipt did not arrive as a file: send it as a multipart upload (the GraphQL "
        "multipart request spec), not as a value in the JSON variables."
    )
    UNKNOWN_PLACEHOLDER = "A line text template names a placeholder that does not exist."
    BAD_TEMPLATE = "A line text template is empty, too long or has a stray brace."


@enum.unique
class WebhookCode(Code):
    """Webhook endpoints, their secrets and redeliveries."""

    URL_NOT_ALLOWED = (
        "The webhook URL is not a public https address (or does not resolve); private and "
        "local addresses only when the server allows them (ALLOW_PRIVATE_INTEGRATION_URLS)."
    )
    NO_EVENTS = "Choose at least one event type for the endpoint."
    TOO_MANY_ENDPOINTS = "The workspace has the most webhook endpoints it may have (20)."
    ENDPOINT_DISABLED = "The endpoint is disabled: enable it first (enableWebhookEndpoint)."


class RequestCode(Code):
    """The request itself: its size, shape, cost and time. These come as top-level errors
    (``errors[].extensions.code``), never inside a result, often with an HTTP status."""

    BAD_REQUEST = (
        "HTTP 400: the request is malformed (not JSON, no `query`, several operations without "
        "`operationName`, a malformed Idempotency-Key); the message says what to fix."
    )
    METHOD_NOT_ALLOWED = "HTTP 405: use GET or POST (mutations only with POST)."
    PAYLOAD_TOO_LARGE = "HTTP 413: the request body is larger than MAX_BODY_BYTES."
    UNSUPPORTED_MEDIA_TYPE = "HTTP 415: send the body as `Content-Type: application/json`."
    UNPROCESSABLE_CONTENT = (
        "HTTP 422: this Idempotency-Key was already used for a different request."
    )
    TIMEOUT = (
        "HTTP 503: the request ran longer than REQUEST_TIMEOUT_SECONDS and was stopped; a "
        "mutation may have completed: check, or retry with the same Idempotency-Key."
    )
    QUERY_TOO_COMPLEX = (
        "The document is too long, too deep or asks for too much (aliases, selections, "
        "cost); `extensions` names the limit."
    )
    INVALID_INPUT = (
        "A string in the document or the variables holds a NUL character or a lone "
        "surrogate, or the variables nest too deeply; `field` is the path."
    )
    INTERNAL_SERVER_ERROR = (
        "HTTP 500: a fault of ours. Under an Idempotency-Key nothing the request changed "
        "was kept: retry it with the same key."
    )


DOMAIN_CODES: tuple[type[Code], ...] = (
    GeneralCode, AuthCode, TeamCode, TrackingCode, WefactCode, InvoicingCode, ProofCode,
    WebhookCode, RequestCode,
)
"""Every code enum, in the order the GraphQL ``ErrorCode`` enum lists them."""


def clause(sentence: str) -> str:
    """A sentence to run on inside another message (``"…: {clause}; {clause}. Nothing…"``):
    without its closing period, so the joined message never shows "..", ".;" or ".:"."""
    return sentence.rstrip().rstrip(".")


class DomainError(Exception):
    """An expected failure the caller can act on: a stable ``code``, a plain ``message`` and
    the (camelCase) input ``field`` it is about. Raise one of the subclasses: their class
    decides the GraphQL error type."""

    default_code: ClassVar[Code] = GeneralCode.INVALID

    def __init__(self, message: str, *, field: str | None = None, code: Code | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code: Code = code if code is not None else self.default_code


class NotFound(DomainError):
    """The object does not exist in the caller's workspace (or at all: they look the same)."""

    default_code: ClassVar[Code] = GeneralCode.NOT_FOUND


class InvalidInput(DomainError):
    """A value was rejected; ``field`` names it."""

    default_code: ClassVar[Code] = GeneralCode.INVALID


class Conflict(DomainError):
    """The change clashes with existing data (a number in use, a run already going)."""

    default_code: ClassVar[Code] = GeneralCode.CONFLICT


class Locked(DomainError):
    """The object is invoiced or reserved for an invoice and cannot change; ``invoice_id``
    names that invoice where the caller may see it."""

    default_code: ClassVar[Code] = GeneralCode.LOCKED

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: Code | None = None,
        invoice_id: int | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.invoice_id = invoice_id


class Forbidden(DomainError):
    """The caller's role does not allow this."""

    default_code: ClassVar[Code] = GeneralCode.FORBIDDEN


class ConnectionProblem(DomainError):
    """WeFact/HostFact refused or could not be reached; the code says what to do."""

    default_code: ClassVar[Code] = WefactCode.PROVIDER_ERROR


NOT_ACTIVATED_MESSAGE = (
    "WeFact is not activated for this workspace: an owner or admin connects it with the "
    "activateWefact mutation (and the API key from WeFact → Settings → API)."
)
"""What every refusal for want of a connection says (this API has no settings screen)."""


class NotActivated(ConnectionProblem, Conflict):
    """The workspace has no active WeFact connection: a connection problem where the result
    can say so, else a conflict (activate first)."""

    default_code: ClassVar[Code] = WefactCode.NOT_ACTIVATED


class UnusableHostfactUrl(ConnectionProblem, InvalidInput):
    """A HostFact URL we will not call (unknown host, private address): a connection problem
    where the result can say so, else an invalid input."""

    default_code: ClassVar[Code] = WefactCode.UNREACHABLE
