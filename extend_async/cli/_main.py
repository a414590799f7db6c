"""Argument parsing and dispatch for ``extend-client``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._errors import ExtendError
from .._options import REGION_BASE_URLS
from ..bulk import DEFAULT_CONCURRENCY
from ..types import RunStatus
from ._common import EXIT_FAILED, EXIT_USAGE, PROG, UsageError, error_line, run_async

# 128 + SIGPIPE, what a shell reports for a writer whose reader went away.
EXIT_BROKEN_PIPE = 141

__all__ = ["build_parser", "main"]

_STATUSES = [s.value for s in RunStatus]


def _connection_options(parser: argparse.ArgumentParser, *, in_command: bool) -> None:
    # Accepted before and after the command; in a command's parser they default to
    # SUPPRESS so they never overwrite what was given before it.
    default = argparse.SUPPRESS if in_command else None
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--api-key", default=default, help="API key (default: $EXTEND_API_KEY; prefer that)"
    )
    group.add_argument("--base-url", default=default, help="API base URL ($EXTEND_BASE_URL)")
    group.add_argument("--region", default=default, choices=sorted(REGION_BASE_URLS))
    group.add_argument(
        "--workspace", default=default, metavar="WS_ID", help="workspace ($EXTEND_WORKSPACE_ID)"
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _status(text: str) -> str:
    value = text.upper()
    if value not in _STATUSES:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(_STATUSES)}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Cancel, fetch and list Extend classify runs; serve a local emulator.",
        epilog="Exit status: 0 every run ended cancelled or already terminal; 1 some did "
        "not (failed, not found, not attempted), or an API error; 2 bad arguments or "
        "input; 130 interrupted.",
    )
    _connection_options(parser, in_command=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    cancel = commands.add_parser(
        "cancel",
        help="cancel runs by id, from a file, or by filter",
        description="Cancel runs concurrently, every id accounted for. Ids come as "
        "arguments, from a file (one per line, - for stdin), or from a filter "
        "(--status/--classifier/--batch; default statuses PENDING and PROCESSING), "
        "which asks for confirmation unless --yes.",
    )
    _connection_options(cancel, in_command=True)
    cancel.add_argument("ids", nargs="*", metavar="ID", help="run ids (clr_...)")
    cancel.add_argument("--from-file", metavar="FILE", help="read ids from FILE, - for stdin")
    filters = cancel.add_argument_group("cancel by filter")
    filters.add_argument("--status", action="append", type=_status, help="repeatable")
    filters.add_argument("--classifier", metavar="CL_ID")
    filters.add_argument("--batch", metavar="BPR_ID")
    filters.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    cancel.add_argument(
        "--dry-run", action="store_true", help="show what would be cancelled; send no cancel"
    )
    tuning = cancel.add_argument_group("pace")
    tuning.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_CONCURRENCY,
        help="most requests in flight (default %(default)s; fewer after a 429)",
    )
    tuning.add_argument(
        "--max-rate", type=_positive_float, metavar="RPS", help="requests per second at most"
    )
    tuning.add_argument(
        "--deadline", type=_positive_float, metavar="SECONDS", help="stop sending after this"
    )
    cancel.add_argument("--json", action="store_true", help="one JSON line per outcome on stdout")

    get = commands.add_parser("get", help="print one run as JSON")
    _connection_options(get, in_command=True)
    get.add_argument("id", metavar="ID")

    listing = commands.add_parser("list", help="list runs, newest update first")
    _connection_options(listing, in_command=True)
    listing.add_argument("--status", type=_status)
    listing.add_argument("--classifier", metavar="CL_ID")
    listing.add_argument("--batch", metavar="BPR_ID")
    listing.add_argument(
        "--limit", type=int, default=100, help="at most this many (default %(default)s; 0: all)"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    from ._local_files import register

    register(commands, _connection_options)
    commands.add_parser(
        "emulator",
        add_help=False,
        help="serve a local emulator (see: extend-client emulator --help)",
    )
    demo = commands.add_parser("demo", help="cancel thousands of runs on a local emulator")
    demo.add_argument("--runs", type=_positive_int, default=3000)
    demo.add_argument("--rate-limit", type=_positive_float, default=200.0, metavar="RPS")
    demo.add_argument("--fault-rate", type=float, default=0.2, metavar="F")
    demo.add_argument("--seed", type=int, default=2026)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``extend-client`` with ``argv`` (default: the process's arguments)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["emulator"]:
        from ..testing.__main__ import main as serve  # the emulator only when asked for

        return serve(arguments[1:])
    try:
        args = build_parser().parse_args(arguments)
    except SystemExit as exc:  # --help, or argparse's own usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return _dispatch(args)
    except UsageError as exc:
        error_line(str(exc))
        return EXIT_USAGE
    except ExtendError as exc:
        error_line(" ".join(str(exc).split()))
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`extend-client list | head`): stop quietly, as Unix tools
        # do, and keep the interpreter from complaining while it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _dispatch(args: argparse.Namespace) -> int:
    stdin, stdout, stderr = sys.stdin, sys.stdout, sys.stderr
    if args.command == "cancel":
        from ._cancel import cancel_command

        return run_async(lambda: cancel_command(args, stdin=stdin, stdout=stdout, stderr=stderr))
    if args.command == "get":
        from ._runs import get_command

        return run_async(lambda: get_command(args, stdout=stdout))
    if args.command == "list":
        from ._runs import list_command

        return run_async(lambda: list_command(args, stdout=stdout))
    if args.command in ("classify", "files"):
        from ._local_files import dispatch

        return run_async(lambda: dispatch(args, stdout=stdout))
    if args.command == "emulator":  # only reached with connection options before it
        raise UsageError("the emulator takes its own options: extend-client emulator --help")
    from ._demo import demo_command

    return demo_command(args, stdout=stdout)
