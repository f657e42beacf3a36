"""HostFact's write lock across processes: a PostgreSQL advisory lock per installation.

Two holders of one installation take turns; other installations are not held up; a holder
that is cancelled or whose connection dies (a crashed process) leaves the lock free.
"""

from __future__ import annotations

import asyncio

import asyncpg

from graphql_api.app import AppState
from graphql_api.budget import SharedWriteLocks
from graphql_api.db import plain_url

ONE = "https://hostfact.example.com/Pro/apiv2/api.php"
OTHER = "https://other.example.com/apiv2/api.php"


async def test_writes_to_one_installation_take_turns(state: AppState) -> None:
    locks = SharedWriteLocks(state.engine)
    order: list[str] = []
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold(ONE):
            order.append("first in")
            inside.set()
            await release.wait()
            order.append("first out")

    async def second() -> None:
        await inside.wait()
        async with locks.hold(ONE):
            order.append("second in")

    async def other() -> None:
        await inside.wait()
        async with locks.hold(OTHER):
            order.append("other installation in")

    tasks = [asyncio.create_task(job()) for job in (first, second, other)]
    await inside.wait()
    await asyncio.wait_for(tasks[2], 10)  # not held up by ONE's holder
    await asyncio.sleep(0.3)
    assert "second in" not in order
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert order == ["first in", "other installation in", "first out", "second in"]


async def test_a_cancelled_holder_leaves_the_lock_free(state: AppState) -> None:
    locks = SharedWriteLocks(state.engine)
    inside = asyncio.Event()

    async def stuck() -> None:
        async with locks.hold(ONE):
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await inside.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with asyncio.timeout(10), locks.hold(ONE):
        pass


async def test_a_dead_holders_lock_is_free(state: AppState, database_url: str) -> None:
    """Another process took the lock (same key) and died without releasing it."""
    other_process = await asyncpg.connect(plain_url(database_url))
    transaction = other_process.transaction()
    await transaction.start()
    await other_process.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"hostfact-write:{ONE}"
    )
    locks = SharedWriteLocks(state.engine)
    waiting = asyncio.create_task(_hold_once(locks))
    await asyncio.sleep(0.3)
    assert not waiting.done(), "the lock was not held by the other connection"
    other_process.terminate()  # the socket closes as when the process is killed
    await asyncio.wait_for(waiting, 10)


async def _hold_once(locks: SharedWriteLocks) -> None:
    async with locks.hold(ONE):
        pass
