"""``extend-client cancel``: by ids (arguments, a file, stdin) or by filter."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import TextIO

from ..bulk import BulkCancelInterrupted, BulkCancelResult, BulkProgress
from ..types import RunStatus
from ._common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, UsageError, make_client
from ._ids import read_ids
from ._progress import ProgressView
from ._report import outcome_json, print_summary

__all__ = ["cancel_command"]

DEFAULT_STATUSES = (RunStatus.PENDING.value, RunStatus.PROCESSING.value)


async def cancel_command(
    args: argparse.Namespace, *, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    by_filter = bool(args.status or args.classifier or args.batch)
    given = [bool(args.ids), args.from_file is not None, by_filter]
    if sum(given) > 1:
        raise UsageError("give run ids, --from-file, or filters (--status/--classifier/--batch)")
    if not any(given):
        raise UsageError(
            "nothing to cancel: give run ids, --from-file FILE (- for stdin), "
            "or a filter such as --status PROCESSING"
        )
    if by_filter:
        return await _cancel_by_filter(args, stdin=stdin, stdout=stdout, stderr=stderr)
    ids = read_ids(args.ids, args.from_file, stdin)
    if not ids:
        raise UsageError(f"no ids in {'stdin' if args.from_file == '-' else args.from_file}")
    if args.dry_run:
        stdout.write(
            f"{len(ids)} ids ({len(set(ids))} distinct) would be cancelled; "
            "nothing was sent (dry run)\n"
        )
        return EXIT_OK
    async with make_client(args) as client:
        result = await _with_progress(
            stderr,
            lambda on_progress: client.classify_runs.cancel_many(
                ids,
                concurrency=args.concurrency,
                max_rate=args.max_rate,
                deadline=args.deadline,
                on_progress=on_progress,
            ),
        )
    return _report(result, args, stdout=stdout, stderr=stderr)


async def _with_progress(
    stderr: TextIO,
    operation: Callable[[Callable[[BulkProgress], None]], Awaitable[BulkCancelResult]],
) -> BulkCancelResult:
    """Run a bulk cancel with the progress view; an interrupt still yields its result."""
    view = ProgressView(stderr, live=stderr.isatty())
    try:
        return await operation(view.update)
    except BulkCancelInterrupted as stop:
        return stop.result
    finally:
        view.close()


def _describe(args: argparse.Namespace, statuses: tuple[str, ...]) -> str:
    text = f"every {' or '.join(statuses)} run"
    if args.classifier:
        text += f" of classifier {args.classifier}"
    if args.batch:
        text += f" in batch {args.batch}"
    return text


async def _cancel_by_filter(
    args: argparse.Namespace, *, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    statuses = tuple(dict.fromkeys(args.status)) if args.status else DEFAULT_STATUSES
    what = _describe(args, statuses)
    async with make_client(args) as client:
        if args.dry_run:
            matched = 0
            for status in statuses:
                pager = client.classify_runs.list(
                    status=status, classifier_id=args.classifier, batch_id=args.batch,
                    sort_by="createdAt", sort_dir="asc", max_page_size=1000,
                )  # fmt: skip
                async for run in pager:
                    matched += 1
                    stdout.write(f"{run.id}\t{run.status}\n")
            stdout.write(f"{matched} runs match ({what}); nothing was cancelled (dry run)\n")
            return EXIT_OK
        if not args.yes:
            if not stdin.isatty():
                raise UsageError(
                    f"refusing to cancel {what} without --yes (stdin is not a terminal "
                    "to confirm on); nothing was cancelled"
                )
            stderr.write(f"Cancel {what}? This cannot be undone. [y/N] ")
            stderr.flush()
            if stdin.readline().strip().lower() not in ("y", "yes"):
                stderr.write("Nothing was cancelled.\n")
                return EXIT_FAILED
        result = await _with_progress(
            stderr,
            lambda on_progress: client.classify_runs.cancel_all(
                status=statuses,
                classifier_id=args.classifier,
                batch_id=args.batch,
                concurrency=args.concurrency,
                max_rate=args.max_rate,
                deadline=args.deadline,
                on_progress=on_progress,
            ),
        )
    return _report(result, args, stdout=stdout, stderr=stderr)


def _report(
    result: BulkCancelResult, args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO
) -> int:
    if args.json:
        for outcome in result:
            stdout.write(outcome_json(outcome).decode() + "\n")
        stdout.flush()
    print_summary(result, stderr if args.json else stdout)
    if result.stop_reason is not None and result.stop_reason.value == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_OK if result.ok else EXIT_FAILED
