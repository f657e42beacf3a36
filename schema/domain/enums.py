"""Enums of the time-tracking domain (the model enums, exposed with descriptions)."""

from __future__ import annotations

import strawberry

from graphql_api import models

BillingMethod = strawberry.enum(
    models.BillingMethod,
    description=(
        "How a project is billed. The HOURLY_* methods bill hours at the project's, the "
        "activity's (or the project's override for it), the user's or the customer's rate; "
        "FIXED_PRICE, SUBSCRIPTION and NON_BILLABLE do not bill hours by the hour."
    ),
)
SubscriptionInterval = strawberry.enum(
    models.SubscriptionInterval, description="Length of one subscription period."
)
RegistrationStatus = strawberry.enum(
    models.RegistrationStatus,
    description="OPEN until an invoice confirmed it, then INVOICED (and locked).",
)
