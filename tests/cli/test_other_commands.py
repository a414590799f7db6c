"""``extend-client get``, ``list``, ``emulator``, ``demo`` and usage errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import orjson

from extend_async.testing import ExtendEmulator

from .conftest import cli_env, run_cli


def test_get_prints_the_run_as_json(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1)
    done = run_cli(["get", run_id], emu)
    assert done.returncode == 0
    run = orjson.loads(done.stdout)
    assert run["id"] == run_id
    assert run["status"] == "PROCESSING"


def test_get_of_an_unknown_run_is_one_line_and_exit_1(emu: ExtendEmulator) -> None:
    done = run_cli(["get", "clr_" + "z" * 21], emu)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("extend-client: error: 404 NOT_FOUND")


def test_list_filters_and_limits(emu: ExtendEmulator) -> None:
    emu.seed_runs(5, status="PROCESSED")
    pending = emu.seed_runs(3, status="PENDING")
    done = run_cli(["list", "--status", "pending", "--limit", "2"], emu)
    assert done.returncode == 0
    rows = done.stdout.splitlines()
    assert len(rows) == 2
    assert {row.split()[0] for row in rows} <= set(pending)
    assert done.stderr.startswith("2 runs (more match")
    as_json = run_cli(["list", "--status", "PENDING", "--json", "--limit", "0"], emu)
    assert sorted(orjson.loads(line)["id"] for line in as_json.stdout.splitlines()) == sorted(
        pending
    )


def test_usage_errors_exit_2() -> None:
    assert run_cli(["cancel"], None).returncode == 2
    assert run_cli(["cancel", "--concurrency", "0", "clr_x"], None).returncode == 2
    assert run_cli(["frobnicate"], None).returncode == 2


def test_the_emulator_command_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "emulator", "--port", "0", "--seed-runs", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(None),
    )
    assert process.stdout is not None
    banner = [process.stdout.readline() for _ in range(2)]
    assert "http://127.0.0.1:" in banner[0]
    assert "sk_test_emulator" in banner[1]  # the emulator's own key, printed to be used
    os.kill(process.pid, signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 130  # Ctrl-C, as the exit-status table says


def test_the_demo_accounts_for_every_run() -> None:
    done = run_cli(["demo", "--runs", "300", "--rate-limit", "2000", "--fault-rate", "0.1"], None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Every one of the 300 runs accounted for." in done.stdout
    lines = done.stdout.splitlines()
    check = lines[lines.index("Emulator check, per type:") + 1 :][:8]
    assert [line.split()[0] for line in check] == [
        "classify", "extract", "split", "workflow", "verify", "processor", "parse", "edit"
    ]  # fmt: skip
    assert "105 of 105 stopped" in check[0]  # classify: 35 %
    assert "15 of 15 left PROCESSING (cannot be cancelled)" in check[-1]
    assert "by type:" in done.stderr  # the command's own summary, per type
    assert "status=CANCELLED" in done.stdout


def test_a_reader_that_goes_away_ends_the_command_quietly(emu: ExtendEmulator) -> None:
    emu.seed_runs(300)
    # `extend-client list --limit 0 | head -1`: the pipe closes after the first line.
    with subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "list", "--limit", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(emu),
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert first.startswith(b"clr_")
    assert "Traceback" not in stderr
    assert code in (0, 141)  # 0 when every line fitted in the pipe before it closed
