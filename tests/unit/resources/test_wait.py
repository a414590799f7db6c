"""Waiting for runs and batches: terminal detection, deadlines, and the poll schedule.

The ``clock`` fixture replaces the wait's clock and sleep, so a fifteen-minute schedule
runs instantly and every pause is recorded.
"""

from __future__ import annotations

import random

import pytest
from aioresponses import aioresponses

from extend_async import (
    AsyncExtend,
    ExtendError,
    FileFromUrl,
    InvalidInputError,
    NotFoundError,
    PollPolicy,
    RunStatus,
    WaitTimeoutError,
)

from ._helpers import (
    BATCH_ID,
    CLASSIFIER_ID,
    RUN_ID,
    FakeClock,
    batch_run,
    classify_run,
    requests_made,
    url,
)

RUN = f"/classify_runs/{RUN_ID}"
STEADY = PollPolicy(jitter=0)  # the default schedule without randomness


def _answers(mock: aioresponses, path: str, *statuses: str) -> None:
    for status in statuses:
        mock.get(url(path), payload=classify_run(status))


@pytest.mark.parametrize("final", ["PROCESSED", "FAILED", "CANCELLED"])
async def test_wait_returns_the_run_once_it_is_terminal(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock, final: str
) -> None:
    _answers(mock_api, RUN, "PENDING", "PROCESSING", final)
    run = await client.classify_runs.wait(RUN_ID, poll=STEADY)
    assert run.status == final
    assert run.is_terminal
    assert len(requests_made(mock_api)) == 3
    assert clock.sleeps == [1.0, 1.0]


async def test_a_terminal_run_is_returned_after_one_poll_without_sleeping(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    _answers(mock_api, RUN, "PROCESSED")
    run = await client.classify_runs.wait(RUN_ID)
    assert run.status is RunStatus.PROCESSED
    assert clock.sleeps == []


@pytest.mark.parametrize("unknown", ["CANCELLING", "QUEUED_FOR_REVIEW"])
async def test_unknown_statuses_are_not_terminal(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock, unknown: str
) -> None:
    _answers(mock_api, RUN, unknown, unknown, "CANCELLED")
    run = await client.classify_runs.wait(RUN_ID, poll=STEADY)
    assert run.status is RunStatus.CANCELLED
    assert len(clock.sleeps) == 2


async def test_the_deadline_raises_wait_timeout_error_with_the_last_run(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.get(url(RUN), payload=classify_run("PROCESSING"), repeat=True)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.classify_runs.wait(RUN_ID, deadline=2.5, poll=STEADY)
    error = caught.value
    assert isinstance(error, ExtendError)
    assert isinstance(error, TimeoutError)
    assert error.last.id == RUN_ID
    assert error.last.status is RunStatus.PROCESSING
    # Polls at 0, 1 and 2 s, then a last one exactly at the deadline.
    assert clock.sleeps == [1.0, 1.0, 0.5]
    assert error.polls == 4
    assert error.elapsed == pytest.approx(2.5)
    assert RUN_ID in str(error)
    assert "PROCESSING" in str(error)


async def test_a_run_that_finishes_by_the_last_poll_is_returned(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    _answers(mock_api, RUN, "PROCESSING", "PROCESSING", "PROCESSED")
    run = await client.classify_runs.wait(RUN_ID, deadline=1.5, poll=STEADY)
    assert run.status is RunStatus.PROCESSED
    assert clock.sleeps == [1.0, 0.5]


async def test_the_default_deadline_is_fifteen_minutes(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.get(url(RUN), payload=classify_run("PROCESSING"), repeat=True)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.classify_runs.wait(RUN_ID)
    assert caught.value.elapsed == pytest.approx(900.0)
    assert sum(clock.sleeps) == pytest.approx(900.0)


async def test_deadline_none_waits_as_long_as_it_takes(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    _answers(mock_api, RUN, *(["PROCESSING"] * 120), "PROCESSED")
    run = await client.classify_runs.wait(RUN_ID, deadline=None, poll=STEADY)
    assert run.is_terminal
    assert sum(clock.sleeps) > 900.0


async def test_the_schedule_is_fast_for_30_s_then_backs_off_to_30_s(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.get(url(RUN), payload=classify_run("PROCESSING"), repeat=True)
    with pytest.raises(WaitTimeoutError):
        await client.classify_runs.wait(RUN_ID, deadline=600, poll=STEADY)
    fast, slow = clock.sleeps[:30], clock.sleeps[30:]
    assert fast == [1.0] * 30
    expected = [min(1.15**k, 30.0) for k in range(len(slow))]
    assert slow[:-1] == pytest.approx(expected[:-1])
    assert max(slow) == 30.0
    assert slow[-1] <= expected[-1]  # cut short at the deadline
    assert slow[:-1] == sorted(slow[:-1])


async def test_jitter_keeps_every_pause_within_25_percent(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    random.seed(7)
    mock_api.get(url(RUN), payload=classify_run("PROCESSING"), repeat=True)
    with pytest.raises(WaitTimeoutError):
        await client.classify_runs.wait(RUN_ID, deadline=300)
    pauses = clock.sleeps[:-1]  # the last one is cut at the deadline
    assert all(0.75 <= p <= 1.25 for p in pauses[:25])
    assert len(set(pauses)) > 10  # really randomised
    assert max(pauses) <= 30.0 * 1.25


def test_poll_policy_delays() -> None:
    policy = PollPolicy(interval=0.5, fast_phase=2, multiplier=2, max_interval=3, jitter=0)
    assert policy.delay(0.0, 0) == 0.5
    assert policy.delay(1.9, 0) == 0.5
    assert [policy.delay(2.0, k) for k in range(4)] == [0.5, 1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interval": 0},
        {"interval": -1},
        {"multiplier": 0},
        {"max_interval": True},
        {"fast_phase": -1},
        {"jitter": 1},
        {"jitter": -0.1},
        {"interval": "1"},
        {"max_interval": float("nan")},
    ],
)
def test_poll_policy_rejects_unusable_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        PollPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deadline": -1}, "deadline"),
        ({"deadline": "10"}, "deadline"),
        ({"deadline": float("nan")}, "deadline"),
        ({"poll": 1.0}, "poll"),
    ],
)
async def test_bad_wait_options_are_refused_before_any_request(
    client: AsyncExtend, mock_api: aioresponses, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        await client.classify_runs.wait(RUN_ID, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=message):
        await client.classify_runs.create_and_wait(
            file=FileFromUrl(url="https://files.test/a.pdf"),
            classifier=CLASSIFIER_ID,
            **kwargs,  # type: ignore[arg-type]
        )
    assert requests_made(mock_api) == []


async def test_errors_while_polling_propagate(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    _answers(mock_api, RUN, "PROCESSING")
    mock_api.get(url(RUN), status=404, payload={"code": "NOT_FOUND", "message": "gone"})
    with pytest.raises(NotFoundError):
        await client.classify_runs.wait(RUN_ID, poll=STEADY)
    assert clock.sleeps == [1.0]


async def test_create_and_wait_creates_once_then_polls(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.post(url("/classify_runs"), payload=classify_run("PROCESSING"))
    _answers(mock_api, RUN, "PROCESSING", "PROCESSED")
    run = await client.classify_runs.create_and_wait(
        file=FileFromUrl(url="https://files.test/a.pdf"),
        classifier=CLASSIFIER_ID,
        metadata={"k": "v"},
        poll=STEADY,
    )
    assert run.status is RunStatus.PROCESSED
    # The created run is the first state seen: the first GET comes one interval later.
    assert clock.sleeps == [1.0, 1.0]
    assert [m for m, _ in requests_made(mock_api)] == ["POST", "GET", "GET"]


async def test_create_and_wait_skips_polling_when_create_returns_a_finished_run(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.post(url("/classify_runs"), payload=classify_run("PROCESSED"))
    run = await client.classify_runs.create_and_wait(
        file=FileFromUrl(url="https://files.test/a.pdf"), classifier=CLASSIFIER_ID
    )
    assert run.is_terminal
    assert clock.sleeps == []
    assert len(requests_made(mock_api)) == 1


async def test_create_and_wait_timeout_carries_the_created_run(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.post(url("/classify_runs"), payload=classify_run("PENDING"))
    mock_api.get(url(RUN), payload=classify_run("PENDING"), repeat=True)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.classify_runs.create_and_wait(
            file=FileFromUrl(url="https://files.test/a.pdf"),
            classifier=CLASSIFIER_ID,
            deadline=0,
        )
    assert caught.value.last.id == RUN_ID
    assert caught.value.polls == 0  # the deadline had passed before the first poll
    assert len(requests_made(mock_api)) == 1


async def test_batch_runs_wait_polls_until_the_batch_is_done(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    path = f"/batch_runs/{BATCH_ID}"
    for status in ("PENDING", "PROCESSING", "PROCESSED"):
        mock_api.get(url(path), payload=batch_run(status))
    batch = await client.batch_runs.wait(BATCH_ID, poll=STEADY)
    assert batch.status is RunStatus.PROCESSED
    assert clock.sleeps == [1.0, 1.0]


async def test_batch_runs_wait_times_out(
    client: AsyncExtend, mock_api: aioresponses, clock: FakeClock
) -> None:
    mock_api.get(url(f"/batch_runs/{BATCH_ID}"), payload=batch_run("PROCESSING"), repeat=True)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.batch_runs.wait(BATCH_ID, deadline=5, poll=STEADY)
    assert caught.value.last.id == BATCH_ID
    assert BATCH_ID in str(caught.value)


async def test_a_real_wait_with_tiny_intervals_and_deadline(
    client: AsyncExtend, mock_api: aioresponses
) -> None:
    # No fake clock: the real sleep and clock, kept to a few hundredths of a second.
    mock_api.get(url(RUN), payload=classify_run("PROCESSING"), repeat=True)
    quick = PollPolicy(interval=0.005, fast_phase=0, multiplier=1.0, max_interval=0.005)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.classify_runs.wait(RUN_ID, deadline=0.05, poll=quick)
    # At least one poll: how many fit in 50 ms depends on the machine's load.
    assert caught.value.polls >= 1
    assert caught.value.elapsed >= 0.05
