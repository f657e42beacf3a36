"""The shared WeFact call budget against real PostgreSQL, on a clock the test moves.

Limits are small so the rules show: with ``per_minute=100`` the margin is 2 calls (2 %) and
the reserve 5 calls (5 %), so FIRST calls may take 98 of a fresh window and BACKGROUND
calls 93. The header names and their meaning (calls left, Unix reset time) are WeFact's
(contract §8); the windows are those of the emulator's rule (fixed minute/hour windows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from graphql_api.app import AppState
from graphql_api.budget import (
    GRACE_SECONDS,
    BudgetWait,
    SharedCallBudget,
    SharedWriteLocks,
    budget_wait_reporter,
    margin,
    reserve,
)
from graphql_api.models import CallBudget
from integrations import CallPriority, RateLimitedError

ENDPOINT = "https://api.mijnwefact.nl/v2/"
#: A whole minute (and hour) on the Unix clock, plus ten seconds.
START = 1_800_000_000.0 + 10
MINUTE_RESET = 1_800_000_060.0
FIRST = CallPriority.FIRST
BACKGROUND = CallPriority.BACKGROUND


@dataclass
class FakeClock:
    """Unix time that moves only when the test (or a budget's sleep) moves it."""

    now: float = START
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def budget(state: AppState, clock: FakeClock, per_minute: int = 100) -> SharedCallBudget:
    return SharedCallBudget(
        state.engine, per_minute=per_minute, per_hour=100_000, clock=clock, sleep=clock.sleep
    )


async def take_all(shared: SharedCallBudget, priority: CallPriority) -> tuple[int, float, str]:
    """Take calls until refused: how many were taken, and the refusal."""
    taken = 0
    while True:
        wait, reason = await shared.take(ENDPOINT, priority)
        if wait > 0:
            assert reason is not None
            return taken, wait, reason
        taken += 1
        assert taken < 10_000, "the budget never refused"


def headers(minute_remaining: int, minute_reset: float = MINUTE_RESET) -> dict[str, str]:
    return {
        "API-RateLimit-Remaining-Minute": str(minute_remaining),
        "API-RateLimit-Reset-Minute": str(int(minute_reset)),
        "API-RateLimit-Remaining-Hour": "90000",
        "API-RateLimit-Reset-Hour": str(int(START - 10 + 3600)),
    }


async def feed(shared: SharedCallBudget, answer: dict[str, str]) -> None:
    """Feed one answer's headers and wait until they are written."""
    await shared.settle(ENDPOINT, answer)
    await shared.flush()


async def row(state: AppState) -> CallBudget:
    async with state.sessionmaker() as session:
        found = await session.scalar(select(CallBudget).where(CallBudget.endpoint == ENDPOINT))
    assert found is not None
    return found


def test_margin_and_reserve_are_shares_of_the_limit() -> None:
    assert (margin(500), reserve(500)) == (10, 25)
    assert (margin(100), reserve(100)) == (2, 5)
    assert margin(20) == 2  # never fewer than two calls


async def test_first_calls_stop_at_the_margin_until_the_window_resets(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    taken, wait, reason = await take_all(shared, FIRST)
    assert taken == 100 - 2
    assert reason == "minute"
    assert wait == pytest.approx(MINUTE_RESET + GRACE_SECONDS - START)

    # Not before the grace second after the reset (our clock may run ahead of WeFact's).
    clock.now = MINUTE_RESET + 0.5
    assert (await shared.take(ENDPOINT, FIRST))[0] > 0
    clock.now = MINUTE_RESET + GRACE_SECONDS
    taken, _, _ = await take_all(shared, FIRST)
    assert taken == 98


async def test_background_calls_leave_the_reserve_to_first_calls(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    clock.now = MINUTE_RESET - 0.001  # the window's end: the even spread allows all of it
    taken, _, reason = await take_all(shared, BACKGROUND)
    assert (taken, reason) == (100 - 2 - 5, "minute")
    # The reserve is still there for invoicing.
    taken, _, _ = await take_all(shared, FIRST)
    assert taken == 5
    assert (await row(state)).granted == 98


async def test_background_calls_keep_to_an_even_spread_over_the_window(
    state: AppState, clock: FakeClock
) -> None:
    """Ten seconds into the minute, background calls may have used 1/6 of what they may use
    in the whole minute (93 calls): what they leave is there for invoicing at any moment."""
    shared = budget(state, clock)
    taken, wait, reason = await take_all(shared, BACKGROUND)
    # Allowed while more than 7 + 93 * 50/60 = 84.5 calls remain.
    assert (taken, reason) == (16, "minute")
    assert 0 < wait < 1  # until the line comes down to what remains
    taken, _, _ = await take_all(shared, FIRST)
    assert taken == 100 - 16 - 2
    # Spent, and a FIRST call now waits for the reset: background waits until after it.
    wait, reason = await shared.take(ENDPOINT, BACKGROUND)
    assert reason == "priority"
    assert wait == pytest.approx(MINUTE_RESET + GRACE_SECONDS + 1.0 - clock.now)


async def test_background_calls_follow_the_line_as_time_passes(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    clock.now = MINUTE_RESET - 30  # half the minute left: more than 7 + 93 / 2 must remain
    taken, _, _ = await take_all(shared, BACKGROUND)
    assert taken == 100 - 53
    clock.now = MINUTE_RESET - 0.001
    taken, _, _ = await take_all(shared, BACKGROUND)
    assert taken == 53 - 7


async def test_background_holds_back_while_a_first_call_waits(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    await take_all(shared, FIRST)  # spent; FIRST now waits for the reset
    clock.now = MINUTE_RESET + GRACE_SECONDS
    # The window reset, but the second after it belongs to the FIRST call that waited.
    wait, reason = await shared.take(ENDPOINT, BACKGROUND)
    assert reason == "priority"
    assert wait == pytest.approx(1.0)
    assert (await shared.take(ENDPOINT, FIRST)) == (0.0, None)
    clock.now += wait
    assert (await shared.take(ENDPOINT, BACKGROUND)) == (0.0, None)


async def test_an_answer_with_fewer_calls_left_lowers_the_budget(
    state: AppState, clock: FakeClock
) -> None:
    """Someone else on our address spent calls: WeFact's count is what is left."""
    shared = budget(state, clock)
    assert (await shared.take(ENDPOINT, FIRST))[0] == 0
    await feed(shared, headers(minute_remaining=10))
    taken, _, _ = await take_all(shared, FIRST)
    assert taken == 10 - 2


async def test_calls_in_flight_are_subtracted_from_the_reported_count(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    for _ in range(5):
        assert (await shared.take(ENDPOINT, FIRST))[0] == 0
    # The first answer: 4 more calls are in flight, maybe not yet counted by WeFact.
    await feed(shared, headers(minute_remaining=50))
    assert (await row(state)).minute_remaining == 50 - 4


async def test_an_overtaken_answer_says_nothing_new(state: AppState, clock: FakeClock) -> None:
    shared = budget(state, clock)
    for _ in range(2):
        await shared.take(ENDPOINT, FIRST)
    await feed(shared, headers(minute_remaining=30))
    assert (await row(state)).minute_remaining == 30 - 1  # one call still in flight
    # An answer counted earlier (more left) that arrives later must not raise the budget.
    await feed(shared, headers(minute_remaining=31))
    assert (await row(state)).minute_remaining == 30 - 1


async def test_headers_raise_the_budget_above_the_assumed_limit(
    state: AppState, clock: FakeClock
) -> None:
    """The assumed limit is a start: a WeFact that allows more says so in its headers."""
    shared = budget(state, clock, per_minute=20)
    await shared.take(ENDPOINT, FIRST)
    await feed(shared, headers(minute_remaining=499))
    taken, _, _ = await take_all(shared, FIRST)
    assert taken == 499 - 2


async def test_a_later_window_in_the_headers_is_adopted(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    for _ in range(3):
        await shared.take(ENDPOINT, FIRST)
    clock.now = MINUTE_RESET + 0.2  # WeFact reset; our grace second is not over yet
    await feed(shared, headers(minute_remaining=99, minute_reset=MINUTE_RESET + 60))
    stored = await row(state)
    # Two calls are still in flight: they may land in the new window.
    assert (stored.minute_reset_at, stored.minute_remaining) == (MINUTE_RESET + 60, 99 - 2)


async def test_headers_of_an_earlier_window_are_ignored(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock)
    clock.now = MINUTE_RESET + 5  # a second window
    await shared.take(ENDPOINT, FIRST)
    before = (await row(state)).minute_remaining
    await feed(shared, headers(minute_remaining=0, minute_reset=MINUTE_RESET))
    assert (await row(state)).minute_remaining == before


async def test_the_hour_window_limits_too(state: AppState, clock: FakeClock) -> None:
    shared = SharedCallBudget(
        state.engine, per_minute=1000, per_hour=50, clock=clock, sleep=clock.sleep
    )
    taken, wait, reason = await take_all(shared, FIRST)
    assert (taken, reason) == (48, "hour")
    assert wait == pytest.approx(START - 10 + 3600 + GRACE_SECONDS - START)


async def test_endpoints_have_separate_budgets(state: AppState, clock: FakeClock) -> None:
    shared = budget(state, clock, per_minute=20)
    await take_all(shared, FIRST)
    assert (await shared.take("http://127.0.0.1:9/v2/", FIRST)) == (0.0, None)


async def test_a_run_that_must_wait_says_so_and_goes_on(
    state: AppState, clock: FakeClock
) -> None:
    shared = budget(state, clock, per_minute=20)
    clock.now = MINUTE_RESET - 0.5
    await take_all(shared, BACKGROUND)
    heard: list[BudgetWait | None] = []

    async def reporter(wait: BudgetWait | None) -> None:
        heard.append(wait)

    token = budget_wait_reporter.set(reporter)
    try:
        await shared.acquire(ENDPOINT, BACKGROUND)
    finally:
        budget_wait_reporter.reset(token)
    assert clock.now >= MINUTE_RESET + GRACE_SECONDS
    assert len(heard) == 2
    notice, done = heard
    assert done is None
    assert notice is not None
    assert notice.until == dt.datetime.fromtimestamp(MINUTE_RESET + GRACE_SECONDS, dt.UTC)
    assert "used up" in notice.reason
    assert f"{notice.until:%H:%M:%S} UTC" in notice.reason


async def test_a_request_does_not_wait_longer_than_max_wait(
    state: AppState, clock: FakeClock
) -> None:
    shared = SharedCallBudget(
        state.engine, per_minute=1000, per_hour=20, max_wait=120, clock=clock, sleep=clock.sleep
    )
    await take_all(shared, FIRST)
    with pytest.raises(RateLimitedError):
        await shared.acquire(ENDPOINT, FIRST)
    assert clock.slept == []


async def test_a_call_whose_answer_was_lost_stays_counted_until_its_window_ends(
    state: AppState, clock: FakeClock
) -> None:
    """A timeout or a crash after the call was taken: WeFact may have counted it."""
    shared = budget(state, clock)
    for _ in range(3):
        await shared.take(ENDPOINT, FIRST)  # two of them never get an answer
    await feed(shared, headers(minute_remaining=97))
    stored = await row(state)
    assert (stored.pending, stored.minute_remaining) == (2, 97 - 2)
    clock.now = MINUTE_RESET + GRACE_SECONDS
    await shared.take(ENDPOINT, FIRST)
    stored = await row(state)
    assert (stored.pending, stored.minute_remaining) == (1, 100 - 1)


def test_every_process_is_built_with_the_shared_budget_and_locks(state: AppState) -> None:
    """API and worker processes both start from ``AppState.create``."""
    assert isinstance(state.providers.budget, SharedCallBudget)
    assert (state.providers.budget.per_minute, state.providers.budget.per_hour) == (
        state.settings.wefact_calls_per_minute, state.settings.wefact_calls_per_hour
    )
    assert isinstance(state.providers.write_locks, SharedWriteLocks)


async def test_answers_that_arrive_together_are_written_as_one(
    state: AppState, clock: FakeClock
) -> None:
    """Headers are written behind the calls; what arrived meanwhile is merged: every call is
    no longer in flight, and the newest count (the lowest) is the one that counts."""
    shared = budget(state, clock)
    for _ in range(4):
        await shared.take(ENDPOINT, FIRST)
    for remaining in (60, 58, 59):  # the third was overtaken
        await shared.settle(ENDPOINT, headers(minute_remaining=remaining))
    await shared.flush()
    stored = await row(state)
    assert stored.pending == 1
    assert (stored.minute_low, stored.minute_remaining) == (58, 58 - 1)
