"""The selection of one query operation → one SQL ``SELECT`` of its ``data`` as JSON text.

Fields are collected exactly as graphql-core's executor collects them (``collect_fields`` /
``collect_subfields``: fragments, inline fragments, aliases, merged fields, @skip/@include).
Every object is read from its view (``schema.views.VIEWS``): plain columns, computed fields
that carry their SQL, to-one relations (a correlated subquery on the target's table, scoped
to the caller's workspace). A list is its ``Listing`` paged in a CTE. Anything else raises
``Unsupported``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    get_named_type,
    get_nullable_type,
)
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import ColumnElement, FromClause, Select, Text, cast, func, literal_column, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import aggregate_order_by
from strawberry import Schema
from strawberry.permission import PermissionExtension
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from graphql_api.errors import DomainError
from graphql_api.services.auth import Caller
from resolvers.ids import parse_global_id
from resolvers.pagination import Listing
from resolvers.permissions import IsAuthenticated, ReadRule, RolePermission
from resolvers.reads import ClientErrors
from schema.compiled import sql
from schema.compiled.errors import Unsupported
from schema.views import VIEWS, View, node_view

DEFINITION = "strawberry-definition"
"""Where strawberry keeps a GraphQL field's definition (``GraphQLCoreConverter``)."""


_ALIASES: dict[tuple[type[Any], int], FromClause] = {}
"""The n-th alias of each model's table, made once: building an alias builds a proxy of
every column, which cost more than the rest of compiling together."""


@dataclass(frozen=True)
class Operation:
    """What compiling one operation for one caller knows."""

    schema: Schema
    fragments: dict[str, FragmentDetails]
    variables: VariableValues
    operation: OperationDefinitionNode
    caller: Caller
    listings: Mapping[str, Callable[..., Listing]]
    _aliases_used: dict[type[Any], int] = field(default_factory=dict)

    def alias(self, model: type[Any]) -> FromClause:
        """A table alias of ``model`` not used elsewhere in this statement."""
        n = self._aliases_used.get(model, 0)
        self._aliases_used[model] = n + 1
        table = _ALIASES.get((model, n))
        if table is None:
            table = _ALIASES[(model, n)] = sa_inspect(model).local_table.alias()
        return table

    @property
    def graphql(self) -> GraphQLSchema:
        """graphql-core's schema."""
        return self.schema._schema

    def subfields(self, parent: GraphQLObjectType, fields: list[FieldDetails]) -> CollectedFields:
        """The fields selected under ``fields`` on an object of type ``parent``."""
        collected = collect_subfields(
            self.graphql, self.fragments, self.variables, self.operation, parent, fields
        )
        return _plain(collected)


def _plain(collected: CollectedFields) -> CollectedFields:
    if collected.new_defer_usages or collected.forbidden_directive_instances:
        raise Unsupported("@defer / @stream")
    return collected


def compile_query(op: Operation) -> Select[Any]:
    """``SELECT json_build_object(…)::text``: the operation's whole ``data``."""
    root = op.graphql.query_type
    assert root is not None
    collected = _plain(
        collect_fields(op.graphql, op.fragments, op.variables, root, op.operation)
    )
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for key, fields in collected.grouped_field_set.items():
        name = fields[0].node.name.value
        if name == "__typename":
            pairs.append((key, sql.key(root.name)))
            continue
        field = root.fields.get(name)
        if field is None:
            raise Unsupported(name)  # introspection (__schema, __type)
        definition = _definition(field)
        _check_permissions(definition, op.caller)
        if name in op.listings:
            pairs.append((key, _root_list(op, field, definition, fields)))
        elif name == "node":
            pairs.append((key, _node(op, field, definition, fields)))
        else:
            raise Unsupported(name)
    return select(cast(sql.obj(pairs), Text))


def _definition(field: GraphQLField) -> StrawberryField:
    definition = (field.extensions or {}).get(DEFINITION)
    if not isinstance(definition, StrawberryField):
        raise Unsupported("a field strawberry did not define")
    for extension in definition.extensions:
        # Permission classes are checked by _check_permissions; ClientErrors only words errors.
        if not isinstance(extension, ClientErrors | PermissionExtension):
            raise Unsupported("a field extension")
    return definition


def _check_permissions(definition: StrawberryField, caller: Caller) -> None:
    """The root field's permission classes, as they would decide for this caller; anything
    that would refuse takes the normal path (which answers the refusal)."""
    for permission in definition.permission_classes:
        if issubclass(permission, RolePermission):
            if caller.role not in permission.roles:
                raise Unsupported("refused by a permission")
        elif permission is not IsAuthenticated:
            raise Unsupported("a permission the compiler does not know")


def _readable(view: View, caller: Caller) -> None:
    """The type's read rule: open to the caller's role, or the normal path answers (a rule
    that depends on the row would need its FORBIDDEN errors)."""
    rule = view.rule
    if not isinstance(rule, ReadRule):
        raise Unsupported("a read rule by kind")
    if rule.roles is not None and caller.role not in rule.roles:
        raise Unsupported("a read rule that refuses this role")


def _arguments(op: Operation, field: GraphQLField, definition: StrawberryField,
               node: FieldNode) -> dict[str, Any]:
    """The field's arguments as its resolver receives them (strawberry's conversion)."""
    raw = get_argument_values(field, node, op.variables)
    return convert_arguments(
        raw, definition.arguments, scalar_registry=op.schema.schema_converter.scalar_registry,
        config=op.schema.config,
    )


# ---------------------------------------------------------------- rows and objects


@dataclass(frozen=True)
class Row:
    """A row of a view's model in the statement: a table alias or a CTE."""

    view: View
    source: FromClause

    def column(self, attribute: str) -> ColumnElement[Any]:
        """The SQL column behind a model attribute."""
        name = sa_inspect(self.view.model).column_attrs[attribute].columns[0].name
        column: ColumnElement[Any] = self.source.c[name]
        return column


def _object(op: Operation, row: Row, typ: GraphQLObjectType,
            fields: list[FieldDetails]) -> ColumnElement[Any]:
    """``json_build_object`` of the fields selected on an object of ``row``."""
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for key, selected in op.subfields(typ, fields).grouped_field_set.items():
        node = selected[0].node
        name = node.name.value
        if name == "__typename":
            pairs.append((key, sql.key(typ.name)))
            continue
        if node.arguments:
            raise Unsupported("a field with arguments")
        pairs.append((key, _field(op, row, typ, name, selected)))
    return sql.obj(pairs)


def _field(op: Operation, row: Row, typ: GraphQLObjectType, name: str,
           selected: list[FieldDetails]) -> ColumnElement[Any]:
    """One field of a row: its column, computed SQL, or related object."""
    view = row.view
    named = get_named_type(typ.fields[name].type)
    if name in view.columns:
        return sql.scalar(row.column(view.columns[name]), named)
    if name == "id" and view.node_id is not None:
        return sql.global_id(view.name, row.column(view.node_id))
    if name in view.computed:
        computed = view.computed[name]
        if computed.rule is not None:
            if computed.rule.roles is None or op.caller.role not in computed.rule.roles:
                raise Unsupported("a restricted field this role may not always read")
            return sql.scalar(row.column(computed.columns[0]), named)
        if computed.sql is None:
            raise Unsupported(f"{typ.name}.{name} has no SQL")
        value: ColumnElement[Any] = computed.sql(row.column)
        return value
    if name in view.to_one:
        if not isinstance(named, GraphQLObjectType):
            raise Unsupported("a relation to an abstract type")
        relation = view.to_one[name]
        target = _view(named.name, op.caller)
        table = op.alias(relation.model)
        return _one(op, Row(target, table), named, selected, row.column(relation.fk))
    raise Unsupported(f"{typ.name}.{name} is resolved in Python")


def _view(type_name: str, caller: Caller) -> View:
    view = VIEWS.get(type_name)
    if view is None or view.workspace is None:
        raise Unsupported(f"{type_name} is no row type")
    _readable(view, caller)
    return view


def _one(op: Operation, row: Row, typ: GraphQLObjectType, fields: list[FieldDetails],
         pk: ColumnElement[Any] | int) -> ColumnElement[Any]:
    """The object of the row with primary key ``pk`` in the caller's workspace (and of the
    view's kind), or null: a scalar subquery."""
    view = row.view
    assert view.workspace is not None
    mapper = sa_inspect(view.model)
    primary = row.source.c[mapper.primary_key[0].name]
    conditions = [primary == pk, row.column(view.workspace) == op.caller.workspace_id]
    if view.kind is not None:
        attribute, value = view.kind
        conditions.append(row.column(attribute) == value.name)
    return (
        select(_object(op, row, typ, fields)).where(*conditions).scalar_subquery()
    )


# ---------------------------------------------------------------- root fields


def _node(op: Operation, field: GraphQLField, definition: StrawberryField,
          fields: list[FieldDetails]) -> ColumnElement[Any]:
    """``node(id:)``: the object of a global id in the caller's workspace, else null."""
    arguments = _arguments(op, field, definition, fields[0].node)
    parsed = parse_global_id(str(arguments["id"]))
    if parsed is None:
        return literal_column("NULL")
    type_name, pk = parsed
    view = node_view(type_name)
    typ = op.graphql.get_type(type_name)
    if view is None or not isinstance(typ, GraphQLObjectType):
        return literal_column("NULL")
    _readable(view, op.caller)
    table = op.alias(view.model)
    return _one(op, Row(view, table), typ, fields, pk)


def _root_list(op: Operation, field: GraphQLField, definition: StrawberryField,
               fields: list[FieldDetails]) -> ColumnElement[Any]:
    """A connection root field: its ``Listing`` paged as the resolver pages it."""
    arguments = _arguments(op, field, definition, fields[0].node)
    first = arguments.pop("first")
    after = arguments.pop("after", None)
    try:
        listing = op.listings[fields[0].node.name.value](op.caller.workspace_id, **arguments)
        stmt = listing.page(first, after)
    except DomainError:
        raise Unsupported("the resolver answers with an error") from None
    connection = get_nullable_type(field.type)
    assert isinstance(connection, GraphQLObjectType)
    edge = get_named_type(connection.fields["edges"].type)
    assert isinstance(edge, GraphQLObjectType)
    node = get_named_type(edge.fields["node"].type)
    assert isinstance(node, GraphQLObjectType)
    # first + 1 rows, numbered in the list's order.
    numbered = stmt.add_columns(
        func.row_number().over(order_by=listing.ordering()).label("_n")
    ).cte()
    row = Row(_view(node.name, op.caller), numbered)
    page = Page(
        listing, row, numbered.c._n, sql.cursor([row.column(key.key) for key in listing.keys]),
        first, after is not None,
    )
    return _connection(op, page, connection, fields)


@dataclass(frozen=True)
class Page:
    """One page of a list in the statement."""

    listing: Listing
    row: Row
    """The page's rows (a CTE of ``first`` + 1)."""
    n: ColumnElement[Any]
    """Their position, from 1."""
    cursor: ColumnElement[Any]
    first: int
    has_previous: bool


def _connection(op: Operation, page: Page, connection: GraphQLObjectType,
                fields: list[FieldDetails]) -> ColumnElement[Any]:
    """``{edges, pageInfo, totalCount}`` of one page."""
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for key, selected in op.subfields(connection, fields).grouped_field_set.items():
        name = selected[0].node.name.value
        child = get_named_type(connection.fields[name].type) if name in connection.fields else None
        if name == "__typename":
            value = sql.key(connection.name)
        elif name == "edges":
            assert isinstance(child, GraphQLObjectType)
            edge_object = _edge(op, page, child, selected)
            value = func.coalesce(
                select(func.json_agg(aggregate_order_by(edge_object, page.n)))
                .where(page.n <= page.first).scalar_subquery(),
                sql.JSON_EMPTY_ARRAY,
            )
        elif name == "pageInfo":
            assert isinstance(child, GraphQLObjectType)
            value = _page_info(op, page, child, selected)
        elif name == "totalCount":
            value = page.listing.count().scalar_subquery()
        else:
            raise Unsupported(f"{connection.name}.{name}")
        pairs.append((key, value))
    return sql.obj(pairs)


def _edge(op: Operation, page: Page, edge: GraphQLObjectType,
          fields: list[FieldDetails]) -> ColumnElement[Any]:
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for key, selected in op.subfields(edge, fields).grouped_field_set.items():
        name = selected[0].node.name.value
        if name == "__typename":
            pairs.append((key, sql.key(edge.name)))
        elif name == "cursor":
            pairs.append((key, page.cursor))
        elif name == "node":
            node = get_named_type(edge.fields["node"].type)
            assert isinstance(node, GraphQLObjectType)
            pairs.append((key, _object(op, page.row, node, selected)))
        else:
            raise Unsupported(f"{edge.name}.{name}")
    return sql.obj(pairs)


def _page_info(op: Operation, page: Page, info: GraphQLObjectType,
               fields: list[FieldDetails]) -> ColumnElement[Any]:
    n = page.n
    pairs: list[tuple[str, ColumnElement[Any]]] = []
    for key, selected in op.subfields(info, fields).grouped_field_set.items():
        name = selected[0].node.name.value
        value: ColumnElement[Any]
        if name == "__typename":
            value = sql.key(info.name)
        elif name == "hasNextPage":
            value = select(func.count()).select_from(page.row.source).scalar_subquery() > page.first
        elif name == "hasPreviousPage":
            value = literal_column("true" if page.has_previous else "false")
        elif name == "startCursor":
            value = select(page.cursor).where(n == 1).scalar_subquery()
        elif name == "endCursor":
            value = (
                select(page.cursor).where(n <= page.first).order_by(n.desc()).limit(1)
                .scalar_subquery()
            )
        else:
            raise Unsupported(f"{info.name}.{name}")
        pairs.append((key, value))
    return sql.obj(pairs)
