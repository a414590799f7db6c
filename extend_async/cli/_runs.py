"""``runs get|list|delete`` and ``batches get|list``: runs and batches on stdout."""

from __future__ import annotations

import argparse
from typing import TextIO

from ._common import EXIT_OK, PROG, UsageError, make_client, notice, plural
from ._ids import check_id, check_run_id
from ._output import DELETED_COLUMNS, Printer

__all__ = [
    "batches_list_command",
    "delete_command",
    "get_batch_command",
    "get_command",
    "list_command",
]


def run_id_argument(args: argparse.Namespace) -> str:
    return check_run_id(args.id, "ID", allow_any=getattr(args, "allow_any_id", False))


async def get_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    run_id = run_id_argument(args)
    async with make_client(args) as client:
        run = await client.classify_runs.get(run_id)
    Printer(stdout, args.output).show(run)
    return EXIT_OK


async def delete_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    run_id = run_id_argument(args)
    async with make_client(args) as client:
        deleted = await client.classify_runs.delete(run_id)
    if args.output == "table":  # nothing to show but the confirmation, which is no data
        notice(f"deleted {deleted.id}", stderr)
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


async def list_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if args.json:
        args.output = "json"
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    if args.classifier is not None:
        check_id(args.classifier, "--classifier", what="a classifier id")
    if args.batch is not None:
        check_id(args.batch, "--batch", what="a batch id")
    printer = Printer(stdout, args.output)
    shown = 0
    more = False
    async with make_client(args) as client:
        pager = client.classify_runs.list(
            status=args.status, classifier_id=args.classifier, batch_id=args.batch,
            max_page_size=min(args.limit + 1, 1000) if args.limit else 1000,
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
