"""``python -m benchmarks --smoke`` runs every benchmark at tiny sizes and reports every row.

Figures are not judged here (speed is shown by ``make bench``, never asserted in tests):
the test pins down that each workload still runs end to end and lands in the table and
in the JSON, measured or explicitly marked "n/a".
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_KEYS = [
    "decode.classify_run",
    "decode.official_sdk_path",
    "import.cold",
    "import.first_answer",
    "import.first_resource",
    "async_cancel.req_s",
    "async_cancel.cpu_us",
    "async_cancel_static.req_s",
    "async_cancel_static.cpu_us",
    "sync_cancel.req_s",
    "sync_cancel.cpu_us",
    "memory.cancel_iter_50",
    "memory.cancel_iter_100",
    "memory.hold_results",
    "memory.emulator_runs",
    "memory.upload_1mib",
    "memory.upload_4mib",
    "goodput.max_rate",
    "goodput.max_rate_429",
    "goodput.adaptive",
    "limiter.bulk_pacer_us",
    "limiter.local_us",
    "limiter.redis_us",
    "limiter.redis_goodput",
    "limiter.redis_429",
    "limiter.local_goodput",
    "server.emulator_1.req_s",
    "server.emulator_1.cpu_us",
    "server.emulator_2.req_s",
    "server.emulator_2.cpu_us",
    "server.static_1.req_s",
    "server.static_1.cpu_us",
    "server.emulator_mixed.req_s",
    "server.emulator_mixed.cpu_us",
    "server.emulator_ours_classify.req_s",
    "server.emulator_ours_kinds.req_s",
    "deadline.overshoot_1000",
    "deadline.overshoot_10000",
    "deadline.overshoot_hanging",
    "sync_overhead",
    "webhooks.verify_and_parse",
]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object]]:
    out = tmp_path_factory.mktemp("bench") / "smoke.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        # Generous: the smoke sizes take ~40 s on an idle machine; this only stops a hang.
        timeout=400,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout, json.loads(out.read_text())


@pytest.mark.timeout(420)
def test_every_workload_has_a_row_in_the_json(smoke: tuple[str, dict[str, object]]) -> None:
    _, payload = smoke
    rows = payload["rows"]
    assert isinstance(rows, list)
    assert [row["key"] for row in rows] == EXPECTED_KEYS
    assert payload["failures"] == {}


@pytest.mark.timeout(420)
def test_each_row_is_measured_or_says_why_not(smoke: tuple[str, dict[str, object]]) -> None:
    _, payload = smoke
    rows = payload["rows"]
    assert isinstance(rows, list)
    for row in rows:
        ours = row["ours"]
        if ours is None:
            assert row["note"].startswith("n/a ("), row
        else:
            assert isinstance(ours, float), row
            assert math.isfinite(ours), row
            # A difference of two timings (sync minus async) may come out below zero
            # when the machine is busy; every other figure is a measure of its own.
            assert ours >= 0 or row["key"] == "sync_overhead", row
        for other in ("official", "raw"):
            value = row[other]
            assert value is None or (math.isfinite(value) and value > 0), row


@pytest.mark.timeout(420)
def test_the_table_shows_every_row_and_the_machine(
    smoke: tuple[str, dict[str, object]],
) -> None:
    stdout, payload = smoke
    lines = stdout.splitlines()
    assert lines[0].startswith("# ")
    assert "Python" in lines[0]
    assert "SMOKE" in lines[0]
    header = [cell.strip() for cell in lines[1].split("|")]
    assert header == ["workload", "ours", "official", "raw", "ratio", "goal", "met?"]
    rows = payload["rows"]
    assert isinstance(rows, list)
    for row in rows:
        assert any(line.startswith(row["workload"]) for line in lines), row["workload"]
    machine = payload["machine"]
    assert isinstance(machine, dict)
    assert {"nproc", "cpu", "python", "date"} <= machine.keys()
