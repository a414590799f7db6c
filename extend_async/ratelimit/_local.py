"""``LocalRateLimiter``: the GCRA in this process, for one process and for tests."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

import anyio

from ._gcra import Pace, book, paces_for, penalize
from ._protocol import Category

__all__ = ["LocalRateLimiter"]


class LocalRateLimiter:
    """Paces this process's requests per category with the generic cell rate algorithm.

    ``rate`` is requests per second for every category, or a mapping with a rate per
    category (``{"GET": 10, "WRITE": 10, "RUN": 10}``; a category left out is not
    limited); ``burst`` requests may go at once after a quiet spell. ``acquire`` books the
    next slot and sleeps until it is due; a cancelled wait gives its slot back when no later
    slot was booked after it.

    Shared by every task and client that holds it, in one event loop (or the sync facade's
    loop thread): it is not meant to be called from several threads at once. Several
    processes need ``RedisRateLimiter``. ``clock`` (seconds, monotonic) and ``sleep`` can
    be replaced, for tests that must not depend on time.
    """

    def __init__(
        self,
        rate: float | Mapping[Category, float] = 10.0,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = anyio.sleep,
    ) -> None:
        self._paces: dict[Category, Pace] = paces_for(rate, burst)
        self._burst = burst
        self._tats: dict[Category, float] = {}
        self._clock = clock
        self._sleep = sleep

    @property
    def paces(self) -> Mapping[Category, Pace]:
        return dict(self._paces)

    def reserve(self, category: Category) -> float:
        """Book the next ``category`` slot; seconds until it is due (0: now)."""
        pace = self._paces.get(category)
        if pace is None:
            return 0.0
        wait, self._tats[category] = book(self._tats.get(category), self._clock(), pace)
        return wait

    async def acquire(self, category: Category) -> None:
        wait = self.reserve(category)
        if wait <= 0:
            return
        booked = self._tats[category]
        try:
            await self._sleep(wait)
        except BaseException:
            # Cancelled while waiting: the slot is free again if it is still the last one.
            if self._tats.get(category) == booked:
                self._tats[category] = booked - self._paces[category].interval
            raise

    async def penalize(self, category: Category, retry_after: float) -> None:
        pace = self._paces.get(category)
        if pace is not None:
            self._tats[category] = penalize(
                self._tats.get(category), self._clock(), pace, retry_after
            )

    def __repr__(self) -> str:
        rates = ", ".join(f"{c}={p.rate:g}/s" for c, p in self._paces.items())
        return f"LocalRateLimiter({rates}, burst={self._burst})"
