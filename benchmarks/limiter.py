"""The shared rate limiter: what it costs per request, and how much of a budget shared by
several processes it lets them use.

* **Overhead**: µs per request spent deciding when to send, in a fresh process: the bulk
  engine's local pacer (``AdaptiveRate.reserve``), ``LocalRateLimiter.acquire`` and
  ``RedisRateLimiter.acquire`` (one round trip to a redis-server on loopback), each at a
  rate so high that nothing waits.
* **Goodput**: ``PROCESSES`` client processes (4 concurrent GETs each) share the emulator's
  organization budget of ``RATE`` GET requests/s (``org_rate_limits``, burst ``BURST``)
  for ``seconds``, every one with ``RedisRateLimiter(rate=RATE)`` on one namespace: GETs
  answered 200 within the window as a % of what the server could serve in it
  (``RATE × seconds + BURST``), and the share of answers that were 429. For contrast, the
  same with a ``LocalRateLimiter(rate=RATE)`` in each process, each pacing only itself.

The redis-server is started on 127.0.0.1 by the benchmark (no persistence); without one
the Redis rows say "n/a (…)".
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ._common import Goal, Row, run_child, run_children

__all__ = ["acquire_child", "goodput_child", "rows"]

RATE = 20.0
BURST = 5  # the emulator's budget: RATE per second, up to BURST at once
PROCESSES = 3
CONCURRENCY = 4
FULL_SECONDS = 20.0
SMOKE_SECONDS = 1.5
FULL_ACQUIRES = 20_000
SMOKE_ACQUIRES = 300
BARRIER_SECONDS = 120.0  # how long children may take to start, import and connect


async def acquire_child(kind: str, n: int, redis_url: str | None) -> dict[str, Any]:
    """Child: µs per acquire (or reserve) of one pacer, at a rate where nothing waits."""
    from extend_async.bulk.limits import AdaptiveRate
    from extend_async.ratelimit import LocalRateLimiter, RedisRateLimiter

    huge = 1e9
    if kind == "bulk_pacer":
        pacer = AdaptiveRate(huge)
        start = time.perf_counter()
        for _ in range(n):
            pacer.reserve(time.monotonic())
        wall = time.perf_counter() - start
    else:
        limiter: Any
        if kind == "local":
            limiter = LocalRateLimiter(huge, burst=1_000_000)
        else:
            assert redis_url is not None
            limiter = RedisRateLimiter(
                redis_url, namespace=f"bench-{time.time_ns()}", rate=huge, burst=1_000_000
            )
        for _ in range(50):  # warm-up: the connection, the script cache
            await limiter.acquire("GET")
        start = time.perf_counter()
        for _ in range(n):
            await limiter.acquire("GET")
        wall = time.perf_counter() - start
        if kind == "redis":
            await limiter.aclose()
    return {"kind": kind, "n": n, "us_per_request": wall / n * 1e6}


async def goodput_child(
    base_url: str,
    api_key: str,
    run_id: str,
    kind: str,
    redis_url: str | None,
    namespace: str,
    barrier: str,
    seconds: float,
) -> dict[str, Any]:
    """Child: ``CONCURRENCY`` tasks GET one run until the window closes; answers counted.

    The window opens at the time the parent writes to ``barrier``/go once every child has
    said it is connected, so every process runs over the same seconds.
    """

    from extend_async import AsyncExtend, RateLimitError
    from extend_async.ratelimit import LocalRateLimiter, RedisRateLimiter

    limiter: Any = (
        RedisRateLimiter(redis_url, namespace=namespace, rate=RATE)
        if kind == "redis" and redis_url is not None
        else LocalRateLimiter(RATE)
    )
    ok = refused = 0
    end_at = 0.0

    async def worker(client: AsyncExtend) -> None:
        nonlocal ok, refused
        while time.time() < end_at:
            try:
                await client.classify_runs.get(run_id)
            except RateLimitError:
                continue  # counted by on_response
            if time.time() <= end_at:
                ok += 1

    def on_response(event: Any) -> None:
        nonlocal refused
        if event.status == 429:
            refused += 1

    async with AsyncExtend(
        api_key,
        base_url=base_url,
        rate_limiter=limiter,
        max_retries=0,
        on_response=on_response,
    ) as client:
        await client.classify_runs.get(run_id)  # connected before the window opens
        await limiter.penalize("GET", 0.0)  # the limiter connected too (changes nothing)
        Path(barrier, f"ready-{os.getpid()}").touch()
        go = Path(barrier, "go")
        deadline = time.monotonic() + BARRIER_SECONDS
        # Another process writes it: a file polled, not an event of this loop.
        while not go.exists() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        start_at = float(go.read_text())
        end_at = start_at + seconds
        await asyncio.sleep(max(0.0, start_at - time.time()))
        tasks = [asyncio.create_task(worker(client)) for _ in range(CONCURRENCY)]
        # Tasks waiting for a slot past the window are stopped: the window is what counts.
        await asyncio.wait(tasks, timeout=max(0.0, end_at - time.time()) + 0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if kind == "redis":
        await limiter.aclose()
    degraded = bool(getattr(limiter, "degraded", False))
    return {
        "ok": ok,
        "refused_429": refused,
        "limiter": type(limiter).__name__,
        "fell_back": degraded,
    }


def _open_when_ready(barrier: Path) -> None:
    """Writes the window's start time once every child is connected."""
    deadline = time.monotonic() + BARRIER_SECONDS
    while len(list(barrier.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    (barrier / "go.tmp").write_text(repr(time.time() + 0.2))
    (barrier / "go.tmp").rename(barrier / "go")


def _goodput(kind: str, seconds: float, redis_url: str | None) -> dict[str, Any]:
    from extend_async.testing import ExtendEmulator, RateLimit

    budget = {"GET": RateLimit(RATE, burst=BURST)}
    with (
        ExtendEmulator(org_rate_limits=budget).run_in_thread() as emu,
        tempfile.TemporaryDirectory(prefix="extend-bench-") as barrier,
    ):
        [run_id] = emu.seed_runs(1)
        namespace = f"bench-{time.time_ns()}"  # one for every process: one budget
        opener = threading.Thread(target=_open_when_ready, args=(Path(barrier),), daemon=True)
        opener.start()
        results = run_children(
            [
                (
                    "limiter:goodput_child",
                    {
                        "base_url": emu.base_url,
                        "api_key": emu.api_key,
                        "run_id": run_id,
                        "kind": kind,
                        "redis_url": redis_url,
                        "namespace": namespace,
                        "barrier": barrier,
                        "seconds": seconds,
                    },
                )
                for _ in range(PROCESSES)
            ]
        )
        opener.join()
    ok = sum(r["ok"] for r in results)
    fell_back = sum(r["fell_back"] for r in results)
    refused = sum(r["refused_429"] for r in results)
    answers = ok + refused
    return {
        "kind": kind,
        "processes": PROCESSES,
        "seconds": seconds,
        "ok": ok,
        "refused_429": refused,
        "processes_fell_back": fell_back,
        # What the server could serve in the window: its rate, and its burst once.
        "of_budget": ok / (RATE * seconds + BURST),
        "share_429": refused / answers if answers else 0.0,
    }


def rows(smoke: bool) -> list[Row]:
    from extend_async.testing._redis_server import RedisServer, find_redis_server

    n = SMOKE_ACQUIRES if smoke else FULL_ACQUIRES
    seconds = SMOKE_SECONDS if smoke else FULL_SECONDS
    bulk = run_child("limiter:acquire_child", kind="bulk_pacer", n=n, redis_url=None)
    local = run_child("limiter:acquire_child", kind="local", n=n, redis_url=None)
    local_goodput = _goodput("local", seconds, None)
    binary = find_redis_server()
    redis: dict[str, Any] | None = None
    shared: dict[str, Any] | None = None
    if binary is not None:
        server = RedisServer(binary)
        server.start()
        try:
            redis = run_child("limiter:acquire_child", kind="redis", n=n, redis_url=server.url)
            shared = _goodput("redis", seconds, server.url)
        finally:
            server.close()
    missing = "n/a (no redis-server: scripts/ensure_redis_server.sh installs Debian's)"
    budget = f"{PROCESSES} processes, one budget of {RATE:g} GET/s, {seconds:g} s"
    return [
        Row(
            key="limiter.bulk_pacer_us",
            workload="limiter overhead: bulk engine's local pacer, µs/request",
            unit="µs",
            ours=bulk["us_per_request"],
            details=bulk,
        ),
        Row(
            key="limiter.local_us",
            workload="limiter overhead: LocalRateLimiter.acquire, µs/request",
            unit="µs",
            ours=local["us_per_request"],
            details=local,
        ),
        Row(
            key="limiter.redis_us",
            workload="limiter overhead: RedisRateLimiter.acquire (loopback), µs/request",
            unit="µs",
            ours=None if redis is None else redis["us_per_request"],
            note="" if redis is not None else missing,
            details=redis or {},
        ),
        Row(
            key="limiter.redis_goodput",
            workload=f"shared budget, Redis: {budget}: % of budget",
            unit="%",
            ours=None if shared is None else shared["of_budget"] * 100,
            goals=(Goal("value", ">=", 95),),
            note="" if shared is not None else missing,
            details=shared or {},
        ),
        Row(
            key="limiter.redis_429",
            workload="  same run: % of answers 429",
            unit="%",
            ours=None if shared is None else shared["share_429"] * 100,
            goals=(Goal("value", "<=", 1),),
            note="" if shared is not None else missing,
        ),
        Row(
            key="limiter.local_goodput",
            workload=f"each process paced alone: {budget}: % of budget",
            unit="%",
            ours=local_goodput["of_budget"] * 100,
            note=f"{local_goodput['share_429'] * 100:.1f}% of answers 429",
            details=local_goodput,
        ),
    ]


if __name__ == "__main__":
    for row in rows("--smoke" in sys.argv):
        print(row.workload, row.ours, row.note)
