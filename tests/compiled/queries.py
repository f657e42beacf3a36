"""Seeded random queries over the lists and node lookups the compiler covers (and, now and
then, fields it does not, which must fall back to the same bytes)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
    is_required_argument,
)

from schema.views import VIEWS

LISTS = {
    "timeEntries": ("TimeEntry", "RegistrationFilter"),
    "expenses": ("Expense", "RegistrationFilter"),
    "trips": ("Trip", "RegistrationFilter"),
    "customers": ("Customer", "CustomerFilter"),
    "projects": ("Project", "ProjectFilter"),
    "activities": ("Activity", "ActivityFilter"),
    "expenseCategories": ("ExpenseCategory", "ExpenseCategoryFilter"),
    "invoices": ("Invoice", "InvoiceFilter"),
}
SEARCHES = ["é", "\\", '"', "😀", "a", "x", "%", "_", "日本"]


@dataclass
class Query:
    """One generated request."""

    text: str
    variables: dict[str, Any]
    root: str

    def show(self) -> str:
        """How a failure prints it."""
        return f"{self.text}\nvariables: {json.dumps(self.variables, ensure_ascii=False)}"


@dataclass
class Generator:
    """Builds queries from the schema, the seeded ids and the cursors seen so far."""

    schema: GraphQLSchema
    rng: random.Random
    ids: dict[str, list[str]]
    foreign: dict[str, list[str]]
    cursors: dict[str, list[str]] = field(default_factory=dict)
    _fragments: list[str] = field(default_factory=list)
    _variables: dict[str, Any] = field(default_factory=dict)
    _declared: list[str] = field(default_factory=list)
    _counter: int = 0

    def query(self) -> Query:
        """A fresh query with one to three root fields."""
        self._fragments, self._variables, self._declared = [], {}, []
        roots = [self._root() for _ in range(self.rng.choice([1, 1, 1, 2, 3]))]
        header = f"({', '.join(self._declared)})" if self._declared else ""
        text = f"query Q{header} {{\n  " + "\n  ".join(r for r, _ in roots) + "\n}\n"
        text += "".join(self._fragments)
        return Query(text, dict(self._variables), roots[0][1])

    def _name(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def _variable(self, type_name: str, value: Any) -> str:
        name = self._name("v")
        self._declared.append(f"${name}: {type_name}")
        self._variables[name] = value
        return f"${name}"

    def _alias(self, name: str) -> str:
        return f"{self._name('a')}: {name}" if self.rng.random() < 0.15 else name

    def _root(self) -> tuple[str, str]:
        if self.rng.random() < 0.12:
            return self._node(), "node"
        root = self.rng.choice(list(LISTS))
        node_type, filter_type = LISTS[root]
        args = []
        first = self.rng.choice([1, 2, 3, 5, 10, 20, 100, 0, 101])
        if self.rng.random() < 0.5:
            args.append(f"first: {self._variable('Int!', first)}")
        elif self.rng.random() < 0.8:
            args.append(f"first: {first}")
        if self.cursors.get(root) and self.rng.random() < 0.35:
            cursor = self.rng.choice(self.cursors[root])
            args.append(f"after: {self._variable('String', cursor)}")
        if self.rng.random() < 0.5:
            value = self._filter(root)
            if self.rng.random() < 0.5:
                args.append(f"filter: {self._variable(filter_type, value)}")
            else:
                args.append(f"filter: {_literal(value)}")
        if filter_type == "RegistrationFilter" and self.rng.random() < 0.4:
            args.append(f"order: {self.rng.choice(['OLDEST_FIRST', 'NEWEST_FIRST'])}")
        arguments = f"({', '.join(args)})" if args else ""
        return f"{self._alias(root)}{arguments} {self._connection(root, node_type)}", root

    def _node(self) -> str:
        kind = self.rng.choice(list(self.ids))
        pool = self.foreign if self.rng.random() < 0.15 else self.ids
        value = self.rng.choice(pool.get(kind) or self.ids[kind])
        if self.rng.random() < 0.1:
            value = self.rng.choice(["nope", "", "VGltZUVudHJ5Ojk5OTk5"])
        spreads = " ".join(
            f"... on {name} {self._selection(name, 2)}"
            for name in self.rng.sample(sorted(self.ids), k=self.rng.choice([1, 2, 3]))
        )
        return f"{self._alias('node')}(id: {self._variable('ID!', value)}) {{ __typename {spreads} }}"

    def _connection(self, root: str, node_type: str) -> str:
        parts = []
        if self.rng.random() < 0.9:
            edge = []
            if self.rng.random() < 0.5:
                edge.append(self._alias("cursor"))
            edge.append(f"{self._alias('node')} {self._selection(node_type, 3)}")
            if self.rng.random() < 0.1:
                edge.append("__typename")
            parts.append(f"edges {{ {' '.join(edge)} }}")
        if self.rng.random() < 0.5 or not parts:
            names = self.rng.sample(
                ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"],
                k=self.rng.randint(1, 5),
            )
            parts.append(f"pageInfo {{ {' '.join(self._alias(n) for n in names)} }}")
        if self.rng.random() < 0.3:
            parts.append(self._alias("totalCount"))
        if self.rng.random() < 0.1:
            parts.insert(0, "__typename")
        return "{ " + " ".join(parts) + " }"

    def _selection(self, type_name: str, depth: int) -> str:
        """Fields of an object type, through aliases, fragments and directives."""
        typ = self.schema.get_type(type_name)
        assert isinstance(typ, GraphQLObjectType)
        view = VIEWS[type_name]
        leaves = [n for n, f in typ.fields.items() if _leaf(f)]
        relations = [n for n in view.to_one if depth > 1]
        others = [n for n in view.resolved if not _leaf(typ.fields[n])]
        chosen = self.rng.sample(leaves, k=min(len(leaves), self.rng.randint(1, 6)))
        items = [self._alias(n) for n in chosen]
        for name in relations:
            if self.rng.random() < 0.4:
                target = get_named_type(typ.fields[name].type)
                if isinstance(target, GraphQLObjectType) and target.name in VIEWS:
                    items.append(f"{self._alias(name)} {self._selection(target.name, depth - 1)}")
        if others and self.rng.random() < 0.03:  # a field only the normal path answers
            name = self.rng.choice(others)
            target = get_named_type(typ.fields[name].type)
            if isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
                items.append(f"{name} {{ __typename }}")
        if self.rng.random() < 0.2:
            items.append("__typename")
        if self.rng.random() < 0.2 and items:
            spread = self._name("F")
            moved = items.pop()
            self._fragments.append(f"fragment {spread} on {type_name} {{ {moved} }}\n")
            items.append(f"...{spread}")
        if self.rng.random() < 0.15 and items:
            items.append(f"... on {type_name} {{ {items.pop(0)} }}")
        if self.rng.random() < 0.15 and items:
            flag = self.rng.random() < 0.5
            directive = self.rng.choice(["include", "skip"])
            condition = self._variable("Boolean!", flag) if self.rng.random() < 0.5 else (
                "true" if flag else "false")
            items[-1] = f"{items[-1]} @{directive}(if: {condition})"
        if not items:
            items = ["__typename"]
        return "{ " + " ".join(items) + " }"

    def _filter(self, root: str) -> dict[str, Any]:
        rng = self.rng
        pool = self.foreign if rng.random() < 0.1 else self.ids

        def some(kind: str) -> str:
            return rng.choice(pool.get(kind) or self.ids[kind])

        options: dict[str, Any]
        if LISTS[root][1] == "RegistrationFilter":
            options = {
                "dateFrom": rng.choice(["2024-02-29", "2024-01-01", "2020-02-29"]),
                "dateTo": rng.choice(["2024-02-29", "2024-12-31"]),
                "customerId": some("Customer"), "projectId": some("Project"),
                "userId": some("User"), "billable": rng.random() < 0.5,
                "status": rng.choice(["OPEN", "INVOICED"]), "search": rng.choice(SEARCHES),
                "updatedSince": "2023-06-01T00:00:00Z",
            }
            if root == "timeEntries":
                options["activityId"] = some("Activity")
            if root == "expenses":
                options["categoryId"] = some("ExpenseCategory")
        elif root == "invoices":
            options = {
                "statuses": rng.sample(["PENDING", "CONCEPT", "PAID", "FAILED", "RELEASED"], k=2),
                "customerId": some("Customer"), "dateFrom": "2024-01-01",
            }
        else:
            options = {"search": rng.choice(SEARCHES), "archived": rng.random() < 0.5}
            if root == "projects":
                options["customerId"] = some("Customer")
                options["billingMethod"] = rng.choice(["HOURLY_PROJECT_RATE", "FIXED_PRICE"])
            if root == "activities":
                options["billable"] = rng.random() < 0.5
            if root in ("customers", "projects"):
                options["updatedSince"] = "2023-06-01T00:00:00+02:00"
        keys = rng.sample(sorted(options), k=rng.randint(1, min(2, len(options))))
        return {k: options[k] for k in keys}


def _leaf(field: GraphQLField) -> bool:
    named = get_named_type(field.type)
    required = any(is_required_argument(a) for a in field.args.values())
    return isinstance(named, GraphQLScalarType | GraphQLEnumType) and not required


def _literal(value: Any) -> str:
    """A GraphQL literal of a filter value (enum names bare)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.isupper() and value.replace("_", "").isalpha():
        return value
    return json.dumps(value)
