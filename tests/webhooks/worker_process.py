"""A production-like worker in its own process: every lane (runs, webhooks), as
``graphql-api worker`` runs them.

``python -m tests.webhooks.worker_process DATABASE_URL``: the crash test starts it with
``subprocess.Popen`` and kills it (SIGKILL) mid-delivery.
"""

from __future__ import annotations

import asyncio
import sys

import graphql_api.composition  # noqa: F401 - registers the tasks, as every process does
from graphql_api.app import AppState
from graphql_api.jobs.worker import JobRunner
from graphql_api.settings import Settings
from tests.conftest import TEST_SECRET_KEY


async def main(database_url: str) -> None:
    settings = Settings(
        database_url=database_url, secret_key=TEST_SECRET_KEY,
        allow_private_integration_urls=True, webhook_timeout_seconds=30.0,
    )
    state = AppState.create(settings, database_url)
    runner = JobRunner(state)
    await runner.open()
    try:
        await runner.run_lanes(install_signal_handlers=True, name="subprocess")
    finally:
        await runner.close()
        await state.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
