"""``extend-client cancel``: by ids (arguments, a file, stdin) or by filter."""

from __future__ import annotations

import argparse
import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, BinaryIO, TextIO, cast

from attrs import evolve

from .._client import AsyncExtend
from .._errors import APIConnectionError, ExtendError
from ..bulk import BulkCancelInterrupted, BulkCancelResult, BulkProgress, StopReason
from ..types import ClassifyRunSummary, RunStatus
from ._common import EXIT_FAILED, EXIT_OK, UsageError, make_client, plural, read_answer
from ._ids import IdSource, checked_arguments, count_in_background, open_ids
from ._output import RunPrinter
from ._progress import ProgressView
from ._report import (
    Summary,
    connection_hint,
    exit_status,
    one_line,
    outcome_json,
    print_summary,
)

__all__ = ["cancel_command"]

DEFAULT_STATUSES = (RunStatus.PENDING.value, RunStatus.PROCESSING.value)


async def cancel_command(
    args: argparse.Namespace, *, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    if args.json:
        args.output = "json"
    by_filter = bool(args.status or args.classifier or args.batch)
    given = [bool(args.ids), args.from_file is not None, by_filter]
    if sum(given) > 1:
        raise UsageError(
            "give only one of: run ids, --from-file, or filters (--status/--classifier/--batch)"
        )
    if not any(given):
        raise UsageError(
            "nothing to cancel: give run ids, --from-file FILE (- for stdin), "
            "or a filter such as --status PROCESSING"
        )
    if by_filter:
        return await _cancel_by_filter(args, stdin=stdin, stdout=stdout, stderr=stderr)
    if args.from_file is None:
        return await _cancel_arguments(args, stdout=stdout, stderr=stderr)
    source = open_ids(args.from_file, _binary(stdin), allow_any=args.allow_any_id)
    try:
        if args.dry_run:
            count, distinct = 0, set()
            async for run_id in source.ids():
                count += 1
                distinct.add(run_id)
            if not count:
                raise UsageError(f"no ids in {source.name}")
            stdout.write(
                f"{plural(count, 'id')} ({len(distinct)} distinct) would be cancelled; "
                "nothing was sent (dry run)\n"
            )
            return EXIT_OK
        async with make_client(args) as client:
            summary = await _cancel_streamed(client, source, args, stdout, stderr)
            if source.finished and not summary.total and summary.stop_reason is None:
                raise UsageError(f"no ids in {source.name}")
            if not source.finished:  # nothing else stopped it: the deadline left the rest
                summary.stop(StopReason.DEADLINE)
            return _finish(summary, args, client, stdout=stdout, stderr=stderr)
    finally:
        source.close()


def _binary(stdin: TextIO) -> BinaryIO:
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return cast(BinaryIO, buffer)
    return io.BytesIO(stdin.read().encode("utf-8"))  # a text stream without bytes under it


async def _cancel_arguments(args: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    ids = checked_arguments(args.ids, allow_any=args.allow_any_id)
    if args.dry_run:
        stdout.write(
            f"{plural(len(ids), 'id')} ({len(set(ids))} distinct) would be cancelled; "
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
        _print_outcomes(result, args, stdout)
        return _finish(Summary.of(result), args, client, stdout=stdout, stderr=stderr)


async def _cancel_streamed(
    client: AsyncExtend,
    source: IdSource,
    args: argparse.Namespace,
    stdout: TextIO,
    stderr: TextIO,
) -> Summary:
    """Cancel ids as they are read: sending starts with the first line, and only counts
    are kept, so memory stays flat however long the file."""
    summary = Summary()
    view = ProgressView(stderr, live=stderr.isatty())
    throttled = 0
    total: int | None = None

    def counted(count: int) -> None:
        nonlocal total
        total = count

    def on_progress(progress: BulkProgress) -> None:
        nonlocal throttled
        throttled = progress.throttled
        if progress.total is None and total is not None:
            progress = evolve(progress, total=max(total, progress.done))
        view.update(progress)

    count_in_background(source, counted)
    outcomes = client.classify_runs.cancel_iter(
        source.ids(),
        concurrency=args.concurrency,
        max_rate=args.max_rate,
        deadline=args.deadline,
        on_progress=on_progress,
    )
    try:
        # An async generator underneath: closing it (on Ctrl-C too) stops the engine.
        async with aclosing(cast(Any, outcomes)):
            async for outcome in outcomes:
                summary.add(outcome)
                if args.output == "json":
                    stdout.write(outcome_json(outcome).decode() + "\n")
                elif args.output == "id" and outcome.ok:
                    stdout.write(outcome.id + "\n")
    except (ExtendError, UsageError) as exc:  # a rejected key, a bad line in the file
        summary.stop(StopReason.ERROR, exc)
    except asyncio.CancelledError:  # Ctrl-C: report what was done
        summary.stop(StopReason.INTERRUPTED)
    finally:
        view.close()
    summary.finish(throttled)
    return summary


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


def _print_outcomes(result: BulkCancelResult, args: argparse.Namespace, stdout: TextIO) -> None:
    for outcome in result:
        if args.output == "json":
            stdout.write(outcome_json(outcome).decode() + "\n")
        elif args.output == "id" and outcome.ok:
            stdout.write(outcome.id + "\n")
    stdout.flush()


def _finish(
    summary: Summary,
    args: argparse.Namespace,
    client: AsyncExtend,
    *,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """The summary (on stdout, unless stdout carries data), then the error that stopped
    the operation, once, and the exit status."""
    stdout.flush()
    print_summary(summary, stdout if args.output == "table" else stderr, base_url=client.base_url)
    if summary.stop_reason is StopReason.ERROR and summary.error is not None:
        error = summary.error
        text = " ".join((str(error) if isinstance(error, UsageError) else one_line(error)).split())
        if isinstance(error, APIConnectionError):
            text += f"; {connection_hint(client.base_url)}"
        stderr.write(f"extend-client: error: {text}\n")
        stderr.flush()
    return exit_status(summary)


def _describe(args: argparse.Namespace, statuses: tuple[str, ...]) -> str:
    text = f"every {' or '.join(statuses)} run"
    if args.classifier:
        text += f" of classifier {args.classifier}"
    if args.batch:
        text += f" in batch {args.batch}"
    return text


async def _matching(
    client: AsyncExtend, args: argparse.Namespace, statuses: tuple[str, ...]
) -> AsyncIterator[ClassifyRunSummary]:
    for status in statuses:
        pager = client.classify_runs.list(
            status=status, classifier_id=args.classifier, batch_id=args.batch,
            sort_by="createdAt", sort_dir="asc", max_page_size=1000,
        )  # fmt: skip
        async for run in pager:
            yield run


async def _cancel_by_filter(
    args: argparse.Namespace, *, stdin: TextIO, stdout: TextIO, stderr: TextIO
) -> int:
    statuses = tuple(dict.fromkeys(args.status)) if args.status else DEFAULT_STATUSES
    what = _describe(args, statuses)
    async with make_client(args) as client:
        if args.dry_run:
            printer = RunPrinter(stdout, args.output)
            matched = 0
            async for run in _matching(client, args, statuses):
                matched += 1
                printer.show(run)
            note = stdout if args.output == "table" else stderr
            note.write(
                f"{plural(matched, 'run')} match ({what}); nothing was cancelled (dry run)\n"
            )
            return EXIT_OK
        if not args.yes:
            if not stdin.isatty():
                raise UsageError(
                    f"refusing to cancel {what} without --yes (stdin is not a terminal "
                    "to confirm on); nothing was cancelled"
                )
            matched = 0
            async for _ in _matching(client, args, statuses):
                matched += 1
            stderr.write(
                f"Cancel {what}? {plural(matched, 'run')} match now. "
                "This cannot be undone. [y/N] "
            )
            stderr.flush()
            if (await read_answer(stdin)).strip().lower() not in ("y", "yes"):
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
        _print_outcomes(result, args, stdout)
        return _finish(Summary.of(result), args, client, stdout=stdout, stderr=stderr)
