"""The WeFact emulator for the provider benchmarks, and a workspace activated against it.

The emulator runs over real HTTP in this process (as in the tests), so the calls it logs can
be counted. Its rate limits are lifted: these benchmarks measure our overhead per call, not
WeFact's budget (real WeFact allows 500 calls a minute and 5000 an hour per IP address).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select, update

from graphql_api.app import AppState
from graphql_api.models import Subscription, WefactProduct, WefactSettings
from graphql_api.services.wefact.connection import ProviderServices, activate
from integrations import InvoicingProvider, PacerRegistry, make_provider
from integrations.emulator.server import serve_emulator
from integrations.emulator.state import EmulatorState

EMULATOR_API_KEY = "bench-emulator-key-0123456789"
UNLIMITED = 10**9


@asynccontextmanager
async def emulator(state: AppState) -> AsyncIterator[EmulatorState]:
    """A WeFact emulator with products, no rate limit; the app's WeFact URL points at it."""
    emulator_state = EmulatorState(flavor="wefact", api_key=EMULATOR_API_KEY)
    emulator_state.rate_limit_per_minute = UNLIMITED
    emulator_state.rate_limit_per_hour = UNLIMITED
    emulator_state.seed_products()
    state.providers.pacers = PacerRegistry()  # no budget left over from an earlier part
    previous = state.settings.wefact_api_url
    async with serve_emulator(emulator_state) as url:
        state.settings.wefact_api_url = url
        try:
            yield emulator_state
        finally:
            state.settings.wefact_api_url = previous


def services(state: AppState) -> ProviderServices:
    """What the WeFact services need from the app state."""
    return ProviderServices.of(state)


async def activate_workspace(state: AppState, workspace_id: int) -> None:
    """Activate WeFact through the settings service (a live verify call, products cached)
    and make the first cached product the default product for hours."""
    await activate(
        services(state),
        state.sessionmaker,
        workspace_id,
        subscription=Subscription.WEFACT,
        api_key=EMULATOR_API_KEY,
        hostfact_url=None,
    )
    async with state.sessionmaker() as session, session.begin():
        code = await session.scalar(
            select(WefactProduct.code)
            .where(WefactProduct.workspace_id == workspace_id)
            .order_by(WefactProduct.code)
            .limit(1)
        )
        await session.execute(
            update(WefactSettings)
            .where(WefactSettings.workspace_id == workspace_id)
            .values(default_product_code=code)
        )


def raw_client(state: AppState) -> InvoicingProvider:
    """The WeFact client used directly, without our services: the baselines' path."""
    return make_provider(
        "WEFACT", state.http, EMULATOR_API_KEY, wefact_url=state.settings.wefact_api_url
    )
