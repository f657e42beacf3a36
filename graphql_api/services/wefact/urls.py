"""Which HostFact URLs a tenant may point our server at.

Only https and only public addresses, unless ALLOW_PRIVATE_INTEGRATION_URLS is set: a tenant
must not be able to make our server call internal services.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import socket
from urllib.parse import urlsplit

from graphql_api.errors import InvalidInput, UnusableHostfactUrl, WefactCode
from integrations import normalize_hostfact_url

FIELD = "hostfactUrl"


async def check_hostfact_url(raw: str | None, *, allow_private: bool) -> str:
    """The normalised installation URL, or an error saying what is wrong with it."""
    if raw is None or not raw.strip():
        raise InvalidInput(
            "Enter the URL where your HostFact runs, e.g. https://example.com/Pro.", field=FIELD
        )
    url = normalize_hostfact_url(raw)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(
            "That is not a web address; enter it like https://example.com/Pro.", field=FIELD
        )
    if parts.scheme != "https" and not allow_private:
        raise InvalidInput("The HostFact URL must start with https://.", field=FIELD)
    if parts.username or parts.password:
        raise InvalidInput("Leave user names and passwords out of the URL.", field=FIELD)
    if not allow_private:
        await _require_public(parts.hostname, parts.port or 443)
    return url


class AddressProblem(enum.Enum):
    """Why a host is not a target our server calls."""

    UNKNOWN = "UNKNOWN"
    """It does not resolve."""
    PRIVATE = "PRIVATE"
    """One of its addresses is private, loopback, link-local or otherwise not global."""


async def address_problem(host: str, port: int) -> AddressProblem | None:
    """None when every address ``host`` resolves to is public. Also what webhook URLs are
    held to, at creation and before every delivery (DNS can change)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return AddressProblem.UNKNOWN
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_global:
            return AddressProblem.PRIVATE
    return None


async def _require_public(host: str, port: int) -> None:
    problem = await address_problem(host, port)
    if problem is AddressProblem.UNKNOWN:
        raise UnusableHostfactUrl(
            f"The address {host} cannot be found. Check the HostFact URL.",
            field=FIELD,
            code=WefactCode.UNREACHABLE,
        )
    if problem is AddressProblem.PRIVATE:
        raise UnusableHostfactUrl(
            "The HostFact URL points to a private or local address, which is not allowed.",
            field=FIELD,
            code=WefactCode.PRIVATE_ADDRESS,
        )
