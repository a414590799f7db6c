"""The three clients doing the same cancels: ours, the official SDK, and raw aiohttp.

Every function here runs inside a child process (``_common.run_child``) against a server
in another process. Ids come from a file the server wrote when it seeded them; the first
``warmup`` are spent before the clock starts (connections, first-call imports, compiled
hooks). Wall time is ``time.perf_counter``; client CPU is ``time.process_time`` of this
process, every thread included (the sync facade's portal thread, the official SDK's
connection pool).
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

__all__ = ["async_cancel", "emulator_fill", "mixed", "server_stats", "sync_cancel"]

API_VERSION = "2026-02-09"
Call = Callable[[str], Awaitable[object]]


def server_stats(control_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{control_url}/stats", timeout=30) as response:
        stats: dict[str, Any] = orjson.loads(response.read())
    return stats


def read_ids(path: str) -> list[str]:
    return Path(path).read_text().split()


def raw_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}", "x-extend-api-version": API_VERSION}


async def _drive(call: Call, ids: Iterable[str], concurrency: int) -> int:
    """``concurrency`` workers share one iterator of ids; returns how many calls failed."""
    it = iter(ids)
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for run_id in it:
            try:
                await call(run_id)
            except Exception:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return errors


async def _measure(
    call: Call, ids: list[str], warmup: int, concurrency: int, control_url: str
) -> dict[str, Any]:
    warm_errors = await _drive(call, ids[:warmup], concurrency)
    timed = ids[warmup:]
    server_before = server_stats(control_url)["cpu_s"]
    started_at = time.time()
    cpu = time.process_time()
    wall = time.perf_counter()
    errors = await _drive(call, timed, concurrency)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    ended_at = time.time()
    server_after = server_stats(control_url)["cpu_s"]
    return {
        "n": len(timed),
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": server_after - server_before,
        "server_cpu_at": [server_before, server_after],
        "at": [started_at, ended_at],
        "errors": errors + warm_errors,
        "req_s": len(timed) / wall,
        "cpu_us": cpu / len(timed) * 1e6,
    }


async def async_cancel(
    client: str,
    base_url: str,
    api_key: str,
    control_url: str,
    ids_path: str,
    warmup: int,
    concurrency: int,
) -> dict[str, Any]:
    """Cancel every id at ``concurrency`` with one of the three clients."""
    ids = read_ids(ids_path)
    if client == "ours":
        from extend_async import AsyncExtend

        async with AsyncExtend(api_key=api_key, base_url=base_url) as ours:
            return await _measure(ours.classify_runs.cancel, ids, warmup, concurrency, control_url)
    if client == "ours-runs":  # runs of any kind, each sent to its kind's route
        from extend_async import AsyncExtend

        async with AsyncExtend(api_key=api_key, base_url=base_url) as ours:
            return await _measure(ours.runs.cancel, ids, warmup, concurrency, control_url)
    if client == "official":
        from extend_ai import AsyncExtend as OfficialAsyncExtend

        official = OfficialAsyncExtend(token=api_key, base_url=base_url)
        return await _measure(official.classify_runs.cancel, ids, warmup, concurrency, control_url)
    if client == "raw":
        import aiohttp

        headers = raw_headers(api_key)
        connector = aiohttp.TCPConnector(limit=100)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def cancel(run_id: str) -> object:
                url = f"{base_url}/classify_runs/{run_id}/cancel"
                async with session.post(url, headers=headers) as response:
                    body = await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}")
                    return orjson.loads(body)

            return await _measure(cancel, ids, warmup, concurrency, control_url)
    raise ValueError(f"unknown client {client!r}")


def _measure_sync(
    call: Callable[[str], object], ids: list[str], warmup: int, control_url: str
) -> dict[str, Any]:
    errors = 0
    for run_id in ids[:warmup]:
        try:
            call(run_id)
        except Exception:
            errors += 1
    timed = ids[warmup:]
    server_before = server_stats(control_url)["cpu_s"]
    cpu = time.process_time()
    wall = time.perf_counter()
    for run_id in timed:
        try:
            call(run_id)
        except Exception:
            errors += 1
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    return {
        "n": len(timed),
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": server_stats(control_url)["cpu_s"] - server_before,
        "errors": errors,
        "req_s": len(timed) / wall,
        "cpu_us": cpu / len(timed) * 1e6,
    }


def sync_cancel(
    client: str, base_url: str, api_key: str, control_url: str, ids_path: str, warmup: int
) -> dict[str, Any]:
    """Cancel every id one after the other with a blocking client."""
    ids = read_ids(ids_path)
    if client == "ours":
        from extend_sync import Extend  # type: ignore[attr-defined, unused-ignore]

        ours = Extend(api_key=api_key, base_url=base_url)
        try:
            return _measure_sync(ours.classify_runs.cancel, ids, warmup, control_url)
        finally:
            ours.close()
    if client == "official":
        from extend_ai import Extend as OfficialExtend

        official = OfficialExtend(token=api_key, base_url=base_url)
        return _measure_sync(official.classify_runs.cancel, ids, warmup, control_url)
    if client == "raw":
        # The raw baseline for sequential calls: one aiohttp request at a time, in a loop.
        return asyncio.run(async_cancel("raw", base_url, api_key, control_url, ids_path, warmup, 1))
    raise ValueError(f"unknown client {client!r}")


# The mixed workload: one unit = create a run of a kind (rotating), get it, then cancel it
# (or, for a kind that cannot be cancelled, list its kind's first page): 3 requests.
_MIXED_KINDS: tuple[tuple[str, dict[str, Any] | None], ...] = (
    ("classify_runs", {"config": {"classifications": [{"id": "a", "type": "invoice"}]}}),
    ("extract_runs", {"config": {"schema": {"type": "object", "properties": {}}}}),
    ("split_runs", {"config": {"splitClassifications": [{"id": "a", "type": "invoice"}]}}),
    ("parse_runs", {}),
    ("workflow_runs", None),  # needs a workflow: created before the clock
    ("verify_runs", {}),
)
_NOT_CANCELLABLE = frozenset({"parse_runs"})


async def mixed(
    base_url: str, api_key: str, control_url: str, n: int, warmup: int, concurrency: int
) -> dict[str, Any]:
    """``n`` units of the mixed workload across run kinds with raw aiohttp; figures are
    per request (3 per unit)."""
    import aiohttp

    headers = {**raw_headers(api_key), "Content-Type": "application/json"}
    file = {"text": "Invoice Number: INV-1\nTotal: 10\n"}
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(method: str, path: str, body: Any = None) -> Any:
            data = orjson.dumps(body) if body is not None else None
            async with session.request(
                method, base_url + path, data=data, headers=headers
            ) as response:
                raw = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{method} {path}: status {response.status}")
                return orjson.loads(raw)

        workflow = await send("POST", "/workflows", {"name": "bench"})
        bodies = {
            kind: {**(extra or {"workflow": {"id": workflow["id"]}}), "file": file}
            for kind, extra in _MIXED_KINDS
        }
        kinds = [kind for kind, _ in _MIXED_KINDS]

        async def unit(index: str) -> object:
            kind = kinds[int(index) % len(kinds)]
            run = await send("POST", f"/{kind}", bodies[kind])
            await send("GET", f"/{kind}/{run['id']}")
            if kind in _NOT_CANCELLABLE:
                return await send("GET", f"/{kind}?maxPageSize=10")
            return await send("POST", f"/{kind}/{run['id']}/cancel")

        result = await _measure(
            unit, [str(i) for i in range(n + warmup)], warmup, concurrency, control_url
        )
    requests = result["n"] * 3
    return {
        **result,
        "units": result["n"],
        "n": requests,
        "req_s": requests / result["wall_s"],
        "cpu_us": result["cpu_s"] / requests * 1e6,
    }


# Synchronous root calls: each makes a run and finishes it in one request.
_FILL_CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("/classify", {"config": {"classifications": [{"id": "a", "type": "invoice"}]}}),
    ("/extract", {"config": {"schema": {"type": "object", "properties": {}}}}),
    ("/split", {"config": {"splitClassifications": [{"id": "a", "type": "invoice"}]}}),
    ("/parse", {}),
    ("/verify", {}),
)


async def emulator_fill(
    base_url: str, api_key: str, control_url: str, n: int, concurrency: int, checkpoints: int
) -> dict[str, Any]:
    """Make ``n`` finished runs of five kinds in turn through the synchronous root calls
    (raw aiohttp), reading the emulator's resident memory and evictions ``checkpoints``
    times on the way."""
    import aiohttp

    headers = {**raw_headers(api_key), "Content-Type": "application/json"}
    file = {"text": "Invoice Number: INV-1\nTotal: 10\n"}
    bodies = [(path, orjson.dumps({**body, "file": file})) for path, body in _FILL_CALLS]
    marks: list[dict[str, Any]] = [{"runs": 0, **server_stats(control_url)}]
    step = max(n // checkpoints, 1)
    errors = 0
    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def make(index: int) -> None:
            nonlocal errors
            path, body = bodies[index % len(bodies)]
            async with session.post(base_url + path, data=body, headers=headers) as response:
                await response.read()
                errors += response.status != 200

        for start in range(0, n, step):
            await _drive(lambda i: make(int(i)), map(str, range(start, min(start + step, n))),
                         concurrency)  # fmt: skip
            marks.append({"runs": min(start + step, n), **server_stats(control_url)})
    return {
        "n": n,
        "errors": errors,
        "wall_s": time.perf_counter() - started,
        "marks": [{k: m[k] for k in ("runs", "rss_mib", "evicted")} for m in marks],
    }
