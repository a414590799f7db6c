"""The generic cell rate algorithm, as plain arithmetic both limiters share.

One number per budget, the *theoretical arrival time* (TAT): when the next request would be
due if requests came exactly at the rate. Booking a slot moves it one interval on; a
request may go once ``TAT - now`` is within the burst tolerance. The Redis limiter runs the
same steps in a Lua script (``_redis.py``), in microseconds of the server's clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from attrs import frozen

from .._errors import InvalidInputError
from ._protocol import CATEGORIES, Category

__all__ = ["Pace", "book", "paces_for", "penalize"]


@frozen
class Pace:
    """``rate`` requests per second, of which up to ``burst`` may go at once."""

    rate: float
    burst: int = 1

    def __attrs_post_init__(self) -> None:
        if not (isinstance(self.rate, int | float) and math.isfinite(self.rate) and self.rate > 0):
            raise InvalidInputError(
                f"rate must be a positive number of requests per second: {self.rate!r}"
            )
        if not isinstance(self.burst, int) or isinstance(self.burst, bool) or self.burst < 1:
            raise InvalidInputError(
                f"burst must be a whole number of requests, at least 1: {self.burst!r}"
            )

    @property
    def interval(self) -> float:
        """Seconds between two requests at the steady rate."""
        return 1.0 / self.rate

    @property
    def tolerance(self) -> float:
        """How far ahead of the steady rate a request may go: ``burst - 1`` intervals."""
        return (self.burst - 1) * self.interval


def paces_for(rate: float | Mapping[Category, float], burst: int) -> dict[Category, Pace]:
    """One ``Pace`` per category: ``rate`` for all three, or a rate per category (each
    category missing from the mapping is not limited)."""
    if isinstance(rate, Mapping):
        unknown = set(rate) - set(CATEGORIES)
        if unknown:
            raise InvalidInputError(f"unknown categories {sorted(unknown)}; use {list(CATEGORIES)}")
        return {category: Pace(float(value), burst) for category, value in rate.items()}
    return {category: Pace(float(rate), burst) for category in CATEGORIES}


def book(tat: float | None, now: float, pace: Pace) -> tuple[float, float]:
    """Book the next slot: (seconds to wait before sending, the new TAT)."""
    due = now if tat is None or tat < now else tat
    wait = max(0.0, due - pace.tolerance - now)
    return wait, due + pace.interval


def penalize(tat: float | None, now: float, pace: Pace, retry_after: float) -> float:
    """The TAT after the API asked for ``retry_after`` seconds: no request is allowed
    before ``now + retry_after``, and none goes in a burst right after it."""
    blocked = now + max(0.0, retry_after) + pace.tolerance
    return blocked if tat is None or tat < blocked else tat
