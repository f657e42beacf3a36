"""Types are views over rows: a column and a type field are all a new field takes.

``Gadget`` exists only in this test: a table, a model and a type declared the way the API's
types are. With nothing else — no copy into the type, no registry, no loader — it answers
through the real ``node(id:)`` field with its global id, scoped to the caller's workspace and
checked by its read rule; ``VIEWS`` describes it for a compiler.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from sqlalchemy import BigInteger, String, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from strawberry.relay import NodeID

from graphql_api.app import AppState
from graphql_api.models import Role
from graphql_api.services.auth import Caller
from resolvers.context import Context
from resolvers.ids import global_id
from resolvers.permissions import MANAGERS
from schema.errors import EXCEPTION_HANDLERS
from schema.node import NodeQuery
from schema.relay import Node
from schema.views import VIEWS, row_type, view_of
from tests.conftest import Member


class _Base(DeclarativeBase):
    pass


class Gadget(_Base):
    """A model of this test only: the id, the workspace, and two columns."""

    __tablename__ = "test_view_gadgets"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(50))
    colour: Mapped[str] = mapped_column(String(20))  # the new column ...


@row_type(Gadget, name="Gadget", read=MANAGERS, description="A gadget.")
class GadgetType(Node):
    id: NodeID[int]
    name: str = strawberry.field(description="Its name.")
    colour: str = strawberry.field(description="Its colour.")  # ... and its field


@pytest.fixture
async def gadget_type(state: AppState) -> AsyncIterator[type[Any]]:
    async with state.engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    try:
        yield GadgetType
    finally:
        async with state.engine.begin() as connection:
            await connection.run_sync(_Base.metadata.drop_all)


async def _ask(
    state: AppState, gadget_type: type[Any], member: Member, role: Role, gid: str
) -> Any:
    @strawberry.type
    class Query(NodeQuery):
        pass

    schema = strawberry.Schema(
        query=Query, types=[gadget_type], exception_handlers=EXCEPTION_HANDLERS
    )
    caller = Caller(user_id=member.user_id, workspace_id=member.workspace_id, role=role,
                    token_id=0)
    return await schema.execute(
        f'{{ node(id: "{gid}") {{ id ... on Gadget {{ name colour }} }} }}',
        context_value=Context(state=state, caller=caller),
    )


async def test_a_column_and_a_field_are_all_it_takes(
    state: AppState, owner: Member, other_owner: Member, gadget_type: type[Any]
) -> None:
    async with state.engine.begin() as connection:
        await connection.execute(insert(Gadget).values([
            {"id": 1, "workspace_id": owner.workspace_id, "name": "Lamp", "colour": "teal"},
            {"id": 2, "workspace_id": other_owner.workspace_id, "name": "Fan", "colour": "red"},
        ]))
    mine, theirs = global_id("Gadget", 1), global_id("Gadget", 2)

    result = await _ask(state, gadget_type, owner, Role.OWNER, mine)
    assert result.errors is None
    assert result.data == {"node": {"id": mine, "name": "Lamp", "colour": "teal"}}
    # Another workspace's gadget looks like no gadget; the type's read rule holds too.
    assert (await _ask(state, gadget_type, owner, Role.OWNER, theirs)).data == {"node": None}
    refused = await _ask(state, gadget_type, owner, Role.MEMBER, mine)
    assert refused.data == {"node": None}
    assert [e.extensions for e in refused.errors or []] == [{"code": "FORBIDDEN"}]

    view = view_of(gadget_type)
    assert (view.model, dict(view.columns), view.node_id) == (
        Gadget, {"name": "name", "colour": "colour"}, "id"
    )


def test_a_field_without_a_column_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="Gadget has no 'color'"):

        @row_type(Gadget, name="Misspelt", description="A gadget with a typo.")
        class Misspelt:
            color: str = strawberry.field(description="Its colour, misspelt.")
    assert "Misspelt" not in VIEWS
