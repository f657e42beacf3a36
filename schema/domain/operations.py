"""Root fields of the time-tracking domain.

Reading is open to every member of the workspace. Customers, projects, activities and
expense categories are managed by owners, admins and managers (declared per field); hours,
expenses and trips by everyone, members only their own (checked per object in the service,
which answers with a ForbiddenError).
"""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from resolvers.domain import catalog, customers, projects, registrations
from resolvers.domain.permissions import IsManager
from resolvers.permissions import IsAuthenticated
from schema.domain import results, types
from schema.relay import Connection

READ: list[type[BasePermission]] = [IsAuthenticated]
MANAGE: list[type[BasePermission]] = [IsManager]
MANAGERS = "(owners, admins and managers)"
OWN = "(members: only their own)"


@strawberry.type
class DomainQuery:
    customers: Connection[types.Customer] = strawberry.field(
        resolver=customers.customers,
        permission_classes=READ,
        description="Customers, ordered by name then id; `first` is capped at 100.",
    )
    projects: Connection[types.Project] = strawberry.field(
        resolver=projects.projects,
        permission_classes=READ,
        description="Projects, ordered by name then id; `first` is capped at 100.",
    )
    activities: Connection[types.Activity] = strawberry.field(
        resolver=catalog.activities,
        permission_classes=READ,
        description="Activities, ordered by name then id; `first` is capped at 100.",
    )
    expense_categories: Connection[types.ExpenseCategory] = strawberry.field(
        resolver=catalog.expense_categories,
        permission_classes=READ,
        description="Expense categories, ordered by name then id; `first` is capped at 100.",
    )
    time_entries: Connection[types.TimeEntry] = strawberry.field(
        resolver=registrations.time_entries,
        permission_classes=READ,
        description="Hours, ordered by date then id; `first` is capped at 100.",
    )
    expenses: Connection[types.Expense] = strawberry.field(
        resolver=registrations.expenses,
        permission_classes=READ,
        description="Expenses, ordered by date then id; `first` is capped at 100.",
    )
    trips: Connection[types.Trip] = strawberry.field(
        resolver=registrations.trips,
        permission_classes=READ,
        description="Trips, ordered by date then id; `first` is capped at 100.",
    )
    time_entry_summary: types.TimeEntrySummary = strawberry.field(
        resolver=registrations.time_entry_summary,
        permission_classes=READ,
        description="Total hours and billed amount of the time entries matching the filter.",
    )


@strawberry.type
class DomainMutation:
    create_customer: results.CreateCustomerResult = strawberry.mutation(
        resolver=customers.create_customer,
        permission_classes=MANAGE,
        description=f"Create a customer {MANAGERS}.",
    )
    update_customer: results.UpdateCustomerResult = strawberry.mutation(
        resolver=customers.update_customer,
        permission_classes=MANAGE,
        description=f"Change a customer {MANAGERS}.",
    )
    archive_customer: results.ArchiveCustomerResult = strawberry.mutation(
        resolver=customers.archive_customer,
        permission_classes=MANAGE,
        description=f"Archive or restore a customer {MANAGERS}.",
    )
    create_project: results.CreateProjectResult = strawberry.mutation(
        resolver=projects.create_project,
        permission_classes=MANAGE,
        description=f"Create a project {MANAGERS}.",
    )
    update_project: results.UpdateProjectResult = strawberry.mutation(
        resolver=projects.update_project,
        permission_classes=MANAGE,
        description=f"Change a project {MANAGERS}; existing hours keep their rate snapshot.",
    )
    archive_project: results.ArchiveProjectResult = strawberry.mutation(
        resolver=projects.archive_project,
        permission_classes=MANAGE,
        description=f"Archive (no new registrations) or restore a project {MANAGERS}.",
    )
    create_activity: results.CreateActivityResult = strawberry.mutation(
        resolver=catalog.create_activity,
        permission_classes=MANAGE,
        description=f"Create an activity {MANAGERS}.",
    )
    update_activity: results.UpdateActivityResult = strawberry.mutation(
        resolver=catalog.update_activity,
        permission_classes=MANAGE,
        description=f"Change or archive an activity {MANAGERS}.",
    )
    create_expense_category: results.CreateExpenseCategoryResult = strawberry.mutation(
        resolver=catalog.create_expense_category,
        permission_classes=MANAGE,
        description=f"Create an expense category {MANAGERS}.",
    )
    update_expense_category: results.UpdateExpenseCategoryResult = strawberry.mutation(
        resolver=catalog.update_expense_category,
        permission_classes=MANAGE,
        description=f"Change or archive an expense category {MANAGERS}.",
    )
    create_time_entry: results.CreateTimeEntryResult = strawberry.mutation(
        resolver=registrations.create_time_entry,
        permission_classes=READ,
        description=f"Register hours {OWN}; the rate is snapshotted from the billing method.",
    )
    create_time_entries: results.CreateTimeEntriesResult = strawberry.mutation(
        resolver=registrations.create_time_entries,
        permission_classes=READ,
        description=(
            f"Register up to 100 time entries at once, all or none {OWN}; for partner imports."
        ),
    )
    update_time_entry: results.UpdateTimeEntryResult = strawberry.mutation(
        resolver=registrations.update_time_entry,
        permission_classes=READ,
        description=f"Change open hours {OWN}; invoiced or reserved ones are locked.",
    )
    delete_time_entry: results.DeleteTimeEntryResult = strawberry.mutation(
        resolver=registrations.delete_time_entry,
        permission_classes=READ,
        description=f"Delete open hours {OWN}; invoiced or reserved ones are locked.",
    )
    create_expense: results.CreateExpenseResult = strawberry.mutation(
        resolver=registrations.create_expense,
        permission_classes=READ,
        description=f"Register an expense {OWN}.",
    )
    update_expense: results.UpdateExpenseResult = strawberry.mutation(
        resolver=registrations.update_expense,
        permission_classes=READ,
        description=f"Change an open expense {OWN}; invoiced or reserved ones are locked.",
    )
    delete_expense: results.DeleteExpenseResult = strawberry.mutation(
        resolver=registrations.delete_expense,
        permission_classes=READ,
        description=f"Delete an open expense {OWN}; invoiced or reserved ones are locked.",
    )
    create_trip: results.CreateTripResult = strawberry.mutation(
        resolver=registrations.create_trip,
        permission_classes=READ,
        description=f"Register a trip {OWN}; the rate per km is snapshotted.",
    )
    update_trip: results.UpdateTripResult = strawberry.mutation(
        resolver=registrations.update_trip,
        permission_classes=READ,
        description=f"Change an open trip {OWN}; invoiced or reserved ones are locked.",
    )
    delete_trip: results.DeleteTripResult = strawberry.mutation(
        resolver=registrations.delete_trip,
        permission_classes=READ,
        description=f"Delete an open trip {OWN}; invoiced or reserved ones are locked.",
    )
