"""``client.files`` against the emulator over loopback: every source, every route."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest

from extend_async import (
    AsyncExtend,
    InvalidInputError,
    NotFoundError,
    PollPolicy,
    ResponseEvent,
    RunStatus,
)
from extend_async._errors import APIStatusError, PermissionDeniedError
from extend_async.testing import ExtendEmulator, Lifecycle
from extend_async.types import File, FileType

from .conftest import FAST_RETRY, UPLOAD_LIMIT

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 300  # 76 KB, every byte value


async def test_upload_a_path_streams_it_and_the_emulator_stores_it(
    emu: ExtendEmulator, api: AsyncExtend, tmp_path: Path
) -> None:
    source = tmp_path / "invoice.pdf"
    source.write_bytes(PDF)
    uploaded = await api.files.upload(source)
    assert isinstance(uploaded, File)
    assert uploaded.id.startswith("file_")
    assert uploaded.name == "invoice.pdf"
    assert uploaded.type == FileType.PDF
    assert uploaded.presigned_url is not None
    assert uploaded.contents is None
    stored = emu.files[uploaded.id]
    assert stored.read() == PDF
    assert stored.size == len(PDF)
    assert stored.password is None


async def test_upload_sends_password_convert_flag_and_name(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    uploaded = await api.files.upload(
        b"scan", name="scan.png", password="s3cret", convert_to_pdf=True
    )
    assert uploaded.name == "scan.png"
    assert uploaded.type == FileType.PDF
    stored = emu.files[uploaded.id]
    assert stored.password == "s3cret"
    assert stored.converted_to_pdf
    assert stored.read() == b"scan"


async def test_upload_takes_a_binary_file_and_an_async_iterator(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    buffer = io.BytesIO(b"skip" + PDF)
    buffer.seek(4)  # sent from where it stands
    from_file = await api.files.upload(buffer, name="a.pdf")
    assert emu.files[from_file.id].read() == PDF

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(PDF), 10_000):
            yield PDF[start : start + 10_000]

    from_stream = await api.files.upload(chunks(), name="b.pdf")
    assert emu.files[from_stream.id].read() == PDF
    nameless = await api.files.upload(b"x")
    assert nameless.name == "document"


async def test_bad_upload_input_is_refused_before_sending(
    emu: ExtendEmulator, api: AsyncExtend, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        await api.files.upload(tmp_path / "missing.pdf")
    with pytest.raises(InvalidInputError, match="file must be"):
        await api.files.upload(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="convert_to_pdf"):
        await api.files.upload(b"x", convert_to_pdf="yes")  # type: ignore[arg-type]
    assert emu.request_counts["file_upload"] == 0


async def test_an_upload_over_the_limit_is_a_clear_413(
    emu: ExtendEmulator, api: AsyncExtend
) -> None:
    with pytest.raises(APIStatusError) as caught:
        await api.files.upload(b"x" * (UPLOAD_LIMIT + 1), name="big.pdf")
    assert caught.value.status_code == 413
    assert caught.value.code == "FILE_TOO_LARGE"
    assert str(UPLOAD_LIMIT) in str(caught.value)
    assert len(emu.files) == 0
    exact = await api.files.upload(b"x" * UPLOAD_LIMIT, name="exact.pdf")
    assert emu.files[exact.id].size == UPLOAD_LIMIT


async def test_get_list_and_delete(emu: ExtendEmulator, api: AsyncExtend) -> None:
    ids = [(await api.files.upload(b"%PDF", name=f"doc_{i}.pdf")).id for i in range(5)]
    other = await api.files.upload(b"text", name="notes.txt")
    got = await api.files.get(ids[0])
    assert got.id == ids[0]
    assert got.presigned_url
    first = await api.files.list(max_page_size=2)
    assert len(first.data) == 2
    assert first.next_page_token is not None
    newest_first = [f.id async for f in api.files.list(max_page_size=2)]
    assert newest_first == [other.id, *reversed(ids)]
    oldest_first = [f.id async for f in api.files.list(sort_dir="asc", name_contains="DOC_")]
    assert oldest_first == ids
    deleted = await api.files.delete(ids[0])
    assert deleted.id == ids[0]
    assert emu.files[ids[0]].deleted
    with pytest.raises(NotFoundError):
        await api.files.get(ids[0])
    with pytest.raises(NotFoundError):
        await api.files.delete(ids[0])
    assert ids[0] not in [f.id async for f in api.files.list()]


async def test_files_are_isolated_per_workspace(emu: ExtendEmulator, api: AsyncExtend) -> None:
    emu.add_api_key("sk_other", "ws_other")
    mine = await api.files.upload(b"%PDF", name="mine.pdf")
    async with AsyncExtend("sk_other", base_url=emu.base_url, retry_policy=FAST_RETRY) as other:
        with pytest.raises(NotFoundError):
            await other.files.get(mine.id)
        with pytest.raises(NotFoundError):
            await other.files.delete(mine.id)
        assert [f async for f in other.files.list()] == []
        with pytest.raises(NotFoundError):
            await other.classify_runs.create(
                file={"id": mine.id},
                config={"classifications": [{"id": "a", "type": "a", "description": "A"}]},
            )
    assert not emu.files[mine.id].deleted


async def test_download_uses_the_presigned_url_without_the_key(
    emu: ExtendEmulator, tmp_path: Path
) -> None:
    sent: list[tuple[str, dict[str, str]]] = []

    async def on_request_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        sent.append((params.url.path, dict(params.headers)))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, trace_configs=[trace]) as api:
        uploaded = await api.files.upload(PDF, name="x.pdf")
        sent.clear()
        target = tmp_path / "out" / "x.pdf"
        target.parent.mkdir()
        written = await api.files.download(uploaded.id, target)
        buffer = io.BytesIO()
        await api.files.download(uploaded.id, buffer)
    assert written == len(PDF)
    assert target.read_bytes() == PDF
    assert buffer.getvalue() == PDF
    assert not (tmp_path / "out" / "x.pdf.part").exists()
    assert [path.split("/")[1] for path, _ in sent] == ["files", "_files"] * 2
    for path, headers in sent:
        has_key = any(name.lower() == "authorization" for name in headers)
        assert has_key == path.startswith("/files/")
    assert emu.files[uploaded.id].download_count == 2


async def test_an_expired_presigned_url_is_refused_and_leaves_no_file(
    emu: ExtendEmulator, api: AsyncExtend, tmp_path: Path
) -> None:
    uploaded = await api.files.upload(PDF, name="x.pdf")
    emu.configure(presigned_url_seconds=0)
    target = tmp_path / "x.pdf"
    with pytest.raises(PermissionDeniedError):
        await api.files.download(uploaded.id, target)
    assert list(tmp_path.iterdir()) == []


async def test_create_from_a_path_uploads_first_and_the_run_refers_to_the_file(
    emu: ExtendEmulator, api: AsyncExtend, tmp_path: Path
) -> None:
    source = tmp_path / "invoice.pdf"
    source.write_bytes(PDF)
    classifier = emu.create_classifier()
    run = await api.classify_runs.create(file=source, classifier=classifier)
    assert run.file is not None
    (uploaded_id,) = emu.files
    assert run.file.id == uploaded_id
    assert run.file.name == "invoice.pdf"
    assert emu.files[uploaded_id].read() == PDF
    emu.lifecycle = Lifecycle(processing_seconds=0)  # runs finish at once
    done = await api.classify_runs.create_and_wait(
        file=source, classifier=classifier, deadline=30, poll=PollPolicy(interval=0.01)
    )
    assert done.status == RunStatus.PROCESSED
    assert len(emu.files) == 2
    assert done.file is not None
    assert done.file.id in emu.files


async def test_create_from_a_path_checks_other_inputs_before_uploading(
    emu: ExtendEmulator, api: AsyncExtend, tmp_path: Path
) -> None:
    source = tmp_path / "invoice.pdf"
    source.write_bytes(PDF)
    with pytest.raises(InvalidInputError):
        await api.classify_runs.create(file=source)  # neither classifier nor config
    assert emu.request_counts["file_upload"] == 0


async def test_the_hooks_see_the_download_by_its_path_only(emu: ExtendEmulator) -> None:
    seen: list[ResponseEvent] = []
    async with AsyncExtend(emu.api_key, base_url=emu.base_url, on_response=seen.append) as api:
        uploaded = await api.files.upload(PDF, name="x.pdf")
        await api.files.download(uploaded.id, io.BytesIO())
    assert [(e.method, e.path.split("/")[1], e.status) for e in seen] == [
        ("POST", "files", 200),
        ("GET", "files", 200),
        ("GET", "_files", 200),
    ]
    assert "?" not in seen[-1].path
    assert seen[0].path == "/files/upload"
