"""Root fields of runs: read one, follow one."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from resolvers import runs
from resolvers.permissions import IsAuthenticated
from schema.runs import types


@strawberry.type
class RunsQuery:
    run: types.Run | None = strawberry.field(
        resolver=runs.run,
        permission_classes=[IsAuthenticated],
        description="A run of your workspace by global id; null when there is none.",
    )


@strawberry.type
class RunsSubscription:
    run_progress: AsyncGenerator[types.RunProgressEvent, None] = strawberry.subscription(
        resolver=runs.run_progress,
        permission_classes=[IsAuthenticated],
        description=(
            "The run now and after each change (checked twice a second), ending after it "
            "finishes. A NotFoundError (then the end) when it is not in your workspace."
        ),
    )
