"""What ``client.files.upload`` sends: a multipart body built again for each attempt.

A path is streamed from disk in chunks (never read whole) and can be sent again, and so
can bytes and a seekable binary file (rewound to where it started). A non-seekable file
and an async iterator are one-shot: once a byte of them has been read, the body cannot
be sent again, so the request is not retried.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import aiohttp
from aiohttp.abc import AbstractStreamWriter

from ._errors import FileChangedError, InvalidInputError

__all__ = ["CHUNK_SIZE", "RequestBody", "UploadBody", "UploadSource"]

CHUNK_SIZE = 256 * 1024
DEFAULT_NAME = "document"

UploadSource = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | AsyncIterable[bytes]
)

ReadChunk = Callable[[], Awaitable[bytes | memoryview]]


class RequestBody(Protocol):
    """A body built again for each attempt (``Requester.request(form=...)``)."""

    headers: Mapping[str, str]

    def payload(self) -> Any:
        """This attempt's ``data`` for aiohttp."""

    def can_resend(self) -> bool:
        """Whether another attempt may send the body again (a one-shot stream cannot)."""


class _StreamedPart(aiohttp.Payload):
    """A multipart part written chunk by chunk from ``read`` (an empty chunk ends it).

    ``size`` (when known) lets the whole body carry a Content-Length instead of being
    sent chunked. Then exactly ``size`` bytes are written, or none past the last full
    chunk that fits: a source that grows or shrinks while it is sent (a file still being
    written) raises ``FileChangedError`` instead. More bytes than declared would land on
    the connection after the request, where the server reads them as a request of their
    own; fewer would leave the server waiting for the rest until the read timeout.
    """

    def __init__(
        self, read: ReadChunk, size: int | None, *, content_type: str, filename: str
    ) -> None:
        super().__init__(read, content_type=content_type, filename=filename)
        self._read = read
        self._declared = size

    @property
    def size(self) -> int | None:
        # The public property aiohttp reads for the Content-Length (overridden rather than
        # setting the base class's private ``_size``).
        return self._declared

    async def write(self, writer: AbstractStreamWriter) -> None:
        try:
            if self._declared is None:
                while chunk := await self._read():
                    await writer.write(chunk)
            else:
                await self._write_exactly(writer, self._declared)
        finally:
            # An attempt cut short still closes the file it opened.
            close = getattr(self._read, "close", None)
            if close is not None:
                await close()

    async def _write_exactly(self, writer: AbstractStreamWriter, declared: int) -> None:
        sent = 0
        while sent < declared:
            chunk = await self._read()
            if not chunk:
                raise FileChangedError(
                    f"the file changed while it was being uploaded: it ended after {sent} "
                    f"of the {declared} bytes it had when the upload started",
                    expected=declared,
                )
            if sent + len(chunk) > declared:
                break  # grew: refused below, before a byte past the declared size is sent
            await writer.write(chunk)
            sent += len(chunk)
        else:
            if not await self._read():
                return
        raise FileChangedError(
            "the file changed while it was being uploaded: it grew past the "
            f"{declared} bytes it had when the upload started",
            expected=declared,
        )

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("a streamed upload cannot be decoded")


class UploadBody:
    """The ``RequestBody`` of one upload: ``payload()`` makes a fresh form per attempt."""

    headers: Mapping[str, str] = {}

    def __init__(self, source: UploadSource, *, name: str | None, password: str | None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise InvalidInputError("name must be a non-empty string")
        if password is not None and not isinstance(password, str):
            raise InvalidInputError("password must be a string")
        self._password = password
        self._started = False  # a one-shot source has handed out a chunk
        self._stream: AsyncIterator[bytes] | None = None
        self._start: int | None = None
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.is_file():
                raise InvalidInputError(f"no such file to upload: {os.fspath(path)!r}")
            self.kind = "path"
            self._path = path
            default_name = path.name
        elif isinstance(source, bytes | bytearray | memoryview):
            self.kind = "bytes"
            self._bytes = source
            default_name = DEFAULT_NAME
        elif hasattr(source, "read"):
            self.kind = "file"
            self._file: IO[bytes] = source  # type: ignore[assignment]
            if _seekable(self._file):
                self._start = self._file.tell()
            file_name = getattr(source, "name", None)
            default_name = os.path.basename(file_name) if isinstance(file_name, str) else ""
        elif isinstance(source, AsyncIterable):
            self.kind = "stream"
            self._stream = aiter(source)
            default_name = DEFAULT_NAME
        else:
            raise InvalidInputError(
                "file must be a path, bytes, a binary file or an async iterator of bytes, "
                f"got {type(source).__name__}"
            )
        self.name = name or default_name or DEFAULT_NAME
        self.content_type = mimetypes.guess_type(self.name)[0] or "application/octet-stream"

    @property
    def replayable(self) -> bool:
        """A path, bytes or a seekable file: every attempt sends it whole."""
        return self.kind in ("path", "bytes") or self._start is not None

    def can_resend(self) -> bool:
        return self.replayable or not self._started

    def payload(self) -> aiohttp.FormData:
        form = aiohttp.FormData(quote_fields=False)
        read, size = self._reader()
        part = _StreamedPart(read, size, content_type=self.content_type, filename=self.name)
        form.add_field("file", part, filename=self.name, content_type=self.content_type)
        if self._password is not None:
            form.add_field("password", self._password)
        return form

    def _reader(self) -> tuple[ReadChunk, int | None]:
        if self.kind == "bytes":
            # Handed over in slices of the caller's buffer: the socket's write buffer never
            # holds a second copy of the whole body.
            view = memoryview(self._bytes).cast("B")
            offset = 0

            async def read_bytes() -> memoryview:
                nonlocal offset
                chunk = view[offset : offset + CHUNK_SIZE]
                offset += len(chunk)
                return chunk

            return read_bytes, len(view)
        if self.kind == "path":
            return _PathReader(self._path), self._path.stat().st_size
        if self.kind == "file":
            file, start = self._file, self._start
            size = None
            if start is not None:
                file.seek(0, os.SEEK_END)
                size = file.tell() - start
                file.seek(start)

            async def read_file() -> bytes:
                chunk = await asyncio.to_thread(file.read, CHUNK_SIZE)
                self._started = True
                return bytes(chunk or b"")

            return read_file, size
        stream = self._stream
        assert stream is not None

        async def read_stream() -> bytes:
            self._started = True
            while True:
                try:
                    chunk = await anext(stream)
                except StopAsyncIteration:
                    return b""
                if not isinstance(chunk, bytes | bytearray | memoryview):
                    raise InvalidInputError(
                        f"an upload stream must yield bytes, got {type(chunk).__name__}"
                    )
                if chunk:
                    return bytes(chunk)

        return read_stream, None


def _seekable(file: IO[bytes]) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


class _PathReader:
    """Reads ``path`` in chunks off the loop; the file is open only while being sent."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: IO[bytes] | None = None

    async def __call__(self) -> bytes:
        if self._file is None:
            self._file = await asyncio.to_thread(self._path.open, "rb")
        chunk: bytes = await asyncio.to_thread(self._file.read, CHUNK_SIZE)
        return chunk

    async def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            await asyncio.to_thread(file.close)
