"""Background jobs on PostgreSQL (procrastinate) behind our own run records.

A *run* (``graphql_api.models.Run``) is what users see: kind, status, progress, counts,
problems. A procrastinate *job* is how a worker gets to perform it. The pieces:

- ``registry``: ``@run_task(RunKind.X, lock=LockScope...)`` registers the handler of a kind.
- ``context``: ``RunContext``, what a handler receives, and the resumability contract.
- ``runs``: ``start_run`` (run row + job in the caller's transaction), ``wait_for_run``,
  and the progress writes the context uses.
- ``worker``: the procrastinate app on the process's ``Resources`` (``open_jobs``,
  ``JobRunner``), the wrapper that runs handlers, the in-process worker of ``serve``.
- ``reaper``: resumes or fails runs whose worker died, re-queues runs that lost their job.
- ``periodic``: what a periodic job is, and the reaper's (the composition root lists them all).

Adding a run kind (say ``RunKind.CUSTOMER_IMPORT``)::

    # graphql_api/services/customer_import.py
    @run_task(RunKind.CUSTOMER_IMPORT, lock=LockScope.KIND_PER_WORKSPACE)
    async def import_customers(ctx: RunContext) -> RunStatus:
        page = ctx.progress_done // PAGE_SIZE          # resume where the last attempt stopped
        ...
        async with ctx.transaction() as session:
            ...upsert one page...
            await ctx.progress(done=..., total=..., counts={"created": n}, session=session)
        await ctx.problem("Debtor has no e-mail address", item="DB0042")
        return RunStatus.PARTIAL if ctx.counts.get("failed") else RunStatus.SUCCEEDED

    # and import graphql_api.services.customer_import in graphql_api/composition.py.

Starting it from a mutation and waiting ``settings.run_wait_seconds`` for it::

    async with info.context.transaction() as session:   # Conflict: an import is active
        run = await start_run(session, workspace_id, RunKind.CUSTOMER_IMPORT, {}, user_id)
    # the run row, finished or in progress, for the CustomerImport type to show
    return await wait_for_run(state.sessionmaker, run.id, state.settings.run_wait_seconds)
"""

from graphql_api.jobs.context import RunContext
from graphql_api.jobs.registry import LockScope, override_handler, run_task
from graphql_api.jobs.runs import (
    FINAL_RUN_STATUSES,
    Problem,
    RunSuperseded,
    start_run,
    wait_for_run,
)

__all__ = [
    "FINAL_RUN_STATUSES",
    "LockScope",
    "Problem",
    "RunContext",
    "RunSuperseded",
    "override_handler",
    "run_task",
    "start_run",
    "wait_for_run",
]
