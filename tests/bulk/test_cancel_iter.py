"""``cancel_iter``: outcomes as they complete, reading held back by the consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from extend_async import AsyncExtend, AuthenticationError, CancelOutcome, OutcomeKind
from extend_async.bulk.operations import OUTPUT_BUFFER
from extend_async.testing import ExtendEmulator


async def test_yields_one_outcome_per_id(emu: ExtendEmulator, client: AsyncExtend) -> None:
    ids = emu.seed_runs(300)
    ids_with_repeats = [*ids, ids[0], ids[1]]
    outcomes = [o async for o in client.classify_runs.cancel_iter(ids_with_repeats)]
    assert sorted(o.index for o in outcomes) == list(range(302))
    assert [o.id for o in sorted(outcomes, key=lambda o: o.index)] == ids_with_repeats
    assert {o.kind for o in outcomes} == {OutcomeKind.CANCELLED}
    mirrors = [o for o in outcomes if o.duplicate_of is not None]
    assert sorted(o.duplicate_of for o in mirrors if o.duplicate_of is not None) == [0, 1]
    assert emu.request_counts["cancel"] == 300


async def test_a_slow_consumer_holds_the_reading_back(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(500)
    read = 0

    async def ids_lazily() -> AsyncIterator[str]:
        nonlocal read
        for run_id in ids:
            read += 1
            yield run_id

    consumed = 0
    lead = []
    async for _ in client.classify_runs.cancel_iter(ids_lazily(), concurrency=8):
        consumed += 1
        lead.append(read - consumed)
        if consumed % 50 == 0:
            await anyio.sleep(0.02)  # a slow consumer: the workers must wait for it
    assert consumed == 500
    assert max(lead) <= 8 + OUTPUT_BUFFER


async def test_leaving_the_loop_early_stops_sending(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(1000)
    seen: list[CancelOutcome] = []
    stream = client.classify_runs.cancel_iter(ids, concurrency=4)
    async for outcome in stream:
        seen.append(outcome)
        if len(seen) == 10:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    sent = emu.request_counts["cancel"]
    await anyio.sleep(0.1)
    assert emu.request_counts["cancel"] == sent  # nothing more after the stop
    assert sent <= 10 + 4 + OUTPUT_BUFFER
    still_running = sum(emu.runs[i].status == "PROCESSING" for i in ids)
    assert still_running >= 1000 - sent


async def test_an_error_that_stopped_the_stream_is_raised_after_the_last_outcome(
    emu: ExtendEmulator,
) -> None:
    ids = emu.seed_runs(5)
    outcomes: list[CancelOutcome] = []

    async def consume(client: AsyncExtend) -> None:
        async for outcome in client.classify_runs.cancel_iter(ids, concurrency=1):
            outcomes.append(outcome)

    async with AsyncExtend("sk_wrong", base_url=emu.base_url) as stranger:
        with pytest.raises(AuthenticationError):
            await consume(stranger)
    assert [o.kind for o in outcomes] == [OutcomeKind.FAILED] + [OutcomeKind.NOT_ATTEMPTED] * 4
