"""Projects, their billing method and their activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput, TrackingCode
from graphql_api.models import Activity, BillingMethod, Customer, Project, ProjectActivity
from graphql_api.services.commands import UNSET, CreateProject, ProjectActivitySpec, UpdateProject
from graphql_api.services.domain import validation as v
from graphql_api.services.domain.products import validate_product_code

MAX_INSTALMENTS = 120
PRODUCT_METHODS = frozenset({BillingMethod.FIXED_PRICE, BillingMethod.SUBSCRIPTION})
"""Billing methods invoiced with the project's own product: hours, expenses and trips take
their activity's, category's or the trip product instead."""


def archived_error(what: str, field: str) -> InvalidInput:
    """Archived things take nothing new; the code lets clients tell this apart."""
    return InvalidInput(
        f"The {what} is archived; restore it first or pick another.",
        field=field,
        code=TrackingCode.ARCHIVED,
    )


async def _apply(  # noqa: PLR0912, PLR0915 - one branch per input field reads best
    session: AsyncSession, project: Project, command: CreateProject | UpdateProject
) -> None:
    """Validate and set what the command gives, in input order (activities need the
    project's id: ``_replace_activities``)."""
    c = command
    if c.customer_id is not UNSET:
        if c.customer_id is None:
            raise InvalidInput("A project needs a customer.", field="customerId")
        customer = await v.get_in_workspace(
            session, Customer, c.customer_id, project.workspace_id, field="customerId",
            what="customer",
        )
        if customer.archived:
            raise archived_error("customer", "customerId")
        project.customer_id = customer.id
    if c.name is not UNSET:
        project.name = v.required_text(
            c.name, "name", max_length=v.MAX_NAME_LENGTH, what="project name"
        )
    if c.billing_method is not UNSET:
        if c.billing_method is None:
            raise InvalidInput("A project needs a billing method.", field="billingMethod")
        project.billing_method = c.billing_method
    if c.code is not UNSET:
        project.code = v.optional_text(c.code, "code", max_length=v.MAX_CODE_LENGTH)
    if c.hourly_rate is not UNSET:
        project.hourly_rate = v.decimal(c.hourly_rate, "hourlyRate", what="amount")
    if c.fixed_price is not UNSET:
        project.fixed_price = v.decimal(c.fixed_price, "fixedPrice", what="amount")
    if c.fixed_price_instalments is not UNSET:
        instalments = c.fixed_price_instalments
        if instalments is not None and not 1 <= instalments <= MAX_INSTALMENTS:
            raise InvalidInput(
                f"The number of instalments must be between 1 and {MAX_INSTALMENTS}.",
                field="fixedPriceInstalments",
            )
        project.fixed_price_instalments = instalments
    if c.subscription_amount is not UNSET:
        project.subscription_amount = v.decimal(
            c.subscription_amount, "subscriptionAmount", what="amount"
        )
    if c.subscription_interval is not UNSET:
        project.subscription_interval = c.subscription_interval
    if c.subscription_start_date is not UNSET:
        project.subscription_start_date = c.subscription_start_date
    if c.subscription_end_date is not UNSET:
        project.subscription_end_date = c.subscription_end_date
    if c.budget_hours is not UNSET:
        project.budget_hours = v.decimal(
            c.budget_hours, "budgetHours", what="number of hours", maximum=v.MAX_QUANTITY
        )
    if c.budget_amount is not UNSET:
        project.budget_amount = v.decimal(c.budget_amount, "budgetAmount", what="amount")
    if c.start_date is not UNSET:
        project.start_date = c.start_date
    if c.end_date is not UNSET:
        project.end_date = c.end_date
    if c.restrict_activities is not UNSET:
        if c.restrict_activities is None:
            raise InvalidInput("Send true or false.", field="restrictActivities")
        project.restrict_activities = c.restrict_activities
    if c.wefact_product_code is not UNSET:
        project.wefact_product_code = await validate_product_code(
            session, project.workspace_id, c.wefact_product_code
        )
    _check_billing(project)
    v.date_range(project.start_date, project.end_date, "endDate")
    v.date_range(
        project.subscription_start_date, project.subscription_end_date, "subscriptionEndDate"
    )


def _check_billing(project: Project) -> None:
    """What each billing method cannot do without."""
    method = project.billing_method
    if method is BillingMethod.HOURLY_PROJECT_RATE and project.hourly_rate is None:
        raise InvalidInput("Projects billed at the project rate need an hourly rate.",
                           field="hourlyRate")
    if method is BillingMethod.FIXED_PRICE and project.fixed_price is None:
        raise InvalidInput("Fixed-price projects need a fixed price.", field="fixedPrice")
    if method is BillingMethod.SUBSCRIPTION:
        for key, label in (
            ("subscription_amount", "an amount"),
            ("subscription_interval", "an interval"),
            ("subscription_start_date", "a start date"),
        ):
            if getattr(project, key) is None:
                raise InvalidInput(f"Subscription projects need {label}.", field=v.camel(key))
    if project.wefact_product_code is not None and method not in PRODUCT_METHODS:
        # A product here would never reach an invoice: say so rather than keep it silently.
        raise InvalidInput(
            "Only fixed-price and subscription projects are invoiced with a project product; "
            "hours, expenses and trips use their activity's, category's or the trip product. "
            "Send wefactProductCode: null with this billing method.",
            field="wefactProductCode",
        )


async def _replace_activities(
    session: AsyncSession, project: Project, specs: Sequence[ProjectActivitySpec]
) -> None:
    """The project's activities become exactly ``specs``."""
    seen: set[int] = set()
    rows = []
    for index, spec in enumerate(specs):
        prefix = f"activities[{index}]."
        if spec.activity_id in seen:
            raise InvalidInput("This activity is listed twice.", field=prefix + "activityId")
        seen.add(spec.activity_id)
        await v.get_in_workspace(
            session, Activity, spec.activity_id, project.workspace_id,
            field=prefix + "activityId", what="activity",
        )
        rate = v.decimal(spec.hourly_rate, prefix + "hourlyRate", what="rate")
        rows.append(
            ProjectActivity(
                workspace_id=project.workspace_id,
                project_id=project.id,
                activity_id=spec.activity_id,
                hourly_rate=rate,
                billable=spec.billable,
            )
        )
    await session.execute(delete(ProjectActivity).where(ProjectActivity.project_id == project.id))
    session.add_all(rows)


async def create_project(
    session: AsyncSession, workspace_id: int, command: CreateProject
) -> Project:
    """A new project."""
    project = Project(workspace_id=workspace_id, restrict_activities=False)
    await _apply(session, project, command)
    session.add(project)
    await session.flush()
    if command.activities is not None:
        await _replace_activities(session, project, command.activities)
        await session.flush()
    await session.refresh(project)
    return project


async def update_project(
    session: AsyncSession, workspace_id: int, command: UpdateProject
) -> Project:
    """Change the given fields; existing hours keep their rate snapshot."""
    project = await v.get_in_workspace(
        session, Project, command.id, workspace_id, field="id", what="project", for_update=True
    )
    await _apply(session, project, command)
    if command.activities is not UNSET:
        await _replace_activities(session, project, command.activities or [])
    await session.flush()
    await session.refresh(project)
    return project


async def archive_project(
    session: AsyncSession, workspace_id: int, project_id: int, archived: bool
) -> Project:
    """Archive (no new registrations) or restore a project."""
    project = await v.get_in_workspace(
        session, Project, project_id, workspace_id, field="id", what="project", for_update=True
    )
    project.archived = archived
    await session.flush()
    await session.refresh(project)
    return project


def projects_query(
    workspace_id: int,
    *,
    search: str | None = None,
    customer_id: int | None = None,
    billing_method: BillingMethod | None = None,
    archived: bool | None = None,
    updated_since: dt.datetime | None = None,
) -> Select[Project]:
    """Projects of the workspace matching the filter."""
    stmt = select(Project).where(Project.workspace_id == workspace_id)
    pattern = v.like_pattern(search)
    if pattern is not None:
        stmt = stmt.where(
            or_(Project.name.ilike(pattern, escape="\\"), Project.code.ilike(pattern, escape="\\"))
        )
    if customer_id is not None:
        stmt = stmt.where(Project.customer_id == customer_id)
    if billing_method is not None:
        stmt = stmt.where(Project.billing_method == billing_method)
    if archived is not None:
        stmt = stmt.where(Project.archived.is_(archived))
    if updated_since is not None:
        stmt = stmt.where(Project.updated_at >= updated_since)
    return stmt
