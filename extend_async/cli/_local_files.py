"""``extend-client classify FILE`` and ``extend-client files ...``: local files end to end.

``classify`` uploads a file from disk and starts a classify run on it (``--wait``: until
it ends); ``files`` uploads, lists, shows, deletes and downloads stored files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .._errors import InvalidInputError
from .._polling import DEFAULT_WAIT_DEADLINE
from ..types import ClassifierRef, RunStatus
from ._common import EXIT_FAILED, EXIT_OK, PROG, UsageError, make_client, notice
from ._ids import check_id
from ._output import DELETED_COLUMNS, FILE_COLUMNS, Printer, add_output_option
from ._progress import duration

__all__ = ["PASSWORD_ENV", "dispatch", "register"]

PASSWORD_ENV = "EXTEND_FILE_PASSWORD"
COMMANDS = ("classify", "files")

AddConnectionOptions = Callable[..., None]
# While `classify --wait` waits, a line on stderr this often says it still does.
WAIT_NOTICE_SECONDS = 10.0


def register(commands: Any, connection_options: AddConnectionOptions) -> None:
    """Add the ``classify`` and ``files`` commands to ``extend-client``'s subparsers."""
    classify = commands.add_parser(
        "classify",
        help="upload a local file and classify it",
        description="Upload FILE, start a classify run on it with --classifier, and print "
        "the run as JSON; with --wait, poll until it ends (exit 1 unless PROCESSED).",
    )
    connection_options(classify, in_command=True)
    classify.add_argument("path", metavar="FILE", help="the document to classify")
    classify.add_argument("--classifier", required=True, metavar="CL_ID")
    classify.add_argument("--version", help="classifier version: latest (default), draft, 1.0")
    classify.add_argument("--wait", action="store_true", help="wait until the run ends")
    classify.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_WAIT_DEADLINE,
        metavar="SECONDS",
        help="with --wait, give up after this (default %(default)g)",
    )
    add_output_option(classify, default="json")

    files = commands.add_parser("files", help="upload, list, show, delete, download files")
    connection_options(files, in_command=True)
    actions = files.add_subparsers(dest="files_command", required=True, metavar="ACTION")
    upload = actions.add_parser("upload", help="upload a local file; prints it as JSON")
    connection_options(upload, in_command=True)
    upload.add_argument("path", metavar="FILE")
    upload.add_argument("--name", help="the name to store (default: the file's)")
    upload.add_argument(
        "--convert-to-pdf", action="store_true", help="convert an image or document to PDF"
    )
    upload.add_argument(
        "--password-env",
        metavar="VAR",
        default=PASSWORD_ENV,
        help="environment variable holding a protected PDF's password (default %(default)s)",
    )
    add_output_option(upload, default="json")
    listing = actions.add_parser("list", help="list files, newest first")
    connection_options(listing, in_command=True)
    listing.add_argument("--name-contains", metavar="TEXT")
    listing.add_argument(
        "--limit", type=int, default=100, help="at most this many (default %(default)s; 0: all)"
    )
    add_output_option(listing)
    listing.add_argument("--json", action="store_true", help="deprecated: the same as -o json")
    for action, text, default in (
        ("get", "print one file (JSON unless -o)", "json"),
        ("delete", "delete a file (the confirmation on stderr)", "table"),
    ):
        sub = actions.add_parser(action, help=text)
        connection_options(sub, in_command=True)
        sub.add_argument("id", metavar="FILE_ID")
        add_output_option(sub, default=default)
    download = actions.add_parser("download", help="write a file's bytes to DEST")
    connection_options(download, in_command=True)
    download.add_argument("id", metavar="FILE_ID")
    download.add_argument("dest", metavar="DEST", help="a path, or - for stdout")


async def dispatch(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if args.command == "classify":
        return await classify_command(args, stdout=stdout, stderr=stderr)
    handlers = {
        "upload": _upload,
        "list": _list,
        "get": _get,
        "delete": _delete,
        "download": _download,
    }
    return await handlers[args.files_command](args, stdout, stderr)


def _checked_id(text: str) -> str:
    return check_id(text, "FILE_ID", what="a file id")


def _local(path_text: str) -> Path:
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"no such file: {path_text}")
    return path


async def classify_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    path = _local(args.path)
    classifier_id = check_id(args.classifier, "--classifier", what="a classifier id")
    classifier = ClassifierRef(id=classifier_id, version=args.version)
    started = time.monotonic()
    async with make_client(args) as client:
        run = await client.classify_runs.create(file=path, classifier=classifier)
        # The id first, on stderr: whatever happens next, the run can be found again.
        notice(f"created run {run.id}", stderr)
        if args.wait:
            run = await _wait(client, run.id, args.deadline - (time.monotonic() - started), stderr)
    Printer(stdout, args.output).show(run)
    return EXIT_FAILED if args.wait and run.status != RunStatus.PROCESSED else EXIT_OK


async def _wait(client: Any, run_id: str, deadline: float, stderr: TextIO) -> Any:
    """Wait for the run, saying so on stderr now and then; on Ctrl-C, say which run goes
    on (the caller exits 130)."""
    notice(f"waiting for {run_id} to end (Ctrl-C stops waiting; the run goes on)", stderr)
    started = time.monotonic()

    async def still_waiting() -> None:
        while True:
            await asyncio.sleep(WAIT_NOTICE_SECONDS)
            elapsed = duration(time.monotonic() - started)
            notice(f"still waiting for {run_id} ({elapsed})", stderr)

    ticker = asyncio.create_task(still_waiting())
    try:
        return await client.classify_runs.wait(run_id, deadline=max(deadline, 0.001))
    except asyncio.CancelledError:
        notice(
            f"{PROG}: stopped waiting for run {run_id}; it goes on "
            f"(`{PROG} runs cancel {run_id}` stops it)",
            stderr,
        )
        raise
    finally:
        ticker.cancel()


async def _upload(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    path = _local(args.path)
    password = os.environ.get(args.password_env) or None
    async with make_client(args) as client:
        uploaded = await client.files.upload(
            path, name=args.name, password=password, convert_to_pdf=args.convert_to_pdf or None
        )
    Printer(stdout, args.output, FILE_COLUMNS).show(uploaded)
    return EXIT_OK


async def _list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.json:
        args.output = "json"
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    printer = Printer(stdout, args.output, FILE_COLUMNS)
    shown = 0
    more = False
    async with make_client(args) as client:
        pager = client.files.list(
            name_contains=args.name_contains,
            max_page_size=min(args.limit + 1, 1000) if args.limit else 1000,
        )
        async for file in pager:
            if args.limit and shown == args.limit:
                more = True
                break
            shown += 1
            printer.show(file)
    # A count, not data: on stderr, so `files list | wc -l` counts files.
    note = " (more match: raise --limit, or --limit 0 for all)" if more else ""
    stdout.flush()
    notice(f"{shown} file{'' if shown == 1 else 's'}{note}", stderr)
    return EXIT_OK


async def _get(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    file_id = _checked_id(args.id)
    async with make_client(args) as client:
        file = await client.files.get(file_id)
    Printer(stdout, args.output, FILE_COLUMNS).show(file)
    return EXIT_OK


async def _delete(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    file_id = _checked_id(args.id)
    async with make_client(args) as client:
        deleted = await client.files.delete(file_id)
    if args.output == "table":  # the confirmation is no data: on stderr
        notice(f"deleted {deleted.id}", stderr)
    else:
        Printer(stdout, args.output, DELETED_COLUMNS).show(deleted)
    return EXIT_OK


async def _download(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    file_id = _checked_id(args.id)
    async with make_client(args) as client:
        if args.dest == "-":
            stdout.flush()
            await client.files.download(file_id, stdout.buffer)
            return EXIT_OK
        try:
            written = await client.files.download(file_id, args.dest)
        except InvalidInputError as exc:  # DEST refused before anything was sent
            raise UsageError(str(exc)) from None
    notice(f"wrote {written} bytes to {args.dest}", stderr)
    return EXIT_OK
