"""What reaches a real server: headers and bodies, and where the key may not go."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web

from extend_async import (
    APIConnectionError,
    APIStatusError,
    AsyncExtend,
    FileFromUrl,
    NotFoundError,
    __version__,
)
from extend_async._transport import ERROR_READ_BYTES

from .conftest import FAST_RETRY

API_KEY = "sk_integration_S3cr3t_Kq4"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Recorder:
    """A loopback HTTP server that notes every request and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.client_ports: list[int | None] = []  # which connection each request came on
        self.base_url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append((request.method, request.raw_path, dict(request.headers), body))
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.client_ports.append(peer[1] if peer else None)
        return await self.handler(request)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[Recorder]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> Recorder:
        recorder = Recorder(handler)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", recorder.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        recorder.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        return recorder

    yield start
    for runner in runners:
        await runner.cleanup()


def run_json(**changes: Any) -> dict[str, Any]:
    return {
        "id": "clr_1",
        "status": "PROCESSING",
        "createdAt": "2026-03-01T12:00:00.123Z",
        "updatedAt": "2026-03-01T12:00:00.123Z",
        **changes,
    }


async def answer_a_run(request: web.Request) -> web.Response:
    return web.json_response(run_json())


async def test_the_server_sees_the_documented_headers_and_json_body(
    serve: Callable[[Handler], Awaitable[Recorder]],
) -> None:
    server = await serve(answer_a_run)
    async with AsyncExtend(API_KEY, base_url=server.base_url, workspace_id="ws_live") as client:
        await client.classify_runs.create(
            file=FileFromUrl(url="https://files.example.com/a.pdf"), classifier="cl_1"
        )
    ((method, path, headers, body),) = server.requests
    assert (method, path) == ("POST", "/classify_runs")
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["x-extend-api-version"] == "2026-02-09"
    assert headers["x-extend-workspace-id"] == "ws_live"
    assert headers["User-Agent"].startswith(f"extend-client/{__version__} (Python ")
    assert headers["Content-Type"] == "application/json"
    assert orjson.loads(body) == {
        "file": {"url": "https://files.example.com/a.pdf"},
        "classifier": {"id": "cl_1"},
    }


async def test_the_key_does_not_follow_a_redirect_to_another_origin(
    serve: Callable[[Handler], Awaitable[Recorder]],
) -> None:
    async def elsewhere(request: web.Request) -> web.Response:
        return web.json_response(run_json())

    other = await serve(elsewhere)

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(other.base_url + "/collect")

    first = await serve(redirect)
    async with AsyncExtend(API_KEY, base_url=first.base_url, max_retries=0) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.classify_runs.get("clr_1")
    # A redirect is not followed at all: the answer is reported as it came.
    assert caught.value.status_code == 307
    assert first.requests[0][2]["Authorization"] == f"Bearer {API_KEY}"
    assert other.requests == []


async def test_a_refused_connection_is_an_api_connection_error() -> None:
    with socket.socket() as placeholder:  # a port nobody listens on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    async with AsyncExtend(
        API_KEY, base_url=f"http://127.0.0.1:{port}", retry_policy=FAST_RETRY
    ) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.classify_runs.create(
                file=FileFromUrl(url="https://files.example.com/a.pdf"), classifier="cl_1"
            )
    assert "/classify_runs" in str(caught.value)
    assert API_KEY not in str(caught.value)


async def test_a_disconnect_mid_create_is_not_retried_but_a_get_is(
    serve: Callable[[Handler], Awaitable[Recorder]],
) -> None:
    async def hang_up(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    server = await serve(hang_up)
    async with AsyncExtend(API_KEY, base_url=server.base_url, retry_policy=FAST_RETRY) as client:
        with pytest.raises(APIConnectionError):
            await client.classify_runs.create(
                file=FileFromUrl(url="https://files.example.com/a.pdf"), classifier="cl_1"
            )
        assert [m for m, *_ in server.requests] == ["POST"]
        with pytest.raises(APIConnectionError):
            await client.classify_runs.get("clr_1")
    methods = [m for m, *_ in server.requests]
    assert methods.count("POST") == 1
    # Three attempts; aiohttp itself may resend an idempotent GET once within each.
    assert 3 <= methods.count("GET") <= 6


async def test_one_pool_per_client_shared_by_with_options(
    serve: Callable[[Handler], Awaitable[Recorder]],
) -> None:
    server = await serve(answer_a_run)
    async with (
        AsyncExtend(API_KEY, base_url=server.base_url) as first,
        AsyncExtend(API_KEY, base_url=server.base_url) as second,
    ):
        await first.classify_runs.get("clr_1")
        await first.classify_runs.get("clr_1")
        await first.with_options(workspace_id="ws_x", timeout=5).classify_runs.get("clr_1")
        await second.classify_runs.get("clr_1")
    a, b, derived, other = server.client_ports
    assert a is not None
    assert a == b == derived  # one kept-alive connection, reused by the derived client
    assert other != a  # another client, another pool


async def test_a_connection_is_reused_only_after_its_answer_was_read_to_the_end(
    serve: Callable[[Handler], Awaitable[Recorder]],
) -> None:
    answers = iter(
        [
            web.json_response({"message": "no such run"}, status=404),  # read whole
            web.json_response(run_json()),
            # Larger than the part of an error body the SDK reads: the rest stays unread.
            web.Response(body=b"x" * (ERROR_READ_BYTES * 4), status=404),
            web.json_response(run_json()),
        ]
    )

    async def next_answer(request: web.Request) -> web.Response:
        return next(answers)

    server = await serve(next_answer)
    async with AsyncExtend(API_KEY, base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(NotFoundError):
            await client.classify_runs.get("clr_1")
        await client.classify_runs.get("clr_1")
        with pytest.raises(NotFoundError):
            await client.classify_runs.get("clr_1")
        await client.classify_runs.get("clr_1")
    first, second, unread, after = server.client_ports
    assert first is not None
    assert first == second == unread  # read to the end: back to the pool, kept alive
    assert after != unread  # left half read: closed, never handed to another request


async def test_each_client_of_a_family_sends_its_own_headers(
    serve: Callable[[Handler], Awaitable[Recorder]],
) -> None:
    server = await serve(answer_a_run)
    async with AsyncExtend(API_KEY, base_url=server.base_url) as client:
        await client.classify_runs.get("clr_1")
        await client.with_options(workspace_id="ws_derived").classify_runs.get("clr_1")
        await client.with_options(api_version="2025-04-21").classify_runs.get("clr_1")
        await client.classify_runs.get("clr_1", extra_headers={"X-Trace": "t1"})
        await client.classify_runs.get("clr_1")
    seen = [headers for _, _, headers, _ in server.requests]
    assert [h.get("x-extend-workspace-id") for h in seen] == [None, "ws_derived", None, None, None]
    assert [h["x-extend-api-version"] for h in seen] == [
        "2026-02-09",
        "2026-02-09",
        "2025-04-21",
        "2026-02-09",
        "2026-02-09",
    ]
    assert {h["Authorization"] for h in seen} == {f"Bearer {API_KEY}"}
    assert [h.get("X-Trace") for h in seen] == [None, None, None, "t1", None]
