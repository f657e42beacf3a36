"""Resolvers of the Unbilled report, invoicing from it, and the invoice status sync."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.errors import DomainError, InvalidInput, NotFound
from graphql_api.jobs import wait_for_run
from graphql_api.services import unbilled as service
from graphql_api.services.status_sync import start_status_sync
from graphql_api.services.unbilled.invoice import MAX_PROJECTS, start_unbilled_run
from resolvers.context import Info
from resolvers.domain.common import query
from resolvers.invoicing import options_of
from resolvers.loaders import by_id_loader, load_one
from resolvers.wefact import connection_error, services
from schema.invoicing.types import InvoiceRun
from schema.relay import decode_id
from schema.runs.types import Run
from schema.unbilled import types

if TYPE_CHECKING:
    from schema.domain.types import Customer, Project

FILTER = Annotated[types.UnbilledFilter, strawberry.argument(description="What to report.")]


def _ids(values: list[strawberry.ID] | None, type_name: str, field: str) -> tuple[int, ...]:
    return tuple(decode_id(v, type_name, field=field) for v in values or ())


async def unbilled(info: Info, filter: FILTER) -> types.Unbilled:
    """The report in one SQL statement; its projects and customers prime the loaders, so
    ``project`` and ``customer`` on the rows cost no further query."""
    context = info.context

    async def read() -> service.UnbilledReport:
        criteria = service.UnbilledFilter(
            until=filter.until,
            customer_ids=_ids(filter.customer_ids, "Customer", "customerIds"),
            project_ids=_ids(filter.project_ids, "Project", "projectIds"),
            # strawberry.enum exposes the model enum itself: its members are ours.
            billing_methods=tuple(
                cast(models.BillingMethod, m) for m in filter.billing_methods or ()
            ),
        )
        async with context.session() as session:
            return await service.unbilled_report(session, context.workspace_id, criteria)

    report = await query(read())
    projects = by_id_loader(context, models.Project)
    customers = by_id_loader(context, models.Customer)
    for row in report.rows:
        projects.prime(row.project.id, row.project)
        customers.prime(row.customer.id, row.customer)
    return types.Unbilled.from_service(report)


async def resolve_project(info: Info, pk: int) -> Project:
    """A project of a report row (primed: no query)."""
    from schema.domain.types import Project

    row = await load_one(info.context, models.Project, pk)
    assert row is not None
    return Project.from_model(row)


async def resolve_customer(info: Info, pk: int) -> Customer:
    """A customer of a report row (primed: no query)."""
    from schema.domain.types import Customer

    row = await load_one(info.context, models.Customer, pk)
    assert row is not None
    return Customer.from_model(row)


async def invoice_unbilled(
    info: Info, input: types.InvoiceUnbilledInput
) -> types.InvoiceUnbilledResult:
    """Record and reserve in one transaction (projects locked), queue the run, wait a little."""
    context = info.context
    try:
        if len(input.project_ids) > MAX_PROJECTS:
            raise InvalidInput(
                f"Invoice at most {MAX_PROJECTS} projects at once.", field="projectIds"
            )
        try:
            project_ids = _ids(input.project_ids, "Project", "projectIds")
        except NotFound as exc:
            # Same union as invoiceInWefact: an unknown id is a bad input (not NOT_FOUND,
            # which would map to NotFoundError).
            raise InvalidInput(exc.message, field="projectIds", code="UNKNOWN_PROJECT") from None

        async def start(session: AsyncSession) -> int:
            run = await start_unbilled_run(
                session, context.workspace_id, user_id=context.user_id,
                project_ids=project_ids, until=input.until, options=options_of(input.options),
            )
            return run.id

        # Committed at once (the worker must see it); a retried request gets this same run.
        run_id = await context.once("Run", start)
    except DomainError as exc:
        return connection_error(context, exc)  # type: ignore[return-value]
    state = context.state
    row = await wait_for_run(state.sessionmaker, run_id, state.settings.run_wait_seconds)
    return InvoiceRun.from_model(row)


async def sync_invoice_statuses(info: Info) -> types.SyncInvoiceStatusesResult:
    """Queue a status sync (or return the one already queued), wait a little for it."""
    context = info.context

    async def start(session: AsyncSession) -> int:
        run = await start_status_sync(
            services(context), session, context.workspace_id, context.user_id
        )
        return run.id

    try:
        # Committed at once (the worker must see it); a retried request gets this same run.
        run_id = await context.once("Run", start)
    except DomainError as exc:
        return connection_error(context, exc)  # type: ignore[return-value]
    state = context.state
    row = await wait_for_run(state.sessionmaker, run_id, state.settings.run_wait_seconds)
    return Run.from_model(row)
