"""``RunContext``: what a run handler receives, and the contract a handler must keep.

The contract (a worker can die at any instruction, and the run is then resumed):

* **Resumable.** A handler may be called again for the same run after a crash
  (``ctx.attempt > 1``). It must pick up from what is stored — in its own tables and in
  ``ctx.progress_done`` / ``ctx.counts`` as recorded by the previous attempt — and must not
  repeat external side effects it cannot recognise as done (look them up first, or use
  idempotent upserts keyed on the provider's ids).
* **Progress as it goes.** Call ``await ctx.progress(...)`` after each unit of work. Pass
  ``session=`` to record progress in the same transaction as the work itself, so the two
  commit (or vanish) together. Progress also serves as a heartbeat.
* **Outcome.** Return ``RunStatus.SUCCEEDED`` (all done), ``PARTIAL`` (some items have
  problems) or ``FAILED``. Raising fails the run: a ``DomainError`` or an integration
  ``ProviderError`` message is shown to users as is; any other exception is logged and shown
  as a generic message (its text may contain secrets, so it never reaches the run).
* **Superseded.** When ``ctx.progress`` raises ``RunSuperseded``, another worker owns the
  run now: let it propagate (the wrapper stops quietly and writes nothing more).
* **Cancellation.** On worker shutdown the handler is cancelled (``CancelledError``); the run
  goes back to QUEUED and resumes on the next worker. Don't swallow ``CancelledError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql_api.budget import BudgetWait
from graphql_api.jobs import runs as run_service
from graphql_api.jobs.runs import Problem
from graphql_api.models.runs import Run, RunKind
from graphql_api.resources import Resources
from graphql_api.security import SecretBox
from graphql_api.settings import Settings


@dataclass
class RunContext:
    """One attempt at one run: its identity, its parameters, services and progress helpers."""

    run_id: int
    workspace_id: int
    kind: RunKind
    params: dict[str, Any]
    started_by_user_id: int | None
    attempt: int
    """1 on the first start; higher when resuming after a crash or restart."""
    progress_done: int
    """``progress_done`` as recorded so far (by earlier attempts when resuming)."""
    progress_total: int | None
    counts: dict[str, int]
    """Counts as recorded so far (by earlier attempts when resuming)."""
    state: Resources
    """The process's settings, sessions, key box and HTTP client."""
    job_id: int | None = None
    _superseded: bool = field(default=False, repr=False)

    @classmethod
    def for_run(cls, state: Resources, run: Run, job_id: int | None) -> RunContext:
        """The context of the attempt ``run`` was just marked RUNNING for."""
        return cls(
            run_id=run.id,
            workspace_id=run.workspace_id,
            kind=run.kind,
            params=dict(run.params),
            started_by_user_id=run.started_by_user_id,
            attempt=run.attempts,
            progress_done=run.progress_done,
            progress_total=run.progress_total,
            counts=dict(run.counts),
            state=state,
            job_id=job_id,
        )

    @property
    def settings(self) -> Settings:
        """Service settings."""
        return self.state.settings

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on the application database (one per unit of work, never shared)."""
        return self.state.sessionmaker

    @property
    def http(self) -> httpx.AsyncClient:
        """The process's shared HTTP client (for provider clients)."""
        return self.state.http

    @property
    def secret_box(self) -> SecretBox:
        """Decrypts stored API keys."""
        return self.state.secret_box

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A fresh session in one transaction: committed on success, rolled back on error."""
        async with self.state.sessionmaker() as session, session.begin():
            yield session

    async def progress(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        counts: dict[str, int] | None = None,
        problems: Sequence[Problem] = (),
        session: AsyncSession | None = None,
    ) -> None:
        """Record progress: ``done``/``total`` replace, ``counts`` add up, ``problems`` append.

        Without ``session`` it commits at once; with one it joins that transaction.
        """
        if session is not None:
            run = await run_service.report_progress(
                session, self.run_id, self.attempt,
                done=done, total=total, counts=counts, problems=problems,
            )
        else:
            async with self.transaction() as own:
                run = await run_service.report_progress(
                    own, self.run_id, self.attempt,
                    done=done, total=total, counts=counts, problems=problems,
                )
        self.progress_done = run.progress_done
        self.progress_total = run.progress_total
        self.counts = dict(run.counts)

    async def waiting(self, wait: BudgetWait | None) -> None:
        """Show that the run waits for WeFact's call budget (None: it goes on again).

        The run's calls report this themselves (``graphql_api.budget``), committed at once."""
        async with self.transaction() as session:
            await run_service.report_waiting(
                session,
                self.run_id,
                self.attempt,
                wait.until if wait else None,
                wait.reason if wait else None,
            )

    async def problem(self, message: str, item: str | None = None) -> None:
        """Record one problem (committed at once)."""
        await self.progress(problems=[Problem(message=message, item=item)])

    async def heartbeat(self) -> None:
        """Show this attempt is alive (done automatically every few seconds as well)."""
        async with self.transaction() as session:
            await run_service.heartbeat(session, self.run_id, self.attempt)
