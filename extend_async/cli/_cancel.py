"""``extend-client cancel``: by ids (arguments, a file, stdin) or by filter."""

from __future__ import annotations

import argparse
import asyncio
import io
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from functools import partial
from typing import Any, BinaryIO, TextIO, cast

from attrs import evolve

from .._client import AsyncExtend
from .._errors import APIConnectionError, ExtendError, InvalidInputError
from ..bulk import BulkCancelInterrupted, BulkCancelResult, BulkProgress, StopReason
from ..resources._run_kinds import CANCELLABLE_KINDS, RUN_KINDS, kind_from_id, kind_of_run
from ..types import ClassifyRunSummary, RunStatus
from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    PROG,
    UsageError,
    error_line,
    make_client,
    notice,
    plural,
    read_answer,
    timeout_seconds,
)
from ._ids import IdSource, checked_arguments, count_in_background, open_ids
from ._output import OUTCOME_COLUMNS, TYPED_RUN_COLUMNS, Printer
from ._progress import ProgressView
from ._report import (
    Summary,
    connection_problem,
    exit_status,
    one_line,
    outcome_data,
    print_summary,
)
from ._runs import DEFAULT_TYPE

__all__ = ["cancel_command"]

DEFAULT_STATUSES = (RunStatus.PENDING.value, RunStatus.PROCESSING.value)


async def cancel_command(
    args: argparse.Namespace, *, stdin: TextIO | None, stdout: TextIO, stderr: TextIO
) -> int:
    if args.json:
        args.output = "json"
    by_filter = bool(args.status or args.classifier or args.batch or args.all)
    given = [bool(args.ids), args.from_file is not None, by_filter]
    if sum(given) > 1:
        raise UsageError(
            "give only one of: run ids, --from-file, or filters "
            "(--all/--status/--classifier/--batch)"
        )
    if not any(given):
        raise UsageError(
            "nothing to cancel: give run ids, --from-file FILE (- for stdin), "
            "or a filter such as --status PROCESSING or --all"
        )
    if by_filter:
        kinds = _filter_types(args)
        if kinds is not None:
            return await _cancel_across_types(
                args, kinds, stdin=stdin, stdout=stdout, stderr=stderr
            )
        return await _cancel_by_filter(args, stdin=stdin, stdout=stdout, stderr=stderr)
    args.type = _ids_type(args)
    allow_any = args.allow_any_id or args.type is not None
    if args.from_file is None:
        return await _cancel_arguments(args, allow_any, stdout=stdout, stderr=stderr)
    if args.from_file == "-" and stdin is None:
        raise UsageError("stdin is closed: no ids to read (give --from-file FILE, or ids)")
    source = open_ids(args.from_file, _binary(stdin), allow_any=allow_any)
    try:
        if args.dry_run:
            count, distinct = 0, set()
            async for run_id in source.ids():
                count += 1
                distinct.add(run_id)
            if not count:
                return _nothing_to_cancel(f"no ids in {source.name}", stderr)
            notice(_would_cancel(count, distinct, args.type), stderr)
            return EXIT_OK
        async with make_client(args, retry_notices=False) as client:
            summary = await _cancel_streamed(client, source, args, stdout, stderr)
            if source.finished and not summary.total and summary.stop_reason is None:
                # A day with nothing to cancel is not a failure (`set -e` cron jobs).
                return _nothing_to_cancel(f"no ids in {source.name}", stderr)
            if not source.finished:  # nothing else stopped it: the deadline left the rest
                summary.stop(StopReason.DEADLINE)
            return _finish(summary, args, client, stdout=stdout, stderr=stderr)
    finally:
        source.close()


def _nothing_to_cancel(why: str, stderr: TextIO) -> int:
    """Empty input, wherever it came from: a notice on stderr and exit 0."""
    notice(f"{PROG}: {why}; nothing to cancel", stderr)
    return EXIT_OK


def _binary(stdin: TextIO | None) -> BinaryIO:
    if stdin is None:
        return io.BytesIO()  # only reached when the ids come from a file
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return cast(BinaryIO, buffer)
    return io.BytesIO(stdin.read().encode("utf-8"))  # a text stream without bytes under it


def _ids_type(args: argparse.Namespace) -> str | None:
    """The one type ``--type`` gives the ids, if any (``all``: by their prefixes)."""
    types = set(args.types or ())
    if len(types) > 1:
        raise UsageError("ids take one --type (or none: each id's prefix says its type)")
    one = next(iter(types), None)
    return None if one == "all" else one


def _would_cancel(count: int, distinct: set[str], given: str | None) -> str:
    """The dry run's line: how many ids, and the distinct ones by type when not all are
    classify runs."""
    per_type = Counter(run_type_of(run_id, given) for run_id in distinct)
    text = f"{plural(count, 'id')} ({len(distinct)} distinct) would be cancelled"
    if set(per_type) != {DEFAULT_TYPE}:
        parts = [  # in the table's order, whatever the ids' order
            f"{name} {per_type[name]}" + ("" if kind.cancellable else " (cannot be cancelled)")
            for name, kind in RUN_KINDS.items()
            if per_type[name]
        ]
        text += f"; by type: {', '.join(parts)}"
    return text + "; nothing was sent (dry run)"


def run_type_of(run_id: str, given: str | None) -> str:
    named = kind_from_id(run_id)
    return given or (DEFAULT_TYPE if named is None else named.name)


async def _cancel_arguments(
    args: argparse.Namespace, allow_any: bool, *, stdout: TextIO, stderr: TextIO
) -> int:
    ids = checked_arguments(args.ids, allow_any=allow_any)
    if args.dry_run:
        notice(_would_cancel(len(ids), set(ids), args.type), stderr)
        return EXIT_OK
    async with make_client(args, retry_notices=False) as client:
        result = await _with_progress(
            stderr,
            lambda on_progress: client.runs.cancel_many(
                ids,
                kind=args.type,
                default_kind=None if args.type else DEFAULT_TYPE,
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
    printer = _outcome_printer(args, stdout)
    outcomes = client.runs.cancel_iter(
        source.ids(),
        kind=args.type,
        default_kind=None if args.type else DEFAULT_TYPE,
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
                _show(printer, outcome)
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


def _outcome_printer(args: argparse.Namespace, stdout: TextIO) -> Printer | None:
    """Outcomes on stdout in the ``-o`` form; none for ``table``, whose summary (on
    stderr) is the report."""
    if args.output == "table":
        return None
    return Printer(stdout, args.output, OUTCOME_COLUMNS)


def _show(printer: Printer | None, outcome: Any) -> None:
    if printer is None:
        return
    if printer.form == "id" and not outcome.ok:
        return  # `-o id`: the ids cancelled (or already terminal), for the next command
    printer.show(outcome_data(outcome))


def _print_outcomes(result: BulkCancelResult, args: argparse.Namespace, stdout: TextIO) -> None:
    printer = _outcome_printer(args, stdout)
    for outcome in result:
        _show(printer, outcome)
    stdout.flush()


def _finish(
    summary: Summary,
    args: argparse.Namespace,
    client: AsyncExtend,
    *,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """The summary (on stderr: counts, not data), then the error that stopped the
    operation, once, and the exit status."""
    stdout.flush()
    print_summary(summary, stderr, base_url=client.base_url)
    if summary.stop_reason is StopReason.ERROR and summary.error is not None:
        error = summary.error
        if isinstance(error, APIConnectionError):
            text = connection_problem(error, client.base_url, timeout_seconds(args))
        else:
            text = str(error) if isinstance(error, UsageError) else one_line(error)
        error_line(text, stderr)
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
    args: argparse.Namespace, *, stdin: TextIO | None, stdout: TextIO, stderr: TextIO
) -> int:
    statuses = tuple(dict.fromkeys(args.status)) if args.status else DEFAULT_STATUSES
    what = _describe(args, statuses)
    async with make_client(args, retry_notices=False) as client:
        if args.dry_run:
            printer = Printer(stdout, args.output)
            matched = 0
            async for run in _matching(client, args, statuses):
                matched += 1
                printer.show(run)
            stdout.flush()
            notice(
                f"{plural(matched, 'run')} match ({what}); nothing was cancelled (dry run)",
                stderr,
            )
            return EXIT_OK
        if not args.yes:
            if stdin is None or not stdin.isatty():
                raise UsageError(
                    f"refusing to cancel {what} without --yes (stdin is not a terminal "
                    "to confirm on); nothing was cancelled"
                )
            matched = 0
            async for _ in _matching(client, args, statuses):
                matched += 1
            if not matched:
                return _nothing_to_cancel(f"no runs match ({what})", stderr)
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
        if not len(result) and result.stop_reason is None:
            return _nothing_to_cancel(f"no runs match ({what})", stderr)
        _print_outcomes(result, args, stdout)
        return _finish(Summary.of(result), args, client, stdout=stdout, stderr=stderr)


def _filter_types(args: argparse.Namespace) -> list[str] | None:
    """The types a filter stops: ``--type`` (``all``: every type that can be cancelled),
    every such type with ``--all`` alone; ``None`` for classify runs through their own
    filters (``--classifier`` too)."""
    types = list(dict.fromkeys(args.types or ()))
    if not types and not args.all:
        return None
    if types == [DEFAULT_TYPE] and not args.all:
        return None
    if args.classifier is not None:
        raise UsageError("--classifier filters classify runs only: leave out --type and --all")
    if not types or "all" in types:
        return list(CANCELLABLE_KINDS)
    for name in types:
        refusal = RUN_KINDS[name].cancel_refusal
        if refusal is not None:
            raise UsageError(f"--type {name}: {refusal}")
    return types


def _describe_types(kinds: list[str], statuses: tuple[str, ...], batch: str | None) -> str:
    text = f"every {' or '.join(statuses)} run of type {', '.join(kinds)}"
    return text + (f" in batch {batch}" if batch else "")


async def _cancel_across_types(
    args: argparse.Namespace,
    kinds: list[str],
    *,
    stdin: TextIO | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    statuses = tuple(dict.fromkeys(args.status)) if args.status else DEFAULT_STATUSES
    what = _describe_types(kinds, statuses, args.batch)
    async with make_client(args, retry_notices=False) as client:
        try:  # the filters are checked here, before anything is sent
            pager = client.runs.list(
                kinds=kinds, status=statuses, batch_id=args.batch, max_page_size=1000
            )
            operation = partial(
                client.runs.cancel_all,
                kinds=kinds,
                status=statuses,
                batch_id=args.batch,
                concurrency=args.concurrency,
                max_rate=args.max_rate,
                deadline=args.deadline,
            )
        except InvalidInputError as exc:
            raise UsageError(str(exc)) from None
        if args.dry_run or not args.yes:
            if not args.dry_run and (stdin is None or not stdin.isatty()):
                raise UsageError(
                    f"refusing to cancel {what} without --yes (stdin is not a terminal "
                    "to confirm on); nothing was cancelled"
                )
            printer = Printer(stdout, args.output, TYPED_RUN_COLUMNS) if args.dry_run else None
            per_type: Counter[str] = Counter()
            async for run in pager:
                kind = kind_of_run(run)
                per_type[kind.name if kind else "unknown"] += 1
                if printer is not None:
                    printer.show(run)
            stdout.flush()
            matched = sum(per_type.values())
            counts = ", ".join(f"{name} {per_type[name]}" for name in kinds if per_type[name])
            found = f"{plural(matched, 'run')} match ({what})" + (f": {counts}" if counts else "")
            if args.dry_run:
                notice(f"{found}; nothing was cancelled (dry run)", stderr)
                return EXIT_OK
            if not matched:
                return _nothing_to_cancel(f"no runs match ({what})", stderr)
            assert stdin is not None
            stderr.write(f"Cancel {what}? {found} now. This cannot be undone. [y/N] ")
            stderr.flush()
            if (await read_answer(stdin)).strip().lower() not in ("y", "yes"):
                stderr.write("Nothing was cancelled.\n")
                return EXIT_FAILED
        result = await _with_progress(
            stderr, lambda on_progress: operation(on_progress=on_progress)
        )
        if not len(result) and result.stop_reason is None:
            return _nothing_to_cancel(f"no runs match ({what})", stderr)
        _print_outcomes(result, args, stdout)
        return _finish(Summary.of(result), args, client, stdout=stdout, stderr=stderr)
