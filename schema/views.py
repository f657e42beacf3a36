"""Types are views over rows: a schema type resolves its fields straight off the ORM row (or
a service result) the resolver returned — no copies.

Declare a type with ``@row_type(Model, ...)`` (or ``@result_type(ServiceResult, ...)``) and
its fields in one of four ways:

- a plain annotated attribute (``name: str = strawberry.field(description=...)``) reads the
  row's attribute of that Python name (``strawberry.field(name=...)`` renames it in GraphQL);
  for row types it must be a mapped column of the model — checked when the module loads;
- ``@computed("hours", "rate", ...)`` on a static method taking the row: a value computed
  from those columns;
- ``restricted(rule, ...)``: the column, shown only to callers ``rule`` allows (null and a
  FORBIDDEN error for others);
- ``to_one(Model, "project_id", Project, ...)``: the row a foreign key points at, as
  ``Project`` (batched through the request's loaders).

Anything else (lists through loaders, service calls) is a normal resolver.

``VIEWS`` records, per GraphQL type, its model, read rule, plain columns, computed fields
(and the columns they read) and to-one relations (foreign key → target type): what a
compiler needs to answer a read with one SQL statement from the same definitions. Adding a
column to the API is the model column plus one attribute here.

Every object leaves through its type's ``is_type_of``: it checks the row is of that type (and
of its kind, for types sharing a table), that it belongs to the caller's workspace, and the
type's read rule — on every path the type appears on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import inspect as sa_inspect
from strawberry import relay
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.private import is_private
from strawberry.utils.str_converters import to_camel_case

from resolvers import relations
from resolvers.context import Context, Info
from resolvers.permissions import EVERYONE, ReadRule, Rule, caller_of, check_read, forbidden

T = TypeVar("T")
F = TypeVar("F")

_META = "schema.views"
"""Key of our entry in a strawberry field's ``metadata``."""


Columns = Callable[[str], Any]
"""The SQL column of a row attribute (for ``Computed.sql``)."""


@dataclass(frozen=True)
class Computed:
    """A field computed from the row's ``columns`` (and shown as ``rule`` allows).

    ``sql``, when given, is the same value as a SQL expression over those columns (whose JSON
    is what strawberry writes for it): the compiled reads (``schema.compiled``) use it, and
    their differential test holds both to the same bytes. Without it a query selecting the
    field takes the normal path.
    """

    columns: tuple[str, ...]
    rule: ReadRule | None = None
    sql: Callable[[Columns], Any] | None = None


@dataclass(frozen=True)
class ToOne:
    """A to-one relation: the ``model`` row the foreign key ``fk`` points at, as ``target``."""

    fk: str
    model: type[Any]
    target: str
    nullable: bool


@dataclass(frozen=True)
class View:
    """What a GraphQL type reads from the row behind it."""

    name: str
    schema_type: type[Any]
    """The strawberry type."""
    model: type[Any]
    rule: Rule
    kind: tuple[str, Any] | None
    """``(attribute, value)`` a row must have to be of this type (types sharing a table)."""
    node_id: str | None
    """The attribute holding the primary key the global ``id`` encodes (Node types)."""
    columns: Mapping[str, str]
    """GraphQL field → the row attribute it shows as is."""
    computed: Mapping[str, Computed]
    to_one: Mapping[str, ToOne]
    resolved: tuple[str, ...]
    """GraphQL fields resolved some other way (lists through loaders, service calls)."""
    workspace: str | None
    """The attribute naming the row's workspace (None for service results)."""

    def matches(self, obj: object) -> bool:
        """True when ``obj`` is a row (or result) of this type."""
        if not isinstance(obj, self.model):
            return False
        return self.kind is None or getattr(obj, self.kind[0]) is self.kind[1]

    def workspace_of(self, row: Any) -> int:
        """The workspace a row belongs to."""
        assert self.workspace is not None
        return int(getattr(row, self.workspace))


VIEWS: dict[str, View] = {}
"""Every view type by GraphQL name."""


def view_of(cls: type[Any]) -> View:
    """The view behind a schema type."""
    definition = get_object_definition(cls, strict=True)
    return VIEWS[definition.name]


def node_view(type_name: str) -> View | None:
    """The view of a Node type by GraphQL name (what ``node(id:)`` may return)."""
    view = VIEWS.get(type_name)
    return view if view is not None and view.node_id is not None else None


# ---------------------------------------------------------------- field declarations


def computed(
    *columns: str, description: str, graphql_type: Any = None, name: str | None = None,
    sql: Callable[[Columns], Any] | None = None,
) -> Callable[[Any], Any]:
    """A field computed by the decorated static method from the row (``root``), reading
    ``columns`` (and, for compiled reads, ``sql`` of them: see ``Computed``)."""

    def wrap(method: Any) -> Any:
        return strawberry.field(
            method,
            description=description,
            graphql_type=graphql_type,
            name=name,
            metadata={_META: Computed(columns, sql=sql)},
        )

    return wrap


def restricted(rule: ReadRule, *, description: str, graphql_type: Any = None) -> Any:
    """The row's column of this field's name, for callers ``rule`` allows; others get null
    with a FORBIDDEN error (so the field is nullable)."""

    def resolve(root: Any, info: Info) -> Any:
        if rule.allows(caller_of(info.context), root):
            return getattr(root, info.python_name)
        raise forbidden(rule.refusal_for(root))

    return strawberry.field(
        resolver=resolve,
        description=description,
        graphql_type=graphql_type,
        metadata={_META: Computed((), rule)},
    )


def to_one(
    model: type[Any],
    fk: str,
    target: type[Any] | str,
    *,
    description: str,
    module: str | None = None,
    nullable: bool = False,
) -> Any:
    """The ``model`` row the foreign key ``fk`` of the row points at, as ``target`` (a type,
    or its name with the ``module`` defining it, for types that import this one)."""

    def resolve(root: Any, info: Info) -> Any:
        pk = getattr(root, fk)
        return None if pk is None else relations.related(info, model, pk)

    if isinstance(target, str):
        if module is None:
            raise TypeError(f"to_one({target!r}) needs the module that defines it")
        graphql_type: Any = Annotated[target, strawberry.lazy(module)]
        target_name = target
    else:
        graphql_type = target
        target_name = get_object_definition(target, strict=True).name
    return strawberry.field(
        resolver=resolve,
        description=description,
        graphql_type=graphql_type | None if nullable else graphql_type,
        metadata={_META: ToOne(fk, model, target_name, nullable)},
    )


# ---------------------------------------------------------------- type declarations


def row_type(
    model: type[Any],
    *,
    description: str,
    read: Rule = EVERYONE,
    kind: tuple[str, Any] | None = None,
    name: str | None = None,
    workspace: str = "workspace_id",
) -> Callable[[type[T]], type[T]]:
    """A GraphQL type over rows of ``model`` (of ``kind``, when types share a table), read
    as ``read`` allows, and only in the caller's workspace (the row's ``workspace``)."""
    return _view_type(model, description, read=read, kind=kind, name=name, workspace=workspace)


def result_type(
    result: type[Any], *, description: str, read: Rule = EVERYONE, name: str | None = None
) -> Callable[[type[T]], type[T]]:
    """A GraphQL type over a service result (a dataclass a resolver returns)."""
    return _view_type(result, description, read=read, kind=None, name=name, workspace=None)


def _view_type(
    model: type[Any],
    description: str,
    *,
    read: Rule,
    kind: tuple[str, Any] | None,
    name: str | None,
    workspace: str | None,
) -> Callable[[type[T]], type[T]]:
    def wrap(cls: type[T]) -> type[T]:
        view: View | None = None

        def is_type_of(_cls: type[Any], obj: object, info: Any) -> bool:
            assert view is not None
            if not view.matches(obj):
                return False
            context: Context = info.context
            check_read(context, view.rule, obj, view.workspace_of if workspace else None)
            return True

        # strawberry and graphql-core ask the class whether an object is of its type.
        setattr(cls, "is_type_of", classmethod(is_type_of))  # noqa: B010
        declared = list(vars(cls))
        typ = in_declared_order(declared, strawberry.type(cls, name=name, description=description))
        view = _describe(typ, model, read, kind, workspace)
        VIEWS[view.name] = view
        return typ

    return wrap


def in_declared_order(declared: list[str], typ: type[T]) -> type[T]:
    """List the fields in the order the class declares them (strawberry puts fields with a
    resolver after the plain ones); inherited fields keep their places, first."""
    inherited = {
        field.python_name
        for base in typ.__mro__[1:]
        if (base_definition := get_object_definition(base)) is not None
        for field in base_definition.fields
    }
    order = {name: index for index, name in enumerate(declared)}
    definition = get_object_definition(typ, strict=True)
    position = {id(field): index for index, field in enumerate(definition.fields)}

    def key(field: StrawberryField) -> tuple[int, int]:
        if field.python_name in inherited:
            return (0, position[id(field)])
        return (1, order.get(field.python_name, len(order)))

    definition.fields.sort(key=key)
    return typ


def interface(*, description: str) -> Callable[[type[T]], type[T]]:
    """``strawberry.interface``, its fields in declared order."""

    def wrap(cls: type[T]) -> type[T]:
        declared = list(vars(cls))
        return in_declared_order(declared, strawberry.interface(cls, description=description))

    return wrap


def _describe(
    typ: type[Any], model: type[Any], read: Rule, kind: tuple[str, Any] | None,
    workspace: str | None,
) -> View:
    """The view of a freshly declared type; a plain field that is no column of a row model
    is a mistake caught here, when the module loads."""
    definition = get_object_definition(typ, strict=True)
    known = _attributes(model)
    columns: dict[str, str] = {}
    computed_fields: dict[str, Computed] = {}
    relations_: dict[str, ToOne] = {}
    resolved: list[str] = []
    for field in definition.fields:
        if is_private(field.type):  # e.g. the NodeID attribute: shown through `id` only
            continue
        graphql_name = _graphql_name(field)
        meta = field.metadata.get(_META) if field.metadata else None
        if isinstance(meta, ToOne):
            relations_[graphql_name] = meta
        elif isinstance(meta, Computed):
            # A restricted field shows its own column.
            columns_read = (field.python_name,) if meta.rule is not None else meta.columns
            computed_fields[graphql_name] = Computed(columns_read, meta.rule, meta.sql)
        elif field.base_resolver is None:
            if field.python_name not in known:
                raise TypeError(
                    f"{definition.name}.{graphql_name}: {model.__name__} has no "
                    f"{field.python_name!r} to show"
                )
            columns[graphql_name] = field.python_name
        elif field.python_name == "_id" and issubclass(typ, relay.Node):
            computed_fields[graphql_name] = Computed((typ.resolve_id_attr(),))
        else:
            resolved.append(graphql_name)
    for column in (c for meta in computed_fields.values() for c in meta.columns):
        if column not in known:
            raise TypeError(f"{definition.name}: {model.__name__} has no {column!r} to read")
    for relation in relations_.values():
        if relation.fk not in known:
            raise TypeError(f"{definition.name}: {model.__name__} has no {relation.fk!r}")
    return View(
        name=definition.name,
        schema_type=typ,
        model=model,
        rule=read,
        kind=kind,
        node_id=typ.resolve_id_attr() if issubclass(typ, relay.Node) else None,
        columns=columns,
        computed=computed_fields,
        to_one=relations_,
        resolved=tuple(resolved),
        workspace=workspace,
    )


def _attributes(model: type[Any]) -> frozenset[str]:
    """What a row of ``model`` offers: mapped columns, or a dataclass's fields and
    properties."""
    if dataclasses.is_dataclass(model):
        properties = {name for name, value in vars(model).items() if isinstance(value, property)}
        return frozenset(f.name for f in dataclasses.fields(model)) | properties
    mapper = sa_inspect(model, raiseerr=False)
    if mapper is None:
        raise TypeError(f"{model.__name__} is neither a model nor a dataclass")
    return frozenset(mapper.column_attrs.keys())


def _graphql_name(field: StrawberryField) -> str:
    return field.graphql_name or to_camel_case(field.python_name)
