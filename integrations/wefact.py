"""WeFact (SaaS) client."""

from __future__ import annotations

import asyncio

import httpx

from .budget import CallBudget
from .client import ProviderClient
from .dialect import WEFACT
from .pacing import PacerRegistry, RatePacer, Sleep
from .transport import RetryPolicy

WEFACT_URL = "https://api.mijnwefact.nl/v2/"


class WeFactClient(ProviderClient):
    """One URL for every call; overridable for the emulator, tests or a proxy.

    Give every WeFactClient of a process the same ``pacers`` registry: WeFact counts calls
    per server IP, not per key, so all clients of one URL share one rate-limit budget.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        base_url: str = WEFACT_URL,
        *,
        pacer: RatePacer | None = None,
        pacers: PacerRegistry | None = None,
        budget: CallBudget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(
            http,
            api_key,
            base_url,
            WEFACT,
            pacer=pacer,
            pacers=pacers,
            budget=budget,
            retry=retry,
            sleep=sleep,
        )
