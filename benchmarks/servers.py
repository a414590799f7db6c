"""How much the servers themselves can answer, so neither is ever the bottleneck unseen.

Raw aiohttp clients (concurrency 64 each) cancel against the emulator from one and from
two client processes at once, and against the static server from one. Reported: the
answers per second over the span of the timed sections, and the server's own CPU per
answer (its ``time.process_time``, read through its control port). A last pair of rows
runs a mixed workload against the emulator from one process: create a run of one of six
kinds in turn (classify, extract, split, parse, workflow, verify), get it, then cancel it
(a parse run: list the first page of parse runs), next to the classify-only figure above.
The last pair runs our client: ``classify_runs.cancel`` of classify runs, then
``runs.cancel`` of a workspace of six kinds, against one emulator process.
"""

from __future__ import annotations

from typing import Any

from ._common import Row, run_child, run_children
from ._seeding import seed_ids
from ._servers import ServerProcess

__all__ = ["rows"]

FULL_N = 5000
SMOKE_N = 50
CONCURRENCY = 64


def _load(kind: str, clients: int, n: int) -> dict[str, Any]:
    warmup = max(n // 20, 5)
    with ServerProcess(kind) as server:
        calls = [
            (
                "_clients:async_cancel",
                {
                    "client": "raw",
                    "ids_path": seed_ids(server, n + warmup),
                    "warmup": warmup,
                    "concurrency": CONCURRENCY,
                    **server.as_kwargs(),
                },
            )
            for _ in range(clients)
        ]
        results = run_children(calls)
    for result in results:
        if result["errors"]:
            raise RuntimeError(f"{kind}: {result['errors']} requests failed")
    span = max(r["at"][1] for r in results) - min(r["at"][0] for r in results)
    server_cpu = max(r["server_cpu_at"][1] for r in results) - min(
        r["server_cpu_at"][0] for r in results
    )
    total = sum(r["n"] for r in results)
    return {
        "kind": kind,
        "clients": clients,
        "n": total,
        "req_s": total / span,
        "server_cpu_us": server_cpu / total * 1e6,
        "client_cpu_us": [r["cpu_us"] for r in results],
    }


def rows(smoke: bool) -> list[Row]:
    """Workload 7."""
    n = SMOKE_N if smoke else FULL_N
    out = []
    for kind, clients in (("emulator", 1), ("emulator", 2), ("static", 1)):
        result = _load(kind, clients, n)
        plural = "es" if clients > 1 else ""
        label = f"{kind} capacity, raw aiohttp @64 from {clients} process{plural}"
        out += [
            Row(
                key=f"server.{kind}_{clients}.req_s",
                workload=f"{label}: req/s",
                unit="req/s",
                ours=result["req_s"],
                details=result,
            ),
            Row(
                key=f"server.{kind}_{clients}.cpu_us",
                workload=f"{label}: server CPU µs/req",
                unit="µs",
                ours=result["server_cpu_us"],
            ),
        ]
    out += _mixed_rows(SMOKE_MIXED if smoke else FULL_MIXED)
    out += _kinds_rows(SMOKE_N if smoke else FULL_N)
    return out


# ``client.runs.cancel`` over runs of every kind that can be cancelled, in turn.
KINDS = ("classify", "extract", "split", "workflow", "verify", "processor")


def _kinds_rows(n: int) -> list[Row]:
    """Our client's cancels at concurrency 64 against the emulator: classify runs through
    ``client.classify_runs.cancel``, then a mixed workspace through ``client.runs.cancel``
    (each id's kind from its prefix), on the same server process."""
    warmup = max(n // 20, 6)
    results = {}
    with ServerProcess("emulator") as server:
        for label, client, kinds in (
            ("classify", "ours", ()),
            ("kinds", "ours-runs", KINDS),
        ):
            results[label] = run_child(
                "_clients:async_cancel",
                client=client,
                ids_path=seed_ids(server, n + warmup, kinds),
                warmup=warmup,
                concurrency=CONCURRENCY,
                **server.as_kwargs(),
            )
            if results[label]["errors"]:
                raise RuntimeError(f"{label}: {results[label]['errors']} cancels failed")
    classify, mixed = results["classify"], results["kinds"]
    label = f"ours, async cancel ×{n} @64 (emulator)"
    return [
        Row(
            key="server.emulator_ours_classify.req_s",
            workload=f"{label}, classify runs: req/s",
            unit="req/s",
            ours=classify["req_s"],
            note=f"server CPU {classify['server_cpu_s'] / classify['n'] * 1e6:.0f} µs/req",
            details=classify,
        ),
        Row(
            key="server.emulator_ours_kinds.req_s",
            workload=f"{label}, 6 kinds via client.runs: req/s",
            unit="req/s",
            ours=mixed["req_s"],
            note=f"{mixed['req_s'] / classify['req_s']:.2f}× the classify figure; server CPU "
            f"{mixed['server_cpu_s'] / mixed['n'] * 1e6:.0f} µs/req; kinds: {', '.join(KINDS)}",
            details=mixed,
        ),
    ]


FULL_MIXED = 2000
SMOKE_MIXED = 30


def _mixed_rows(units: int) -> list[Row]:
    warmup = max(units // 20, 6)
    with ServerProcess("emulator") as server:
        (result,) = run_children(
            [
                (
                    "_clients:mixed",
                    {
                        "n": units,
                        "warmup": warmup,
                        "concurrency": CONCURRENCY,
                        **server.as_kwargs(),
                    },
                )
            ]
        )
    if result["errors"]:
        raise RuntimeError(f"mixed workload: {result['errors']} units failed")
    label = "emulator capacity, mixed kinds (create, get, cancel) raw aiohttp @64"
    return [
        Row(
            key="server.emulator_mixed.req_s",
            workload=f"{label}: req/s",
            unit="req/s",
            ours=result["req_s"],
            note=f"{result['units']} units of 3 requests across 6 run kinds",
            details=result,
        ),
        Row(
            key="server.emulator_mixed.cpu_us",
            workload=f"{label}: server CPU µs/req",
            unit="µs",
            ours=result["server_cpu_s"] / result["n"] * 1e6,
        ),
    ]
