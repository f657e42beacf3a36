"""PHP bracket-style form encoding, both directions.

WeFact and HostFact are PHP applications: nested parameters travel as
``InvoiceLines[0][Description]=Design`` and PHP rebuilds the arrays. The client needs
:func:`encode_form`; the emulator needs :func:`decode_form` to read such bodies back.
Value formats follow the contract: dot decimals without separators, ``yes``/``no`` for
booleans, ``yyyy-mm-dd`` dates, ``yyyy-mm-dd hh:mm:ss`` datetimes, ``None`` left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_KEY_PART = re.compile(r"\[([^\[\]]*)\]")


def format_value(value: Any) -> str:  # noqa: PLR0911 - one branch per value type
    """Render one scalar the way the PHP side parses it."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return format_value(value.value)
    if isinstance(value, Decimal):
        # format 'f' never uses exponents or thousands separators, and always a dot.
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):  # before date: datetime is a date subclass
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot form-encode a {type(value).__name__}")


def encode_form(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten nested dicts/lists into ordered ``(key, value)`` pairs with PHP brackets.

    >>> encode_form({"InvoiceLines": [{"Number": Decimal("1.5")}], "a": None})
    [('InvoiceLines[0][Number]', '1.5')]
    """
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        _encode_into(pairs, str(key), value)
    return pairs


def _encode_into(pairs: list[tuple[str, str]], prefix: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _encode_into(pairs, f"{prefix}[{key}]", sub)
    elif isinstance(value, (list, tuple)):
        for index, sub in enumerate(value):
            _encode_into(pairs, f"{prefix}[{index}]", sub)
    else:
        pairs.append((prefix, format_value(value)))


def decode_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild nested data from bracketed keys, as PHP does for ``$_POST``.

    Containers whose keys are all non-negative integers become lists (ordered by
    index); ``a[]`` appends. Later duplicates win, as in PHP.
    """
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        head, _, rest = raw_key.partition("[")
        if not head:
            continue
        parts = [head] + (_KEY_PART.findall("[" + rest) if rest else [])
        node = root
        for part in parts[:-1]:  # every part but the last names a container
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        last = parts[-1]
        if last == "":
            last = str(len(node))
        node[last] = value
    return _listify(root)  # type: ignore[no-any-return]


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(sub) for key, sub in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
