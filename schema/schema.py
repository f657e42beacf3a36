"""The root schema: one Query/Mutation class per domain, composed by inheritance."""

from __future__ import annotations

from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.schema.config import StrawberryConfig

from graphql_api import models
from schema.domain import types as domain_types
from schema.domain.operations import DomainMutation, DomainQuery
from schema.guarded import GuardedSchema, is_server_fault
from schema.imports import types as imports_types
from schema.imports.operations import ImportsMutation, ImportsQuery
from schema.invoicing import types as invoicing_types
from schema.invoicing.operations import InvoicingMutation, InvoicingQuery
from schema.limits import DocumentCache, DocumentGuard, DocumentLimits
from schema.node import NodeQuery, register_node
from schema.runs import types as runs_types
from schema.runs.operations import RunsQuery, RunsSubscription
from schema.scalars import SCALAR_OVERRIDES
from schema.tenancy import types as tenancy_types
from schema.tenancy.operations import TenancyMutation, TenancyQuery
from schema.unbilled.operations import UnbilledMutation, UnbilledQuery
from schema.wefact.operations import WefactMutation, WefactQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")

register_node("User", models.User, tenancy_types.User.from_model)
register_node("ApiToken", models.ApiToken, tenancy_types.ApiToken.from_model)
register_node("Customer", models.Customer, domain_types.Customer.from_model)
register_node("Project", models.Project, domain_types.Project.from_model)
register_node("Activity", models.Activity, domain_types.Activity.from_model)
register_node("ExpenseCategory", models.ExpenseCategory, domain_types.ExpenseCategory.from_model)
register_node("TimeEntry", models.TimeEntry, domain_types.TimeEntry.from_model)
register_node("Expense", models.Expense, domain_types.Expense.from_model)
register_node("Trip", models.Trip, domain_types.Trip.from_model)
register_node("Run", models.Run, runs_types.Run.from_model)
register_node("Invoice", models.Invoice, invoicing_types.Invoice.from_model)
register_node("InvoiceRun", models.Run, invoicing_types.invoice_run_node)
register_node("CustomerImport", models.Run, imports_types.customer_import_node)


@strawberry.type(description="Everything you can read.")
class Query(
    NodeQuery, TenancyQuery, DomainQuery, WefactQuery, RunsQuery, ImportsQuery, InvoicingQuery,
    UnbilledQuery,
):
    pass


@strawberry.type(description="Everything you can change.")
class Mutation(
    TenancyMutation, DomainMutation, WefactMutation, ImportsMutation, InvoicingMutation,
    UnbilledMutation,
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
        extensions=[
            # First: limits apply before any other extension sees the document.
            lambda: DocumentGuard(cache, defaults),
            lambda: MaskErrors(should_mask_error=_should_mask),
        ],
    )


schema = build_schema()


def export_sdl() -> str:
    """The SDL as committed in ``schema/schema.graphql``."""
    return schema.as_str() + "\n"


if __name__ == "__main__":
    SDL_PATH.write_text(export_sdl())
    print(f"wrote {SDL_PATH}")
