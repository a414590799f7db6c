"""A session or connector the user owns, aiohttp trace configs, and per-attempt hooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import aiohttp
import pytest

from extend_async import (
    AsyncExtend,
    ExtendError,
    InvalidInputError,
    RequestEvent,
    ResponseEvent,
    RetryPolicy,
)
from extend_async.testing import ExtendEmulator, FaultConfig
from extend_sync import Extend

FAST_RETRY = RetryPolicy(initial_delay=0.001, max_delay=0.004)


@pytest.fixture
async def emu() -> AsyncIterator[ExtendEmulator]:
    async with ExtendEmulator(seed=11) as emulator:
        yield emulator
        assert emulator.unexpected_errors == []


def _recording_trace(paths: list[str]) -> aiohttp.TraceConfig:
    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        paths.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return trace


async def test_a_users_session_carries_the_requests_and_is_never_closed(
    emu: ExtendEmulator,
) -> None:
    (run_id,) = emu.seed_runs(1)
    paths: list[str] = []
    async with aiohttp.ClientSession(trace_configs=[_recording_trace(paths)]) as session:
        async with AsyncExtend(emu.api_key, base_url=emu.base_url, http_session=session) as api:
            assert (await api.classify_runs.get(run_id)).id == run_id
            derived = api.with_options(max_retries=0)
            await derived.classify_runs.get(run_id)
        assert api.is_closed
        assert not session.closed  # still the user's to use and close
        assert paths == [f"/classify_runs/{run_id}"] * 2
        with pytest.raises(ExtendError, match="closed"):
            await api.classify_runs.get(run_id)


async def test_a_users_connector_is_shared_and_outlives_the_client(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1)
    connector = aiohttp.TCPConnector(limit=4)
    try:
        for _ in range(2):  # two clients, one pool
            async with AsyncExtend(emu.api_key, base_url=emu.base_url, connector=connector) as api:
                await api.classify_runs.get(run_id)
            assert not connector.closed
    finally:
        await connector.close()


async def test_trace_configs_see_every_request_of_a_session_the_client_makes(
    emu: ExtendEmulator,
) -> None:
    (run_id,) = emu.seed_runs(1)
    paths: list[str] = []
    trace = _recording_trace(paths)
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, trace_configs=[trace]) as api:
        await api.classify_runs.get(run_id)
        await api.classify_runs.list()
    assert paths == [f"/classify_runs/{run_id}", "/classify_runs"]


async def test_a_session_with_a_connector_or_traces_is_refused() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(InvalidInputError, match="http_session"):
            AsyncExtend("sk_x", http_session=session, trace_configs=[aiohttp.TraceConfig()])
        connector = aiohttp.TCPConnector()
        try:
            with pytest.raises(InvalidInputError, match="http_session"):
                AsyncExtend("sk_x", http_session=session, connector=connector)
        finally:
            await connector.close()


async def test_a_session_from_another_loop_is_a_clear_error() -> None:
    with ExtendEmulator().run_in_thread() as emu:
        (run_id,) = emu.seed_runs(1)
        async with aiohttp.ClientSession() as session:
            # The sync client runs its own loop in a thread: this session cannot work there.
            client = Extend(emu.api_key, base_url=emu.base_url, http_session=session)
            with client, pytest.raises(ExtendError, match="another event loop"):
                client.classify_runs.get(run_id)
            assert not session.closed


async def test_hooks_see_every_attempt_with_status_elapsed_and_request_id(
    emu: ExtendEmulator,
) -> None:
    (run_id,) = emu.seed_runs(1)
    requests: list[RequestEvent] = []
    responses: list[ResponseEvent] = []

    def on_response(event: ResponseEvent) -> None:
        responses.append(event)
        emu.faults.clear()  # one failed attempt, then the retry succeeds

    emu.faults.config = FaultConfig(error_rate=1.0)
    async with AsyncExtend(
        emu.api_key,
        base_url=emu.base_url,
        retry_policy=FAST_RETRY,
        on_request=requests.append,
        on_response=on_response,
    ) as api:
        raw = await api.classify_runs.with_raw_response.get(run_id)
    path = f"/classify_runs/{run_id}"
    assert requests == [
        RequestEvent(method="GET", path=path, attempt=1),
        RequestEvent(method="GET", path=path, attempt=2),
    ]
    assert [(e.method, e.path, e.attempt, e.status, e.error) for e in responses] == [
        ("GET", path, 1, 500, None),
        ("GET", path, 2, 200, None),
    ]
    assert all(e.elapsed >= 0 for e in responses)
    assert all(e.request_id and e.request_id.startswith("req_") for e in responses)
    assert responses[1].request_id == raw.request_id
    assert responses[0].request_id != responses[1].request_id
    assert emu.api_key not in repr(requests) + repr(responses)


async def test_a_failed_attempt_reaches_the_hook_with_its_error(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1)
    responses: list[ResponseEvent] = []

    def on_response(event: ResponseEvent) -> None:
        responses.append(event)
        emu.faults.clear()

    emu.faults.config = FaultConfig(reset_rate=1.0)
    async with AsyncExtend(
        emu.api_key, base_url=emu.base_url, retry_policy=FAST_RETRY, on_response=on_response
    ) as api:
        await api.classify_runs.get(run_id)
    assert [(e.attempt, e.status) for e in responses] == [(1, None), (2, 200)]
    assert responses[0].error is not None
    assert responses[0].error.split(":")[0] in {"ServerDisconnectedError", "ClientOSError"}
    assert responses[0].request_id is None


async def test_a_hook_that_raises_changes_nothing(
    emu: ExtendEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    (run_id,) = emu.seed_runs(1)

    def broken(event: object) -> None:
        raise RuntimeError("hook bug")

    async with AsyncExtend(
        emu.api_key, base_url=emu.base_url, on_request=broken, on_response=broken
    ) as api:
        assert (await api.classify_runs.get(run_id)).id == run_id
    assert "a request hook raised" in caplog.text
    assert emu.request_counts["get"] == 1
