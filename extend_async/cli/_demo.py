"""``extend-client demo``: a workspace of thousands of runs of every type, stopped through
faults and a rate limit in one command.

It starts an emulator in a background thread, seeds PROCESSING runs of several types
(classify, extract, split, workflow, verify and legacy processor runs, plus parse and
edit runs, which cannot be cancelled), turns on faults (lost responses, connection
resets, 502 pages, 500s) and a rate limit, then runs ``extend-client runs cancel --all
--yes`` against it (the same code path as from a shell), checks on the emulator's side
that every run that can be cancelled is CANCELLED (a workflow run: CANCELLING, then
CANCELLED) and the others are left running, prints the counts per type, and finally
cancels one more run with the blocking client, ``extend_sync.Extend``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from ..resources._run_kinds import RUN_KINDS
from ._common import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from ..testing import ExtendEmulator

__all__ = ["demo_command"]

# The workspace: each type's share of the runs seeded.
MIX = {
    "classify": 0.35,
    "extract": 0.2,
    "split": 0.1,
    "workflow": 0.1,
    "verify": 0.1,
    "processor": 0.05,
    "parse": 0.05,
    "edit": 0.05,
}
# What a run that can be cancelled is after its cancel (a workflow run stops its steps).
STOPPED = frozenset({"CANCELLED", "CANCELLING"})


def demo_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    from ..testing import ExtendEmulator, FaultConfig, RateLimit
    from ._main import main

    if not 0 <= args.fault_rate <= 1:
        raise UsageError(f"--fault-rate must be from 0 to 1, got {args.fault_rate}")
    share = args.fault_rate / 4
    faults = FaultConfig(
        lost_response_rate=share, reset_rate=share, bad_gateway_rate=share, error_rate=share
    )
    emulator = ExtendEmulator(seed=args.seed, rate_limit=RateLimit(args.rate_limit), faults=faults)

    def say(text: str = "") -> None:
        stdout.write(text + "\n")
        stdout.flush()

    emulator.start_in_thread()
    try:
        seeded = _seed(emulator, args.runs)
        total = sum(len(ids) for ids in seeded.values())
        mix = ", ".join(f"{len(ids)} {kind}" for kind, ids in seeded.items())
        say(f"Local Extend emulator at {emulator.base_url} with {total} PROCESSING runs")
        say(f"({mix}),")
        say(
            f"{args.fault_rate:.0%} of requests failing (lost responses, connection resets, "
            f"502 pages, 500s) and a rate limit of {args.rate_limit:g} requests/s."
        )
        say()
        say("$ extend-client runs cancel --all --yes --concurrency 32   # every type, at once")
        status = main(
            [
                "--base-url", emulator.base_url, "--api-key", emulator.api_key,
                "runs", "cancel", "--all", "--yes", "--concurrency", "32",
            ]
        )  # fmt: skip
        emulator.faults.clear()
        verified = _check(emulator, seeded, say)
        synced = _cancel_one_with_the_sync_client(emulator, say)
        say()
        say("Try it yourself (in a checkout, after `source .venv/bin/activate`):")
        say("  extend-client emulator --port 8080 --seed-runs 3000 --rate-limit 200 \\")
        say("      --lost-response-rate 0.05 --reset-rate 0.05 --bad-gateway-rate 0.05")
        say(
            "  EXTEND_API_KEY=sk_test_emulator extend-client --base-url "
            "http://127.0.0.1:8080 runs cancel --all --dry-run"
        )
    finally:
        emulator.stop_thread()
    return EXIT_OK if status == EXIT_OK and verified and synced else EXIT_FAILED


def _seed(emulator: ExtendEmulator, runs: int) -> dict[str, list[str]]:
    """``runs`` PROCESSING runs, shared out by ``MIX`` (classify takes what rounding left)."""
    counts = {kind: int(runs * part) for kind, part in MIX.items()}
    counts["classify"] += runs - sum(counts.values())
    return {kind: emulator.seed_runs(n, kind=kind) for kind, n in counts.items() if n}


def _check(
    emulator: ExtendEmulator, seeded: dict[str, list[str]], say: Callable[[str], None]
) -> bool:
    """On the emulator's side: each type's runs stopped, or left running when that type
    cannot be cancelled. A line per type."""
    say("")
    say("Emulator check, per type:")
    width = max(len(kind) for kind in seeded)
    verified = True
    for kind, ids in seeded.items():
        states = Counter(emulator.run_status(run_id) for run_id in ids)
        if RUN_KINDS[kind].cancellable:
            stopped = sum(n for state, n in states.items() if state in STOPPED)
            ok = stopped == len(ids)
            line = f"{stopped} of {len(ids)} stopped"
        else:
            running = states.get("PROCESSING", 0)
            ok = running == len(ids)
            line = f"{running} of {len(ids)} left PROCESSING (cannot be cancelled)"
        detail = ", ".join(f"{n} {state}" for state, n in sorted(states.items(), key=str))
        say(f"  {kind:<{width}}  {line}  [{detail}]" + ("" if ok else "  <- not as expected"))
        verified = verified and ok
    total = sum(len(ids) for ids in seeded.values())
    say(
        f"Every one of the {total} runs accounted for."
        if verified
        else "Some runs did not end as expected (see above)."
    )
    return verified


def _cancel_one_with_the_sync_client(emulator: ExtendEmulator, say: Callable[[str], None]) -> bool:
    try:
        from extend_sync import Extend
    except ImportError:  # the blocking facade is optional at this point of the demo
        say("The blocking client (extend_sync) is not installed; skipping its step.")
        return True
    (run_id,) = emulator.seed_runs(1)
    say("")
    say(f">>> Extend(...).classify_runs.cancel({run_id!r})   # the blocking client")
    with Extend(api_key=emulator.api_key, base_url=emulator.base_url) as client:
        run = client.classify_runs.cancel(run_id)
    say(f"ClassifyRun(id={run.id!r}, status={run.status!s}, updated_at={run.updated_at})")
    return str(run.status) == "CANCELLED"
