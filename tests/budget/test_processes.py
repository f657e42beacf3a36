"""Two processes of ours at once: one WeFact budget, one HostFact write lock between them.

Each process is started as every API and worker process is built (``AppState.create``) in
``tests/budget/calls_process.py``; both get the go at the same moment and fire all their
calls at once. The emulator counts what arrives. Its rules come from the real products:
WeFact limits calls per source IP per minute and firewalls an IP that goes over (its
``API-RateLimit-*`` headers; contract §8), HostFact refuses a write that waits more than its
lock timeout for another write ("API has concurrent calls, but the queue was not able to fix
them in 5 seconds.", HostFact's API source; contract §3). Each test has a control run
without the shared budget or lock, showing the emulator does catch what the test guards.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from integrations.emulator import EmulatorState, serve_emulator

REPO = Path(__file__).resolve().parents[2]
API_KEY = "two-processes-key-0123456789"
PER_MINUTE = 30
CALLS_PER_PROCESS = 20
#: The middle of a minute: the emulator's window and the budget's clock stay in it.
FROZEN = 1_800_000_030.0


async def run_two(config: dict[str, Any]) -> list[list[str]]:
    """Start two processes, let them go at once; what each call of each ended in."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(  # noqa: ASYNC220 - the loop must keep serving the emulator
            [sys.executable, "-m", "tests.budget.calls_process", json.dumps(config)],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
            assert line.strip() == "ready", line
        for process in processes:
            process.stdin.write("go\n")  # type: ignore[union-attr]
            process.stdin.flush()  # type: ignore[union-attr]
        results = []
        for process in processes:
            line = await asyncio.wait_for(
                asyncio.to_thread(process.stdout.readline), 120  # type: ignore[union-attr]
            )
            results.append(json.loads(line))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def wefact_emulator() -> EmulatorState:
    state = EmulatorState(flavor="wefact", api_key=API_KEY)
    state.rate_limit_per_minute = PER_MINUTE
    state.rate_limit_per_hour = 100_000
    state.wall_clock = lambda: FROZEN
    state.seed_products()
    return state


async def wefact_run(database_url: str, *, shared: bool) -> tuple[EmulatorState, Counter[str]]:
    emulator = wefact_emulator()
    async with serve_emulator(emulator) as url:
        results = await run_two({
            "database_url": database_url, "flavor": "wefact", "url": url, "api_key": API_KEY,
            "calls": CALLS_PER_PROCESS, "per_minute": PER_MINUTE, "clock": FROZEN,
            "shared": shared,
        })
    return emulator, Counter(outcome for result in results for outcome in result)


async def test_two_processes_never_exceed_the_shared_wefact_budget(
    state: Any, database_url: str
) -> None:
    emulator, outcomes = await wefact_run(database_url, shared=True)
    arrived = len(emulator.calls)
    assert emulator.firewalled == {}
    # 30 a minute, a margin of 2: 28 calls went, the other 12 were held back by our budget.
    assert arrived == PER_MINUTE - 2
    assert outcomes == Counter(ok=PER_MINUTE - 2, RateLimitedError=2 * CALLS_PER_PROCESS - 28)


async def test_control_two_processes_with_their_own_pacers_get_firewalled(
    state: Any, database_url: str
) -> None:
    emulator, outcomes = await wefact_run(database_url, shared=False)
    assert emulator.firewalled, "the emulator's limit did not trip: the test above proves nothing"
    assert outcomes["FirewalledError"] > 0


async def hostfact_run(database_url: str, *, shared: bool) -> tuple[EmulatorState, Counter[str]]:
    emulator = EmulatorState(flavor="hostfact", api_key=API_KEY)
    # Scaled down from HostFact's 5 s: a write waits at most 0.2 s for one that holds the lock
    # for 0.3 s, so two writes that meet always collide.
    emulator.write_lock_wait = 0.2
    emulator.write_hold_seconds = 0.3
    product = emulator.seed_products()[0]["ProductCode"]
    debtor = emulator.add_debtor(CompanyName="Bakkerij Smit")["DebtorCode"]
    async with serve_emulator(emulator) as url:
        results = await run_two({
            "database_url": database_url, "flavor": "hostfact", "url": url, "api_key": API_KEY,
            "calls": 3, "product": product, "debtor": debtor, "shared": shared,
        })
    return emulator, Counter(outcome for result in results for outcome in result)


async def test_hostfact_writes_from_two_processes_never_meet_the_write_lock(
    state: Any, database_url: str
) -> None:
    emulator, outcomes = await hostfact_run(database_url, shared=True)
    assert outcomes == Counter(ok=6)
    # Every invoice/add that arrived made an invoice: none was refused for the lock.
    assert emulator.calls_to("invoice", "add") == len(emulator.invoices) == 6


async def test_control_hostfact_writes_with_per_process_locks_collide(
    state: Any, database_url: str
) -> None:
    emulator, _ = await hostfact_run(database_url, shared=False)
    assert emulator.calls_to("invoice", "add") > len(emulator.invoices), (
        "no write was refused for the lock: the test above proves nothing"
    )
