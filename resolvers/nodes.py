"""``node(id:)``: any object of the caller's workspace by global id."""

from __future__ import annotations

from typing import Any

from resolvers.context import Info
from resolvers.ids import parse_global_id
from resolvers.loaders import load_one


async def node(info: Info, global_id: str, models: dict[str, type[Any]]) -> tuple[str, Any] | None:
    """The GraphQL type name and row of ``global_id`` when it names one of ``models`` (type
    name → model) and exists in the caller's workspace; else None."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] not in models:
        return None
    type_name, pk = parsed
    row = await load_one(info.context, models[type_name], pk)
    return None if row is None else (type_name, row)
