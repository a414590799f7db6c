"""``extend-client demo``: thousands of runs cancelled through faults and a rate limit.

It starts an emulator in a background thread, seeds PROCESSING runs, turns on faults
(lost responses, connection resets, 502 pages, 500s) and a rate limit, then runs
``extend-client cancel --from-file runs.txt`` against it (the same code path as from a
shell; a file of ids, so the progress bar knows the total), checks on the emulator's side
that every run is CANCELLED, and finally cancels one more run with the blocking client,
``extend_sync.Extend``.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ._common import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from ..testing import ExtendEmulator

__all__ = ["demo_command"]


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
        ids = emulator.seed_runs(args.runs)
        say(f"Local Extend emulator at {emulator.base_url} with {len(ids)} PROCESSING runs,")
        say(
            f"{args.fault_rate:.0%} of requests failing (lost responses, connection resets, "
            f"502 pages, 500s) and a rate limit of {args.rate_limit:g} requests/s."
        )
        say()
        with tempfile.TemporaryDirectory(prefix="extend-demo-") as folder:
            ids_file = Path(folder) / "runs.txt"
            ids_file.write_text("".join(f"{run_id}\n" for run_id in ids), encoding="utf-8")
            say(f"$ extend-client cancel --from-file runs.txt --concurrency 32   # {len(ids)} ids")
            status = main(
                [
                    "--base-url", emulator.base_url, "--api-key", emulator.api_key,
                    "cancel", "--from-file", str(ids_file), "--concurrency", "32",
                ]
            )  # fmt: skip
        states = Counter(emulator.runs[run_id].status for run_id in ids)
        cancelled = states.get("CANCELLED", 0)
        verified = cancelled == len(ids)
        say()
        say(
            f"Emulator check: {cancelled} of {len(ids)} runs are CANCELLED"
            + (" - every run accounted for." if verified else f" ({dict(states)}).")
        )
        synced = _cancel_one_with_the_sync_client(emulator, say)
        say()
        say("Try it yourself (in a checkout, after `source .venv/bin/activate`):")
        say("  extend-client emulator --port 8080 --seed-runs 3000 --rate-limit 200 \\")
        say("      --lost-response-rate 0.05 --reset-rate 0.05 --bad-gateway-rate 0.05")
        say(
            "  EXTEND_API_KEY=sk_test_emulator extend-client --base-url "
            "http://127.0.0.1:8080 cancel --status PROCESSING --yes"
        )
    finally:
        emulator.stop_thread()
    return EXIT_OK if status == EXIT_OK and verified and synced else EXIT_FAILED


def _cancel_one_with_the_sync_client(emulator: ExtendEmulator, say: Callable[[str], None]) -> bool:
    try:
        from extend_sync import Extend
    except ImportError:  # the blocking facade is optional at this point of the demo
        say("The blocking client (extend_sync) is not installed; skipping its step.")
        return True
    emulator.faults.clear()
    (run_id,) = emulator.seed_runs(1)
    say("")
    say(f">>> Extend(...).classify_runs.cancel({run_id!r})   # the blocking client")
    with Extend(api_key=emulator.api_key, base_url=emulator.base_url) as client:
        run = client.classify_runs.cancel(run_id)
    say(f"ClassifyRun(id={run.id!r}, status={run.status!s}, updated_at={run.updated_at})")
    return str(run.status) == "CANCELLED"
