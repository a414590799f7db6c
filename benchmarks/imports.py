"""Cold import: wall time of a fresh interpreter running one import statement.

ours: ``from extend_async import AsyncExtend``; official: ``from extend_ai import
AsyncExtend``; raw: ``import aiohttp``; plus ``python -c pass`` (interpreter start-up)
for reference. The statements are run in turn, several times over, and the median of each
is reported. ``details.importtime_top`` lists the heaviest modules under ours, from one
``python -X importtime`` run (cumulative µs).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from ._common import ROOT, Goal, Row

__all__ = ["STATEMENTS", "rows"]

STATEMENTS = {
    "ours": "from extend_async import AsyncExtend",
    "official": "from extend_ai import AsyncExtend",
    "raw": "import aiohttp",
    "startup": "pass",
}


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


def rows(smoke: bool) -> list[Row]:
    """Workload 4."""
    repeats = 1 if smoke else 15
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(repeats):
        for name, statement in STATEMENTS.items():
            samples[name].append(_wall(statement))
    median = {name: statistics.median(values) * 1000 for name, values in samples.items()}
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
                "samples_ms": {k: [round(v * 1000, 1) for v in vs] for k, vs in samples.items()},
                "importtime_top": importtime_top(STATEMENTS["ours"]),
            },
        )
    ]
