"""``python -m benchmarks [--smoke] [--only SECTION,...] [--json PATH]``

Runs every benchmark, prints one table (workload | ours | official | raw | ratio | goal |
met?) and writes the figures with the machine they came from to
``benchmarks/results/latest.json``. ``--smoke``: tiny sizes, goals not judged. With
``--smoke`` or ``--only`` nothing is written unless ``--json`` is given. Exits 1 if a
section failed to run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from . import (
    deadline,
    decode,
    extras,
    goodput,
    imports,
    limiter,
    memory,
    servers,
    throughput,
    uploads,
)
from ._common import ROOT, Row, machine

SECTIONS: dict[str, Callable[[bool], list[Row]]] = {
    "decode": decode.rows,
    "import": imports.rows,
    "async": throughput.async_cancel_rows,
    "sync": throughput.sync_cancel_rows,
    "memory": memory.rows,
    "upload": uploads.rows,
    "goodput": goodput.rows,
    "limiter": limiter.rows,
    "servers": servers.rows,
    "deadline": deadline.rows,
    "extras": extras.rows,
}

LATEST = ROOT / "benchmarks" / "results" / "latest.json"

_FORMATS = {"req/s": "{:,.0f}", "µs": "{:,.1f}", "ms": "{:,.0f}", "MiB": "{:,.1f}", "%": "{:.1f}"}


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return _FORMATS.get(unit, "{:.3g}").format(value)


def render(rows: list[Row], *, judge: bool) -> str:
    header = ["workload", "ours", "official", "raw", "ratio", "goal", "met?"]
    table = [header]
    for row in rows:
        met = row.met()
        verdict = "—" if met is None or not judge else ("yes" if met else "NO")
        goal = "; ".join(g.describe() for g in row.goals)
        table.append(
            [
                row.workload,
                _cell(row.ours, row.unit),
                _cell(row.official, row.unit),
                _cell(row.raw, row.unit),
                row.ratio_text(),
                goal,
                verdict,
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    aligned = []
    for i, line in enumerate(table):
        cells = [
            cell.ljust(widths[c]) if c in (0, 4, 5) else cell.rjust(widths[c])
            for c, cell in enumerate(line)
        ]
        aligned.append(" | ".join(cells).rstrip())
        if i == 0:
            aligned.append("-+-".join("-" * w for w in widths))
    notes = [f"  {row.workload}: {row.note}" for row in rows if row.note]
    if notes:
        aligned += ["", "notes:", *notes]
    return "\n".join(aligned)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; goals not judged")
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures")
    args = parser.parse_args(argv)
    chosen = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

    if importlib.util.find_spec("extend_ai") is None:
        print("the official SDK is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    info = machine()
    print(
        f"# {info['date']} | {info['nproc']} CPUs, {info['cpu']} | Python {info['python']}"
        f" | aiohttp {info['aiohttp']}{' | SMOKE' if args.smoke else ''}",
        flush=True,
    )
    rows: list[Row] = []
    failures: dict[str, str] = {}
    timings: dict[str, float] = {}
    for name in chosen:
        started = time.perf_counter()
        print(f"... {name}", file=sys.stderr, flush=True)
        try:
            rows += SECTIONS[name](args.smoke)
        except Exception:
            failures[name] = traceback.format_exc()
            print(f"section {name} failed:\n{failures[name]}", file=sys.stderr, flush=True)
        timings[name] = time.perf_counter() - started

    print(render(rows, judge=not args.smoke))
    target = args.json or (None if args.smoke else LATEST)
    if target is not None and not (args.only and target == LATEST):
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": info,
            "smoke": args.smoke,
            "section_seconds": {k: round(v, 1) for k, v in timings.items()},
            "failures": failures,
            "rows": [row.as_json() for row in rows],
        }
        target.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
