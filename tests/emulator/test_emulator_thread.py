"""Thread mode: the emulator on its own loop, driven from sync code and other threads."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import urllib.error
import urllib.request

import aiohttp
import orjson
import pytest

from extend_async.testing import ExtendEmulator, Lifecycle

from ._wire import API_VERSION, Wire

HEADERS = {"Authorization": "Bearer sk_test_emulator", "x-extend-api-version": API_VERSION}


def sync_request(method: str, url: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, method=method, headers=HEADERS)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


def test_run_in_thread_serves_sync_code() -> None:
    with ExtendEmulator(seed=3).run_in_thread() as emulator:
        (run_id,) = emulator.seed_runs(1)
        status, run = sync_request("POST", f"{emulator.base_url}/classify_runs/{run_id}/cancel")
        assert (status, run["status"]) == (200, "CANCELLED")
        assert emulator.runs[run_id].status == "CANCELLED"
        status, envelope = sync_request(
            "POST", f"{emulator.base_url}/classify_runs/{run_id}/cancel"
        )
        assert (status, envelope["code"]) == (400, "INVALID_REQUEST")
        base_url = emulator.base_url
    with pytest.raises(urllib.error.URLError):
        sync_request("GET", f"{base_url}/classify_runs")


def test_start_in_thread_and_stop_thread() -> None:
    emulator = ExtendEmulator().start_in_thread()
    try:
        status, page = sync_request("GET", f"{emulator.base_url}/classify_runs")
        assert (status, page["data"]) == (200, [])
        with pytest.raises(RuntimeError, match="already running"):
            emulator.start_in_thread()
    finally:
        emulator.stop_thread()
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.base_url


def test_a_busy_port_is_reported_to_the_caller() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):  # noqa: PT011 - the errno differs by platform
            ExtendEmulator(port=port).start_in_thread()


def test_non_loopback_hosts_are_refused() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ExtendEmulator(host="0.0.0.0")
    assert ExtendEmulator(host="0.0.0.0", allow_remote=True) is not None


def test_seeding_twenty_thousand_runs_gives_as_many_distinct_runs() -> None:
    # How fast seeding is belongs to the benchmarks: a wall-clock bound here fails on a busy
    # machine (the test-matrix venvs share the cores) without anything being wrong.
    emulator = ExtendEmulator()
    ids = emulator.seed_runs(20_000)
    assert len(set(ids)) == len(emulator.runs) == 20_000


async def _cancel_all(base_url: str, run_ids: list[str], concurrency: int) -> list[int]:
    statuses: list[int] = []
    pending = iter(run_ids)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        wire = Wire(session, base_url)

        async def worker() -> None:
            for run_id in pending:
                statuses.append((await wire.cancel(run_id)).status)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def test_control_surface_is_safe_from_other_threads_under_load() -> None:
    with ExtendEmulator(seed=5).run_in_thread() as emulator:
        run_ids = emulator.seed_runs(3000)
        advanced: list[str] = []

        def meddle() -> None:
            # Races the cancels from a third thread: advance, seed, inspect, reconfigure.
            for run_id in run_ids[::3]:
                if emulator.advance(run_id, "PROCESSED", from_status="PROCESSING"):
                    advanced.append(run_id)
            emulator.seed_runs(500, status="PROCESSED")
            emulator.faults.update(latency=0.0)
            _ = emulator.request_counts, emulator.status_counts, list(emulator.runs)

        meddler = threading.Thread(target=meddle)
        meddler.start()
        statuses = asyncio.run(_cancel_all(emulator.base_url, run_ids, concurrency=64))
        meddler.join()
        assert set(statuses) <= {200, 400}
        assert statuses.count(200) + statuses.count(400) == 3000
        cancelled = [r for r in run_ids if emulator.runs[r].status == "CANCELLED"]
        assert len(cancelled) == statuses.count(200)
        assert advanced  # the race really happened both ways
        for run_id in advanced:
            assert emulator.runs[run_id].history == ["PROCESSING", "PROCESSED"]
        assert emulator.request_counts["cancel"] == 3000
        assert emulator.unexpected_errors == []
        assert len(emulator.runs) == 3500


def test_timers_scheduled_from_another_thread_fire_on_the_loop() -> None:
    lifecycle = Lifecycle(processing_seconds=0.05)
    with ExtendEmulator(lifecycle=lifecycle).run_in_thread() as emulator:
        run_ids = emulator.seed_runs(20)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if all(emulator.runs[r].status == "PROCESSED" for r in run_ids):
                break
            time.sleep(0.02)
        assert {emulator.runs[r].status for r in run_ids} == {"PROCESSED"}
        emulator.lifecycle = Lifecycle(processing_seconds=3600)
        emulator.seed_runs(5)
        deadline = time.monotonic() + 5
        while emulator.pending_timers < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emulator.pending_timers == 5
    assert emulator.pending_timers == 0
