"""One input layer for text: every string a request brings, in variables or literals.

PostgreSQL cannot store a NUL character, and a lone UTF-16 surrogate cannot be encoded as
UTF-8 at all: either used to surface deep inside a resolver as "Unexpected error.". They are
refused here, before execution, with an error that names the field. The same walk bounds how
deeply variables may nest (each level costs coercion and recursion further on).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)

MAX_VARIABLE_DEPTH = 32
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class BadInput:
    """Why an input was refused, and where (a dotted path such as ``input.notes``)."""

    field: str  # e.g. ``input.entries[3].notes``
    message: str


def check_variables(variables: dict[str, Any] | None) -> BadInput | None:
    """The first bad string (or too deep nesting) in the request's variables."""
    if not variables:
        return None
    pending: list[tuple[tuple[str | int, ...], Any, int]] = [
        ((name,), v, 1) for name, v in variables.items()
    ]
    while pending:
        path, value, depth = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return _bad(path, problem)
        elif isinstance(value, dict | list):
            if depth > MAX_VARIABLE_DEPTH:
                return BadInput(
                    _dotted(path),
                    f"`{_dotted(path)}` nests more than {MAX_VARIABLE_DEPTH} levels deep.",
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and text_problem(key):
                    return _bad(path, "a field name with " + (text_problem(key) or ""))
                pending.append(((*path, key), item, depth + 1))
    return None


def check_literals(document: DocumentNode) -> BadInput | None:
    """The first bad string literal in the document's arguments."""
    for path, node in _string_literals(document):
        problem = text_problem(node.value)
        if problem:
            return _bad(path, problem)
    return None


def text_problem(value: str) -> str | None:
    """What is wrong with a text value, or None."""
    found = _BAD_CHARACTER.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "a NUL character (U+0000), which text cannot contain"
    return f"an unpaired surrogate (U+{ord(found.group()):04X}), which is not valid Unicode text"


def _bad(path: tuple[str | int, ...], problem: str) -> BadInput:
    dotted = _dotted(path)
    return BadInput(dotted, f"`{dotted}` contains {problem}.")


def _dotted(path: tuple[str | int, ...]) -> str:
    """``("input", "entries", 3, "notes")`` → ``input.entries[3].notes``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _string_literals(
    document: DocumentNode,
) -> Iterator[tuple[tuple[str | int, ...], StringValueNode]]:
    """Every string literal in an argument, with the argument and input-field path."""
    pending: list[SelectionSetNode] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            pending.append(definition.selection_set)
    while pending:
        selection_set = pending.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield from _argument_strings(selection.arguments or ())
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            for directive in selection.directives or ():
                yield from _argument_strings(directive.arguments or ())


def _argument_strings(
    arguments: tuple[ArgumentNode, ...] | list[ArgumentNode],
) -> Iterator[tuple[tuple[str | int, ...], StringValueNode]]:
    pending: list[tuple[tuple[str | int, ...], ValueNode]] = [
        ((argument.name.value,), argument.value) for argument in arguments
    ]
    while pending:
        path, value = pending.pop()
        if isinstance(value, StringValueNode):
            yield path, value
        elif isinstance(value, ObjectValueNode):
            pending.extend(((*path, f.name.value), f.value) for f in value.fields)
        elif isinstance(value, ListValueNode):
            pending.extend(((*path, i), item) for i, item in enumerate(value.values))
