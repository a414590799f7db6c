"""Which uploads are sent again after a 429: a path, bytes or a seekable file are; a
one-shot stream is not once read. The server here reads every body whole before it
answers, so "the first attempt consumed the stream" holds on every run."""

from __future__ import annotations

import array
import io
from collections.abc import AsyncIterator
from itertools import pairwise
from pathlib import Path

import pytest
from aiohttp import BodyPartReader, web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extend_async import AsyncExtend, RetryPolicy
from extend_async._errors import RateLimitError
from extend_async._upload import UploadBody
from extend_async.testing import ExtendEmulator
from extend_sync import Extend

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
BODY = b"%PDF" + b"z" * 300_000


class ThrottleOnce:
    """Answers the first upload 429 (after reading it whole), then 200."""

    def __init__(self) -> None:
        self.received: list[int] = []  # bytes of the file part, per request

    async def handle(self, request: web.Request) -> web.Response:
        reader = await request.multipart()
        size = 0
        while (part := await reader.next()) is not None:
            if isinstance(part, BodyPartReader) and part.name == "file":
                size = len(await part.read(decode=False))
        self.received.append(size)
        if len(self.received) == 1:
            return web.json_response(
                {"code": "RATE_LIMIT_EXCEEDED", "message": "slow down", "retryable": True},
                status=429,
                headers={"retry-after-ms": "1"},
            )
        return web.json_response(FILE_JSON)


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, ThrottleOnce]]:
    throttle = ThrottleOnce()
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/files/upload", throttle.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", throttle
    finally:
        await runner.cleanup()


def _client(base_url: str) -> AsyncExtend:
    return AsyncExtend("sk_x", base_url=base_url, retry_policy=RetryPolicy(initial_delay=0.001))


@pytest.mark.parametrize("kind", ["path", "bytes", "seekable file"])
async def test_a_replayable_upload_is_sent_again_whole_after_a_429(
    server: tuple[str, ThrottleOnce], tmp_path: Path, kind: str
) -> None:
    base_url, throttle = server
    source: object
    if kind == "path":
        source = tmp_path / "a.pdf"
        source.write_bytes(BODY)
    elif kind == "bytes":
        source = BODY
    else:
        source = io.BytesIO(BODY)
    async with _client(base_url) as api:
        uploaded = await api.files.upload(source, name="a.pdf")  # type: ignore[arg-type]
    assert uploaded.id == "file_abc"
    assert throttle.received == [len(BODY), len(BODY)]


async def test_a_one_shot_stream_is_not_sent_again(server: tuple[str, ThrottleOnce]) -> None:
    base_url, throttle = server
    reads = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal reads
        for start in range(0, len(BODY), 65536):
            reads += 1
            yield BODY[start : start + 65536]

    async with _client(base_url) as api:
        with pytest.raises(RateLimitError):
            await api.files.upload(chunks(), name="a.pdf")
    assert throttle.received == [len(BODY)]
    assert reads == -(-len(BODY) // 65536)


def test_which_bodies_can_be_sent_again(tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"x")

    async def stream() -> AsyncIterator[bytes]:
        yield b"x"

    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

    assert UploadBody(path, name=None, password=None).can_resend()
    assert UploadBody(b"x", name=None, password=None).can_resend()
    assert UploadBody(io.BytesIO(b"x"), name=None, password=None).can_resend()
    one_shot = UploadBody(stream(), name=None, password=None)
    pipe = UploadBody(Pipe(), name=None, password=None)  # type: ignore[arg-type]
    # Nothing read yet: a connection that could not be made may be retried.
    assert one_shot.can_resend()
    assert pipe.can_resend()
    assert not one_shot.replayable
    assert not pipe.replayable


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.binary(max_size=3000),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=6),
    kind=st.sampled_from(["bytes", "bytearray", "memoryview", "file", "stream"]),
)
def test_any_content_in_any_chunking_arrives_intact(
    content: bytes, cuts: list[int], kind: str
) -> None:
    bounds = sorted({0, len(content), *(min(c, len(content)) for c in cuts)})
    pieces = [content[a:b] for a, b in pairwise(bounds)]

    async def stream() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    sources: dict[str, object] = {
        "bytes": content,
        "bytearray": bytearray(content),
        "memoryview": memoryview(array.array("B", content)),
        "file": io.BytesIO(content),
        "stream": stream(),
    }
    with (
        ExtendEmulator(seed=1).run_in_thread() as emu,
        Extend(emu.api_key, base_url=emu.base_url) as client,
    ):
        uploaded = client.files.upload(sources[kind], name="p.bin")  # type: ignore[arg-type]
        assert emu.files[uploaded.id].read() == content
        assert emu.files[uploaded.id].size == len(content)
