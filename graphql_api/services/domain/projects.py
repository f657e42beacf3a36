"""Projects, their billing method and their activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import InvalidInput
from graphql_api.models import Activity, BillingMethod, Customer, Project, ProjectActivity
from graphql_api.services.domain import validation as v

PROJECT_FIELDS = frozenset(
    {
        "customer_id", "name", "code", "billing_method", "hourly_rate", "fixed_price",
        "fixed_price_instalments", "subscription_amount", "subscription_interval",
        "subscription_start_date", "subscription_end_date", "budget_hours", "budget_amount",
        "start_date", "end_date", "restrict_activities", "activities",
    }
)
MAX_INSTALMENTS = 120


@dataclass(frozen=True)
class ProjectActivitySpec:
    """An activity to enable on a project (ids already decoded by the resolver)."""

    activity_id: int
    hourly_rate: Decimal | None = None
    billable: bool = True


def archived_error(what: str, field: str) -> InvalidInput:
    """Archived things take nothing new; the code lets clients tell this apart."""
    return InvalidInput(
        f"The {what} is archived; restore it first or pick another.", field=field, code="ARCHIVED"
    )


async def _apply(  # noqa: PLR0912 - one branch per input field reads best
    session: AsyncSession, project: Project, changes: Mapping[str, Any]
) -> None:
    v.only_known(changes, PROJECT_FIELDS)
    for key, value in changes.items():
        field = v.camel(key)
        if key == "customer_id":
            if value is None:
                raise InvalidInput("A project needs a customer.", field=field)
            customer = await v.get_in_workspace(
                session, Customer, value, project.workspace_id, field=field, what="customer"
            )
            if customer.archived:
                raise archived_error("customer", field)
            project.customer_id = customer.id
        elif key == "name":
            project.name = v.required_text(
                value, field, max_length=v.MAX_NAME_LENGTH, what="project name"
            )
        elif key == "code":
            project.code = v.optional_text(value, field, max_length=v.MAX_CODE_LENGTH)
        elif key == "billing_method":
            if value is None:
                raise InvalidInput("A project needs a billing method.", field=field)
            project.billing_method = value
        elif key in ("hourly_rate", "fixed_price", "subscription_amount", "budget_amount"):
            setattr(project, key, v.decimal(value, field, what="amount"))
        elif key == "budget_hours":
            project.budget_hours = v.decimal(
                value, field, what="number of hours", maximum=v.MAX_QUANTITY
            )
        elif key == "fixed_price_instalments":
            if value is not None and not 1 <= value <= MAX_INSTALMENTS:
                raise InvalidInput(
                    f"The number of instalments must be between 1 and {MAX_INSTALMENTS}.",
                    field=field,
                )
            project.fixed_price_instalments = value
        elif key == "restrict_activities":
            if value is None:
                raise InvalidInput("Send true or false.", field=field)
            project.restrict_activities = value
        elif key == "activities":
            pass  # needs the project's id: see _replace_activities
        else:  # the dates and the subscription interval
            setattr(project, key, value)
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
    session: AsyncSession, workspace_id: int, values: Mapping[str, Any]
) -> Project:
    """A new project; ``values`` holds input fields by snake_case name, ids decoded."""
    project = Project(workspace_id=workspace_id, restrict_activities=False)
    await _apply(
        session, project, {"customer_id": None, "name": None, "billing_method": None, **values}
    )
    session.add(project)
    await session.flush()
    if values.get("activities") is not None:
        await _replace_activities(session, project, values["activities"])
        await session.flush()
    await session.refresh(project)
    return project


async def update_project(
    session: AsyncSession, workspace_id: int, project_id: int, changes: Mapping[str, Any]
) -> Project:
    """Change the given fields; existing hours keep their rate snapshot."""
    project = await v.get_in_workspace(
        session, Project, project_id, workspace_id, field="id", what="project", for_update=True
    )
    await _apply(session, project, changes)
    if "activities" in changes:
        await _replace_activities(session, project, changes["activities"] or [])
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
