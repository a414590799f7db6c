"""Rows from benchmarks owned by the parts they measure: the sync facade's per-call cost
(``sync_overhead.run(n)``) and receiving a webhook (``webhooks.run(n)``). Each runs in a
child process; a module that is not there yet gives an "n/a" row."""

from __future__ import annotations

import importlib.util

from ._common import Row, run_child

__all__ = ["rows"]


def _present(module: str) -> bool:
    return importlib.util.find_spec(f"benchmarks.{module}") is not None


def rows(smoke: bool) -> list[Row]:
    out = []
    if _present("sync_overhead"):
        result = run_child("sync_overhead:run", n=50 if smoke else 2000)
        out.append(
            Row(
                key="sync_overhead",
                workload="sync facade overhead per cancel (sync − async, sequential): µs",
                unit="µs",
                ours=result["sync_overhead_us"],
                note=f"portal crossing alone {result['crossing_us']:.1f} µs; "
                f"sync cancel {result['sync_cancel_us']:.0f} µs, "
                f"async {result['async_cancel_us']:.0f} µs",
                details=result,
            )
        )
    else:
        out.append(
            Row(
                key="sync_overhead",
                workload="sync facade overhead per cancel: µs",
                unit="µs",
                ours=None,
                note="n/a (benchmarks/sync_overhead.py not available)",
            )
        )
    if _present("webhooks"):
        result = run_child("webhooks:run", n=200 if smoke else 20_000)
        out.append(
            Row(
                key="webhooks.verify_and_parse",
                workload="webhook verify + parse (full ClassifyRun event): µs",
                unit="µs",
                ours=result["verify_and_parse_us"],
                note=f"verify {result['verify_us']:.1f} µs, parse {result['parse_us']:.1f} µs",
                details=result,
            )
        )
    else:
        out.append(
            Row(
                key="webhooks.verify_and_parse",
                workload="webhook verify + parse: µs",
                unit="µs",
                ours=None,
                note="n/a (benchmarks/webhooks.py not available)",
            )
        )
    return out
