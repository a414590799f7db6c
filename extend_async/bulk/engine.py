"""The worker pool: reads ids lazily, settles each one once, emits one outcome per input.

A worker takes the next id, settles it and emits its outcome before taking another. At
most ``concurrency`` ids are being worked on at once, so the ids read but not yet emitted
never exceed ``concurrency`` (and a slow consumer of the outcomes holds the reading back)
- except that an id waiting out a retry backoff is parked and does not count, so a burst
of transient failures does not idle the operation; at most ``PARKED_PER_SLOT`` times
``concurrency`` ids are parked. Requests in flight are limited further, adaptively, by
the ``Throttle``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator

import anyio

from .._errors import ExtendError, InvalidInputError
from .._retry import RetryPolicy
from .attempts import Item, RunCall, Settler, unfinished_outcome
from .memo import KindOf, Memo, mirror
from .outcomes import CancelOutcome, OutcomeKind, StopReason
from .throttle import STOP_GRACE, Stopped, Throttle
from .untried import Untried, malformed
from .waiting import Room

__all__ = ["PARKED_PER_SLOT", "Emit", "Engine", "Ids", "SyncIds", "as_async_iterator"]

log = logging.getLogger("extend_async.bulk")

Ids = Iterable[str] | AsyncIterable[str]
Emit = Callable[[CancelOutcome], Awaitable[None]]

PARKED_PER_SLOT = 3


def as_async_iterator(ids: Ids) -> AsyncIterator[object]:
    """Iterate ``ids`` lazily, whichever kind of iterable it is."""
    if isinstance(ids, str | bytes):
        raise InvalidInputError("ids must be an iterable of ids, not a single string")
    if isinstance(ids, AsyncIterable):
        return aiter(ids)
    if isinstance(ids, Iterable):
        return SyncIds(iter(ids))
    raise InvalidInputError(f"ids must be an iterable or async iterable, got {type(ids).__name__}")


class SyncIds:
    """A plain iterable read as an async one; what is left can still be read directly."""

    def __init__(self, ids: Iterator[object]) -> None:
        self.rest = ids

    def __aiter__(self) -> SyncIds:
        return self

    async def __anext__(self) -> object:
        try:
            return next(self.rest)
        except StopIteration:
            raise StopAsyncIteration from None


class Engine:
    def __init__(
        self,
        *,
        cancel: RunCall,
        get: RunCall,
        concurrency: int,
        max_rate: float | None,
        deadline: float | None,
        policy: RetryPolicy,
        grace: float = STOP_GRACE,
        paced_elsewhere: bool = False,
        kind_of: KindOf | None = None,
    ) -> None:
        self.throttle = Throttle(
            concurrency=concurrency,
            max_rate=max_rate,
            policy=policy,
            grace=grace,
            paced_elsewhere=paced_elsewhere,
        )
        self._room = Room(concurrency)
        self.settler = Settler(
            cancel=cancel,
            get=get,
            throttle=self.throttle,
            policy=policy,
            on_fatal=self._fatal,
            park=self._room.parked_while,
        )
        self._workers = concurrency * (1 + PARKED_PER_SLOT)
        self._deadline = deadline
        self._kind_of = kind_of
        self._memo = Memo(kind_of)
        self._active: dict[int, Item] = {}
        self._read_lock = anyio.Lock()
        self._exhausted = False
        self._emit_error: Exception | None = None
        self._abandoned: dict[int, CancelOutcome] = {}
        self.read = 0
        self.stop_reason: StopReason | None = None
        self.error: Exception | None = None

    def stop(self, reason: StopReason, error: Exception | None = None) -> None:
        """Read no more ids and send nothing new; what was read still gets its outcome.

        At the deadline, requests in flight are cancelled at once (an id whose cancel was
        under way is ``failed`` with ``OutcomeUnknownError``): the deadline holds even
        when every connection hangs. Other stops give them the grace period."""
        if self.stop_reason is None:
            self.stop_reason = reason
            self.error = error
        self.throttle.stop(grace=0.0 if reason is StopReason.DEADLINE else None)

    def _fatal(self, exc: ExtendError) -> None:
        if self.stop_reason is None:
            log.warning("stopping the bulk cancel: %s", exc)
            self.stop(StopReason.ERROR, exc)

    async def run(self, ids: AsyncIterator[object], emit: Emit) -> None:
        """Settle every id read from ``ids``, passing each outcome to ``emit``."""
        async with anyio.create_task_group() as outer:
            if self._deadline is not None:
                outer.start_soon(self._expire, anyio.current_time() + self._deadline)
            async with anyio.create_task_group() as pool:
                for _ in range(self._workers):
                    pool.start_soon(self._work, ids, emit, pool.cancel_scope)
            outer.cancel_scope.cancel()
        if self._emit_error is not None:
            raise self._emit_error

    def unfinished(self) -> list[CancelOutcome]:
        """Outcomes for the ids read but not settled, after ``run`` was cancelled."""
        outcomes: dict[int, CancelOutcome] = {}
        items = sorted(self._active.values(), key=lambda item: item.duplicate_of is not None)
        for item in items:
            if item.duplicate_of is None:
                outcomes[item.index] = self._abandoned[item.index] = unfinished_outcome(item)
            else:
                outcomes[item.index] = mirror(self._first_outcome(item.id), item.index)
        self._active.clear()
        return list(outcomes.values())

    def untried(
        self,
        rest: Iterator[object],
        earlier: Callable[[str], CancelOutcome | None] | None = None,
    ) -> Untried:
        """The ids of an in-memory collection never read because the operation stopped,
        whose outcomes (``not_attempted``, a duplicate's mirror, a malformed id's failure)
        are made when first asked for. Nothing is sent.

        ``earlier`` gives the outcome of an id read before the stop (by default the
        slimmed one the engine kept, without its run)."""
        unread = tuple(rest)
        untried = Untried(
            unread,
            start=self.read,
            read_before=self._memo.ids(),
            earlier=earlier or self.earlier,
            kind_of=self._kind_of,
        )
        self.read += len(unread)
        return untried

    def first_index(self, id: str) -> int | None:
        """The position where ``id`` was first read, if it was."""
        return self._memo.first_index(id)

    def earlier(self, id: str) -> CancelOutcome | None:
        """How the first position of ``id`` ended (without its run), if ``id`` was read."""
        if self._memo.first_index(id) is None:
            return None
        return self._first_outcome(id)

    def _first_outcome(self, id: str) -> CancelOutcome:
        index = self._memo.first_index(id)
        assert index is not None
        settled = self._memo.settled(id) or self._abandoned.get(index)
        return settled or CancelOutcome(
            id=id,
            index=index,
            kind=OutcomeKind.NOT_ATTEMPTED,
            run_kind=None if self._kind_of is None else self._kind_of(id),
        )

    async def _expire(self, at: float) -> None:
        await anyio.sleep_until(at)
        if self.stop_reason is None:
            log.info("deadline reached: sending no new requests")
        # Also after another stop: requests still in its grace period end now.
        self.stop(StopReason.DEADLINE)

    async def _work(self, ids: AsyncIterator[object], emit: Emit, pool: anyio.CancelScope) -> None:
        while True:
            await self._room.enter()
            taken = await self._take(ids)
            if taken is None:
                self._room.leave()
                return
            index, value = taken
            outcome = await self._settle(index, value)
            try:
                await emit(outcome)
            except Exception as exc:  # the consumer's error ends the operation
                self._emit_error = self._emit_error or exc
                pool.cancel()
                return
            finally:
                self._room.leave()
            if outcome.duplicate_of is None and outcome.index == self._memo.first_index(outcome.id):
                # Only now: a duplicate waiting for this id is emitted after its first.
                self._memo.finish(outcome.id, outcome)

    async def _take(self, ids: AsyncIterator[object]) -> tuple[int, object] | None:
        async with self._read_lock:
            if self._exhausted or self.stop_reason is not None:
                return None
            try:
                value = await anext(ids)
            except (StopAsyncIteration, Stopped):
                self._exhausted = True
                return None
            except Exception as exc:  # the ids iterable (or the listing) failed
                self._exhausted = True
                log.warning("stopping the bulk cancel: reading ids failed: %r", exc)
                self.stop(StopReason.ERROR, exc)
                return None
            index = self.read
            self.read += 1
            # Accounted for from the moment it is read, whatever happens next.
            self._active[index] = Item(index, value if isinstance(value, str) else str(value))
            return index, value

    async def _settle(self, index: int, value: object) -> CancelOutcome:
        item = self._active[index]
        outcome = await self._outcome(item, value)
        # Only on the way out: when cancelled, the item stays for ``unfinished``.
        del self._active[index]
        return outcome

    async def _outcome(self, item: Item, value: object) -> CancelOutcome:
        failure = malformed(value, item.index)
        if failure is not None:
            return failure
        assert isinstance(value, str)
        if self._kind_of is not None:
            item.run_kind = self._kind_of(value)
        first = self._memo.first_index(value)
        if first is not None:
            item.duplicate_of = first
            await self._memo.wait(value)
            settled = self._memo.settled(value)
            assert settled is not None  # wait() returns once the first is settled
            return mirror(settled, item.index)
        self._memo.begin(value, item.index)
        return await self.settler.settle(item)
