"""Which WeFact product codes an activity or expense category may link to."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput
from graphql_api.models import WefactProduct
from graphql_api.services.domain.validation import optional_text


async def validate_product_code(
    session: AsyncSession, workspace_id: int, code: str | None, *, field: str = "wefactProductCode"
) -> str | None:
    """The trimmed code, or None to unlink.

    When the workspace has cached WeFact products the code must be one of them; before the
    first product sync there is nothing to check against, so any code is accepted (the
    integration re-checks codes when it invoices).
    """
    cleaned = optional_text(code, field, max_length=50)
    if cleaned is None:
        return None
    any_cached = await session.scalar(
        select(exists().where(WefactProduct.workspace_id == workspace_id))
    )
    if not any_cached:
        return cleaned
    known = await session.scalar(
        select(
            exists().where(
                WefactProduct.workspace_id == workspace_id, WefactProduct.code == cleaned
            )
        )
    )
    if not known:
        raise InvalidInput(
            f"There is no WeFact product with code {cleaned!r}; sync the products or pick another.",
            field=field,
        )
    return cleaned
