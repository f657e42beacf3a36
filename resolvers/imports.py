"""The customer import: start one, read one, list them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.services.customer_import import start_import
from resolvers.context import Info
from resolvers.pagination import Page, paginate
from resolvers.runs import finished_or_running, run_by_id
from resolvers.wefact import services


async def import_customers(info: Info) -> models.Run:
    """Queue an import, then wait up to ``run_wait_seconds`` for it to finish."""
    context = info.context

    async def start(session: AsyncSession) -> int:
        run = await start_import(services(context), session, context.workspace_id, context.user_id)
        return run.id

    # Committed at once (the worker must see it); a retried request gets this same run.
    return await finished_or_running(info, await context.once("Run", start))


async def customer_import(info: Info, global_id: str) -> models.Run | None:
    """An import of the caller's workspace (null for unknown ids and other workspaces)."""
    return await run_by_id(
        info, global_id, ("CustomerImport",), kind=models.RunKind.CUSTOMER_IMPORT
    )


async def customer_imports(info: Info, first: int, after: str | None) -> Page[Any]:
    """The workspace's imports, newest first."""
    stmt = select(models.Run).where(
        models.Run.workspace_id == info.context.workspace_id,
        models.Run.kind == models.RunKind.CUSTOMER_IMPORT,
    )
    keys = [models.Run.created_at, models.Run.id]
    return await paginate(
        info.context, stmt, keys=keys, first=first, after=after, descending=True
    )
