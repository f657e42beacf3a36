"""Read a provider's HTTP answer: the JSON envelope on success, an exception otherwise.

Both APIs answer HTTP 200 even for errors and put human messages in ``errors``; the kind
of failure can only be told from the message text, so the matching lives here, in one
table, instead of in every caller.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from .errors import (
    ApiDisabledError,
    AuthenticationError,
    FirewalledError,
    IpNotWhitelistedError,
    NotFoundError,
    ProviderError,
    ValidationError,
    WriteLockBusyError,
    unreachable,
)

_IP_REFUSED = re.compile(r"\bIP\s+(\S+)\s+has no access", re.IGNORECASE)
_FIREWALL = re.compile(r"\bIP\s+(\S+)\s+currently in firewall", re.IGNORECASE)


def _contains(*needles: str) -> Callable[[str], bool]:
    lowered = [needle.lower() for needle in needles]
    return lambda message: any(needle in message.lower() for needle in lowered)


# Order matters: the first matching rule wins.
_RULES: list[tuple[Callable[[str], bool], Callable[[Sequence[str]], ProviderError]]] = [
    (_contains("API access has been disabled"), ApiDisabledError),
    (
        _contains("No api_key provided", "API sleutel", "API key is invalid", "API key"),
        AuthenticationError,
    ),
    (_contains("has concurrent calls"), WriteLockBusyError),
    (
        _contains(
            "niet gevonden",
            "not found",
            "unknown client",
            "unknown debtor",
            "unknown product",
            "unknown invoice",
            "bestaat niet",
            "does not exist",
            # HostFact for an Identifier nobody has: "Invalid identifier for client/invoice".
            "invalid identifier for",
            # HostFact's attachment texts: "The attachment(s) x cannot be found. …",
            # "Attachment cannot be found."; WeFact's Dutch stand-in.
            "cannot be found",
            "kan niet worden gevonden",
        ),
        NotFoundError,
    ),
]


def error_from_messages(messages: Sequence[str]) -> ProviderError:
    """Map an ``errors`` list to the most specific exception."""
    for message in messages:
        if match := _IP_REFUSED.search(message):
            return IpNotWhitelistedError(match.group(1), messages)
        if _FIREWALL.search(message):
            return FirewalledError(message, messages)
    for message in messages:
        for applies, build in _RULES:
            if applies(message):
                return build(messages)
    return ValidationError(messages)


def _messages(payload: Any) -> list[str]:
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list):
            return [str(item) for item in errors]
        if isinstance(errors, (str, int)):
            return [str(errors)]
    return []


def read_envelope(response: httpx.Response, *, is_write: bool) -> dict[str, Any]:
    """Return the decoded success envelope or raise the matching ProviderError.

    `is_write` marks failures whose outcome is unknown (a 5xx after a write may come
    after the change was stored).
    """
    status = response.status_code
    if status == 403:
        # WeFact's firewall: JSON envelope or plain text depending on the front end.
        try:
            detail = "; ".join(_messages(response.json()))
        except (json.JSONDecodeError, UnicodeDecodeError):
            detail = response.text.strip()[:200]
        raise FirewalledError(detail, [detail] if detail else [])
    if status >= 500:
        raise unreachable(f"HTTP {status}", maybe_applied=is_write)
    if status != 200:
        # 404 and friends: almost always a wrong (HostFact) URL. Retrying will not help.
        raise unreachable(f"HTTP {status}", retryable=False)
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        # An HTML maintenance page or a proxy's error page.
        raise unreachable("the answer was not JSON", maybe_applied=is_write) from None
    if not isinstance(payload, dict) or payload.get("status") not in ("success", "error"):
        raise unreachable("the answer was not an API response", maybe_applied=is_write)
    if payload["status"] == "error":
        raise error_from_messages(_messages(payload))
    return payload
