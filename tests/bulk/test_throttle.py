"""The throttle: one shared pause for a 429, limits on requests in flight, stopping."""

from __future__ import annotations

import contextlib

import anyio
import pytest

from extend_async import (
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
    ThrottledOutError,
)
from extend_async.bulk.throttle import (
    MAX_UNHINTED_EPISODES,
    THROTTLED_WINDOWS,
    Stopped,
    Throttle,
)

from ._fakes import FAST, status_error


def too_many(retry_after: float | None) -> RateLimitError:
    error = status_error(RateLimitError, 429, retry_after=retry_after)
    assert isinstance(error, RateLimitError)
    return error


async def test_a_429_holds_back_every_request_until_its_retry_after_has_passed() -> None:
    throttle = Throttle(concurrency=2, max_rate=None, policy=FAST)
    sent: dict[int, float] = {}
    pause_end = 0.0

    async def request(i: int) -> None:
        nonlocal pause_end
        sent[i] = anyio.current_time()
        if i == 0:
            pause_end = anyio.current_time() + 0.2
            raise too_many(0.2)
        await anyio.sleep(0.01)

    async def send(i: int) -> None:
        with contextlib.suppress(RateLimitError):
            await throttle.send(lambda: request(i))

    async with anyio.create_task_group() as tg:
        for i in range(6):
            tg.start_soon(send, i)
    assert throttle.throttled == 1
    later = [t for i, t in sent.items() if i >= 2]  # queued behind the first two
    assert len(later) == 4
    assert min(later) >= pause_end - 1e-3


async def test_a_max_rate_spaces_requests_evenly() -> None:
    throttle = Throttle(concurrency=8, max_rate=50, policy=FAST)
    sent: list[float] = []

    async def request() -> None:
        sent.append(anyio.current_time())

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(throttle.send, request)
    # Request i goes no earlier than its slot, i / rate after the first (a late wake-up
    # only delays it further, so this holds however busy the machine is).
    assert all(t - sent[0] >= i / 50 - 1e-3 for i, t in enumerate(sent))


async def test_a_stop_drops_waiting_requests_at_once() -> None:
    throttle = Throttle(concurrency=1, max_rate=None, policy=FAST)
    outcomes: list[str] = []

    async def slow() -> None:
        await anyio.sleep(0.05)

    async def send() -> None:
        try:
            await throttle.send(slow)
            outcomes.append("sent")
        except Stopped:
            outcomes.append("stopped")

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(send)
        await anyio.sleep(0.01)
        throttle.stop()
    # The one in flight finished; the two waiting for it never went.
    assert sorted(outcomes) == ["sent", "stopped", "stopped"]
    assert throttle.requests == 1


async def test_a_request_still_unanswered_after_the_grace_period_is_unknown() -> None:
    throttle = Throttle(concurrency=1, max_rate=None, policy=FAST, grace=0.05)

    async def hangs() -> None:
        await anyio.sleep(10)

    async with anyio.create_task_group() as tg:

        async def send() -> None:
            with pytest.raises(OutcomeUnknownError):
                await throttle.send(hangs)

        tg.start_soon(send)
        await anyio.sleep(0.01)
        throttle.stop()


async def test_finishing_work_may_still_be_sent_after_a_stop() -> None:
    throttle = Throttle(concurrency=1, max_rate=None, policy=FAST)
    throttle.stop()

    async def request() -> str:
        return "fetched"

    assert await throttle.send(request, finishing=True) == "fetched"
    with pytest.raises(Stopped):
        await throttle.send(request)
    with pytest.raises(Stopped):
        await throttle.sleep(1.0)


async def test_a_first_429_with_nothing_accepted_yet_is_logged_and_waited_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    throttle = Throttle(concurrency=2, max_rate=None, policy=FAST)

    async def refused() -> None:
        raise too_many(0.01)

    with caplog.at_level("INFO", logger="extend_async.bulk"), pytest.raises(RateLimitError):
        await throttle.send(refused)
    assert throttle.rate is None  # nothing to estimate a pace from yet
    assert any("unpaced" in record.getMessage() for record in caplog.records)


async def test_a_stop_without_grace_cancels_requests_in_flight_at_once() -> None:
    # A grace period that would never end: only the stop itself can free the request.
    throttle = Throttle(concurrency=2, max_rate=None, policy=FAST, grace=3600)
    started, cancelled = anyio.Event(), anyio.Event()
    raised: list[BaseException] = []

    async def hangs() -> None:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    async def send() -> None:
        try:
            await throttle.send(hangs)
        except OutcomeUnknownError as exc:
            raised.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(send)
        await started.wait()
        throttle.stop(grace=0)
        await anyio.wait_all_tasks_blocked()
        # Structural, not timed: with the clock standing still, the request is gone.
        assert cancelled.is_set()
    assert [type(exc) for exc in raised] == [OutcomeUnknownError]


def unhinted() -> RateLimitError:
    return too_many(None)


async def test_unhinted_429s_in_a_row_use_up_the_operation_budget() -> None:
    throttle = Throttle(concurrency=1, max_rate=None, policy=FAST)

    async def refused() -> None:
        raise unhinted()

    for _ in range(MAX_UNHINTED_EPISODES - 1):
        with pytest.raises(RateLimitError):
            await throttle.send(refused)
        assert throttle.gave_up is None
    with pytest.raises(RateLimitError):
        await throttle.send(refused)
    assert isinstance(throttle.gave_up, ThrottledOutError)
    assert "no Retry-After hint" in str(throttle.gave_up)
    assert isinstance(throttle.gave_up.__cause__, RateLimitError)


async def test_any_answer_but_a_429_restarts_the_budget() -> None:
    throttle = Throttle(concurrency=1, max_rate=None, policy=FAST)

    async def refused() -> None:
        raise unhinted()

    async def missing() -> None:
        raise status_error(NotFoundError, 404)

    async def accepted() -> str:
        return "ok"

    for answer in (missing, accepted):
        for _ in range(MAX_UNHINTED_EPISODES - 1):
            with pytest.raises(RateLimitError):
                await throttle.send(refused)
        with contextlib.suppress(NotFoundError):
            await throttle.send(answer)
    assert throttle.gave_up is None


async def test_hinted_429s_give_up_after_the_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = RetryPolicy(initial_delay=0.001, max_delay=0.002, max_retry_after=10)
    throttle = Throttle(concurrency=1, max_rate=None, policy=policy)
    now = [1000.0]  # a fake clock: the throttle's pauses are 0 s, its budget is 30 s
    monkeypatch.setattr(anyio, "current_time", lambda: now[0])

    async def refused() -> None:
        raise too_many(0.0)

    for _ in range(100):  # far more hinted 429s than unhinted ones would be allowed
        with pytest.raises(RateLimitError):
            await throttle.send(refused)
    assert throttle.gave_up is None
    now[0] += THROTTLED_WINDOWS * 10
    with pytest.raises(RateLimitError):
        await throttle.send(refused)
    assert isinstance(throttle.gave_up, ThrottledOutError)
    assert "was a 429" in str(throttle.gave_up)


async def test_a_deadline_during_another_stops_grace_period_cancels_at_once() -> None:
    throttle = Throttle(concurrency=1, max_rate=None, policy=FAST, grace=3600)
    started, cancelled = anyio.Event(), anyio.Event()

    async def hangs() -> None:
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    async def send() -> None:
        with pytest.raises(OutcomeUnknownError):
            await throttle.send(hangs)

    async with anyio.create_task_group() as tg:
        tg.start_soon(send)
        await started.wait()
        throttle.stop()  # a fatal error: an hour of grace
        await anyio.wait_all_tasks_blocked()
        assert not cancelled.is_set()
        throttle.stop(grace=7200)  # a stop with a longer grace changes nothing
        await anyio.wait_all_tasks_blocked()
        assert not cancelled.is_set()
        throttle.stop(grace=0)  # then the deadline
        await anyio.wait_all_tasks_blocked()
        assert cancelled.is_set()


@pytest.mark.parametrize(("paced_elsewhere", "lowered"), [(False, True), (True, False)])
async def test_with_a_shared_limiter_max_rate_stays_a_fixed_cap(
    paced_elsewhere: bool, lowered: bool
) -> None:
    # Alone, the throttle guesses a slower pace after a 429; behind a client's shared rate
    # limiter (which paces every attempt and learns from the 429 itself) it only caps.
    throttle = Throttle(
        concurrency=2, max_rate=1000.0, policy=FAST, paced_elsewhere=paced_elsewhere
    )

    async def accepted() -> None:
        return None

    async def refused() -> None:
        raise too_many(0.001)

    for _ in range(5):
        await throttle.send(accepted)
    with pytest.raises(RateLimitError):
        await throttle.send(refused)
    assert throttle.rate is not None
    assert (throttle.rate < 1000.0) is lowered
    assert throttle.concurrency == 1  # in-flight requests are still halved on a 429


async def test_a_client_with_a_rate_limiter_runs_bulk_without_its_own_pacing() -> None:
    from extend_async import AsyncExtend
    from extend_async.ratelimit import LocalRateLimiter

    async with (
        AsyncExtend("sk_test_unused", base_url="http://127.0.0.1:9") as plain,
        AsyncExtend(
            "sk_test_unused", base_url="http://127.0.0.1:9", rate_limiter=LocalRateLimiter()
        ) as limited,
    ):
        alone = plain.classify_runs._bulk(
            concurrency=4, max_rate=5, deadline=None, on_progress=None, request_options={}
        )
        shared = limited.classify_runs._bulk(
            concurrency=4, max_rate=5, deadline=None, on_progress=None, request_options={}
        )
    assert alone["options"].paced_elsewhere is False
    assert shared["options"].paced_elsewhere is True
    assert shared["options"].max_rate == 5.0
