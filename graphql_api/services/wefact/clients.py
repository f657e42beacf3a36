"""The client for a connection, built from the process's shared provider plumbing."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

import integrations
from graphql_api.models import Subscription
from graphql_api.provider_runtime import ProviderRuntime
from graphql_api.resources import Resources
from graphql_api.security import SecretBox
from graphql_api.settings import Settings
from integrations import InvoicingProvider


@dataclass(frozen=True)
class ProviderServices:
    """What talking to a provider needs: configuration, the key box, one HTTP client and the
    process's provider runtime (shared rate-limit budget, retry policy)."""

    settings: Settings
    secret_box: SecretBox
    http: httpx.AsyncClient
    runtime: ProviderRuntime

    @classmethod
    def of(cls, state: Resources) -> ProviderServices:
        """The services of the process's resources (its one HTTP client and runtime)."""
        return cls(state.settings, state.secret_box, state.http, state.providers)


def build_provider(
    services: ProviderServices, subscription: Subscription, api_key: str, hostfact_url: str | None
) -> InvoicingProvider:
    """The client for one connection (the URL differences live in ``integrations``)."""
    return integrations.make_provider(
        subscription.value,
        services.http,
        api_key,
        hostfact_url=hostfact_url,
        wefact_url=services.settings.wefact_api_url,
        pacers=services.runtime.pacers,
        budget=services.runtime.budget,
        write_locks=services.runtime.write_locks,
        retry=services.runtime.retry,
    )
