"""What every unit of work of a process shares: settings, sessions, the key box, one HTTP
client and the provider runtime. Job handlers and periodic jobs depend on this small value,
not on the web app."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql_api.provider_runtime import ProviderRuntime
from graphql_api.security import SecretBox
from graphql_api.settings import Settings


@dataclass
class Resources:
    """The process's shared services (the web app's ``AppState`` is one, with its engine)."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    secret_box: SecretBox
    http: httpx.AsyncClient
    database_url: str
    """The application database; job workers open their own (psycopg) pool on it."""
    providers: ProviderRuntime = field(default_factory=ProviderRuntime, kw_only=True)
    """WeFact's shared rate-limit budget, the retry policy and the tests' after-add seam."""
