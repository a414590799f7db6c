"""Settling one id: its cancel goes through the core's ``send`` with this id's gate bound
to the requester (passed in, never ambient), and the answer becomes an outcome.

The retry loop, the backoff and the rule for "this attempt may have landed" are the
core's (``_send``): the engine only supplies a ``Gate`` per id, which takes every attempt
through the operation's ``Throttle`` (so the shared gate sees every 429, and a 429 waits
there without using up a retry), parks the id while it backs off, and records what the
id's attempts did. Retries are ``max_retries`` per id, passed down with the call.

How an answer becomes an outcome:

* 200: ``cancelled`` (``already_terminal`` if the returned run had already ended).
* 404: ``not_found``.
* 400/422/409 ("this run cannot be cancelled"), and a 2xx whose body does not decode (the
  cancel landed): the one recovery of a refused cancel, ``recover_refused_cancel`` (the
  same as ``cancel``'s), fetches the run once to learn its real status, since the error
  body does not reliably carry it: a CANCELLED run after an attempt that may have landed
  is ``cancelled``; another terminal run is ``already_terminal`` with that status; a run
  still running is ``failed`` with the refusal.
* 401/402/403, a ``Retry-After`` above ``RetryPolicy.max_retry_after``, the throttle's
  budget of 429s used up (``ThrottledOutError``), or ``MAX_REFUSED_IN_A_ROW`` refused
  connections in a row (nothing listens): the whole operation stops, since every other
  id would meet the same answer (the id itself is ``failed``, or ``not_attempted`` when
  only 429s ever answered it).
* Retries used up (or an error not retried) after an attempt that may have cancelled the
  run: the run is fetched, as after a refusal. CANCELLED means that attempt did it
  (``cancelled``), another end is ``already_terminal``, a run still running is ``failed``
  with the error. Without that fetch, a run cancelled by an attempt whose answer was lost
  (under load: a slow answer past the per-attempt timeout) was ``failed`` whenever the
  later attempts failed too.
* Anything else (retries used up by attempts that surely did nothing, an unexpected
  error): ``failed`` with that error; a bulk operation never loses an outcome to an
  exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from attrs import define

from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ExtendError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
)
from .._retry import RetryPolicy
from .._send import Gate, may_have_landed
from ..resources._lost_attempts import CANCEL_REFUSALS, RefusedCancel, recover_refused_cancel
from ..resources._run_kinds import is_final, is_stopping
from .outcomes import CancelOutcome, OutcomeKind, OutcomeUnknownError
from .throttle import Stopped, Throttle

__all__ = ["Item", "Settler", "stopped_outcome", "unfinished_outcome"]

if TYPE_CHECKING:
    from ..resources._run_kinds import AnyRun

T = TypeVar("T")

log = logging.getLogger("extend_async.bulk")

# ``cancel`` or ``get`` of one id, every attempt through the gate given.
RunCall = Callable[[str, Gate], Awaitable["AnyRun"]]

# 429s one id may meet before the operation gives up on the server: with the shared gate
# a healthy rate limit sends an id back a handful of times at most.
MAX_THROTTLED = 50
# Connections refused in a row (across all ids) before the operation stops: the server is
# not there, and every other id would only meet the same refusal, retries and all.
MAX_REFUSED_IN_A_ROW = 20

_FATAL = (AuthenticationError, PaymentRequiredError, PermissionDeniedError)


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
    # Whether some cancel attempt may have cancelled the run with its answer lost (a
    # timeout or a reset after sending, a 5xx): then the run itself says how the id ended.
    lost: bool = False
    duplicate_of: int | None = None
    run_kind: str | None = None  # the kind of run, in an operation across kinds


def outcome(
    item: Item,
    kind: OutcomeKind,
    *,
    run: AnyRun | None = None,
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
        run_kind=item.run_kind,
    )


def stopped_outcome(item: Item) -> CancelOutcome:
    """The outcome of an id the operation stopped for before it was settled: untouched
    (``not_attempted``) unless some attempt may have landed, whose fate is unknown."""
    if not item.reached:
        return outcome(item, OutcomeKind.NOT_ATTEMPTED)
    error = OutcomeUnknownError(
        "the operation stopped before this id was settled; an earlier attempt may or may "
        "not have cancelled the run"
    )
    error.__cause__ = item.last_error
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


async def _counted(item: Item, once: Callable[[], Awaitable[T]]) -> T:
    """One cancel attempt of ``item``: counted, and what it may have done recorded."""
    item.attempts += 1
    item.sending = True
    try:
        result = await once()
    except RateLimitError as exc:
        item.last_error = exc  # refused unprocessed
        raise
    except APIConnectionError as exc:
        item.last_error = exc
        item.lost = item.lost or may_have_landed(exc)
        item.reached = item.reached or item.lost
        raise
    except BaseException as exc:
        if isinstance(exc, APIStatusError):
            item.lost = item.lost or may_have_landed(exc)
        if isinstance(exc, Exception):
            item.last_error = exc
        item.reached = True
        raise
    finally:
        item.sending = False
    item.reached = True
    return result


class _Gate:
    """Every attempt of one request through the throttle; an id's cancels are recorded."""

    def __init__(self, settler: Settler, item: Item | None, *, finishing: bool) -> None:
        self._settler = settler
        self._item = item
        self._finishing = finishing

    async def attempt(self, once: Callable[[], Awaitable[T]], *, method: str) -> T:
        throttle = self._settler.throttle
        item = self._item
        try:
            if item is None or method == "GET":
                # A GET settles an id whose cancel was answered: it may finish after a stop.
                finishing = self._finishing or item is not None
                result = await throttle.send(once, finishing=finishing)
            else:
                result = await throttle.send(partial(_counted, item, once))
        except APIConnectionError as exc:
            self._settler.note_connection(exc)
            raise
        except APIStatusError:
            self._settler.note_connection(None)  # the server is there
            raise
        self._settler.note_connection(None)
        return result

    async def wait(self, seconds: float) -> None:
        with self._settler.park():
            await self._settler.throttle.sleep(seconds, finishing=self._finishing)

    def resend_throttled(self, error: RateLimitError, times: int) -> bool:
        return not self._settler.gives_up(error, times)


class Settler:
    def __init__(
        self,
        *,
        cancel: RunCall,
        get: RunCall,
        throttle: Throttle,
        policy: RetryPolicy,
        on_fatal: Callable[[ExtendError], None],
        park: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        self._cancel = cancel
        self._get = get
        self.throttle = throttle
        self._policy = policy
        self._on_fatal = on_fatal
        self.park = park  # wraps a backoff: the id waits without taking up a slot
        self._refused_in_a_row = 0

    def note_connection(self, error: APIConnectionError | None) -> None:
        """Count refused connections in a row; an answer (or a lost one) resets it."""
        if error is None or error.sent:
            self._refused_in_a_row = 0
            return
        self._refused_in_a_row += 1
        if self._refused_in_a_row >= MAX_REFUSED_IN_A_ROW:
            self._on_fatal(error)

    async def settle(self, item: Item) -> CancelOutcome:
        try:
            run = await self._cancel(item.id, _Gate(self, item, finishing=False))
        except Stopped:
            return stopped_outcome(item)
        except NotFoundError:
            return outcome(item, OutcomeKind.NOT_FOUND)
        except _FATAL as exc:
            self._on_fatal(exc)
            return outcome(item, OutcomeKind.FAILED, error=exc)
        except RateLimitError as exc:  # the operation gave up on the server
            if not item.reached:
                return outcome(item, OutcomeKind.NOT_ATTEMPTED)
            return outcome(item, OutcomeKind.FAILED, error=exc)
        except (*CANCEL_REFUSALS, ResponseDecodeError) as exc:
            item.last_error = exc
            return await self._settle_refusal(item, exc)
        except ExtendError as exc:  # retries used up, the throttle's unknown fate
            unknown = item.lost and not isinstance(exc, OutcomeUnknownError)
            if unknown and not self.throttle.stopped:
                return await self._settle_unknown(item, exc)
            return outcome(item, OutcomeKind.FAILED, error=exc)
        except Exception as exc:  # a bug: the outcome is kept all the same
            return outcome(item, OutcomeKind.FAILED, error=exc)
        kind = OutcomeKind.CANCELLED
        if is_final(run) and not is_stopping(run.status):  # a verify run answers so
            kind = OutcomeKind.ALREADY_TERMINAL
        return outcome(item, kind, run=run)

    async def _settle_refusal(self, item: Item, refusal: ExtendError) -> CancelOutcome:
        async def look(gate: Gate) -> RefusedCancel[AnyRun]:
            fetch = partial(self._get, item.id, gate)
            return await recover_refused_cancel(refusal, fetch, need_run=True)

        try:
            seen = await self.call(look, finishing=True)
        except NotFoundError:
            return outcome(item, OutcomeKind.NOT_FOUND)
        except (Stopped, ExtendError) as exc:
            log.debug("could not fetch %s after its cancel was refused: %r", item.id, exc)
            return outcome(item, OutcomeKind.FAILED, error=refusal)
        run = seen.run
        assert run is not None  # need_run: always fetched
        if seen.cancelled_by_lost_attempt:
            return outcome(item, OutcomeKind.CANCELLED, run=run)
        if is_final(run):
            return outcome(item, OutcomeKind.ALREADY_TERMINAL, run=run)
        return outcome(item, OutcomeKind.FAILED, run=run, error=refusal)

    async def _settle_unknown(self, item: Item, error: ExtendError) -> CancelOutcome:
        """The cancel gave up (its retries used up, or an error not retried) after an
        attempt that may have cancelled the run: the run is fetched, and a CANCELLED run
        was cancelled by that attempt, as ``recover_cancel`` decides after a refusal. A
        run that ended otherwise is ``already_terminal``; one still running is ``failed``
        with the cancel's error."""
        try:
            run = await self.call(partial(self._get, item.id), finishing=True)
        except NotFoundError:
            return outcome(item, OutcomeKind.NOT_FOUND)
        except (Stopped, ExtendError) as exc:
            log.debug("could not fetch %s after its cancel failed: %r", item.id, exc)
            return outcome(item, OutcomeKind.FAILED, error=error)
        if is_stopping(run.status):
            return outcome(item, OutcomeKind.CANCELLED, run=run)
        if is_final(run):
            return outcome(item, OutcomeKind.ALREADY_TERMINAL, run=run)
        return outcome(item, OutcomeKind.FAILED, run=run, error=error)

    async def call(self, request: Callable[[Gate], Awaitable[T]], *, finishing: bool = False) -> T:
        """Send an idempotent request (a GET, a list page) through the throttle: it gets
        the gate to send through."""
        try:
            return await request(_Gate(self, None, finishing=finishing))
        except _FATAL as exc:
            self._on_fatal(exc)
            raise

    def gives_up(self, exc: RateLimitError, throttled: int) -> bool:
        """After a 429: stop the operation when the server asks for a longer wait than
        the policy allows, when one id met ``MAX_THROTTLED`` of them, or when the
        throttle's operation-wide budget of 429s ran out."""
        too_long = exc.retry_after is not None and exc.retry_after > self._policy.max_retry_after
        if self.throttle.gave_up is not None:
            self._on_fatal(self.throttle.gave_up)
            return True
        if too_long or throttled > MAX_THROTTLED:
            self._on_fatal(exc)
            return True
        return False
