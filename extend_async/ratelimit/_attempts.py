"""The limiter around each attempt the client sends: loaded only for a client with one.

``Requester.send`` wraps its attempt function with ``Pacer.wrap`` when the client has a
limiter and the request is an API request (signed storage URLs are not the API's budget).
Every attempt, first or retry, and whether or not a bulk operation's gate sends it, waits
for ``acquire``; a 429 with a wait hint is reported to ``penalize`` before the retry loop
sees it, so every process sharing the budget backs off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from .._errors import InvalidInputError, RateLimitError
from ._categories import category_of
from ._protocol import RateLimiter

__all__ = ["Pacer"]

T = TypeVar("T")
Attempt = Callable[[int, bool], Awaitable[T]]

# The longest pause one 429 may impose on every process sharing the budget: a hint beyond it
# (a far ``X-RateLimit-Reset``, a misbehaving proxy) must not freeze a whole fleet for hours.
MAX_PENALTY_SECONDS = 60.0


class Pacer:
    """Binds a ``RateLimiter`` to a client's attempts."""

    __slots__ = ("limiter",)

    def __init__(self, limiter: RateLimiter) -> None:
        if not isinstance(limiter, RateLimiter):
            raise InvalidInputError(
                "rate_limiter must have async acquire(category) and penalize(category, "
                f"retry_after) methods; got {type(limiter).__name__}"
            )
        self.limiter = limiter

    def wrap(self, once: Attempt[T], method: str, path: str) -> Attempt[T]:
        """``once`` preceded by the limiter and followed, on a hinted 429, by a penalty."""
        limiter = self.limiter
        category = category_of(method, path)

        async def paced(attempt: int, lost: bool) -> T:
            await limiter.acquire(category)
            try:
                return await once(attempt, lost)
            except RateLimitError as error:
                if error.retry_after is not None:
                    hint = min(max(error.retry_after, 0.0), MAX_PENALTY_SECONDS)
                    await limiter.penalize(category, hint)
                raise

        return paced
