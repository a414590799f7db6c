"""``extend-client runs watch ID`` and ``batches watch ID``: live status until final.

The status shows on stderr (redrawn in place on a terminal, a line per change
otherwise); the final run (of any type) or batch goes to stdout in the ``-o`` form. The
exit status says how it ended: 0 PROCESSED, 1 any other final status.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TextIO

import anyio

from .._errors import InvalidInputError
from ..resources._run_kinds import is_final
from ._common import EXIT_FAILED, EXIT_OK, UsageError, make_client
from ._escape import printable
from ._ids import check_id
from ._output import RUN_COLUMNS, Column, Printer, colour_enabled, paint
from ._progress import duration
from ._runs import run_columns, run_id_argument, run_type

__all__ = ["watch_batch_command", "watch_run_command"]


async def watch_run_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    run_id = run_id_argument(args)
    kind = run_type(args, run_id)
    async with make_client(args) as client:
        fetch = partial(client.runs.get, run_id, kind=kind)
        try:
            return await _watch(fetch, is_final, args, stdout, stderr, run_columns(kind))
        except InvalidInputError as exc:  # an id of another type than --type
            raise UsageError(f"ID: {exc}") from None


async def watch_batch_command(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    batch_id = check_id(args.id, "ID", what="a batch id")
    async with make_client(args) as client:
        return await _watch(
            lambda: client.batch_runs.get(batch_id),
            lambda batch: bool(batch.is_terminal),
            args,
            stdout,
            stderr,
            RUN_COLUMNS,
        )


async def _watch(
    fetch: Callable[[], Awaitable[Any]],
    final: Callable[[Any], bool],
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
    columns: Sequence[Column],
) -> int:
    live = stderr.isatty()
    colour = colour_enabled(stderr)
    started = time.monotonic()
    shown: str | None = None
    while True:
        item = await fetch()
        status = str(item.status)
        line = (
            f"{printable(item.id)}  {paint(printable(status), status, colour=colour)}  "
            f"{duration(time.monotonic() - started)}"
        )
        if live:
            stderr.write("\r\x1b[2K" + line)
            stderr.flush()
        elif status != shown:
            stderr.write(line + "\n")
            stderr.flush()
        shown = status
        if final(item):
            break
        await anyio.sleep(args.interval)
    if live:
        stderr.write("\n")
    Printer(stdout, args.output, columns).show(item)
    return EXIT_OK if status == "PROCESSED" else EXIT_FAILED
