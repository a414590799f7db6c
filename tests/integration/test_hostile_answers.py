"""What a hostile or broken server can do to the client, over plain loopback sockets.

Every answer here is scripted byte for byte by ``_raw_server``: sizes stay small (the
limits are set small instead), and every test sends a bounded number of requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import pickle
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest

from extend_async import (
    APIConnectionError,
    APIStatusError,
    AsyncExtend,
    BadRequestError,
    ExtendError,
    InternalServerError,
    ResponseTooLargeError,
    RetryPolicy,
    RunStatus,
    StopReason,
)
from extend_async.types import DeletedClassifyRun

from ._raw_server import RawServer, answer, raw_server, seed_run, seed_summary

API_KEY = "sk_raw_Hostile_7c1Vq9"
RUN_ID = "clr_raw1"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    async with raw_server() as state:
        yield state


@pytest.fixture
async def client(server: RawServer) -> AsyncIterator[AsyncExtend]:
    async with AsyncExtend(
        API_KEY, base_url=server.base_url, retry_policy=FAST, trust_env=False
    ) as api:
        yield api


def run_body(status: str = "PROCESSING", **changes: Any) -> dict[str, Any]:
    run = seed_run()
    run.update(id=RUN_ID, status=status, **changes)
    return run


# --- bounded memory -----------------------------------------------------------------


async def test_an_answer_over_max_response_bytes_fails_at_once_and_is_not_retried(
    server: RawServer, client: AsyncExtend
) -> None:
    big = {**run_body(), "metadata": {"pad": "x" * 50_000}}
    server.script("GET", "/classify_runs/", answer(200, big))
    small = client.with_options(max_response_bytes=10_000)
    with pytest.raises(ResponseTooLargeError) as caught:
        await small.classify_runs.get(RUN_ID)
    assert caught.value.limit == 10_000
    assert (caught.value.method, caught.value.path) == ("GET", f"/classify_runs/{RUN_ID}")
    assert server.count("GET", "/classify_runs/") == 1
    # The client's own limit (64 MiB by default) lets the same answer through.
    assert (await client.classify_runs.get(RUN_ID)).metadata == {"pad": "x" * 50_000}


async def test_a_chunked_answer_without_length_is_cut_off_at_the_limit(
    server: RawServer,
) -> None:
    async def endless_chunks(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 4096
        for _ in range(200):  # 800 KB in all, far beyond the limit
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")

    server.script("GET", "/classify_runs/", endless_chunks)
    async with AsyncExtend(
        API_KEY, base_url=server.base_url, max_response_bytes=20_000, trust_env=False
    ) as api:
        with pytest.raises(ResponseTooLargeError):
            await api.classify_runs.get(RUN_ID)
    assert server.count("GET", "/classify_runs/") == 1


async def test_a_compression_bomb_is_counted_after_decompression(server: RawServer) -> None:
    bomb = gzip.compress(b"0" * 4_000_000)  # ~4 KB on the wire, 4 MB decoded

    async def drip_gzip(writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(bomb)
        )
        for start in range(0, len(bomb), 512):  # small pieces, as the attack sends them
            writer.write(bomb[start : start + 512])
            await writer.drain()

    server.script("GET", "/classify_runs/", drip_gzip)
    async with AsyncExtend(
        API_KEY, base_url=server.base_url, max_response_bytes=100_000, trust_env=False
    ) as api:
        with pytest.raises(ResponseTooLargeError):
            await api.classify_runs.get(RUN_ID)


async def test_a_huge_error_page_is_kept_short_on_the_exception(
    server: RawServer, client: AsyncExtend
) -> None:
    page = "<html><body>" + "<p>proxy failure</p>" * 20_000 + "</body></html>"  # 400 KB
    server.script(
        "GET", "/classify_runs/", answer(502, page, headers={"Content-Type": "text/html"})
    )
    with pytest.raises(InternalServerError) as caught:
        await client.classify_runs.get(RUN_ID)
    error = caught.value
    assert isinstance(error.body, str)
    assert 0 < len(error.body) <= 4096
    assert len(str(error)) < 400
    assert "proxy failure" in str(error)
    assert server.count("GET", "/classify_runs/") == 3  # still retried as a 5xx


@pytest.mark.timeout(20)  # the old excerpt froze the loop for about 20 s on this body
async def test_an_error_body_of_angle_brackets_does_not_stall_the_loop(
    server: RawServer, client: AsyncExtend
) -> None:
    body = "<" * 60_000
    server.script(
        "GET", "/classify_runs/", answer(400, body, headers={"Content-Type": "text/html"})
    )
    with pytest.raises(BadRequestError) as caught:
        await client.with_options(max_retries=0).classify_runs.get(RUN_ID)
    assert len(caught.value.message) < 300


# --- outcomes that are true ---------------------------------------------------------


async def test_cancel_after_a_502_then_refused_returns_the_cancelled_run(
    server: RawServer, client: AsyncExtend
) -> None:
    refused = {"code": "INVALID_REQUEST", "message": "cannot be cancelled in status CANCELLED"}
    server.script("POST", "/classify_runs/", answer(502, "bad gateway"), answer(400, refused))
    server.script("GET", "/classify_runs/", answer(200, run_body("CANCELLED")))
    run = await client.classify_runs.cancel(RUN_ID)
    assert run.status == RunStatus.CANCELLED
    assert server.count("POST", "/classify_runs/") == 2
    assert server.count("GET", "/classify_runs/") == 1


async def test_cancel_after_a_timeout_then_refused_returns_the_cancelled_run(
    server: RawServer, client: AsyncExtend
) -> None:
    async def too_slow(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)  # the request arrived; the answer comes too late

    refused = {"code": "INVALID_REQUEST", "message": "cannot be cancelled in status CANCELLED"}
    server.script("POST", "/classify_runs/", too_slow, answer(400, refused))
    server.script("GET", "/classify_runs/", answer(200, run_body("CANCELLED")))
    run = await client.classify_runs.cancel(RUN_ID, timeout=0.2)
    assert run.status == RunStatus.CANCELLED


async def test_a_plain_refusal_still_raises(server: RawServer, client: AsyncExtend) -> None:
    refused = {"code": "INVALID_REQUEST", "message": "cannot be cancelled in status PROCESSED"}
    server.script("POST", "/classify_runs/", answer(400, refused))
    with pytest.raises(BadRequestError) as caught:
        await client.classify_runs.cancel(RUN_ID)
    error = caught.value
    assert (error.method, error.path) == ("POST", f"/classify_runs/{RUN_ID}/cancel")
    assert (error.attempts, error.after_lost_attempt) == (1, False)
    assert server.count("GET", "/classify_runs/") == 0


async def test_delete_after_a_502_then_404_counts_as_deleted(
    server: RawServer, client: AsyncExtend
) -> None:
    server.script(
        "DELETE", "/classify_runs/", answer(502, "bad gateway"), answer(404, {"code": "NOT_FOUND"})
    )
    assert await client.classify_runs.delete(RUN_ID) == DeletedClassifyRun(id=RUN_ID)


@pytest.mark.timeout(30)  # the old cancel_all never returned here
async def test_cancel_all_stops_on_a_repeated_page_token(
    server: RawServer, client: AsyncExtend
) -> None:
    page = {"object": "list", "data": [seed_summary()], "nextPageToken": "again"}
    server.script("GET", "/classify_runs", answer(200, page))
    server.script("POST", "/classify_runs/", answer(200, run_body("CANCELLED")))
    result = await client.classify_runs.cancel_all(status="PROCESSING")
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, ExtendError)
    assert "nextPageToken" in str(result.error)
    assert result.counts.cancelled == 1
    assert server.count("GET", "/classify_runs") <= 3


# --- no secrets, no surprises --------------------------------------------------------


def _reachable(root: object) -> list[object]:
    """Every object reachable from an error: causes, contexts, attributes, containers."""
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or len(seen) > 5000:
            continue
        seen[id(obj)] = obj
        if isinstance(obj, BaseException):
            todo += [obj.__cause__, obj.__context__, *obj.args]
        if isinstance(obj, dict):
            todo += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            todo += list(obj)
        elif hasattr(obj, "items") and callable(obj.items) and not isinstance(obj, type):
            with contextlib.suppress(Exception):
                todo += [item for pair in obj.items() for item in pair]
        for name in getattr(obj, "__dict__", {}) or {}:
            todo.append(getattr(obj, name))
        for name in getattr(type(obj), "__slots__", ()):
            todo.append(getattr(obj, name, None))
    return list(seen.values())


@pytest.mark.parametrize(
    "garbage",
    [
        b"HTTP/1.1 abc Nope\r\n\r\n",  # a bad status line
        b"HTTP/1.1 200 OK\r\nBad Header Without Colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n",  # bad chunk
    ],
)
async def test_no_error_reaches_the_authorization_header(
    server: RawServer, client: AsyncExtend, garbage: bytes
) -> None:
    server.script("GET", "/classify_runs/", garbage)
    with pytest.raises(ExtendError) as caught:
        await client.with_options(max_retries=0).classify_runs.get(RUN_ID)
    assert server.seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    for obj in _reachable(caught.value):
        assert API_KEY not in repr(obj)
        assert API_KEY not in str(obj)
    # A traceback printed with its locals (as error trackers do) shows no key either, in
    # any of the SDK's frames (the test's own frames hold the server's record of it).
    printed = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    sdk_frames = [f for f in printed.stack if "/extend_async/" in f.filename]
    assert sdk_frames
    for frame in sdk_frames:
        assert API_KEY not in repr(frame.locals)


async def test_a_101_answer_is_not_success(server: RawServer, client: AsyncExtend) -> None:
    server.script(
        "GET",
        "/classify_runs/",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    )
    with pytest.raises(APIStatusError) as caught:
        await client.classify_runs.get(RUN_ID)
    assert caught.value.status_code == 101
    assert server.count("GET", "/classify_runs/") == 1  # not retried


async def test_integers_beyond_64_bits_stay_exact(server: RawServer, client: AsyncExtend) -> None:
    big = 2**64 + 1
    text = json.dumps(run_body(metadata={"big": 0})).replace('"big": 0', f'"big": {big}')
    server.script("GET", "/classify_runs/", answer(200, text.encode()))
    run = await client.classify_runs.get(RUN_ID)
    assert run.metadata is not None
    assert run.metadata["big"] == big
    assert isinstance(run.metadata["big"], int)


async def test_status_errors_carry_their_request_and_survive_pickling(
    server: RawServer, client: AsyncExtend
) -> None:
    server.script("GET", "/classify_runs/", answer(503, {"code": "DOWN", "message": "down"}))
    with pytest.raises(InternalServerError) as caught:
        await client.classify_runs.get(RUN_ID, max_retries=1)
    error = caught.value
    assert (error.method, error.path, error.attempts) == ("GET", f"/classify_runs/{RUN_ID}", 2)
    assert error.after_lost_attempt  # the first 503 may have been the server acting
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.method, copy.path, copy.attempts, copy.status_code) == (
        "GET",
        f"/classify_runs/{RUN_ID}",
        2,
        503,
    )


async def test_a_connection_refused_error_says_it_was_never_sent(client: AsyncExtend) -> None:
    async with AsyncExtend(
        API_KEY, base_url="http://127.0.0.1:9", retry_policy=FAST, trust_env=False
    ) as closed_port:
        with pytest.raises(APIConnectionError) as caught:
            await closed_port.classify_runs.cancel(RUN_ID, max_retries=1)
    assert caught.value.sent is False
    assert caught.value.attempts == 2
    assert caught.value.after_lost_attempt is False
