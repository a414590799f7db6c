"""Cold import, and cold start to a first answer: wall time of fresh interpreters.

Import: ours ``from extend_async import AsyncExtend``; official ``from extend_ai import
AsyncExtend``; raw ``import aiohttp``; plus ``python -c pass`` (interpreter start-up) for
reference. First answer: the same imports, then one client, one cancel against the static
server, decoded (what a short script or a CLI pays before its first result). Each program
is run in turn with the others, several times over; the median is reported.
``details.importtime_top`` lists the heaviest modules under ours, from one ``python -X
importtime`` run (cumulative µs). First resource: ours only, the first list of a resource no
earlier line touched (``workflow_runs``), against the emulator: what the lazy resources cost
when they are first used.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

from ._common import ROOT, Goal, Row
from ._servers import ServerProcess

__all__ = ["FIRST_ANSWER", "STATEMENTS", "rows"]

STATEMENTS = {
    "ours": "from extend_async import AsyncExtend",
    "official": "from extend_ai import AsyncExtend",
    "raw": "import aiohttp",
    "startup": "pass",
}


FIRST_ANSWER = {
    "ours": """
import asyncio
from extend_async import AsyncExtend
async def main():
    async with AsyncExtend(api_key=KEY, base_url=URL) as client:
        await client.classify_runs.cancel("clr_cold")
asyncio.run(main())
""",
    "official": """
import asyncio
from extend_ai import AsyncExtend
async def main():
    client = AsyncExtend(token=KEY, base_url=URL)
    await client.classify_runs.cancel("clr_cold")
asyncio.run(main())
""",
    "raw": """
import asyncio, aiohttp, orjson
async def main():
    headers = {"Authorization": f"Bearer {KEY}", "x-extend-api-version": "2026-02-09"}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{URL}/classify_runs/clr_cold/cancel", headers=headers) as r:
            orjson.loads(await r.read())
asyncio.run(main())
""",
}


# A resource no earlier line touched: its module and its models load on this first use.
FIRST_RESOURCE = """
import asyncio
from extend_async import AsyncExtend
async def main():
    async with AsyncExtend(api_key=KEY, base_url=URL) as client:
        await client.workflow_runs.list(max_page_size=1)
asyncio.run(main())
"""


def _wall(statement: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)
    return time.perf_counter() - start


def importtime_top(statement: str, top: int = 12) -> list[tuple[str, int]]:
    """The modules with the largest cumulative import time (µs) under ``statement``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    entries = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            entries.append((parts[2].strip(), int(parts[1])))
    return sorted(entries, key=lambda e: e[1], reverse=True)[:top]


def _medians(programs: dict[str, str], repeats: int) -> tuple[dict[str, float], dict[str, Any]]:
    samples: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(repeats):
        for name, program in programs.items():
            samples[name].append(_wall(program))
    median = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    rounded = {k: [round(v * 1000, 1) for v in vs] for k, vs in samples.items()}
    return median, rounded


def rows(smoke: bool) -> list[Row]:
    """Workload 4."""
    repeats = 1 if smoke else 7
    median, samples = _medians(STATEMENTS, repeats)
    with ServerProcess("static") as server:
        prelude = f"KEY = {server.api_key!r}\nURL = {server.base_url!r}\n"
        programs = {name: prelude + body for name, body in FIRST_ANSWER.items()}
        first, first_samples = _medians(programs, 1 if smoke else 3)
    with ServerProcess("emulator") as server:
        prelude = f"KEY = {server.api_key!r}\nURL = {server.base_url!r}\n"
        untouched, untouched_samples = _medians(
            {"ours": prelude + FIRST_RESOURCE}, 1 if smoke else 3
        )
    return [
        Row(
            key="import.cold",
            workload="cold import of the client: ms (median)",
            unit="ms",
            ours=median["ours"],
            official=median["official"],
            raw=median["raw"],
            goals=(Goal("official", "<=", 0.3),),
            note=f"raw = import aiohttp; bare interpreter start-up {median['startup']:.0f} ms",
            details={
                "repeats": repeats,
                "samples_ms": samples,
                "importtime_top": importtime_top(STATEMENTS["ours"]),
            },
        ),
        Row(
            key="import.first_answer",
            workload="cold start to a first cancel (import, client, 1 request): ms (median)",
            unit="ms",
            ours=first["ours"],
            official=first["official"],
            raw=first["raw"],
            note="against the static server on loopback",
            details={"samples_ms": first_samples},
        ),
        Row(
            key="import.first_resource",
            workload="cold start to a first list of a resource never touched: ms (median)",
            unit="ms",
            ours=untouched["ours"],
            note="client.workflow_runs.list(): its module and models load on first use; emulator",
            details={
                "samples_ms": untouched_samples,
                "importtime_top": importtime_top(
                    "from extend_async import AsyncExtend\n"
                    "AsyncExtend('sk', base_url='http://127.0.0.1:9').workflow_runs"
                ),
            },
        ),
    ]
