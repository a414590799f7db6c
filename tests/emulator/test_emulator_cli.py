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
