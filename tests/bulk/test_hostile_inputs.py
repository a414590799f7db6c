"""Bulk operations under bad input and bad luck: every id keeps an outcome that is true."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from extend_async import (
    APIConnectionError,
    AsyncExtend,
    BulkCancelInterrupted,
    BulkCancelResult,
    CancelOutcome,
    InternalServerError,
    InvalidInputError,
    OutcomeCounts,
    OutcomeKind,
    OutcomeUnknownError,
    RetryPolicy,
    StopReason,
)
from extend_async.bulk import operations
from extend_async.testing import ExtendEmulator

from ._fakes import FAST, FakeRuns, options, status_error

K = OutcomeKind
SLOW_BACKOFF = RetryPolicy(initial_delay=30, max_delay=30)


async def cancel_many(fake: FakeRuns, ids: Any, **settings: Any) -> BulkCancelResult:
    chosen = options(**settings)
    fake.max_retries, fake.policy = chosen.max_retries, chosen.policy
    return await operations.cancel_many(
        ids, cancel=fake.cancel, get=fake.get, options=chosen, on_progress=None
    )


async def test_after_a_deadline_an_id_whose_cancel_may_have_landed_is_unknown() -> None:
    fake = FakeRuns({"a": "PROCESSING", "b": "PROCESSING"})
    fake.scripts["a"] = ["502-applied"]
    # The deadline comes during the backoff after the 502.
    result = await cancel_many(fake, ["a", "b"], concurrency=2, deadline=0.3, policy=SLOW_BACKOFF)
    a, b = result.outcomes
    assert result.stop_reason is StopReason.DEADLINE
    assert a.kind is K.FAILED
    assert isinstance(a.error, OutcomeUnknownError)  # not the 502: its fate is unknown
    assert isinstance(a.error.__cause__, InternalServerError)
    assert fake.statuses["a"] == "CANCELLED"  # indeed the 502 hid a cancel
    assert b.kind is K.CANCELLED


async def test_after_a_deadline_an_id_only_ever_refused_with_429_is_not_attempted() -> None:
    fake = FakeRuns({"a": "PROCESSING"})
    fake.scripts["a"] = ["429:20"]
    result = await cancel_many(fake, ["a"], deadline=0.3)
    (a,) = result.outcomes
    assert a.kind is K.NOT_ATTEMPTED
    assert a.error is None
    assert fake.statuses["a"] == "PROCESSING"


async def test_an_unexpected_error_is_one_failed_outcome_and_the_rest_go_on() -> None:
    fake = FakeRuns({"a": "PROCESSING", "b": "PROCESSING", "c": "PROCESSING"})
    fake.scripts["b"] = ["crash"]
    result = await cancel_many(fake, ["a", "b", "c"])
    assert [o.kind for o in result] == [K.CANCELLED, K.FAILED, K.CANCELLED]
    assert isinstance(result.outcomes[1].error, RuntimeError)
    assert result.complete


async def test_ids_that_cannot_be_sent_fail_alone(emu: ExtendEmulator, client: AsyncExtend) -> None:
    good = emu.seed_runs(3)
    surrogate = "clr_\udcff"  # what argv gives for a byte that is not UTF-8
    ids = [good[0], surrogate, good[1], "", good[2]]
    result = await client.classify_runs.cancel_many(ids)
    assert [o.kind for o in result] == [K.CANCELLED, K.FAILED, K.CANCELLED, K.FAILED, K.CANCELLED]
    assert isinstance(result.outcomes[1].error, InvalidInputError)
    assert result.outcomes[1].attempts == 0
    assert result.complete


async def test_a_single_cancel_of_an_id_that_cannot_be_sent_is_invalid_input(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    with pytest.raises(InvalidInputError):
        await client.classify_runs.cancel("clr_\udcff")
    assert sum(emu.request_counts.values()) == 0


def test_bulk_cancel_interrupted_survives_pickling() -> None:
    error = status_error(InternalServerError, 502)
    outcomes = (
        CancelOutcome(id="a", index=0, kind=K.CANCELLED, attempts=1),
        CancelOutcome(id="b", index=1, kind=K.FAILED, error=error, attempts=2),
    )
    result = BulkCancelResult(
        outcomes=outcomes,
        counts=OutcomeCounts(cancelled=1, failed=1),
        elapsed=0.5,
        stop_reason=StopReason.INTERRUPTED,
    )
    copy = pickle.loads(pickle.dumps(BulkCancelInterrupted(result)))
    assert isinstance(copy, BulkCancelInterrupted)
    assert copy.result.counts == result.counts
    assert [o.id for o in copy.result] == ["a", "b"]
    assert str(copy) == str(BulkCancelInterrupted(result))


async def test_a_server_refusing_every_connection_stops_the_operation_once() -> None:
    ids = [f"clr_{i}" for i in range(200)]
    async with AsyncExtend(
        "sk_test", base_url="http://127.0.0.1:9", retry_policy=FAST, trust_env=False
    ) as client:
        result = await client.classify_runs.cancel_many(ids, concurrency=4)
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, APIConnectionError)
    assert result.error.sent is False
    assert len(result) == 200
    assert result.counts.not_attempted == 200  # nothing was ever sent
    # Stopped after a run of refusals, not after 9 attempts for each of 200 ids.
    assert result.requests < 40
