"""What a download saves: the stored bytes exactly, never more than ``max_bytes``, and
never a body shorter than the storage host declared. Hosts that misbehave on purpose."""

from __future__ import annotations

import asyncio
import gzip
import io
import time
from pathlib import Path

import pytest

from extend_async import (
    APIConnectionError,
    AsyncExtend,
    ExtendError,
    InvalidInputError,
    ResponseTooLargeError,
    _download,
)
from extend_async._download import DEFAULT_MAX_DOWNLOAD_BYTES

from .hostile import FILE_ID, HostileHost, head, reply_in_chunks, reply_with

BODY = bytes(range(256)) * 16  # 4 KB, every byte value
CAP = 4096


def client(host: HostileHost) -> AsyncExtend:
    return AsyncExtend("sk_test", base_url=host.base_url, max_retries=0)


async def endless(file_id: str, writer: asyncio.StreamWriter) -> None:
    """A body that never ends (bounded here only so a broken client cannot hang the test)."""
    writer.write(head(200, {"Transfer-Encoding": "chunked"}))
    piece = b"%x\r\n%s\r\n" % (1024, b"z" * 1024)
    for _ in range(64 * 1024):  # 64 MiB at most
        writer.write(piece)
        await writer.drain()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_an_endless_body_stops_at_the_cap_and_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    async with HostileHost(endless) as host, client(host) as api:
        started = time.monotonic()
        with pytest.raises(ResponseTooLargeError) as caught:
            await api.files.download(FILE_ID, target, max_bytes=CAP)
    assert time.monotonic() - started < 10  # stopped at the cap, not at the bound
    assert caught.value.limit == CAP
    assert "secret" not in str(caught.value)
    assert leftovers(tmp_path) == []


async def test_an_endless_body_to_a_file_object_stops_at_the_cap_too() -> None:
    out = io.BytesIO()
    async with HostileHost(endless) as host, client(host) as api:
        with pytest.raises(ResponseTooLargeError):
            await api.files.download(FILE_ID, out, max_bytes=CAP)
    assert len(out.getvalue()) <= CAP


async def test_a_declared_length_over_the_cap_is_refused_before_writing(tmp_path: Path) -> None:
    async with HostileHost(reply_with(BODY + b"!")) as host, client(host) as api:
        with pytest.raises(ResponseTooLargeError):
            await api.files.download(FILE_ID, tmp_path / "out.bin", max_bytes=CAP)
        assert await api.files.download(FILE_ID, tmp_path / "ok.bin", max_bytes=CAP + 1) == CAP + 1
    assert leftovers(tmp_path) == ["ok.bin"]


async def test_a_body_exactly_at_the_cap_is_saved(tmp_path: Path) -> None:
    async with (
        HostileHost(reply_in_chunks([BODY[:1000], BODY[1000:]])) as host,
        client(host) as api,
    ):
        assert await api.files.download(FILE_ID, tmp_path / "out.bin", max_bytes=CAP) == CAP
    assert (tmp_path / "out.bin").read_bytes() == BODY


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
async def test_max_bytes_must_be_a_count(bad: object, tmp_path: Path) -> None:
    async with HostileHost(reply_with(BODY)) as host, client(host) as api:
        with pytest.raises(InvalidInputError):
            await api.files.download(FILE_ID, tmp_path / "o", max_bytes=bad)  # type: ignore[arg-type]
        assert host.paths == []


def test_the_default_cap_is_generous_but_finite() -> None:
    assert 1024**3 <= DEFAULT_MAX_DOWNLOAD_BYTES < 1024**4


async def test_a_gzip_encoded_object_is_saved_as_stored(tmp_path: Path) -> None:
    stored = gzip.compress(BODY * 4, mtime=0)
    target = tmp_path / "out.gz"
    reply = reply_with(stored, Content_Encoding="gzip", Content_Type="application/pdf")
    async with HostileHost(reply) as host, client(host) as api:
        written = await api.files.download(FILE_ID, target)
    assert target.read_bytes() == stored
    assert written == len(stored)
    blob_request = host.request_heads[-1].lower()
    assert b"accept-encoding: identity" in blob_request


async def test_a_gzip_bomb_is_not_expanded(tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024), mtime=0)  # 8 MiB of zeros, ~8 KB
    target = tmp_path / "bomb.gz"
    async with HostileHost(reply_with(bomb, Content_Encoding="gzip")) as host, client(host) as api:
        written = await api.files.download(FILE_ID, target, max_bytes=64 * 1024)
    assert written == len(bomb) == target.stat().st_size


async def test_a_body_shorter_than_its_content_length_is_an_error_and_no_file(
    tmp_path: Path,
) -> None:
    async def short(file_id: str, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Length": str(len(BODY))}) + BODY[:1000])

    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    async with HostileHost(short) as host, client(host) as api:
        with pytest.raises(APIConnectionError) as caught:
            await api.files.download(FILE_ID, target)
    assert isinstance(caught.value, ExtendError)
    assert "secret" not in str(caught.value)
    assert leftovers(tmp_path) == ["out.bin"]
    assert target.read_bytes() == b"old"


async def test_a_short_body_to_a_file_object_is_an_error_too() -> None:
    async def short(file_id: str, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Content-Length": "100"}) + b"x" * 40)

    async with HostileHost(short) as host, client(host) as api:
        with pytest.raises(APIConnectionError):
            await api.files.download(FILE_ID, io.BytesIO())


async def test_an_error_answer_from_the_storage_host_writes_nothing(tmp_path: Path) -> None:
    async def denied(file_id: str, writer: asyncio.StreamWriter) -> None:
        body = b"<Error><Code>AccessDenied</Code></Error>"
        writer.write(head(403, {"Content-Length": str(len(body))}) + body)

    async with HostileHost(denied) as host, client(host) as api:
        with pytest.raises(ExtendError):
            await api.files.download(FILE_ID, tmp_path / "out.bin")
    assert leftovers(tmp_path) == []


async def test_an_empty_file_is_saved_empty(tmp_path: Path) -> None:
    async with HostileHost(reply_with(b"")) as host, client(host) as api:
        assert await api.files.download(FILE_ID, tmp_path / "empty", max_bytes=0) == 0
    assert (tmp_path / "empty").read_bytes() == b""


def test_this_aiohttp_can_turn_decompression_off_per_request() -> None:
    assert _download._raw_body_option() == {"auto_decompress": False}


async def test_without_that_option_a_compressed_object_is_refused_not_transformed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_download, "raw_body", dict)  # as on an aiohttp without the option
    reply = reply_with(gzip.compress(BODY, mtime=0), Content_Encoding="gzip")
    async with HostileHost(reply) as host, client(host) as api:
        with pytest.raises(ExtendError, match="Content-Encoding"):
            await api.files.download(FILE_ID, tmp_path / "out.gz")
    assert leftovers(tmp_path) == []
