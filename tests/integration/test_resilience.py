"""Retries, timeouts and hostile ids over real loopback sockets against the emulator."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extend_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncExtend,
    FileFromText,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
)
from extend_async.testing import ExtendEmulator, FaultConfig, RateLimit
from extend_async.types import Classification, ClassifyConfig

from .conftest import FAST_RETRY

CONFIG = ClassifyConfig(
    classifications=(Classification(id="invoice", type="invoice", description="An invoice"),)
)


async def test_retries_through_500_and_502_faults_end_in_success(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    run_ids = emu.seed_runs(20)
    # Seeded draws: the same requests meet the same faults on every run of this test.
    emu.faults.config = FaultConfig(error_rate=0.3, bad_gateway_rate=0.3)
    runs = [await api.classify_runs.get(run_id, max_retries=15) for run_id in run_ids]
    assert [run.id for run in runs] == run_ids
    assert emu.status_counts[500] > 0
    assert emu.status_counts[502] > 0
    assert emu.status_counts[200] == 20
    assert emu.request_counts["get"] == 20 + emu.status_counts[500] + emu.status_counts[502]


async def test_persistent_502_ends_in_internal_server_error(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (run_id,) = emu.seed_runs(1)
    emu.faults.update(route="get", bad_gateway_rate=1.0)
    with pytest.raises(InternalServerError) as caught:
        await api.classify_runs.get(run_id)
    assert caught.value.status_code == 502
    assert len(str(caught.value)) < 300
    assert emu.request_counts["get"] == 3  # the default two retries


async def test_connection_resets_on_reads_are_retried(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    run_ids = emu.seed_runs(10)
    emu.faults.config = FaultConfig(reset_rate=0.4)
    runs = [await api.classify_runs.get(run_id, max_retries=15) for run_id in run_ids]
    assert [run.id for run in runs] == run_ids
    assert emu.fault_counts["reset"] > 0


async def test_a_lost_create_response_is_not_retried(emu: ExtendEmulator, api: AsyncExtend) -> None:
    # The run was made, but its answer never arrived: sending again would make a second one.
    emu.faults.update(route="create", lost_response_rate=1.0)
    with pytest.raises(APIConnectionError):
        await api.classify_runs.create(file=FileFromText(text="x"), config=CONFIG)
    assert emu.request_counts["create"] == 1
    assert len(emu.runs) == 1


async def test_create_is_not_resent_after_a_500(emu: ExtendEmulator, api: AsyncExtend) -> None:
    # A 500 does not say whether the run was made; a second POST could duplicate it.
    emu.faults.update(route="create", error_rate=1.0)
    with pytest.raises(InternalServerError):
        await api.classify_runs.create(file=FileFromText(text="x"), config=CONFIG)
    assert emu.request_counts["create"] == 1
    assert len(emu.runs) == 0  # the emulator fails these before creating anything


async def test_a_slow_answer_times_out(emu: ExtendEmulator, api: AsyncExtend) -> None:
    (run_id,) = emu.seed_runs(1)
    emu.faults.update(route="get", latency=0.3)
    with pytest.raises(APITimeoutError):
        await api.classify_runs.get(run_id, timeout=0.05, max_retries=1)
    assert emu.request_counts["get"] == 2


async def test_rate_limit_answers_carry_the_hint(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1)
    emu.rate_limit = RateLimit(rate=0.5, burst=1)
    # A cap of zero seconds: the hint is reported, not waited out.
    policy = RetryPolicy(initial_delay=0.001, max_delay=0.001, max_retry_after=0.0)
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, retry_policy=policy) as client:
        await client.classify_runs.get(run_id)
        with pytest.raises(RateLimitError) as caught:
            await client.classify_runs.get(run_id)
    error = caught.value
    assert error.code == "RATE_LIMIT_EXCEEDED"
    assert error.retryable is True
    assert error.retry_after is not None
    assert 0 < error.retry_after <= 2.0
    assert error.request_id is not None


async def test_concurrent_requests_share_one_client(emu: ExtendEmulator, api: AsyncExtend) -> None:
    run_ids = emu.seed_runs(40)
    runs = await asyncio.gather(*(api.classify_runs.get(run_id) for run_id in run_ids))
    assert [run.id for run in runs] == run_ids


# --- ids that could reach another endpoint --------------------------------------------------


@pytest.mark.parametrize("run_id", ["a b", "a%2Fb", "a%2e%2e", "ü", "a;b=c", "a+b", "x" * 255])
async def test_odd_but_valid_ids_reach_the_get_route(
    emu: ExtendEmulator, api: AsyncExtend, run_id: str
) -> None:
    with pytest.raises(NotFoundError):
        await api.classify_runs.get(run_id)
    assert emu.request_counts["get"] == 1
    assert emu.request_counts["unknown"] == 0


@pytest.mark.parametrize("run_id", ["a/b", "../classify_runs", "..", "x?status=FAILED", "x#y", ""])
async def test_ids_that_would_move_the_request_are_refused(
    emu: ExtendEmulator, api: AsyncExtend, run_id: str
) -> None:
    with pytest.raises(InvalidInputError):
        await api.classify_runs.cancel(run_id)
    assert sum(emu.request_counts.values()) == 0


async def test_a_seeded_run_is_found_by_its_exact_id(emu: ExtendEmulator, api: AsyncExtend) -> None:
    (run_id,) = emu.seed_runs(1)
    assert quote(run_id, safe="-_.~") == run_id  # emulator ids need no encoding
    assert (await api.classify_runs.get(run_id)).id == run_id


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(run_id=st.text(max_size=30))
async def test_any_id_is_refused_or_lands_on_the_get_route(
    emu: ExtendEmulator, run_id: str
) -> None:
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, retry_policy=FAST_RETRY) as client:
        before = emu.request_counts
        try:
            await client.classify_runs.get(run_id, max_retries=0)
        except InvalidInputError:
            assert emu.request_counts == before
            return
        except NotFoundError:
            pass
        after = emu.request_counts
    assert after["get"] == before["get"] + 1
    assert after["unknown"] == before["unknown"]


async def test_a_cancel_whose_answer_was_lost_still_returns_the_cancelled_run(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    (run_id,) = emu.seed_runs(1)
    # The first cancel takes effect but its answer is dropped; later attempts are answered
    # (with a refusal, since the run is already CANCELLED by then).
    emu.faults.update(route="cancel", lost_response_rate=1.0)
    run_task = asyncio.ensure_future(api.classify_runs.cancel(run_id, max_retries=3))
    for _ in range(2000):  # until the first (lost) attempt has reached the emulator
        if emu.request_counts["cancel"] >= 1:
            break
        await asyncio.sleep(0.005)
    emu.faults.update(route="cancel", lost_response_rate=0.0)
    run = await run_task
    assert run.status == "CANCELLED"
    assert emu.runs[run_id].status == "CANCELLED"
    assert emu.request_counts["get"] == 1  # the refused retry was checked with one GET
