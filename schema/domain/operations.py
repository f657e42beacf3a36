"""Root fields of the time-tracking domain.

Reading is open to every member of the workspace. Customers, projects, activities and
expense categories are managed by owners, admins and managers (declared per field); hours,
expenses and trips by everyone, members only their own (checked per object in the service,
which answers with a ForbiddenError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from strawberry.permission import BasePermission

from graphql_api import models
from graphql_api.services.domain.registrations import RegistrationFilter as RegistrationCriteria
from graphql_api.services.domain.registrations import RegistrationOrder, TimeEntryTotals
from resolvers import results as resolved
from resolvers.context import Info
from resolvers.domain import catalog, customers, projects, registrations
from resolvers.ids import decode_id
from resolvers.pagination import Listing, Page, paginate_listing
from resolvers.permissions import IsAuthenticated, IsManager
from resolvers.reads import ClientErrors
from schema.domain import inputs, results, types
from schema.relay import AFTER, FIRST, Connection

READ: list[type[BasePermission]] = [IsAuthenticated]
MANAGE: list[type[BasePermission]] = [IsManager]
MANAGERS = "(owners, admins and managers)"
OWN = "(members: only their own)"


CUSTOMER_FILTER = Annotated[
    inputs.CustomerFilter | None, strawberry.argument(description="Which customers.")
]
PROJECT_FILTER = Annotated[
    inputs.ProjectFilter | None, strawberry.argument(description="Which projects.")
]
ACTIVITY_FILTER = Annotated[
    inputs.ActivityFilter | None, strawberry.argument(description="Which activities.")
]
CATEGORY_FILTER = Annotated[
    inputs.ExpenseCategoryFilter | None, strawberry.argument(description="Which categories.")
]
REGISTRATION_FILTER = Annotated[
    inputs.RegistrationFilter | None, strawberry.argument(description="Which registrations.")
]
ORDER = Annotated[
    RegistrationOrder,
    strawberry.argument(description="OLDEST_FIRST (the default) or NEWEST_FIRST."),
]


def _criteria(value: inputs.RegistrationFilter | None) -> RegistrationCriteria:
    return (value or inputs.RegistrationFilter()).criteria()


# The rows of each list, from the field's arguments but `first` and `after`: the resolvers
# below and the compiled reads (`schema.compiled`, through LISTINGS) both build them here.


def customers_listing(workspace_id: int, filter: inputs.CustomerFilter | None = None) -> Listing:
    """The rows ``customers`` shows."""
    f = filter or inputs.CustomerFilter()
    return customers.listing(
        workspace_id, search=f.search, archived=f.archived, updated_since=f.updated_since
    )


def projects_listing(workspace_id: int, filter: inputs.ProjectFilter | None = None) -> Listing:
    """The rows ``projects`` shows."""
    f = filter or inputs.ProjectFilter()
    return projects.listing(
        workspace_id, search=f.search, customer_id=f.customer_id,
        billing_method=f.billing_method, archived=f.archived, updated_since=f.updated_since,
    )


def activities_listing(workspace_id: int, filter: inputs.ActivityFilter | None = None) -> Listing:
    """The rows ``activities`` shows."""
    f = filter or inputs.ActivityFilter()
    return catalog.activities(
        workspace_id, search=f.search, archived=f.archived, billable=f.billable,
        updated_since=f.updated_since,
    )


def categories_listing(
    workspace_id: int, filter: inputs.ExpenseCategoryFilter | None = None
) -> Listing:
    """The rows ``expenseCategories`` shows."""
    f = filter or inputs.ExpenseCategoryFilter()
    return catalog.expense_categories(
        workspace_id, search=f.search, archived=f.archived, updated_since=f.updated_since
    )


def _registrations_listing(model: Any) -> Callable[..., Listing]:
    def rows(
        workspace_id: int, filter: inputs.RegistrationFilter | None = None,
        order: RegistrationOrder = RegistrationOrder.OLDEST_FIRST,
    ) -> Listing:
        return registrations.listing(workspace_id, model, _criteria(filter), order)

    rows.__doc__ = f"The rows the list of {model.__name__} rows shows."
    return rows


time_entries_listing = _registrations_listing(models.TimeEntry)
expenses_listing = _registrations_listing(models.Expense)
trips_listing = _registrations_listing(models.Trip)

LISTINGS: dict[str, Callable[..., Listing]] = {
    "customers": customers_listing,
    "projects": projects_listing,
    "activities": activities_listing,
    "expenseCategories": categories_listing,
    "timeEntries": time_entries_listing,
    "expenses": expenses_listing,
    "trips": trips_listing,
}
"""List fields by GraphQL name → their rows (see ``schema.compiled``)."""


@strawberry.type
class DomainQuery:
    @strawberry.field(
        graphql_type=Connection[types.Customer],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Customers, ordered by name then id; `first` is capped at 100.",
    )
    async def customers(
        self, info: Info, filter: CUSTOMER_FILTER = None, first: FIRST = 20,
        after: AFTER = None,
    ) -> Page[models.Customer]:
        rows = customers_listing(info.context.workspace_id, filter)
        return await paginate_listing(info.context, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=Connection[types.Project],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Projects, ordered by name then id; `first` is capped at 100.",
    )
    async def projects(
        self, info: Info, filter: PROJECT_FILTER = None, first: FIRST = 20,
        after: AFTER = None,
    ) -> Page[models.Project]:
        rows = projects_listing(info.context.workspace_id, filter)
        return await paginate_listing(info.context, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=Connection[types.Activity],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Activities, ordered by name then id; `first` is capped at 100.",
    )
    async def activities(
        self, info: Info, filter: ACTIVITY_FILTER = None, first: FIRST = 20,
        after: AFTER = None,
    ) -> Page[models.Activity]:
        rows = activities_listing(info.context.workspace_id, filter)
        return await paginate_listing(info.context, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=Connection[types.ExpenseCategory],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Expense categories, ordered by name then id; `first` is capped at 100.",
    )
    async def expense_categories(
        self, info: Info, filter: CATEGORY_FILTER = None, first: FIRST = 20,
        after: AFTER = None,
    ) -> Page[models.ExpenseCategory]:
        rows = categories_listing(info.context.workspace_id, filter)
        return await paginate_listing(info.context, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=Connection[types.TimeEntry],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Hours by date, then id (oldest first unless `order` says otherwise); "
        "`first` is capped at 100.",
    )
    async def time_entries(
        self, info: Info, filter: REGISTRATION_FILTER = None, first: FIRST = 20,
        after: AFTER = None, order: ORDER = RegistrationOrder.OLDEST_FIRST,
    ) -> Page[models.TimeEntry]:
        rows = time_entries_listing(info.context.workspace_id, filter, order)
        return await registrations.page(info, models.TimeEntry, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=Connection[types.Expense],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Expenses by date, then id (oldest first unless `order` says otherwise); "
        "`first` is capped at 100.",
    )
    async def expenses(
        self, info: Info, filter: REGISTRATION_FILTER = None, first: FIRST = 20,
        after: AFTER = None, order: ORDER = RegistrationOrder.OLDEST_FIRST,
    ) -> Page[models.Expense]:
        rows = expenses_listing(info.context.workspace_id, filter, order)
        return await registrations.page(info, models.Expense, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=Connection[types.Trip],
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Trips by date, then id (oldest first unless `order` says otherwise); "
        "`first` is capped at 100.",
    )
    async def trips(
        self, info: Info, filter: REGISTRATION_FILTER = None, first: FIRST = 20,
        after: AFTER = None, order: ORDER = RegistrationOrder.OLDEST_FIRST,
    ) -> Page[models.Trip]:
        rows = trips_listing(info.context.workspace_id, filter, order)
        return await registrations.page(info, models.Trip, rows, first=first, after=after)

    @strawberry.field(
        graphql_type=types.TimeEntrySummary,
        permission_classes=READ,
        extensions=[ClientErrors()],
        description="Total hours and billed amount of the time entries matching the filter.",
    )
    async def time_entry_summary(
        self, info: Info, filter: REGISTRATION_FILTER = None
    ) -> TimeEntryTotals:
        return await registrations.time_entry_summary(info, _criteria(filter))


CREATE_CUSTOMER = Annotated[
    inputs.CreateCustomerInput, strawberry.argument(description="The customer.")
]
UPDATE_CUSTOMER = Annotated[
    inputs.UpdateCustomerInput, strawberry.argument(description="The changes.")
]
ARCHIVE_CUSTOMER = Annotated[
    inputs.ArchiveCustomerInput, strawberry.argument(description="Which customer.")
]
CREATE_PROJECT = Annotated[
    inputs.CreateProjectInput, strawberry.argument(description="The project.")
]
UPDATE_PROJECT = Annotated[
    inputs.UpdateProjectInput, strawberry.argument(description="The changes.")
]
ARCHIVE_PROJECT = Annotated[
    inputs.ArchiveProjectInput, strawberry.argument(description="Which project.")
]
CREATE_ACTIVITY = Annotated[
    inputs.CreateActivityInput, strawberry.argument(description="The activity.")
]
UPDATE_ACTIVITY = Annotated[
    inputs.UpdateActivityInput, strawberry.argument(description="The changes.")
]
CREATE_EXPENSE_CATEGORY = Annotated[
    inputs.CreateExpenseCategoryInput, strawberry.argument(description="The category.")
]
UPDATE_EXPENSE_CATEGORY = Annotated[
    inputs.UpdateExpenseCategoryInput, strawberry.argument(description="The changes.")
]
CREATE_TIME_ENTRY = Annotated[
    inputs.CreateTimeEntryInput, strawberry.argument(description="The hours.")
]
CREATE_TIME_ENTRIES = Annotated[
    inputs.CreateTimeEntriesInput, strawberry.argument(description="Up to 100 entries.")
]
UPDATE_TIME_ENTRY = Annotated[
    inputs.UpdateTimeEntryInput, strawberry.argument(description="The changes.")
]
DELETE_TIME_ENTRY = Annotated[
    inputs.DeleteRegistrationInput, strawberry.argument(description="Which time entry.")
]
CREATE_EXPENSE = Annotated[
    inputs.CreateExpenseInput, strawberry.argument(description="The expense.")
]
UPDATE_EXPENSE = Annotated[
    inputs.UpdateExpenseInput, strawberry.argument(description="The changes.")
]
DELETE_EXPENSE = Annotated[
    inputs.DeleteRegistrationInput, strawberry.argument(description="Which expense.")
]
CREATE_TRIP = Annotated[
    inputs.CreateTripInput, strawberry.argument(description="The trip.")
]
UPDATE_TRIP = Annotated[
    inputs.UpdateTripInput, strawberry.argument(description="The changes.")
]
DELETE_TRIP = Annotated[
    inputs.DeleteRegistrationInput, strawberry.argument(description="Which trip.")
]


@strawberry.type
class DomainMutation:
    @strawberry.mutation(
        graphql_type=results.CreateCustomerResult,
        permission_classes=MANAGE,
        description=f"Create a customer {MANAGERS}.",
    )
    async def create_customer(self, info: Info, input: CREATE_CUSTOMER) -> models.Customer:
        return await customers.create_customer(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateCustomerResult,
        permission_classes=MANAGE,
        description=f"Change a customer {MANAGERS}.",
    )
    async def update_customer(self, info: Info, input: UPDATE_CUSTOMER) -> models.Customer:
        return await customers.update_customer(info, input.command())

    @strawberry.mutation(
        graphql_type=results.ArchiveCustomerResult,
        permission_classes=MANAGE,
        description=f"Archive or restore a customer {MANAGERS}.",
    )
    async def archive_customer(self, info: Info, input: ARCHIVE_CUSTOMER) -> models.Customer:
        return await customers.archive_customer(
            info, decode_id(input.id, "Customer"), input.archived
        )

    @strawberry.mutation(
        graphql_type=results.CreateProjectResult,
        permission_classes=MANAGE,
        description=f"Create a project {MANAGERS}.",
    )
    async def create_project(self, info: Info, input: CREATE_PROJECT) -> models.Project:
        return await projects.create_project(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateProjectResult,
        permission_classes=MANAGE,
        description=f"Change a project {MANAGERS}; existing hours keep their rate snapshot.",
    )
    async def update_project(self, info: Info, input: UPDATE_PROJECT) -> models.Project:
        return await projects.update_project(info, input.command())

    @strawberry.mutation(
        graphql_type=results.ArchiveProjectResult,
        permission_classes=MANAGE,
        description=f"Archive (no new registrations) or restore a project {MANAGERS}.",
    )
    async def archive_project(self, info: Info, input: ARCHIVE_PROJECT) -> models.Project:
        return await projects.archive_project(info, decode_id(input.id, "Project"), input.archived)

    @strawberry.mutation(
        graphql_type=results.CreateActivityResult,
        permission_classes=MANAGE,
        description=f"Create an activity {MANAGERS}.",
    )
    async def create_activity(self, info: Info, input: CREATE_ACTIVITY) -> models.Activity:
        return await catalog.create_activity(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateActivityResult,
        permission_classes=MANAGE,
        description=f"Change or archive an activity {MANAGERS}.",
    )
    async def update_activity(self, info: Info, input: UPDATE_ACTIVITY) -> models.Activity:
        return await catalog.update_activity(info, input.command())

    @strawberry.mutation(
        graphql_type=results.CreateExpenseCategoryResult,
        permission_classes=MANAGE,
        description=f"Create an expense category {MANAGERS}.",
    )
    async def create_expense_category(
        self, info: Info, input: CREATE_EXPENSE_CATEGORY
    ) -> models.ExpenseCategory:
        return await catalog.create_expense_category(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateExpenseCategoryResult,
        permission_classes=MANAGE,
        description=f"Change or archive an expense category {MANAGERS}.",
    )
    async def update_expense_category(
        self, info: Info, input: UPDATE_EXPENSE_CATEGORY
    ) -> models.ExpenseCategory:
        return await catalog.update_expense_category(info, input.command())

    @strawberry.mutation(
        graphql_type=results.CreateTimeEntryResult,
        permission_classes=READ,
        description=f"Register hours {OWN}; the rate is snapshotted from the billing method.",
    )
    async def create_time_entry(self, info: Info, input: CREATE_TIME_ENTRY) -> models.TimeEntry:
        return await registrations.create_time_entry(info, input.command())

    @strawberry.mutation(
        graphql_type=results.CreateTimeEntriesResult,
        permission_classes=READ,
        description=(
            f"Register up to 100 time entries at once, all or none {OWN}; for partner imports."
        ),
    )
    async def create_time_entries(
        self, info: Info, input: CREATE_TIME_ENTRIES
    ) -> resolved.TimeEntryList:
        return await registrations.create_time_entries(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateTimeEntryResult,
        permission_classes=READ,
        description=f"Change open hours {OWN}; invoiced or reserved ones are locked.",
    )
    async def update_time_entry(self, info: Info, input: UPDATE_TIME_ENTRY) -> models.TimeEntry:
        return await registrations.update_time_entry(info, input.command())

    @strawberry.mutation(
        graphql_type=results.DeleteTimeEntryResult,
        permission_classes=READ,
        description=f"Delete open hours {OWN}; invoiced or reserved ones are locked.",
    )
    async def delete_time_entry(self, info: Info, input: DELETE_TIME_ENTRY) -> resolved.Deleted:
        pk = decode_id(input.id, "TimeEntry")
        return await registrations.delete(info, models.TimeEntry, pk, "time entry")

    @strawberry.mutation(
        graphql_type=results.CreateExpenseResult,
        permission_classes=READ,
        description=f"Register an expense {OWN}.",
    )
    async def create_expense(self, info: Info, input: CREATE_EXPENSE) -> models.Expense:
        return await registrations.create_expense(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateExpenseResult,
        permission_classes=READ,
        description=f"Change an open expense {OWN}; invoiced or reserved ones are locked.",
    )
    async def update_expense(self, info: Info, input: UPDATE_EXPENSE) -> models.Expense:
        return await registrations.update_expense(info, input.command())

    @strawberry.mutation(
        graphql_type=results.DeleteExpenseResult,
        permission_classes=READ,
        description=f"Delete an open expense {OWN}; invoiced or reserved ones are locked.",
    )
    async def delete_expense(self, info: Info, input: DELETE_EXPENSE) -> resolved.Deleted:
        pk = decode_id(input.id, "Expense")
        return await registrations.delete(info, models.Expense, pk, "expense")

    @strawberry.mutation(
        graphql_type=results.CreateTripResult,
        permission_classes=READ,
        description=f"Register a trip {OWN}; the rate per km is snapshotted.",
    )
    async def create_trip(self, info: Info, input: CREATE_TRIP) -> models.Trip:
        return await registrations.create_trip(info, input.command())

    @strawberry.mutation(
        graphql_type=results.UpdateTripResult,
        permission_classes=READ,
        description=f"Change an open trip {OWN}; invoiced or reserved ones are locked.",
    )
    async def update_trip(self, info: Info, input: UPDATE_TRIP) -> models.Trip:
        return await registrations.update_trip(info, input.command())

    @strawberry.mutation(
        graphql_type=results.DeleteTripResult,
        permission_classes=READ,
        description=f"Delete an open trip {OWN}; invoiced or reserved ones are locked.",
    )
    async def delete_trip(self, info: Info, input: DELETE_TRIP) -> resolved.Deleted:
        pk = decode_id(input.id, "Trip")
        return await registrations.delete(info, models.Trip, pk, "trip")
