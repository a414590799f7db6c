"""The contract between the client and a rate limiter: two awaitables and a category.

Kept free of imports beyond the standard library's typing: ``AsyncExtend`` and the sync
facade name these types in their signatures, and a client without a limiter must not pay
for anything else.
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

__all__ = ["CATEGORIES", "Category", "RateLimiter"]

# The API's three request budgets (``extend_async.ratelimit._categories`` says which
# endpoint spends which, and why).
Category = Literal["GET", "WRITE", "RUN"]
CATEGORIES: tuple[Category, ...] = ("GET", "WRITE", "RUN")


@runtime_checkable
class RateLimiter(Protocol):
    """What ``AsyncExtend(rate_limiter=...)`` calls around every attempt it sends.

    ``acquire`` is awaited before each attempt (retries included) and returns when that
    attempt may be sent; it must be cancellable while it waits. ``penalize`` is awaited
    when the API answered 429 with a wait hint (``Retry-After`` and its relatives), so the
    budget's shared state moves past the hint and every process sharing it backs off, not
    only the one that was refused. Neither may raise anything but an ``ExtendError``
    subclass (or ``CancelledError``): the client lets it out of the call unchanged.
    """

    async def acquire(self, category: Category) -> None:
        """Wait until a request of ``category`` may be sent, and count it."""
        ...

    async def penalize(self, category: Category, retry_after: float) -> None:
        """The API refused a ``category`` request and asked for ``retry_after`` seconds."""
        ...
