"""Relay plumbing from ``strawberry.relay``: the ``Node`` interface, and a ``Connection``
over our keyset pages.

Node types subclass ``relay.Node`` and mark their primary key with ``relay.NodeID``; strawberry's
``id`` field then answers ``base64("Type:pk")`` — the same bytes as the ids issued before
(see ``resolvers.ids``). Lists answer with a ``resolvers.pagination.Page``: ``Connection``
shows it as it is (``(date, id)`` / ``(name, id)`` keyset cursors, ``first`` 1–100) and
counts ``totalCount`` only when it is selected.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.relay.types import NodeType
from strawberry.types.base import get_object_definition

from resolvers.pagination import Page

Node = relay.Node

FIRST = Annotated[int, strawberry.argument(description="Page size, 1–100.")]
AFTER = Annotated[
    str | None, strawberry.argument(description="Cursor to continue after (`endCursor`).")
]


@strawberry.type(description="One item of a page and its cursor.")
class Edge(relay.Edge[NodeType]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: NodeType = strawberry.field(description="The item.")


@strawberry.type(description="A page of items in a stable order.")
class Connection(relay.Connection[NodeType]):
    edges: list[relay.Edge[NodeType]] = strawberry.field(
        graphql_type=list[Edge[NodeType]], description="The items of this page."
    )
    page_info: relay.PageInfo = strawberry.field(description="Paging state.")

    @strawberry.field(description="How many items match the filter, over all pages.")
    @staticmethod
    async def total_count(root: strawberry.Parent[Page[Any]]) -> int:
        # Counting costs a query of its own, so it only runs when `totalCount` is selected.
        return await root.count()


# Our order (edges, then pageInfo) rather than relay's.
get_object_definition(Connection, strict=True).fields.sort(
    key=lambda field: ("edges", "page_info", "total_count").index(field.python_name)
)
