"""The Unbilled report, invoicing from it, and the invoice status sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api import models
from graphql_api.errors import InvalidInput, InvoicingCode, NotFound
from graphql_api.services import unbilled as service
from graphql_api.services.invoicing import InvoiceOptions
from graphql_api.services.invoicing.lines import RegKind
from graphql_api.services.status_sync import start_status_sync
from graphql_api.services.unbilled.invoice import MAX_PROJECTS, start_unbilled_run
from resolvers import loaders
from resolvers.context import Info
from resolvers.ids import decode_ids, global_id
from resolvers.runs import finished_or_running
from resolvers.wefact import services


async def unbilled(
    info: Info,
    *,
    until: dt.date,
    customer_ids: Sequence[str] | None,
    project_ids: Sequence[str] | None,
    billing_methods: Sequence[models.BillingMethod] | None,
) -> service.UnbilledReport:
    """The report in one SQL statement; its projects and customers prime the loaders, so a
    row's ``project { customer }`` costs no further query."""
    context = info.context
    criteria = service.UnbilledFilter(
        until=until,
        customer_ids=decode_ids(customer_ids, "Customer", field="customerIds"),
        project_ids=decode_ids(project_ids, "Project", field="projectIds"),
        billing_methods=tuple(billing_methods or ()),
    )
    async with context.session() as session:
        report = await service.unbilled_report(session, context.workspace_id, criteria)
    loaders.prime(context, models.Project, (row.project for row in report.rows))
    loaders.prime(context, models.Customer, (row.customer for row in report.rows))
    return report


def _label(kind: RegKind, pk: int) -> str:
    """A registration as the API names it (its global id), for messages."""
    return global_id(kind.value, pk)


async def invoice_unbilled(
    info: Info, project_ids: Sequence[str], until: dt.date, options: InvoiceOptions
) -> models.Run:
    """Record and reserve in one transaction (projects locked), queue the run, wait a little."""
    context = info.context
    if len(project_ids) > MAX_PROJECTS:
        raise InvalidInput(f"Invoice at most {MAX_PROJECTS} projects at once.", field="projectIds")
    try:
        pks = decode_ids(project_ids, "Project", field="projectIds")
    except NotFound as exc:
        # Same union as invoiceInWefact: an unknown id is a bad input (a NotFoundError is
        # not among the results).
        raise InvalidInput(
            exc.message, field="projectIds", code=InvoicingCode.UNKNOWN_PROJECT
        ) from None

    async def start(session: AsyncSession) -> int:
        run = await start_unbilled_run(
            session, context.workspace_id, user_id=context.user_id, project_ids=pks,
            until=until, options=options, label=_label,
        )
        return run.id

    # Committed at once (the worker must see it); a retried request gets this same run.
    return await finished_or_running(info, await context.once("Run", start))


async def sync_invoice_statuses(info: Info) -> models.Run:
    """Queue a status sync (or return the one already queued), wait a little for it."""
    context = info.context

    async def start(session: AsyncSession) -> int:
        run = await start_status_sync(
            services(context), session, context.workspace_id, context.user_id
        )
        return run.id

    # Committed at once (the worker must see it); a retried request gets this same run.
    return await finished_or_running(info, await context.once("Run", start))
