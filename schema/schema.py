"""The root schema: one Query/Mutation class per domain, composed by inheritance."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig

from schema.domain.operations import DomainMutation, DomainQuery
from schema.errors import EXCEPTION_HANDLERS
from schema.imports.operations import ImportsMutation, ImportsQuery
from schema.invoicing.operations import InvoicingMutation, InvoicingQuery
from schema.node import NodeQuery
from schema.proof.operations import ProofMutation
from schema.runs.operations import RunsQuery, RunsSubscription
from schema.tenancy import types as tenancy_types
from schema.tenancy.operations import TenancyMutation, TenancyQuery
from schema.unbilled.operations import UnbilledMutation, UnbilledQuery
from schema.wefact.operations import WefactMutation, WefactQuery

SDL_PATH = Path(__file__).with_name("schema.graphql")


@strawberry.type(description="Everything you can read.")
class Query(
    NodeQuery, TenancyQuery, DomainQuery, WefactQuery, RunsQuery, ImportsQuery, InvoicingQuery,
    UnbilledQuery,
):
    pass


@strawberry.type(description="Everything you can change.")
class Mutation(
    TenancyMutation, DomainMutation, WefactMutation, ImportsMutation, InvoicingMutation,
    UnbilledMutation, ProofMutation,
):
    pass


@strawberry.type(description="Everything you can follow live (graphql-transport-ws).")
class Subscription(RunsSubscription):
    pass


def _should_mask(error: GraphQLError) -> bool:
    """Hide server faults; keep client mistakes (validation, auth, GraphQL errors) visible."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class _ValidDocuments(SchemaExtension):
    """Skips validation of a query text this schema already found valid.

    Validation (with the depth and alias rules) walks the whole document and costs more than
    resolving a small query; clients send the same few texts over and over. strawberry's
    ``ValidationCache`` cannot help here: it keys on the rule classes, and the limiter
    extensions make new ones per request. The rules are the same for every request of one
    schema, so the query text is the key; only valid texts are remembered (bounded LRU).
    """

    def __init__(self, valid: OrderedDict[str, None], maxsize: int) -> None:
        self.valid = valid
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and query in self.valid:
            self.valid.move_to_end(query)
            context.pre_execution_errors = []  # strawberry then skips its validation
            yield
            return
        yield
        if query is not None and context.pre_execution_errors == []:
            self.valid[query] = None
            if len(self.valid) > self.maxsize:
                self.valid.popitem(last=False)


def build_schema(*, max_depth: int = 12) -> strawberry.Schema:
    """The schema with its limits: depth, aliases, tokens, and masked server faults."""
    valid_documents: OrderedDict[str, None] = OrderedDict()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[tenancy_types.Workspace],
        config=StrawberryConfig(auto_camel_case=True),
        # Domain errors become the error types a mutation's result union offers.
        exception_handlers=EXCEPTION_HANDLERS,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=30),
            lambda: MaxTokensLimiter(max_token_count=5000),
            lambda: MaskErrors(should_mask_error=_should_mask),
            # Parsing and validating the same texts again costs ~10% of a list request.
            # The parse cache keys on the text and the token limit; the limits still apply.
            lambda: ParserCache(maxsize=256),
            lambda: _ValidDocuments(valid_documents, maxsize=256),
        ],
    )


schema = build_schema()


def export_sdl() -> str:
    """The SDL as committed in ``schema/schema.graphql``."""
    return schema.as_str() + "\n"


if __name__ == "__main__":
    SDL_PATH.write_text(export_sdl())
    print(f"wrote {SDL_PATH}")
