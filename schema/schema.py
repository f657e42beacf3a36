"""The root schema: one Query/Mutation class per domain, composed by inheritance."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.schema.config import StrawberryConfig

from schema.compiled.reads import CompiledReads
from schema.domain import operations as domain_operations
from schema.domain.operations import DomainMutation, DomainQuery
from schema.errors import EXCEPTION_HANDLERS
from schema.guarded import GuardedSchema, is_server_fault
from schema.imports.operations import ImportsMutation, ImportsQuery
from schema.invoicing import operations as invoicing_operations
from schema.invoicing.operations import InvoicingMutation, InvoicingQuery
from schema.limits import DocumentCache, DocumentGuard, DocumentLimits
from schema.node import NodeQuery
from schema.proof.operations import ProofMutation
from schema.runs.operations import RunsQuery, RunsSubscription
from schema.scalars import SCALAR_OVERRIDES
from schema.tenancy import types as tenancy_types
from schema.tenancy.operations import TenancyMutation, TenancyQuery
from schema.unbilled.operations import UnbilledMutation, UnbilledQuery
from schema.webhooks.operations import WebhooksMutation, WebhooksQuery
from schema.wefact.operations import WefactMutation, WefactQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")


@strawberry.type(description="Everything you can read.")
class Query(
    NodeQuery, TenancyQuery, DomainQuery, WefactQuery, RunsQuery, ImportsQuery, InvoicingQuery,
    UnbilledQuery, WebhooksQuery,
):
    pass


@strawberry.type(description="Everything you can change.")
class Mutation(
    TenancyMutation, DomainMutation, WefactMutation, ImportsMutation, InvoicingMutation,
    UnbilledMutation, ProofMutation, WebhooksMutation,
):
    pass


@strawberry.type(description="Everything you can follow live (graphql-transport-ws).")
class Subscription(RunsSubscription):
    pass


def _should_mask(error: GraphQLError) -> bool:
    """Hide server faults; keep client mistakes (validation, auth, GraphQL errors) visible."""
    return is_server_fault(error)


def build_schema(*, max_depth: int = 12) -> GuardedSchema:
    """The schema with its limits (``schema.limits``) and masked server faults.

    Requests served by our app take their limits from the settings; ``max_depth`` is the
    default for everything else (scripts, tests executing the schema directly).
    """
    cache = DocumentCache()
    defaults = DocumentLimits(max_depth=max_depth)
    return GuardedSchema(
        documents=cache,
        limits=defaults,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[tenancy_types.Workspace],
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides=SCALAR_OVERRIDES,
        # Domain errors become the error types a mutation's result union offers.
        exception_handlers=EXCEPTION_HANDLERS,
        extensions=[
            # First: limits apply before any other extension sees the document.
            lambda: DocumentGuard(cache, defaults),
            lambda: MaskErrors(should_mask_error=_should_mask),
        ],
    )


schema = build_schema()

compiled_reads = CompiledReads(
    schema, {**domain_operations.LISTINGS, **invoicing_operations.LISTINGS}
)
"""The lists and node lookups answered with one SQL statement (``schema.compiled``)."""


def export_sdl() -> str:
    """The SDL as committed in ``schema/schema.graphql``."""
    return schema.as_str() + "\n"


if __name__ == "__main__":
    SDL_PATH.write_text(export_sdl())
    print(f"wrote {SDL_PATH}")
