"""Rate limiting like the documented plans: a token bucket per API key, all endpoints."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from attrs import field, frozen, validators

__all__ = ["RateLimit", "RateLimiter"]


@frozen
class RateLimit:
    """``rate`` requests per second per key, bursting up to ``burst`` (default: ``rate``,
    at least 1). The documented plans are 10 (PAYG), 25 (Scale) and 75 (Enterprise)."""

    rate: float = field(converter=float, validator=validators.gt(0))
    burst: float | None = field(default=None, validator=validators.optional(validators.gt(0)))

    @property
    def capacity(self) -> float:
        return self.burst if self.burst is not None else max(1.0, self.rate)


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


class RateLimiter:
    """Decides whether a key may make a request now. Called with the store lock held."""

    def __init__(
        self, limit: RateLimit | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}  # one per configured key: bounded
        self.limit = limit

    @property
    def limit(self) -> RateLimit | None:
        return self._limit

    @limit.setter
    def limit(self, limit: RateLimit | None) -> None:
        self._limit = limit
        self._buckets = {}  # a new limit starts every key with a full bucket

    def acquire(self, key: str) -> float:
        """0 if the request may proceed (a token is taken), else seconds until it may."""
        limit = self._limit
        if limit is None:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(limit.capacity, now)
        bucket.tokens = min(limit.capacity, bucket.tokens + (now - bucket.stamp) * limit.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / limit.rate


def retry_after_headers(wait: float) -> dict[str, str]:
    """``Retry-After`` in whole seconds (rounded up, at least 1) as HTTP defines it, and
    ``retry-after-ms`` with the precise wait, which clients that honour it can use."""
    return {
        "Retry-After": str(max(1, math.ceil(wait))),
        "retry-after-ms": str(max(1, math.ceil(wait * 1000))),
    }
