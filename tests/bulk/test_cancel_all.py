"""``cancel_all``: list the matching runs page by page and cancel them as they come."""

from __future__ import annotations

from collections import Counter

import pytest

from extend_async import AsyncExtend, InvalidInputError, OutcomeKind
from extend_async.bulk import operations
from extend_async.testing import ExtendEmulator


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operations, "LIST_PAGE_SIZE", 7)  # several pages, in small tests


async def test_cancels_the_active_runs_matching_the_filters_and_nothing_else(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    emu.configure(cancel_pending=True)  # these PENDING runs stand for runs a cancel can stop
    classifier = emu.create_classifier()
    other = emu.create_classifier("Other")
    processing = emu.seed_runs(30, classifier_id=classifier)
    pending = emu.seed_runs(10, classifier_id=classifier, status="PENDING")
    finished = emu.seed_runs(10, classifier_id=classifier, status="PROCESSED")
    elsewhere = emu.seed_runs(20, classifier_id=other)

    result = await client.classify_runs.cancel_all(classifier_id=classifier, concurrency=4)

    assert sorted(o.id for o in result) == sorted(processing + pending)
    assert result.counts.cancelled == 40
    assert result.complete
    assert {emu.runs[i].status for i in processing + pending} == {"CANCELLED"}
    assert {emu.runs[i].status for i in finished} == {"PROCESSED"}
    assert {emu.runs[i].status for i in elsewhere} == {"PROCESSING"}
    assert emu.request_counts["list"] >= 40 // 7


async def test_a_batch_and_an_explicit_status(emu: ExtendEmulator, client: AsyncExtend) -> None:
    emu.configure(cancel_pending=True)  # these PENDING runs stand for runs a cancel can stop
    batch = emu.seed_runs(12, batch_id="bpr_" + "b" * 21, status=["PENDING", "PROCESSING"])
    unrelated = emu.seed_runs(5, status="PENDING")

    result = await client.classify_runs.cancel_all(batch_id="bpr_" + "b" * 21, status="PENDING")

    assert sorted(o.id for o in result) == sorted(batch[0::2])
    assert Counter(emu.runs[i].status for i in batch) == {"CANCELLED": 6, "PROCESSING": 6}
    assert {emu.runs[i].status for i in unrelated} == {"PENDING"}


async def test_nothing_matching_is_an_empty_result(client: AsyncExtend) -> None:
    result = await client.classify_runs.cancel_all(classifier_id="cl_" + "n" * 21)
    assert len(result) == 0
    assert result.ok
    assert result.complete


async def test_a_bad_filter_is_refused_before_anything_is_sent(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    with pytest.raises(InvalidInputError, match="status"):
        await client.classify_runs.cancel_all(status=["PROCESSING", "DONE"])
    assert sum(emu.request_counts.values()) == 0


async def test_runs_failing_to_cancel_are_listed_once(
    emu: ExtendEmulator, client: AsyncExtend
) -> None:
    ids = emu.seed_runs(15)
    emu.faults.update(route="cancel", error_rate=1.0)
    result = await client.classify_runs.cancel_all(max_retries=0)
    # Still PROCESSING after the first pass, seen again by the second: not counted twice.
    assert sorted(o.id for o in result) == sorted(ids)
    assert result.counts.failed == 15
    assert {o.kind for o in result} == {OutcomeKind.FAILED}
