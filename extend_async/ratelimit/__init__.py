"""One rate budget across tasks, clients and processes.

>>> from extend_async import AsyncExtend
>>> from extend_async.ratelimit import RedisRateLimiter
>>> limiter = RedisRateLimiter("redis://localhost:6379/0", namespace="acme", rate=10)
>>> client = AsyncExtend(rate_limiter=limiter)  # doctest: +SKIP

``RateLimiter`` is the protocol a client calls (``acquire`` before every attempt,
``penalize`` on a 429 with a hint); ``LocalRateLimiter`` paces one process;
``RedisRateLimiter`` (the ``extend-client[redis]`` extra) shares the budget through Redis.
``category_of`` says which budget (``"GET"``, ``"WRITE"``, ``"RUN"``) a request spends.

Only the protocol is imported with this package: the limiters load on first use, and
redis-py only with ``RedisRateLimiter``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from ._protocol import CATEGORIES, Category, RateLimiter

if TYPE_CHECKING:
    from ._categories import category_of
    from ._errors import RateLimiterFallbackWarning, RateLimiterUnavailableError
    from ._gcra import Pace
    from ._local import LocalRateLimiter
    from ._redis import RedisRateLimiter

__all__ = [
    "CATEGORIES",
    "Category",
    "LocalRateLimiter",
    "Pace",
    "RateLimiter",
    "RateLimiterFallbackWarning",
    "RateLimiterUnavailableError",
    "RedisRateLimiter",
    "category_of",
]

_LAZY = {
    "LocalRateLimiter": "._local",
    "RedisRateLimiter": "._redis",
    "RateLimiterFallbackWarning": "._errors",
    "RateLimiterUnavailableError": "._errors",
    "Pace": "._gcra",
    "category_of": "._categories",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name == "RedisRateLimiter" and importlib.util.find_spec("redis") is None:
        raise ImportError(
            "RedisRateLimiter needs redis-py: pip install 'extend-client[redis]'"
        ) from None
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
