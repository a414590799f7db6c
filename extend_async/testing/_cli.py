"""``python -m extend_async.testing``: serve an emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from ..cli._parser import Parser, parse_arguments
from ._emulator import ExtendEmulator
from ._faults import FaultConfig
from ._lifecycle import Lifecycle
from ._ratelimit import RateLimit
from ._records import RUN_STATUSES
from ._settings import DEFAULT_API_KEY, DEFAULT_WORKSPACE_ID, ORG_SCOPE
from ._webhooks import EVENT_TYPES, WebhookConfig

__all__ = [
    "add_arguments",
    "build_parser",
    "emulator_from_args",
    "main",
    "serve",
    "webhooks_from_args",
]

# Read when --webhook-secret is not given, so the secret need not show in `ps`.
WEBHOOK_SECRET_ENV = "EXTEND_WEBHOOK_SECRET"
# How a shell reports a process ended by Ctrl-C (128 + SIGINT); SIGTERM, a service
# manager's way to ask for a stop, is a clean stop: 0.
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options, for embedding as a subcommand of another CLI."""
    net = parser.add_argument_group("server")
    net.add_argument("--host", default="127.0.0.1", help="a loopback address (%(default)s)")
    net.add_argument("--port", type=int, default=8080, help="0 picks a free port (%(default)s)")
    net.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (containers)"
    )

    auth = parser.add_argument_group("keys")
    auth.add_argument("--api-key", default=DEFAULT_API_KEY, help="workspace key (%(default)s)")
    auth.add_argument("--workspace-id", default=DEFAULT_WORKSPACE_ID, help="its workspace")
    auth.add_argument(
        "--org-api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="also accept KEY as an organization key (needs x-extend-workspace-id)",
    )

    data = parser.add_argument_group("data")
    data.add_argument(
        "--seed-runs", type=int, default=0, metavar="N",
        help="N runs of each --seed-kinds kind at start",
    )  # fmt: skip
    data.add_argument(
        "--seed-kinds", type=_seed_kinds, default=("classify",), metavar="KINDS",
        help="the kinds of the seeded runs, comma-separated (classify, extract, split, parse, "
        "workflow, verify, processor, edit, form_detection; default classify)",
    )  # fmt: skip
    data.add_argument(
        "--seed-status",
        default="PROCESSING",
        choices=RUN_STATUSES,
        help="status of seeded runs (default %(default)s)",
    )
    data.add_argument("--seed", type=int, default=None, help="seed for ids, data and faults")
    data.add_argument(
        "--max-upload-bytes",
        type=int,
        default=100 * 1024 * 1024,
        metavar="BYTES",
        help="largest file POST /files/upload accepts (default %(default)s)",
    )
    data.add_argument(
        "--presigned-url-seconds",
        type=float,
        default=900.0,
        metavar="S",
        help="how long a file's presignedUrl works (default %(default)g)",
    )

    life = parser.add_argument_group("run lifecycle")
    life.add_argument("--queue", action="store_true", help="created runs start PENDING")
    life.add_argument("--pending-seconds", type=float, default=None, metavar="S")
    life.add_argument(
        "--processing-seconds",
        type=float,
        default=None,
        metavar="S",
        help="finish runs after S seconds (default: never by themselves)",
    )
    life.add_argument("--failure-rate", type=float, default=0.0, metavar="F")
    life.add_argument(
        "--workflow-outcome",
        choices=("PROCESSED", "NEEDS_REVIEW", "REJECTED", "FAILED"),
        default="PROCESSED",
        help="where finished workflow runs end (%(default)s)",
    )
    life.add_argument(
        "--parse-cancel",
        choices=("refuse", "fail"),
        default="refuse",
        help="a parse run's cancel: refused, or the run FAILED (%(default)s)",
    )
    life.add_argument(
        "--max-runs",
        type=int,
        default=20_000,
        metavar="N",
        help="finished runs kept per group before the oldest go (%(default)s)",
    )

    limits = parser.add_argument_group("rate limit and faults")
    limits.add_argument("--rate-limit", type=float, default=None, metavar="RPS", help="per key")
    limits.add_argument("--burst", type=float, default=None, help="bucket size (default: RPS)")
    limits.add_argument("--error-rate", type=float, default=0.0, metavar="F", help="500 answers")
    limits.add_argument("--bad-gateway-rate", type=float, default=0.0, metavar="F", help="502 HTML")
    limits.add_argument("--reset-rate", type=float, default=0.0, metavar="F", help="resets")
    limits.add_argument(
        "--lost-response-rate", type=float, default=0.0, metavar="F", help="done, then reset"
    )
    limits.add_argument("--latency", type=float, default=0.0, metavar="S", help="added seconds")
    limits.add_argument("--latency-jitter", type=float, default=0.0, metavar="S")

    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument(
        "--webhook-url",
        action="append",
        default=[],
        metavar="URL",
        help="POST signed events to URL (repeatable; loopback only unless "
        "--webhook-allow-remote)",
    )
    hooks.add_argument(
        "--webhook-secret",
        default=None,
        metavar="SECRET",
        help=f"signing secret (wss_...); default: ${WEBHOOK_SECRET_ENV}",
    )
    hooks.add_argument(
        "--webhook-event",
        action="append",
        default=[],
        metavar="TYPE",
        choices=sorted(EVENT_TYPES),
        help="send only these event types (repeatable; default: all)",
    )
    hooks.add_argument(
        "--webhook-payload-format",
        default="json",
        choices=("json", "url"),
        help="'url' sends payloads over --webhook-url-threshold as signed URLs",
    )
    hooks.add_argument("--webhook-url-threshold", type=int, default=0, metavar="BYTES")
    hooks.add_argument(
        "--webhook-allow-remote", action="store_true", help="allow non-loopback webhook URLs"
    )


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = Parser(
        prog=prog or "python -m extend_async.testing",
        description="Serve a local emulator of the Extend API (classify endpoints).",
    )
    add_arguments(parser)
    return parser


def webhooks_from_args(args: argparse.Namespace) -> list[WebhookConfig]:
    if not args.webhook_url:
        return []
    secret = args.webhook_secret or os.environ.get(WEBHOOK_SECRET_ENV)
    if not secret:
        raise ValueError(f"--webhook-url needs --webhook-secret (or ${WEBHOOK_SECRET_ENV})")
    return [
        WebhookConfig(
            url=url,
            secret=secret,
            events=args.webhook_event or None,
            payload_format=args.webhook_payload_format,
            url_threshold_bytes=args.webhook_url_threshold,
            allow_remote=args.webhook_allow_remote,
        )
        for url in args.webhook_url
    ]


def emulator_from_args(args: argparse.Namespace) -> ExtendEmulator:
    emulator = ExtendEmulator(
        host=args.host,
        port=args.port,
        allow_remote=args.allow_remote,
        api_key=args.api_key,
        workspace_id=args.workspace_id,
        api_keys={key: ORG_SCOPE for key in args.org_api_key},
        seed=args.seed,
        max_upload_bytes=args.max_upload_bytes,
        presigned_url_seconds=args.presigned_url_seconds,
        lifecycle=Lifecycle(
            queue=args.queue,
            pending_seconds=args.pending_seconds,
            processing_seconds=args.processing_seconds,
            failure_rate=args.failure_rate,
        ),
        rate_limit=None if args.rate_limit is None else RateLimit(args.rate_limit, args.burst),
        faults=FaultConfig(
            error_rate=args.error_rate,
            bad_gateway_rate=args.bad_gateway_rate,
            reset_rate=args.reset_rate,
            lost_response_rate=args.lost_response_rate,
            latency=args.latency,
            latency_jitter=args.latency_jitter,
        ),
        webhooks=webhooks_from_args(args),
    )
    emulator.configure(
        workflow_outcome=args.workflow_outcome,
        parse_cancel=args.parse_cancel,
        max_runs=args.max_runs,
    )
    return emulator


def _seed_kinds(text: str) -> tuple[str, ...]:
    """``classify,extract``: kinds of the one table of run kinds, each once, in order."""
    from ..resources._run_kinds import RUN_KINDS

    names = []
    for part in text.split(","):
        name = part.strip().lower().replace("-", "_")
        name = {"processor_run": "processor"}.get(name, name.removesuffix("_runs"))
        if name not in RUN_KINDS:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not a run kind (one of {', '.join(RUN_KINDS)})"
            )
        names.append(name)
    return tuple(dict.fromkeys(names))


def check_seed_status(kinds: Sequence[str], status: str) -> str | None:
    """Why ``status`` cannot be seeded for one of ``kinds`` (a kind without it), if so."""
    from ..resources._run_kinds import RUN_KINDS

    lacking = [kind for kind in kinds if status not in RUN_KINDS[kind].statuses]
    if lacking:
        return f"--seed-status {status}: {', '.join(lacking)} runs have no such status"
    return None


def seed(
    emulator: ExtendEmulator, n: int, status: str, kinds: Sequence[str] = ("classify",)
) -> list[str]:
    """``n`` runs of each of ``kinds`` in ``status``; a line saying so per kind."""
    said = []
    for kind in kinds:
        if kind == "classify":
            # Runs of a real classifier: realistic bodies, and classifierId filters work.
            classifier_id = emulator.create_classifier("Document Type Classifier")
            emulator.seed_runs(n, status=status, classifier_id=classifier_id)
            said.append(f"Seeded {n} {status} classify runs of classifier {classifier_id}")
        else:
            emulator.seed_runs(n, status=status, kind=kind)
            said.append(f"Seeded {n} {status} {kind.replace('_', ' ')} runs")
    return said


async def serve(
    emulator: ExtendEmulator,
    *,
    seed_runs: int = 0,
    seed_status: str = "PROCESSING",
    seed_kinds: Sequence[str] = ("classify",),
) -> signal.Signals | None:
    """Serve until SIGINT or SIGTERM, printing where and with which key; return the
    signal that stopped it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    received: list[signal.Signals] = []

    def stop_on(signum: signal.Signals) -> None:
        received.append(signum)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows; there Ctrl-C arrives as KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop_on, signum)
            handled.append(signum)
    try:
        await emulator.start()
        try:
            seeded = seed(emulator, seed_runs, seed_status, seed_kinds) if seed_runs else []
            print(f"Extend emulator listening on {emulator.base_url}", flush=True)
            print(f"API key: {emulator.api_key} (workspace {emulator.workspace_id})", flush=True)
            for hook in emulator.webhooks:  # never the secret
                events = ", ".join(sorted(hook.events)) if hook.events else "all events"
                print(f"Webhooks: {events} to {hook.url}", flush=True)
            for line in seeded:
                print(line, flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            await stop.wait()
        finally:
            await emulator.stop()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
    return received[0] if received else None


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Entry point; ``argv`` excludes the program name (``["--port", "0"]``); ``prog`` is
    the name usage lines show (``extend-client emulator`` from the CLI)."""
    parser = build_parser(prog)
    args = parse_arguments(parser, sys.argv[1:] if argv is None else argv)
    try:
        emulator = emulator_from_args(args)
    except ValueError as exc:
        # The constructor names its keyword; here the user typed flags.
        text = str(exc).replace("allow_remote=True to send", "--webhook-allow-remote to send")
        parser.error(text.replace("allow_remote=True", "--allow-remote"))
    if args.seed_runs and (why := check_seed_status(args.seed_kinds, args.seed_status)):
        parser.error(why)
    try:
        stopped_by = asyncio.run(
            serve(
                emulator,
                seed_runs=args.seed_runs,
                seed_status=args.seed_status,
                seed_kinds=args.seed_kinds,
            )
        )
    except KeyboardInterrupt:
        stopped_by = signal.SIGINT
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print("Extend emulator stopped.", flush=True)
    return EXIT_INTERRUPTED if stopped_by == signal.SIGINT else 0
