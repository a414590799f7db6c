"""One input contract: ids and statuses checked before any request, no abbreviations and no
secret in a usage error, closed stdin and overlong lines as clear errors, and a server that
never answers told apart from one that cannot be reached."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from extend_async.cli._common import UsageError
from extend_async.cli._ids import LINE_LIMIT, open_ids
from extend_async.testing import ExtendEmulator

from ._servers import silent_server
from .conftest import cli_env, run_cli

RUN = "clr_" + "a" * 21


@pytest.mark.parametrize(
    "args",
    [
        ["runs", "get", "clr a b"],
        ["runs", "watch", "clr a b"],
        ["runs", "delete", "clr a b"],
        ["runs", "cancel", "clr a b"],
        ["batches", "get", "bpr x y"],
        ["files", "get", "file a"],
        ["runs", "list", "--classifier", "cl x"],
    ],
)
def test_one_id_check_for_every_command_before_any_request(
    emu: ExtendEmulator, args: list[str]
) -> None:
    done = run_cli(args, emu)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "is not a" in line
    assert "without spaces or commas" in line
    assert sum(emu.request_counts.values()) == 0


def test_statuses_in_any_case_or_refused_with_the_valid_ones(emu: ExtendEmulator) -> None:
    pending = emu.seed_runs(2, status="PENDING")
    done = run_cli(["runs", "list", "--status", "pending", "-o", "id"], emu)
    assert sorted(done.stdout.split()) == sorted(pending)
    refused = run_cli(["runs", "list", "--status", "bogus"], emu)
    assert refused.returncode == 2
    assert "PENDING, PROCESSING, PROCESSED, FAILED, CANCELLED" in refused.stderr
    assert emu.request_counts["list"] == 1  # the refused one sent nothing


def test_no_abbreviation_and_no_secret_in_a_usage_error(emu: ExtendEmulator) -> None:
    secret = "wss_TOPxSECRETxVALUE"
    verify = run_cli(["webhooks", "verify", "--secret", secret, "--signature", "a"], emu)
    key = run_cli(["--api-ke", "sk_live_HIDDENxKEY", "runs", "get", RUN], None)
    equals = run_cli(["runs", "get", RUN, "--password=hunter2hunter2"], None)
    for done, hidden in ((verify, secret), (key, "sk_live_HIDDENxKEY"), (equals, "hunter2")):
        assert done.returncode == 2
        # Not taken for --secret-env, --api-key or --password-env: refused.
        assert "unrecognized arguments" in done.stderr or "invalid choice" in done.stderr
        assert hidden not in done.stderr + done.stdout
        assert "***" in done.stderr


def test_a_secret_in_place_of_a_variable_name_or_in_a_url_is_never_echoed() -> None:
    pasted = run_cli(["webhooks", "verify", "--secret-env", "wss_PASTEDxSECRET"], None)
    assert pasted.returncode == 2
    assert "wss_PASTEDxSECRET" not in pasted.stderr
    assert "--secret-env takes the name of an environment variable" in pasted.stderr
    in_url = run_cli(
        ["--base-url", "http://user:hunter2pw@127.0.0.1:1", "--api-key", "sk_live_KEYxKEY",
         "--max-retries", "0", "runs", "get", RUN],
        None,
    )  # fmt: skip
    assert in_url.returncode in (1, 2)
    assert in_url.stderr.startswith("extend-client: error: ")
    assert "hunter2pw" not in in_url.stderr
    assert "sk_live_KEYxKEY" not in in_url.stderr


def _closed_stdin() -> None:
    os.close(0)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")
@pytest.mark.parametrize(
    "args",
    [
        ["webhooks", "verify", "--signature", "a", "--timestamp", "1"],
        ["runs", "cancel", "--from-file", "-"],
    ],
)
def test_a_closed_stdin_is_a_usage_error(emu: ExtendEmulator, args: list[str]) -> None:
    env = {**cli_env(emu), "EXTEND_WEBHOOK_SECRET": "wss_x"}
    done = subprocess.run(
        [sys.executable, "-m", "extend_async.cli", *args], stdin=None,
        preexec_fn=_closed_stdin, capture_output=True, text=True, env=env, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("extend-client: error: stdin is closed")


def test_nothing_matching_a_filter_is_exit_0_with_a_notice(emu: ExtendEmulator) -> None:
    emu.seed_runs(2, status="PROCESSED")
    done = run_cli(["runs", "cancel", "--status", "PENDING", "--yes"], emu)
    assert done.returncode == 0
    assert done.stdout == ""
    assert done.stderr == "extend-client: no runs match (every PENDING run); nothing to cancel\n"


def test_a_server_that_never_answers_is_said_so_with_retry_notices() -> None:
    with silent_server() as base_url:
        started = time.monotonic()
        done = run_cli(
            ["--base-url", base_url, "--api-key", "sk_x", "--timeout", "0.3",
             "--max-retries", "1", "runs", "get", RUN],
            None,
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert done.returncode == 1
    notice, error = done.stderr.splitlines()
    assert notice == (
        f"extend-client: retrying GET /classify_runs/{RUN} after no answer within 0.3s "
        "(attempt 2 of 2)..."
    )
    assert error.startswith(f"extend-client: error: no answer within 0.3s from {base_url}")
    assert "2 attempts" in error
    assert "cannot reach" not in error  # the host was reached
    assert elapsed < 50  # bounded by --timeout, not by the 60 s default (3 x 60 s before)


def test_an_overlong_line_in_a_regular_file_is_refused_with_bounded_memory(
    tmp_path: Path,
) -> None:
    listing = tmp_path / "ids.txt"
    with listing.open("wb") as file:
        file.write(b"clr_ok\n")
        for _ in range(6):  # 6 MiB on one line, no newline
            file.write(b"x" * (1 << 20))

    async def read() -> list[str]:
        source = open_ids(str(listing), io.BytesIO(), allow_any=False)
        try:
            return [i async for i in source.ids()]
        finally:
            source.close()

    tracemalloc.start()
    try:
        with pytest.raises(UsageError) as raised:
            asyncio.run(read())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(raised.value) == (
        f"line 2 of {listing} is longer than {LINE_LIMIT} bytes (1 MiB); no id is"
    )
    assert peak < 3 * LINE_LIMIT  # at most a line's worth held, not the 6 MiB


def test_an_overlong_line_from_a_pipe_names_its_line(emu: ExtendEmulator) -> None:
    data = "\n" + "x" * (LINE_LIMIT + 10) + "\n"
    done = run_cli(["runs", "cancel", "--from-file", "-"], emu, stdin=data)
    assert done.returncode == 2
    assert f"line 2 of stdin is longer than {LINE_LIMIT} bytes" in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_classify_wait_names_the_run_at_once_and_again_on_ctrl_c(
    emu: ExtendEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "classify", str(source),
         "--classifier", emu.create_classifier(), "--wait"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=cli_env(emu),
    )  # fmt: skip
    try:
        assert process.stderr is not None
        created = process.stderr.readline()
        assert created.startswith("created run clr_")
        run_id = created.split()[-1]
        assert process.stderr.readline().startswith(f"waiting for {run_id} to end")
        os.kill(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert out == ""
    assert f"runs cancel {run_id}" in err  # the id again: the run can be found and stopped
    assert "Traceback" not in err
    assert emu.runs[run_id].status == "PROCESSING"  # the run goes on
