"""Which handler runs which kind of run: ``@run_task(RunKind.X)`` and its lock options.

Defining a handler (in the module of the feature, e.g. ``graphql_api/services/imports.py``)::

    from graphql_api.jobs import LockScope, RunContext, run_task
    from graphql_api.models import RunKind, RunStatus

    @run_task(RunKind.CUSTOMER_IMPORT, lock=LockScope.KIND_PER_WORKSPACE)
    async def import_customers(ctx: RunContext) -> RunStatus:
        ...
        return RunStatus.SUCCEEDED

then import that module in the composition root (``graphql_api.composition``), so every
process (API and workers) registers the handler before it starts or runs a run of that kind.

Exactly one handler per kind. Tests swap a handler for the duration of a test with
``override_handler`` (see ``tests/jobs``).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql_api.models.runs import RunKind, RunStatus
from integrations import CallPriority

if TYPE_CHECKING:
    from graphql_api.jobs.context import RunContext
    from graphql_api.resources import Resources
    from graphql_api.settings import Settings

Handler = Callable[["RunContext"], Coroutine[Any, Any, RunStatus]]
"""``async def handler(ctx: RunContext) -> RunStatus`` (SUCCEEDED, PARTIAL or FAILED)."""

RUN_QUEUE = "runs"
"""The procrastinate queue of run jobs (workers listen to all queues by default)."""


class LockScope(enum.Enum):
    """Which runs of one workspace never run at the same time (procrastinate's job ``lock``).

    Jobs sharing a lock run one after the other, in the order they were queued.
    """

    NONE = "NONE"
    """Runs of this kind may run concurrently, even in one workspace."""

    KIND_PER_WORKSPACE = "KIND_PER_WORKSPACE"
    """One run of this kind at a time per workspace (other kinds are not held up)."""

    WORKSPACE = "WORKSPACE"
    """One run at a time per workspace among all kinds declared with this scope."""


@dataclass(frozen=True)
class RunTaskSpec:
    """A registered handler and how its jobs are queued."""

    kind: RunKind
    handler: Handler
    lock: LockScope = LockScope.KIND_PER_WORKSPACE
    priority: int = 0


_SPECS: dict[RunKind, RunTaskSpec] = {}

CALL_PRIORITY: dict[RunKind, CallPriority] = {RunKind.INVOICE: CallPriority.FIRST}
"""WeFact call priority of each kind of run; every other kind (imports, status sync, detail
fill) is BACKGROUND: it waits while invoicing needs the shared budget."""

FIRST_QUEUE_BOOST = 10
"""Added to the queue priority of runs whose calls go FIRST: a worker slot that comes free
takes a queued invoice run before a queued import."""


def call_priority_of(kind: RunKind) -> CallPriority:
    """The priority of the WeFact calls a run of ``kind`` makes."""
    return CALL_PRIORITY.get(kind, CallPriority.BACKGROUND)


def queue_priority(kind: RunKind) -> int:
    """procrastinate's priority (higher first) for the job of a run of ``kind``."""
    spec = get_spec(kind)
    base = spec.priority if spec is not None else 0
    return base + (FIRST_QUEUE_BOOST if call_priority_of(kind) is CallPriority.FIRST else 0)


def run_task(
    kind: RunKind, *, lock: LockScope = LockScope.KIND_PER_WORKSPACE, priority: int = 0
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the code that performs runs of ``kind``.

    ``lock`` serialises runs per workspace (see ``LockScope``); ``priority``: higher first.
    """

    def register(handler: Handler) -> Handler:
        existing = _SPECS.get(kind)
        if existing is not None and existing.handler is not handler:
            raise RuntimeError(f"a handler for {kind.name} runs is already registered")
        _SPECS[kind] = RunTaskSpec(kind=kind, handler=handler, lock=lock, priority=priority)
        return handler

    return register


def get_spec(kind: RunKind) -> RunTaskSpec | None:
    """The handler registered for ``kind``, or None when this process imported none."""
    return _SPECS.get(kind)


@contextmanager
def override_handler(
    kind: RunKind,
    handler: Handler,
    *,
    lock: LockScope = LockScope.KIND_PER_WORKSPACE,
) -> Iterator[RunTaskSpec]:
    """Tests only: run ``handler`` for ``kind`` inside the block, then restore the real one."""
    previous = _SPECS.get(kind)
    spec = RunTaskSpec(kind=kind, handler=handler, lock=lock)
    _SPECS[kind] = spec
    try:
        yield spec
    finally:
        if previous is None:
            _SPECS.pop(kind, None)
        else:
            _SPECS[kind] = previous


def task_name(kind: RunKind) -> str:
    """The procrastinate task name of runs of ``kind`` (one task per kind)."""
    return f"run:{kind.value}"


def lock_key(kind: RunKind, lock: LockScope, workspace_id: int) -> str | None:
    """The procrastinate ``lock`` of a run's job."""
    if lock is LockScope.KIND_PER_WORKSPACE:
        return f"run:{kind.value}:workspace:{workspace_id}"
    if lock is LockScope.WORKSPACE:
        return f"run:workspace:{workspace_id}"
    return None


# ---------------------------------------------------------------- plain tasks on own lanes


TaskFunction = Callable[["Resources", dict[str, Any]], Awaitable[None]]
"""``async def perform(state: Resources, args: dict) -> None``: one job, no run record."""


@dataclass(frozen=True)
class TaskSpec:
    """A plain procrastinate task (no run record) on a queue of its own.

    Each such queue is a *lane*: its own worker loop with its own concurrency, so its jobs
    never wait behind runs (and runs never behind them).
    """

    name: str
    queue: str
    perform: TaskFunction
    concurrency: Callable[[Settings], int]
    """How many jobs of the lane one worker process runs at once."""


_TASKS: dict[str, TaskSpec] = {}


def job_task(
    name: str, *, queue: str, concurrency: Callable[[Settings], int]
) -> Callable[[TaskFunction], TaskFunction]:
    """Register ``perform`` as the task ``name`` on ``queue`` (a lane of its own)."""

    def register(perform: TaskFunction) -> TaskFunction:
        existing = _TASKS.get(name)
        if existing is not None and existing.perform is not perform:
            raise RuntimeError(f"a task {name} is already registered")
        _TASKS[name] = TaskSpec(name=name, queue=queue, perform=perform, concurrency=concurrency)
        return perform

    return register


def job_tasks() -> list[TaskSpec]:
    """Every plain task this process registered."""
    return list(_TASKS.values())
