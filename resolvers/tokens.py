"""Bearer tokens as they arrive over HTTP or in a WebSocket's ``connection_init``."""

from __future__ import annotations

BAD_TOKEN_MESSAGE = "This token is unknown, expired or revoked: log in again or create a new token."  # noqa: S105


def bearer_token(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer …`` header, if any."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
