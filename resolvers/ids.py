"""Global ids and keyset cursors: the one place that encodes and decodes them.

A global id is base64 of ``"Type:pk"``, as strawberry's relay ``GlobalID`` writes it. For
the ids we issue (an ASCII type name, ``:``, decimal digits) standard and URL-safe base64
are the same bytes: neither ``+`` nor ``/`` can occur, so ids clients stored from earlier
versions (URL-safe base64) decode unchanged. Decoding accepts both alphabets and missing
padding, and nothing else: a malformed id is reported like an unknown one.

Services never see global ids: resolvers decode them into primary keys here, and the schema
encodes primary keys with ``global_id``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from strawberry.relay import GlobalID

from graphql_api.errors import InvalidInput, NotFound

_TYPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_PK = re.compile(r"[0-9]{1,19}")
_TO_STANDARD = str.maketrans("-_", "+/")
BAD_CURSOR = "That cursor is not valid; use a pageInfo.endCursor."


def global_id(type_name: str, pk: int) -> str:
    """``base64("Customer:42")``: opaque to clients, tells us the type."""
    return str(GlobalID(type_name=type_name, node_id=str(pk)))


def _b64decode(value: str) -> bytes | None:
    """Base64 in either alphabet, padded or not; None when it is not base64."""
    if not value.isascii() or len(value) % 4 == 1:
        return None
    padded = value.translate(_TO_STANDARD) + "=" * (-len(value) % 4)
    try:
        return binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error:
        return None


def parse_global_id(value: str) -> tuple[str, int] | None:
    """The type name and primary key inside a global id, or None when it is not one."""
    raw = _b64decode(value)
    if raw is None:
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    type_name, colon, pk = text.partition(":")
    if not colon or not _TYPE_NAME.fullmatch(type_name) or not _PK.fullmatch(pk):
        return None
    return type_name, int(pk)


def decode_id(value: str, expected: str | Sequence[str], *, field: str = "id") -> int:
    """The primary key inside a global id of the expected type(s); else ``NotFound`` naming
    the input field (an unknown, malformed or foreign id all look the same)."""
    allowed = (expected,) if isinstance(expected, str) else tuple(expected)
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] not in allowed:
        raise NotFound(f"No {' or '.join(allowed)} with id {value!r}.", field=field)
    return parsed[1]


def optional_id(value: str | None, expected: str, *, field: str) -> int | None:
    """A filter's id as primary key, or None when it was not given."""
    return None if value is None else decode_id(value, expected, field=field)


def decode_ids(values: Sequence[str] | None, expected: str, *, field: str) -> tuple[int, ...]:
    """A list of global ids as primary keys (the field names the list)."""
    return tuple(decode_id(value, expected, field=field) for value in values or ())


def encode_cursor(values: Sequence[Any]) -> str:
    """Keyset cursor: the sort key of the last item, JSON (UTF-8, as PostgreSQL's
    ``json_build_array`` writes it, so compiled reads issue the same bytes; ASCII keys give
    the cursors issued before) in URL-safe base64."""
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    text = json.dumps(plain, ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str) -> list[Any]:
    """The sort key inside a cursor; a malformed cursor is an input error naming ``after``."""
    raw = _b64decode(cursor)
    try:
        values = json.loads(raw) if raw is not None else None
    except ValueError:
        values = None
    if not isinstance(values, list):
        raise InvalidInput(BAD_CURSOR, field="after")
    return values
