"""Test-only run handlers, shared by the tests and the worker subprocess.

They are registered with ``override_handler`` for the duration of a test (never with
``@run_task``), on ``RunKind.STATUS_SYNC``, so they never clash with real handlers.
``steps`` is driven by the run's ``params``:

- ``items``: how many steps; each step commits ``done`` and ``counts.processed += 1``
  together with the work, and resumes from ``ctx.progress_done``.
- ``block_on_attempts``: attempts on which it blocks forever after the first step
  (a worker to kill, or to shut down).
- ``problem_items``: steps that record a problem (the run ends PARTIAL).
- ``raise``: ``"domain"`` or ``"unexpected"`` raises after the first step.
- ``pause``: seconds to sleep per step (to make concurrent workers overlap).
"""

from __future__ import annotations

import asyncio

from graphql_api.errors import InvalidInput
from graphql_api.jobs import Problem, RunContext
from graphql_api.models import RunKind, RunStatus

TEST_KIND = RunKind.STATUS_SYNC
SECRET = "sk-live-hunter2"

executions: list[tuple[int, int]] = []
"""(run id, attempt) of every handler call in this process."""


async def steps(ctx: RunContext) -> RunStatus:
    """A resumable handler: ``items`` steps, each committed with its progress."""
    executions.append((ctx.run_id, ctx.attempt))
    items = int(ctx.params.get("items", 3))
    problem_items = set(ctx.params.get("problem_items", []))
    pause = float(ctx.params.get("pause", 0))
    for step in range(ctx.progress_done, items):
        if pause:
            await asyncio.sleep(pause)
        async with ctx.transaction() as session:
            # The step's own work would be written here, in the same transaction.
            problems = []
            if step in problem_items:
                problems.append(Problem(f"step {step} failed", item=str(step)))
            await ctx.progress(
                done=step + 1, total=items, counts={"processed": 1}, problems=problems,
                session=session,
            )
        if step == 0 and ctx.attempt in ctx.params.get("block_on_attempts", []):
            await asyncio.Event().wait()
        if step == 0 and ctx.params.get("raise") == "domain":
            raise InvalidInput("The WeFact connection is not active.")
        if step == 0 and ctx.params.get("raise") == "unexpected":
            raise RuntimeError(f"connect failed with key={SECRET}")
    return RunStatus.PARTIAL if problem_items else RunStatus.SUCCEEDED
