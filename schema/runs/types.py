"""GraphQL types of runs: the generic ``Run`` and reusable pieces for typed run views.

Typed views of one kind (e.g. ``CustomerImport``, ``InvoiceRun``) read the same ``runs``
row: build them with ``run_counts(row)`` / ``run_problems(row)`` / ``run_global_id``, or
expose the generic view as a field with ``Run.from_model(row)``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_api import models
from schema.errors import NotFoundError
from schema.relay import Node, to_global_id

if TYPE_CHECKING:
    from schema.tenancy.types import User

RunKind = strawberry.enum(models.RunKind, description="What a run does.")
RunStatus = strawberry.enum(
    models.RunStatus,
    description=(
        "Where a run is: QUEUED, RUNNING, then SUCCEEDED, PARTIAL (some items have "
        "problems) or FAILED."
    ),
)


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


def run_global_id(row: models.Run) -> strawberry.ID:
    """The run's global id (``Run:<pk>``), shared by every typed view of the row."""
    return to_global_id("Run", row.id)


def run_counts(row: models.Run) -> list[RunCount]:
    """The run's counters, by name."""
    return [RunCount(name=name, value=int(value)) for name, value in sorted(row.counts.items())]


def run_problems(row: models.Run) -> list[RunProblem]:
    """The run's problems, in the order they were recorded."""
    return [
        RunProblem(item=problem.get("item"), message=str(problem.get("message", "")))
        for problem in row.problems
    ]


@strawberry.type(
    description=(
        "A background job (customer import, invoice run, status sync) and its progress. "
        "Poll it with `run(id:)` or follow it with the `runProgress` subscription."
    )
)
class Run(Node):
    kind: RunKind = strawberry.field(description="What the run does.")  # type: ignore[valid-type]
    status: RunStatus = strawberry.field(description="Where the run is.")  # type: ignore[valid-type]
    progress_done: int = strawberry.field(description="Items done so far.")
    progress_total: int | None = strawberry.field(
        description="Items to do in all; null until the run knows."
    )
    counts: list[RunCount] = strawberry.field(description="Counters (created, updated, ...).")
    problems: list[RunProblem] = strawberry.field(
        description="What could not be done (at most 1000; `problemsNotListed` counts the rest)."
    )
    attempts: int = strawberry.field(
        description="How often the run was started; above 1 it resumed after an interruption."
    )
    created_at: dt.datetime = strawberry.field(description="When the run was requested.")
    started_at: dt.datetime | None = strawberry.field(description="When work first started.")
    finished_at: dt.datetime | None = strawberry.field(description="When the run ended.")
    started_by_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who started the run; null for scheduled runs.")
    async def started_by(
        self, info: strawberry.Info
    ) -> Annotated[User, strawberry.lazy("schema.tenancy.types")] | None:
        from resolvers.runs import resolve_started_by

        return await resolve_started_by(info, self.started_by_pk)

    @classmethod
    def from_model(cls, row: models.Run) -> Run:
        return cls(
            id=run_global_id(row),
            kind=row.kind,
            status=row.status,
            progress_done=row.progress_done,
            progress_total=row.progress_total,
            counts=run_counts(row),
            problems=run_problems(row),
            attempts=row.attempts,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            started_by_pk=row.started_by_user_id,
        )


RunProgressEvent = Annotated[
    Run | NotFoundError,
    strawberry.union(
        "RunProgressEvent",
        description="The run as it stands, or why it cannot be followed.",
    ),
]
