"""The cache of WeFact products: VAT rate and revenue category travel with the product."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput
from graphql_api.models import WefactProduct
from graphql_api.services.auth import utcnow
from integrations import Product


async def store_products(
    session: AsyncSession, workspace_id: int, products: Sequence[Product]
) -> int:
    """Replace the workspace's cache with ``products`` in one upsert and one delete."""
    now = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "code": product.code,
            "identifier": str(product.identifier) if product.identifier is not None else None,
            "name": product.name,
            "key_phrase": product.key_phrase,
            "price_excl": product.price_excl,
            "tax_percentage": product.tax_percentage,
            "tax_code": product.tax_code,
            "unit": product.unit or None,
            "synced_at": now,
        }
        for product in products
    ]
    if rows:
        stmt = insert(WefactProduct).values(rows)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["workspace_id", "code"],
                set_={
                    column: stmt.excluded[column]
                    for column in (
                        "identifier",
                        "name",
                        "key_phrase",
                        "price_excl",
                        "tax_percentage",
                        "tax_code",
                        "unit",
                        "synced_at",
                    )
                },
            )
        )
    # Products removed in WeFact disappear from the cache; links to them are reported
    # when an invoice would use them rather than silently dropped.
    await session.execute(
        delete(WefactProduct).where(
            WefactProduct.workspace_id == workspace_id, WefactProduct.synced_at < now
        )
    )
    return len(rows)


async def require_cached_product(
    session: AsyncSession, workspace_id: int, code: str | None, *, field: str
) -> str | None:
    """``code`` when it is a cached product of the workspace (None clears a link)."""
    if code is None or not code.strip():
        return None
    code = code.strip()
    found = await session.scalar(
        select(func.count())
        .select_from(WefactProduct)
        .where(WefactProduct.workspace_id == workspace_id, WefactProduct.code == code)
    )
    if not found:
        raise InvalidInput(
            f"There is no WeFact product {code!r}. Sync the products and pick one of them.",
            field=field,
        )
    return code
