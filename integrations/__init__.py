"""Invoicing providers (WeFact, HostFact): one protocol, two clients, an emulator.

Knows nothing of GraphQL or the database. Typical use::

    http = make_http_client()
    provider = make_provider("WEFACT", http, api_key)
    await provider.verify()
"""

from .budget import CallBudget, CallPriority, WriteLocks, call_priority, prioritised
from .dispatch import make_provider
from .errors import (
    ApiDisabledError,
    AuthenticationError,
    FirewalledError,
    InconclusiveLookupError,
    IpNotWhitelistedError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    UnavailableError,
    ValidationError,
    WriteLockBusyError,
)
from .hostfact import HostFactClient, normalize_hostfact_url
from .models import (
    AttachmentRef,
    Debtor,
    DebtorInput,
    DebtorSummary,
    Invoice,
    InvoiceInput,
    InvoiceLine,
    InvoiceLineInput,
    InvoiceStatus,
    Page,
    Product,
)
from .pacing import PacerRegistry
from .protocol import InvoicingProvider, ProviderKind
from .transport import RetryPolicy, make_http_client
from .wefact import WEFACT_URL, WeFactClient

__all__ = [
    "WEFACT_URL",
    "ApiDisabledError",
    "AttachmentRef",
    "AuthenticationError",
    "CallBudget",
    "CallPriority",
    "Debtor",
    "DebtorInput",
    "DebtorSummary",
    "FirewalledError",
    "HostFactClient",
    "InconclusiveLookupError",
    "Invoice",
    "InvoiceInput",
    "InvoiceLine",
    "InvoiceLineInput",
    "InvoiceStatus",
    "InvoicingProvider",
    "IpNotWhitelistedError",
    "NotFoundError",
    "PacerRegistry",
    "Page",
    "Product",
    "ProviderError",
    "ProviderKind",
    "RateLimitedError",
    "RetryPolicy",
    "UnavailableError",
    "ValidationError",
    "WeFactClient",
    "WriteLockBusyError",
    "WriteLocks",
    "call_priority",
    "make_http_client",
    "make_provider",
    "normalize_hostfact_url",
    "prioritised",
]
