"""What the limiters raise and warn."""

from __future__ import annotations

from .._errors import ExtendError

__all__ = ["RateLimiterFallbackWarning", "RateLimiterUnavailableError"]


class RateLimiterUnavailableError(ExtendError):
    """The shared limiter's store (Redis) could not be reached in time, and the limiter was
    made with ``fallback="raise"``. Nothing was sent."""


class RateLimiterFallbackWarning(UserWarning):
    """The shared limiter's store could not be reached: this process paces itself until it
    can be again. Warned once per outage."""
