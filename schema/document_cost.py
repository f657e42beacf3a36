"""What a GraphQL document may cost, measured in one linear pass before validation.

strawberry's depth and alias limiters walk a fragment again at every spread, so a document of
fragments that each spread the next one twice costs 2ⁿ steps before anything is refused. Here
every fragment is measured once (in dependency order, so no fragment is re-entered) and its
figures are reused at every spread; the whole pass is linear in the size of the document.

The figures:

- ``depth``: nesting of fields that have a selection set (leaf fields count 0), as strawberry's
  ``QueryDepthLimiter`` counted it, so the limit keeps its meaning;
- ``selections`` / ``aliases``: fields, fragment spreads and inline fragments once fragments
  are expanded; they bound what graphql-core's validation rules (and the executor) walk;
- ``merge_pairs``: Σ n² over response paths, n being how many fields share that path once
  fragments are expanded. ``OverlappingFieldsCanBeMerged`` compares such fields pairwise
  (400 unaliased ``timeEntries`` root fields took seconds, and 20 ``project`` fields with 20
  ``customer`` fields each half a second): this is an upper bound of its work;
- ``cost``: the most objects the response may contain. A connection (or a list with a
  ``first`` argument) returns up to its ``first`` (literal, variable, or the argument's
  default; ``page_size`` when there is none) and every object under it counts that many
  times, as GitHub's node limit and Saleor's query cost do; the ``edges`` of a connection are
  bounded by the connection's ``first``, not again. A plain list without ``first`` (an
  invoice's lines, a run's problems) has no size the document can state: it counts
  ``plain_list_size``, an estimate of such lists in this domain (Saleor does not multiply
  them at all); their real sizes are bounded by the data (a run covers at most 1,000
  registrations) and the request time limit stops the rest.
  Introspection is counted exactly against the schema (``schema.introspection_cost``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)

from schema.introspection_cost import IntrospectionCounter

# graphql-core's Int literals are at most 32 bits; longer digit strings are not worth parsing.
_MAX_INT_DIGITS = 10
_HUGE = 10_000_000_000


class FragmentCycle(Exception):
    """A fragment spreads itself, directly or through others (the document is invalid)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Tally:
    """The figures of one selection set (or fragment), with lists counted once."""

    depth: int = 0
    selections: int = 0
    aliases: int = 0
    cost: int = 0

    def add(self, other: Tally) -> None:
        """Merge a fragment or inline fragment that is spread into this set."""
        self.depth = max(self.depth, other.depth)
        self.selections += other.selections
        self.aliases += other.aliases
        self.cost += other.cost


@dataclass(frozen=True)
class Measure:
    """The figures of the operation that will run (and of everything validation will walk)."""

    depth: int
    selections: int
    aliases: int
    cost: int
    # Pairs of same-named fields that validation may compare (0 when not measured), and
    # the response path selected most often.
    merge_pairs: int = 0
    busiest_path: str | None = None
    busiest_count: int = 0


class DocumentMeasurer:
    """Measures one document for one request (variables can set ``first``)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        *,
        page_size: int,
        plain_list_size: int,
        cost_budget: int,
    ) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.page_size = page_size
        self.plain_list_size = plain_list_size
        self.cost_budget = cost_budget
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        self.operations: list[OperationDefinitionNode] = []
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments.setdefault(definition.name.value, definition)
            elif isinstance(definition, OperationDefinitionNode):
                self.operations.append(definition)
        self.variable_defaults: dict[str, Any] = {}
        self.memo: dict[str, Tally] = {}
        self.introspection = IntrospectionCounter(schema, self.fragments, self.variables)

    def measure(self, operation: OperationDefinitionNode | None, *, max_selections: int) -> Measure:
        """Figures of ``operation``. Selections and aliases count every definition (validation
        walks them all); merge pairs are only counted when the selections are within
        ``max_selections``, since counting them expands the document."""
        for candidate in [operation, *self.operations]:
            if candidate is not None:
                self._collect_defaults(candidate)
        for name in self._dependency_order():
            definition = self.fragments[name]
            parent = self.schema.get_type(definition.type_condition.name.value)
            self.memo[name] = self._selection_set(
                definition.selection_set, parent, page_size=None
            )
        selections = sum(t.selections for t in self.memo.values())
        aliases = sum(t.aliases for t in self.memo.values())
        chosen = Tally()
        for candidate in self.operations:
            root = self.schema.get_root_type(candidate.operation)
            tally = self._selection_set(candidate.selection_set, root, page_size=None)
            if candidate is operation:
                chosen = tally
            selections += tally.selections
            aliases += tally.aliases
        measure = Measure(
            depth=chosen.depth, selections=selections, aliases=aliases, cost=chosen.cost
        )
        if selections > max_selections:
            return measure
        paths: Counter[tuple[str, ...]] = Counter()
        definitions: list[OperationDefinitionNode | FragmentDefinitionNode] = [
            *self.operations,
            *self.fragments.values(),
        ]
        for owner in definitions:
            paths += _response_paths(owner.selection_set, self.fragments)
        if not paths:
            return measure
        busiest, count = paths.most_common(1)[0]
        return replace(
            measure,
            merge_pairs=sum(n * n for n in paths.values()),
            busiest_path=".".join(busiest),
            busiest_count=count,
        )

    # -- fragments in dependency order -------------------------------------------------

    def _dependency_order(self) -> list[str]:
        """Fragment names so that each comes after every fragment it spreads (iterative DFS,
        so a long chain of fragments cannot exhaust the interpreter's stack)."""
        spreads = {
            name: [c for c in dict.fromkeys(_spread_names(f.selection_set)) if c in self.fragments]
            for name, f in self.fragments.items()
        }
        order: list[str] = []
        state: dict[str, int] = {}  # 1: on the stack, 2: done
        for start in self.fragments:
            if state.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            state[start] = 1
            while stack:
                name, index = stack[-1]
                children = spreads[name]
                if index < len(children):
                    stack[-1] = (name, index + 1)
                    child = children[index]
                    if state.get(child) == 1:
                        raise FragmentCycle(child)
                    if not state.get(child):
                        state[child] = 1
                        stack.append((child, 0))
                else:
                    stack.pop()
                    state[name] = 2
                    order.append(name)
        return order

    # -- selection sets ------------------------------------------------------------------

    def _selection_set(
        self, selection_set: SelectionSetNode, parent: Any, *, page_size: int | None
    ) -> Tally:
        """``page_size``: set inside a connection, the ``first`` of its field (its ``edges``
        list holds that many)."""
        tally = Tally()
        for selection in selection_set.selections:
            tally.selections += 1
            if isinstance(selection, FieldNode):
                self._field(tally, selection, parent, page_size=page_size)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.memo.get(selection.name.value)
                if fragment is not None:  # an unknown fragment is validation's to report
                    tally.add(fragment)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                scope = self.schema.get_type(condition.name.value) if condition else parent
                tally.add(self._selection_set(selection.selection_set, scope, page_size=page_size))
        return tally

    def _field(self, tally: Tally, node: FieldNode, parent: Any, *, page_size: int | None) -> None:
        name = node.name.value
        if node.alias:
            tally.aliases += 1
        if node.selection_set is None:
            return
        if name in ("__schema", "__type"):
            # Introspection: counted exactly, bounded by the schema itself; ignored for depth
            # as strawberry's limiter did (GraphiQL's query nests deeper than data queries).
            sub = self._selection_set(node.selection_set, None, page_size=None)
            tally.selections += sub.selections
            tally.aliases += sub.aliases
            tally.cost += self.introspection.root(node, budget=self.cost_budget)
            return
        definition = _field_definition(parent, name)
        returns = get_named_type(definition.type) if definition else None
        if returns is not None and _is_connection(returns):
            # One connection object; its `first` is how many edges (and nodes) it holds.
            assert definition is not None
            page = self._first(definition, node) if "first" in definition.args else None
            sub = self._selection_set(
                node.selection_set, returns, page_size=self.page_size if page is None else page
            )
            times = 1
        else:
            sub = self._selection_set(node.selection_set, returns, page_size=None)
            times = self._list_factor(definition, node, page_size=page_size)
        objects = times if returns is not None and is_composite_type(returns) else 0
        tally.depth = max(tally.depth, 1 + sub.depth)
        tally.selections += sub.selections
        tally.aliases += sub.aliases
        tally.cost += objects + times * sub.cost

    # -- list sizes ------------------------------------------------------------------------

    def _list_factor(
        self, definition: GraphQLField | None, node: FieldNode, *, page_size: int | None
    ) -> int:
        """How many values one such field may return per parent object."""
        if definition is None or not _is_list(definition.type):
            return 1
        if page_size is not None:
            return page_size  # `edges` / `nodes` of a connection
        if "first" in definition.args:
            return self._first(definition, node)
        return self.plain_list_size

    def _first(self, definition: GraphQLField, node: FieldNode) -> int:
        argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
        value: Any = None
        if argument is not None:
            literal = argument.value
            if isinstance(literal, IntValueNode):
                value = _int_literal(literal.value)
            elif isinstance(literal, VariableNode):
                name = literal.name.value
                value = self.variables.get(name, self.variable_defaults.get(name))
        else:
            value = definition.args["first"].default_value
        if isinstance(value, bool) or not isinstance(value, int):
            return self.page_size  # not an int: validation or the resolver will refuse it
        return max(value, 0)

    def _collect_defaults(self, operation: OperationDefinitionNode) -> None:
        for variable in operation.variable_definitions or ():
            default = variable.default_value
            name = variable.variable.name.value
            if isinstance(default, IntValueNode) and name not in self.variable_defaults:
                self.variable_defaults[name] = _int_literal(default.value)


def _response_paths(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Counter[tuple[str, ...]]:
    """How many fields each response path has once fragments are expanded (iteratively; the
    caller has checked that the expansion is small)."""
    paths: Counter[tuple[str, ...]] = Counter()
    pending: list[tuple[SelectionSetNode, tuple[str, ...]]] = [(selection_set, ())]
    while pending:
        current, prefix = pending.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                path = (*prefix, selection.alias.value if selection.alias else selection.name.value)
                paths[path] += 1
                if selection.selection_set is not None:
                    pending.append((selection.selection_set, path))
            elif isinstance(selection, InlineFragmentNode):
                pending.append((selection.selection_set, prefix))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append((fragment.selection_set, prefix))
    return paths


def _spread_names(selection_set: SelectionSetNode) -> Iterable[str]:
    """Every fragment spread inside a selection set (iteratively, any depth)."""
    pending = [selection_set]
    while pending:
        current = pending.pop()
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)


def _field_definition(parent: Any, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    if not isinstance(fields, Mapping):
        return None
    found = fields.get(name)
    return found if isinstance(found, GraphQLField) else None


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _is_connection(type_: GraphQLNamedType) -> bool:
    """A Relay connection: its ``edges`` list is bounded by the ``first`` of the field."""
    fields = getattr(type_, "fields", None)
    return type_.name.endswith("Connection") and isinstance(fields, Mapping) and "edges" in fields


def _int_literal(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > _MAX_INT_DIGITS:
        return _HUGE  # absurd; counted as huge without parsing it
    return int(text)
