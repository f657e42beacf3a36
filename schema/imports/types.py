"""Types of the customer import: ``CustomerImport`` is a typed view over a ``runs`` row."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry import Parent
from strawberry.relay import NodeID

from graphql_api import models
from resolvers import relations
from resolvers.context import Info
from resolvers.permissions import EVERYONE
from schema.errors import ConflictError, WefactConnectionError
from schema.relay import Node
from schema.runs import types as run_types
from schema.views import computed, row_type


@strawberry.type(description="A debtor the import could not take over, and what to do about it.")
class CustomerImportProblem:
    debtor_code: str | None = strawberry.field(
        description=(
            "The debtor number it is about (`#<identifier>` for a debtor without number); "
            "null for the import as a whole (e.g. WeFact could not be reached)."
        )
    )
    message: str = strawberry.field(description="What went wrong and what to do.")


def _count(name: str, description: str) -> int:
    """A counter of the run's ``counts``, 0 until counted."""

    def resolve(root: models.Run) -> int:
        return int(root.counts.get(name, 0))

    field: int = computed("counts", description=description)(resolve)
    return field


@row_type(
    models.Run,
    kind=("kind", models.RunKind.CUSTOMER_IMPORT),
    read=EVERYONE,
    description=(
        "An import of customers from WeFact/HostFact debtors, matched on customer number = "
        "debtor number. Poll it with `customerImport(id:)` while `status` is QUEUED or "
        "RUNNING, or follow `run` with the `runProgress` subscription."
    ),
)
class CustomerImport(Node):
    id: NodeID[int]
    status: models.RunStatus = strawberry.field(
        description="QUEUED, RUNNING, then SUCCEEDED, PARTIAL (some debtors have problems) "
        "or FAILED (stopped; run it again to finish — nothing is imported twice)."
    )
    progress_done: int = strawberry.field(description="Debtors handled so far.")
    progress_total: int | None = strawberry.field(
        description="Debtors WeFact reports in all; null until the first page is read."
    )
    created: int = _count("created", "New customers made from debtors.")
    updated: int = _count(
        "updated",
        "Existing customers whose debtor changed in WeFact/HostFact since the last import "
        "(a new Modified stamp): their name and e-mail are taken over at once, their full "
        "record is read again by `detailsRun`.",
    )
    unchanged: int = _count("unchanged", "Customers already up to date.")
    failed: int = _count("failed", "Debtors not imported; see `problems`.")

    @computed(
        "problems",
        description="Per-debtor problems, in the order found (at most 1000 are listed).",
    )
    @staticmethod
    def problems(root: Parent[models.Run]) -> list[CustomerImportProblem]:
        return [
            CustomerImportProblem(
                debtor_code=problem.get("item"), message=str(problem.get("message", ""))
            )
            for problem in root.problems
        ]

    created_at: dt.datetime = strawberry.field(
        name="requestedAt", description="When the import was requested."
    )
    started_at: dt.datetime | None = strawberry.field(description="When work started.")
    finished_at: dt.datetime | None = strawberry.field(description="When the import ended.")
    started_by = run_types.starter("Who started the import; null for the nightly import.")

    @strawberry.field(
        description="The same run in its generic form, e.g. to follow with `runProgress`.",
        graphql_type=run_types.Run,
    )
    @staticmethod
    def run(root: Parent[models.Run]) -> models.Run:
        return root

    @computed(
        "params",
        description=(
            "The background run (kind CUSTOMER_DETAILS, low priority) that reads the full "
            "records (address, country, phone, VAT and chamber-of-commerce numbers) of the "
            "customers this import created or saw change; follow it with `runProgress`. "
            "Null until the import finished, and when no customer needed its details."
        ),
        graphql_type=run_types.Run | None,
    )
    @staticmethod
    async def details_run(root: Parent[models.Run], info: Info) -> models.Run | None:
        return await relations.details_run(info, root.params.get("details_run_id"))


ImportCustomersResult = Annotated[
    CustomerImport | ConflictError | WefactConnectionError,
    strawberry.union(
        "ImportCustomersResult",
        description=(
            "The import (finished, or still running after a few seconds), a ConflictError "
            "when an import is already queued or running, or a WefactConnectionError when "
            "WeFact is not activated (NOT_ACTIVATED)."
        ),
    ),
]
