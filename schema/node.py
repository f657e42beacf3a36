"""``node(id:)``: fetch any business object by global id, within the caller's workspace.

Every Node type's view says which rows it shows (its model, and its kind for types sharing
a table); the object then passes its type's read rule like on any other path.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import nodes
from resolvers.context import Info
from resolvers.permissions import IsAuthenticated
from schema.relay import Node
from schema.views import VIEWS, node_view

NODE_ID = Annotated[strawberry.ID, strawberry.argument(description="A global id.")]


def _node_models() -> dict[str, type[Any]]:
    """Node type name → the model its rows come from."""
    return {name: view.model for name, view in VIEWS.items() if view.node_id is not None}


@strawberry.type
class NodeQuery:
    @strawberry.field(
        graphql_type=Node | None,
        permission_classes=[IsAuthenticated],
        description="Any object by its global id; null when it is not in your workspace.",
    )
    async def node(self, info: Info, id: NODE_ID) -> Any:
        found = await nodes.node(info, id, _node_models())
        if found is None:
            return None
        type_name, row = found
        view = node_view(type_name)
        if view is None or not view.matches(row):
            return None  # e.g. an InvoiceRun id of a run of another kind
        # Several Node types may show one row (a run is a Run and an InvoiceRun): say which.
        return strawberry.cast(view.schema_type, row)
