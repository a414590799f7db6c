"""Chaos: ``cancel_many`` through an independent fault-injecting server.

Every id must end with exactly the outcome the server's own ledger says is true: a run
whose cancel took effect (even behind a lost answer, a reset or a 502) is ``cancelled``, a
run that had finished is ``already_terminal`` with its real status, an unknown id is
``not_found``. Where retries are generous a ``failed`` outcome is always wrong; where they
may run out (``may_fail``), ``failed`` is right only for a run no cancel reached, or one
the client asked for and never got an answer about.

The CI variants run a few seeds in a few seconds each: one with generous retries, one
where half the attempts fail, some hanging until the per-attempt timeout after the
cancel took effect, and ids run out of retries. The soak variant
(``EXTEND_CHAOS_RUNS=20 pytest -s tests/bulk/test_chaos.py -k soak``) runs the report's
full-size operation (3,000 running runs, 100 finished, 50 unknown ids, 20 repeats,
``concurrency=32``, 8 retries) many times against the server in a process of its own,
with CPU-hog processes running, random delays in the server, slow answers longer than
the per-attempt timeout and answers that never come (see the ``EXTEND_CHAOS_*`` settings
below). Every run is bounded in time.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest

from extend_async import (
    APIConnectionError,
    AsyncExtend,
    BulkCancelResult,
    OutcomeKind,
    RetryPolicy,
)

from ._chaos import KINDS, ChaosServer, Ledger, chaos_server, ledgers_from_json, namespace_of

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


def expected(ledger: Ledger, id: str = "clr_") -> tuple[OutcomeKind, str | None]:
    if ledger.initial is None:
        return K.NOT_FOUND, None
    if ledger.initial in ("PENDING", "PROCESSING"):
        return K.CANCELLED, KINDS[namespace_of(id) or "classify_runs"].cancelled
    return K.ALREADY_TERMINAL, ledger.initial


def answered_gets(ledger: Ledger) -> int:
    """GETs of the id the server answered with the run (or a 404)."""
    return sum(kind in ("ok", "slow") for kind in ledger.gets)


def wrong_outcomes(
    server: ChaosServer, ids: list[str], result: BulkCancelResult, *, may_fail: bool = False
) -> list[str]:
    """Every id whose outcome is not what the server's ledger says happened.

    With ``may_fail`` (retries may run out), ``failed`` is right only when the client could
    not know better: no cancel of that run took effect, or the client asked for the run
    and the server never answered. A ``failed`` run the server had cancelled, without the
    run being asked for, or whose state the server told, is wrong.
    """
    problems = []
    assert [o.id for o in result.outcomes] == ids
    for outcome in result.outcomes:
        ledger = server.ledgers[outcome.id]
        kind, status = expected(ledger, outcome.id)
        applied = ledger.applied_by is not None
        honest_failure = (
            may_fail
            and outcome.kind is K.FAILED
            and outcome.error is not None
            and ledger.initial == "PROCESSING"
            and (not applied or (bool(ledger.gets) and not answered_gets(ledger)))
        )
        wrong = outcome.kind is not kind or outcome.status != status
        if not honest_failure and (wrong or applied != (kind is K.CANCELLED)):
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
    max_retries: int = RETRIES,
    fault_rate: float = 0.3,
    hang_rate: float = 0.0,
) -> tuple[ChaosServer, list[str], BulkCancelResult]:
    server = ChaosServer(
        seed=seed,
        jitter=jitter,
        throttle_rate=throttle_rate,
        fault_rate=fault_rate,
        hang_rate=hang_rate,
    )
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
            max_retries=max_retries,
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


# Across kinds: the id's prefix says which; parse and edit runs cannot be cancelled.
CANCELLABLE_PREFIXES = ("clr_", "exr_", "splr_", "workflow_run_", "vr_", "dpr_")
UNCANCELLABLE_PREFIXES = ("pr_", "edr_")


def mixed_ids(seed: int, processing: int, processed: int, unknown: int, repeats: int) -> list[str]:
    """``ids_for`` with each id given the prefix of a kind, drawn from ``seed``; plus a
    few ids of kinds that cannot be cancelled (they must fail without a request)."""
    draw = random.Random(f"kinds:{seed}")
    mixed = [draw.choice(CANCELLABLE_PREFIXES) + i.removeprefix("clr_") for i in dict.fromkeys(
        ids_for(seed, processing, processed, unknown, 0))]  # fmt: skip
    mixed += [f"{prefix}never{seed}x{i}" for prefix in UNCANCELLABLE_PREFIXES for i in range(5)]
    mixed += draw.sample(mixed, repeats)
    draw.shuffle(mixed)
    return mixed


async def run_mixed_chaos(
    seed: int, **settings: Any
) -> tuple[ChaosServer, list[str], BulkCancelResult]:
    fault_rate = settings.pop("fault_rate", 0.3)
    hang_rate = settings.pop("hang_rate", 0.0)
    server = ChaosServer(seed=seed, jitter=0.003, fault_rate=fault_rate, hang_rate=hang_rate)
    ids = mixed_ids(seed, processing=120, processed=24, unknown=10, repeats=10)
    server.add([i for i in ids if "_run" in i and "never" not in i], "PROCESSING")
    server.add([i for i in ids if "_done" in i], "PROCESSED")
    async with (
        chaos_server(server),
        AsyncExtend("sk_chaos", base_url=server.base_url, retry_policy=POLICY) as client,
    ):
        result = await client.runs.cancel_many(
            ids, concurrency=32, max_rate=1000.0, **{"max_retries": RETRIES, **settings}
        )
    return server, ids, result


def mixed_problems(
    server: ChaosServer, ids: list[str], result: BulkCancelResult, *, may_fail: bool = False
) -> list[str]:
    """Every id accounted for exactly once, with the outcome the ledger says is true; the
    ids of kinds that cannot be cancelled ``failed``, never sent."""
    assert [o.id for o in result.outcomes] == ids
    never = [o for o in result.outcomes if o.id.startswith(UNCANCELLABLE_PREFIXES)]
    problems = [
        f"{o.id}: {o.kind} {o.error!r} attempts={o.attempts}"
        for o in never
        if o.kind is not K.FAILED or o.attempts or "cannot be cancelled" not in str(o.error)
    ]
    problems += [f"{i}: the server saw it" for i in {o.id for o in never} & set(server.ledgers)]
    rest = [o for o in result.outcomes if not o.id.startswith(UNCANCELLABLE_PREFIXES)]
    sent = BulkCancelResult(outcomes=rest, elapsed=result.elapsed)
    problems += wrong_outcomes(server, [o.id for o in rest], sent, may_fail=may_fail)
    kinds = {o.run_kind for o in result.outcomes}
    if kinds != {
        "classify",
        "extract",
        "split",
        "workflow",
        "verify",
        "processor",
        "parse",
        "edit",
    }:
        problems.append(f"run kinds {kinds}")
    if sum(c.total for c in result.counts_by_kind.values()) != len(ids):
        problems.append(f"counts by kind {result.counts_by_kind}")
    return problems


@pytest.mark.parametrize("seed", [21, 22, 23])
async def test_chaos_across_kinds_every_id_is_accounted_for_exactly_once(seed: int) -> None:
    server, ids, result = await run_mixed_chaos(seed)
    assert mixed_problems(server, ids, result) == []
    assert result.stop_reason is None
    for outcome in result.outcomes:
        if outcome.duplicate_of is None and outcome.id in server.ledgers:
            assert outcome.attempts == len(server.ledgers[outcome.id].cancels), outcome
    faults = {kind for ledger in server.ledgers.values() for kind in ledger.cancels}
    assert {"502-after", "reset-before", "lost"} <= faults
    assert faults & {"429", "429-ms"}
    # Workflow runs a cancel reached are CANCELLING (CANCELLED once their steps stop).
    workflows = [o for o in result.outcomes if o.run_kind == "workflow" and o.ok]
    assert {o.status for o in workflows} >= {"CANCELLING"}


async def test_chaos_across_kinds_with_hanging_answers_and_retries_running_out() -> None:
    server, ids, result = await run_mixed_chaos(
        27, fault_rate=0.6, hang_rate=0.3, timeout=0.3, max_retries=2
    )
    assert mixed_problems(server, ids, result, may_fail=True) == []
    assert result.stop_reason is None


@pytest.mark.parametrize("seed", [7, 8])
async def test_chaos_with_hanging_answers_and_retries_running_out(seed: int) -> None:
    # Half the attempts fail; a share of them hang until the per-attempt timeout, after the
    # cancel took effect (the answer is never sent). With 2 retries many ids run out of
    # them: each must still end as the server's ledger says, ``failed`` only when the
    # client could not know better.
    server, ids, result = await run_chaos(
        seed,
        processing=100,
        processed=12,
        unknown=8,
        repeats=8,
        jitter=0.003,
        fault_rate=0.6,
        hang_rate=0.3,
        attempt_timeout=0.3,
        max_retries=2,
    )
    assert wrong_outcomes(server, ids, result, may_fail=True) == []
    assert result.stop_reason is None
    # The case this guards: retries used up after a cancel that took effect, settled as
    # ``cancelled`` by fetching the run (many ids in every seed at this fault rate).
    ran_out = [
        o
        for o in result.outcomes
        if o.duplicate_of is None
        and o.kind is K.CANCELLED
        and len(server.ledgers[o.id].cancels) == 3
        and server.ledgers[o.id].cancels[-1] != "ok"
    ]
    assert ran_out
    assert "hang" in {kind for ledger in server.ledgers.values() for kind in ledger.cancels}


async def scripted(
    server: ChaosServer, ids: list[str], *, max_retries: int = RETRIES, per_attempt: float = 30.0
) -> BulkCancelResult:
    async with (
        chaos_server(server),
        AsyncExtend("sk_chaos", base_url=server.base_url, retry_policy=POLICY) as client,
    ):
        return await client.classify_runs.cancel_many(
            ids, concurrency=4, max_retries=max_retries, timeout=per_attempt
        )


@pytest.mark.parametrize("first", ["lost", "hang", "502-after"])
async def test_retries_used_up_after_a_cancel_took_effect_is_cancelled(first: str) -> None:
    # The first attempt cancelled the run but its answer never arrived (dropped, never
    # sent so the attempt timed out, or a proxy's 502); every retry failed too, until none
    # was left. The run says what happened: it was cancelled (not "failed").
    server = ChaosServer(seed=0, fault_rate=0.0)
    server.add(["clr_a"], "PROCESSING")
    server.scripts = {("clr_a", "POST"): [first, "502-before", "reset-before"]}
    result = await scripted(server, ["clr_a"], max_retries=2, per_attempt=0.5)
    (a,) = result.outcomes
    assert (a.kind, a.status, a.error, a.attempts) == (K.CANCELLED, "CANCELLED", None, 3)
    assert server.ledgers["clr_a"].applied_by == 1
    assert server.ledgers["clr_a"].gets == ["ok"]
    assert wrong_outcomes(server, ["clr_a"], result) == []


async def test_retries_used_up_on_a_finished_run_is_already_terminal() -> None:
    server = ChaosServer(seed=0, fault_rate=0.0)
    server.add(["clr_done"], "PROCESSED")
    server.scripts = {("clr_done", "POST"): ["reset-after", "502-after", "reset-before"]}
    result = await scripted(server, ["clr_done"], max_retries=2)
    (done,) = result.outcomes
    assert (done.kind, done.status, done.error) == (K.ALREADY_TERMINAL, "PROCESSED", None)
    assert wrong_outcomes(server, ["clr_done"], result) == []


async def test_retries_used_up_on_a_run_still_running_is_failed_with_the_last_error() -> None:
    # No attempt reached the run: the fetch finds it PROCESSING, the failure stands.
    server = ChaosServer(seed=0, fault_rate=0.0)
    server.add(["clr_a"], "PROCESSING")
    server.scripts = {("clr_a", "POST"): ["reset-before", "502-before", "reset-before"]}
    result = await scripted(server, ["clr_a"], max_retries=2)
    (a,) = result.outcomes
    assert (a.kind, a.status, a.attempts) == (K.FAILED, "PROCESSING", 3)
    assert isinstance(a.error, APIConnectionError)
    assert server.ledgers["clr_a"].applied_by is None
    assert server.ledgers["clr_a"].gets == ["ok"]


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
# Per-attempt timeout, retries per id (cancel_many's default), CPU-hog processes, the
# share of faults that hang until the timeout, the longest slow answer; the server runs in
# a process of its own unless EXTEND_CHAOS_PROCESS=0.
SOAK_TIMEOUT = float(os.environ.get("EXTEND_CHAOS_TIMEOUT", "0.5"))
SOAK_RETRIES = int(os.environ.get("EXTEND_CHAOS_RETRIES", "8"))
SOAK_HOGS = int(os.environ.get("EXTEND_CHAOS_HOGS", "2"))
SOAK_HANG_RATE = float(os.environ.get("EXTEND_CHAOS_HANG_RATE", "0.1"))
SOAK_SLOW = float(os.environ.get("EXTEND_CHAOS_SLOW", "0.75"))
SOAK_IN_PROCESS = os.environ.get("EXTEND_CHAOS_PROCESS", "1") == "0"
# No soak run may take longer than this, seconds (hogs included).
SOAK_RUN_LIMIT = 600.0
ROOT = Path(__file__).resolve().parent.parent.parent


@contextmanager
def cpu_hogs(count: int, seconds: float) -> Iterator[None]:
    """``count`` processes that spin (each for at most ``seconds``): a busy machine."""
    spin = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@asynccontextmanager
async def server_process(config: dict[str, Any], tmp: Path) -> AsyncIterator[str]:
    """The chaos server in another process; yields its base URL."""
    path = tmp / "chaos.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    process = subprocess.Popen(  # noqa: ASYNC220 (starting it does not block)
        [sys.executable, "-m", "tests.bulk._chaos", str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        with anyio.fail_after(30):
            port = int(await anyio.to_thread.run_sync(process.stdout.readline))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        try:
            await anyio.to_thread.run_sync(partial(process.wait, timeout=30))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def soak_once(
    seed: int, jitter: float, tmp: Path
) -> tuple[ChaosServer, list[str], BulkCancelResult]:
    """The report's operation (3,000 running runs, 100 finished, 50 unknown ids, 20 repeats,
    32 at once), against the server in another process, on a busy machine."""
    ids = ids_for(seed, 3000, 100, 50, 20)
    server = ChaosServer(seed=seed, jitter=jitter, slow=SOAK_SLOW, hang_rate=SOAK_HANG_RATE)
    config = {
        "seed": seed,
        "fault_rate": server.fault_rate,
        "throttle_rate": server.throttle_rate,
        "slow": server.slow,
        "jitter": server.jitter,
        "hang_rate": server.hang_rate,
        "processing": [i for i in ids if i.startswith("clr_run")],
        "processed": [i for i in ids if i.startswith("clr_done")],
    }
    async with server_process(config, tmp) as base_url:
        async with AsyncExtend("sk_chaos", base_url=base_url, retry_policy=POLICY) as client:
            result = await client.classify_runs.cancel_many(
                ids, concurrency=32, max_retries=SOAK_RETRIES, timeout=SOAK_TIMEOUT
            )
        async with aiohttp.ClientSession() as session, session.get(f"{base_url}/_ledgers") as got:
            server.ledgers = ledgers_from_json(await got.json())
    return server, ids, result


@pytest.mark.skipif(not SOAK_RUNS, reason="set EXTEND_CHAOS_RUNS to soak")
@pytest.mark.timeout(0)
async def test_chaos_soak(tmp_path: Path) -> None:
    failures = []
    for run in range(SOAK_RUNS):
        seed = 1000 + run
        jitter = 0.02 * (run % 3)
        with anyio.fail_after(SOAK_RUN_LIMIT), cpu_hogs(SOAK_HOGS, SOAK_RUN_LIMIT):
            if SOAK_IN_PROCESS:
                with busy_interpreter(0.01 * (run % 4)):
                    server, ids, result = await run_chaos(
                        seed, processing=3000, processed=100, unknown=50, repeats=20,
                        jitter=jitter, attempt_timeout=SOAK_TIMEOUT, max_retries=SOAK_RETRIES,
                        hang_rate=SOAK_HANG_RATE,
                    )  # fmt: skip
            else:
                server, ids, result = await soak_once(seed, jitter, tmp_path)
        problems = wrong_outcomes(server, ids, result, may_fail=True)
        failed = result.counts.failed
        print(
            f"seed {seed}: {len(problems)} wrong, {failed} failed, {result.requests} requests, "
            f"{sum(len(ledger.cancels) for ledger in server.ledgers.values())} cancels seen",
            flush=True,
        )
        failures += [f"seed {seed}: {p}" for p in problems]
    assert failures == []
