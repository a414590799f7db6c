"""``cancel_many`` against the emulator over real sockets: every run accounted for."""

from __future__ import annotations

from collections import Counter
from typing import Any

import anyio
import pytest

from extend_async import (
    AsyncExtend,
    BulkCancelInterrupted,
    BulkProgress,
    OutcomeKind,
    OutcomeUnknownError,
    RunStatus,
    StopReason,
)
from extend_async.testing import ExtendEmulator, RateLimit

K = OutcomeKind


async def test_5000_runs_through_30_percent_faults_and_429s_all_end_cancelled(
    emu: ExtendEmulator, client: AsyncExtend, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = emu.seed_runs(5000)
    emu.faults.update(route="cancel", lost_response_rate=0.1, reset_rate=0.1, bad_gateway_rate=0.1)
    # The emulator's bucket never refills (its clock stands still), so after 20 requests
    # every request is answered 429 (with Retry-After), whatever the machine's speed,
    # until one such answer has reached the client (a refusal can itself be lost to a
    # lost-response fault); that lifts the limit.
    limiter = emu._limiter
    monkeypatch.setattr(limiter, "_clock", lambda: 0.0)
    emu.rate_limit = RateLimit(600, burst=20)
    acquire = limiter.acquire

    def acquire_until_a_refusal(key: str) -> float:
        if emu.status_counts[429]:
            limiter.limit = None
        return acquire(key)

    monkeypatch.setattr(limiter, "acquire", acquire_until_a_refusal)
    result = await client.classify_runs.cancel_many(ids, concurrency=64, max_retries=20)

    assert [o.id for o in result] == ids
    assert [o.index for o in result] == list(range(5000))
    assert result.counts.cancelled == 5000
    assert result.ok
    assert result.complete
    assert Counter(emu.runs[i].status for i in ids) == {"CANCELLED": 5000}
    # The faults really happened, and each one cost a request.
    faults = emu.fault_counts
    assert faults["lost_response"] > 100
    assert faults["reset"] > 100
    assert faults["bad_gateway"] > 100
    assert emu.status_counts[429] >= 1
    assert result.throttled == emu.status_counts[429]
    assert sum(o.attempts for o in result) == emu.request_counts["cancel"]


async def test_runs_that_end_before_or_during_the_operation_keep_their_real_status(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(200)
    for run_id in ids[:10]:
        emu.advance(run_id, "PROCESSED")
    for run_id in ids[10:15]:
        emu.advance(run_id, "FAILED")
    later = ids[150:160]

    def finish_some_midway(progress: BulkProgress) -> None:
        if progress.done == 20:  # ids[150:] are not read yet (4 workers read ahead)
            for run_id in later:
                emu.advance(run_id, "PROCESSED")

    result = await client.classify_runs.cancel_many(
        ids, concurrency=4, on_progress=finish_some_midway
    )
    by_id = {o.id: o for o in result}
    for run_id in ids[:10] + later:
        assert by_id[run_id].kind is K.ALREADY_TERMINAL
        assert by_id[run_id].status == RunStatus.PROCESSED
    for run_id in ids[10:15]:
        assert by_id[run_id].kind is K.ALREADY_TERMINAL
        assert by_id[run_id].status == RunStatus.FAILED
    assert result.counts.cancelled == 175
    assert result.counts.already_terminal == 25
    assert all(emu.runs[o.id].status == "CANCELLED" for o in result.of_kind(K.CANCELLED))


async def test_duplicates_are_cancelled_once_and_unknown_runs_are_not_found(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    a, b, gone = emu.seed_runs(3)
    await client.classify_runs.cancel(gone)
    await client.classify_runs.delete(gone)
    emu.reset_stats()
    unknown = "clr_" + "x" * 21
    ids = [a, b, a, gone, unknown, a, unknown]

    result = await client.classify_runs.cancel_many(ids)

    assert emu.request_counts["cancel"] == 4  # a, b, gone, unknown: once each
    assert [o.kind for o in result] == [
        K.CANCELLED, K.CANCELLED, K.CANCELLED, K.NOT_FOUND, K.NOT_FOUND, K.CANCELLED,
        K.NOT_FOUND,
    ]  # fmt: skip
    assert [o.duplicate_of for o in result] == [None, None, 0, None, None, 0, 4]
    assert result.outcomes[5].run == result.outcomes[0].run
    assert result.counts.as_dict()["not_found"] == 3
    assert not result.ok


async def test_a_deadline_returns_the_partial_result_with_the_rest_not_attempted(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(100)
    emu.faults.update(route="cancel", latency=0.05)
    result = await client.classify_runs.cancel_many(ids, concurrency=2, deadline=0.3)

    assert result.stop_reason is StopReason.DEADLINE
    assert [o.id for o in result] == ids
    assert 0 < result.counts.cancelled < 100
    # The cancels in flight at the deadline (at most two) were cancelled with it.
    assert result.counts.failed <= 2
    assert result.counts.cancelled + result.counts.not_attempted + result.counts.failed == 100
    for outcome in result:  # each outcome says exactly what the server did
        if outcome.kind is K.FAILED:
            assert isinstance(outcome.error, OutcomeUnknownError)
            continue
        expected = "CANCELLED" if outcome.kind is K.CANCELLED else "PROCESSING"
        assert emu.runs[outcome.id].status == expected


async def test_cancelling_the_task_raises_with_every_id_read_accounted_for(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(300)
    emu.faults.update(route="cancel", latency=0.01)
    caught: list[BulkCancelInterrupted] = []

    async def ids_lazily() -> Any:
        for run_id in ids:
            yield run_id

    async with anyio.create_task_group() as tg:

        def interrupt(progress: BulkProgress) -> None:
            if progress.done == 50:
                tg.cancel_scope.cancel()

        async def run() -> None:
            try:
                await client.classify_runs.cancel_many(
                    ids_lazily(), concurrency=8, on_progress=interrupt
                )
            except BulkCancelInterrupted as stop:
                caught.append(stop)
                raise

        tg.start_soon(run)

    (stop,) = caught
    result = stop.result
    assert result.stop_reason is StopReason.INTERRUPTED
    read = len(result)
    assert 50 <= read <= 50 + 8  # the lazy input was read no further than needed
    assert [o.id for o in result] == ids[:read]
    for outcome in result:
        if outcome.kind is K.CANCELLED:
            assert emu.runs[outcome.id].status == "CANCELLED"
        elif outcome.kind is K.NOT_ATTEMPTED:
            assert emu.runs[outcome.id].status == "PROCESSING"
        else:
            assert isinstance(outcome.error, OutcomeUnknownError)
    assert all(emu.runs[i].status == "PROCESSING" for i in ids[read:])


async def test_lazy_input_is_read_no_further_ahead_than_the_workers(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(400)
    read = 0
    lead: list[int] = []

    async def ids_lazily() -> Any:
        nonlocal read
        for run_id in ids:
            read += 1
            yield run_id

    def watch(progress: BulkProgress) -> None:
        lead.append(read - progress.done)

    result = await client.classify_runs.cancel_many(ids_lazily(), concurrency=8, on_progress=watch)
    assert result.counts.cancelled == 400
    assert max(lead) <= 8
    assert min(lead) >= 0


@pytest.mark.parametrize("max_rate", [100.0, None])
async def test_a_rate_limited_server_sees_few_429s(
    emu: ExtendEmulator, client: AsyncExtend, max_rate: float | None
) -> None:
    ids = emu.seed_runs(250)
    emu.rate_limit = RateLimit(100)
    result = await client.classify_runs.cancel_many(ids, concurrency=16, max_rate=max_rate)
    assert result.counts.cancelled == 250
    assert result.throttled == emu.status_counts[429]
    if max_rate is not None:  # paced at the limit: the bucket never runs dry
        assert result.throttled <= 0.05 * result.requests
    else:  # found by probing: a few congestion episodes
        assert result.throttled <= 0.15 * result.requests
