"""``classify_runs.list``: several statuses, and ``sort_by`` in snake_case too."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extend_async import AsyncExtend, InvalidInputError, RunStatus
from extend_async.testing import ExtendEmulator

STATUSES = [s.value for s in RunStatus]


async def test_a_list_of_one_status_is_that_status(api: AsyncExtend, emu: ExtendEmulator) -> None:
    processing = emu.seed_runs(3)
    emu.seed_runs(2, status="PROCESSED")
    found = [run.id async for run in api.classify_runs.list(status=["PROCESSING"])]
    assert sorted(found) == sorted(processing)


async def test_several_statuses_are_listed_one_after_the_other_across_pages(
    api: AsyncExtend, emu: ExtendEmulator
) -> None:
    pending = emu.seed_runs(5, status="PENDING")
    failed = emu.seed_runs(4, status="FAILED")
    emu.seed_runs(3, status="PROCESSED")
    pager = api.classify_runs.list(
        status=[RunStatus.FAILED, "PENDING"], sort_by="created_at", sort_dir="asc", max_page_size=2
    )
    found = [run.id async for run in pager]
    assert found == failed + pending  # each status in turn, oldest first as asked
    # The pages' cursor can be handed back to continue where a page left off.
    first = await pager
    assert first.next_page_token is not None
    rest = api.classify_runs.list(
        status=[RunStatus.FAILED, "PENDING"], sort_by="created_at", sort_dir="asc",
        max_page_size=2, next_page_token=first.next_page_token,
    )  # fmt: skip
    assert [run.id async for run in rest] == found[2:]


async def test_snake_case_sort_by_means_the_same_as_the_api_spelling(
    api: AsyncExtend, emu: ExtendEmulator
) -> None:
    emu.seed_runs(4)
    for snake, camel in (("created_at", "createdAt"), ("updated_at", "updatedAt")):
        ours = [r.id async for r in api.classify_runs.list(sort_by=snake)]  # type: ignore[arg-type]
        theirs = [r.id async for r in api.classify_runs.list(sort_by=camel)]  # type: ignore[arg-type]
        assert ours == theirs


@pytest.mark.parametrize("bad", [["DONE"], [], [None], "done", 5])
def test_unknown_statuses_are_refused_before_sending(api: AsyncExtend, bad: object) -> None:
    with pytest.raises(InvalidInputError, match="status"):
        api.classify_runs.list(status=bad)  # type: ignore[arg-type]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=5))
def test_any_list_of_statuses_is_accepted(api: AsyncExtend, statuses: Sequence[str]) -> None:
    api.classify_runs.list(status=statuses)  # checked, nothing sent until iterated
