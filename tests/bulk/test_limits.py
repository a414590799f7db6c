"""The throttling arithmetic: AIMD on requests in flight, adaptive pacing, episodes."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extend_async.bulk.limits import AdaptiveLimit, AdaptiveRate, Episodes


def test_limit_halves_on_a_cut_and_never_drops_below_one() -> None:
    limit = AdaptiveLimit(64)
    limit.on_cut()
    assert limit.current == 32
    for _ in range(20):
        limit.on_cut()
    assert limit.current == 1


def test_limit_regrows_by_one_per_window_of_successes_up_to_the_maximum() -> None:
    limit = AdaptiveLimit(8)
    for _ in range(3):
        limit.on_cut()
    assert limit.current == 1
    limit.on_success()  # a window of one
    assert limit.current == 2
    for _ in range(3):  # about a window of two (+1/2, +1/2.5, +1/2.9)
        limit.on_success()
    assert limit.current == 3
    for _ in range(1000):
        limit.on_success()
    assert limit.current == 8


@given(
    rate=st.floats(min_value=0.5, max_value=500),
    arrivals=st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=50),
)
def test_paced_slots_are_never_closer_than_one_interval(rate: float, arrivals: list[float]) -> None:
    pacer = AdaptiveRate(rate)
    slots = [pacer.reserve(now) for now in sorted(arrivals)]
    assert all(slot >= now for slot, now in zip(slots, sorted(arrivals), strict=True))
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert all(gap >= 1 / rate - 1e-9 for gap in gaps)


def test_without_a_ceiling_nothing_is_paced_until_the_first_cut() -> None:
    pacer = AdaptiveRate(None)
    assert [pacer.reserve(10.0) for _ in range(3)] == [10.0, 10.0, 10.0]
    assert pacer.rate is None


def test_the_first_cut_paces_at_a_little_under_the_accepted_rate() -> None:
    pacer = AdaptiveRate(None, window=1.0, backoff=0.9)
    pacer.on_success(5.0)  # outside the window: forgotten
    for i in range(101):  # 100 per second over the last second
        pacer.on_success(9.0 + i / 100)
    pacer.on_cut(10.0)
    assert pacer.rate is not None
    assert 89.0 < pacer.rate < 92.0


def test_an_idle_start_does_not_dilute_the_first_estimate() -> None:
    pacer = AdaptiveRate(None, window=1.0, backoff=1.0)
    for i in range(50):  # 50 successes in the last half second
        pacer.on_success(9.5 + i / 100)
    pacer.on_cut(10.0)
    assert pacer.rate is not None
    assert pacer.rate >= 99.0


def test_a_cut_with_nothing_accepted_yet_leaves_pacing_off() -> None:
    pacer = AdaptiveRate(None)
    pacer.on_cut(1.0)
    assert pacer.rate is None


def test_later_cuts_are_multiplicative_and_successes_probe_up_to_the_ceiling() -> None:
    pacer = AdaptiveRate(25.0, backoff=0.8, growth=0.5, ramp=math.inf)
    pacer.on_cut(0.0)
    assert pacer.rate == 20.0
    pacer.on_cut(0.1)
    assert pacer.rate == 16.0
    for i in range(4):
        pacer.on_success(1.0 + i)
    assert pacer.rate == 18.0
    for i in range(100):
        pacer.on_success(10.0 + i)
    assert pacer.rate == 25.0


def test_the_probe_speeds_up_the_longer_no_429_comes() -> None:
    pacer = AdaptiveRate(None, growth=0.1, ramp=2.0)
    for i in range(20):
        pacer.on_success(i / 20)
    pacer.on_cut(1.0)
    assert pacer.rate is not None
    start = pacer.rate
    pacer.on_success(1.0)  # right after the cut: +growth
    assert pacer.rate == pytest.approx(start + 0.1)
    pacer.on_success(5.0)  # four seconds (two ramps) later: +growth x 4
    assert pacer.rate == pytest.approx(start + 0.1 + 0.4)


def test_one_congestion_episode_cuts_once() -> None:
    episodes = Episodes()
    assert episodes.is_new(sent_at=1.0, now=2.0)
    # Sent before that cut: the same full bucket, not news.
    assert not episodes.is_new(sent_at=1.5, now=2.1)
    assert episodes.is_new(sent_at=2.2, now=2.5)
