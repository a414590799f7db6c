"""One output contract for every command: ``-o table|json|id|yaml|markdown``, data on stdout
and nothing else, notices on stderr, and no server-sent byte that can drive a terminal."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest
from attrs import evolve

from extend_async.cli._output import FILE_COLUMNS, Column, Printer, json_line
from extend_async.cli._output import OutputError as CliOutputError
from extend_async.testing import ExtendEmulator
from extend_async.types import File

from ._servers import canned_server
from .conftest import run_cli

ESC = "\x1b"
# A screen clear, a clipboard write (OSC 52), a carriage-return overwrite, a bidi override.
HOSTILE = "\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\rok\u202etxt.exe\x9b"


def _deep(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def _hostile_run(run_id: str, **extra: object) -> bytes:
    # The standard library's encoder: orjson refuses to nest past 254 levels.
    return json.dumps(
        {
            "object": "classify_run",
            "id": run_id,
            "status": "FAILED" + HOSTILE,
            "failureMessage": HOSTILE,
            "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z",
            **extra,
        }
    ).encode()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_get_json_is_one_compact_camel_case_line(emu: ExtendEmulator) -> None:
    (run_id,) = emu.seed_runs(1, metadata={"customerRef": "A-1"})
    done = run_cli(["runs", "get", run_id], emu)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()  # JSON Lines, as --help says
    run = orjson.loads(line)
    assert run["id"] == run_id
    assert "createdAt" in run
    assert "created_at" not in run


@pytest.mark.parametrize("form", ["yaml", "markdown", "id", "table"])
def test_every_form_of_get_and_list(emu: ExtendEmulator, form: str) -> None:
    ids = emu.seed_runs(2)
    got = run_cli(["runs", "get", ids[0], "-o", form], emu)
    listed = run_cli(["runs", "list", "-o", form], emu)
    for done in (got, listed):
        assert done.returncode == 0, done.stderr
        assert ids[0] in done.stdout
    if form == "yaml":
        assert got.stdout.startswith(f"---\nid: {ids[0]}\nstatus: PROCESSING\n")
        assert listed.stdout.count("---\n") == 2  # a document per run
    if form == "markdown":
        head, rule, *rows = listed.stdout.splitlines()
        assert head == "| ID | STATUS | CLASSIFIER | UPDATED |"
        assert rule == "| --- | --- | --- | --- |"
        assert len(rows) == 2
    if form in ("id", "table"):
        assert len(listed.stdout.splitlines()) == 2  # a pipe counts runs: no header line
    assert listed.stderr == "2 runs\n"


def test_a_table_has_a_header_on_a_terminal() -> None:
    run = {"id": "clr_a", "status": "PROCESSING"}
    stream = Terminal()
    columns = (Column("ID", 8, lambda r: r["id"]), Column("STATUS", 0, lambda r: r["status"]))
    printer = Printer(stream, "table", columns)
    printer.show(run)
    printer.show(run)
    header, first, second = stream.getvalue().splitlines()
    assert header.split() == ["ID", "STATUS"]
    assert first.split() == second.split() == ["clr_a", "PROCESSING"]


def test_files_and_classify_take_the_output_option(emu: ExtendEmulator, tmp_path: Path) -> None:
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    uploaded = run_cli(["files", "upload", str(source), "-o", "id"], emu)
    assert uploaded.returncode == 0, uploaded.stderr
    file_id = uploaded.stdout.strip()
    assert file_id.startswith("file_")
    listed = run_cli(["files", "list", "-o", "id"], emu)
    assert listed.stdout == f"{file_id}\n"
    assert listed.stderr == "1 file\n"
    deprecated = run_cli(["files", "list", "--json"], emu)
    assert orjson.loads(deprecated.stdout)["id"] == file_id
    shown = run_cli(["files", "get", file_id, "-o", "yaml"], emu)
    assert f"\nid: {file_id}\n" in shown.stdout
    classified = run_cli(
        ["classify", str(source), "--classifier", emu.create_classifier(), "-o", "id"], emu
    )
    assert classified.returncode == 0, classified.stderr
    (run_id,) = classified.stdout.split()
    assert classified.stderr == f"created run {run_id}\n"
    target = tmp_path / "copy.pdf"
    fetched = run_cli(["files", "download", file_id, str(target)], emu)
    assert fetched.stdout == ""
    assert fetched.stderr.startswith("wrote ")
    deleted = run_cli(["files", "delete", file_id], emu)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout == ""
    assert deleted.stderr == f"deleted {file_id}\n"


def test_runs_delete(emu: ExtendEmulator) -> None:
    emu.configure(allow_delete_active=True)
    first, second = emu.seed_runs(2, status="PROCESSED")
    done = run_cli(["runs", "delete", first], emu)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", f"deleted {first}\n")
    as_json = run_cli(["runs", "delete", second, "-o", "json"], emu)
    assert orjson.loads(as_json.stdout)["id"] == second
    gone = run_cli(["runs", "get", first], emu)
    assert gone.returncode == 1


def test_batches_list_says_where_batches_are() -> None:
    done = run_cli(["batches", "list"], None)
    assert done.returncode == 2
    assert "runs list --batch" in done.stderr


@pytest.mark.parametrize("form", ["table", "id", "markdown"])
def test_server_strings_cannot_drive_the_terminal(form: str) -> None:
    run_id = "clr_" + "h" * 21
    answers = {f"/classify_runs/{run_id}": (200, _hostile_run(run_id))}
    with canned_server(answers) as base_url:
        done = run_cli(
            ["--base-url", base_url, "--api-key", "sk_x", "get", run_id, "-o", form], None
        )
    assert done.returncode == 0, done.stderr
    for text in (done.stdout, done.stderr):
        assert ESC not in text
        assert "\r" not in text
        assert "\u202e" not in text
        assert "\x9b" not in text
    if form != "id":
        assert "FAILED\\x1b[2J\\x1b]52;c;" in done.stdout  # visible, not acted on


def test_a_hostile_error_message_is_escaped() -> None:
    body = orjson.dumps({"code": "INVALID_REQUEST", "message": HOSTILE, "retryable": False})
    answers = {"/classify_runs/clr_" + "e" * 21: (400, body)}
    with canned_server(answers) as base_url:
        done = run_cli(
            ["--base-url", base_url, "--api-key", "sk_x", "get", "clr_" + "e" * 21], None
        )
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("extend-client: error: ")
    assert ESC not in line
    assert "\\x1b[2J" in line


def test_metadata_past_orjsons_depth_limit_is_still_written() -> None:
    run_id = "clr_" + "d" * 21
    answers = {f"/classify_runs/{run_id}": (200, _hostile_run(run_id, metadata=_deep(300)))}
    with canned_server(answers) as base_url:
        done = run_cli(["--base-url", base_url, "--api-key", "sk_x", "get", run_id], None)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stdout.splitlines()
    assert line.count('{"a":') == 300


def test_json_line_falls_back_and_fails_with_a_typed_error() -> None:
    assert json_line({"n": 2**70}) == '{"n":1180591620717411303424}'  # past 64 bits
    with pytest.raises(CliOutputError, match="nested too deeply"):
        json_line(_deep(100_000))


def test_a_file_without_created_at_lists_with_a_dash() -> None:
    file = File(
        id="file_a", name="a\x1b[2J.pdf", metadata=None,  # type: ignore[arg-type]
        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        updated_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )  # fmt: skip
    stream = io.StringIO()
    Printer(stream, "table", FILE_COLUMNS).show(evolve(file, created_at=None))  # type: ignore[arg-type]
    assert stream.getvalue().split() == ["file_a", "-", "a\\x1b[2J.pdf", "-"]


def test_a_server_echoing_the_key_in_its_error_does_not_reach_stderr() -> None:
    key = "sk_live_ECHOEDxKEYxVALUE"
    body = orjson.dumps({"code": "UNAUTHORIZED", "message": f"bad key {key}"})
    answers = {f"/classify_runs/{'clr_' + 'k' * 21}": (401, body)}
    with canned_server(answers) as base_url:
        done = run_cli(["--base-url", base_url, "--api-key", key, "get", "clr_" + "k" * 21], None)
    assert done.returncode == 1
    assert key not in done.stderr
    assert "bad key ***" in done.stderr
