"""Line-text templates: how a workspace words its hours lines, per grouping (pure, no I/O).

A template is text with placeholders in braces — ``{project} – {activity} ({period})`` — and
``{{``/``}}`` for literal braces. It is checked when it is saved (an unknown placeholder or
a stray brace is refused, naming it), and rendered for every hours line the grouping makes:
the preview and the invoice use the very same rendering, so the preview shows the text as
it will land in WeFact.

A placeholder a line's registrations do not share shows every distinct value, in date
order, joined with ", " (notes with "; "); an empty one leaves nothing, and separators left
dangling at either end are trimmed ("Website – " becomes "Website").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MAX_TEMPLATE_LENGTH = 500
"""Characters in a template."""

MAX_LINE_TEXT = 1000
"""Characters of a rendered line text (notes of many entries can be long): cut with "…"."""

PLACEHOLDERS: Mapping[str, str] = {
    "project": "the project's name",
    "activity": "the activity's name",
    "user": "who registered the hours",
    "date": "the first date of the line (with ENTRY: the entry's date)",
    "period": "the first and last date of the line (one date when they are the same)",
    "notes": "the notes of the hours, each once, joined with '; '",
    "count": "how many registrations the line covers",
}
"""Every placeholder a template may use, and what it shows."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_DANGLING = " \t–—-:;,|/·"


class TemplateError(ValueError):
    """A template that cannot be used; ``placeholder`` names the offending one, if any."""

    def __init__(self, message: str, placeholder: str | None = None) -> None:
        super().__init__(message)
        self.placeholder = placeholder


@dataclass(frozen=True)
class LineTemplate:
    """A checked template: literal text and placeholder names, in order."""

    source: str
    parts: tuple[tuple[bool, str], ...]
    """``(is_placeholder, text)`` pairs."""

    def render(self, values: Mapping[str, str]) -> str:
        """The line text for these placeholder values, tidied and bounded."""
        text = "".join(values.get(part, "") if is_name else part for is_name, part in self.parts)
        return tidy(text)


def parse_template(source: str) -> LineTemplate:
    """Check ``source``; raises TemplateError naming an unknown placeholder or a stray brace."""
    if not source.strip():
        raise TemplateError("A line text template cannot be empty.")
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(
            f"A line text template is at most {MAX_TEMPLATE_LENGTH} characters."
        )
    parts: list[tuple[bool, str]] = []
    position = 0
    for match in _TOKEN.finditer(source):
        if match.start() > position:
            parts.append((False, source[position : match.start()]))
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append((False, token[0]))
        elif match.group(1) is None:
            raise TemplateError(
                f"Unmatched {token!r} at character {match.start() + 1}: write {token * 2} for "
                "a literal brace."
            )
        else:
            name = match.group(1).strip()
            if name not in PLACEHOLDERS:
                known = ", ".join(f"{{{known}}}" for known in PLACEHOLDERS)
                raise TemplateError(
                    f"Unknown placeholder {{{name}}}: use {known}.", placeholder=name
                )
            parts.append((True, name))
        position = match.end()
    if position < len(source):
        parts.append((False, source[position:]))
    if not any(is_name for is_name, _ in parts):
        raise TemplateError(
            "A line text template needs at least one placeholder, or every line would read "
            "the same."
        )
    return LineTemplate(source, tuple(parts))


def tidy(text: str) -> str:
    """One line: whitespace collapsed, empty brackets and dangling separators removed."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    text = re.sub(r"\s+", " ", text).strip(_DANGLING)
    if len(text) > MAX_LINE_TEXT:
        text = text[: MAX_LINE_TEXT - 1].rstrip() + "…"
    return text


def _distinct(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def period_text(start: dt.date, end: dt.date) -> str:
    """One date, or "first – last"."""
    return start.isoformat() if start == end else f"{start.isoformat()} – {end.isoformat()}"


@dataclass(frozen=True)
class LineFacts:
    """What one registration contributes to its line's text."""

    date: dt.date
    project: str
    activity: str | None
    user: str | None
    notes: str | None


def placeholder_values(items: Sequence[LineFacts]) -> dict[str, str]:
    """The values of every placeholder for the registrations of one line (in date order)."""
    ordered = sorted(items, key=lambda item: item.date)
    start, end = ordered[0].date, ordered[-1].date
    return {
        "project": ", ".join(_distinct(i.project for i in ordered)),
        "activity": ", ".join(_distinct(i.activity for i in ordered)),
        "user": ", ".join(_distinct(i.user for i in ordered)),
        "date": start.isoformat(),
        "period": period_text(start, end),
        "notes": "; ".join(_distinct(i.notes for i in ordered)),
        "count": str(len(ordered)),
    }

