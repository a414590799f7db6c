"""``extend-client classify FILE`` and ``extend-client files ...`` as users run them."""

from __future__ import annotations

from pathlib import Path

import orjson

from extend_async.testing import ExtendEmulator, Lifecycle

from .conftest import run_cli

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


def test_classify_uploads_the_file_and_starts_a_run(emu: ExtendEmulator, tmp_path: Path) -> None:
    source = tmp_path / "invoice.pdf"
    source.write_bytes(PDF)
    classifier = emu.create_classifier()
    done = run_cli(["classify", str(source), "--classifier", classifier], emu)
    assert done.returncode == 0, done.stderr
    run = orjson.loads(done.stdout)
    (file_id,) = emu.files
    assert run["file"]["id"] == file_id
    assert run["file"]["name"] == "invoice.pdf"
    assert emu.runs[run["id"]].status == "PROCESSING"
    assert emu.files[file_id].read() == PDF


def test_classify_wait_prints_the_finished_run(emu: ExtendEmulator, tmp_path: Path) -> None:
    source = tmp_path / "invoice.pdf"
    source.write_bytes(PDF)
    emu.lifecycle = Lifecycle(processing_seconds=0)
    done = run_cli(
        ["classify", str(source), "--classifier", emu.create_classifier(), "--wait"], emu
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["status"] == "PROCESSED"


def test_classify_a_missing_file_is_a_usage_error(emu: ExtendEmulator, tmp_path: Path) -> None:
    done = run_cli(["classify", str(tmp_path / "nope.pdf"), "--classifier", "cl_x"], emu)
    assert done.returncode == 2
    assert "no such file" in done.stderr
    assert emu.request_counts["file_upload"] == 0


def test_files_upload_list_get_download_delete(emu: ExtendEmulator, tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(PDF)
    uploaded = run_cli(["files", "upload", str(source), "--name", "renamed.pdf"], emu)
    assert uploaded.returncode == 0, uploaded.stderr
    file_id = orjson.loads(uploaded.stdout)["id"]
    assert emu.files[file_id].name == "renamed.pdf"

    listed = run_cli(["files", "list"], emu)
    assert listed.returncode == 0, listed.stderr
    assert file_id in listed.stdout
    assert listed.stdout.splitlines()[0].split()[0] == file_id  # only data on stdout
    assert listed.stderr == "1 file\n"  # the count on stderr

    shown = run_cli(["files", "get", file_id], emu)
    assert orjson.loads(shown.stdout)["presignedUrl"]

    target = tmp_path / "copy.pdf"
    fetched = run_cli(["files", "download", file_id, str(target)], emu)
    assert fetched.returncode == 0, fetched.stderr
    assert target.read_bytes() == PDF

    deleted = run_cli(["files", "delete", file_id], emu)
    assert deleted.returncode == 0, deleted.stderr
    assert emu.files[file_id].deleted
    gone = run_cli(["files", "get", file_id], emu)
    assert gone.returncode == 1
    assert "not found" in gone.stderr
    assert "Traceback" not in gone.stderr
