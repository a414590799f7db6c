"""``cancel`` as a person meets it: exit statuses after errors, ids streaming in from a
pipe that is still open, Ctrl-C while reading and at the prompt."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson

from extend_async.testing import ExtendEmulator

from .conftest import cli_env, run_cli


def test_a_rejected_key_stops_a_filter_cancel_with_exit_1_and_one_error(
    emu: ExtendEmulator,
) -> None:
    ids = emu.seed_runs(3)
    env_key_wrong = ["--api-key", "sk_test_wrong", "cancel", "--status", "PROCESSING", "--yes"]
    done = run_cli(env_key_wrong, emu, with_key=False)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "401" in line]
    assert len(errors) == 1  # said once, not again by a log line
    assert errors[0].startswith("extend-client: error: AuthenticationError: 401")
    assert {emu.runs[i].status for i in ids} == {"PROCESSING"}


def test_an_unreachable_base_url_is_named_with_how_to_change_it() -> None:
    env = {**cli_env(None), "EXTEND_API_KEY": "sk_test_x", "EXTEND_BASE_URL": "http://127.0.0.1:1"}
    done = subprocess.run(
        [sys.executable, "-m", "extend_async.cli", "get", "clr_" + "a" * 21],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    *retries, line = done.stderr.strip().splitlines()
    assert line.endswith(
        "cannot reach http://127.0.0.1:1; change it with --base-url or EXTEND_BASE_URL"
    )
    # Each retry said so as it happened (attempts 2 and 3 of the default 3).
    assert [r.split("(")[-1] for r in retries] == ["attempt 2 of 3)...", "attempt 3 of 3)..."]
    assert all(r.startswith("extend-client: retrying GET /classify_runs/") for r in retries)


def test_ids_from_a_pipe_are_cancelled_as_they_arrive(emu: ExtendEmulator) -> None:
    first, second = emu.seed_runs(2)
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "cancel", "--from-file", "-", "-o", "json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(emu),
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(f"{first}\n".encode())
    process.stdin.flush()
    # The pipe is still open: the first outcome comes before the input ends.
    outcome = orjson.loads(process.stdout.readline())
    assert (outcome["id"], outcome["kind"]) == (first, "cancelled")
    out, _ = process.communicate(f"{second}\n".encode(), timeout=30)
    assert orjson.loads(out)["id"] == second
    assert process.returncode == 0


def test_ctrl_c_while_ids_are_still_being_read_exits_130(emu: ExtendEmulator) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "cancel", "--from-file", "-", "--dry-run"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(emu),
    )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(b"".join(b"clr_%021d\n" % n for n in range(50_000)))
    # 1.3 MB, far more than a pipe holds: once the write returns, the command is reading
    # (its Ctrl-C handling in place). The pipe stays open: reading would wait forever.
    process.stdin.flush()
    os.kill(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err
    assert sum(emu.request_counts.values()) == 0


def _prompting(emu: ExtendEmulator) -> tuple[subprocess.Popen[bytes], int]:
    """A filter cancel whose stdin is a terminal, as when a person runs it."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "cancel", "--status", "PROCESSING"],
        stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(emu),
    )  # fmt: skip
    os.close(terminal)
    assert process.stderr is not None
    prompt = b""
    while not prompt.endswith(b"[y/N] "):
        prompt += process.stderr.read(1)
    assert b"3 runs match now" in prompt
    return process, controller


def test_declining_the_prompt_cancels_nothing_and_exits_1(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(3)
    process, controller = _prompting(emu)
    os.write(controller, b"n\n")
    _, err = process.communicate(timeout=30)
    os.close(controller)
    assert process.returncode == 1
    assert err == b"Nothing was cancelled.\n"
    assert {emu.runs[i].status for i in ids} == {"PROCESSING"}


def test_ctrl_c_at_the_prompt_exits_130_at_once(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(3)
    process, controller = _prompting(emu)
    os.kill(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    os.close(controller)
    assert process.returncode == 130
    assert b"Traceback" not in err
    assert {emu.runs[i].status for i in ids} == {"PROCESSING"}


def test_a_deadline_over_a_streamed_file_says_so_and_exits_1(
    emu: ExtendEmulator, tmp_path: Path
) -> None:
    ids = emu.seed_runs(60)
    emu.faults.update(route="cancel", latency=0.05)
    listing = tmp_path / "ids.txt"
    listing.write_text("\n".join(ids) + "\n", encoding="utf-8")
    done = run_cli(
        ["cancel", "--from-file", str(listing), "--concurrency", "2", "--deadline", "0.5"], emu
    )
    assert done.returncode == 1  # every id tried was cancelled, but not every id was tried
    assert "stopped at the deadline" in done.stderr
    states = Counter(emu.runs[i].status for i in ids)
    assert 0 < states["PROCESSING"] < 60
    (head,) = [line for line in done.stderr.splitlines() if " ids in " in line]
    read = int(head.split()[0])  # "N ids in ...": only those read
    assert states["CANCELLED"] <= read < 60


def test_empty_stdin_from_a_pipe_or_dev_null_is_nothing_to_cancel(emu: ExtendEmulator) -> None:
    # `runs list ... -o id | runs cancel --from-file -` on a quiet day: not a failure.
    args = [sys.executable, "-m", "extend_async.cli", "cancel", "--from-file", "-"]
    from_null = subprocess.run(
        args, stdin=subprocess.DEVNULL, capture_output=True, env=cli_env(emu), timeout=60,
        check=False,
    )  # fmt: skip
    from_pipe = subprocess.run(
        args, input=b"", capture_output=True, env=cli_env(emu), timeout=60, check=False
    )
    for done in (from_null, from_pipe):
        assert done.returncode == 0
        assert done.stdout == b""
        assert done.stderr == b"extend-client: no ids in stdin; nothing to cancel\n"
    assert sum(emu.request_counts.values()) == 0


def test_ctrl_c_during_a_streamed_cancel_reports_and_exits_130(
    emu: ExtendEmulator, tmp_path: Path
) -> None:
    ids = emu.seed_runs(300)
    emu.faults.update(route="cancel", latency=0.02)
    listing = tmp_path / "ids.txt"
    listing.write_text("\n".join(ids) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "cancel", "--concurrency", "2",
         "--from-file", str(listing)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=cli_env(emu),
    )  # fmt: skip
    assert process.stderr is not None
    assert process.stderr.readline().startswith("cancel: ")  # under way
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == ""
    assert "interrupted" in err
    assert "Traceback" not in err
    assert 0 < Counter(emu.runs[i].status for i in ids)["CANCELLED"] < 300
