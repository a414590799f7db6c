"""The pytest plugin's fixtures, as a user of the SDK would use them."""

from __future__ import annotations

from typing import Any

import pytest

from extend_async import AsyncExtend, BadRequestError, ClassifyRun, RunStatus
from extend_async.testing import ExtendEmulator


@pytest.fixture
def extend_emulator_options() -> dict[str, Any]:
    return {"seed": 11}


async def test_cancel_through_the_plugin_fixtures(
    extend_emulator: ExtendEmulator, async_extend_client: AsyncExtend
) -> None:
    (run_id,) = extend_emulator.seed_runs(1, status="PROCESSING")
    run = await async_extend_client.classify_runs.cancel(run_id)
    assert type(run) is ClassifyRun
    assert run.status is RunStatus.CANCELLED
    assert extend_emulator.runs[run_id].status == "CANCELLED"
    with pytest.raises(BadRequestError) as caught:
        await async_extend_client.classify_runs.cancel(run_id)
    assert caught.value.code == "INVALID_REQUEST"


async def test_paging_through_the_plugin_fixtures(
    extend_emulator: ExtendEmulator, async_extend_client: AsyncExtend
) -> None:
    seeded = extend_emulator.seed_runs(25)
    seen = [run.id async for run in async_extend_client.classify_runs.list(max_page_size=7)]
    assert sorted(seen) == sorted(seeded)
    assert extend_emulator.request_counts["list"] == 4
