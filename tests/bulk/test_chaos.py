"""Chaos: ``cancel_many`` through an independent fault-injecting server.

Every id must end with exactly the outcome the server's own ledger says is true: a run
whose cancel took effect (even behind a lost answer, a reset or a 502) is ``cancelled``, a
run that had finished is ``already_terminal`` with its real status, an unknown id is
``not_found``. Retries are generous, so a ``failed`` outcome is always wrong here.

The CI variant runs a few seeds, with random delays in the server, in a few seconds. The
soak variant (``EXTEND_CHAOS_RUNS=200 pytest tests/bulk/test_chaos.py -k soak``) runs the
full-size operation many times with the timing perturbed by random delays and a thread
that competes for the interpreter.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from extend_async import AsyncExtend, BulkCancelResult, OutcomeKind, RetryPolicy

from ._chaos import ChaosServer, Ledger, chaos_server

K = OutcomeKind
# Real sockets, almost no waiting between retries; enough retries that a run of faults
# never uses them up (0.3 ** 31), so ``failed`` is never a right answer.
POLICY = RetryPolicy(initial_delay=0.001, max_delay=0.004)
RETRIES = 30


def ids_for(seed: int, processing: int, processed: int, unknown: int, repeats: int) -> list[str]:
    draw = random.Random(seed)
    running = [f"clr_run{seed}x{i}" for i in range(processing)]
    finished = [f"clr_done{seed}x{i}" for i in range(processed)]
    missing = [f"clr_none{seed}x{i}" for i in range(unknown)]
    ids = running + finished + missing
    ids += draw.sample(ids, repeats)
    draw.shuffle(ids)
    return ids


def expected(ledger: Ledger) -> tuple[OutcomeKind, str | None]:
    if ledger.initial is None:
        return K.NOT_FOUND, None
    if ledger.initial in ("PENDING", "PROCESSING"):
        return K.CANCELLED, "CANCELLED"
    return K.ALREADY_TERMINAL, ledger.initial


def wrong_outcomes(server: ChaosServer, ids: list[str], result: BulkCancelResult) -> list[str]:
    """Every id whose outcome is not what the server's ledger says happened."""
    problems = []
    assert [o.id for o in result.outcomes] == ids
    for outcome in result.outcomes:
        ledger = server.ledgers[outcome.id]
        kind, status = expected(ledger)
        applied = ledger.applied_by is not None
        if outcome.kind is not kind or outcome.status != status or applied != (kind is K.CANCELLED):
            problems.append(
                f"{outcome.id} (index {outcome.index}): {outcome.kind} {outcome.status} "
                f"error={outcome.error!r}; the server: initial {ledger.initial}, "
                f"cancels {ledger.cancels}, applied by #{ledger.applied_by}, gets {ledger.gets}"
            )
    return problems


async def run_chaos(
    seed: int,
    *,
    processing: int,
    processed: int,
    unknown: int,
    repeats: int,
    concurrency: int = 32,
    jitter: float = 0.0,
    timeout: float = 30.0,
    throttle_rate: float = 0.03,
) -> tuple[ChaosServer, list[str], BulkCancelResult]:
    server = ChaosServer(seed=seed, jitter=jitter, throttle_rate=throttle_rate)
    ids = ids_for(seed, processing, processed, unknown, repeats)
    server.add([i for i in ids if i.startswith("clr_run")], "PROCESSING")
    server.add([i for i in ids if i.startswith("clr_done")], "PROCESSED")
    async with (
        chaos_server(server),
        AsyncExtend("sk_chaos", base_url=server.base_url, retry_policy=POLICY) as client,
    ):
        result = await client.classify_runs.cancel_many(
            ids, concurrency=concurrency, max_retries=RETRIES, timeout=timeout
        )
    return server, ids, result


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_chaos_every_id_gets_the_outcome_the_server_recorded(seed: int) -> None:
    server, ids, result = await run_chaos(
        seed, processing=150, processed=20, unknown=10, repeats=10, jitter=0.003
    )
    assert wrong_outcomes(server, ids, result) == []
    assert result.stop_reason is None
    # The faults really happened, and every one of them was met.
    faults = [kind for ledger in server.ledgers.values() for kind in ledger.cancels]
    assert {"429", "429-ms", "502-after", "reset-before", "lost"} <= set(faults)


@contextmanager
def busy_interpreter(share: float) -> Iterator[None]:
    """A thread that holds the interpreter for bursts: the loop runs late, at random."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            end = time.perf_counter() + random.random() * share
            while time.perf_counter() < end:
                pass
            time.sleep(random.random() * share)

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


SOAK_RUNS = int(os.environ.get("EXTEND_CHAOS_RUNS", "0"))


@pytest.mark.skipif(not SOAK_RUNS, reason="set EXTEND_CHAOS_RUNS to soak")
@pytest.mark.timeout(0)
async def test_chaos_soak() -> None:
    failures = []
    for run in range(SOAK_RUNS):
        seed = 1000 + run
        with busy_interpreter(0.01 * (run % 4)):
            server, ids, result = await run_chaos(
                seed,
                processing=3000,
                processed=100,
                unknown=50,
                repeats=20,
                jitter=0.02 * (run % 3),
                timeout=float(os.environ.get("EXTEND_CHAOS_TIMEOUT", "30")),
            )
        problems = wrong_outcomes(server, ids, result)
        print(f"seed {seed}: {len(problems)} wrong, {result.requests} requests", flush=True)
        failures += [f"seed {seed}: {p}" for p in problems]
    assert failures == []
