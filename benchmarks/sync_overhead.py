"""What the sync facade costs per call: the portal crossing alone, and a whole cancel.

``run(n)`` measures, in microseconds per call (best of a few rounds):

- ``crossing_us``: ``Portal.call`` of a no-op coroutine, the hop ``extend_sync`` makes
  (``call_soon_threadsafe`` on the portal's loop, a plain lock to wake the caller);
- ``anyio_call_us`` / ``anyio_start_task_soon_us`` / ``run_coroutine_threadsafe_us``: the
  same hop through ``BlockingPortal.call``, ``start_task_soon(...).result()`` and
  ``asyncio.run_coroutine_threadsafe(...).result()``, for comparison;
- ``async_cancel_us`` / ``sync_cancel_us``: one ``classify_runs.cancel`` after another with
  ``AsyncExtend`` (in one event loop) and with ``extend_sync.Extend``, against the static
  server (a separate process answering every cancel with a full ClassifyRun), and
  ``sync_overhead_us``, their difference.

``python -m benchmarks.sync_overhead [N]`` prints them.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

from anyio.from_thread import start_blocking_portal

from extend_async import AsyncExtend, ExtendError
from extend_sync import Extend
from extend_sync._portal import Portal

from ._servers import ServerProcess

__all__ = ["run"]

ROUNDS = 5


async def _noop() -> None:
    return None


def _best_us(fn: Callable[[], object], n: int, rounds: int = ROUNDS) -> float:
    for _ in range(min(n, 200)):  # warm-up: the loop thread, caches, the connection
        fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def _crossings(n: int) -> dict[str, float]:
    sessions = AsyncExtend(api_key="sk_benchmark")._requester.sessions
    portal = Portal(sessions)
    try:
        crossing = _best_us(lambda: portal.call(_noop), n)
    finally:
        portal.close()
    with start_blocking_portal() as anyio_portal:
        loop = anyio_portal.call(asyncio.get_running_loop)
        anyio_call = _best_us(lambda: anyio_portal.call(_noop), n)
        start_soon = _best_us(lambda: anyio_portal.start_task_soon(_noop).result(), n)
        threadsafe = _best_us(lambda: asyncio.run_coroutine_threadsafe(_noop(), loop).result(), n)
    return {
        "crossing_us": crossing,
        "anyio_call_us": anyio_call,
        "anyio_start_task_soon_us": start_soon,
        "run_coroutine_threadsafe_us": threadsafe,
    }


def _cancels(base_url: str, api_key: str, n: int) -> tuple[float, float]:
    """Best per-call time of async and of sync cancels, their rounds interleaved so that
    both see the same machine load."""
    loop = asyncio.new_event_loop()
    async_client = AsyncExtend(api_key=api_key, base_url=base_url)
    sync_client = Extend(api_key=api_key, base_url=base_url)

    async def async_round(count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            await async_client.classify_runs.cancel("clr_benchmark")
        return time.perf_counter() - start

    def sync_round(count: int) -> float:
        start = time.perf_counter()
        for _ in range(count):
            sync_client.classify_runs.cancel("clr_benchmark")
        return time.perf_counter() - start

    try:
        loop.run_until_complete(async_round(min(n, 200)))
        sync_round(min(n, 200))
        best_async = best_sync = float("inf")
        for _ in range(ROUNDS):
            best_async = min(best_async, loop.run_until_complete(async_round(n)))
            best_sync = min(best_sync, sync_round(n))
    finally:
        sync_client.close()
        loop.run_until_complete(async_client.aclose())
        loop.close()
    return best_async / n * 1e6, best_sync / n * 1e6


def run(n: int = 2000) -> dict[str, Any]:
    """Per-call cost of the portal crossing and of a sync cancel against an async one."""
    result: dict[str, Any] = {"name": "sync_overhead", "n": n, **_crossings(n)}
    with ServerProcess("static") as server:
        try:
            async_us, sync_us = _cancels(server.base_url, server.api_key, n)
        except ExtendError as exc:  # reported, not hidden: the numbers would mean nothing
            raise RuntimeError(f"the static server did not answer as expected: {exc}") from exc
    result.update(
        async_cancel_us=async_us, sync_cancel_us=sync_us, sync_overhead_us=sync_us - async_us
    )
    return result


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for key, value in run(count).items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
