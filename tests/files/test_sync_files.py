"""The generated blocking ``client.files``, over the emulator served from a thread."""

from __future__ import annotations

from pathlib import Path

from extend_async.testing import ExtendEmulator
from extend_sync import Extend


def test_sync_files_upload_list_download_delete_and_create_from_a_path(tmp_path: Path) -> None:
    source = tmp_path / "invoice.pdf"
    source.write_bytes(b"%PDF-1.4\n" + b"0" * 100_000)
    with (
        ExtendEmulator(seed=5).run_in_thread() as emu,
        Extend(emu.api_key, base_url=emu.base_url) as client,
    ):
        uploaded = client.files.upload(source)
        assert [f.id for f in client.files.list()] == [uploaded.id]
        target = tmp_path / "copy.pdf"
        assert client.files.download(uploaded.id, target) == source.stat().st_size
        assert target.read_bytes() == source.read_bytes()
        raw = client.files.with_raw_response.get(uploaded.id)
        assert raw.status_code == 200
        assert raw.parsed.id == uploaded.id
        run = client.classify_runs.create(file=source, classifier=emu.create_classifier())
        assert run.file is not None
        assert run.file.id in emu.files
        assert run.file.id != uploaded.id
        assert client.files.delete(uploaded.id).id == uploaded.id
        assert emu.files[uploaded.id].deleted
