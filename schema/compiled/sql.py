"""SQL expressions whose JSON is the bytes strawberry writes for each value.

The statement's JSON is decoded and written again by the view's own encoder
(``json.dumps``), so string escaping is the encoder's by construction; what must match here
is each value's *text*: ``str(Decimal)``, ``isoformat()`` of dates, times and moments (UTC, as
asyncpg returns them), enum names, global ids and cursors.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLEnumType, GraphQLNamedType, GraphQLScalarType
from sqlalchemy import ColumnElement, Text, case, cast, func, literal, literal_column

from schema.compiled.errors import Unsupported

JSON_EMPTY_ARRAY: ColumnElement[Any] = literal_column("'[]'::json")


def key(name: str) -> ColumnElement[Any]:
    """A response key as an inline literal: GraphQL names are ``[_A-Za-z][_0-9A-Za-z]*``,
    so quoting is safe, and the statement text (PostgreSQL's prepared-statement cache key)
    stays the same for every request with the same selection."""
    if not (name.replace("_", "a").isalnum() and name.isascii()):
        raise Unsupported(f"unexpected name {name!r}")
    return literal_column(f"'{name}'")


def obj(pairs: list[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
    """``json_build_object`` of (key, value) pairs, in order."""
    args: list[Any] = []
    for name, value in pairs:
        args += [key(name), value]
    return func.json_build_object(*args)


def _isoformat(moment: ColumnElement[Any], date_part: str) -> ColumnElement[Any]:
    """``isoformat()`` of a timestamp without zone: microseconds only when not zero."""
    whole = func.to_char(moment, f'{date_part}HH24:MI:SS')
    micros = func.to_char(moment, "US")
    return whole + case((micros == "000000", ""), else_="." + micros)


def scalar(column: ColumnElement[Any], named: GraphQLNamedType) -> ColumnElement[Any]:
    """A column as strawberry serialises it for the GraphQL type ``named``."""
    if isinstance(named, GraphQLEnumType):
        return cast(column, Text)  # enums are stored by name (models.base.str_enum)
    if not isinstance(named, GraphQLScalarType):
        raise Unsupported(f"{named.name} is no scalar")
    match named.name:
        case "String" | "Boolean" | "Int":
            return column
        case "Decimal":
            return cast(column, Text)  # numeric's text is str(Decimal) of its value
        case "Date":
            return func.to_char(column, "YYYY-MM-DD")  # not the text: DateStyle may differ
        case "DateTime":
            # asyncpg returns timestamptz in UTC, whose isoformat() ends in +00:00.
            utc = func.timezone("UTC", column)
            return _isoformat(utc, 'YYYY-MM-DD"T"') + literal("+00:00")
        case "Time":
            return _isoformat(column, "")
    raise Unsupported(f"scalar {named.name}")


def global_id(type_name: str, pk: ColumnElement[Any]) -> ColumnElement[Any]:
    """``base64("Type:pk")`` as ``resolvers.ids.global_id`` writes it (at most 36 bytes:
    PostgreSQL's line breaks every 76 characters never occur)."""
    text: ColumnElement[Any] = literal_column(f"'{type_name}:'") + cast(pk, Text)
    return func.encode(func.convert_to(text, "UTF8"), "base64")


def cursor(keys: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    """``resolvers.ids.encode_cursor`` of the key values: the JSON array
    (``json.dumps``'s separators and escapes, which ``json_build_array`` shares), in URL-safe
    base64 without PostgreSQL's line breaks."""
    array = cast(func.json_build_array(*keys), Text)
    encoded = func.encode(func.convert_to(array, "UTF8"), "base64")
    return func.translate(encoded, literal_column("E'+/\\n'"), "-_")
