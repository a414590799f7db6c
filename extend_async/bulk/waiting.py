"""Waiting for room: first come, first served, waking only as many as there is room for.

(Waking every waiter on each change would cost one wake-up per waiter per request: a
quadratic amount of scheduling once a 429 has cut the limit far below the pool size.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio

__all__ = ["Room", "WaitQueue"]


class WaitQueue:
    """``free()`` says how many may go on; call ``wake()`` whenever that may have grown."""

    def __init__(self, free: Callable[[], int]) -> None:
        self._free = free
        self._waiters: deque[anyio.Event] = deque()

    async def wait(self) -> None:
        """Until woken; the caller checks its condition again afterwards."""
        event = anyio.Event()
        self._waiters.append(event)
        try:
            await event.wait()
        except BaseException:
            if event.is_set():
                self.wake()  # pass the wake-up on to the next waiter
            else:
                self._waiters.remove(event)
            raise

    def wake(self) -> None:
        free = self._free()
        while free > 0 and self._waiters:
            self._waiters.popleft().set()
            free -= 1


class Room:
    """Admits ids while fewer than ``size`` are being worked on; parked ones don't count."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self.parked = 0
        self._queue = WaitQueue(lambda: self.size - (self.used - self.parked))

    async def enter(self) -> None:
        while self.used - self.parked >= self.size:
            await self._queue.wait()
        self.used += 1

    def leave(self) -> None:
        self.used -= 1
        self._queue.wake()

    @contextmanager
    def parked_while(self) -> Iterator[None]:
        """The id inside waits for something else (a backoff), not for the server."""
        self.parked += 1
        self._queue.wake()
        try:
            yield
        finally:
            self.parked -= 1
