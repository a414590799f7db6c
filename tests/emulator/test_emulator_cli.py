"""``python -m extend_async.testing``: serves, prints where, stops cleanly on a signal."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request

import orjson
import pytest

from extend_async.testing.__main__ import main

from ._wire import API_VERSION

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.mark.parametrize(
    ("stop_signal", "exit_status"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)]
)
def test_cli_serves_then_stops_on_signal(stop_signal: signal.Signals, exit_status: int) -> None:
    # Ctrl-C exits 130 as shells report SIGINT; SIGTERM is a requested, clean stop.
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.testing", "--port", "0", "--seed-runs", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert match, first
        assert "API key: sk_test_emulator" in process.stdout.readline()
        request = urllib.request.Request(
            match.group(0) + "/classify_runs",
            headers={
                "Authorization": "Bearer sk_test_emulator",
                "x-extend-api-version": API_VERSION,
            },
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert response.headers["x-extend-request-id"].startswith("req_")
            assert len(orjson.loads(response.read())["data"]) == 3
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == exit_status, err
    assert "Traceback" not in err
    assert "stopped" in out


def test_cli_rejects_bad_options() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--rate-limit", "fast"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["--host", "192.0.2.1"])
    assert exited.value.code == 2


def test_cli_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["--port", str(taken.getsockname()[1])]) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_cli_sets_the_behaviour_of_the_other_run_kinds() -> None:
    from extend_async.testing._cli import build_parser, emulator_from_args

    args = build_parser().parse_args(
        ["--workflow-outcome", "NEEDS_REVIEW", "--parse-cancel", "fail", "--max-runs", "10"]
    )
    settings = emulator_from_args(args).settings
    assert (settings.workflow_outcome, settings.parse_cancel, settings.max_runs) == (
        "NEEDS_REVIEW",
        "fail",
        10,
    )
    with pytest.raises(SystemExit) as exited:
        main(["--max-runs", "0"])
    assert exited.value.code == 2


async def test_seed_kinds_seeds_n_runs_of_each_kind_and_says_so() -> None:
    from extend_async import AsyncExtend
    from extend_async.testing import ExtendEmulator
    from extend_async.testing._cli import build_parser, seed

    args = build_parser().parse_args(["--seed-runs", "2", "--seed-kinds", "classify,extract_runs"])
    assert args.seed_kinds == ("classify", "extract")
    assert build_parser().parse_args(["--seed-runs", "2"]).seed_kinds == ("classify",)
    async with ExtendEmulator(seed=5) as emulator:
        said = seed(emulator, 2, "PROCESSING", ("classify", "extract", "form_detection"))
        assert said[0].startswith("Seeded 2 PROCESSING classify runs of classifier cl_")
        assert said[1:] == [
            "Seeded 2 PROCESSING extract runs",
            "Seeded 2 PROCESSING form detection runs",
        ]
        async with AsyncExtend(emulator.api_key, base_url=emulator.base_url) as client:
            listed = [run async for run in client.runs.list(kinds=["classify", "extract"])]
    assert sorted(type(run).__name__ for run in listed) == [
        "ClassifyRunSummary", "ClassifyRunSummary", "ExtractRunSummary", "ExtractRunSummary",
    ]  # fmt: skip


def test_seed_kinds_are_checked_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--seed-runs", "1", "--seed-kinds", "classify,frobnicate"])
    assert exited.value.code == 2
    assert "'frobnicate' is not a run kind" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["--seed-runs", "1", "--seed-kinds", "extract,parse", "--seed-status", "CANCELLED"])
    assert exited.value.code == 2
    assert "parse runs have no such status" in capsys.readouterr().err
