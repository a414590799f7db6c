"""``extend-client get``, ``list`` and ``batches get``: runs and batches on stdout."""

from __future__ import annotations

import argparse
from typing import TextIO

from .._errors import InvalidInputError
from .._paths import validate_id
from ._common import EXIT_OK, UsageError, make_client, plural
from ._output import RunPrinter

__all__ = ["get_batch_command", "get_command", "list_command"]


def _checked(value: str) -> str:
    try:
        return validate_id(value)
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


async def get_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    run_id = _checked(args.id)
    async with make_client(args) as client:
        run = await client.classify_runs.get(run_id)
    RunPrinter(stdout, args.output, indent=True).show(run)
    return EXIT_OK


async def get_batch_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    batch_id = _checked(args.id)
    async with make_client(args) as client:
        batch = await client.batch_runs.get(batch_id)
    RunPrinter(stdout, args.output, indent=True).show(batch)
    return EXIT_OK


async def list_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    if args.json:
        args.output = "json"
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    printer = RunPrinter(stdout, args.output)
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
    stderr.write(f"{plural(shown, 'run')}{note}\n")
    return EXIT_OK
