"""Activate, change and deactivate a workspace's WeFact/HostFact connection.

Network calls never run inside a database transaction: we verify first, then store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload, with_expression

import integrations
from graphql_api.errors import ConnectionProblem, InvalidInput, NotActivated, NotFound, WefactCode
from graphql_api.models import InvoiceMode, ProviderConnection, Subscription, WefactSettings
from graphql_api.security import secret_hint
from graphql_api.services.auth import utcnow
from graphql_api.services.wefact import switching
from graphql_api.services.wefact.clients import ProviderServices, build_provider
from graphql_api.services.wefact.connections import (
    connection_provider,
    count_open_invoices,
    open_invoice_count,
    workspace_connections,
)
from graphql_api.services.wefact.products import require_cached_product, store_products
from graphql_api.services.wefact.urls import check_hostfact_url
from integrations import InvoicingProvider

__all__ = [  # ProviderServices and build_provider are re-exported for existing callers
    "ProviderServices",
    "SettingsChange",
    "activate",
    "active_provider",
    "build_provider",
    "deactivate",
    "load_settings_row",
    "not_an_api",
    "provider_error",
    "sync_products",
    "update",
]

logger = logging.getLogger(__name__)

GROUP_BY_VALUES = ("ENTRY", "ACTIVITY", "PROJECT", "USER", "DATE")


def provider_error(  # noqa: PLR0911 - one answer per kind of provider failure
    exc: integrations.ProviderError, services: ProviderServices
) -> ConnectionProblem:
    """A provider failure as an error that tells the admin what to do."""
    if isinstance(exc, integrations.IpNotWhitelistedError):
        addresses = ", ".join(services.settings.wefact_egress_ips) or "this server's address"
        seen = f" (WeFact saw {exc.ip})" if exc.ip else ""
        return ConnectionProblem(
            f"WeFact refused our server's IP address{seen}. In WeFact go to Settings → API and "
            f"add these addresses to the whitelist: {addresses}.",
            code=WefactCode.IP_NOT_WHITELISTED,
        )
    if isinstance(exc, integrations.ApiDisabledError):
        return ConnectionProblem(
            "The API is switched off in HostFact. Turn it on under Settings → API.",
            field="apiKey",
            code=WefactCode.API_DISABLED,
        )
    if isinstance(exc, integrations.AuthenticationError):
        return ConnectionProblem(
            "WeFact does not accept this API key. Copy it again from WeFact → Settings → API.",
            field="apiKey",
            code=WefactCode.WRONG_API_KEY,
        )
    if isinstance(exc, integrations.FirewalledError):
        return ConnectionProblem(str(exc), code=WefactCode.FIREWALLED)
    if isinstance(exc, integrations.RateLimitedError):
        return ConnectionProblem(str(exc), code=WefactCode.RATE_LIMITED)
    if isinstance(exc, integrations.UnavailableError):
        if not_an_api(exc):
            return ConnectionProblem(
                "That address answers, but not as a HostFact API. Enter the URL of your "
                "HostFact installation without /apiv2/api.php, e.g. https://example.com/Pro.",
                field="hostfactUrl",
                code=WefactCode.NOT_A_HOSTFACT_API,
            )
        return ConnectionProblem(
            "WeFact/HostFact cannot be reached right now. Check the URL, or try again later.",
            code=WefactCode.UNREACHABLE,
        )
    if isinstance(exc, integrations.InconclusiveLookupError):
        return ConnectionProblem(str(exc), code=WefactCode.LOOKUP_INCONCLUSIVE)
    if isinstance(exc, integrations.ValidationError | integrations.NotFoundError):
        return ConnectionProblem(str(exc), code=WefactCode.PROVIDER_REFUSED)
    return ConnectionProblem(str(exc), code=WefactCode.PROVIDER_ERROR)


def not_an_api(exc: integrations.UnavailableError) -> bool:
    """The server answered, but not with the provider's API envelope (wrong URL)."""
    return not exc.retryable or "not JSON" in str(exc) or "not an API response" in str(exc)


async def load_settings_row(session: AsyncSession, workspace_id: int) -> WefactSettings | None:
    """The workspace's settings with its current connection (active or not) and its earlier
    connections with their open invoices (two statements)."""
    return await session.scalar(
        select(WefactSettings)
        .where(WefactSettings.workspace_id == workspace_id)
        .options(
            selectinload(WefactSettings.earlier_connections).options(
                with_expression(ProviderConnection.open_invoices, open_invoice_count())
            )
        )
    )


async def activate(
    services: ProviderServices,
    sessionmaker: async_sessionmaker[AsyncSession],
    workspace_id: int,
    *,
    subscription: Subscription,
    api_key: str,
    hostfact_url: str | None,
) -> WefactSettings:
    """Verify key, IP and URL with one live call, then store the key encrypted and cache
    the products. Nothing is stored when verification fails.

    A workspace that had a connection keeps it for the invoices made with it (see
    ``switching``); what else the switch changed is in ``activation_notes``."""
    api_key = api_key.strip()
    if not api_key:
        raise InvalidInput("Paste the API key from WeFact → Settings → API.", field="apiKey")
    url: str | None = None
    if subscription is Subscription.HOSTFACT:
        url = await check_hostfact_url(
            hostfact_url, allow_private=services.settings.allow_private_integration_urls
        )
    provider = build_provider(services, subscription, api_key, url)
    async with sessionmaker() as session:
        known = await workspace_connections(session, workspace_id)
        candidates = await switching.proofs(session, known, subscription, url)
    same = switching.same_key(services, known, subscription, url, api_key)
    try:
        await provider.verify()
        products = [product async for product in provider.iter_products()]
        # Another key for a stored connection's place: the same administration if the new
        # key sees that connection's newest invoice (one show call).
        proven = None if same else await switching.proven_administration(provider, candidates)
    except integrations.ProviderError as exc:
        logger.info(
            "activation refused", extra={"workspace_id": workspace_id, "reason": type(exc).__name__}
        )
        raise provider_error(exc, services) from None
    async with sessionmaker() as session, session.begin():
        chosen = await _chosen_connection(
            session,
            services,
            ProviderConnection(workspace_id=workspace_id, provider=subscription, hostfact_url=url),
            api_key,
            same_id=same.id if same is not None else proven,
        )
        notes = [] if same is not None or proven is None else [
            "The new key replaces the stored key of this administration (it still shows "
            "the invoices made through it): they stay where they are."
        ]
        row = await _switch_to(session, workspace_id, chosen, notes)
        row.active = True
        row.deactivated_at = None
        row.products_synced_at = utcnow()
        await session.flush()
        await store_products(session, workspace_id, products)
        notes.extend(await switching.product_notes(session, row, products))
        row.activation_notes = notes
    async with sessionmaker() as session:
        stored = await load_settings_row(session, workspace_id)
    assert stored is not None
    return stored


async def _chosen_connection(
    session: AsyncSession,
    services: ProviderServices,
    new: ProviderConnection,
    api_key: str,
    *,
    same_id: int | None,
) -> ProviderConnection:
    """The stored connection this activation means (its key renewed), or ``new``."""
    connection = (
        await session.get(ProviderConnection, same_id, with_for_update=True)
        if same_id is not None
        else None
    )
    if connection is None:
        connection = new
        session.add(connection)
    connection.api_key_encrypted = services.secret_box.encrypt(api_key)
    connection.api_key_hint = secret_hint(api_key)
    connection.last_verified_at = utcnow()
    connection.replaced_at = None
    await session.flush()
    return connection


async def _switch_to(
    session: AsyncSession, workspace_id: int, chosen: ProviderConnection, notes: list[str]
) -> WefactSettings:
    """The (locked) settings row pointing at ``chosen``; leaving another connection marks it
    replaced, resets the customers' debtor links and says so in ``notes``."""
    row = await session.scalar(
        select(WefactSettings)
        .where(WefactSettings.workspace_id == workspace_id)
        .with_for_update(of=WefactSettings)
    )
    if row is None:
        row = WefactSettings(workspace_id=workspace_id, connection=chosen, activation_notes=[])
        session.add(row)
        return row
    if row.connection_id != chosen.id:
        previous = row.connection
        previous.replaced_at = utcnow()
        open_invoices = await count_open_invoices(session, previous.id)
        reset = await switching.reset_customer_links(session, workspace_id)
        notes.extend(switching.switch_notes(previous, open_invoices, reset))
        row.connection = chosen
    return row


async def active_provider(
    services: ProviderServices, session: AsyncSession, workspace_id: int
) -> tuple[WefactSettings, InvoicingProvider]:
    """The workspace's current connection and its client, or a clear error. For new work
    only: an existing invoice goes to its own connection (``connections``)."""
    row = await load_settings_row(session, workspace_id)
    if row is None or not row.active:
        raise NotActivated(
            "WeFact is not activated for this workspace. An admin can activate it under "
            "Settings → WeFact."
        )
    return row, connection_provider(services, row.connection)


async def sync_products(
    services: ProviderServices, sessionmaker: async_sessionmaker[AsyncSession], workspace_id: int
) -> int:
    """Refresh the product cache from the provider; returns how many products it holds."""
    async with sessionmaker() as session:
        _, provider = await active_provider(services, session, workspace_id)
    try:
        products = [product async for product in provider.iter_products()]
    except integrations.ProviderError as exc:
        raise provider_error(exc, services) from None
    async with sessionmaker() as session, session.begin():
        count = await store_products(session, workspace_id, products)
        row = await load_settings_row(session, workspace_id)
        assert row is not None
        row.products_synced_at = utcnow()
    return count


@dataclass
class SettingsChange:
    """Fields of ``updateWefactSettings``; ``UNSET`` (None here) leaves a value alone."""

    default_product_code: str | None = None
    clear_default_product: bool = False
    trip_product_code: str | None = None
    clear_trip_product: bool = False
    invoice_mode: InvoiceMode | None = None
    payment_term_days: int | None = None
    group_by: str | None = None
    auto_import_customers: bool | None = None


async def update(
    session: AsyncSession, workspace_id: int, change: SettingsChange
) -> WefactSettings:
    """Apply a settings change; product codes must be cached products."""
    row = await load_settings_row(session, workspace_id)
    if row is None:
        raise NotFound(
            "WeFact is not activated for this workspace yet: activate it first (activateWefact).",
            code=WefactCode.NOT_ACTIVATED,
        )
    if change.clear_default_product:
        row.default_product_code = None
    elif change.default_product_code is not None:
        row.default_product_code = await require_cached_product(
            session, workspace_id, change.default_product_code, field="defaultProductCode"
        )
    if change.clear_trip_product:
        row.trip_product_code = None
    elif change.trip_product_code is not None:
        row.trip_product_code = await require_cached_product(
            session, workspace_id, change.trip_product_code, field="tripProductCode"
        )
    if change.invoice_mode is not None:
        row.invoice_mode = change.invoice_mode
    if change.payment_term_days is not None:
        if not 0 <= change.payment_term_days <= 365:
            raise InvalidInput("The payment term is 0 to 365 days.", field="paymentTermDays")
        row.payment_term_days = change.payment_term_days
    if change.group_by is not None:
        if change.group_by not in GROUP_BY_VALUES:
            raise InvalidInput("Unknown grouping.", field="groupBy")
        row.group_by = change.group_by
    if change.auto_import_customers is not None:
        row.auto_import_customers = change.auto_import_customers
    await session.flush()
    return row


async def deactivate(session: AsyncSession, workspace_id: int) -> WefactSettings:
    """Stop using the connection; the row, its invoices and history are kept."""
    row = await load_settings_row(session, workspace_id)
    if row is None:
        raise NotFound(
            "WeFact is not activated for this workspace, so there is nothing to deactivate.",
            code=WefactCode.NOT_ACTIVATED,
        )
    row.active = False
    row.deactivated_at = utcnow()
    await session.flush()
    return row
