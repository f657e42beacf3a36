"""The periodic clean-up of the request guards' tables (listed by the composition root)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from graphql_api.services.idempotency import forget_expired
from graphql_api.services.login_throttle import forget_stale

if TYPE_CHECKING:
    from graphql_api.jobs.worker import JobRunner


async def expire_guards(runner: JobRunner, timestamp: int) -> None:
    """Periodic job: forget expired Idempotency-Key answers and login-throttle rows whose
    window is over (both tables would otherwise only grow)."""
    state = runner.state
    await forget_expired(state.sessionmaker)
    window = dt.timedelta(seconds=state.settings.login_window_seconds)
    await forget_stale(state.sessionmaker, window)
