"""When to retry, and how long to wait first."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from datetime import timezone
from typing import Any

from attrs import Attribute, field, frozen

from ._errors import InvalidInputError

__all__ = ["RetryPolicy", "retry_after_seconds"]

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def _check_seconds(_: object, attribute: Attribute[Any], value: Any) -> None:
    # NaN would make asyncio.sleep wait forever; a negative delay is a typo.
    infinite_ok = attribute.name == "max_retry_after"  # inf: always honour the hint
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or value < 0
        or (math.isinf(value) and not infinite_ok)
    ):
        raise InvalidInputError(
            f"RetryPolicy.{attribute.name} must be a non-negative number of seconds, "
            f"got {value!r}"
        )


@frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded; server hints win up to ``max_retry_after``."""

    initial_delay: float = field(default=0.5, validator=_check_seconds)
    max_delay: float = field(default=8.0, validator=_check_seconds)
    # A Retry-After hint longer than this is not waited out: the error is raised instead,
    # so a call never blocks for minutes without the caller choosing to.
    max_retry_after: float = field(default=60.0, validator=_check_seconds)

    @staticmethod
    def status_is_retryable(status: int, body_retryable: bool | None) -> bool:
        if body_retryable is False:
            return False
        return status in RETRYABLE_STATUSES or status >= 500 or body_retryable is True

    def backoff(self, retry_index: int) -> float:
        """Delay before retry number ``retry_index`` (0-based) when the server gave no hint."""
        # The exponent is capped: 2**1100 does not fit a float, and the cap applies anyway.
        ceiling = min(self.initial_delay * (2 ** min(retry_index, 64)), self.max_delay)
        # "Equal jitter": never less than half the ceiling, so retries stay spread out.
        return float(ceiling / 2 + random.random() * ceiling / 2)

    def delay(self, retry_index: int, headers: Mapping[str, str] | None) -> float | None:
        """Seconds to wait before the next attempt, or None when the hint exceeds the cap."""
        hint = retry_after_seconds(headers) if headers else None
        if hint is None:
            return self.backoff(retry_index)
        if hint > self.max_retry_after:
            return None
        return hint


def _seconds(raw: str, *, scale: float = 1.0, since: float = 0.0) -> float | None:
    """``raw`` as a non-negative number of seconds; None when it is not a finite number.

    "nan" or "inf" parse as floats but are no hint at all: sleeping NaN seconds never ends.
    """
    try:
        value = float(raw) / scale - since
    except ValueError:
        return None
    return max(value, 0.0) if math.isfinite(value) else None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The server's wait hint: ``retry-after-ms``, ``Retry-After`` (seconds or HTTP date),
    or ``X-RateLimit-Reset`` (Unix seconds), in that order of precision."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        hint = _seconds(raw_ms, scale=1000.0)
        if hint is not None:
            return hint
    raw = headers.get("retry-after")
    if raw is not None:
        hint = _seconds(raw)
        if hint is not None:
            return hint
        # Imported here: HTTP dates are rare, and email.utils costs import time.
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is None:  # "-0000" dates parse naive; HTTP dates are GMT
                when = when.replace(tzinfo=timezone.utc)
            return max(when.timestamp() - time.time(), 0.0)
    reset = headers.get("x-ratelimit-reset")
    if reset is not None:
        return _seconds(reset, since=time.time())
    return None
