"""How the engine turns answers into outcomes, pinned down with a scripted fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from extend_async import (
    AuthenticationError,
    BadRequestError,
    BulkCancelInterrupted,
    BulkCancelResult,
    InternalServerError,
    InvalidInputError,
    OutcomeKind,
    OutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
    RunStatus,
    StopReason,
)
from extend_async.bulk import operations

from ._fakes import FakeRuns, options

K = OutcomeKind


async def cancel_many(fake: FakeRuns, ids: Any, **settings: Any) -> BulkCancelResult:
    on_progress = settings.pop("on_progress", None)
    chosen = options(**settings)
    fake.max_retries, fake.policy = chosen.max_retries, chosen.policy
    return await operations.cancel_many(
        ids,
        cancel=fake.cancel,
        get=fake.get,
        options=chosen,
        on_progress=on_progress,
    )


async def test_every_kind_of_answer_gets_its_outcome_in_input_order() -> None:
    fake = FakeRuns(
        {"a": "PROCESSING", "b": "PENDING", "c": "PROCESSED", "d": "FAILED", "e": "CANCELLED"}
    )
    result = await cancel_many(fake, ["a", "b", "c", "d", "e", "missing"])
    assert [o.id for o in result] == ["a", "b", "c", "d", "e", "missing"]
    assert [o.index for o in result] == list(range(6))
    assert [o.kind for o in result] == [
        K.CANCELLED, K.CANCELLED, K.ALREADY_TERMINAL, K.ALREADY_TERMINAL, K.ALREADY_TERMINAL,
        K.NOT_FOUND,
    ]  # fmt: skip
    assert [o.status for o in result] == ["CANCELLED", "CANCELLED", "PROCESSED", "FAILED",
                                          "CANCELLED", None]  # fmt: skip
    # The final status of a terminal run comes from the run itself, fetched once.
    assert result.outcomes[2].run is not None
    assert result.outcomes[2].run.status == RunStatus.PROCESSED
    assert fake.gets == {"c": 1, "d": 1, "e": 1}
    assert result.counts.as_dict() == {
        "cancelled": 2,
        "already_terminal": 3,
        "not_found": 1,
        "failed": 0,
        "not_attempted": 0,
    }
    assert result.complete
    assert not result.ok
    assert all(o.error is None for o in result)


async def test_a_lost_answer_then_a_refusal_counts_as_cancelled() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["lost"]  # applied, answer lost; the retry meets a CANCELLED run
    (outcome,) = await cancel_many(fake, ["a"])
    assert outcome.kind is K.CANCELLED
    assert outcome.status == RunStatus.CANCELLED
    assert outcome.attempts == 2
    assert fake.gets["a"] == 1


async def test_a_proxy_5xx_after_the_cancel_landed_counts_as_cancelled() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["502-applied"]
    (outcome,) = await cancel_many(fake, ["a"])
    assert outcome.kind is K.CANCELLED
    assert outcome.attempts == 2


async def test_a_request_that_never_left_does_not_claim_an_earlier_cancel() -> None:
    # Someone else cancelled the run; our first attempt surely never reached the server.
    fake = FakeRuns({"a": "CANCELLED"})
    fake.scripts["a"] = ["reset"]
    (outcome,) = await cancel_many(fake, ["a"])
    assert outcome.kind is K.ALREADY_TERMINAL
    assert outcome.status == RunStatus.CANCELLED


async def test_a_run_that_finished_before_the_cancel_landed_keeps_its_real_status() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["finish"]
    (outcome,) = await cancel_many(fake, ["a"])
    assert outcome.kind is K.ALREADY_TERMINAL
    assert outcome.status == RunStatus.PROCESSED
    assert outcome.run is not None
    assert outcome.run.id == "a"


async def test_a_conflict_on_a_live_run_is_retried() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["409"]
    (outcome,) = await cancel_many(fake, ["a"])
    assert outcome.kind is K.CANCELLED
    assert outcome.attempts == 2


async def test_a_refusal_for_a_live_run_fails_with_the_refusal() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["400"]
    (outcome,) = await cancel_many(fake, ["a"])
    assert outcome.kind is K.FAILED
    assert isinstance(outcome.error, BadRequestError)
    assert outcome.run is not None
    assert outcome.run.status == RunStatus.PROCESSING
    assert outcome.attempts == 1


async def test_transient_failures_are_retried_up_to_max_retries() -> None:
    fake = FakeRuns({"a": "PROCESSING", "b": "PROCESSING"})
    fake.scripts["a"] = ["500"] * 10
    fake.scripts["b"] = ["500", "reset", "lost"]
    result = await cancel_many(fake, ["a", "b"], max_retries=3)
    a, b = result
    assert a.kind is K.FAILED
    assert isinstance(a.error, InternalServerError)
    assert a.attempts == 4 == fake.cancels["a"]
    assert b.kind is K.CANCELLED
    assert b.attempts == 4


async def test_throttling_waits_at_the_gate_without_using_up_retries() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["429:0.001"] * 5 + ["429"]  # the last one without a hint
    result = await cancel_many(fake, ["a"], max_retries=0)
    assert result.outcomes[0].kind is K.CANCELLED
    assert result.outcomes[0].attempts == 7
    assert result.throttled == 6
    assert result.requests == 7


async def test_a_rejected_key_stops_the_operation_and_the_rest_is_not_attempted() -> None:
    ids = [f"r{i}" for i in range(20)]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    fake.scripts["r0"] = ["401"]
    result = await cancel_many(fake, ids, concurrency=1)
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, AuthenticationError)
    assert result.outcomes[0].kind is K.FAILED
    assert {o.kind for o in result.outcomes[1:]} == {K.NOT_ATTEMPTED}
    assert len(result) == 20
    assert sum(fake.cancels.values()) == 1


async def test_a_retry_after_beyond_the_policy_stops_the_operation() -> None:
    fake = FakeRuns({"a": "PROCESSING", "b": "PROCESSING"})
    fake.scripts["a"] = ["429:120"]
    result = await cancel_many(
        fake, ["a", "b"], concurrency=1, policy=RetryPolicy(max_retry_after=60)
    )
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, RateLimitError)
    # Refused with 429 and not retried: the run was left as it was.
    assert [o.kind for o in result] == [K.NOT_ATTEMPTED, K.NOT_ATTEMPTED]


async def test_a_duplicate_is_cancelled_once_and_mirrors_its_first_position() -> None:
    fake = FakeRuns({"a": "PROCESSING", "b": "PROCESSED", "c": "PROCESSING"})
    ids = ["a", "b", "a", "a", "c", "b", "nope", "nope"]
    result = await cancel_many(fake, ids, concurrency=8)
    assert fake.cancels == {"a": 1, "b": 1, "c": 1, "nope": 1}
    assert [o.duplicate_of for o in result] == [None, None, 0, 0, None, 1, None, 6]
    assert [o.kind for o in result] == [
        K.CANCELLED, K.ALREADY_TERMINAL, K.CANCELLED, K.CANCELLED, K.CANCELLED,
        K.ALREADY_TERMINAL, K.NOT_FOUND, K.NOT_FOUND,
    ]  # fmt: skip
    assert [o.attempts for o in result] == [1, 1, 0, 0, 1, 0, 1, 0]
    # In cancel_many a mirror carries the run of its first position too.
    assert result.outcomes[5].run is result.outcomes[1].run is not None
    assert result.outcomes[5].status == RunStatus.PROCESSED
    assert result.counts.total == len(ids)


async def test_malformed_ids_fail_without_a_request() -> None:
    fake = FakeRuns({"ok": "PROCESSING"})
    result = await cancel_many(fake, ["", "a/b", 5, "..", "ok"])
    assert [o.kind for o in result] == [K.FAILED] * 4 + [K.CANCELLED]
    assert all(isinstance(o.error, InvalidInputError) for o in result.outcomes[:4])
    assert result.outcomes[2].id == "5"
    assert fake.cancels == {"ok": 1}


async def test_a_single_string_is_refused_at_the_call() -> None:
    with pytest.raises(InvalidInputError, match="not a single string"):
        await cancel_many(FakeRuns({}), "clr_abc")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": True}, "concurrency"),
        ({"max_rate": -1}, "max_rate"),
        ({"deadline": float("nan")}, "deadline"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
async def test_bad_settings_are_refused_before_anything_is_sent(
    settings: dict[str, Any], message: str
) -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    with pytest.raises(InvalidInputError, match=message):
        await cancel_many(fake, ["a"], **settings)
    assert not fake.cancels


async def test_a_deadline_leaves_the_rest_of_a_list_not_attempted() -> None:
    ids = [f"r{i}" for i in range(40)]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    fake.latency = 0.05
    result = await cancel_many(fake, ids, concurrency=2, deadline=0.12)
    assert result.stop_reason is StopReason.DEADLINE
    assert len(result) == 40  # a list's unread ids are accounted for too
    kinds = {o.kind for o in result}
    assert {K.CANCELLED, K.NOT_ATTEMPTED} <= kinds <= {K.CANCELLED, K.NOT_ATTEMPTED, K.FAILED}
    assert result.counts.failed <= 2  # the cancels in flight were cancelled at the deadline
    for outcome in result:
        # The outcome says exactly what happened on the server.
        if outcome.kind is K.CANCELLED:
            assert fake.statuses[outcome.id] == "CANCELLED"
        elif outcome.kind is K.FAILED:
            assert isinstance(outcome.error, OutcomeUnknownError)
            assert fake.cancels[outcome.id] == 1
        else:
            assert fake.statuses[outcome.id] == "PROCESSING"
            assert fake.cancels[outcome.id] == 0
            assert outcome.attempts == 0


async def test_a_deadline_leaves_the_unread_part_of_a_lazy_iterable_out() -> None:
    read: list[str] = []

    async def ids() -> AsyncIterator[str]:
        for i in range(40):
            read.append(f"r{i}")
            yield f"r{i}"

    fake = FakeRuns({f"r{i}": "PROCESSING" for i in range(40)})
    fake.latency = 0.05
    result = await cancel_many(fake, ids(), concurrency=2, deadline=0.12)
    assert result.stop_reason is StopReason.DEADLINE
    assert [o.id for o in result] == read  # every id read, and only those
    assert len(read) < 40


async def test_cancellation_raises_with_the_partial_result() -> None:
    ids = [f"r{i}" for i in range(30)]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    fake.latency = 0.02
    ids.insert(5, "r0")  # a duplicate, too
    interrupted = None
    async with anyio.create_task_group() as tg:

        async def run() -> None:
            nonlocal interrupted
            try:
                await cancel_many(fake, ids, concurrency=3, on_progress=stop_after_ten)
            except BulkCancelInterrupted as exc:
                interrupted = exc
                raise

        def stop_after_ten(progress: Any) -> None:
            if progress.done == 10:
                tg.cancel_scope.cancel()

        tg.start_soon(run)
    assert interrupted is not None
    result = interrupted.result
    assert result.stop_reason is StopReason.INTERRUPTED
    assert len(result) == len(ids)
    assert [o.index for o in result] == list(range(len(ids)))
    assert result.counts.cancelled >= 10
    for outcome in result:
        if outcome.kind is K.NOT_ATTEMPTED:
            assert fake.statuses[outcome.id] == "PROCESSING"
        elif outcome.kind is K.CANCELLED:
            assert fake.statuses[outcome.id] == "CANCELLED"
        else:  # cut off mid-request: unknown, reported as such
            assert outcome.kind is K.FAILED
            assert isinstance(outcome.error, OutcomeUnknownError)


async def test_an_error_in_on_progress_propagates() -> None:
    fake = FakeRuns({"a": "PROCESSING", "b": "PROCESSING"})

    def broken(progress: Any) -> None:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await cancel_many(fake, ["a", "b"], on_progress=broken)


async def test_a_failing_ids_iterable_stops_reading_and_is_reported() -> None:
    async def ids() -> AsyncIterator[str]:
        yield "a"
        raise OSError("disk gone")

    fake = FakeRuns({"a": "PROCESSING"})
    result = await cancel_many(fake, ids())
    assert [o.kind for o in result] == [K.CANCELLED]
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, OSError)


async def test_requests_in_flight_never_exceed_concurrency() -> None:
    ids = [f"r{i}" for i in range(50)]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    fake.latency = 0.002
    await cancel_many(fake, ids, concurrency=5)
    assert fake.peak_in_flight == 5


async def test_an_id_waiting_to_retry_does_not_hold_up_the_others() -> None:
    ids = [f"r{i}" for i in range(10)]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    fake.scripts["r0"] = ["500"]
    fake.scripts["r1"] = ["500"]
    finished: list[str] = []
    slow_backoff = RetryPolicy(initial_delay=0.4, max_delay=0.4)  # 0.2 to 0.4 s

    result = await cancel_many(
        fake,
        ids,
        concurrency=2,
        policy=slow_backoff,
        on_progress=lambda _: finished.append(fake.last_cancelled),
    )
    assert result.counts.cancelled == 10
    # While r0 and r1 wait out their backoff, the other eight go through.
    assert sorted(finished[:8]) == ids[2:]


async def test_ids_only_ever_refused_with_429_are_not_attempted_at_a_deadline() -> None:
    ids = ["a", "b", "c"]
    fake = FakeRuns(dict.fromkeys(ids, "PROCESSING"))
    for run_id in ids:
        fake.scripts[run_id] = ["429:5"]  # a long pause: the deadline comes first
    result = await cancel_many(fake, ids, concurrency=3, deadline=0.2)
    assert result.stop_reason is StopReason.DEADLINE
    assert [o.kind for o in result] == [K.NOT_ATTEMPTED] * 3
    assert result.outcomes[0].attempts == 1  # sent, but never processed
    assert sum(o.attempts for o in result) == sum(fake.cancels.values())
    assert set(fake.statuses.values()) == {"PROCESSING"}
