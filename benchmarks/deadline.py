"""How well ``cancel_many(ids, deadline=1)`` keeps its deadline over a large in-memory list.

The emulator allows 25 requests/s per key, so about 25 of the ids are cancelled within the
second and the rest are left unread. Overshoot = wall time of the call minus the deadline;
it must not grow with the number of ids left. Reading ``result.counts`` and
``result.outcomes`` afterwards is timed too (their outcomes are made when first read).
``run(n)`` returns the figures; ``python -m benchmarks.deadline [N]`` prints them.

``run_hanging()``: the same deadline against a server that reads every request and never
answers (every connection hangs, the per-attempt timeout is far away): the requests in
flight are cancelled at the deadline, so the overshoot stays as small.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from ._clients import read_ids
from ._common import Goal, Row, run_child
from ._seeding import seed_ids
from ._servers import ServerProcess

__all__ = ["deadline_child", "hanging_child", "rows", "run", "run_hanging"]

DEADLINE = 1.0
RATE = 25.0
LIVE_RUNS = 100  # seeded, so the ids read before the stop really are cancelled
FULL_SIZES = (10_000, 100_000, 1_000_000)
SMOKE_SIZES = (1_000, 10_000)


async def deadline_child(
    base_url: str, api_key: str, control_url: str, ids_path: str, n: int
) -> dict[str, Any]:
    """Child: the seeded ids, then made-up ones up to ``n``, in one list."""
    from extend_async import AsyncExtend

    live = read_ids(ids_path)
    ids = live + [f"clr_unread{i:020d}" for i in range(n - len(live))]
    async with AsyncExtend(api_key=api_key, base_url=base_url) as client:
        start = time.perf_counter()
        result = await client.classify_runs.cancel_many(ids, deadline=DEADLINE, max_rate=RATE)
        wall = time.perf_counter() - start
    start = time.perf_counter()
    counts = result.counts
    counts_s = time.perf_counter() - start
    start = time.perf_counter()
    outcomes = result.outcomes
    outcomes_s = time.perf_counter() - start
    if len(outcomes) != n or counts.total != n or result.stop_reason is None:
        raise RuntimeError(f"{n} ids gave {len(outcomes)} outcomes, {counts}")
    return {
        "n": n,
        "wall_s": wall,
        "overshoot_ms": (wall - DEADLINE) * 1000,
        "counts_read_ms": counts_s * 1000,
        "outcomes_read_ms": outcomes_s * 1000,
        "counts": counts.as_dict(),
    }


async def hanging_child(n: int) -> dict[str, Any]:
    """Child: ``n`` ids against a server in this process that never answers."""
    from extend_async import AsyncExtend

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.read(65536):
                pass
        finally:
            writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    ids = [f"clr_hanging{i:020d}" for i in range(n)]
    try:
        async with AsyncExtend(api_key="sk_bench", base_url=f"http://127.0.0.1:{port}") as client:
            start = time.perf_counter()
            result = await client.classify_runs.cancel_many(
                ids, deadline=DEADLINE, concurrency=32, timeout=3600
            )
            wall = time.perf_counter() - start
    finally:
        server.close()
    counts = result.counts
    if counts.total != n or result.stop_reason is None:
        raise RuntimeError(f"{n} ids gave {counts}")
    return {
        "n": n,
        "wall_s": wall,
        "overshoot_ms": (wall - DEADLINE) * 1000,
        "counts": counts.as_dict(),
    }


def run_hanging(n: int = 1000) -> dict[str, Any]:
    return run_child("deadline:hanging_child", n=n)


def run(n: int) -> dict[str, Any]:
    with ServerProcess("emulator", rate_limit=RATE) as server:
        ids_path = seed_ids(server, min(LIVE_RUNS, n))
        return run_child("deadline:deadline_child", ids_path=ids_path, n=n, **server.as_kwargs())


def rows(smoke: bool) -> list[Row]:
    out = []
    for n in SMOKE_SIZES if smoke else FULL_SIZES:
        result = run(n)
        out.append(
            Row(
                key=f"deadline.overshoot_{n}",
                workload=f"cancel_many(deadline=1 s) over {n:,} in-memory ids: ms past it",
                unit="ms",
                ours=result["overshoot_ms"],
                goals=(Goal("value", "<=", 250),),
                note=f"{result['counts']['cancelled']} cancelled; then result.counts read in "
                f"{result['counts_read_ms']:.0f} ms, result.outcomes in "
                f"{result['outcomes_read_ms']:.0f} ms",
                details=result,
            )
        )
    hanging = run_hanging()
    out.append(
        Row(
            key="deadline.overshoot_hanging",
            workload="cancel_many(deadline=1 s) while every connection hangs: ms past it",
            unit="ms",
            ours=hanging["overshoot_ms"],
            goals=(Goal("value", "<=", 250),),
            note=f"{hanging['counts']['failed']} in flight cancelled (failed, fate unknown), "
            f"{hanging['counts']['not_attempted']} not attempted",
            details=hanging,
        )
    )
    return out


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or FULL_SIZES:
        print(run(size))
