"""Bulk cancellation against servers that never let it finish on their own: one that
answers every request 429, one whose connections hang. Real sockets on loopback; every
call must return with an outcome for every id, having sent a bounded number of requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from aiohttp import web

from extend_async import (
    AsyncExtend,
    OutcomeKind,
    OutcomeUnknownError,
    RateLimitError,
    RetryPolicy,
    StopReason,
    ThrottledOutError,
)
from extend_async.bulk import operations
from extend_async.bulk.engine import Engine
from extend_async.bulk.throttle import MAX_UNHINTED_EPISODES

K = OutcomeKind
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)
IDS = [f"clr_hostile{i:03d}" for i in range(100)]
# A bound on how long any of these calls may take, so a regression fails instead of
# hanging the suite; far above what they need, and nothing here measures time.
HANG_GUARD = 60


@asynccontextmanager
async def throttling_server(headers: dict[str, str]) -> AsyncIterator[list[str]]:
    """Answers every request 429 with ``headers``; yields the paths it was asked for."""
    seen: list[str] = []

    async def refuse(request: web.Request) -> web.Response:
        seen.append(request.path)
        body = {"code": "RATE_LIMIT_EXCEEDED", "message": "Too many requests"}
        return web.json_response(body, status=429, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        seen.append(f"http://127.0.0.1:{port}")  # the first entry is the base URL
        yield seen
    finally:
        await runner.cleanup()


async def cancel_many_against(base_url: str, policy: RetryPolicy, **settings: Any) -> Any:
    async with AsyncExtend("sk_test", base_url=base_url, retry_policy=policy) as client:
        with anyio.fail_after(HANG_GUARD):
            return await client.classify_runs.cancel_many(IDS, **settings)


async def test_a_server_that_answers_every_cancel_429_without_a_hint_is_given_up_on() -> None:
    async with throttling_server({}) as seen:
        base_url = seen.pop(0)
        result = await cancel_many_against(base_url, FAST, concurrency=16)

    assert [o.id for o in result] == IDS  # every id accounted for
    assert {o.kind for o in result} == {K.NOT_ATTEMPTED}  # only ever refused: untouched
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, ThrottledOutError)
    assert "no Retry-After hint" in str(result.error)
    assert isinstance(result.error.__cause__, RateLimitError)
    # The budget is the operation's, not each id's: a bounded number of requests.
    assert len(seen) <= 16 * MAX_UNHINTED_EPISODES
    assert result.requests == len(seen)


async def test_a_server_that_only_ever_answers_429_with_hints_is_given_up_on_in_time() -> None:
    # The budget is 3 x max_retry_after of nothing but 429s: 0.15 s here.
    policy = RetryPolicy(initial_delay=0.001, max_delay=0.002, max_retry_after=0.05)
    async with throttling_server({"retry-after-ms": "5"}) as seen:
        base_url = seen.pop(0)
        result = await cancel_many_against(base_url, policy, concurrency=16)

    assert [o.id for o in result] == IDS
    assert {o.kind for o in result} == {K.NOT_ATTEMPTED}
    assert result.stop_reason is StopReason.ERROR
    assert isinstance(result.error, ThrottledOutError)
    assert "was a 429" in str(result.error)


class HangingServer:
    """Reads each request, never answers; notes when the client closes the connection."""

    def __init__(self) -> None:
        self.accepted = 0
        self.requests = 0
        self.closed = 0
        self.all_closed = asyncio.Event()
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            while await reader.read(65536):  # until the client gives up on it
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed += 1
            if self.closed == self.accepted:
                self.all_closed.set()
            writer.close()


def long_grace(engine: Callable[..., Engine]) -> Callable[..., Engine]:
    """An operation whose stop grace period would never end: only the deadline itself
    can free the requests in flight."""

    def build(options: operations.BulkOptions, cancel: Any, get: Any) -> Engine:
        return Engine(
            cancel=cancel,
            get=get,
            concurrency=options.concurrency,
            max_rate=options.max_rate,
            deadline=options.deadline,
            policy=options.policy,
            grace=3600,
        )

    return build


async def test_the_deadline_cancels_requests_in_flight_when_every_connection_hangs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(operations, "_engine", long_grace(operations._engine))
    hanging = HangingServer()
    server = await asyncio.start_server(hanging.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        # The per-attempt timeout would never end either.
        result = await cancel_many_against(
            f"http://127.0.0.1:{port}", FAST, concurrency=4, deadline=0.5, timeout=3600
        )
        with anyio.fail_after(HANG_GUARD):
            await hanging.all_closed.wait()  # the client dropped every hanging request
    finally:
        server.close()
        await server.wait_closed()

    assert result.stop_reason is StopReason.DEADLINE
    assert [o.id for o in result] == IDS
    in_flight = [o for o in result if o.attempts]
    assert 1 <= hanging.requests <= len(in_flight) <= 4
    for outcome in in_flight:  # sent, never answered: the run may have been cancelled
        assert outcome.kind is K.FAILED
        assert isinstance(outcome.error, OutcomeUnknownError)
    assert {o.kind for o in result if not o.attempts} == {K.NOT_ATTEMPTED}
