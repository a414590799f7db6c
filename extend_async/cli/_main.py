"""Argument parsing and dispatch for ``extend-client``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from .._errors import APIConnectionError, ExtendError
from .._options import REGION_BASE_URLS, resolve_base_url
from .._version import __version__
from ..bulk import DEFAULT_CONCURRENCY
from ..resources._run_kinds import RUN_KINDS
from ..webhooks import DEFAULT_TOLERANCE
from ._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    PROG,
    UsageError,
    error_line,
    run_async,
    timeout_seconds,
)
from ._output import OutputError, add_output_option
from ._parser import Parser, hide_secrets_of, parse_arguments
from ._report import connection_problem
from ._webhooks import DEFAULT_SECRET_ENV

# 128 + SIGPIPE, what a shell reports for a writer whose reader went away.
EXIT_BROKEN_PIPE = 141

__all__ = ["build_parser", "main"]

# Every status of every kind of run (CANCELLING, NEEDS_REVIEW and REJECTED: workflow runs).
_STATUSES = list(dict.fromkeys(s for kind in RUN_KINDS.values() for s in kind.statuses))


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
    group.add_argument(
        "--timeout", type=_positive_float, default=default, metavar="SECONDS",
        help="seconds to wait for each attempt's answer (default 60)",
    )  # fmt: skip
    group.add_argument(
        "--max-retries", type=_retries, default=default, metavar="N",
        help="retries after a timeout, a lost connection, a 429 or a 5xx (default 2)",
    )  # fmt: skip


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < minimum:
        floor = f"at least {minimum}" if minimum else "0 or more"
        raise argparse.ArgumentTypeError(f"must be {floor}, got {value}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


def _retries(text: str) -> int:
    return _whole_number(text, 0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _seconds_or_zero(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _status(text: str) -> str:
    """A run status in any case, normalized to the API's upper case; anything else is
    refused before a request, with the list of valid values."""
    value = text.strip().upper()
    if value not in _STATUSES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a run status (one of {', '.join(_STATUSES)}, in any case)"
        )
    return value


def _type(text: str) -> str:
    """A kind of run (``extract``, ``extract_runs``, ``form-detection``, any case), or
    ``all``; anything else is refused before a request, with the list of valid values."""
    value = text.strip().lower().replace("-", "_")
    value = {"processor_run": "processor"}.get(value, value.removesuffix("_runs"))
    if value != "all" and value not in RUN_KINDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a run type (one of {', '.join(RUN_KINDS)}, or all)"
        )
    return value


def _one_type(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--type", type=_type, metavar="TYPE",
        help="the run's type (classify, extract, split, parse, workflow, verify, processor, "
        "edit, form_detection); default: from the id's prefix",
    )  # fmt: skip


def _types(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--type", dest="types", action="append", type=_type, metavar="TYPE",
        help=f"{what} (repeatable; all: every type)",
    )  # fmt: skip


EXIT_TABLE = (
    "Exit status: 0 done (cancel: every run ended cancelled or already terminal, or "
    "there was nothing to cancel; watch: PROCESSED); 1 some runs were not cancelled, an "
    "API error, the cancel prompt was declined, or a watched run ended FAILED or "
    "CANCELLED; 2 bad arguments or input (nothing sent); 130 interrupted."
)


def _allow_any_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-any-id",
        action="store_true",
        help="accept ids without a known prefix (clr_, exr_, ...) too; without --type they "
        "are sent as classify runs",
    )


def _add_cancel(commands: Any) -> None:
    cancel = commands.add_parser(
        "cancel",
        help="cancel runs by id, from a file, or by filter",
        description="Cancel runs of every type concurrently, every id accounted for. Ids "
        "come as arguments, from a file (one per line, - for stdin; read as it is "
        "cancelled), or from a filter (--status/--classifier/--batch; default statuses "
        "PENDING and PROCESSING), which asks for confirmation unless --yes. An id's type "
        "comes from its prefix (clr_ classify, exr_ extract, workflow_run_ workflow, ...) "
        "or --type; parse, edit and form detection runs cannot be cancelled. A filter "
        "stops classify runs unless --type or --all says which types.",
        epilog=EXIT_TABLE,
    )
    _connection_options(cancel, in_command=True)
    cancel.add_argument("ids", nargs="*", metavar="ID", help="run ids (clr_..., exr_, ...)")
    cancel.add_argument("--from-file", metavar="FILE", help="read ids from FILE, - for stdin")
    _allow_any_id(cancel)
    _types(cancel, "the type of the ids given, or the types a filter stops")
    filters = cancel.add_argument_group("cancel by filter")
    filters.add_argument(
        "--all", action="store_true",
        help="every PENDING or PROCESSING run of the --type types (default: every type "
        "that can be cancelled)",
    )  # fmt: skip
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
    tuning.add_argument("--max-rate", type=_rate, metavar="RPS", help="requests per second at most")
    tuning.add_argument(
        "--deadline", type=_positive_float, metavar="SECONDS", help="stop sending after this"
    )
    add_output_option(cancel)
    cancel.add_argument("--json", action="store_true", help="deprecated: the same as -o json")


def _add_get(commands: Any) -> None:
    get = commands.add_parser("get", help="print one run (JSON unless -o)")
    _connection_options(get, in_command=True)
    get.add_argument("id", metavar="ID")
    _allow_any_id(get)
    _one_type(get)
    add_output_option(get, default="json")


def _add_delete(commands: Any) -> None:
    delete = commands.add_parser(
        "delete",
        help="delete a run and its data, permanently",
        description="Delete a run of any type and all its data, permanently (the type "
        "from the id's prefix, or --type; form detection runs cannot be deleted). The "
        "confirmation goes to stderr; with -o json|yaml|id|markdown the API's answer goes "
        "to stdout.",
    )
    _connection_options(delete, in_command=True)
    delete.add_argument("id", metavar="ID")
    _allow_any_id(delete)
    _one_type(delete)
    add_output_option(delete)


def _add_list(commands: Any) -> None:
    listing = commands.add_parser(
        "list",
        help="list runs, newest update first",
        description="List runs, newest update first: classify runs, or the --type types "
        "one after the other.",
    )
    _connection_options(listing, in_command=True)
    _types(listing, "the types to list (default classify)")
    listing.add_argument("--status", type=_status, action="append", help="repeatable")
    listing.add_argument("--classifier", metavar="CL_ID")
    listing.add_argument("--batch", metavar="BPR_ID")
    listing.add_argument(
        "--limit", type=int, default=100, help="at most this many (default %(default)s; 0: all)"
    )
    add_output_option(listing)
    listing.add_argument("--json", action="store_true", help="deprecated: the same as -o json")


def _add_watch(commands: Any, *, what: str) -> None:
    watch = commands.add_parser(
        "watch",
        help=f"show a {what}'s status live until it is final",
        description=f"Poll a {what} until its status is final (PROCESSED, FAILED, CANCELLED; "
        "NEEDS_REVIEW or REJECTED for a workflow run); its status on "
        f"stderr, the final {what} on stdout. Exit 0 when PROCESSED, 1 otherwise.",
    )
    _connection_options(watch, in_command=True)
    watch.add_argument("id", metavar="ID")
    if what == "run":
        _allow_any_id(watch)
        _one_type(watch)
    watch.add_argument(
        "--interval", type=_positive_float, default=2.0, metavar="SECONDS",
        help="between polls (default %(default)s)",
    )  # fmt: skip
    add_output_option(watch)


def _add_webhooks(commands: Any) -> None:
    webhooks = commands.add_parser("webhooks", help="check webhook deliveries")
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="check a delivery's signature",
        description="Check that a webhook body was signed by Extend with your signing "
        "secret, recently. The secret comes from an environment variable. Exit 0 and the "
        "body on stdout when valid; 1 and the reason on stderr when not.",
    )
    verify.add_argument(
        "--body", default="-", metavar="FILE", help="the raw body (default: - for stdin)"
    )
    verify.add_argument("--signature", metavar="HEX", help="x-extend-request-signature")
    verify.add_argument("--timestamp", metavar="UNIX", help="x-extend-request-timestamp")
    verify.add_argument(
        "-H", "--header", action="append", metavar="'NAME: VALUE'",
        help="a header as received (repeatable), instead of --signature/--timestamp",
    )  # fmt: skip
    verify.add_argument(
        "--secret-env", default=DEFAULT_SECRET_ENV, metavar="VAR",
        help="environment variable holding the signing secret (default %(default)s)",
    )  # fmt: skip
    verify.add_argument(
        "--tolerance", type=_seconds_or_zero, default=DEFAULT_TOLERANCE, metavar="SECONDS",
        help="oldest delivery accepted (default %(default)s; 0: no timestamp check)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="Cancel, fetch, list and watch Extend runs of every type; watch batches; "
        "verify webhooks; serve a local emulator.",
        epilog=EXIT_TABLE,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _connection_options(parser, in_command=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    runs = commands.add_parser("runs", help="runs get | list | watch | cancel | delete")
    run_actions = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    for add in (_add_get, _add_list, _add_cancel):
        add(run_actions)
    _add_watch(run_actions, what="run")
    _add_delete(run_actions)

    batches = commands.add_parser("batches", help="batches get | watch | list")
    batch_actions = batches.add_subparsers(dest="batches_command", required=True, metavar="ACTION")
    batch_get = batch_actions.add_parser("get", help="print one batch (JSON unless -o)")
    _connection_options(batch_get, in_command=True)
    batch_get.add_argument("id", metavar="ID")
    add_output_option(batch_get, default="json")
    _add_watch(batch_actions, what="batch")
    batch_list = batch_actions.add_parser(
        "list", help="(the API lists no batches: see runs list --batch)"
    )
    _connection_options(batch_list, in_command=True)

    # The first commands, kept at the top level: the same as ``runs cancel|get|list``.
    for add in (_add_cancel, _add_get, _add_list):
        add(commands)
    _add_webhooks(commands)

    from ._local_files import register

    register(commands, _connection_options)
    commands.add_parser(
        "emulator",
        add_help=False,
        help="serve a local emulator (see: extend-client emulator --help)",
    )
    demo = commands.add_parser("demo", help="cancel thousands of runs on a local emulator")
    demo.add_argument("--runs", type=_positive_int, default=3000)
    demo.add_argument("--rate-limit", type=_rate, default=200.0, metavar="RPS")
    demo.add_argument("--fault-rate", type=float, default=0.2, metavar="F")
    demo.add_argument("--seed", type=int, default=2026)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``extend-client`` with ``argv`` (default: the process's arguments)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    hide_secrets_of(arguments)
    if arguments[:1] == ["emulator"]:
        from ..testing.__main__ import main as serve  # the emulator only when asked for

        return serve(arguments[1:], prog=f"{PROG} emulator")
    try:
        args = parse_arguments(build_parser(), arguments)
    except SystemExit as exc:  # --help, or argparse's own usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    # The CLI reports what went wrong itself, once; the library's warnings (a bulk cancel
    # stopping) would repeat it through logging's last-resort handler.
    logging.getLogger("extend_async").addHandler(logging.NullHandler())
    try:
        return _dispatch(args)
    except UsageError as exc:
        error_line(str(exc))
        return EXIT_USAGE
    except APIConnectionError as exc:
        error_line(connection_problem(exc, _base_url(args), timeout_seconds(args)))
        return EXIT_FAILED
    except (ExtendError, OutputError) as exc:
        error_line(str(exc))
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`extend-client list | head`): stop quietly, as Unix tools
        # do, and keep the interpreter from complaining while it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _base_url(args: argparse.Namespace) -> str:
    try:
        return resolve_base_url(getattr(args, "base_url", None), getattr(args, "region", None))
    except ExtendError:
        return str(getattr(args, "base_url", None) or "the base URL")


def _dispatch(args: argparse.Namespace) -> int:
    stdin, stdout, stderr = sys.stdin, sys.stdout, sys.stderr
    command = args.command
    if command == "runs":
        command = args.runs_command
    elif command == "batches":
        command = f"batches {args.batches_command}"
    if command == "cancel":
        from ._cancel import cancel_command

        return run_async(lambda: cancel_command(args, stdin=stdin, stdout=stdout, stderr=stderr))
    if command == "get":
        from ._runs import get_command

        return run_async(lambda: get_command(args, stdout=stdout))
    if command == "delete":
        from ._runs import delete_command

        return run_async(lambda: delete_command(args, stdout=stdout, stderr=stderr))
    if command == "list":
        from ._runs import list_command

        return run_async(lambda: list_command(args, stdout=stdout, stderr=stderr))
    if command == "watch":
        from ._watch import watch_run_command

        return run_async(lambda: watch_run_command(args, stdout=stdout, stderr=stderr))
    if command == "batches get":
        from ._runs import get_batch_command

        return run_async(lambda: get_batch_command(args, stdout=stdout))
    if command == "batches list":
        from ._runs import batches_list_command

        return run_async(lambda: batches_list_command(args))
    if command == "batches watch":
        from ._watch import watch_batch_command

        return run_async(lambda: watch_batch_command(args, stdout=stdout, stderr=stderr))
    if command == "webhooks":
        from ._webhooks import binary_streams, verify_command

        body_in, data_out = binary_streams()
        return verify_command(args, stdin=body_in, stdout=data_out, stderr=stderr)
    if command in ("classify", "files"):
        from ._local_files import dispatch

        return run_async(lambda: dispatch(args, stdout=stdout, stderr=stderr))
    if command == "emulator":  # only reached with connection options before it
        raise UsageError("the emulator takes its own options: extend-client emulator --help")
    from ._demo import demo_command

    return demo_command(args, stdout=stdout)
