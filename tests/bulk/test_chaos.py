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
    attempt_timeout: float = 30.0,
    throttle_rate: float = 0.03,
    max_rate: float | None = 1000.0,
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
            ids,
            concurrency=concurrency,
            max_retries=RETRIES,
            timeout=attempt_timeout,
            max_rate=max_rate,
        )
    return server, ids, result


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_chaos_every_id_gets_the_outcome_the_server_recorded(seed: int) -> None:
    server, ids, result = await run_chaos(
        seed, processing=150, processed=20, unknown=10, repeats=10, jitter=0.003
    )
    assert wrong_outcomes(server, ids, result) == []
    assert result.stop_reason is None
    # The server saw exactly the cancel requests the client counted, id by id.
    for outcome in result.outcomes:
        if outcome.duplicate_of is None:
            assert outcome.attempts == len(server.ledgers[outcome.id].cancels), outcome
    # The faults really happened, and every one of them was met.
    faults = [kind for ledger in server.ledgers.values() for kind in ledger.cancels]
    assert {"429", "429-ms", "502-after", "reset-before", "lost"} <= set(faults)


async def scripted(server: ChaosServer, ids: list[str]) -> BulkCancelResult:
    async with (
        chaos_server(server),
        AsyncExtend("sk_chaos", base_url=server.base_url, retry_policy=POLICY) as client,
    ):
        return await client.classify_runs.cancel_many(ids, concurrency=4, max_retries=RETRIES)


async def test_a_lost_cancel_retried_through_another_ids_pause_then_refused_is_cancelled() -> None:
    # A's first cancel is held on the server while B's 429 sets the shared pause; then it
    # takes effect and its answer is lost. A's retry waits at the gate, meets a 429 of its
    # own (resent, no retry used), then is refused: the run is fetched (through a 429 and
    # a reset) and found CANCELLED, so A's lost attempt did it.
    server = ChaosServer(seed=0, fault_rate=0.0)
    server.add(["clr_a", "clr_b"], "PROCESSING")
    server.scripts = {
        ("clr_a", "POST"): ["hold-lost", "429-ms", "ok"],
        ("clr_a", "GET"): ["429", "reset-before", "ok"],
        ("clr_b", "POST"): ["429-ms", "ok"],
    }
    server.release_on = ("POST", "clr_b", "429-ms")
    result = await scripted(server, ["clr_a", "clr_b"])
    a, b = result.outcomes
    assert (a.kind, a.status, a.error, a.attempts) == (K.CANCELLED, "CANCELLED", None, 3)
    assert (b.kind, b.status, b.attempts) == (K.CANCELLED, "CANCELLED", 2)
    assert server.ledgers["clr_a"].applied_by == 1
    assert server.ledgers["clr_a"].cancels == ["hold-lost", "429-ms", "ok"]
    assert server.ledgers["clr_a"].gets == ["429", "reset-before", "ok"]
    assert wrong_outcomes(server, ["clr_a", "clr_b"], result) == []


async def test_a_finished_run_behind_a_reset_and_a_pause_is_already_terminal() -> None:
    # The reset may have hidden a landed cancel, so the refusal is checked twice (by the
    # cancel's own recovery, then by the settling GET): the run really had finished.
    server = ChaosServer(seed=0, fault_rate=0.0)
    server.add(["clr_done"], "PROCESSED")
    server.add(["clr_run"], "PROCESSING")
    server.scripts = {
        ("clr_done", "POST"): ["hold", "reset-before", "429-none", "ok"],
        ("clr_done", "GET"): ["502-before", "ok", "429-ms", "ok"],
        ("clr_run", "POST"): ["429-ms", "reset-after", "ok"],
    }
    ids = ["clr_done", "clr_run"]
    server.release_on = ("POST", "clr_run", "429-ms")
    result = await scripted(server, ids)
    done, run = result.outcomes
    assert (done.kind, done.status) == (K.ALREADY_TERMINAL, "PROCESSED")
    assert (run.kind, run.status) == (K.CANCELLED, "CANCELLED")
    assert server.ledgers["clr_run"].applied_by == 2
    assert wrong_outcomes(server, ids, result) == []


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
                attempt_timeout=float(os.environ.get("EXTEND_CHAOS_TIMEOUT", "30")),
            )
        problems = wrong_outcomes(server, ids, result)
        print(f"seed {seed}: {len(problems)} wrong, {result.requests} requests", flush=True)
        failures += [f"seed {seed}: {p}" for p in problems]
    assert failures == []
