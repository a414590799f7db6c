"""Goodput under a rate limit: the emulator allows 25 requests/s per key (token bucket,
burst 25); ``cancel_many`` cancels N runs, with ``max_rate=25`` and without.

Goodput is runs cancelled per second of the whole operation; the 429 share is the
server's 429 answers over all its answers during the operation (from the emulator's own
counters). ``run(n, rate, max_rate)`` returns the figures; ``python -m
benchmarks.goodput [N]`` prints them.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from ._clients import read_ids, server_stats
from ._common import Goal, Row, run_child
from ._seeding import seed_ids
from ._servers import ServerProcess

__all__ = ["cancel_many_child", "rows", "run"]

RATE = 25.0
FULL_N = 500  # 20 s at the limit
SMOKE_N = 30


async def cancel_many_child(
    base_url: str,
    api_key: str,
    control_url: str,
    ids_path: str,
    max_rate: float | None,
    concurrency: int,
) -> dict[str, Any]:
    """Child: one ``cancel_many`` over every id of ``ids_path``."""
    from extend_async import AsyncExtend

    ids = read_ids(ids_path)
    async with AsyncExtend(api_key=api_key, base_url=base_url) as client:
        before = server_stats(control_url)["statuses"]
        start = time.perf_counter()
        result = await client.classify_runs.cancel_many(
            ids, max_rate=max_rate, concurrency=concurrency
        )
        wall = time.perf_counter() - start
        after = server_stats(control_url)["statuses"]
    answers = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    total = sum(answers.values())
    cancelled = sum(1 for outcome in result if str(outcome.kind) == "cancelled")
    return {
        "n": len(ids),
        "cancelled": cancelled,
        "wall_s": wall,
        "goodput_rps": cancelled / wall,
        "answers": answers,
        "requests": total,
        "share_429": answers.get("429", 0) / total if total else 0.0,
    }


def run(n: int = FULL_N, rate: float = RATE, max_rate: float | None = RATE) -> dict[str, Any]:
    """Cancel ``n`` runs under a ``rate``/s limit; ``max_rate=None`` relies on 429s alone."""
    with ServerProcess("emulator", rate_limit=rate) as server:
        ids_path = seed_ids(server, n)
        result = run_child(
            "goodput:cancel_many_child",
            ids_path=ids_path,
            max_rate=max_rate,
            concurrency=16,
            **server.as_kwargs(),
        )
    result.update(limit_rps=rate, max_rate=max_rate, of_limit=result["goodput_rps"] / rate)
    return result


def rows(smoke: bool) -> list[Row]:
    """Workload 6: with max_rate (the goal), and with 429 handling alone (for reference)."""
    n = SMOKE_N if smoke else FULL_N
    paced = run(n, RATE, RATE)
    adaptive = run(n // 2, RATE, None)
    return [
        Row(
            key="goodput.max_rate",
            workload=f"goodput, {n} cancels, limit {RATE:g}/s, max_rate={RATE:g}: % of limit",
            unit="%",
            ours=paced["of_limit"] * 100,
            goals=(Goal("value", ">=", 95),),
            details=paced,
        ),
        Row(
            key="goodput.max_rate_429",
            workload="  same run: % of requests answered 429",
            unit="%",
            ours=paced["share_429"] * 100,
            goals=(Goal("value", "<=", 5),),
        ),
        Row(
            key="goodput.adaptive",
            workload=f"goodput, {n // 2} cancels, limit {RATE:g}/s, no max_rate: % of limit",
            unit="%",
            ours=adaptive["of_limit"] * 100,
            note=f"{adaptive['share_429'] * 100:.1f}% answered 429 (AIMD on 429 alone)",
            details=adaptive,
        ),
    ]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else FULL_N
    for key, value in run(count).items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
