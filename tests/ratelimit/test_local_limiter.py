"""``LocalRateLimiter``: the GCRA with a fake clock, so no test depends on time."""

from __future__ import annotations

import math

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async import ExtendError, InvalidInputError
from extend_async.ratelimit import CATEGORIES, Category, LocalRateLimiter, Pace, RateLimiter


class FakeTime:
    """A clock the test moves, and a sleep that records the delay and moves the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make(
    rate: float | dict[Category, float] = 10.0, burst: int = 1
) -> tuple[LocalRateLimiter, FakeTime]:
    fake = FakeTime()
    limiter = LocalRateLimiter(rate, burst=burst, clock=fake.clock, sleep=fake.sleep)
    return limiter, fake


def test_satisfies_the_protocol() -> None:
    assert isinstance(LocalRateLimiter(), RateLimiter)


def test_reservations_are_spaced_by_the_interval() -> None:
    limiter, _ = make(rate=4)
    waits = [limiter.reserve("GET") for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])


def test_a_burst_goes_at_once_then_the_rate() -> None:
    limiter, _ = make(rate=2, burst=3)
    waits = [limiter.reserve("GET") for _ in range(6)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.5, 1.0, 1.5])


def test_an_idle_budget_fills_up_to_the_burst_only() -> None:
    limiter, fake = make(rate=1, burst=2)
    assert [limiter.reserve("GET") for _ in range(2)] == [0.0, 0.0]
    fake.now += 3600
    assert [limiter.reserve("GET") for _ in range(3)] == pytest.approx([0.0, 0.0, 1.0])


def test_categories_are_separate_budgets() -> None:
    limiter, _ = make(rate=1)
    assert [limiter.reserve(c) for c in CATEGORIES] == [0.0, 0.0, 0.0]
    assert limiter.reserve("GET") == pytest.approx(1.0)


def test_a_category_left_out_is_not_limited() -> None:
    limiter, _ = make(rate={"RUN": 1})
    assert [limiter.reserve("GET") for _ in range(100)] == [0.0] * 100
    assert limiter.reserve("RUN") == 0.0
    assert limiter.reserve("RUN") == pytest.approx(1.0)


async def test_acquire_sleeps_until_the_slot_is_due() -> None:
    limiter, fake = make(rate=5)
    for _ in range(4):
        await limiter.acquire("WRITE")
    # Each acquire after the first waits one interval: the fake sleep moves the clock.
    assert fake.sleeps == pytest.approx([0.2, 0.2, 0.2])


async def test_penalize_holds_every_caller_until_the_hint_has_passed() -> None:
    limiter, fake = make(rate=10, burst=5)
    await limiter.penalize("GET", 3.0)
    assert limiter.reserve("GET") == pytest.approx(3.0)
    # After the hint: the steady rate, no burst.
    assert limiter.reserve("GET") == pytest.approx(3.1)
    await limiter.penalize("WRITE", 0.0)
    assert limiter.reserve("WRITE") == 0.0


async def test_penalize_never_brings_booked_slots_forward() -> None:
    limiter, _ = make(rate=1)
    for _ in range(10):
        limiter.reserve("GET")
    await limiter.penalize("GET", 2.0)
    assert limiter.reserve("GET") == pytest.approx(10.0)


async def test_a_cancelled_wait_gives_its_slot_back() -> None:
    limiter = LocalRateLimiter(rate=0.01)  # real sleeps: the second waits 100 s
    await limiter.acquire("GET")
    with anyio.move_on_after(0.05):
        await limiter.acquire("GET")
    # The cancelled caller's slot is free again: the next one is the second slot.
    assert limiter.reserve("GET") == pytest.approx(100.0, abs=1.0)


@pytest.mark.parametrize(
    ("rate", "burst"),
    [(0, 1), (-1, 1), (math.inf, 1), (math.nan, 1), (1, 0), (1, 1.5), (1, True), ({"POST": 1}, 1)],
)
def test_bad_settings_are_refused(rate: object, burst: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        LocalRateLimiter(rate, burst=burst)  # type: ignore[arg-type]
    assert isinstance(caught.value, ExtendError)


def test_repr_and_paces() -> None:
    limiter = LocalRateLimiter({"GET": 10, "RUN": 2.5}, burst=2)
    assert repr(limiter) == "LocalRateLimiter(GET=10/s, RUN=2.5/s, burst=2)"
    assert limiter.paces == {"GET": Pace(10.0, 2), "RUN": Pace(2.5, 2)}


@given(
    rate=st.floats(min_value=0.5, max_value=100),
    burst=st.integers(min_value=1, max_value=5),
    gaps=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=60),
)
def test_no_window_ever_holds_more_than_the_rate_allows(
    rate: float, burst: int, gaps: list[float]
) -> None:
    """Whenever the calls come, the send times booked never exceed ``burst + rate × w`` in
    any window of ``w`` seconds; and a caller never waits past one interval after the slot
    booked before it (no slot is wasted)."""
    limiter, fake = make(rate=rate, burst=burst)
    sends: list[float] = []
    previous = -math.inf
    for gap in gaps:
        fake.now += gap
        send = fake.now + limiter.reserve("RUN")
        assert fake.now <= send <= max(fake.now, previous + 1 / rate) + 1e-6
        sends.append(previous := send)
    sends.sort()
    for i, start in enumerate(sends):
        for j in range(i, len(sends)):
            window = sends[j] - start
            assert j - i + 1 <= burst + rate * window + 1e-6
