"""The one retry loop, and the one rule for "this attempt may have landed".

``Requester.send`` (single calls, the signed-URL payload fetch) and the bulk engine (with
its throttle as the ``Gate``) all retry through ``send_attempts``; nothing else in the SDK
decides whether to send again, how long to wait first, or whether a failed attempt may
still have done its work on the server. What follows from that rule for a resource (a
refused cancel, a 404 on a delete) lives with the resources
(``resources/_lost_attempts.py``).

Nothing here is ambient: a caller that puts a ``Gate`` before every attempt passes it
(``Requester.through(gate)`` binds one to a requester).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol, TypeVar

from . import _http_libs
from ._errors import APIConnectionError, APIStatusError, ExtendError, RateLimitError
from ._retry import RetryPolicy

__all__ = ["Gate", "may_have_landed", "never_sent", "send_attempts"]

T = TypeVar("T")

log = logging.getLogger("extend_async")


# Transport failures where the request surely never reached the server: safe to retry
# even for requests that are not idempotent, and never "may have landed".
def never_sent(exc: BaseException) -> bool:
    """Is ``exc`` one of those failures? (aiohttp's classes, read when a request failed.)"""
    aiohttp = _http_libs.aiohttp
    return isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


def may_have_landed(error: BaseException) -> bool:
    """Could the server have acted on the attempt that failed with ``error``?

    Yes when the request left and its answer was lost (a reset or a timeout after
    sending) and when the answer was a 5xx (a proxy may have failed after the API acted).
    No for a refusal before sending, and for any other status: the API answered, so the
    attempt's effect is known.
    """
    if isinstance(error, APIConnectionError):
        return error.sent
    return isinstance(error, APIStatusError) and error.status_code >= 500


class Gate(Protocol):
    """What a caller puts in front of every attempt (the bulk engine's throttle)."""

    async def attempt(self, once: Callable[[], Awaitable[T]], *, method: str) -> T:
        """Send one attempt when it is its turn; sees its result or error."""
        ...

    async def wait(self, seconds: float) -> None:
        """Wait a backoff before the next attempt."""
        ...

    def resend_throttled(self, error: RateLimitError, times: int) -> bool | None:
        """After the ``times``-th 429 of this request: True to send again without using
        up a retry (the gate holds the next attempt until the server's hint has passed),
        False to give up, None to treat it as any other retryable status."""
        ...


class _Direct:
    """No gate: attempts go straight out, backoffs sleep, a 429 is an ordinary retry."""

    async def attempt(self, once: Callable[[], Awaitable[T]], *, method: str) -> T:
        return await once()

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def resend_throttled(self, error: RateLimitError, times: int) -> bool | None:
        return None


_DIRECT = _Direct()

# One attempt: gets its number (1-based) and whether an earlier attempt may have landed,
# so the error it raises carries both from birth.
Attempt = Callable[[int, bool], Awaitable[T]]


async def send_attempts(
    once: Attempt[T],
    *,
    method: str,
    path: str,
    idempotent: bool,
    retries: int,
    policy: RetryPolicy,
    gate: Gate | None = None,
) -> T:
    """Run ``once`` until it succeeds or no retry is allowed, then raise its last error.

    Retried: connection errors and timeouts (for a request that is not ``idempotent``,
    only those that surely never left), and statuses ``policy`` deems retryable (for a
    request that is not idempotent, only 429: the rate limiter turns it away first).
    Server hints decide the wait, else backoff with jitter; a hint above
    ``policy.max_retry_after`` is not waited out. Anything else ``once`` raises (a body
    too large, a decode error, a stopped gate) is never retried.
    """
    attempt = retried = throttled = 0
    lost = False
    while True:
        attempt += 1
        try:
            if gate is None:  # no gate: straight out, one frame fewer per attempt
                return await once(attempt, lost)
            return await gate.attempt(partial(once, attempt, lost), method=method)
        except RateLimitError as error:
            throttled += 1
            resend = (gate or _DIRECT).resend_throttled(error, throttled)
            if resend:
                continue
            failure: ExtendError = error
            # Even a request that is not idempotent: the rate limiter turns it away first.
            allowed = resend is None and policy.status_is_retryable(429, error.retryable)
            delay = policy.delay(retried, error.headers)
        except APIStatusError as error:
            failure = error
            allowed = idempotent and policy.status_is_retryable(error.status_code, error.retryable)
            delay = policy.delay(retried, error.headers)
        except APIConnectionError as error:
            failure = error
            allowed = error.retryable and (idempotent or not error.sent)
            delay = policy.backoff(retried)
        # An attempt aiohttp resent on its own carries it too (``_transport.Sends``).
        lost = lost or may_have_landed(failure) or bool(getattr(failure, "after_lost_attempt", 0))
        if not allowed or retried >= retries or delay is None:
            raise failure
        retried += 1
        log.info(
            "retrying %s %s after %s in %.2f s (attempt %d of %d)",
            method,
            path,
            _why(failure),
            delay,
            retried + 1,
            retries + 1,
        )
        await (gate or _DIRECT).wait(delay)


def _why(error: ExtendError) -> str:
    if isinstance(error, APIStatusError):
        return str(error.status_code)
    return repr(error)
