"""Rate limiting: a token bucket per key answering 429 with Retry-After."""

from __future__ import annotations

import asyncio
import math

import aiohttp
import pytest

from extend_async.testing import RateLimit

from ._wire import Wire
from .conftest import MakeEmulator


async def test_over_the_limit_is_429_with_retry_after(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=RateLimit(2, burst=3))
    wire = Wire(session, emulator.base_url)
    statuses = [(await wire.get("/classify_runs")).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    reply = await wire.get("/classify_runs")
    envelope = reply.assert_error(429, "RATE_LIMIT_EXCEEDED")
    assert envelope["retryable"] is True
    retry_after = int(reply.headers["Retry-After"])
    precise_ms = int(reply.headers["retry-after-ms"])
    assert 1 <= retry_after == math.ceil(precise_ms / 1000)
    assert 0 < precise_ms <= 500  # one token at 2/s takes at most half a second
    await asyncio.sleep(precise_ms / 1000 + 0.02)
    assert (await wire.get("/classify_runs")).status == 200


async def test_each_key_has_its_own_bucket(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=1, api_keys={"sk_test_second": "ws_emulator"})
    first = Wire(session, emulator.base_url)
    second = Wire(session, emulator.base_url, api_key="sk_test_second")
    assert (await first.get("/classify_runs")).status == 200
    assert (await first.get("/classify_runs")).status == 429
    assert (await second.get("/classify_runs")).status == 200
    assert emulator.status_counts == {200: 2, 429: 1}


async def test_rate_limit_is_off_by_default_and_changeable(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator()
    wire = Wire(session, emulator.base_url)
    assert emulator.rate_limit is None
    statuses = await asyncio.gather(*(wire.get("/classify_runs") for _ in range(50)))
    assert {r.status for r in statuses} == {200}
    emulator.rate_limit = RateLimit(5)
    replies = await asyncio.gather(*(wire.get("/classify_runs") for _ in range(20)))
    assert sum(r.status == 429 for r in replies) >= 14  # a burst of 5, then refusals
    emulator.rate_limit = None
    assert (await wire.get("/classify_runs")).status == 200


async def test_unauthenticated_requests_do_not_spend_tokens(
    make_emulator: MakeEmulator, session: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=1)
    wire = Wire(session, emulator.base_url)
    assert (await wire.get("/classify_runs", headers={})).status == 401
    assert (await wire.get("/classify_runs")).status == 200


def test_rate_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        RateLimit(0)
    with pytest.raises(ValueError, match="must be > 0"):
        RateLimit(5, burst=-1)
