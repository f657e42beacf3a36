"""Reading a GraphQL-over-HTTP request strictly: every malformed one gets a 4xx and a reason.

strawberry's view assumed a JSON object and turned ``null``, ``"x"``, ``123``, a non-UTF-8
byte or JSON nested 2,000 deep into HTTP 500. Here the body must be UTF-8 JSON (RFC 8259,
without NaN/Infinity), an object, with ``query`` a string, ``variables`` and ``extensions``
objects and ``operationName`` a string (each may be null) — as the GraphQL-over-HTTP draft
spells out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cross_web import HTTPException
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type

JSON_MEDIA_TYPES = frozenset({"application/json", "application/graphql+json"})


class RequestError(HTTPException):
    """A request we refuse: its status, a message for the client and any headers (Allow)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, message)
        self.headers = dict(headers or {})


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decode_json(raw: bytes | str, *, what: str = "The request body") -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity, no nesting beyond the recursion limit."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestError(
                400, f"{what} is not valid UTF-8 (byte {exc.start} cannot be decoded)."
            ) from None
    else:
        text = raw
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise RequestError(
            400, f"{what} is not valid JSON: {exc.msg} at position {exc.pos}."
        ) from None
    except RecursionError:
        # The C decoder stops at the interpreter's recursion limit; shallower nesting is
        # bounded later by the variables check (schema.input_text), without recursion.
        raise RequestError(400, f"{what} nests JSON too deeply.") from None
    except ValueError as exc:
        # e.g. an integer of more than 4,300 digits, or NaN.
        raise RequestError(400, f"{what} is not valid JSON: {exc}.") from None


def is_multipart_content_type(content_type: str | None) -> bool:
    """True for a ``multipart/form-data`` body (a file upload)."""
    media_type, _ = parse_content_type(content_type or "")
    return media_type == "multipart/form-data"


def check_json_content_type(content_type: str | None) -> None:
    """A POST body must be JSON in UTF-8; anything else is 415."""
    media_type, params = parse_content_type(content_type or "")
    if media_type not in JSON_MEDIA_TYPES:
        shown = media_type or "none"
        raise RequestError(
            415, f"Send the request as Content-Type: application/json (got {shown})."
        )
    charset = params.get("charset", "utf-8").lower()
    if charset not in {"utf-8", "utf8"}:
        raise RequestError(415, f"The request body must be UTF-8 (charset {charset} given).")


def request_from_body(data: Any) -> GraphQLRequestData:
    """The GraphQL parameters of a decoded POST body."""
    if isinstance(data, list):
        raise RequestError(400, "Batches are not supported: send one operation per request.")
    if not isinstance(data, dict):
        raise RequestError(
            400,
            "The request body must be a JSON object with a `query` string, "
            f"not {_json_kind(data)}.",
        )
    return _parameters(data)


def request_from_query_params(params: Mapping[str, Any]) -> GraphQLRequestData:
    """The GraphQL parameters of a GET request (``variables``/``extensions`` as JSON text)."""
    data: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
    }
    for name in ("variables", "extensions"):
        raw = params.get(name)
        if raw:
            data[name] = decode_json(raw, what=f"The `{name}` parameter")
    return _parameters(data)


def _parameters(data: Mapping[str, Any]) -> GraphQLRequestData:
    query = data.get("query")
    if query is None:
        raise RequestError(400, "The request has no `query`: send the GraphQL document in it.")
    if not isinstance(query, str):
        raise RequestError(400, f"`query` must be a string, not {_json_kind(query)}.")
    if not query.strip():
        raise RequestError(400, "`query` is empty: send the GraphQL document in it.")
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError(400, f"`variables` must be an object, not {_json_kind(variables)}.")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError(
            400, f"`operationName` must be a string, not {_json_kind(operation_name)}."
        )
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError(400, f"`extensions` must be an object, not {_json_kind(extensions)}.")
    return GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=operation_name or None,
        extensions=extensions,
    )


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
