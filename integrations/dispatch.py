"""Build the right client for a workspace's stored settings."""

from __future__ import annotations

import httpx

from .budget import CallBudget, WriteLocks
from .errors import ProviderError
from .hostfact import HostFactClient
from .pacing import PacerRegistry
from .protocol import InvoicingProvider, ProviderKind
from .transport import RetryPolicy
from .wefact import WEFACT_URL, WeFactClient


def make_provider(
    kind: ProviderKind,
    http: httpx.AsyncClient,
    api_key: str,
    hostfact_url: str | None = None,
    wefact_url: str = WEFACT_URL,
    *,
    pacers: PacerRegistry | None = None,
    budget: CallBudget | None = None,
    write_locks: WriteLocks | None = None,
    retry: RetryPolicy | None = None,
) -> InvoicingProvider:
    """The client for one connection. Pass the process's ``pacers`` and ``retry`` policy so
    every client shares WeFact's budget and one retry policy; pass the fleet's ``budget``
    and ``write_locks`` so every process shares WeFact's budget and HostFact's write lock."""
    if kind == "WEFACT":
        return WeFactClient(http, api_key, wefact_url, pacers=pacers, budget=budget, retry=retry)
    if kind == "HOSTFACT":
        if not hostfact_url:
            raise ProviderError(
                "Enter the URL of your HostFact installation, e.g. https://example.com/Pro."
            )
        return HostFactClient(
            http, api_key, hostfact_url, pacers=pacers, write_locks=write_locks, retry=retry
        )
    raise ValueError(f"unknown invoicing provider {kind!r}")
