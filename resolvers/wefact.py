"""The WeFact/HostFact connection: settings, products (admins, declared on the fields)."""

from __future__ import annotations

from sqlalchemy import or_, select

from graphql_api import models
from graphql_api.services.invoicing import proof
from graphql_api.services.wefact import connection
from resolvers import results
from resolvers.context import Context, Info
from resolvers.pagination import check_first


def services(context: Context) -> connection.ProviderServices:
    """The provider services of this process."""
    state = context.state
    return connection.ProviderServices.of(state)


async def wefact_settings(info: Info) -> models.WefactSettings | None:
    """The workspace's connection, or null when it was never activated."""
    async with info.context.session() as session:
        return await connection.load_settings_row(session, info.context.workspace_id)


async def wefact_products(
    info: Info, search: str | None, first: int
) -> list[models.WefactProduct]:
    """Cached products, by code; ``search`` matches code, name or key phrase."""
    check_first(first)  # refused like every list's, not silently clamped
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
        return list(rows)


async def activate_wefact(
    info: Info, subscription: models.Subscription, api_key: str, hostfact_url: str | None
) -> models.WefactSettings:
    """Verify the connection live, then store it."""
    return await connection.activate(
        services(info.context),
        info.context.state.sessionmaker,
        info.context.workspace_id,
        subscription=subscription,
        api_key=api_key,
        hostfact_url=hostfact_url,
    )


async def update_wefact_settings(
    info: Info, change: connection.SettingsChange,
    proof_change: proof.ProofSettingsChange | None = None,
) -> models.WefactSettings:
    """Change defaults; product codes are checked against the cached products, line texts
    against the placeholders (one transaction: all or nothing)."""
    async with info.context.transaction() as session:
        row = await connection.update(session, info.context.workspace_id, change)
        if proof_change is not None:
            proof.apply_proof_settings(row, proof_change)
            await session.flush()
        return row


async def deactivate_wefact(info: Info) -> models.WefactSettings:
    """Switch the connection off; history stays."""
    async with info.context.transaction() as session:
        return await connection.deactivate(session, info.context.workspace_id)


async def sync_wefact_products(info: Info) -> results.ProductSync:
    """Fetch the product list from WeFact into the cache."""
    count = await connection.sync_products(
        services(info.context), info.context.state.sessionmaker, info.context.workspace_id
    )
    settings = await wefact_settings(info)
    assert settings is not None
    return results.ProductSync(count=count, settings=settings)
