"""``extend-client get`` and ``extend-client list``."""

from __future__ import annotations

import argparse
from typing import TextIO

import orjson

from .._converter import unstructure_request
from .._errors import InvalidInputError
from .._paths import validate_id
from ._common import EXIT_OK, UsageError, make_client

__all__ = ["get_command", "list_command"]


async def get_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    try:
        run_id = validate_id(args.id)
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None
    async with make_client(args) as client:
        run = await client.classify_runs.get(run_id)
    stdout.write(orjson.dumps(unstructure_request(run), option=orjson.OPT_INDENT_2).decode())
    stdout.write("\n")
    return EXIT_OK


async def list_command(args: argparse.Namespace, *, stdout: TextIO) -> int:
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
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
            if args.json:
                stdout.write(orjson.dumps(unstructure_request(run)).decode() + "\n")
            else:
                classifier = run.classifier.id if run.classifier else "-"
                stdout.write(
                    f"{run.id}  {run.status!s:<10}  {classifier}  "
                    f"{run.updated_at.isoformat(timespec='seconds')}\n"
                )
    if not args.json:
        note = " (more match: raise --limit, or --limit 0 for all)" if more else ""
        stdout.write(f"{shown} runs{note}\n")
    return EXIT_OK
