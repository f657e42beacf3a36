"""GraphQL types of runs: the generic ``Run`` over a ``runs`` row, and its pieces.

Typed views of one kind (``CustomerImport``, ``InvoiceRun``) read the same row; each is a
``row_type`` of ``models.Run`` limited to its kind, and links to this generic view (``run``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry import Parent
from strawberry.relay import NodeID

from graphql_api import models
from resolvers.permissions import RUNS
from schema.errors import NotFoundError
from schema.relay import Node
from schema.tenancy.types import User
from schema.views import computed, row_type, to_one


@strawberry.type(description="A named counter of a run, e.g. `created: 12`.")
class RunCount:
    name: str = strawberry.field(description="What is counted (e.g. created, updated).")
    value: int = strawberry.field(description="How many so far.")


@strawberry.type(description="One thing a run could not do.")
class RunProblem:
    item: str | None = strawberry.field(
        description="What it is about (e.g. a debtor code); null for the run as a whole."
    )
    message: str = strawberry.field(description="What went wrong and what to do.")


def run_counts(row: models.Run) -> list[RunCount]:
    """The run's counters, by name."""
    return [RunCount(name=name, value=int(value)) for name, value in sorted(row.counts.items())]


def run_problems(row: models.Run) -> list[RunProblem]:
    """The run's problems, in the order they were recorded."""
    return [
        RunProblem(item=problem.get("item"), message=str(problem.get("message", "")))
        for problem in row.problems
    ]


def starter(description: str) -> Any:
    """Who started a run, as a field of a run view."""
    return to_one(
        models.User, "started_by_user_id", User, nullable=True, description=description
    )


@row_type(
    models.Run,
    read=RUNS,
    description=(
        "A background job (customer import, the customer details fill after it, invoice "
        "run, status sync) and its progress. "
        "Poll it with `run(id:)` or follow it with the `runProgress` subscription. Invoice "
        "runs and status syncs are for owners, admins and managers."
    ),
)
class Run(Node):
    id: NodeID[int]
    kind: models.RunKind = strawberry.field(description="What the run does.")
    status: models.RunStatus = strawberry.field(description="Where the run is.")
    progress_done: int = strawberry.field(description="Items done so far.")
    progress_total: int | None = strawberry.field(
        description="Items to do in all; null until the run knows."
    )

    @computed("counts", description="Counters (created, updated, ...).")
    @staticmethod
    def counts(root: Parent[models.Run]) -> list[RunCount]:
        return run_counts(root)

    @computed(
        "problems",
        description="What could not be done (at most 1000; `problemsNotListed` counts the rest).",
    )
    @staticmethod
    def problems(root: Parent[models.Run]) -> list[RunProblem]:
        return run_problems(root)

    attempts: int = strawberry.field(
        description="How often the run was started; above 1 it resumed after an interruption."
    )
    waiting_until: dt.datetime | None = strawberry.field(
        description=(
            "Set while the run waits for WeFact's call budget (calls per minute and hour are "
            "limited per server address, shared by every workspace here; invoicing goes before "
            "imports and status sync): about when it continues by itself. Null otherwise."
        )
    )
    waiting_reason: str | None = strawberry.field(
        description="Why the run waits, in plain words; null while it is not waiting."
    )
    created_at: dt.datetime = strawberry.field(description="When the run was requested.")
    started_at: dt.datetime | None = strawberry.field(description="When work first started.")
    finished_at: dt.datetime | None = strawberry.field(description="When the run ended.")
    started_by = starter("Who started the run; null for scheduled runs.")


RunProgressEvent = Annotated[
    Run | NotFoundError,
    strawberry.union(
        "RunProgressEvent",
        description="The run as it stands, or why it cannot be followed.",
    ),
]
