"""``extend-client classify FILE`` and ``extend-client files ...``: local files end to end.

``classify`` uploads a file from disk and starts a classify run on it (``--wait``: until
it ends); ``files`` uploads, lists, shows, deletes and downloads stored files.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import orjson

from .._converter import unstructure_request
from .._errors import InvalidInputError
from .._paths import validate_id
from .._polling import DEFAULT_WAIT_DEADLINE
from ..types import ClassifierRef, RunStatus
from ._common import EXIT_FAILED, EXIT_OK, UsageError, make_client

__all__ = ["PASSWORD_ENV", "dispatch", "register"]

PASSWORD_ENV = "EXTEND_FILE_PASSWORD"
COMMANDS = ("classify", "files")

AddConnectionOptions = Callable[..., None]


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
    listing = actions.add_parser("list", help="list files, newest first")
    connection_options(listing, in_command=True)
    listing.add_argument("--name-contains", metavar="TEXT")
    listing.add_argument(
        "--limit", type=int, default=100, help="at most this many (default %(default)s; 0: all)"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for action, text in (("get", "print one file as JSON"), ("delete", "delete a file")):
        sub = actions.add_parser(action, help=text)
        connection_options(sub, in_command=True)
        sub.add_argument("id", metavar="FILE_ID")
    download = actions.add_parser("download", help="write a file's bytes to DEST")
    connection_options(download, in_command=True)
    download.add_argument("id", metavar="FILE_ID")
    download.add_argument("dest", metavar="DEST", help="a path, or - for stdout")


async def dispatch(args: argparse.Namespace, *, stdout: TextIO) -> int:
    if args.command == "classify":
        return await classify_command(args, stdout=stdout)
    handlers = {
        "upload": _upload,
        "list": _list,
        "get": _get,
        "delete": _delete,
        "download": _download,
    }
    return await handlers[args.files_command](args, stdout)


def _checked_id(text: str) -> str:
    try:
        return validate_id(text)
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def _local(path_text: str) -> Path:
    path = Path(path_text)
    if not path.is_file():
        raise UsageError(f"no such file: {path_text}")
    return path


def _write_json(value: object, stdout: TextIO, *, indent: bool = True) -> None:
    option = orjson.OPT_INDENT_2 if indent else 0
    stdout.write(orjson.dumps(unstructure_request(value), option=option).decode() + "\n")


async def classify_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    path = _local(args.path)
    classifier = ClassifierRef(id=_checked_id(args.classifier), version=args.version)
    async with make_client(args) as client:
        if args.wait:
            run = await client.classify_runs.create_and_wait(
                file=path, classifier=classifier, deadline=args.deadline
            )
        else:
            run = await client.classify_runs.create(file=path, classifier=classifier)
    _write_json(run, stdout)
    return EXIT_FAILED if args.wait and run.status != RunStatus.PROCESSED else EXIT_OK


async def _upload(args: argparse.Namespace, stdout: TextIO) -> int:
    path = _local(args.path)
    password = os.environ.get(args.password_env) or None
    async with make_client(args) as client:
        uploaded = await client.files.upload(
            path, name=args.name, password=password, convert_to_pdf=args.convert_to_pdf or None
        )
    _write_json(uploaded, stdout)
    return EXIT_OK


async def _list(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
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
            if args.json:
                _write_json(file, stdout, indent=False)
            else:
                stdout.write(
                    f"{file.id}  {file.type or '-'!s:<5}  {file.name}  "
                    f"{file.created_at.isoformat(timespec='seconds')}\n"
                )
    if not args.json:
        note = " (more match: raise --limit, or --limit 0 for all)" if more else ""
        stdout.write(f"{shown} files{note}\n")
    return EXIT_OK


async def _get(args: argparse.Namespace, stdout: TextIO) -> int:
    file_id = _checked_id(args.id)
    async with make_client(args) as client:
        file = await client.files.get(file_id)
    _write_json(file, stdout)
    return EXIT_OK


async def _delete(args: argparse.Namespace, stdout: TextIO) -> int:
    file_id = _checked_id(args.id)
    async with make_client(args) as client:
        deleted = await client.files.delete(file_id)
    stdout.write(f"deleted {deleted.id}\n")
    return EXIT_OK


async def _download(args: argparse.Namespace, stdout: TextIO) -> int:
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
    stdout.write(f"wrote {written} bytes to {args.dest}\n")
    return EXIT_OK
