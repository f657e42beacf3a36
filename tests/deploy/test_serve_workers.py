"""``graphql-api serve --workers N``: N API processes on one port, one database."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
import httpx

from graphql_api.app import AppState
from graphql_api.db import plain_url
from tests.conftest import TEST_SECRET_KEY, Member
from tests.deploy.processes import Process, start, wait_until_serving


def spawned(process: Process) -> list[int]:
    """The API processes uvicorn spawned (not multiprocessing's resource tracker)."""
    pids = []
    for pid in process.child_pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            pids.append(pid)
    return pids


async def wait_for_processes(process: Process, database: str, count: int) -> list[int]:
    """Until ``count`` spawned API processes each finished starting.

    Each runs a job worker in its lifespan (RUN_WORKER_IN_PROCESS), which registers in
    ``procrastinate_workers``: a process counted there has completed its start-up.
    """
    connection = await asyncpg.connect(database)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 90
        while True:
            children = spawned(process)
            workers = await connection.fetchval("SELECT count(*) FROM procrastinate_workers")
            # One procrastinate worker per lane (runs, webhooks) in each process.
            if len(children) == count and workers == count * 2:
                return children
            assert process.popen.poll() is None, process.tail()
            assert loop.time() < deadline, (
                f"{children} spawned, {workers} started\n{process.tail()}"
            )
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


async def test_two_api_processes_serve_one_port_and_stop_together(
    database_url: str, state: AppState, owner: Member, tmp_path: Path
) -> None:
    # ``state`` emptied procrastinate's tables: only these processes' workers are counted.
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        # One job worker per API process: it also shows each process finished starting.
        "RUN_WORKER_IN_PROCESS": "true",
    }
    api = start("api", ["serve", "--port", "0", "--workers", "2"], env, tmp_path)
    try:
        base = await wait_until_serving(api)
        assert f"GraphQL API on {base}/graphql (2 processes)" in api.output()
        children = await wait_for_processes(api, plain_url(database_url), 2)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            # Fresh connections (no keep-alive), so the kernel may hand them to either.
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/graphql",
                        json={"query": "{ me { email } }"},
                        headers={"Authorization": f"Bearer {owner.token}", "Connection": "close"},
                    )
                    for _ in range(20)
                )
            )
        assert {a.json()["data"]["me"]["email"] for a in answers} == {owner.email}
    finally:
        code = await api.stop()
    assert code == 0, api.tail()
    assert all(not os.path.exists(f"/proc/{pid}") for pid in children)  # noqa: ASYNC240


async def test_workers_on_the_embedded_database_share_the_parents_server(
    tmp_path: Path,
) -> None:
    """No DATABASE_URL: the parent runs PostgreSQL; each API process runs a job worker."""
    data = tmp_path / "data"
    api = start(
        "api",
        ["serve", "--port", "0", "--workers", "2"],
        {"DATA_DIR": str(data), "DATABASE_URL": "", "SECRET_KEY": ""},
        tmp_path,
    )
    try:
        base = await wait_until_serving(api)
        pgdata = (data / "pgdata").resolve()
        await wait_for_processes(api, f"postgresql://postgres@/postgres?host={pgdata}", 2)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            ready = await client.get("/readyz")
        assert ready.json() == {"status": "ok", "database": "ok"}
        # The parent generated the key (before starting the processes that read it).
        assert len((data / "secret_key").read_text().strip()) >= 32
    finally:
        code = await api.stop()
    assert code == 0, api.tail()


async def test_a_process_that_cannot_start_fails_the_command(tmp_path: Path) -> None:
    """An unreachable database stops the in-process job worker's start-up (after the job
    pool's 30 s connect timeout): ``--workers 2`` exits 3 like one process, never 0."""
    env = {
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing",
        "SECRET_KEY": TEST_SECRET_KEY,
        "RUN_WORKER_IN_PROCESS": "true",
    }
    api = start("api", ["serve", "--port", "0", "--workers", "2"], env, tmp_path)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while api.popen.poll() is None:
        assert loop.time() < deadline, api.tail()
        await asyncio.sleep(0.2)
    assert api.popen.returncode == 3, api.tail()
