"""Peak memory: streaming cancels through ``cancel_iter``, and holding decoded results.

- streaming: a fresh process cancels N emulator runs with ``cancel_iter`` at concurrency
  64, reading the ids lazily from a file and dropping each outcome; its peak RSS
  (``ru_maxrss``) is reported for two N, to show it does not grow with N;
- holding: a fresh process decodes N cancel responses (the reference ClassifyRun, each
  with its own id) the way each client does, keeps them in a list, and reports its peak
  RSS: ours (orjson + the converter), official (``json.loads`` + ``construct_type``,
  the official client's own path) and raw (orjson dicts). No network is involved: this is
  the memory of the results themselves.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

import attrs
import orjson

from ._common import SEED_PATH, Goal, Row, run_child
from ._seeding import seed_ids
from ._servers import ServerProcess

__all__ = ["hold_results", "rows", "stream_cancels"]

STREAM_FULL = (20_000, 200_000)
STREAM_SMOKE = (50, 100)
HOLD_FULL = 20_000
HOLD_SMOKE = 50
CONCURRENCY = 64


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _ids(path: str) -> Iterator[str]:
    with open(path) as lines:
        for line in lines:
            yield line.rstrip("\n")


async def stream_cancels(
    base_url: str, api_key: str, control_url: str, ids_path: str, concurrency: int
) -> dict[str, Any]:
    """Child: cancel every id of ``ids_path`` through ``cancel_iter``; peak RSS in MiB."""
    from extend_async import AsyncExtend

    async with AsyncExtend(api_key=api_key, base_url=base_url) as client:
        before = _peak_mib()
        kinds: Counter[str] = Counter()
        start = time.perf_counter()
        async for outcome in client.classify_runs.cancel_iter(
            _ids(ids_path), concurrency=concurrency
        ):
            kinds[str(outcome.kind)] += 1
        wall = time.perf_counter() - start
    n = sum(kinds.values())
    return {
        "n": n,
        "kinds": dict(kinds),
        "peak_mib": _peak_mib(),
        "before_mib": before,
        "wall_s": wall,
        "req_s": n / wall,
    }


def hold_results(client: str, n: int) -> dict[str, Any]:
    """Child: decode ``n`` responses as ``client`` does and keep them all; peak RSS in MiB."""
    template = orjson.loads(SEED_PATH.read_bytes())
    bodies = (
        orjson.dumps({**template, "id": f"clr_hold{i:017d}"}) for i in range(n)
    )  # generated one at a time: only the decoded results accumulate
    kept: list[object]
    if client == "ours":
        from extend_async._converter import structure_hook_for
        from extend_async.types import ClassifyRun

        hook = structure_hook_for(ClassifyRun)
        # Every field read: nested models are decoded on first read, and until then held
        # as their parsed JSON (closer to raw's dicts); the figure is of typed models.
        read_every_field = attrgetter(*(a.name for a in attrs.fields(ClassifyRun)))
        before = _peak_mib()
        kept = []
        for body in bodies:
            run = hook(orjson.loads(body), ClassifyRun)
            read_every_field(run)
            kept.append(run)
    elif client == "official":
        from extend_ai.core.unchecked_base_model import construct_type
        from extend_ai.types import ClassifyRun as OfficialClassifyRun

        before = _peak_mib()
        kept = [construct_type(type_=OfficialClassifyRun, object_=json.loads(b)) for b in bodies]
    elif client == "raw":
        before = _peak_mib()
        kept = [orjson.loads(body) for body in bodies]
    else:
        raise ValueError(f"unknown client {client!r}")
    assert len(kept) == n
    return {"n": n, "peak_mib": _peak_mib(), "before_mib": before}


def _stream_available() -> bool:
    from extend_async.resources.classify_runs import AsyncClassifyRuns

    return hasattr(AsyncClassifyRuns, "cancel_iter")


EMULATOR_FULL = 100_000
EMULATOR_SMOKE = 500
CHECKPOINTS = 4


def _emulator_row(smoke: bool) -> Row:
    """The emulator's resident memory while ``n`` finished runs of five kinds go through
    it (synchronous root calls), at its default ``max_runs``: what is kept stays bounded,
    the oldest finished runs are evicted."""
    n = EMULATOR_SMOKE if smoke else EMULATOR_FULL
    with ServerProcess("emulator") as server:
        result = run_child(
            "_clients:emulator_fill",
            n=n,
            concurrency=32,
            checkpoints=CHECKPOINTS,
            **server.as_kwargs(),
        )
    if result["errors"]:
        raise RuntimeError(f"emulator memory: {result['errors']} requests failed")
    marks = result["marks"]
    last = marks[-1]
    steps = "; ".join(f"{m['runs']:,} runs {m['rss_mib']:.0f} MiB" for m in marks)
    return Row(
        key="memory.emulator_runs",
        workload=f"emulator RSS after {n:,} runs of 5 kinds (max_runs 20,000): MiB",
        unit="MiB",
        ours=last["rss_mib"],
        note=f"{steps}; evicted {last['evicted']:,}, kept {n - last['evicted']:,}",
        details=result,
    )


def rows(smoke: bool) -> list[Row]:
    """Workload 5."""
    out: list[Row] = []
    sizes = STREAM_SMOKE if smoke else STREAM_FULL
    if _stream_available():
        streamed = {}
        for n in sizes:
            with ServerProcess("emulator") as server:
                ids_path = seed_ids(server, n)
                result = run_child(
                    "memory:stream_cancels",
                    ids_path=ids_path,
                    concurrency=CONCURRENCY,
                    **server.as_kwargs(),
                )
            if result["n"] != n or result["kinds"].get("cancelled") != n:
                raise RuntimeError(f"cancel_iter over {n} ids: {result['kinds']}")
            streamed[n] = result
        small, large = streamed[sizes[0]], streamed[sizes[1]]
        growth = (large["peak_mib"] - small["peak_mib"]) * 2**20 / (sizes[1] - sizes[0])
        for n, result in streamed.items():
            note = (
                f"{result['req_s']:.0f} req/s; RSS before streaming {result['before_mib']:.0f} MiB"
            )
            if n == sizes[1]:
                note += f"; growth {growth:.0f} bytes per further id"
            out.append(
                Row(
                    key=f"memory.cancel_iter_{n}",
                    workload=f"peak RSS streaming {n:,} cancels (cancel_iter @64): MiB",
                    unit="MiB",
                    ours=result["peak_mib"],
                    goals=(Goal("value", "<=", 150),),
                    note=note,
                    details={**result, "growth_bytes_per_id": growth},
                )
            )
    else:
        for n in sizes:
            out.append(
                Row(
                    key=f"memory.cancel_iter_{n}",
                    workload=f"peak RSS streaming {n:,} cancels (cancel_iter @64): MiB",
                    unit="MiB",
                    ours=None,
                    goals=(Goal("value", "<=", 150),),
                    note="n/a (cancel_iter not available)",
                )
            )
    n = HOLD_SMOKE if smoke else HOLD_FULL
    held = {
        client: run_child("memory:hold_results", client=client, n=n)
        for client in ("ours", "official", "raw")
    }
    out.append(
        Row(
            key="memory.hold_results",
            workload=f"peak RSS holding {n:,} decoded ClassifyRuns: MiB",
            unit="MiB",
            ours=held["ours"]["peak_mib"],
            official=held["official"]["peak_mib"],
            raw=held["raw"]["peak_mib"],
            note="decode only, no network; official = json.loads + construct_type",
            details=held,
        )
    )
    out.append(_emulator_row(smoke))
    return out
