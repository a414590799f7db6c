"""The event-loop thread a sync client runs its coroutines on. Hand-written.

One ``Portal`` serves a client family (an ``Extend`` and every client derived from it with
``with_options``). It starts on first use, under a lock, a ``_LoopThread``: a daemon thread
running an asyncio loop (through ``anyio.run``) that an anyio ``BlockingPortal`` keeps
alive until it is stopped. The aiohttp session is created, used and closed in that loop.

A call does not go through ``BlockingPortal.call``: it is handed to the loop with
``loop.call_soon_threadsafe``, runs as a plain asyncio task (started eagerly, so that its
request goes out in the hand-off's own turn of the loop: ``eager_start`` on Python 3.12+,
the first step taken from the loop's ready queue on 3.11), and wakes the caller with a
plain lock. That costs about a third of ``BlockingPortal.call`` per crossing
(measured with ``benchmarks/sync_overhead.py``: 59–150 µs against 186–395 µs idle,
128–179 µs against 467–469 µs on a loaded machine), the largest part of what the sync
client adds to a call.
It relies on three things anyio does not promise in so many words, each checked by
``tests/sync/test_portal.py::test_anyio_behaviour_the_fast_crossing_relies_on`` so that an
anyio upgrade that changes one fails there, by name, rather than somewhere in a client:

- the coroutine ``anyio.run(..., backend="asyncio")`` runs is in an asyncio loop that also
  runs callbacks scheduled with ``call_soon_threadsafe``;
- anyio's cancel scopes and task groups work inside a task anyio did not start;
- when the portal stops and ``anyio.run`` returns, a task it did not start that is still
  running is cancelled (``_Call`` turns that into "closed while this call was running").

``BlockingPortal`` is still used where its cost does not matter: to stop the loop, and for
async context managers (``wrap_async_context_manager``), which need one task from
``__aenter__`` to ``__aexit__``. The traps of portal-based clients are handled here:

- a client never closed does not hang interpreter exit: the thread is a daemon, and a
  ``weakref.finalize`` (which also runs at exit) closes the pool and stops the loop;
- after ``os.fork()`` the child starts a portal of its own (the parent's thread is not
  there) and never touches the inherited sockets, which the parent still uses;
- Ctrl-C during a call cancels the request in flight, not just the wait;
- a blocking call from the loop thread itself (a callback) raises ``PortalThreadError``
  instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from contextvars import copy_context
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, cast

import anyio
from anyio.from_thread import BlockingPortal

from extend_async import AsyncPager, ExtendError

if TYPE_CHECKING:
    from extend_async._transport import SessionHolder

    from ._pager import SyncPager

__all__ = ["Portal", "PortalThreadError"]

P = ParamSpec("P")
T = TypeVar("T")

log = logging.getLogger("extend_sync")

# Closing (and interpreter exit) waits at most this long for the loop to close the pool.
STOP_TIMEOUT = 5.0
# After Ctrl-C, how long to wait for the interrupted request to be cancelled.
CANCEL_TIMEOUT = 1.0
# A waiting caller checks this often that the loop thread is still alive.
LIVENESS_INTERVAL = 1.0

THREAD_NAME = "extend-sync-loop"

CLOSED_MESSAGE = "this client is closed; create a new one"
CLOSED_DURING_CALL_MESSAGE = "the client was closed while this call was running"
PORTAL_THREAD_MESSAGE = (
    "extend_sync.Extend was called from its own event-loop thread, where waiting for the "
    "result would deadlock. Callbacks given to the sync client (such as on_progress) run in "
    "that thread: do not call the sync client from them. Use extend_async.AsyncExtend in "
    "async code, or hand the work to another thread."
)


class PortalThreadError(ExtendError, RuntimeError):
    """A blocking call was made from the sync client's own event-loop thread.

    That thread is the one that would run the call, so waiting there would deadlock.
    Callbacks passed to the sync client run in that thread.
    """


class _LoopThread:
    """A started event-loop thread: the asyncio ``loop`` calls are handed to, the anyio
    portal that keeps it running until stopped, and the thread itself."""

    __slots__ = ("anyio_portal", "loop", "thread", "thread_id")

    def __init__(
        self,
        anyio_portal: BlockingPortal,
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread,
    ) -> None:
        self.anyio_portal = anyio_portal
        self.loop = loop
        self.thread = thread
        self.thread_id = thread.ident


def _start_loop_thread() -> _LoopThread:
    started: Future[_LoopThread] = Future()

    async def serve() -> None:
        async with BlockingPortal() as anyio_portal:
            loop = asyncio.get_running_loop()
            started.set_result(_LoopThread(anyio_portal, loop, threading.current_thread()))
            await anyio_portal.sleep_until_stopped()

    def main() -> None:
        try:
            anyio.run(serve, backend="asyncio")
        except BaseException as exc:  # reported to the starter, or logged: a thread has no caller
            if not started.done():
                started.set_exception(exc)
            else:
                log.debug("the event-loop thread ended with %r", exc)

    threading.Thread(target=main, name=THREAD_NAME, daemon=True).start()
    return started.result()


class _Call(Generic[T]):
    """One crossing: the awaitable runs as a task in the loop; a lock wakes the caller."""

    __slots__ = ("_awaitable", "_cancelled", "_done", "_loop", "_task", "error", "result")

    def __init__(self, awaitable: Awaitable[T], loop: asyncio.AbstractEventLoop) -> None:
        self._awaitable = awaitable
        self._loop = loop
        self._task: asyncio.Task[None] | None = None
        self._cancelled = False
        self._done = threading.Lock()
        self._done.acquire()
        self.error: BaseException | None = None

    # --- in the loop thread ---

    def begin(self) -> None:
        if self._cancelled:  # Ctrl-C came first; the caller re-raises its KeyboardInterrupt
            _close_awaitable(self._awaitable)
            self._done.release()
            return
        if sys.version_info >= (3, 12):
            # The call's first step (building and sending the request) runs now, not one
            # turn of the loop later: ~30 µs less per sync call, the wake-up of this thread
            # that turn costs (measured with sync cancels against the static server).
            self._task = asyncio.Task(self._run(), loop=self._loop, eager_start=True)
        else:
            self._task = self._loop.create_task(self._run())
            _step_now(self._loop, self._task)

    async def _run(self) -> None:
        """The call, then the caller woken from within the task's last step.

        Not a done callback: asyncio runs those one turn of the loop later, a wake-up of
        the loop (a poll of its selector) for nothing on every sync call.
        """
        try:
            self.result = await self._awaitable
        except asyncio.CancelledError as exc:
            # Cancelled by Ctrl-C (the caller re-raises its KeyboardInterrupt) or by the
            # loop shutting down under a concurrent close(). Not raised again: the caller
            # is told, and nothing else waits for this task.
            self.error = _cancellation_detail(exc) or ExtendError(CLOSED_DURING_CALL_MESSAGE)
        except BaseException as exc:  # handed to the caller, whatever it is
            self.error = exc
        finally:
            self._done.release()

    def _cancel(self) -> None:
        self._cancelled = True
        if self._task is not None:
            self._task.cancel()

    # --- in the calling thread ---

    def wait(self, thread: threading.Thread) -> None:
        # A plain lock: the cheapest wake-up there is, and Ctrl-C interrupts it.
        while not self._done.acquire(timeout=LIVENESS_INTERVAL):
            if not thread.is_alive():
                if self._done.acquire(blocking=False):  # it finished just in time
                    return
                # The loop ended with this call still queued: it will never run.
                if self._task is None:
                    _close_awaitable(self._awaitable)
                self.error = ExtendError(CLOSED_DURING_CALL_MESSAGE)
                return

    def cancel(self) -> None:
        """Cancel the task (not just the wait) and give it a moment to finish."""
        try:
            self._loop.call_soon_threadsafe(self._cancel)
        except RuntimeError:  # the loop is already closed: nothing is running
            return
        self._done.acquire(timeout=CANCEL_TIMEOUT)


def _step_now(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> None:
    """Python 3.11: run ``task``'s first step now, as ``eager_start`` does from 3.12.

    ``create_task`` has just put that step last in the loop's private ready queue; it is
    taken out and run in this turn (~18 µs less per sync call, measured with sync cancels
    against the static server). Only when the queue and its last entry are what asyncio's
    own loop makes them, and from a plain callback (``test_portal.py`` checks each);
    anything else, another loop class say, leaves the step to run one turn later.
    """
    ready = getattr(loop, "_ready", None)
    if type(ready) is not collections.deque or not ready:
        return
    step = ready[-1]
    if (
        type(step) is asyncio.Handle
        and getattr(getattr(step, "_callback", None), "__self__", None) is task
        # In a plain callback (``begin``), never inside another task's step.
        and asyncio.current_task(loop) is None
    ):
        ready.pop()
        step._run()


def _cancellation_detail(exc: asyncio.CancelledError) -> asyncio.CancelledError | None:
    """The subclass of CancelledError a cancelled call ended with, if it raised one.

    ``BulkCancelInterrupted``, for one, carries the partial result of a bulk operation; a
    plain CancelledError says nothing more than that the task was cancelled.
    """
    return exc if type(exc) is not asyncio.CancelledError else None


def _close_awaitable(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()  # a coroutine never started: no "never awaited" warning


async def _next_item(iterator: AsyncIterator[T]) -> tuple[bool, T | None]:
    try:
        return False, await iterator.__anext__()
    except StopAsyncIteration:
        return True, None


async def _shutdown(running: _LoopThread, sessions: SessionHolder) -> None:
    try:
        await sessions.aclose()
    finally:
        await running.anyio_portal.stop(cancel_remaining=True)


_stopping: set[asyncio.Task[None]] = set()


def _stop(running: _LoopThread, sessions: SessionHolder) -> None:
    """Close the pool inside the loop, stop the portal, let the thread end. Bounded."""
    if threading.get_ident() == running.thread_id:
        # Collected inside the loop (say, in a callback): it cannot wait for itself.
        task = running.loop.create_task(_shutdown(running, sessions))
        _stopping.add(task)
        task.add_done_callback(_stopping.discard)
        return
    try:
        future = asyncio.run_coroutine_threadsafe(_shutdown(running, sessions), running.loop)
    except RuntimeError:  # the loop is already closed
        return
    try:
        future.result(STOP_TIMEOUT)
    except Exception as exc:  # closing must not fail: the loop stops regardless
        log.debug("closing the connection pool failed: %r", exc)
    running.thread.join(STOP_TIMEOUT)


class Portal:
    """Runs a client family's coroutines on one event-loop thread, started on first use."""

    def __init__(self, sessions: SessionHolder) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._started: _LoopThread | None = None
        self._finalizer: weakref.finalize | None = None
        self._closed = False
        _live_portals.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def thread(self) -> threading.Thread | None:
        """The event-loop thread, once started."""
        running = self._started
        return running.thread if running is not None else None

    def _running(self) -> _LoopThread:
        running = self._started
        if running is not None:
            return running
        with self._lock:
            if self._closed:
                raise ExtendError(CLOSED_MESSAGE)
            running = self._started
            if running is None:
                running = _start_loop_thread()
                # Runs when the whole family is collected, or at interpreter exit.
                self._finalizer = weakref.finalize(self, _stop, running, self._sessions)
                self._started = running
            return running

    def call(self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` in the loop and wait for its result.

        The caller's context variables are visible to the call. Ctrl-C cancels the task.
        """
        running = self._started or self._running()
        if threading.get_ident() == running.thread_id:
            raise PortalThreadError(PORTAL_THREAD_MESSAGE)
        call = _Call(fn(*args, **kwargs), running.loop)
        try:
            running.loop.call_soon_threadsafe(call.begin, context=copy_context())
        except RuntimeError:  # the loop closed under a concurrent close()
            _close_awaitable(call._awaitable)
            raise ExtendError(CLOSED_MESSAGE) from None
        try:
            call.wait(running.thread)
        except BaseException as interrupt:  # KeyboardInterrupt, most likely: stop the request
            call.cancel()
            if isinstance(call.error, asyncio.CancelledError):
                # What the call reported as it stopped (a bulk operation's partial result)
                # stays reachable as the interrupt's cause.
                interrupt.__cause__ = call.error
            raise
        error = call.error
        if error is None:
            return call.result
        try:
            raise error  # the traceback goes on from the caller's line into the coroutine
        finally:
            del error, call

    def iterate(
        self, fn: Callable[P, AsyncIterator[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> Iterator[T]:
        """A blocking iterator over ``fn(*args, **kwargs)``, one crossing per item."""
        return self._iterate(fn(*args, **kwargs))

    def _iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        try:
            while True:
                finished, item = self.call(_next_item, iterator)
                if finished:
                    return
                yield cast(T, item)
        except GeneratorExit:  # left early (``break``) or collected: stop the async one too
            self._aclose(iterator)
            raise
        except BaseException:
            # Ctrl-C or an error: the async iterator has usually ended already; cleaning up
            # must not replace what is being raised.
            with contextlib.suppress(Exception):
                self._aclose(iterator)
            raise

    def _aclose(self, iterator: AsyncIterator[Any]) -> None:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            # A closed client, or collected in the loop thread: the loop's own
            # async-generator hooks finalize it then.
            with contextlib.suppress(ExtendError):
                self.call(aclose)

    def pager(
        self, fn: Callable[P, AsyncPager[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> SyncPager[T]:
        """``fn(*args, **kwargs)``'s pager, for blocking code."""
        from ._pager import SyncPager

        return SyncPager(self, fn(*args, **kwargs))

    def context(
        self,
        fn: Callable[P, AbstractAsyncContextManager[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> AbstractContextManager[T]:
        """``fn(*args, **kwargs)``'s async context manager, entered and exited in one task."""
        return _SyncContext(self, fn(*args, **kwargs))

    def close(self) -> None:
        """Close the connection pool and stop the loop thread. Idempotent."""
        with self._lock:
            if self._closed:
                return
            running = self._started
            if running is not None and threading.get_ident() == running.thread_id:
                raise PortalThreadError(PORTAL_THREAD_MESSAGE)
            self._closed = True
            self._started = None
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()
        else:
            self._sessions.closed = True  # never used: there is no pool to close

    def _forget_after_fork(self) -> None:
        """In a forked child: drop the parent's loop and session without touching them."""
        self._lock = threading.Lock()  # it may have been held by a thread that is gone
        running, self._started = self._started, None
        finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer.detach()
        if running is not None:
            _inherited.append(running)
            self._sessions.forget_inherited()


class _SyncContext(AbstractContextManager[T]):
    def __init__(self, portal: Portal, manager: AbstractAsyncContextManager[T]) -> None:
        self._portal = portal
        self._manager = manager
        self._entered: AbstractContextManager[T] | None = None

    def __enter__(self) -> T:
        running = self._portal._running()
        if threading.get_ident() == running.thread_id:
            raise PortalThreadError(PORTAL_THREAD_MESSAGE)
        # anyio keeps one task open from __aenter__ to __aexit__, as cancel scopes need.
        self._entered = running.anyio_portal.wrap_async_context_manager(self._manager)
        return self._entered.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._entered is not None, "__exit__ without __enter__"
        return self._entered.__exit__(exc_type, exc, tb)


# --- fork -----------------------------------------------------------------------------

_live_portals: weakref.WeakSet[Portal] = weakref.WeakSet()
# The parent's loops, kept alive in a child so that nothing finalizes them there: their
# tasks, selector and self-pipe belong to a thread that only exists in the parent.
_inherited: list[_LoopThread] = []


def _after_fork_in_child() -> None:
    for portal in list(_live_portals):
        portal._forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
