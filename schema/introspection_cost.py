"""The exact number of objects an introspection selection returns, without executing it.

Introspection lists (types → fields → type → fields …) multiply like any list, but a flat
guess per list (100) would refuse GraphiQL's own introspection query, and a guess from the
schema's largest list would still allow nestings that run for seconds (graphql-core resolves
introspection synchronously, blocking the event loop). The schema is known, so the count can
be exact: walk the schema objects the selection reaches, memoised per (object, selection set),
and stop as soon as the work exceeds the budget (each step adds at least one object to the
total, so a stopped count is over the budget too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    is_abstract_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_object_type,
    is_wrapping_type,
)

Children = tuple[str, Sequence[Any]] | None


class _OverBudget(Exception):
    pass


class IntrospectionCounter:
    """Counts ``__schema`` / ``__type`` selections of one document."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.memo: dict[tuple[str, int, int], int] = {}
        self.work = 0
        self.budget = 0

    def root(self, node: FieldNode, *, budget: int) -> int:
        """Objects returned by one root introspection field; ``budget + 1`` when over it."""
        if node.selection_set is None:
            return 0
        self.budget = budget
        kind: str
        obj: Any
        if node.name.value == "__schema":
            kind, obj = "schema", self.schema
        else:
            type_ = self.schema.get_type(self._type_name(node) or "")
            if type_ is None:
                return 0
            kind, obj = "type", type_
        try:
            return 1 + self._count(kind, obj, node.selection_set)
        except _OverBudget:
            return budget + 1

    def _type_name(self, node: FieldNode) -> str | None:
        argument = next((a for a in node.arguments or () if a.name.value == "name"), None)
        if argument is None:
            return None
        if isinstance(argument.value, StringValueNode):
            return argument.value.value
        if isinstance(argument.value, VariableNode):
            value = self.variables.get(argument.value.name.value)
            return value if isinstance(value, str) else None
        return None

    def _count(self, kind: str, obj: Any, selection_set: SelectionSetNode) -> int:
        key = (kind, id(obj), id(selection_set))
        known = self.memo.get(key)
        if known is not None:
            return known
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                children = self._children(kind, obj, selection.name.value)
                if children is None or selection.selection_set is None:
                    continue
                child_kind, values = children
                for value in values:
                    self.work += 1
                    if self.work > self.budget:
                        raise _OverBudget
                    total += 1 + self._count(child_kind, value, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    total += self._count(kind, obj, fragment.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self._count(kind, obj, selection.selection_set)
        self.memo[key] = total
        return total

    def _children(self, kind: str, obj: Any, name: str) -> Children:  # noqa: PLR0911
        """The objects an introspection field returns (as graphql-core resolves them)."""
        if kind == "schema":
            return self._schema_children(obj, name)
        if kind == "type":
            return self._type_children(obj, name)
        if kind == "field":
            if name == "args":
                return "input_value", list(obj.args.values())
            if name == "type":
                return "type", [obj.type]
            return None
        if kind == "input_value":
            return ("type", [obj.type]) if name == "type" else None
        if kind == "directive" and name == "args":
            return "input_value", list(obj.args.values())
        return None

    @staticmethod
    def _schema_children(schema: GraphQLSchema, name: str) -> Children:
        if name == "types":
            return "type", list(schema.type_map.values())
        if name == "directives":
            return "directive", list(schema.directives)
        roots = {
            "queryType": schema.query_type,
            "mutationType": schema.mutation_type,
            "subscriptionType": schema.subscription_type,
        }
        if name in roots:
            root = roots[name]
            return "type", [root] if root is not None else []
        return None

    def _type_children(self, type_: Any, name: str) -> Children:  # noqa: PLR0911
        has_fields = is_object_type(type_) or is_interface_type(type_)
        if name == "fields" and has_fields:
            return "field", list(type_.fields.values())
        if name == "interfaces" and has_fields:
            return "type", list(type_.interfaces)
        if name == "possibleTypes" and is_abstract_type(type_):
            return "type", list(self.schema.get_possible_types(type_))
        if name == "enumValues" and is_enum_type(type_):
            return "enum_value", list(type_.values.values())
        if name == "inputFields" and is_input_object_type(type_):
            return "input_value", list(type_.fields.values())
        if name == "ofType" and is_wrapping_type(type_):
            return "type", [type_.of_type]
        return None
