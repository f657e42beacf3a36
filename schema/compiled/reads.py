"""When a request is answered by a compiled statement, and what runs before it.

``CompiledReads.execute`` answers (an ``ExecutionResult`` the view sends as it sends any) or
returns None, and the request takes the normal path unchanged. It answers only when all of
this holds, so nothing is decided twice:

- ``COMPILED_READS`` is on and the request came with a valid token (else the normal path
  answers the authentication error);
- the text is in the schema's document cache and already passed validation under the same
  rules (``DocumentGuard`` marks it): the first request of a text validates on the normal
  path, later ones reuse that verdict exactly as the normal path does;
- (the rest is decided once per request shape — text, operation, variables, the caller's
  workspace and role, the limits — and kept in an LRU of plans)
- the same limit checks as ``DocumentGuard`` pass (``schema.limits.check_document``: depth,
  aliases, cost with these variables, NULs in strings), and the variables coerce as
  graphql-core's executor coerces them;
- it is a query whose every root field the compiler covers, with no directive but
  @skip/@include, every permission class and read rule allows this caller's role, and the
  arguments raise no domain error (a bad cursor, `first`, filter id): the normal path
  answers those errors with its own words.

The response is the statement's JSON, decoded and handed to the view: written by the same
encoder as every other answer, with the same ``extensions``.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.values import get_variable_values
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from strawberry.types import ExecutionResult

from graphql_api.db import autocommit
from graphql_api.services.auth import Caller
from resolvers.context import Context
from resolvers.pagination import Listing
from schema.compiled.builder import Operation, compile_query
from schema.compiled.errors import Unsupported
from schema.document_cost import Measure
from schema.guarded import GuardedSchema
from schema.limits import (
    CachedDocument,
    DocumentLimits,
    check_document,
    cost_extension,
    note_for_access_log,
)

logger = logging.getLogger(__name__)

SUPPORTED_DIRECTIVES = frozenset({"skip", "include"})
PLAN_CACHE_SIZE = 500
"""Plans kept for requests that come again (LRU): a statement tree is tens of kB."""


@dataclass(frozen=True)
class Statement:
    """A compiled statement as the driver takes it: its SQL and its positional values (the
    plan belongs to one request shape, so its values are fixed too; compiling once spares
    SQLAlchemy's per-execution cache lookup)."""

    sql: str
    values: tuple[Any, ...]

    @classmethod
    def of(cls, select: Select[Any], dialect: Dialect) -> Statement:
        """``select`` compiled for ``dialect``, its values processed as SQLAlchemy would
        (e.g. enums to their names)."""
        compiled = select.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params() or {}
        # What execution applies: the processors of the plain values, and those of the values
        # an expanding IN was rendered into (``status_1`` → ``status_1_1``, ``status_1_2``),
        # which only the expanded state knows.
        expanded = compiled._post_compile_expanded_state
        processors = {**compiled._bind_processors, **(expanded.processors if expanded else {})}
        values = []
        for name in compiled.positiontup or ():
            value = params[name]
            processor = processors.get(name)
            if processor is not None:
                if not callable(processor):
                    raise Unsupported("a tuple-typed value")
                value = processor(value)
            values.append(value)
        return cls(str(compiled), tuple(values))


@dataclass(frozen=True)
class Plan:
    """What one request shape compiles to: the statement (None: the normal path answers)
    and what the access line and ``extensions`` report."""

    statement: Statement | None
    operation: OperationDefinitionNode | None = None
    measure: Measure | None = None
    extensions: dict[str, Any] | None = None


NOT_COMPILED = Plan(None)


class CompiledReads:
    """Answers the queries the compiler covers with one statement (see the module)."""

    def __init__(
        self, schema: GuardedSchema, listings: Mapping[str, Callable[..., Listing]]
    ) -> None:
        self.schema = schema
        self.listings = listings
        self.plans: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
        self._configured: tuple[tuple[Any, ...], DocumentLimits] | None = None

    async def execute(
        self,
        context: Context,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """The answer, or None for the normal path."""
        plan = self._plan(context, query, operation_name, variables)
        if plan.statement is None or plan.measure is None:
            return None
        note_for_access_log(context, plan.operation, plan.measure)
        try:
            # One statement reads one snapshot: no transaction around it (no BEGIN/COMMIT
            # round trips).
            async with autocommit(context.state.engine).connect() as connection:
                result = await connection.exec_driver_sql(
                    plan.statement.sql, plan.statement.values
                )
                text = result.scalar_one()
        except SQLAlchemyError as exc:
            # A statement the database refused is our fault; the normal path still answers.
            logger.warning(
                "compiled read failed (%s); answering on the normal path", type(exc).__name__
            )
            return None
        return ExecutionResult(data=json.loads(text), errors=None, extensions=plan.extensions)

    def _plan(
        self,
        context: Context,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> Plan:
        """The plan of this request, from the cache when the same request shape came before:
        it depends on nothing but the text, the operation, the variables, the caller's
        workspace and role, and the limits. Whether the text passed validation is asked
        every time (the document cache may have dropped it)."""
        settings = context.state.settings
        caller = context.caller
        if not settings.compiled_reads or caller is None:
            return NOT_COMPILED
        limits = self._limits(settings)
        entry = (
            self.schema.documents.get(query, limits.max_tokens)
            if len(query) <= limits.max_length
            else None
        )
        if entry is None or limits.introspection not in entry.valid_under:
            return NOT_COMPILED
        try:
            values = json.dumps(variables, sort_keys=True)
        except (TypeError, ValueError):  # e.g. an Upload: never a read the compiler covers
            return NOT_COMPILED
        key = (query, operation_name, values, caller.workspace_id, caller.role, limits)
        plan = self.plans.get(key)
        if plan is not None:
            self.plans.move_to_end(key)
            return plan
        plan = self._compile(entry, context, caller, operation_name, variables, limits)
        self.plans[key] = plan
        if len(self.plans) > PLAN_CACHE_SIZE:
            self.plans.popitem(last=False)
        return plan

    def _limits(self, settings: Any) -> DocumentLimits:
        """The configured limits, made again only when a setting they read changed."""
        key = (
            settings.graphql_max_query_length, settings.graphql_max_depth,
            settings.graphql_max_cost, settings.graphql_document_cache_bytes,
            settings.graphql_introspection,
        )
        if self._configured is None or self._configured[0] != key:
            self._configured = (key, self.schema.default_limits.configured(settings))
        return self._configured[1]

    def _compile(  # noqa: PLR0917 - the request's parts, passed on once
        self, entry: CachedDocument, context: Context, caller: Caller,
        operation_name: str | None, variables: dict[str, Any] | None, limits: DocumentLimits,
    ) -> Plan:
        """Every check of the module docstring, then the statement."""
        document = entry.document
        if entry.compilable is None:
            entry.compilable = _only_plain_directives(document)
        operation = _operation(document, operation_name) if entry.compilable else None
        if operation is None:
            return NOT_COMPILED
        measure, refusal = check_document(
            self.schema._schema, document, operation_name=operation_name,
            variables=variables, limits=limits, context=context,
        )
        coerced = get_variable_values(
            self.schema._schema, operation.variable_definitions or (), variables or {}
        )
        if measure is None or refusal is not None or isinstance(coerced, list):
            return NOT_COMPILED  # refused, or variables that do not coerce: the normal path
        fragments = {
            d.name.value: FragmentDetails(d)
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        try:
            select = compile_query(
                Operation(self.schema, fragments, coerced, operation, caller, self.listings)
            )
            statement = Statement.of(select, context.state.engine.dialect)
        except Unsupported as why:
            logger.debug("not compiled: %s", why)
            return NOT_COMPILED
        return Plan(statement, operation, measure, cost_extension(measure, limits))


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The one query operation the request runs, else None."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    return operations[0]


def _only_plain_directives(document: DocumentNode) -> bool:
    """True when no operation, fragment or field carries a directive but @skip/@include,
    and no fragment declares variables (one pass over the document, once per text)."""

    def plain(directives: Iterable[Any] | None) -> bool:
        return all(d.name.value in SUPPORTED_DIRECTIVES for d in directives or ())

    def walk(selection_set: SelectionSetNode | None) -> bool:
        if selection_set is None:
            return True
        for selection in selection_set.selections:
            if not plain(selection.directives):
                return False
            if isinstance(selection, FieldNode | InlineFragmentNode):
                if not walk(selection.selection_set):
                    return False
            elif not isinstance(selection, FragmentSpreadNode) or selection.arguments:
                return False
        return True

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if not plain(definition.directives) or any(
                v.directives for v in definition.variable_definitions or ()
            ):
                return False
        elif isinstance(definition, FragmentDefinitionNode):
            if definition.variable_definitions or not plain(definition.directives):
                return False
        else:
            return False
        if not walk(definition.selection_set):
            return False
    return True
