"""Cancelling a download, wherever it happens: nothing left behind (no temporary file, no
open descriptor), ``dest`` as it was, and ``CancelledError`` only when ``dest`` was not
written; a download that wrote ``dest`` returns."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extend_async import AsyncExtend, _download

from .hostile import FILE_ID, HostileHost, reply_in_chunks

OLD = b"the file as it was"
CHUNKS = [bytes([n]) * 700 for n in range(8)]
BODY = b"".join(CHUNKS)


def open_under(folder: Path) -> list[str]:
    """What this process has open inside ``folder`` (deleted files included)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            where = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if where.startswith(str(folder)):
            found.append(where)
    return found


def client(host: HostileHost) -> AsyncExtend:
    return AsyncExtend("sk_test", base_url=host.base_url, max_retries=0)


def assert_untouched(folder: Path, target: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [target.name]
    assert target.read_bytes() == OLD
    assert open_under(folder) == []


async def download_cancelled_at_read(
    folder: Path, chunks: list[bytes], cancel_at: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[bool, int | None]:
    """Download ``chunks`` to ``folder/out.bin``, cancelling the task right after the
    ``cancel_at``-th read of a body (the API's answer, then the file's; the last read of
    each is the empty one at its end). Returns (whether it was cancelled, bytes written)."""
    reads = 0
    real_read = aiohttp.StreamReader.read

    async def read(self: aiohttp.StreamReader, n: int = -1) -> bytes:
        nonlocal reads
        data = await real_read(self, n)
        reads += 1
        if reads == cancel_at:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
        return data

    monkeypatch.setattr(aiohttp.StreamReader, "read", read)
    target = folder / "out.bin"
    async with HostileHost(reply_in_chunks(chunks)) as host, client(host) as api:
        task = asyncio.ensure_future(api.files.download(FILE_ID, target))
        try:
            written = await asyncio.wait_for(asyncio.shield(task), 10)
        except asyncio.CancelledError:
            assert task.cancelled()
            return True, None
    return False, written


@pytest.mark.parametrize("cancel_at", range(1, 16))
async def test_a_cancel_after_any_read_leaves_dest_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cancel_at: int
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    cancelled, written = await download_cancelled_at_read(tmp_path, CHUNKS, cancel_at, monkeypatch)
    if cancelled:
        assert_untouched(tmp_path, target)
    else:  # the bodies came in fewer reads than that
        assert written == len(BODY)
        assert target.read_bytes() == BODY


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=8),
    cancel_at=st.integers(min_value=1, max_value=14),
)
def test_any_chunking_cancelled_after_any_read_leaves_nothing_or_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], cancel_at: int
) -> None:
    folder = tmp_path_factory.mktemp("dl")
    target = folder / "out.bin"
    target.write_bytes(OLD)
    chunks = [bytes([n % 256]) * size for n, size in enumerate(sizes)]
    with pytest.MonkeyPatch.context() as monkeypatch:
        cancelled, written = asyncio.run(
            download_cancelled_at_read(folder, chunks, cancel_at, monkeypatch)
        )
    if cancelled:
        assert_untouched(folder, target)
    else:
        assert written == sum(sizes)
        assert target.read_bytes() == b"".join(chunks)
        assert sorted(p.name for p in folder.iterdir()) == ["out.bin"]
        assert open_under(folder) == []


TRACE_SIGNALS = (
    "on_request_start",
    "on_connection_create_start",
    "on_connection_create_end",
    "on_request_headers_sent",
    "on_response_chunk_received",
    "on_request_end",
)


def cancel_at_trace_event(number: int) -> aiohttp.TraceConfig:
    """A trace that cancels the task making the request at its ``number``-th event."""
    seen = 0

    async def count(*args: object) -> None:
        nonlocal seen
        seen += 1
        if seen == number:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()

    trace = aiohttp.TraceConfig()
    for signal in TRACE_SIGNALS:
        getattr(trace, signal).append(count)
    return trace


@pytest.mark.parametrize("number", range(1, 14))
async def test_a_cancel_at_any_step_of_either_request_is_all_or_nothing(
    tmp_path: Path, number: int
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    async with HostileHost(reply_in_chunks(CHUNKS)) as host:
        trace = cancel_at_trace_event(number)
        async with AsyncExtend(
            "sk_test", base_url=host.base_url, max_retries=0, trace_configs=[trace]
        ) as api:
            task = asyncio.ensure_future(api.files.download(FILE_ID, target))
            try:
                written = await asyncio.wait_for(asyncio.shield(task), 10)
            except asyncio.CancelledError:
                assert task.cancelled()
                assert_untouched(tmp_path, target)
            else:
                assert written == len(BODY)
                assert target.read_bytes() == BODY
                assert open_under(tmp_path) == []


async def cancel_while_blocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, blocked: Callable[..., object]
) -> None:
    """Patch ``_download.<name>`` to block in its thread; cancel the download meanwhile."""
    entered, release = threading.Event(), threading.Event()

    def blocking(*args: object) -> object:
        entered.set()
        release.wait(10)
        return blocked(*args)

    monkeypatch.setattr(_download, name, blocking)
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    async with HostileHost(reply_in_chunks(CHUNKS)) as host, client(host) as api:
        task = asyncio.ensure_future(api.files.download(FILE_ID, target))
        assert await asyncio.to_thread(entered.wait, 10)
        task.cancel()
        await asyncio.sleep(0.01)  # the cancel is delivered while the thread still runs
        assert not task.done()  # it waits for the thread before cleaning up
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
    assert_untouched(tmp_path, target)


async def test_a_cancel_during_open_leaks_no_descriptor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await cancel_while_blocked(tmp_path, monkeypatch, "_open_exclusive", _download._open_exclusive)


async def test_a_cancel_during_the_last_flush_leaves_dest_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await cancel_while_blocked(tmp_path, monkeypatch, "_fsync", _download._fsync)


async def test_a_cancel_as_dest_is_replaced_does_not_undo_the_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    real_replace = os.replace
    cancel: Callable[[], object] | None = None

    def replace(src: object, dst: object) -> None:
        real_replace(src, dst)  # type: ignore[arg-type]
        assert cancel is not None
        loop.call_soon_threadsafe(cancel)  # a cancel arriving just after dest was written

    loop = asyncio.get_running_loop()
    monkeypatch.setattr("extend_async._download.os.replace", replace)
    async with HostileHost(reply_in_chunks(CHUNKS)) as host, client(host) as api:
        task = asyncio.ensure_future(api.files.download(FILE_ID, target))
        cancel = task.cancel
        written = await asyncio.wait_for(task, 10)
    assert written == len(BODY)
    assert target.read_bytes() == BODY
    assert open_under(tmp_path) == []
