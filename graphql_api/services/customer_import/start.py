"""Starting imports: on request (``importCustomers``) and nightly for opted-in workspaces."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import Conflict
from graphql_api.jobs import start_run
from graphql_api.models import Run, RunKind, WefactSettings
from graphql_api.services.wefact.connection import ProviderServices, active_provider

if TYPE_CHECKING:
    from graphql_api.jobs.worker import JobRunner

logger = logging.getLogger(__name__)


async def start_import(
    services: ProviderServices, session: AsyncSession, workspace_id: int, user_id: int | None
) -> Run:
    """Queue an import run in the caller's transaction.

    Raises ``Conflict`` (code NOT_ACTIVATED) without an active WeFact connection, and
    ``Conflict`` when an import is already queued or running in the workspace.
    """
    await active_provider(services, session, workspace_id)
    return await start_run(session, workspace_id, RunKind.CUSTOMER_IMPORT, {}, user_id)


async def start_nightly_imports(runner: JobRunner, timestamp: int) -> None:
    """Periodic job: an import for every workspace with auto-import on and an active connection.

    A workspace whose import is still active is skipped (the next night catches up).
    """
    sessionmaker = runner.state.sessionmaker
    async with sessionmaker() as session:
        workspace_ids = list(
            await session.scalars(
                select(WefactSettings.workspace_id)
                .where(WefactSettings.active, WefactSettings.auto_import_customers)
                .order_by(WefactSettings.workspace_id)
            )
        )
    for workspace_id in workspace_ids:
        try:
            async with sessionmaker() as session, session.begin():
                await start_run(
                    session, workspace_id, RunKind.CUSTOMER_IMPORT, {"trigger": "nightly"}, None
                )
        except Conflict:
            logger.info("customer import still active in workspace %s; skipped", workspace_id)
