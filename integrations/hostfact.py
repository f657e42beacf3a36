"""HostFact (self-hosted) client."""

from __future__ import annotations

import asyncio

import httpx

from .budget import WriteLocks
from .client import ProviderClient
from .dialect import HOSTFACT
from .pacing import PacerRegistry, RatePacer, Sleep
from .transport import RetryPolicy

API_PATH = "/apiv2/api.php"


def normalize_hostfact_url(url: str) -> str:
    """The installation URL as we store it: no ``/apiv2/api.php``, no trailing slash.

    Users paste the full API URL anyway; accept it rather than fail.
    """
    url = url.strip().rstrip("/")
    if url.lower().endswith(API_PATH):
        url = url[: -len(API_PATH)]
    return url.rstrip("/")


def hostfact_endpoint(installation_url: str) -> str:
    return normalize_hostfact_url(installation_url) + API_PATH


class HostFactClient(ProviderClient):
    """Writes to one installation are serialised in-process (HostFact's write lock)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        installation_url: str,
        *,
        pacer: RatePacer | None = None,
        pacers: PacerRegistry | None = None,
        write_locks: WriteLocks | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(
            http,
            api_key,
            hostfact_endpoint(installation_url),
            HOSTFACT,
            pacer=pacer,
            pacers=pacers,
            write_locks=write_locks,
            retry=retry,
            sleep=sleep,
        )
