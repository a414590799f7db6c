"""``runs get|list|delete`` and ``batches get|list``: runs and batches on stdout."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .._errors import InvalidInputError
from ..resources._run_kinds import LISTABLE_KINDS, kind_from_id
from ._common import EXIT_OK, PROG, UsageError, make_client, notice, plural
from ._ids import check_id, check_run_id
from ._output import DELETED_COLUMNS, RUN_COLUMNS, TYPED_RUN_COLUMNS, Column, Printer, deleted_id

__all__ = [
    "batches_list_command",
    "delete_command",
    "get_batch_command",
    "get_command",
    "list_command",
    "run_type",
]

# The type of a run whose id has no known prefix, without --type: what the CLI sent
# before it knew other types.
DEFAULT_TYPE = "classify"


def run_id_argument(args: argparse.Namespace) -> str:
    allow_any = getattr(args, "allow_any_id", False) or getattr(args, "type", None) is not None
    return check_run_id(args.id, "ID", allow_any=allow_any)


def run_type(args: argparse.Namespace, run_id: str) -> str:
    """One run's type: ``--type``, else its id's prefix, else classify."""
    given: str | None = getattr(args, "type", None)
    if given == "all":
        raise UsageError("--type all names no one type: give the run's type, or none")
    if given is not None:
        return given
    named = kind_from_id(run_id)
    return DEFAULT_TYPE if named is None else named.name


def run_columns(kind: str) -> tuple[Column, ...]:
    """A classify run's table names its classifier; another type's, its type."""
    return RUN_COLUMNS if kind == DEFAULT_TYPE else TYPED_RUN_COLUMNS


async def get_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    run_id = run_id_argument(args)
    kind = run_type(args, run_id)
    async with make_client(args) as client:
        try:
            run = await client.runs.get(run_id, kind=kind)
        except InvalidInputError as exc:  # an id of another type than --type
            raise UsageError(f"ID: {exc}") from None
    Printer(stdout, args.output, run_columns(kind)).show(run)
    return EXIT_OK


async def delete_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    run_id = run_id_argument(args)
    kind = run_type(args, run_id)
    async with make_client(args) as client:
        try:
            deleted = await client.runs.delete(run_id, kind=kind)
        except InvalidInputError as exc:  # another type than --type, or one not deletable
            raise UsageError(f"ID: {exc}") from None
    if args.output == "table":  # nothing to show but the confirmation, which is no data
        notice(f"deleted {deleted_id(deleted)}", stderr)
    else:
        Printer(stdout, args.output, DELETED_COLUMNS).show(deleted)
    return EXIT_OK


async def get_batch_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    batch_id = check_id(args.id, "ID", what="a batch id")
    async with make_client(args) as client:
        batch = await client.batch_runs.get(batch_id)
    Printer(stdout, args.output).show(batch)
    return EXIT_OK


async def batches_list_command(args: argparse.Namespace) -> int:
    # The API lists no batches (only GET /batch_runs/{id}); say where the runs are.
    raise UsageError(
        "the Extend API has no list of batches: `"
        f"{PROG} batches get BPR_ID` shows one, `{PROG} runs list --batch BPR_ID` its runs"
    )


def list_types(args: argparse.Namespace) -> list[str] | None:
    """The types ``--type`` asks for (``all``: every type the API lists); ``None`` for
    classify runs through their own list (``--classifier`` too)."""
    types: list[str] = list(dict.fromkeys(getattr(args, "types", None) or ()))
    if not types or types == [DEFAULT_TYPE]:
        return None
    if args.classifier is not None:
        raise UsageError("--classifier filters classify runs only: leave out --type")
    if "all" in types:
        return list(LISTABLE_KINDS)
    return types


async def list_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if args.json:
        args.output = "json"
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    if args.classifier is not None:
        check_id(args.classifier, "--classifier", what="a classifier id")
    if args.batch is not None:
        check_id(args.batch, "--batch", what="a batch id")
    types = list_types(args)
    printer = Printer(stdout, args.output, TYPED_RUN_COLUMNS if types else RUN_COLUMNS)
    shown = 0
    more = False
    page_size = min(args.limit + 1, 1000) if args.limit else 1000
    async with make_client(args) as client:
        if types:
            try:
                pager: Any = client.runs.list(
                    kinds=types, status=args.status, batch_id=args.batch, max_page_size=page_size
                )
            except InvalidInputError as exc:  # a status or a filter no type listed has
                raise UsageError(str(exc)) from None
        else:
            pager = client.classify_runs.list(
                status=args.status, classifier_id=args.classifier, batch_id=args.batch,
                max_page_size=page_size,
            )  # fmt: skip
        async for run in pager:
            if args.limit and shown == args.limit:
                more = True
                break
            shown += 1
            printer.show(run)
    # A count, not data: on stderr, so stdout holds only runs whatever the form.
    note = " (more match: raise --limit, or --limit 0 for all)" if more else ""
    stdout.flush()
    notice(f"{plural(shown, 'run')}{note}", stderr)
    return EXIT_OK
