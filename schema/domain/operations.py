"""Root fields of the time-tracking domain.

Reading is open to every member of the workspace. Customers, projects, activities and
expense categories are managed by owners, admins and managers (declared per field); hours,
expenses and trips by everyone, members only their own (checked per object in the service).
"""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from resolvers.domain import customers
from resolvers.domain.permissions import IsManager
from resolvers.permissions import IsAuthenticated
from schema.domain import results, types
from schema.relay import Connection

READ: list[type[BasePermission]] = [IsAuthenticated]
MANAGE: list[type[BasePermission]] = [IsManager]


@strawberry.type
class DomainQuery:
    customers: Connection[types.Customer] = strawberry.field(
        resolver=customers.customers,
        permission_classes=READ,
        description="Customers, ordered by name then id; `first` is capped at 100.",
    )


@strawberry.type
class DomainMutation:
    create_customer: results.CreateCustomerResult = strawberry.mutation(
        resolver=customers.create_customer,
        permission_classes=MANAGE,
        description="Create a customer (owners, admins and managers).",
    )
    update_customer: results.UpdateCustomerResult = strawberry.mutation(
        resolver=customers.update_customer,
        permission_classes=MANAGE,
        description="Change a customer (owners, admins and managers).",
    )
    archive_customer: results.ArchiveCustomerResult = strawberry.mutation(
        resolver=customers.archive_customer,
        permission_classes=MANAGE,
        description="Archive or restore a customer (owners, admins and managers).",
    )
