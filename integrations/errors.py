"""The exceptions every invoicing-provider client raises.

Callers catch these, never httpx's exceptions: the transport translates every failure
into one of them. Each message is written for the person who has to fix the problem
(an administrator configuring the integration), so the GraphQL layer can show it as is.
"""

from __future__ import annotations

from collections.abc import Sequence


class ProviderError(Exception):
    """Base class: the invoicing provider (WeFact or HostFact) refused or failed a call."""

    #: Messages exactly as the provider sent them (may be Dutch); empty for local failures.
    messages: list[str]

    def __init__(self, message: str, messages: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.messages = list(messages)


class AuthenticationError(ProviderError):
    """The API key is missing or wrong. Never retried: failed logins count against the
    WeFact rate limit and can get the server firewalled."""

    def __init__(self, messages: Sequence[str] = ()) -> None:
        super().__init__(
            "The invoicing provider did not accept the API key. Copy the key again from "
            "the API settings of your WeFact/HostFact administration and save it here.",
            messages,
        )


class ApiDisabledError(AuthenticationError):
    """HostFact answered that API access is switched off for the installation."""

    def __init__(self, messages: Sequence[str] = ()) -> None:
        ProviderError.__init__(
            self,
            "API access is disabled in your HostFact installation. Enable the API in "
            "HostFact's settings and try again.",
            messages,
        )


class IpNotWhitelistedError(ProviderError):
    """The provider refused our server's IP address. `ip` is the address it saw."""

    ip: str | None

    def __init__(self, ip: str | None, messages: Sequence[str] = ()) -> None:
        seen = f" ({ip})" if ip else ""
        super().__init__(
            f"The invoicing provider refused this server's IP address{seen}. Add it to the "
            "IP whitelist in the API settings of your WeFact/HostFact administration.",
            messages,
        )
        self.ip = ip


class FirewalledError(ProviderError):
    """WeFact banned our IP (HTTP 403) after too many calls or failed logins.

    Never retried: every further call extends the ban."""

    def __init__(self, detail: str = "", messages: Sequence[str] = ()) -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            "The invoicing provider has temporarily blocked this server's IP address "
            f"because of too many requests{extra}. Wait at least 15 minutes before trying "
            "again; contact WeFact support if the block persists.",
            messages,
        )


class RateLimitedError(ProviderError):
    """The rate-limit budget is exhausted for longer than we are willing to wait.

    Raised *before* sending, so nothing was applied and a later retry is safe."""

    retry_after: float

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            "The invoicing provider's hourly request limit is used up. Try again in "
            f"about {max(1, round(retry_after / 60))} minute(s)."
        )
        self.retry_after = retry_after


class ValidationError(ProviderError):
    """The provider refused the data we sent. `messages` are the provider's own words."""

    def __init__(self, messages: Sequence[str]) -> None:
        text = "; ".join(messages) or "no reason given"
        super().__init__(f"The invoicing provider refused the request: {text}", messages)


class NotFoundError(ProviderError):
    """The debtor, product or invoice does not exist at the provider."""

    def __init__(self, messages: Sequence[str]) -> None:
        text = "; ".join(messages).rstrip(".") or "record not found"
        super().__init__(
            f"The invoicing provider does not know this record: {text}. It may have been "
            "removed or renumbered in WeFact/HostFact.",
            messages,
        )


class UnavailableError(ProviderError):
    """The provider could not be reached or answered with something that is not its API.

    `retryable`: a later identical call may succeed (timeouts, 5xx, maintenance pages).
    `maybe_applied`: a *write* was sent and we never saw the answer, so it may have been
    applied. Callers must look the result up (e.g. by invoice reference) before sending
    the write again, or they risk duplicates.
    """

    retryable: bool
    maybe_applied: bool

    def __init__(
        self, message: str, *, retryable: bool = True, maybe_applied: bool = False
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.maybe_applied = maybe_applied


class WriteLockBusyError(ProviderError):
    """HostFact's global write lock stayed taken for 5 s by another API call."""

    def __init__(self, messages: Sequence[str] = ()) -> None:
        super().__init__(
            "HostFact is busy processing other API calls. Try again in a moment.", messages
        )


class InconclusiveLookupError(ProviderError):
    """A lookup that must be exhaustive would have to read more than we allow.

    Raised instead of answering "not found": the caller would otherwise create the record
    again (a duplicate invoice or debtor). Nothing was written."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"The invoicing provider could not be searched safely: {what}. Nothing was sent "
            "again, so nothing can have been doubled."
        )


def unreachable(
    detail: str, *, retryable: bool = True, maybe_applied: bool = False
) -> UnavailableError:
    """Build the standard "cannot reach the provider" error around a technical detail."""
    hint = (
        " The result of the last change is unknown; it will be checked before retrying."
        if maybe_applied
        else ""
    )
    return UnavailableError(
        "The invoicing provider could not be reached or gave an unexpected answer "
        f"({detail}). Check the URL and try again later.{hint}",
        retryable=retryable,
        maybe_applied=maybe_applied,
    )
