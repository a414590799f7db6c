"""The one retry loop, and the one rule for "this attempt may have landed".

``Requester.send`` (single calls, the signed-URL payload fetch) and the bulk engine (with
its throttle as the ``Gate``) all retry through ``send_attempts``; nothing else in the SDK
decides whether to send again, how long to wait first, or whether a failed attempt may
still have done its work on the server. The cancel and delete recoveries that follow from
that rule live here too, once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import partial
from typing import Protocol, TypeVar

import aiohttp

from ._errors import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    ConflictError,
    ExtendError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from ._retry import RetryPolicy
from .types import ClassifyRun, RunStatus

__all__ = [
    "CANCEL_REFUSALS",
    "NOT_SENT",
    "Gate",
    "ambient_gate",
    "cancel_may_have_landed",
    "deleted_by_lost_attempt",
    "may_have_landed",
    "recover_cancel",
    "send_attempts",
]

T = TypeVar("T")

log = logging.getLogger("extend_async")

# Transport failures where the request surely never reached the server: safe to retry
# even for requests that are not idempotent, and never "may have landed".
NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


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

# The gate of the bulk operation the current task works for. Set by the engine around
# each id, read by ``Requester.send``, so resource methods need no extra parameter.
ambient_gate: ContextVar[Gate | None] = ContextVar("extend_ambient_gate", default=None)

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
    gate = gate or _DIRECT
    attempt = retried = throttled = 0
    lost = False
    while True:
        attempt += 1
        try:
            return await gate.attempt(partial(once, attempt, lost), method=method)
        except RateLimitError as error:
            throttled += 1
            resend = gate.resend_throttled(error, throttled)
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
        lost = lost or may_have_landed(failure)
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
        await gate.wait(delay)


def _why(error: ExtendError) -> str:
    if isinstance(error, APIStatusError):
        return str(error.status_code)
    return repr(error)


# How the API refuses to cancel a run ("cannot be cancelled in status ..."): 400, or 422
# and 409 from some deployments.
CANCEL_REFUSALS = (BadRequestError, UnprocessableEntityError, ConflictError)


def cancel_may_have_landed(error: ExtendError) -> bool:
    """Did an attempt of this failed cancel possibly cancel the run?

    Yes when an earlier attempt may have landed, and when the cancel was answered 2xx but
    the answer could not be read (it landed).
    """
    if isinstance(error, ResponseDecodeError):
        return True
    return bool(getattr(error, "after_lost_attempt", False))


async def recover_cancel(
    refusal: APIStatusError, fetch: Callable[[], Awaitable[ClassifyRun]]
) -> ClassifyRun:
    """After a cancel was refused ("cannot be cancelled in status CANCELLED"): if an
    earlier attempt may have landed, that attempt is what cancelled the run, so the run is
    fetched and returned when it is CANCELLED. Otherwise the refusal stands."""
    if not cancel_may_have_landed(refusal):
        raise refusal
    run = await fetch()
    if run.status != RunStatus.CANCELLED:
        raise refusal
    return run


def deleted_by_lost_attempt(missing: NotFoundError) -> bool:
    """A 404 on a delete whose earlier attempt may have landed: that attempt deleted it."""
    return cancel_may_have_landed(missing)
