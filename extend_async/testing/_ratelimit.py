"""Rate limiting like the documented plans.

Two layers, each a set of token buckets, both off by default:

* ``RateLimiter``: one bucket per API key, every endpoint (the emulator's first model).
* ``BudgetLimiter``: what the API enforces: one budget per organization and category
  (GET, WRITE, RUN; ``extend_async.ratelimit.category_of`` says which request is which),
  and optionally one per workspace and category below it. Every key of an emulator belongs
  to its one organization, so several clients (processes) with different keys still share
  the organization's budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

from attrs import field, frozen, validators

__all__ = ["BudgetLimiter", "RateLimit", "RateLimiter", "as_category_limits"]

CATEGORIES = ("GET", "WRITE", "RUN")


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


def as_category_limits(
    limits: Mapping[str, RateLimit | float] | None, what: str
) -> dict[str, RateLimit]:
    """``{"GET": RateLimit(...) or requests/second, ...}`` checked: known categories only."""
    if not limits:
        return {}
    unknown = set(limits) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"{what}: unknown categories {sorted(unknown)}; use {list(CATEGORIES)}")
    return {
        category: limit if isinstance(limit, RateLimit) else RateLimit(float(limit))
        for category, limit in limits.items()
    }


class BudgetLimiter:
    """The organization's budget per category, and each workspace's below it.

    A request is served only when both of its buckets hold a token; then both lose one. A
    refused request takes nothing, as the API's own limiter counts only what it serves.
    Called with the store lock held.
    """

    def __init__(
        self,
        org: Mapping[str, RateLimit] | None = None,
        workspace: Mapping[str, RateLimit] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._org: dict[str, RateLimit] = dict(org or {})
        self._workspace: dict[str, RateLimit] = dict(workspace or {})
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    @property
    def active(self) -> bool:
        return bool(self._org or self._workspace)

    @property
    def org(self) -> dict[str, RateLimit]:
        return dict(self._org)

    @org.setter
    def org(self, limits: Mapping[str, RateLimit]) -> None:
        self._org = dict(limits)
        self._buckets = {}

    @property
    def workspace(self) -> dict[str, RateLimit]:
        return dict(self._workspace)

    @workspace.setter
    def workspace(self, limits: Mapping[str, RateLimit]) -> None:
        self._workspace = dict(limits)
        self._buckets = {}

    def acquire(self, category: str, workspace_id: str) -> tuple[float, str | None]:
        """(0, None) if a ``category`` request of ``workspace_id`` may proceed (its tokens
        are taken), else (seconds until it may, the scope that refused: ``"org"`` or
        ``"workspace"``)."""
        now = self._clock()
        checks: list[tuple[str, RateLimit, _Bucket]] = []
        for scope, limits, owner in (
            ("org", self._org, ""),
            ("workspace", self._workspace, workspace_id),
        ):
            limit = limits.get(category)
            if limit is None:
                continue
            # Bounded: one bucket per category, and per workspace a key can name.
            key = (f"{scope}:{owner}", category)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(limit.capacity, now)
            bucket.tokens = min(limit.capacity, bucket.tokens + (now - bucket.stamp) * limit.rate)
            bucket.stamp = now
            checks.append((scope, limit, bucket))
        wait, refused = 0.0, None
        for scope, limit, bucket in checks:
            if bucket.tokens < 1.0:
                missing = (1.0 - bucket.tokens) / limit.rate
                if missing > wait:
                    wait, refused = missing, scope
        if refused is not None:
            return wait, refused
        for _, _, bucket in checks:
            bucket.tokens -= 1.0
        return 0.0, None


def retry_after_headers(wait: float) -> dict[str, str]:
    """``Retry-After`` in whole seconds (rounded up, at least 1) as HTTP defines it, and
    ``retry-after-ms`` with the precise wait, which clients that honour it can use."""
    return {
        "Retry-After": str(max(1, math.ceil(wait))),
        "retry-after-ms": str(max(1, math.ceil(wait * 1000))),
    }
