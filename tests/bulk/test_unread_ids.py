"""Ids of an in-memory collection that a stop left unread: the operation returns without
working out their outcomes (so a deadline holds however many are left), and the outcomes
it works out later are the same as if it had made them before returning."""

from __future__ import annotations

import pickle
import threading
from typing import Any

import anyio
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from extend_async import (
    BulkCancelInterrupted,
    BulkCancelResult,
    BulkProgress,
    CancelOutcome,
    OutcomeCounts,
    OutcomeKind,
    StopReason,
)
from extend_async.bulk import operations
from extend_async.bulk.untried import Untried, malformed

from ._fakes import FakeRuns, options

K = OutcomeKind


class Recorded:
    """Not an id: its outcome needs ``str(self)``, which leaves a trace."""

    def __init__(self) -> None:
        self.made = 0

    def __str__(self) -> str:
        self.made += 1
        return "recorded"


async def stopped_by_a_deadline(
    ids: list[Any], **settings: Any
) -> tuple[BulkCancelResult, list[int]]:
    """``cancel_many`` over ``ids`` where each cancel takes 50 ms and the deadline comes
    after 200 ms: a few ids are tried, the rest are left unread."""
    fake = FakeRuns({id: "PROCESSING" for id in ids if isinstance(id, str)})
    fake.latency = 0.05
    progress: list[int] = []
    chosen = options(concurrency=2, deadline=0.2, **settings)
    fake.max_retries, fake.policy = chosen.max_retries, chosen.policy
    result = await operations.cancel_many(
        ids,
        cancel=fake.cancel,
        get=fake.get,
        options=chosen,
        on_progress=lambda p: progress.append(p.done),
    )
    assert result.stop_reason is StopReason.DEADLINE
    return result, progress


async def test_the_outcomes_of_unread_ids_are_made_when_the_result_is_first_read() -> None:
    late = Recorded()
    ids: list[Any] = [f"r{i}" for i in range(3000)] + [late]
    result, _ = await stopped_by_a_deadline(ids)
    assert len(result) == 3001  # counted without making an outcome
    assert late.made == 0  # returned before the unread ids' outcomes were made
    assert result.outcomes[-1].kind is K.FAILED
    assert result.outcomes[-1].id == "recorded"
    assert late.made == 1
    # The same outcomes, not made again (besides it, only the cancels cut off in flight).
    assert 1 <= result.counts.failed <= 3
    assert late.made == 1


async def test_progress_reports_settled_ids_and_the_result_holds_every_id() -> None:
    plain = [f"r{i}" for i in range(5000)]
    ids: list[Any] = [*plain, "r0", 7, "bad/id", "late", "late"]
    result, progress = await stopped_by_a_deadline(ids)
    tried = sum(1 for o in result if o.attempts)
    assert tried < 100
    # One call per outcome settled before the stop; none for the ids left unread.
    assert progress == list(range(1, len(progress) + 1))
    assert progress[-1] < 100
    assert len(result) == len(ids)
    assert [o.index for o in result] == list(range(len(ids)))
    assert result.outcomes[5000].duplicate_of == 0
    assert [o.kind for o in result.outcomes[5001:5003]] == [K.FAILED, K.FAILED]
    assert result.outcomes[5003].kind is K.NOT_ATTEMPTED
    assert result.outcomes[5004].duplicate_of == 5003
    assert result.counts.total == len(ids)
    cut_off = result.counts.failed - 2  # the cancels in flight at the deadline
    assert 0 <= cut_off <= 2
    assert result.counts.not_attempted == len(ids) - 2 - cut_off - result.counts.cancelled


async def test_an_unread_repeat_of_a_tried_id_mirrors_it_run_included() -> None:
    ids = [f"r{i}" for i in range(3000)] + ["r0"]
    result, _ = await stopped_by_a_deadline(ids)
    first, repeat = result.outcomes[0], result.outcomes[-1]
    assert first.kind is K.CANCELLED
    assert first.run is not None
    assert repeat.duplicate_of == 0
    assert (repeat.kind, repeat.status, repeat.run, repeat.attempts) == (
        first.kind,
        first.status,
        first.run,
        0,
    )
    assert result.counts.cancelled == sum(1 for o in result if o.kind is K.CANCELLED)


async def test_an_interruption_leaves_the_unread_ids_in_the_partial_result() -> None:
    ids = [f"r{i}" for i in range(3000)]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    fake.latency = 0.01
    chosen = options(concurrency=2)
    fake.max_retries, fake.policy = chosen.max_retries, chosen.policy
    caught: list[BulkCancelInterrupted] = []
    async with anyio.create_task_group() as tg:

        def stop_after_five(progress: BulkProgress) -> None:
            if progress.done == 5:
                tg.cancel_scope.cancel()

        async def run() -> None:
            try:
                await operations.cancel_many(
                    ids, cancel=fake.cancel, get=fake.get, options=chosen,
                    on_progress=stop_after_five,
                )  # fmt: skip
            except BulkCancelInterrupted as stop:
                caught.append(stop)
                raise

        tg.start_soon(run)
    (stop,) = caught
    assert stop.result.stop_reason is StopReason.INTERRUPTED
    assert len(stop.result) == 3000
    sent = sum(1 for o in stop.result if o.attempts)
    assert 5 <= sent < 3000
    assert str(stop) == f"bulk cancel interrupted after cancels were sent for {sent} of 3000 ids"
    assert stop.result.counts.not_attempted >= 3000 - sent
    copy = pickle.loads(pickle.dumps(stop))
    assert copy.result == stop.result
    assert str(copy) == str(stop)


async def test_a_result_with_unread_ids_reads_the_same_from_many_threads() -> None:
    ids = [f"r{i}" for i in range(3000)] + ["r1", "r1", "x.y"]
    result, _ = await stopped_by_a_deadline(ids)
    seen: list[tuple[tuple[CancelOutcome, ...], OutcomeCounts]] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        seen.append((result.outcomes, result.counts))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(pair == seen[0] for pair in seen)
    assert len(seen[0][0]) == len(ids)
    assert seen[0][1].total == len(ids)


async def test_cancel_iter_streams_the_unread_ids_after_a_deadline() -> None:
    ids: list[Any] = [f"r{i}" for i in range(2000)] + ["r0", 5]
    fake = FakeRuns(dict.fromkeys(ids[:2000], "PROCESSING"))
    fake.latency = 0.05
    chosen = options(concurrency=2, deadline=0.2)
    fake.max_retries, fake.policy = chosen.max_retries, chosen.policy
    stream = operations.cancel_iter(
        ids, cancel=fake.cancel, get=fake.get, options=chosen, on_progress=None
    )
    outcomes = [outcome async for outcome in stream]
    assert sorted(o.index for o in outcomes) == list(range(2002))
    by_index = {o.index: o for o in outcomes}
    assert by_index[2000].duplicate_of == 0
    assert by_index[2000].kind is by_index[0].kind
    assert by_index[2001].kind is K.FAILED


def test_a_result_made_by_hand_works_as_before() -> None:
    outcomes = (
        CancelOutcome(id="a", index=0, kind=K.CANCELLED, attempts=1),
        CancelOutcome(id="b", index=1, kind=K.NOT_ATTEMPTED),
    )
    result = BulkCancelResult(outcomes=list(outcomes), elapsed=0.25)
    assert result.outcomes == outcomes  # any iterable, kept as a tuple
    assert result.counts == OutcomeCounts(cancelled=1, not_attempted=1)  # counted if not given
    assert result.of_kind("not_attempted") == outcomes[1:]
    assert not result.ok
    assert result.complete
    assert len(result) == 2
    assert result == BulkCancelResult(outcomes=outcomes, elapsed=0.25)
    assert hash(result) == hash(BulkCancelResult(outcomes=outcomes, elapsed=0.25))
    assert result != BulkCancelResult(outcomes=outcomes, elapsed=0.5)
    assert repr(result).startswith("BulkCancelResult(outcomes=<2 outcomes>, counts=Outcome")
    with pytest.raises(AttributeError):
        result.counts = OutcomeCounts()  # type: ignore[misc]


# Unread tails of every shape: the counts taken without making outcomes must equal the
# counts of the outcomes, and the outcomes must follow the rules one by one.
_PLAIN = st.sampled_from([f"r{i}" for i in range(12)])
_READ_BEFORE = {"r0": K.CANCELLED, "r1": K.NOT_FOUND, "r2": K.FAILED}
_ODD = st.sampled_from(["", "a/b", "x" * 256, "x" * 255, "clr_\udcff", "a.b", "é", "r 1"])
_VALUES = st.lists(st.one_of(_PLAIN, _ODD, st.integers(0, 3), st.none()), max_size=40)


def _earlier(id: str) -> CancelOutcome | None:
    kind = _READ_BEFORE.get(id)
    index = int(id[1:]) if kind is not None else 0
    return None if kind is None else CancelOutcome(id=id, index=index, kind=kind, attempts=1)


@given(values=_VALUES)
@example(values=[f"r{i}" for i in range(3, 12)])  # the usual tail: plain, new, once each
@example(values=[])
def test_unread_outcomes_follow_the_rules_and_their_counts_match(values: list[object]) -> None:
    start = len(_READ_BEFORE)
    tail = Untried(tuple(values), start=start, read_before=_READ_BEFORE, earlier=_earlier)
    counts = tail.counts()  # before any outcome is made: the quick count when it applies
    outcomes = tail.outcomes()
    assert len(tail) == len(values) == len(outcomes)
    assert counts == OutcomeCounts.of(
        {kind: sum(1 for o in outcomes if o.kind is kind) for kind in OutcomeKind}
    )
    first_here: dict[str, int] = {}
    for offset, (value, outcome) in enumerate(zip(values, outcomes, strict=True)):
        index = start + offset
        assert (outcome.index, outcome.attempts) == (index, 0)
        failure = malformed(value, index)
        if failure is not None:
            assert (outcome.id, outcome.kind, repr(outcome.error)) == (
                failure.id,
                K.FAILED,
                repr(failure.error),
            )
        elif isinstance(value, str) and value in _READ_BEFORE:
            assert (outcome.kind, outcome.duplicate_of) == (_READ_BEFORE[value], int(value[1:]))
        elif isinstance(value, str) and value in first_here:
            assert (outcome.kind, outcome.duplicate_of) == (K.NOT_ATTEMPTED, first_here[value])
        else:
            assert isinstance(value, str)
            first_here[value] = index
            assert outcome == CancelOutcome(id=value, index=index, kind=K.NOT_ATTEMPTED)
