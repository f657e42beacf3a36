"""Resolvers of the customer import: start one, read one, list them."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.errors import DomainError, NotFound
from graphql_api.jobs import wait_for_run
from graphql_api.services.customer_import import start_import
from resolvers.context import Info
from resolvers.domain.common import AFTER, FIRST, query
from resolvers.loaders import load_one
from resolvers.pagination import paginate
from resolvers.wefact import connection_error, services
from schema.imports import types
from schema.relay import Connection, decode_id

IMPORT_ID = Annotated[
    strawberry.ID, strawberry.argument(description="Global id of the customer import.")
]


async def import_customers(info: Info) -> types.ImportCustomersResult:
    """Queue an import, then wait up to ``run_wait_seconds`` for it to finish."""
    context = info.context

    async def start(session: AsyncSession) -> int:
        run = await start_import(services(context), session, context.workspace_id, context.user_id)
        return run.id

    try:
        # Committed at once (the worker must see it); a retried request gets this same run.
        run_id = await context.once("Run", start)
    except DomainError as exc:
        # NOT_ACTIVATED becomes a WefactConnectionError, "already running" a ConflictError.
        return connection_error(context, exc)  # type: ignore[return-value]
    state = context.state
    run = await wait_for_run(state.sessionmaker, run_id, state.settings.run_wait_seconds)
    return types.CustomerImport.from_model(run)


async def customer_import(info: Info, id: IMPORT_ID) -> types.CustomerImport | None:
    """An import of the caller's workspace (null for unknown ids and other workspaces)."""
    try:
        pk = decode_id(id, "CustomerImport")
    except NotFound:
        return None
    row = await load_one(info.context, models.Run, pk)
    if row is None or row.kind is not models.RunKind.CUSTOMER_IMPORT:
        return None
    return types.CustomerImport.from_model(row)


async def customer_imports(
    info: Info, first: FIRST = 20, after: AFTER = None
) -> Connection[types.CustomerImport]:
    """The workspace's imports, newest first."""
    stmt = select(models.Run).where(
        models.Run.workspace_id == info.context.workspace_id,
        models.Run.kind == models.RunKind.CUSTOMER_IMPORT,
    )
    return await query(
        paginate(
            info.context,
            stmt,
            keys=[models.Run.created_at, models.Run.id],
            first=first,
            after=after,
            to_node=types.CustomerImport.from_model,
            descending=True,
        )
    )
