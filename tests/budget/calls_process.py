"""One process of ours calling WeFact or HostFact, for the two-process tests.

``python -m tests.budget.calls_process CONFIG_JSON``: builds the app state as every API
and worker process does (``AppState.create``: the shared budget and write locks), prints
``ready``, waits for ``go`` on stdin, makes its calls all at once and prints what happened
as one JSON line. ``shared: false`` takes the shared budget and lock away (today's
per-process pacer and lock): the control that shows the tests can fail.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from typing import Any

from graphql_api.app import AppState
from graphql_api.budget import SharedCallBudget
from graphql_api.models import Subscription
from graphql_api.provider_runtime import ProviderRuntime
from graphql_api.services.wefact.clients import ProviderServices, build_provider
from graphql_api.settings import Settings
from integrations import InvoiceInput, InvoiceLineInput, ProviderError, RetryPolicy


def wire(state: AppState, config: dict[str, Any]) -> None:
    """The budget on the test's frozen clock; or no sharing at all for the control."""
    runtime = state.providers
    if not config["shared"]:
        state.providers = ProviderRuntime(retry=runtime.retry)
        return
    if "clock" not in config:
        return  # as built by AppState.create
    frozen = float(config["clock"])
    runtime.budget = SharedCallBudget(
        state.engine,
        per_minute=config["per_minute"],
        per_hour=100_000,
        max_wait=0,  # a refusal is reported, not waited out: the window is frozen
        clock=lambda: frozen,
    )


async def call(provider: Any, config: dict[str, Any], n: int) -> str:
    try:
        if config["flavor"] == "wefact":
            await provider.list_products(limit=1)
        else:
            line = InvoiceLineInput(product_code=config["product"], number=Decimal(1))
            await provider.add_invoice(
                InvoiceInput(debtor_code=config["debtor"], lines=[line], reference_number=f"p{n}")
            )
    except ProviderError as exc:
        return type(exc).__name__
    return "ok"


async def main(config: dict[str, Any]) -> None:
    settings = Settings(
        database_url=config["database_url"],
        secret_key="test-secret-key-not-for-production",
        allow_private_integration_urls=True,
        wefact_calls_per_minute=config.get("per_minute", 500),
    )
    state = AppState.create(settings, config["database_url"])
    state.providers.retry = RetryPolicy(attempts=3, base_delay=0.05)
    wire(state, config)
    flavor = Subscription.WEFACT if config["flavor"] == "wefact" else Subscription.HOSTFACT
    if flavor is Subscription.WEFACT:
        state.settings.wefact_api_url = config["url"]
    provider = build_provider(
        ProviderServices.of(state), flavor, config["api_key"],
        config["url"] if flavor is Subscription.HOSTFACT else None,
    )
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        outcomes = await asyncio.gather(*(call(provider, config, n) for n in range(config["calls"])))
        print(json.dumps(outcomes), flush=True)
    finally:
        await state.close()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
