"""Root fields of runs: read one, follow one."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from graphql_api import models
from graphql_api.errors import NotFound
from resolvers import runs
from resolvers.context import Info
from resolvers.permissions import IsAuthenticated
from schema.errors import Error, NotFoundError, as_error
from schema.runs import types

RUN_ID = Annotated[strawberry.ID, strawberry.argument(description="Global id of the run.")]


@strawberry.type
class RunsQuery:
    @strawberry.field(
        graphql_type=types.Run | None,
        permission_classes=[IsAuthenticated],
        description="A run of your workspace by global id; null when there is none.",
    )
    async def run(self, info: Info, id: RUN_ID) -> models.Run | None:
        return await runs.run_by_id(info, id, ("Run",))


@strawberry.type
class RunsSubscription:
    @strawberry.subscription(
        graphql_type=types.RunProgressEvent,
        permission_classes=[IsAuthenticated],
        description=(
            "The run now and after each change (checked twice a second), ending after it "
            "finishes. A NotFoundError (then the end) when it is not in your workspace."
        ),
    )
    async def run_progress(
        self, info: Info, id: RUN_ID
    ) -> AsyncGenerator[models.Run | Error, None]:
        async for event in runs.run_progress(info, id):
            if isinstance(event, NotFound):
                yield as_error(event, (NotFoundError,), info.context)
            else:
                yield event
