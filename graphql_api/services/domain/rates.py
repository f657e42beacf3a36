"""Rate snapshots: what an hour or a kilometre is worth when it is registered."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.models import (
    Activity,
    BillingMethod,
    Customer,
    Project,
    ProjectActivity,
    User,
    Workspace,
)
from graphql_api.models.domain import HOURLY_METHODS

ZERO = Decimal("0.00")


def bills_hours(project: Project) -> bool:
    """Whether the project's hours are billed by the hour at all."""
    return project.billing_method in HOURLY_METHODS


async def project_activity(
    session: AsyncSession, project: Project, activity: Activity
) -> ProjectActivity | None:
    """The project's own settings for an activity, if it enabled it."""
    return await session.scalar(
        select(ProjectActivity).where(
            ProjectActivity.project_id == project.id,
            ProjectActivity.activity_id == activity.id,
        )
    )


async def hour_rate(
    session: AsyncSession,
    project: Project,
    activity: Activity,
    user: User,
    link: ProjectActivity | None,
) -> Decimal:
    """The hourly rate by the project's billing method.

    A missing rate (say a user without one on an HOURLY_USER_RATE project) snapshots 0 rather
    than refusing the hours: the work was done and must be recorded; the amount shows 0 so the
    gap is visible before invoicing.
    """
    method = project.billing_method
    rate: Decimal | None
    if method is BillingMethod.HOURLY_PROJECT_RATE:
        rate = project.hourly_rate
    elif method is BillingMethod.HOURLY_ACTIVITY_RATE:
        override = link.hourly_rate if link is not None else None
        rate = override if override is not None else activity.hourly_rate
    elif method is BillingMethod.HOURLY_USER_RATE:
        rate = user.hourly_rate
    elif method is BillingMethod.HOURLY_CUSTOMER_RATE:
        customer = await session.get(Customer, project.customer_id)
        rate = customer.hourly_rate if customer is not None else None
    else:  # FIXED_PRICE, SUBSCRIPTION, NON_BILLABLE: hours are not billed on their own
        rate = None
    return rate if rate is not None else ZERO


async def mileage_rate(session: AsyncSession, project: Project) -> Decimal:
    """Rate per km: the customer's mileage rate, else the workspace default."""
    customer_rate = await session.scalar(
        select(Customer.mileage_rate).where(Customer.id == project.customer_id)
    )
    if customer_rate is not None:
        return customer_rate
    workspace_rate = await session.scalar(
        select(Workspace.mileage_rate).where(Workspace.id == project.workspace_id)
    )
    return workspace_rate if workspace_rate is not None else ZERO
