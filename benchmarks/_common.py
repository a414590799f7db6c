"""What every benchmark shares: result rows with goals, child processes, machine facts."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "ROOT",
    "SEED_PATH",
    "Goal",
    "Row",
    "best",
    "machine",
    "run_child",
    "run_children",
]

ROOT = Path(__file__).resolve().parent.parent
# The ClassifyRun of the reference page (the body of a cancel), ~4.2 KB.
SEED_PATH = Path(__file__).resolve().parent / "data" / "classify_run.json"

Against = Literal["raw", "official", "value"]


@dataclass(frozen=True)
class Goal:
    """``ours <op> factor × against``; ``against="value"`` compares ``ours`` itself."""

    against: Against
    op: Literal[">=", "<="]
    factor: float

    def describe(self) -> str:
        if self.against == "value":
            return f"{self.op.replace('>=', '≥').replace('<=', '≤')} {self.factor:g}"
        return f"{self.op.replace('>=', '≥').replace('<=', '≤')} {self.factor:g}× {self.against}"

    def ratio(self, row: Row) -> float | None:
        if self.against == "value":
            return None
        if self.against == "raw" and row.paired is not None:
            return row.paired
        other = row.raw if self.against == "raw" else row.official
        if row.ours is None or other is None or other == 0:
            return None
        return row.ours / other

    def met(self, row: Row) -> bool | None:
        if row.ours is None:
            return None
        if self.against == "value":
            value: float | None = row.ours
        else:
            value = self.ratio(row)
        if value is None:
            return None
        return value >= self.factor if self.op == ">=" else value <= self.factor


@dataclass
class Row:
    """One line of the table: a measured quantity for ours, the official SDK and raw aiohttp.

    ``None`` means "not measured"; ``note`` says why (e.g. a part not available yet).
    """

    key: str
    workload: str
    unit: str
    ours: float | None
    official: float | None = None
    raw: float | None = None
    goals: tuple[Goal, ...] = ()
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    # Measured in rounds that ran ours and raw one after the other: the median of the
    # rounds' own ours/raw ratios. Goals against raw are judged on it (``throughput``).
    paired: float | None = None

    def ratio_text(self) -> str:
        parts = []
        for goal in self.goals:
            ratio = goal.ratio(self)
            if ratio is None:
                continue
            text = f"{ratio:.2f}× {goal.against}"
            if goal.against == "raw" and self.paired is not None:
                best_rounds = self.ours / self.raw if self.ours and self.raw else None
                text += " paired" if best_rounds is None else f" paired ({best_rounds:.2f}× best)"
            parts.append(text)
        if not self.goals and self.ours is not None:
            for name, other in (("official", self.official), ("raw", self.raw)):
                if other:
                    parts.append(f"{self.ours / other:.2f}× {name}")
        return ", ".join(parts)

    def met(self) -> bool | None:
        """All goals met (True), one missed (False), or nothing to judge (None)."""
        verdicts = [goal.met(self) for goal in self.goals]
        if not verdicts or any(v is None for v in verdicts):
            return None
        return all(verdicts)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["goals"] = [goal.describe() for goal in self.goals]
        data["ratio"] = self.ratio_text()
        data["met"] = self.met()
        return data


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import aiohttp

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "aiohttp": aiohttp.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


CHILD_TIMEOUT = 600.0


def run_child(target: str, /, **kwargs: Any) -> dict[str, Any]:
    """Run ``benchmarks.<module>:<function>(**kwargs)`` in a fresh interpreter.

    Each client gets its own process so nothing it does (imports, event loop, threads,
    allocations) is shared with the server or with another client.
    """
    (result,) = run_children([(target, kwargs)])
    return result


def run_children(calls: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run several children at the same time; their results, in order."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks._child", target, json.dumps(kwargs)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        for target, kwargs in calls
    ]
    results = []
    try:
        for (target, _), proc in zip(calls, procs, strict=True):
            stdout, stderr = proc.communicate(timeout=CHILD_TIMEOUT)
            if proc.returncode != 0:
                raise RuntimeError(f"{target} failed ({proc.returncode}):\n{stderr[-3000:]}")
            lines = stdout.strip().splitlines()
            if not lines:
                raise RuntimeError(f"{target} printed nothing:\n{stderr[-3000:]}")
            results.append(json.loads(lines[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results


def best(results: Sequence[dict[str, Any]], key: str, *, higher: bool) -> float:
    values = [float(r[key]) for r in results]
    return max(values) if higher else min(values)
