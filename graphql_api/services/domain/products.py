"""Which WeFact product codes an activity or expense category may link to."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.services.domain.validation import MAX_CODE_LENGTH, optional_text
from graphql_api.services.wefact.products import require_cached_product


async def validate_product_code(
    session: AsyncSession, workspace_id: int, code: str | None, *, field: str = "wefactProductCode"
) -> str | None:
    """The trimmed code, or None to unlink.

    The code must be one of the workspace's cached WeFact products, so a link never points at
    a product the invoice would be refused for (activate WeFact first to fill the cache).
    """
    cleaned = optional_text(code, field, max_length=MAX_CODE_LENGTH)
    return await require_cached_product(session, workspace_id, cleaned, field=field)
