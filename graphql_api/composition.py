"""The composition root: the one module that knows every layer and wires them together.

- the web app: ``create_app`` (which knows nothing of GraphQL) with the GraphQL ASGI app
  (``resolvers.http.GraphQLApp``) serving the schema (``schema.schema``);
- the job handlers: importing the services that declare ``@run_task`` handlers registers
  them (every process that starts or performs runs goes through here);
- the periodic jobs every worker schedules.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette

from graphql_api.app import AppState, create_app
from graphql_api.jobs.periodic import REAP_RUNS, PeriodicJob
from graphql_api.jobs.worker import in_process_worker
from graphql_api.services import customer_import, guards, status_sync, webhooks
from graphql_api.services.invoicing import engine
from resolvers import downloads
from resolvers.http import GraphQLApp
from resolvers.uploads import RequirePreflight
from schema.schema import compiled_reads, schema

RUN_HANDLERS = (
    customer_import.import_customers,
    customer_import.fill_customer_details,
    engine.perform_invoice_run,
    status_sync.sync_invoice_statuses,
)
"""What performs each kind of run (their ``@run_task`` registered them on import)."""

JOB_TASKS = (webhooks.delivery.deliver,)
"""Plain tasks on lanes of their own (``@job_task`` registered them on import)."""

PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    REAP_RUNS,
    # A customer import for each workspace with auto-import on and an active connection
    # (skipping workspaces whose import is still active), at 03:00 server time.
    PeriodicJob(
        name="nightly:customer_import", cron="0 3 * * *",
        run=customer_import.start_nightly_imports,
    ),
    # The invoice status sync (WeFact has no webhooks): a STATUS_SYNC run per workspace with
    # an active connection (skipping workspaces whose sync is still active), every 15 minutes.
    PeriodicJob(
        name="periodic:invoice_status_sync", cron="*/15 * * * *",
        run=status_sync.start_periodic_status_syncs,
    ),
    # Forget expired Idempotency-Key answers and login-throttle rows whose window is over.
    PeriodicJob(name="maintenance:expire_guards", cron="17 * * * *", run=guards.expire_guards),
    # Re-queue webhook deliveries whose worker died mid-attempt (every minute).
    webhooks.delivery.SWEEP_DELIVERIES,
)


def build_app(state: AppState, *, close_state_on_shutdown: bool = True) -> Starlette:
    """The whole web application on ``state``: GraphQL (file uploads on, behind the CSRF
    preflight rule) and the file downloads."""
    # The schema is also what the view asks whether a request is a mutation (Idempotency-Key).
    graphql = RequirePreflight(
        GraphQLApp(
            state, schema, operations=schema, compiled=compiled_reads,
            multipart_uploads_enabled=True,
        )
    )
    return create_app(
        state, graphql, close_state_on_shutdown=close_state_on_shutdown,
        extra_routes=downloads.ROUTES,
    )


def add_in_process_worker(app: Starlette, state: AppState) -> None:
    """Run one job worker (with the periodic jobs) for the app's lifetime: started after,
    stopped before the app's own lifespan, so it drains its jobs while the database is
    still open."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(asgi_app: Starlette) -> AsyncIterator[Any]:
        async with inner(asgi_app) as value, in_process_worker(state, PERIODIC_JOBS):
            yield value

    app.router.lifespan_context = lifespan
