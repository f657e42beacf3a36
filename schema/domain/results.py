"""Mutation results of the time-tracking domain: the object, or typed errors."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.domain.types import (
    Activity,
    Customer,
    Deleted,
    Expense,
    ExpenseCategory,
    Project,
    TimeEntry,
    TimeEntryList,
    Trip,
)
from schema.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    LockedError,
    NotFoundError,
)

CreateCustomerResult = Annotated[
    Customer | InvalidInputError | ConflictError,
    strawberry.union("CreateCustomerResult", description="The new customer, or why not."),
]
UpdateCustomerResult = Annotated[
    Customer | NotFoundError | InvalidInputError | ConflictError,
    strawberry.union("UpdateCustomerResult", description="The changed customer, or why not."),
]
ArchiveCustomerResult = Annotated[
    Customer | NotFoundError,
    strawberry.union(
        "ArchiveCustomerResult", description="The archived or restored customer, or why not."
    ),
]
CreateProjectResult = Annotated[
    Project | NotFoundError | InvalidInputError,
    strawberry.union("CreateProjectResult", description="The new project, or why not."),
]
UpdateProjectResult = Annotated[
    Project | NotFoundError | InvalidInputError,
    strawberry.union("UpdateProjectResult", description="The changed project, or why not."),
]
ArchiveProjectResult = Annotated[
    Project | NotFoundError,
    strawberry.union(
        "ArchiveProjectResult", description="The archived or restored project, or why not."
    ),
]
CreateActivityResult = Annotated[
    Activity | InvalidInputError,
    strawberry.union("CreateActivityResult", description="The new activity, or why not."),
]
UpdateActivityResult = Annotated[
    Activity | NotFoundError | InvalidInputError,
    strawberry.union("UpdateActivityResult", description="The changed activity, or why not."),
]
CreateExpenseCategoryResult = Annotated[
    ExpenseCategory | InvalidInputError,
    strawberry.union("CreateExpenseCategoryResult", description="The new category, or why not."),
]
UpdateExpenseCategoryResult = Annotated[
    ExpenseCategory | NotFoundError | InvalidInputError,
    strawberry.union(
        "UpdateExpenseCategoryResult", description="The changed category, or why not."
    ),
]
CreateTimeEntryResult = Annotated[
    TimeEntry | NotFoundError | InvalidInputError | ForbiddenError,
    strawberry.union("CreateTimeEntryResult", description="The new time entry, or why not."),
]
UpdateTimeEntryResult = Annotated[
    TimeEntry | NotFoundError | InvalidInputError | ForbiddenError | LockedError,
    strawberry.union("UpdateTimeEntryResult", description="The changed time entry, or why not."),
]
DeleteTimeEntryResult = Annotated[
    Deleted | NotFoundError | ForbiddenError | LockedError,
    strawberry.union(
        "DeleteTimeEntryResult", description="The deleted time entry's id, or why not."
    ),
]
CreateTimeEntriesResult = Annotated[
    TimeEntryList | NotFoundError | InvalidInputError | ForbiddenError,
    strawberry.union(
        "CreateTimeEntriesResult",
        description="All new time entries, or the first reason none was stored.",
    ),
]
CreateExpenseResult = Annotated[
    Expense | NotFoundError | InvalidInputError | ForbiddenError,
    strawberry.union("CreateExpenseResult", description="The new expense, or why not."),
]
UpdateExpenseResult = Annotated[
    Expense | NotFoundError | InvalidInputError | ForbiddenError | LockedError,
    strawberry.union("UpdateExpenseResult", description="The changed expense, or why not."),
]
DeleteExpenseResult = Annotated[
    Deleted | NotFoundError | ForbiddenError | LockedError,
    strawberry.union("DeleteExpenseResult", description="The deleted expense's id, or why not."),
]
CreateTripResult = Annotated[
    Trip | NotFoundError | InvalidInputError | ForbiddenError,
    strawberry.union("CreateTripResult", description="The new trip, or why not."),
]
UpdateTripResult = Annotated[
    Trip | NotFoundError | InvalidInputError | ForbiddenError | LockedError,
    strawberry.union("UpdateTripResult", description="The changed trip, or why not."),
]
DeleteTripResult = Annotated[
    Deleted | NotFoundError | ForbiddenError | LockedError,
    strawberry.union("DeleteTripResult", description="The deleted trip's id, or why not."),
]
