"""The pytest plugin's fixtures (registered through the pytest11 entry point)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from extend_async import AsyncExtend
from extend_async.testing import ExtendEmulator, RateLimit

from ._wire import API_VERSION, Wire


def test_sync_tests_get_a_running_emulator(extend_emulator: ExtendEmulator) -> None:
    (run_id,) = extend_emulator.seed_runs(1)
    request = urllib.request.Request(
        f"{extend_emulator.base_url}/classify_runs/{run_id}",
        headers={"Authorization": "Bearer sk_test_emulator", "x-extend-api-version": API_VERSION},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    assert extend_emulator.runs[run_id].get_count == 1


async def test_async_tests_get_one_too(extend_emulator: ExtendEmulator) -> None:
    (run_id,) = extend_emulator.seed_runs(1)
    async with aiohttp.ClientSession() as session:
        reply = await Wire(session, extend_emulator.base_url).cancel(run_id)
    assert reply.status == 200
    assert extend_emulator.runs[run_id].status == "CANCELLED"


def test_each_test_gets_a_fresh_emulator(extend_emulator: ExtendEmulator) -> None:
    assert len(extend_emulator.runs) == 0
    assert extend_emulator.request_counts == {}


class TestOptions:
    @pytest.fixture
    def extend_emulator_options(self) -> dict[str, Any]:
        return {"seed": 4, "rate_limit": RateLimit(1), "state_conflict_status": 422}

    def test_options_reach_the_emulator(self, extend_emulator: ExtendEmulator) -> None:
        assert extend_emulator.seed == 4
        assert extend_emulator.rate_limit == RateLimit(1)
        assert extend_emulator.settings.state_conflict_status == 422


async def test_async_client_fixture_talks_to_the_emulator(
    async_extend_client: AsyncExtend, extend_emulator: ExtendEmulator
) -> None:
    (run_id,) = extend_emulator.seed_runs(1)
    run = await async_extend_client.classify_runs.cancel(run_id)
    assert getattr(run.status, "value", run.status) == "CANCELLED"
    assert extend_emulator.runs[run_id].status == "CANCELLED"


def test_sync_client_fixture_talks_to_the_emulator(
    extend_client: Any, extend_emulator: ExtendEmulator
) -> None:
    (run_id,) = extend_emulator.seed_runs(1)
    run = extend_client.classify_runs.get(run_id)
    assert run.id == run_id
    assert extend_emulator.runs[run_id].get_count == 1


def test_plugin_loads_without_any_import(tmp_path: Path) -> None:
    test_file = tmp_path / "test_uses_fixture.py"
    test_file.write_text(
        textwrap.dedent(
            """
            def test_fixture(extend_emulator):
                assert extend_emulator.base_url.startswith("http://127.0.0.1:")
                assert extend_emulator.api_key == "sk_test_emulator"
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
