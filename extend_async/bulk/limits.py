"""The arithmetic of throttling, free of I/O so it can be tested on its own.

``AdaptiveLimit`` is AIMD (additive increase, multiplicative decrease) on the number of
requests in flight; ``AdaptiveRate`` is AIMD on the pace: requests ``1 / rate`` seconds
apart, from the start at ``max_rate`` when one is given, else from the first 429 on at a
little under the rate the server was seen to accept, probing upwards while no 429 comes.

A 429 for a request sent before the last cut says nothing new (every request in flight
at that moment met the same empty bucket), so one congestion episode cuts once.
"""

from __future__ import annotations

import math
from collections import deque

__all__ = ["AdaptiveLimit", "AdaptiveRate", "Episodes"]


class AdaptiveLimit:
    """How many requests may be in flight: halved when throttled, +1 per window of
    successes, between 1 and ``maximum``."""

    def __init__(self, maximum: int, *, decrease: float = 0.5) -> None:
        self.maximum = maximum
        self.limit = float(maximum)
        self._decrease = decrease

    @property
    def current(self) -> int:
        return max(1, int(self.limit))

    def on_success(self) -> None:
        # +1 once per `limit` successes, i.e. once per round trip of a full window.
        self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)

    def on_cut(self) -> None:
        self.limit = max(1.0, self.limit * self._decrease)


class AdaptiveRate:
    """Send times at most ``rate`` per second, evenly spaced, with no burst.

    ``rate`` is ``None`` (no pacing) until a ceiling is given or the first cut. The first
    cut of an unpaced operation sets it to ``backoff`` times the rate the server accepted
    over the last ``window`` seconds (a bucket's initial burst leans this high; the next
    cuts correct it); every later cut multiplies it by ``backoff``. Each success adds
    ``growth``, doubled for every ``ramp`` seconds since the last cut, never going above
    ``ceiling``: the rate rises by ``growth`` x itself per second at first, faster the
    longer no 429 comes, so a limit that was raised (or underestimated) is found again
    in seconds. Near a steady limit the pace saws between ``backoff`` and 1 times that
    limit, with one congestion episode every couple of seconds.
    """

    def __init__(
        self,
        ceiling: float | None,
        *,
        window: float = 1.0,
        backoff: float = 0.9,
        growth: float = 0.05,
        ramp: float = 2.0,
    ) -> None:
        self.ceiling = ceiling
        self.rate = ceiling
        self._window = window
        self._backoff = backoff
        self._growth = growth
        self._ramp = ramp
        self._last_cut = -math.inf
        self._next = -math.inf
        self._successes: deque[float] = deque()

    def reserve(self, now: float) -> float:
        """The time the caller may send; later callers get later slots."""
        if self.rate is None:
            return now
        slot = max(self._next, now)
        self._next = slot + 1.0 / self.rate
        return slot

    def on_success(self, now: float) -> None:
        if self.rate is None:
            self._successes.append(now)
            horizon = now - self._window
            while self._successes[0] < horizon:
                self._successes.popleft()
        else:
            boost = 2.0 ** min((now - self._last_cut) / self._ramp, 20.0)
            self.rate = min(self.rate + self._growth * boost, self.ceiling or math.inf)

    def on_cut(self, now: float) -> None:
        self._last_cut = now
        if self.rate is not None:
            self.rate *= self._backoff
            return
        horizon = now - self._window
        accepted = [t for t in self._successes if t >= horizon]
        self._successes.clear()
        if accepted:
            # Over the span the successes cover, so an idle start does not dilute it.
            span = max(now - accepted[0], self._window / 10)
            self.rate = self._backoff * len(accepted) / span
        # else: nothing to go on yet; the shared pause holds everyone back meanwhile


class Episodes:
    """Tells whether a 429 starts a new congestion episode."""

    def __init__(self) -> None:
        self._last_cut = -math.inf

    def is_new(self, sent_at: float, now: float) -> bool:
        if sent_at < self._last_cut:
            return False
        self._last_cut = now
        return True
