"""A loopback HTTP/1.1 server playing both the API and a storage host that misbehaves.

``GET /files/{id}`` answers like the API, with a presigned URL pointing back here
(``/blob/{id}``); that URL is answered by the test's own ``reply``, which writes whatever
bytes it likes (a short body, an endless one, a compressed one) on the raw socket.
Every response closes its connection, so each request is a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from types import TracebackType

import orjson

Reply = Callable[[str, asyncio.StreamWriter], Awaitable[None]]

FILE_ID = "file_hostile"


def head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join([*lines, "Connection: close", "", ""])).encode()


def reply_with(body: bytes, **extra: str) -> Reply:
    """A well-behaved storage host serving ``body`` (with any ``extra`` headers)."""

    async def reply(file_id: str, writer: asyncio.StreamWriter) -> None:
        headers = {
            "Content-Length": str(len(body)),
            **{k.replace("_", "-"): v for k, v in extra.items()},
        }
        writer.write(head(200, headers) + body)

    return reply


def reply_in_chunks(chunks: list[bytes]) -> Reply:
    """``chunks`` sent one by one (each drained), chunked transfer encoding."""

    async def reply(file_id: str, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, {"Transfer-Encoding": "chunked"}))
        for chunk in chunks:
            if chunk:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
        writer.write(b"0\r\n\r\n")

    return reply


class HostileHost:
    """Start with ``async with``; ``base_url`` for the client, ``paths`` what was asked."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.paths: list[str] = []
        self.request_heads: list[bytes] = []
        self.base_url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> HostileHost:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            self.request_heads.append(request)
            path = request.split(b" ", 2)[1].decode()
            self.paths.append(path)
            file_id = path.partition("?")[0].rsplit("/", 1)[-1]
            if path.startswith("/files/"):
                body = orjson.dumps(self._file(file_id))
                writer.write(
                    head(
                        200, {"Content-Type": "application/json", "Content-Length": str(len(body))}
                    )
                    + body
                )
            else:
                await self.reply(file_id, writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()

    def _file(self, file_id: str) -> dict[str, object]:
        return {
            "object": "file",
            "id": file_id,
            "name": "x.pdf",
            "type": "PDF",
            "presignedUrl": f"{self.base_url}/blob/{file_id}?X-Amz-Signature=secret",
            "parentFileId": None,
            "metadata": {"pageCount": 1},
            "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z",
            "contents": None,
        }
