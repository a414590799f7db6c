"""The three bulk operations, on top of the engine. ``AsyncClassifyRuns`` delegates here."""

from __future__ import annotations

import asyncio
import math
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterator,
    Sequence,
)
from functools import partial
from typing import Any, Protocol

import anyio
from attrs import evolve, frozen

from .._errors import InvalidInputError
from .._pagination import AsyncPager
from .._retry import RetryPolicy
from .._send import Gate
from ..types import Page
from .attempts import RunCall
from .engine import Engine, Ids, SyncIds, as_async_iterator
from .memo import KindOf
from .outcomes import (
    BulkCancelInterrupted,
    BulkCancelResult,
    CancelOutcome,
    StopReason,
)
from .progress import ProgressCallback, Tally
from .progress_bar import ProgressDisplay, with_display

__all__ = [
    "DEFAULT_BULK_RETRIES",
    "DEFAULT_CONCURRENCY",
    "LIST_PAGE_SIZE",
    "BulkOptions",
    "ListPage",
    "bulk_options",
    "cancel_all",
    "cancel_iter",
    "cancel_many",
]

DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 1000
# Transient failures (resets, timeouts, 5xx) tolerated per id. Higher than a single call's
# default: over thousands of ids, an unlucky streak is certain to happen somewhere.
DEFAULT_BULK_RETRIES = 8
# The outcomes a slow cancel_iter consumer may leave waiting before reading pauses.
OUTPUT_BUFFER = 16
# Listing again after the last page catches runs a server's cursor skipped while the
# filtered list shrank under it; a pass that finds nothing new ends the walk.
MAX_LIST_PASSES = 20
LIST_PAGE_SIZE = 1000


class Listed(Protocol):
    """A list item: only its id is read."""

    @property
    def id(self) -> str: ...


# One page of one listing (a status; for runs across kinds, a kind and a status), from a
# cursor, sent through the gate it is given.
# (``Page`` is invariant: any page, whose items are read as ``Listed``.)
ListPage = Callable[[str, "str | None", Gate], Awaitable[Page[Any]]]


@frozen(kw_only=True)
class BulkOptions:
    concurrency: int
    max_rate: float | None
    deadline: float | None
    max_retries: int
    policy: RetryPolicy
    # The client has a shared rate limiter: it paces the attempts, the throttle only caps.
    paced_elsewhere: bool = False
    # The kind of run each id is, for the outcomes (operations across kinds).
    kind_of: KindOf | None = None


def _positive_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}")
    if value <= 0:
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def bulk_options(
    *,
    concurrency: int,
    max_rate: float | None,
    deadline: float | None,
    max_retries: int | None,
    policy: RetryPolicy,
    paced_elsewhere: bool = False,
    kind_of: KindOf | None = None,
) -> BulkOptions:
    """Check the caller's settings before anything is read or sent."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise InvalidInputError(f"concurrency must be an int, got {concurrency!r}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InvalidInputError(
            f"concurrency must be from 1 to {MAX_CONCURRENCY}, got {concurrency}"
        )
    retries = DEFAULT_BULK_RETRIES if max_retries is None else max_retries
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise InvalidInputError(f"max_retries must be a non-negative int, got {max_retries!r}")
    return BulkOptions(
        concurrency=concurrency,
        max_rate=None if max_rate is None else _positive_number(max_rate, "max_rate"),
        deadline=None if deadline is None else _positive_number(deadline, "deadline"),
        max_retries=retries,
        policy=policy,
        paced_elsewhere=paced_elsewhere,
        kind_of=kind_of,
    )


def _engine(options: BulkOptions, cancel: RunCall, get: RunCall) -> Engine:
    return Engine(
        cancel=cancel,
        get=get,
        concurrency=options.concurrency,
        max_rate=options.max_rate,
        deadline=options.deadline,
        policy=options.policy,
        paced_elsewhere=options.paced_elsewhere,
        kind_of=options.kind_of,
    )


async def cancel_many(
    ids: Ids,
    *,
    cancel: RunCall,
    get: RunCall,
    options: BulkOptions,
    on_progress: ProgressCallback | None,
    progress: bool = False,
) -> BulkCancelResult:
    source, total, rest = _read(ids)
    display = _display(progress, total, "cancel_many")
    try:
        report = with_display(display, on_progress)
        return await _collect(_engine(options, cancel, get), source, total, rest, report)
    finally:
        if display is not None:
            display.close()


def cancel_iter(
    ids: Ids,
    *,
    cancel: RunCall,
    get: RunCall,
    options: BulkOptions,
    on_progress: ProgressCallback | None,
) -> AsyncIterator[CancelOutcome]:
    source, total, rest = _read(ids)  # a bad argument fails here, at the call
    return _stream(_engine(options, cancel, get), source, total, rest, on_progress)


async def cancel_all(
    *,
    statuses: Sequence[str],
    list_page: ListPage,
    cancel: RunCall,
    get: RunCall,
    options: BulkOptions,
    on_progress: ProgressCallback | None,
    progress: bool = False,
) -> BulkCancelResult:
    engine = _engine(options, cancel, get)
    ids = _matching_ids(engine, statuses, list_page)
    display = _display(progress, None, "cancel_all")
    try:
        return await _collect(engine, ids, None, None, with_display(display, on_progress))
    finally:
        if display is not None:
            display.close()
        await ids.aclose()


def _display(progress: bool, total: int | None, description: str) -> ProgressDisplay | None:
    """``progress=True``: a live bar (tqdm when installed) or a line on stderr."""
    if not isinstance(progress, bool):
        raise InvalidInputError(f"progress must be True or False, got {progress!r}")
    return ProgressDisplay(total=total, description=description) if progress else None


async def _matching_ids(
    engine: Engine, statuses: Sequence[str], list_page: ListPage
) -> AsyncGenerator[str, None]:
    """Each matching run's id once, page by page, as the engine asks for more."""
    seen: set[str] = set()
    for status in statuses:

        async def fetch_page(token: str | None, status: str = status) -> Page[Listed]:
            return await engine.settler.call(partial(list_page, status, token))

        for _ in range(MAX_LIST_PASSES):
            fresh = 0
            # The pager ``list()`` returns: it stops on a repeated nextPageToken.
            async for page in AsyncPager(fetch_page).pages():
                listed: tuple[Listed, ...] = page.data
                for run in listed:
                    if run.id not in seen:
                        seen.add(run.id)
                        fresh += 1
                        yield run.id
            if not fresh:
                break


def _read(ids: Ids) -> tuple[AsyncIterator[object], int | None, Iterator[object] | None]:
    """How to read ``ids``, its length if known and, for an in-memory collection, its
    iterator: the ids a stop left unread there still get an outcome each (a lazy
    iterable's unread ids were never given, so they are not part of the result)."""
    source = as_async_iterator(ids)
    if isinstance(ids, Collection) and isinstance(source, SyncIds):
        return source, len(ids), source.rest
    return source, None, None


async def _collect(
    engine: Engine,
    ids: AsyncIterator[object],
    total: int | None,
    rest: Iterator[object] | None,
    on_progress: ProgressCallback | None,
) -> BulkCancelResult:
    tally = Tally(total=total, throttle=engine.throttle, on_progress=on_progress)
    outcomes: list[CancelOutcome] = []

    async def keep(outcome: CancelOutcome) -> None:
        outcomes.append(outcome)
        tally.add(outcome)

    try:
        await engine.run(ids, keep)
    except anyio.get_cancelled_exc_class() as exc:
        outcomes.extend(engine.unfinished())
        partial = _result(outcomes, engine, tally, rest, StopReason.INTERRUPTED)
        raise BulkCancelInterrupted(partial) from exc
    return _result(outcomes, engine, tally, rest, engine.stop_reason)


def _result(
    outcomes: list[CancelOutcome],
    engine: Engine,
    tally: Tally,
    rest: Iterator[object] | None,
    reason: StopReason | None,
) -> BulkCancelResult:
    by_index = {o.index: o for o in outcomes}
    ordered = [by_index[index] for index in sorted(by_index)]
    # A duplicate's outcome mirrors its first position, run included.
    settled = tuple(
        evolve(o, run=by_index[o.duplicate_of].run) if o.duplicate_of is not None else o
        for o in ordered
    )
    result = BulkCancelResult(
        outcomes=settled,
        elapsed=tally.elapsed,
        requests=engine.throttle.requests,
        throttled=engine.throttle.throttled,
        stop_reason=reason,
        error=engine.error if reason is StopReason.ERROR else None,
    )
    if rest is not None:

        def earlier(id: str) -> CancelOutcome | None:
            index = engine.first_index(id)
            return None if index is None else by_index.get(index) or engine.earlier(id)

        # The ids a stop left unread get their outcomes when the result is first read:
        # the deadline holds however many are left. ``on_progress`` never hears of them.
        result._add_unread(engine.untried(rest, earlier))
    return result


async def _stream(
    engine: Engine,
    ids: AsyncIterator[object],
    total: int | None,
    rest: Iterator[object] | None,
    on_progress: ProgressCallback | None,
) -> AsyncIterator[CancelOutcome]:
    tally = Tally(total=total, throttle=engine.throttle, on_progress=on_progress)
    send, receive = anyio.create_memory_object_stream[CancelOutcome](OUTPUT_BUFFER)

    async def produce() -> None:
        async with send:
            await engine.run(ids, send.send)
            for outcome in engine.untried(rest) if rest is not None else ():
                await send.send(outcome)

    # The engine runs in a task of its own: the consumer may do anything between two
    # outcomes, and stopping (break, aclose, cancellation) must end the engine with it.
    task = asyncio.get_running_loop().create_task(produce())
    try:
        async with receive:
            async for outcome in receive:
                tally.add(outcome)
                yield outcome
        await task
        if engine.stop_reason is StopReason.ERROR and engine.error is not None:
            raise engine.error
    finally:
        if not task.done():
            task.cancel()
        with anyio.CancelScope(shield=True):
            await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved, so it is never reported as unhandled
