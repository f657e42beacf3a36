"""A real worker in its own process, with the test handler.

``python -m tests.jobs.worker_process DATABASE_URL``: tests start it with
``subprocess.Popen`` and kill it mid-run.
"""

from __future__ import annotations

import asyncio
import sys

from graphql_api.app import AppState
from graphql_api.jobs import override_handler
from graphql_api.jobs.worker import JobRunner
from graphql_api.settings import Settings
from tests.jobs.handlers import TEST_KIND, steps


async def main(database_url: str) -> None:
    settings = Settings(database_url=database_url, secret_key="test-secret-key-not-for-production")
    state = AppState.create(settings, database_url)
    runner = JobRunner(state)
    await runner.open()
    try:
        with override_handler(TEST_KIND, steps):
            await runner.run_worker(wait=True, install_signal_handlers=True, name="subprocess")
    finally:
        await runner.close()
        await state.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
