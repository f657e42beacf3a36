"""WeFact (SaaS) client."""

from __future__ import annotations

import asyncio

import httpx

from .client import ProviderClient
from .dialect import WEFACT
from .pacing import RatePacer, Sleep
from .transport import RetryPolicy

WEFACT_URL = "https://api.mijnwefact.nl/v2/"


class WeFactClient(ProviderClient):
    """One URL for every call; overridable for the emulator, tests or a proxy.

    By default all WeFactClients for the same URL share one rate-limit pacer, because
    WeFact counts calls per server IP, not per key.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        base_url: str = WEFACT_URL,
        *,
        pacer: RatePacer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(http, api_key, base_url, WEFACT, pacer=pacer, retry=retry, sleep=sleep)
