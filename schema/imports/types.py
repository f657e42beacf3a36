"""Types of the customer import: ``CustomerImport`` is a typed view over a ``runs`` row."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_api import models
from schema.errors import ConflictError
from schema.relay import Node, to_global_id
from schema.runs import types as run_types
from schema.wefact.types import WefactConnectionError

if TYPE_CHECKING:
    from schema.tenancy.types import User


@strawberry.type(description="A debtor the import could not take over, and what to do about it.")
class CustomerImportProblem:
    debtor_code: str | None = strawberry.field(
        description=(
            "The debtor number it is about (`#<identifier>` for a debtor without number); "
            "null for the import as a whole (e.g. WeFact could not be reached)."
        )
    )
    message: str = strawberry.field(description="What went wrong and what to do.")


@strawberry.type(
    description=(
        "An import of customers from WeFact/HostFact debtors, matched on customer number = "
        "debtor number. Poll it with `customerImport(id:)` while `status` is QUEUED or "
        "RUNNING, or follow `run` with the `runProgress` subscription."
    )
)
class CustomerImport(Node):
    status: run_types.RunStatus = strawberry.field(  # type: ignore[valid-type]
        description="QUEUED, RUNNING, then SUCCEEDED, PARTIAL (some debtors have problems) "
        "or FAILED (stopped; run it again to finish — nothing is imported twice)."
    )
    progress_done: int = strawberry.field(description="Debtors handled so far.")
    progress_total: int | None = strawberry.field(
        description="Debtors WeFact reports in all; null until the first page is read."
    )
    created: int = strawberry.field(description="New customers made from debtors.")
    updated: int = strawberry.field(
        description="Existing customers whose WeFact fields (name, contact, address, VAT and "
        "chamber-of-commerce numbers) changed."
    )
    unchanged: int = strawberry.field(description="Customers already up to date.")
    failed: int = strawberry.field(description="Debtors not imported; see `problems`.")
    problems: list[CustomerImportProblem] = strawberry.field(
        description="Per-debtor problems, in the order found (at most 1000 are listed)."
    )
    requested_at: dt.datetime = strawberry.field(description="When the import was requested.")
    started_at: dt.datetime | None = strawberry.field(description="When work started.")
    finished_at: dt.datetime | None = strawberry.field(description="When the import ended.")
    started_by_pk: strawberry.Private[int | None]
    row: strawberry.Private[models.Run]

    @strawberry.field(description="Who started the import; null for the nightly import.")
    async def started_by(
        self, info: strawberry.Info
    ) -> Annotated[User, strawberry.lazy("schema.tenancy.types")] | None:
        from resolvers.runs import resolve_started_by

        return await resolve_started_by(info, self.started_by_pk)

    @strawberry.field(
        description="The same run in its generic form, e.g. to follow with `runProgress`."
    )
    def run(self) -> run_types.Run:
        return run_types.Run.from_model(self.row)

    @classmethod
    def from_model(cls, row: models.Run) -> CustomerImport:
        counts = row.counts
        return cls(
            id=to_global_id("CustomerImport", row.id),
            status=row.status,
            progress_done=row.progress_done,
            progress_total=row.progress_total,
            created=int(counts.get("created", 0)),
            updated=int(counts.get("updated", 0)),
            unchanged=int(counts.get("unchanged", 0)),
            failed=int(counts.get("failed", 0)),
            problems=[
                CustomerImportProblem(
                    debtor_code=problem.get("item"), message=str(problem.get("message", ""))
                )
                for problem in row.problems
            ],
            requested_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            started_by_pk=row.started_by_user_id,
            row=row,
        )


def customer_import_node(row: models.Run) -> Node | None:
    """``node(id:)`` for "CustomerImport" ids: runs of other kinds are not imports."""
    if row.kind is not models.RunKind.CUSTOMER_IMPORT:
        return None
    return CustomerImport.from_model(row)


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
