"""``extend-client cancel``: exit statuses, output forms, input checks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson

from extend_async.testing import ExtendEmulator

from .conftest import cli_env, run_cli

UNKNOWN = "clr_" + "u" * 21


def test_cancelling_ids_exits_0_with_a_summary(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(3)
    done = run_cli(["cancel", *ids], emu)
    assert done.returncode == 0, done.stderr
    assert {emu.runs[i].status for i in ids} == {"CANCELLED"}
    assert done.stdout == ""  # the summary is counts, not data: on stderr
    assert "cancelled" in done.stderr
    assert "total" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_gives_one_line_per_outcome_and_not_found_exits_1(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1)
    finished = emu.seed_runs(1, status="PROCESSED")[0]
    done = run_cli(["cancel", "--json", run_id, finished, UNKNOWN, run_id], emu)
    assert done.returncode == 1  # a run that was not found was not cancelled
    lines = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert [(o["id"], o["kind"]) for o in lines] == [
        (run_id, "cancelled"),
        (finished, "already_terminal"),
        (UNKNOWN, "not_found"),
        (run_id, "cancelled"),
    ]
    assert lines[1]["status"] == "PROCESSED"
    assert lines[3]["duplicateOf"] == 0  # camelCase, as every -o json
    assert "total" in done.stderr  # the summary is on stderr


def test_ids_from_a_file_and_from_stdin(emu: ExtendEmulator, tmp_path: Path) -> None:
    first, second = emu.seed_runs(6), emu.seed_runs(4)
    listing = tmp_path / "ids.txt"
    listing.write_text("# runs to stop\n" + "\n".join(first) + "\n\n", encoding="utf-8")
    assert run_cli(["cancel", "--from-file", str(listing)], emu).returncode == 0
    piped = run_cli(["cancel", "--from-file", "-", "--json"], emu, stdin="\n".join(second))
    assert piped.returncode == 0
    assert len(piped.stdout.splitlines()) == 4
    assert {emu.runs[i].status for i in first + second} == {"CANCELLED"}


def test_an_unreadable_file_is_one_line_and_exit_2(emu: ExtendEmulator, tmp_path: Path) -> None:
    done = run_cli(["cancel", "--from-file", str(tmp_path / "missing.txt")], emu)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"extend-client: error: cannot read ids from {tmp_path / 'missing.txt'}: "
        "No such file or directory"
    ]
    assert sum(emu.request_counts.values()) == 0


def test_a_malformed_id_in_a_file_stops_reading_at_its_line(
    emu: ExtendEmulator, tmp_path: Path
) -> None:
    ids = emu.seed_runs(2)
    listing = tmp_path / "ids.txt"
    listing.write_text(f"{ids[0]}\nclr_../../admin\n{ids[1]}\n", encoding="utf-8")
    checked = run_cli(["cancel", "--dry-run", "--from-file", str(listing)], emu)
    assert checked.returncode == 2
    assert checked.stderr.strip().splitlines() == [
        f"extend-client: error: line 2 of {listing}: id 'clr_../../admin' must not contain '..'"
    ]
    assert sum(emu.request_counts.values()) == 0  # a dry run checks a file, sending nothing
    done = run_cli(["cancel", "--from-file", str(listing)], emu)
    assert done.returncode == 2
    # Ids stream from the file: the one before the bad line was cancelled, none after it.
    assert [emu.runs[i].status for i in ids] == ["CANCELLED", "PROCESSING"]
    errors = [line for line in done.stderr.splitlines() if line.startswith("extend-client:")]
    assert errors == [
        f"extend-client: error: line 2 of {listing}: id 'clr_../../admin' must not contain '..'"
    ]
    assert "stopped early by the error below" in done.stderr


def test_stdin_and_files_are_read_the_same_way(emu: ExtendEmulator, tmp_path: Path) -> None:
    first, second = emu.seed_runs(1), emu.seed_runs(1)
    listing = tmp_path / "ids.txt"
    listing.write_bytes(b"\xef\xbb\xbf" + first[0].encode() + b"\r\n")
    from_file = run_cli(["cancel", "--json", "--from-file", str(listing)], emu)
    piped = subprocess.run(
        [sys.executable, "-m", "extend_async.cli", "cancel", "--json", "--from-file", "-"],
        input=b"\xef\xbb\xbf" + second[0].encode() + b"\r\n",
        capture_output=True,
        env=cli_env(emu),
        timeout=60,
        check=False,
    )
    assert from_file.returncode == piped.returncode == 0
    assert orjson.loads(from_file.stdout)["kind"] == "cancelled"
    assert orjson.loads(piped.stdout)["kind"] == "cancelled"  # the BOM is dropped from both


def test_a_line_that_is_not_utf8_is_one_line_naming_it(emu: ExtendEmulator, tmp_path: Path) -> None:
    (run_id,) = emu.seed_runs(1)
    data = run_id.encode() + b"\n\xff\xfeclr_x\n"
    listing = tmp_path / "ids.txt"
    listing.write_bytes(data)
    for source, stdin, name in ((str(listing), b"", str(listing)), ("-", data, "stdin")):
        done = subprocess.run(
            [sys.executable, "-m", "extend_async.cli", "cancel", "--from-file", source],
            input=stdin,
            capture_output=True,
            env=cli_env(emu),
            timeout=60,
            check=False,
        )
        assert done.returncode == 2
        stderr = done.stderr.decode()
        assert "Traceback" not in stderr
        assert (
            stderr.splitlines()[-1] == f"extend-client: error: line 2 of {name} is not valid UTF-8"
        )


def test_what_cannot_be_a_run_id_is_refused_before_sending(emu: ExtendEmulator) -> None:
    for bad in ("clr abc", "run_123", "clr_a,clr_b"):
        done = run_cli(["cancel", bad], emu)
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"extend-client: error: argument 1: {bad!r} is not a run id")
    assert sum(emu.request_counts.values()) == 0
    anyway = run_cli(["cancel", "--allow-any-id", "--json", "run_123"], emu)
    assert anyway.returncode == 1
    assert orjson.loads(anyway.stdout)["kind"] == "not_found"  # sent, and the API said so


def test_without_a_key_it_says_so_in_one_line(emu: ExtendEmulator) -> None:
    done = run_cli(["cancel", "clr_" + "a" * 21], emu, with_key=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "extend-client: error: no API key: pass --api-key or set EXTEND_API_KEY"
    ]


def test_the_api_key_is_never_printed(emu: ExtendEmulator) -> None:
    secret = "sk_live_SECRETxSECRETxSECRET"
    emu.add_api_key(secret, emu.workspace_id)
    (run_id,) = emu.seed_runs(1)
    ok = run_cli(["--api-key", secret, "cancel", "--json", run_id, UNKNOWN], emu, with_key=False)
    refused = run_cli(["cancel", "--api-key", secret + "x", run_id], emu, with_key=False)
    assert ok.returncode == 1
    assert refused.returncode == 1
    # The rejected key stopped the operation; it is said once, on stderr.
    errors = [line for line in refused.stderr.splitlines() if line.startswith("extend-client:")]
    assert sum("401" in line for line in errors) == 1
    assert refused.stderr.splitlines()[-1].startswith(
        "extend-client: error: AuthenticationError: 401 UNAUTHORIZED"
    )
    for done in (ok, refused):
        assert secret not in done.stdout + done.stderr


def test_a_filter_cancel_refuses_without_yes_when_stdin_is_not_a_terminal(
    emu: ExtendEmulator,
) -> None:
    ids = emu.seed_runs(5)
    done = run_cli(["cancel", "--status", "PROCESSING"], emu)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "--yes" in line
    assert {emu.runs[i].status for i in ids} == {"PROCESSING"}


def test_dry_run_lists_what_would_be_cancelled_and_cancels_nothing(emu: ExtendEmulator) -> None:
    classifier = emu.create_classifier()
    mine = emu.seed_runs(4, classifier_id=classifier)
    emu.seed_runs(3)
    done = run_cli(["cancel", "--classifier", classifier, "--dry-run"], emu)
    assert done.returncode == 0
    assert sorted(line.split()[0] for line in done.stdout.splitlines()) == sorted(mine)
    assert "4 runs match" in done.stderr
    assert emu.request_counts["cancel"] == 0


def test_a_filter_cancel_with_yes_cancels_the_matching_runs_only(emu: ExtendEmulator) -> None:
    emu.configure(cancel_pending=True)  # these PENDING runs stand for runs a cancel can stop
    classifier = emu.create_classifier()
    mine = emu.seed_runs(25, classifier_id=classifier, status=["PENDING", "PROCESSING"])
    others = emu.seed_runs(5)
    done = run_cli(["cancel", "--classifier", classifier, "--yes"], emu)
    assert done.returncode == 0, done.stderr
    assert {emu.runs[i].status for i in mine} == {"CANCELLED"}
    assert {emu.runs[i].status for i in others} == {"PROCESSING"}
    # Not a terminal: plain progress lines on stderr, not a redrawn bar.
    assert "\r" not in done.stderr
    assert "cancel: 25 done" in done.stderr


def test_progress_lines_on_a_log(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(200)
    done = run_cli(["cancel", "--concurrency", "4", *ids], emu)
    assert done.returncode == 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("cancel: ")]
    assert 2 <= len(lines) <= 12  # every 10% (or 10 s), not every outcome
    assert lines[-1].startswith("cancel: 200/200 (100%)")
    assert "cancelled 200," in lines[-1]


def test_a_deadline_leaves_runs_not_attempted_and_exits_1(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(60)
    emu.faults.update(route="cancel", latency=0.05)
    done = run_cli(["cancel", "--concurrency", "2", "--deadline", "0.5", *ids], emu)
    assert done.returncode == 1
    assert "stopped at the deadline" in done.stderr
    states = Counter(emu.runs[i].status for i in ids)
    assert 0 < states["PROCESSING"] < 60


def test_ctrl_c_prints_the_partial_summary_and_exits_130(emu: ExtendEmulator) -> None:
    ids = emu.seed_runs(300)
    emu.faults.update(route="cancel", latency=0.02)
    process = subprocess.Popen(
        [sys.executable, "-m", "extend_async.cli", "cancel", "--concurrency", "2", *ids],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_env(emu),
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # the first progress line: work is under way
    assert first.startswith("cancel: ")
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == ""
    assert "interrupted" in err
    assert "Traceback" not in err
    states = Counter(emu.runs[i].status for i in ids)
    assert 0 < states["CANCELLED"] < 300
    assert "  total                  300" in err  # every id accounted for, even so
