"""``node(id:)``: fetch any business object by global id, within the caller's workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from graphql_api.errors import NotFound
from resolvers.context import Info
from resolvers.loaders import load_one
from resolvers.permissions import IsAuthenticated
from schema.relay import Node, from_global_id

# A converter may return None: several node types share one table (runs of each kind).
Converter = Callable[[Any], Node | None]

_REGISTRY: dict[str, tuple[type[Any], Converter]] = {}


def register_node(type_name: str, model: type[Any], convert: Converter) -> None:
    """Make ``node(id:)`` able to fetch ``type_name`` objects; ``convert`` returns None for a
    row that is not of that type (it then looks like an unknown id)."""
    _REGISTRY[type_name] = (model, convert)


async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    """The object, or null when it does not exist in the caller's workspace."""
    try:
        type_name, pk = from_global_id(id)
    except NotFound:
        return None
    entry = _REGISTRY.get(type_name)
    if entry is None:
        return None
    model, convert = entry
    row = await load_one(info.context, model, pk)
    return convert(row) if row is not None else None


@strawberry.type
class NodeQuery:
    node: Node | None = strawberry.field(
        resolver=resolve_node,
        permission_classes=[IsAuthenticated],
        description="Any object by its global id; null when it is not in your workspace.",
    )
