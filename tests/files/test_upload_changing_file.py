"""A file that grows or shrinks while it is uploaded never desynchronises the connection.

The upload declares a Content-Length from the file's size when it starts. The server here
speaks HTTP/1.1 with keep-alive and runs every request it parses from the connection, so
bytes sent past the declared length would be run as a request of their own (a request
appended to the file). The file is changed from the body's read path, right after its
first chunk was read: no timing is involved.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from attrs import define, field
from hypothesis import given
from hypothesis import strategies as st

from extend_async import AsyncExtend, ExtendError, FileChangedError, ResponseEvent, Timeout, _upload
from extend_async._upload import _PathReader, _StreamedPart

FILE_JSON = {
    "object": "file",
    "id": "file_abc",
    "name": "a.pdf",
    "type": "PDF",
    "presignedUrl": None,
    "parentFileId": None,
    "contents": None,
    "metadata": {"pageCount": 1},
    "createdAt": "2026-01-01T00:00:00Z",
    "updatedAt": "2026-01-01T00:00:00Z",
}
SMALL_CHUNK = 1024
# aiohttp's multipart boundary is 32 hex digits; after the file part come "\r\n" and
# "--<boundary>--\r\n": the server reads that many bytes of the appended text as the end
# of the upload, so the smuggled request starts right after this padding and its own
# body swallows the real trailer.
TRAILER = 2 + 2 + 32 + 4
SMUGGLED = (
    b"P" * TRAILER
    + b"GET /admin/smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: "
    + str(TRAILER).encode()
    + b"\r\n\r\n"
)


@define
class KeepAliveServer:
    """HTTP/1.1 with keep-alive: answers every request it reads and reads the next."""

    port: int = 0
    requests: list[str] = field(factory=list)  # request lines, in order
    connections: int = 0
    ended: int = 0  # connections the client closed (or that broke off mid-request)
    tasks: set[asyncio.Task[None]] = field(factory=set)
    an_end: asyncio.Event = field(factory=asyncio.Event)

    async def connection_ended(self) -> None:
        """Waits until the server has seen a connection end (bounded)."""
        await asyncio.wait_for(self.an_end.wait(), 5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.connections += 1
        try:
            for _ in range(10):  # bounded: a test never sends more on one connection
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                await reader.readexactly(length)
                self.requests.append(lines[0])
                body = json.dumps(FILE_JSON).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.ended += 1
            self.an_end.set()
        finally:
            writer.close()
            self.tasks.discard(task)


@pytest.fixture
async def server() -> AsyncIterator[KeepAliveServer]:
    state = KeepAliveServer()
    listener = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = listener.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        listener.close()
        for task in list(state.tasks):
            task.cancel()
        await asyncio.gather(*state.tasks, return_exceptions=True)
        await listener.wait_closed()


def change_after_first_chunk(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None], path: Path
) -> None:
    """Reads the file in small chunks and calls ``change`` once, after the first one."""
    monkeypatch.setattr(_upload, "CHUNK_SIZE", SMALL_CHUNK)
    original = _PathReader.__call__
    reads = 0

    async def read(self: _PathReader) -> bytes:
        nonlocal reads
        chunk = await original(self)
        reads += 1
        if reads == 1:
            change(path)
        return chunk

    monkeypatch.setattr(_PathReader, "__call__", read)


def client(server: KeepAliveServer, **options: Any) -> AsyncExtend:
    # The read timeout bounds the test even if a body were left short.
    return AsyncExtend("sk_x", base_url=server.base_url, timeout=Timeout(read=5.0), **options)


async def upload(api: AsyncExtend, path: Path) -> object:
    return await asyncio.wait_for(api.files.upload(path), 10)


async def test_a_file_that_grows_during_the_upload_sends_nothing_past_its_length(
    server: KeepAliveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "growing.pdf"
    path.write_bytes(b"%PDF" + b"a" * (3 * SMALL_CHUNK))

    def append(target: Path) -> None:
        with target.open("ab") as file:
            file.write(SMUGGLED)

    change_after_first_chunk(monkeypatch, append, path)
    events: list[ResponseEvent] = []
    async with client(server, on_response=events.append) as api:
        with pytest.raises(FileChangedError) as caught:
            await upload(api, path)
        # The connection was closed, not handed back to the pool: the next request
        # opens a new one.
        await server.connection_ended()
        await asyncio.wait_for(api.files.upload(b"%PDF fine"), 10)
    error = caught.value
    assert isinstance(error, ExtendError)
    assert "changed while it was being uploaded" in str(error)
    assert error.expected == 4 + 3 * SMALL_CHUNK
    assert (error.method, error.path) == ("POST", "/files/upload")
    # Only the second upload reached the server whole; the smuggled request never ran.
    assert [line.split(" ")[:2] for line in server.requests] == [["POST", "/files/upload"]]
    assert server.connections == 2  # one attempt for the changed file: never retried
    assert server.ended >= 1
    assert events[0].error is not None
    assert events[0].error.startswith("FileChangedError: the file changed")


async def test_a_file_that_shrinks_during_the_upload_fails_at_once(
    server: KeepAliveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shrinking.pdf"
    path.write_bytes(b"%PDF" + b"a" * (5 * SMALL_CHUNK))

    def truncate(target: Path) -> None:
        with target.open("r+b") as file:
            file.truncate(10)

    change_after_first_chunk(monkeypatch, truncate, path)
    async with client(server) as api:
        # Failed at once: waiting for the rest would end in APITimeoutError instead.
        with pytest.raises(FileChangedError, match=r"ended after \d+ of the 5124 bytes"):
            await upload(api, path)
        await server.connection_ended()
    assert server.requests == []  # the server never got a whole request
    assert server.ended == 1


async def test_an_unchanged_file_is_uploaded_over_a_kept_alive_connection(
    server: KeepAliveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_upload, "CHUNK_SIZE", SMALL_CHUNK)
    path = tmp_path / "steady.pdf"
    path.write_bytes(b"%PDF" + b"a" * (3 * SMALL_CHUNK) + b"tail")
    async with client(server) as api:
        first = await asyncio.wait_for(api.files.upload(path), 10)
        second = await asyncio.wait_for(api.files.upload(path), 10)
    assert first.id == second.id == "file_abc"
    assert len(server.requests) == 2
    assert server.connections == 1


class ChunkWriter:
    """Collects what a part writes (the only method a part calls)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    async def write(self, chunk: bytes | memoryview) -> None:
        self.chunks.append(bytes(chunk))


@given(
    declared=st.integers(min_value=0, max_value=4000),
    chunks=st.lists(st.binary(min_size=1, max_size=1500), max_size=6),
)
def test_a_part_writes_exactly_its_declared_size_or_fails(
    declared: int, chunks: list[bytes]
) -> None:
    actual = b"".join(chunks)
    pending = iter(chunks)

    async def read() -> bytes:
        return next(pending, b"")

    part = _StreamedPart(read, declared, content_type="application/pdf", filename="a.pdf")
    writer = ChunkWriter()
    assert part.size == declared  # what the Content-Length is made from
    failure: FileChangedError | None = None
    try:
        asyncio.run(part.write(writer))  # type: ignore[arg-type]
    except FileChangedError as error:
        failure = error
    written = b"".join(writer.chunks)
    if len(actual) == declared:
        assert failure is None
        assert written == actual
    else:
        assert failure is not None
        assert failure.expected == declared
    assert len(written) <= declared  # never a byte past the declared length
    assert actual.startswith(written)
