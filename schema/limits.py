"""Bounds on what one GraphQL document may cost, enforced before graphql-core validates it.

``DocumentGuard`` is the schema extension that replaces strawberry's depth, alias and token
limiters and its parser cache. Per request it:

1. refuses a text longer than ``max_length`` characters or with more than ``max_tokens``
   tokens (graphql-core stops lexing there), and parses through ``DocumentCache``, an LRU
   bounded in (estimated) bytes;
2. refuses a document with several operations and no ``operationName`` (HTTP 400, like an
   unknown ``operationName``) instead of running the first;
3. measures depth, expanded fields and aliases, repeated response names and the cost (the
   objects the response may hold) in one linear pass (``schema.document_cost``) and refuses
   anything over its limit, before any validation rule runs;
4. refuses NUL characters and lone surrogates in any string input (``schema.input_text``);
5. validates (introspection rule added when switched off), skipping texts already found valid
   under the same rules;
6. reports ``{"cost": {"requested": N, "limit": M}}`` in the response ``extensions``.

Limits come from the request context's settings (``Context.state.settings``) when there is
one, else from the defaults the schema was built with.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError

from graphql_api.errors import RequestCode
from schema.document_cost import DocumentMeasurer, FragmentCycle, Measure
from schema.input_text import check_literals, check_variables

# Measured with tracemalloc: a parsed document holds ≈115 bytes per character of its text
# (tokens, nodes, locations). The cache estimates an entry's size from its text this way.
AST_BYTES_PER_CHARACTER = 120
LIMIT_CODE = RequestCode.QUERY_TOO_COMPLEX.name


@dataclass(frozen=True)
class DocumentLimits:
    """What one document may cost; every figure is explained in ``schema.document_cost``."""

    max_length: int = 100_000
    max_tokens: int = 5_000
    max_depth: int = 12
    max_aliases: int = 30
    max_selections: int = 2_000
    max_merge_pairs: int = 50_000
    max_cost: int = 25_000
    page_size: int = 100  # a connection without `first` (the largest page)
    plain_list_size: int = 10  # a list without `first`: an estimate, see document_cost
    cache_bytes: int = 64 * 1024 * 1024
    introspection: bool = True

    def configured(self, settings: Any) -> DocumentLimits:
        """These limits with what a deployment configured (see ``graphql_api.settings``)."""
        return replace(
            self,
            max_length=settings.graphql_max_query_length,
            max_depth=settings.graphql_max_depth,
            max_cost=settings.graphql_max_cost,
            cache_bytes=settings.graphql_document_cache_bytes,
            introspection=settings.graphql_introspection,
        )


class AmbiguousOperation(CannotGetOperationTypeError):
    """Several operations and no ``operationName``: strawberry would silently run the first.

    Raised as the exception strawberry's HTTP view already answers with 400.
    """

    def __init__(self, count: int) -> None:
        super().__init__(None)
        self.count = count

    def as_http_error_reason(self) -> str:
        return (
            f"The document contains {self.count} operations: "
            "name the one to run in `operationName`."
        )


@dataclass
class CachedDocument:
    """A parsed text in the cache, with what was learnt of it."""

    document: DocumentNode
    size: int
    # Validation configurations (introspection allowed or not) this text passed.
    valid_under: set[bool] = field(default_factory=set)
    # What the compiled reads learnt of the document once (``schema.compiled.reads``).
    compilable: bool | None = None


class DocumentCache:
    """Parsed documents by (text, token limit), least recently used first out, bounded by the
    estimated bytes of the entries (a few distinct 10 MB texts once kept 600 MB alive)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, int], CachedDocument] = OrderedDict()
        self.bytes = 0

    def get(self, text: str, max_tokens: int) -> CachedDocument | None:
        entry = self.entries.get((text, max_tokens))
        if entry is not None:
            self.entries.move_to_end((text, max_tokens))
        return entry

    def parse(self, text: str, limits: DocumentLimits) -> CachedDocument:
        """The cached entry, or parse (raising ``GraphQLError``) and remember it."""
        entry = self.get(text, limits.max_tokens)
        if entry is not None:
            return entry
        document = parse(text, max_tokens=limits.max_tokens)
        entry = CachedDocument(document, size=len(text) * (AST_BYTES_PER_CHARACTER + 1))
        if entry.size <= limits.cache_bytes:
            self.entries[(text, limits.max_tokens)] = entry
            self.bytes += entry.size
            while self.bytes > limits.cache_bytes:
                _, evicted = self.entries.popitem(last=False)
                self.bytes -= evicted.size
        return entry


def refused(message: str, **extensions: Any) -> GraphQLError:
    """A client error for a document over a limit."""
    return GraphQLError(message, extensions={"code": LIMIT_CODE, **extensions})


class DocumentGuard(SchemaExtension):
    """Limits, parse cache and validation cache for one request (see the module docstring)."""

    def __init__(self, cache: DocumentCache, defaults: DocumentLimits) -> None:
        self.cache = cache
        self.defaults = defaults
        self.limits = defaults
        self.entry: CachedDocument | None = None
        self.measure: Measure | None = None

    def _current_limits(self) -> DocumentLimits:
        settings = getattr(getattr(self.execution_context.context, "state", None), "settings", None)
        return self.defaults if settings is None else self.defaults.configured(settings)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        self.limits = limits = self._current_limits()
        query = context.query
        if query is not None:
            if len(query) > limits.max_length:
                # Raised as a syntax error is: a client mistake, answered before lexing.
                raise refused(
                    f"The query text has {len(query):,} characters; at most "
                    f"{limits.max_length:,} are allowed."
                )
            self.entry = self.cache.parse(query, limits)
            context.graphql_document = self.entry.document
            _require_operation_name(self.entry.document, context._provided_operation_name)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            yield
            return
        error = self._check(document)
        if error is not None:
            context.pre_execution_errors = [error]
            yield
            return
        if not self.limits.introspection:
            context.validation_rules = (*context.validation_rules, NoSchemaIntrospectionCustomRule)
        entry = self.entry
        if entry is not None and self.limits.introspection in entry.valid_under:
            context.pre_execution_errors = []  # strawberry then skips its validation
            yield
            return
        yield
        if entry is not None and context.pre_execution_errors == []:
            entry.valid_under.add(self.limits.introspection)

    def _check(self, document: DocumentNode) -> GraphQLError | None:
        context = self.execution_context
        self.measure, error = check_document(
            context.schema._schema, document, operation_name=context._provided_operation_name,
            variables=context.variables, limits=self.limits, context=context.context,
        )
        return error

    def get_results(self) -> dict[str, Any]:
        if self.measure is None:
            return {}
        return cost_extension(self.measure, self.limits)


def cost_extension(measure: Measure, limits: DocumentLimits) -> dict[str, Any]:
    """The response's ``extensions``: what the document may cost, and the limit."""
    return {"cost": {"requested": measure.cost, "limit": limits.max_cost}}


def check_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    limits: DocumentLimits,
    context: Any,
) -> tuple[Measure | None, GraphQLError | None]:
    """Steps 3 and 4 of the module docstring for one request: the measure (None when the
    document could not be measured) and the refusal, if any. The compiled reads
    (``schema.compiled``) run this same check before they answer."""
    operation = _chosen_operation(document, operation_name)
    try:
        measure = DocumentMeasurer(
            schema,
            document,
            variables,
            page_size=limits.page_size,
            plain_list_size=limits.plain_list_size,
            cost_budget=limits.max_cost,
        ).measure(operation, max_selections=limits.max_selections)
    except FragmentCycle as cycle:
        refusal = f"Fragment `{cycle.name}` spreads itself (directly or through others)."
        return None, refused(refusal)
    except RecursionError:
        return None, refused("The document nests fragments too deeply.")
    note_for_access_log(context, operation, measure)
    return measure, _over_limit(measure, limits) or _bad_text(variables, document)


def note_for_access_log(
    context: Any, operation: OperationDefinitionNode | None, measure: Measure
) -> None:
    """Operation name, type and cost for the request's access line (never the text)."""
    record = getattr(context, "request_log", None)
    if record is None:
        return
    record.cost = measure.cost
    if operation is not None:
        record.operation_type = operation.operation.value
        if record.operation is None and operation.name is not None:
            record.operation = operation.name.value


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _require_operation_name(document: DocumentNode, operation_name: str | None) -> None:
    operations = _operations(document)
    if operation_name is None and len(operations) > 1:
        raise AmbiguousOperation(len(operations))


def _chosen_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    for operation in _operations(document):
        if operation_name is None or (operation.name and operation.name.value == operation_name):
            return operation
    return None


def _over_limit(measure: Measure, limits: DocumentLimits) -> GraphQLError | None:
    if measure.selections > limits.max_selections:
        return refused(
            f"The document has {measure.selections:,} selections once its fragments are "
            f"expanded; at most {limits.max_selections:,} are allowed."
        )
    if measure.aliases > limits.max_aliases:
        return refused(
            f"{measure.aliases:,} aliases found; at most {limits.max_aliases} are allowed."
        )
    if measure.merge_pairs > limits.max_merge_pairs:
        return refused(
            f"`{measure.busiest_path}` is selected {measure.busiest_count:,} times; fields "
            f"selected this often cost {measure.merge_pairs:,} comparisons to validate, at most "
            f"{limits.max_merge_pairs:,} are allowed. Select each field once."
        )
    if measure.depth > limits.max_depth:
        return refused(
            f"The query nests {measure.depth} levels deep; at most {limits.max_depth} are allowed."
        )
    if measure.cost > limits.max_cost:
        return refused(
            f"The query may return {measure.cost:,} objects; at most {limits.max_cost:,} are "
            "allowed. Ask for smaller pages (`first`) or fewer nested lists.",
            cost={"requested": measure.cost, "limit": limits.max_cost},
        )
    return None


def _bad_text(variables: dict[str, Any] | None, document: DocumentNode) -> GraphQLError | None:
    problem = check_variables(variables) or check_literals(document)
    if problem is None:
        return None
    return GraphQLError(
        problem.message,
        extensions={"code": RequestCode.INVALID_INPUT.name, "field": problem.field},
    )
