"""One ``Throttle`` per bulk operation: every request of the operation passes through it.

It holds back requests while the server's ``Retry-After`` runs (one shared gate, so a
429 pauses the whole operation rather than the one task that saw it), limits requests in
flight (AIMD: halved on 429, regrown on success), spaces them to at most ``max_rate`` per
second (and, after a 429, to a little under the rate the server accepted, probing upwards
again), and stops the operation: waiting requests are dropped at once, requests in flight
get a short grace period to be answered (none at a deadline: they are cancelled).

It also decides when the server is not worth waiting for any more: after
``MAX_UNHINTED_EPISODES`` congestion episodes in a row answered 429 with no hint, or after
``THROTTLED_WINDOWS`` times ``RetryPolicy.max_retry_after`` seconds in which every answer
was a 429 (``gave_up`` then holds the reason, and the settler stops the operation).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio

from .._errors import APIStatusError, RateLimitError
from .._retry import RetryPolicy
from .limits import AdaptiveLimit, AdaptiveRate, Episodes
from .outcomes import OutcomeUnknownError, ThrottledOutError
from .waiting import WaitQueue

__all__ = ["MAX_UNHINTED_EPISODES", "STOP_GRACE", "THROTTLED_WINDOWS", "Stopped", "Throttle"]

T = TypeVar("T")

log = logging.getLogger("extend_async.bulk")

# Seconds a request already in flight (or a follow-up GET settling its id) may still take
# once the operation stops: long enough for a normal answer, short enough for Ctrl-C.
STOP_GRACE = 5.0
# Congestion episodes in a row, with nothing but 429s without a hint in between, after
# which the operation gives up: the shared backoff doubles each time (0.5 s, 1 s, ... up
# to RetryPolicy.max_delay), so with the default policy that is about half a minute.
MAX_UNHINTED_EPISODES = 8
# However the 429s are hinted: once every answer for this many times the policy's
# max_retry_after (3 minutes by default) was a 429, the operation gives up.
THROTTLED_WINDOWS = 3


class Stopped(Exception):
    """The operation stopped before this request was sent."""


class Throttle:
    def __init__(
        self,
        *,
        concurrency: int,
        max_rate: float | None,
        policy: RetryPolicy,
        grace: float = STOP_GRACE,
        paced_elsewhere: bool = False,
    ) -> None:
        self._limit = AdaptiveLimit(concurrency)
        self._pacer = AdaptiveRate(max_rate)
        # A client's shared rate limiter paces every attempt already (and learns from every
        # 429, across processes): then ``max_rate`` stays a fixed cap for this operation and
        # the throttle does not guess a rate of its own after a 429.
        self._adapts_rate = not paced_elsewhere
        self._episodes = Episodes()
        self._policy = policy
        self._grace = grace
        self._paused_until = -math.inf
        self._in_flight = 0
        self._queue = WaitQueue(lambda: self.concurrency - self._in_flight)
        self._scopes: dict[anyio.CancelScope, bool] = {}  # scope -> dropped at once on stop
        self._stopped_at: float | None = None
        self._stop_grace = grace
        self._cuts = 0  # consecutive congestion episodes, for the no-hint backoff
        # Since the last answer that was not a 429: unhinted episodes, and when it began.
        self._unhinted_episodes = 0
        self._throttled_since: float | None = None
        self.gave_up: ThrottledOutError | None = None
        self.requests = 0
        self.throttled = 0

    @property
    def concurrency(self) -> int:
        return self._limit.current

    @property
    def rate(self) -> float | None:
        """The pace in requests per second, or ``None`` while unpaced."""
        return self._pacer.rate

    @property
    def stopped(self) -> bool:
        return self._stopped_at is not None

    def stop(self, *, grace: float | None = None) -> None:
        """Send nothing new; let requests in flight finish within the grace period
        (``grace=0``: cancel them now, as a deadline does). Stopping again can only
        shorten the grace period (a deadline during another stop's grace period)."""
        now = anyio.current_time()
        grace = self._grace if grace is None else grace
        if self._stopped_at is not None and self._stopped_at + self._stop_grace <= now + grace:
            return
        self._stopped_at, self._stop_grace = now, grace
        for scope, drop in list(self._scopes.items()):
            if drop or grace <= 0:
                scope.cancel()
            else:
                scope.deadline = min(scope.deadline, now + grace)

    async def send(self, request: Callable[[], Awaitable[T]], *, finishing: bool = False) -> T:
        """Wait for a turn, then send. ``finishing`` requests (settling an id whose cancel
        was already answered) may still be sent during the grace period after a stop.

        Raises ``Stopped`` if the operation stopped first, ``OutcomeUnknownError`` if it
        stopped while the request was in flight and the grace period ran out.
        """
        with self._guarded(drop=not finishing) as scope:
            await self._take_turn()
        if scope.cancelled_caught:
            raise Stopped
        if self.stopped and not finishing:
            self._release()
            raise Stopped
        sent_at = anyio.current_time()
        self.requests += 1
        try:
            with self._guarded(drop=False) as scope:
                try:
                    result = await request()
                except RateLimitError as exc:
                    self._on_throttled(exc, sent_at)
                    raise
                except APIStatusError:
                    self._on_answered()  # not a 429: the server is taking requests
                    raise
            if scope.cancelled_caught:
                raise OutcomeUnknownError(
                    "the operation stopped before this request was answered; "
                    "the run may or may not have been cancelled"
                )
        finally:
            self._release()
        self._cuts = 0
        self._on_answered()
        self._limit.on_success()
        self._pacer.on_success(anyio.current_time())
        self._queue.wake()
        return result

    async def sleep(self, seconds: float, *, finishing: bool = False) -> None:
        """Back off before a retry; raises ``Stopped`` if the operation stops meanwhile
        (for ``finishing`` work: if the grace period runs out)."""
        with self._guarded(drop=not finishing) as scope:
            await anyio.sleep(seconds)
        if scope.cancelled_caught:
            raise Stopped

    @contextmanager
    def _guarded(self, *, drop: bool) -> Iterator[anyio.CancelScope]:
        scope = anyio.CancelScope()
        if self._stopped_at is not None:
            if drop or self._stop_grace <= 0:
                scope.cancel()
            else:
                scope.deadline = self._stopped_at + self._stop_grace
        self._scopes[scope] = drop
        try:
            with scope:
                yield scope
        finally:
            del self._scopes[scope]

    async def _take_turn(self) -> None:
        while self._paused_until > anyio.current_time() or self._in_flight >= self.concurrency:
            wait = self._paused_until - anyio.current_time()
            if wait > 0:
                await anyio.sleep(wait)
                continue
            await self._queue.wait()
        self._in_flight += 1
        try:
            while True:
                now = anyio.current_time()
                if self._paused_until > now:
                    await anyio.sleep(self._paused_until - now)
                    continue
                slot = self._pacer.reserve(now)
                if slot > now:
                    await anyio.sleep(slot - now)
                if self._paused_until <= anyio.current_time():
                    return
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        self._in_flight -= 1
        self._queue.wake()

    def _on_answered(self) -> None:
        self._unhinted_episodes = 0
        self._throttled_since = None

    def _on_throttled(self, exc: RateLimitError, sent_at: float) -> None:
        self.throttled += 1
        now = anyio.current_time()
        cut = self._episodes.is_new(sent_at, now)
        if cut:
            self._limit.on_cut()
            if self._adapts_rate:
                self._pacer.on_cut(now)
        wait = exc.retry_after
        if wait is None:
            wait = self._policy.backoff(self._cuts)
            if cut:
                self._unhinted_episodes += 1
        if cut:
            self._cuts += 1
        self._check_budget(exc, now)
        if wait > self._policy.max_retry_after:
            return  # not waited out; the caller gives up on this operation
        if now + wait > self._paused_until:
            self._paused_until = now + wait
            if cut:
                pace = self._pacer.rate
                log.info(
                    "rate limited: pausing all requests for %.2f s; then at most %d in flight, %s",
                    wait,
                    self.concurrency,
                    "unpaced" if pace is None else f"{pace:.1f} requests/s",
                )

    def _check_budget(self, exc: RateLimitError, now: float) -> None:
        """Give up on a server that only ever answers 429 (``gave_up`` says why)."""
        if self._throttled_since is None:
            self._throttled_since = now
        if self.gave_up is not None:
            return
        throttled_for = now - self._throttled_since
        budget = THROTTLED_WINDOWS * self._policy.max_retry_after
        if self._unhinted_episodes >= MAX_UNHINTED_EPISODES:
            reason = (
                f"the server answered 429 with no Retry-After hint {self._unhinted_episodes} "
                "times in a row, each after a longer shared backoff; giving up"
            )
        elif throttled_for >= budget:
            reason = (
                f"every answer of the server for {throttled_for:.1f} s was a 429 "
                f"(the budget is {budget:.1f} s: {THROTTLED_WINDOWS} x "
                "RetryPolicy.max_retry_after); giving up"
            )
        else:
            return
        self.gave_up = ThrottledOutError(reason)
        self.gave_up.__cause__ = exc
