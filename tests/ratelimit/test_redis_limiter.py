"""``RedisRateLimiter`` against a real redis-server on loopback.

Every assertion is on what the script returned or stored (waits booked, keys, TTLs), never
on how long anything took.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from extend_async import AsyncExtend, ExtendError
from extend_async.ratelimit import (
    LocalRateLimiter,
    RateLimiter,
    RateLimiterFallbackWarning,
    RateLimiterUnavailableError,
    RedisRateLimiter,
)
from extend_async.ratelimit._redis import GCRA_SHA
from extend_async.testing import ExtendEmulator
from extend_async.testing._redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def limiters() -> AsyncIterator[list[RedisRateLimiter]]:
    made: list[RedisRateLimiter] = []
    yield made
    for limiter in made:
        await limiter.aclose()


def make(made: list[RedisRateLimiter], url: str, **options: object) -> RedisRateLimiter:
    options.setdefault("namespace", "acme")
    limiter = RedisRateLimiter(url, **options)  # type: ignore[arg-type]
    made.append(limiter)
    return limiter


async def test_the_script_books_gcra_slots_on_the_server_clock(
    redis_server: RedisServer, limiters: list[RedisRateLimiter]
) -> None:
    # 0.1/s: an interval of 10 s, so the milliseconds the test takes cannot blur the waits.
    limiter = make(limiters, redis_server.url, rate=0.1, burst=3)
    assert isinstance(limiter, RateLimiter)
    waits = [await limiter.reserve("GET") for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert 5.0 < waits[3] <= 10.0
    assert 15.0 < waits[4] <= 20.0
    assert await limiter.reserve("WRITE") == 0.0  # another budget


async def test_penalize_moves_the_shared_budget(
    redis_server: RedisServer, limiters: list[RedisRateLimiter]
) -> None:
    refused = make(limiters, redis_server.url, rate=100)
    other = make(limiters, redis_server.url, rate=100)  # another process, the same budget
    await refused.penalize("RUN", 30.0)
    assert 25.0 < await other.reserve("RUN") <= 30.0
    assert await other.reserve("GET") == 0.0


async def test_keys_are_namespaced_and_expire_when_idle(
    redis_server: RedisServer, limiters: list[RedisRateLimiter]
) -> None:
    from redis.asyncio import Redis

    limiter = make(limiters, redis_server.url, rate=1000, namespace="org_1")
    assert limiter.key("GET") == "extend:{org_1}:GET"
    await limiter.reserve("GET")
    async with Redis.from_url(redis_server.url) as raw:
        ttl = await raw.pttl("extend:{org_1}:GET")
        assert 0 < ttl <= 1001  # the budget is full again 1 ms on: kept 1 s longer at most
        assert await raw.keys("extend:*") == [b"extend:{org_1}:GET"]


async def test_noscript_after_a_flush_is_handled_by_loading_again(
    redis_server: RedisServer, limiters: list[RedisRateLimiter]
) -> None:
    from redis.asyncio import Redis

    limiter = make(limiters, redis_server.url, rate=0.1)
    assert await limiter.reserve("GET") == 0.0
    async with Redis.from_url(redis_server.url) as raw:
        await raw.script_flush()
        assert await raw.script_exists(GCRA_SHA) == [False]
        assert 5.0 < await limiter.reserve("GET") <= 10.0
        assert await raw.script_exists(GCRA_SHA) == [True]
    assert not limiter.degraded


async def test_a_restarted_server_is_used_again(
    redis_server: RedisServer, limiters: list[RedisRateLimiter]
) -> None:
    limiter = make(limiters, redis_server.url, rate=0.1)
    assert await limiter.reserve("GET") == 0.0
    redis_server.stop()
    redis_server.start()  # same port, empty: no keys, no scripts
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback: the client reconnects
        assert await limiter.reserve("GET") == 0.0
    assert not limiter.degraded


def test_processes_share_one_budget(redis_server: RedisServer) -> None:
    """Two processes book 20 slots each at 0.1/s: together they booked exactly 40."""
    code = (
        "import asyncio, json, sys\n"
        "from extend_async.ratelimit import RedisRateLimiter\n"
        "async def main():\n"
        "    limiter = RedisRateLimiter(sys.argv[1], namespace='one-budget', rate=0.1)\n"
        "    waits = [await limiter.reserve('RUN') for _ in range(20)]\n"
        "    await limiter.aclose()\n"
        "    print(json.dumps(waits))\n"
        "asyncio.run(main())\n"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, redis_server.url],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            text=True,
        )
        for _ in range(2)
    ]
    waits: list[float] = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        waits += json.loads(out)
    assert len(waits) == 40
    assert sum(w == 0.0 for w in waits) == 1  # burst 1: only the very first went at once
    # 40 distinct slots 10 s apart: the last is booked 390 s ahead, less the seconds the
    # processes took to start (far below one interval).
    slots = sorted(waits)
    assert 380.0 < slots[-1] <= 390.0
    assert all(9.0 < b - a < 11.0 for a, b in itertools.pairwise(slots))


async def test_redis_killed_mid_run_falls_back_with_one_warning_and_loses_nothing(
    redis_server: RedisServer, limiters: list[RedisRateLimiter]
) -> None:
    limiter = make(limiters, redis_server.url, rate=1000, burst=10, timeout=0.5)
    async with ExtendEmulator(seed="kill") as emu:
        ids = emu.seed_runs(20)
        async with AsyncExtend(emu.api_key, base_url=emu.base_url, rate_limiter=limiter) as c:
            done = [await c.classify_runs.get(run_id) for run_id in ids[:10]]
            redis_server.stop()
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                done += [await c.classify_runs.cancel(run_id) for run_id in ids[10:]]
            fallbacks = [w for w in seen if issubclass(w.category, RateLimiterFallbackWarning)]
            assert len(fallbacks) == 1
            assert "Redis" in str(fallbacks[0].message)
            assert redis_server.url not in str(fallbacks[0].message)
            assert limiter.degraded
            assert [run.id for run in done] == ids
            # Back: after its backoff the limiter books in Redis again.
            redis_server.start()
            limiter._retry_at = 0.0
            await c.classify_runs.get(ids[0])
            assert not limiter.degraded
    assert emu.status_counts == {200: 21}


async def test_fallback_raise_is_a_typed_error_and_sends_nothing(
    limiters: list[RedisRateLimiter],
) -> None:
    pytest.importorskip("redis")
    from extend_async.testing._redis_server import free_port

    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"  # nothing listens there
    limiter = make(limiters, url, rate=10, fallback="raise", timeout=0.5)
    async with ExtendEmulator(seed="raise") as emu:
        async with AsyncExtend(emu.api_key, base_url=emu.base_url, rate_limiter=limiter) as c:
            with pytest.raises(RateLimiterUnavailableError) as caught:
                await c.classify_runs.list()
        assert emu.request_counts == {}
    assert isinstance(caught.value, ExtendError)
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(limiter)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


async def test_a_given_fallback_limiter_paces_while_redis_is_down(
    limiters: list[RedisRateLimiter],
) -> None:
    pytest.importorskip("redis")
    from extend_async.testing._redis_server import free_port

    local = LocalRateLimiter(rate=0.001)
    limiter = make(
        limiters, f"redis://127.0.0.1:{free_port()}/0", rate=10, fallback=local, timeout=0.5
    )
    with pytest.warns(RateLimiterFallbackWarning):
        await limiter.acquire("GET")
    assert limiter.degraded
    assert local.reserve("GET") > 900  # the one acquire above went through the fallback
