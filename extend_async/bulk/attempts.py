"""Settling one id: send its cancel, retry what is worth retrying, and read the answer.

Every request goes out with ``max_retries=0`` through the operation's ``Throttle``, so the
shared gate sees every 429; the retry decisions reuse the core's ``RetryPolicy``.

How an answer becomes an outcome:

* 200: ``cancelled`` (``already_terminal`` if the returned run had already ended).
* 404: ``not_found``.
* 400/422 ("this run cannot be cancelled"): the run is fetched to learn its real status,
  since the error body does not reliably carry it. A terminal run is ``already_terminal``
  with that status, except that a ``CANCELLED`` run counts as ``cancelled`` when an earlier
  attempt may have reached the server (a timeout, a connection reset after sending, a
  5xx from a proxy): that attempt is what cancelled it. A run still running is ``failed``
  with the 400 (the server refused). 409 is settled the same way, but a run still running
  is retried.
* 401/402/403, or a ``Retry-After`` above ``RetryPolicy.max_retry_after``: ``failed``,
  and the whole operation stops, since every other id would meet the same answer.
* Connection errors, timeouts, 408 and 5xx: retried with the policy's backoff, up to
  ``max_retries`` times; 429 waits at the shared gate and does not use up retries.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

import aiohttp
from attrs import define

from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExtendError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from .._retry import RetryPolicy
from ..types import ClassifyRun, RunStatus
from .outcomes import CancelOutcome, OutcomeKind, OutcomeUnknownError
from .throttle import Stopped, Throttle

__all__ = ["Item", "Settler", "stopped_outcome", "unfinished_outcome"]

T = TypeVar("T")

log = logging.getLogger("extend_async.bulk")

RunCall = Callable[[str], Awaitable[ClassifyRun]]

# 429s one id may meet before the operation gives up on the server: with the shared gate
# a healthy rate limit sends an id back a handful of times at most.
MAX_THROTTLED = 50

# Transport failures where the request surely never left (the core's list, kept in step).
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
_FATAL = (AuthenticationError, PaymentRequiredError, PermissionDeniedError)
_REFUSED = (BadRequestError, UnprocessableEntityError, ConflictError)


@define
class Item:
    """One position of the input, while it is being settled."""

    index: int
    id: str
    attempts: int = 0
    last_error: Exception | None = None
    sending: bool = False
    # Whether some cancel request may have been processed (not just refused with a 429,
    # or failed before it left): until then a stop leaves the id ``not_attempted``.
    reached: bool = False
    duplicate_of: int | None = None


def is_transient(exc: ExtendError) -> bool:
    if isinstance(exc, APIConnectionError | ResponseDecodeError):
        return True
    if isinstance(exc, APIStatusError):
        return RetryPolicy.status_is_retryable(exc.status_code, exc.retryable)
    return False


def may_have_landed(exc: ExtendError) -> bool:
    """Could the request have reached the server and taken effect despite this error?"""
    if isinstance(exc, APIConnectionError):
        return not isinstance(exc.__cause__, _NOT_SENT)
    if isinstance(exc, ResponseDecodeError):
        return True
    return isinstance(exc, APIStatusError) and exc.status_code >= 500


def outcome(
    item: Item,
    kind: OutcomeKind,
    *,
    run: ClassifyRun | None = None,
    error: Exception | None = None,
) -> CancelOutcome:
    return CancelOutcome(
        id=item.id,
        index=item.index,
        kind=kind,
        status=run.status if run is not None else None,
        run=run,
        error=error,
        attempts=item.attempts,
        duplicate_of=item.duplicate_of,
    )


def stopped_outcome(item: Item) -> CancelOutcome:
    """The outcome of an id the operation stopped for before it was settled."""
    if not item.reached:
        return outcome(item, OutcomeKind.NOT_ATTEMPTED)
    error = item.last_error or OutcomeUnknownError("the operation stopped before an answer")
    return outcome(item, OutcomeKind.FAILED, error=error)


def unfinished_outcome(item: Item) -> CancelOutcome:
    """The outcome of an id abandoned by cancellation, maybe mid-request."""
    if item.sending:
        return outcome(
            item,
            OutcomeKind.FAILED,
            error=OutcomeUnknownError(
                "interrupted while the cancel was in flight; "
                "the run may or may not have been cancelled"
            ),
        )
    return stopped_outcome(item)


class Settler:
    def __init__(
        self,
        *,
        cancel: RunCall,
        get: RunCall,
        throttle: Throttle,
        policy: RetryPolicy,
        max_retries: int,
        on_fatal: Callable[[ExtendError], None],
        park: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self._cancel = cancel
        self._get = get
        self._throttle = throttle
        self._policy = policy
        self._max_retries = max_retries
        self._on_fatal = on_fatal
        self._park = park  # wraps a backoff: the id waits without taking up a slot

    async def settle(self, item: Item) -> CancelOutcome:
        ambiguous = False  # an earlier attempt may have cancelled the run
        retries = throttled = 0

        async def attempt() -> ClassifyRun:
            item.attempts += 1
            item.sending = True
            try:
                run = await self._cancel(item.id)
            except RateLimitError:
                raise  # refused unprocessed
            except APIConnectionError as exc:
                item.reached = item.reached or may_have_landed(exc)
                raise
            except BaseException:
                item.reached = True
                raise
            finally:
                item.sending = False
            item.reached = True
            return run

        while True:
            try:
                run = await self._throttle.send(attempt)
            except Stopped:
                return stopped_outcome(item)
            except RateLimitError as exc:
                item.last_error = exc
                throttled += 1
                if self._gives_up(exc, throttled):
                    return outcome(item, OutcomeKind.FAILED, error=exc)
                continue
            except NotFoundError:
                return outcome(item, OutcomeKind.NOT_FOUND)
            except _REFUSED as exc:
                item.last_error = exc
                settled = await self._settle_refusal(item, exc, ambiguous=ambiguous)
                if settled is not None:
                    return settled
                error: ExtendError = exc  # a 409 on a live run: try again
            except _FATAL as exc:
                self._on_fatal(exc)
                return outcome(item, OutcomeKind.FAILED, error=exc)
            except ExtendError as exc:
                item.last_error = exc
                if not is_transient(exc):
                    return outcome(item, OutcomeKind.FAILED, error=exc)
                ambiguous = ambiguous or may_have_landed(exc)
                error = exc
            else:
                kind = OutcomeKind.CANCELLED
                if run.is_terminal and run.status != RunStatus.CANCELLED:
                    kind = OutcomeKind.ALREADY_TERMINAL
                return outcome(item, kind, run=run)
            retries += 1
            if retries > self._max_retries:
                return outcome(item, OutcomeKind.FAILED, error=error)
            try:
                with self._park():
                    await self._throttle.sleep(self._policy.backoff(retries - 1))
            except Stopped:
                return outcome(item, OutcomeKind.FAILED, error=error)

    async def _settle_refusal(
        self, item: Item, refusal: APIStatusError, *, ambiguous: bool
    ) -> CancelOutcome | None:
        try:
            run = await self.call(lambda: self._get(item.id), finishing=True)
        except NotFoundError:
            return outcome(item, OutcomeKind.NOT_FOUND)
        except (Stopped, ExtendError) as exc:
            log.debug("could not fetch %s after its cancel was refused: %r", item.id, exc)
            return outcome(item, OutcomeKind.FAILED, error=refusal)
        if run.status == RunStatus.CANCELLED:
            kind = OutcomeKind.CANCELLED if ambiguous else OutcomeKind.ALREADY_TERMINAL
            return outcome(item, kind, run=run)
        if run.is_terminal:
            return outcome(item, OutcomeKind.ALREADY_TERMINAL, run=run)
        if isinstance(refusal, ConflictError):
            return None
        return outcome(item, OutcomeKind.FAILED, run=run, error=refusal)

    async def call(self, request: Callable[[], Awaitable[T]], *, finishing: bool = False) -> T:
        """Send an idempotent request (a GET, a list page) with the same retry rules."""
        retries = throttled = 0
        while True:
            try:
                return await self._throttle.send(request, finishing=finishing)
            except RateLimitError as exc:
                throttled += 1
                if self._gives_up(exc, throttled):
                    raise
            except ExtendError as exc:
                if isinstance(exc, _FATAL):
                    self._on_fatal(exc)
                if not is_transient(exc) or retries >= self._max_retries:
                    raise
                retries += 1
                await self._throttle.sleep(self._policy.backoff(retries - 1), finishing=finishing)

    def _gives_up(self, exc: RateLimitError, throttled: int) -> bool:
        too_long = exc.retry_after is not None and exc.retry_after > self._policy.max_retry_after
        if too_long or throttled > MAX_THROTTLED:
            self._on_fatal(exc)
            return True
        return False
