"""Resolvers of the WeFact settings (admins only, declared on the fields)."""

from __future__ import annotations

import strawberry
from sqlalchemy import or_, select

from graphql_api import models
from graphql_api.errors import DomainError
from graphql_api.services.wefact import connection
from resolvers.context import Context, Info
from schema.errors import Error, to_error
from schema.wefact import types

CONNECTION_CODES = frozenset(
    {
        "WRONG_API_KEY",
        "IP_NOT_WHITELISTED",
        "API_DISABLED",
        "UNREACHABLE",
        "NOT_A_HOSTFACT_API",
        "FIREWALLED",
        "RATE_LIMITED",
        "NOT_ACTIVATED",
        "PROVIDER_REFUSED",
        "PROVIDER_ERROR",
        "PRIVATE_ADDRESS",
    }
)


def services(context: Context) -> connection.ProviderServices:
    """The provider services of this process."""
    state = context.state
    return connection.ProviderServices.of(state)


def connection_error(context: Context, exc: DomainError) -> Error:
    """Connection failures carry the addresses to whitelist; others map as usual."""
    if exc.code in CONNECTION_CODES:
        return types.WefactConnectionError(
            code=exc.code,
            message=exc.message,
            field=exc.field,
            whitelist_addresses=list(context.state.settings.wefact_egress_ips)
            if exc.code == "IP_NOT_WHITELISTED"
            else [],
        )
    return to_error(exc)


def to_type(context: Context, row: models.WefactSettings) -> types.WefactSettings:
    return types.WefactSettings.from_model(row, list(context.state.settings.wefact_egress_ips))


async def wefact_settings(info: Info) -> types.WefactSettings | None:
    """The workspace's connection, or null when it was never activated."""
    async with info.context.session() as session:
        row = await connection.load_settings_row(session, info.context.workspace_id)
    return to_type(info.context, row) if row else None


async def wefact_products(
    info: Info, search: str | None = None, first: int = 100
) -> list[types.WefactProduct]:
    """Cached products, by code; ``search`` matches code, name or key phrase."""
    first = max(1, min(first, 100))
    stmt = select(models.WefactProduct).where(
        models.WefactProduct.workspace_id == info.context.workspace_id
    )
    if search:
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(
            or_(
                models.WefactProduct.code.ilike(pattern),
                models.WefactProduct.name.ilike(pattern),
                models.WefactProduct.key_phrase.ilike(pattern),
            )
        )
    async with info.context.session() as session:
        rows = await session.scalars(stmt.order_by(models.WefactProduct.code).limit(first))
        return [types.WefactProduct.from_model(row) for row in rows]


async def activate_wefact(
    info: Info, input: types.ActivateWefactInput
) -> types.ActivateWefactResult:
    """Verify the connection live, then store it."""
    try:
        row = await connection.activate(
            services(info.context),
            info.context.state.sessionmaker,
            info.context.workspace_id,
            subscription=models.Subscription(input.subscription),
            api_key=input.api_key,
            hostfact_url=input.hostfact_url,
        )
    except DomainError as exc:
        return connection_error(info.context, exc)  # type: ignore[return-value]
    return to_type(info.context, row)


async def update_wefact_settings(
    info: Info, input: types.UpdateWefactSettingsInput
) -> types.UpdateWefactSettingsResult:
    """Change defaults; product codes are checked against the cached products."""
    change = connection.SettingsChange()
    if input.default_product_code is None:
        change.clear_default_product = True
    elif input.default_product_code:
        change.default_product_code = input.default_product_code
    if input.trip_product_code is None:
        change.clear_trip_product = True
    elif input.trip_product_code:
        change.trip_product_code = input.trip_product_code
    if input.invoice_mode:
        change.invoice_mode = models.InvoiceMode(input.invoice_mode.value)
    if input.payment_term_days is not None and input.payment_term_days is not strawberry.UNSET:
        change.payment_term_days = input.payment_term_days
    if input.group_by:
        change.group_by = input.group_by.name
    if (
        input.auto_import_customers is not None
        and input.auto_import_customers is not strawberry.UNSET
    ):
        change.auto_import_customers = input.auto_import_customers
    try:
        async with info.context.transaction() as session:
            row = await connection.update(session, info.context.workspace_id, change)
    except DomainError as exc:
        return to_error(exc)  # type: ignore[return-value]
    return to_type(info.context, row)


async def deactivate_wefact(info: Info) -> types.DeactivateWefactResult:
    """Switch the connection off; history stays."""
    try:
        async with info.context.transaction() as session:
            row = await connection.deactivate(session, info.context.workspace_id)
    except DomainError as exc:
        return to_error(exc)  # type: ignore[return-value]
    return to_type(info.context, row)


async def sync_wefact_products(info: Info) -> types.SyncWefactProductsResult:
    """Fetch the product list from WeFact into the cache."""
    try:
        count = await connection.sync_products(
            services(info.context), info.context.state.sessionmaker, info.context.workspace_id
        )
    except DomainError as exc:
        return connection_error(info.context, exc)  # type: ignore[return-value]
    settings = await wefact_settings(info)
    assert settings is not None
    return types.ProductSync(count=count, settings=settings)
