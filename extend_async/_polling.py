"""Waiting for a run to finish: poll with backoff and jitter, until a deadline.

The default schedule follows Extend's own guidance: about once a second for the first
30 s (most classifications finish in that time), then 15 % longer each time, up to 30 s
between polls. Every delay is jittered so that many waiters started together spread out.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from attrs import field, frozen

from ._errors import ExtendError, InvalidInputError

__all__ = [
    "DEFAULT_WAIT_CONCURRENCY",
    "DEFAULT_WAIT_DEADLINE",
    "PollPolicy",
    "WaitTimeoutError",
    "poll_many",
    "poll_until",
]

T = TypeVar("T")

# A wait gives up after 15 minutes unless told otherwise: a finite default means a stuck
# run surfaces as an error instead of a hung worker.
DEFAULT_WAIT_DEADLINE = 900.0
# Polls in flight at once when waiting for many runs: each run keeps its own schedule, and
# a wait for a thousand runs never opens a thousand connections.
DEFAULT_WAIT_CONCURRENCY = 8


def _positive(_: object, attribute: Any, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInputError(f"{attribute.name} must be a positive number, got {value!r}")


def _fraction(_: object, attribute: Any, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise InvalidInputError(f"{attribute.name} must be from 0 to below 1, got {value!r}")


def _not_negative(_: object, attribute: Any, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidInputError(f"{attribute.name} must be a number >= 0, got {value!r}")


@frozen(kw_only=True)
class PollPolicy:
    """How often to poll: every ``interval`` s during the first ``fast_phase`` s, then each
    delay ``multiplier`` times the previous one, capped at ``max_interval``; every delay is
    scaled by a random factor within ±``jitter``.

    ``PollPolicy(interval=0.01, fast_phase=0)`` polls quickly (tests, local emulators).
    """

    interval: float = field(default=1.0, validator=_positive)
    fast_phase: float = field(default=30.0, validator=_not_negative)
    multiplier: float = field(default=1.15, validator=_positive)
    max_interval: float = field(default=30.0, validator=_positive)
    jitter: float = field(default=0.25, validator=_fraction)

    def delay(self, elapsed: float, backoff_step: int) -> float:
        """The pause before the next poll, ``elapsed`` s into the wait; ``backoff_step``
        counts the polls made since the fast phase ended (0 for the first)."""
        if elapsed < self.fast_phase:
            base = self.interval
        else:
            base = min(self.interval * self.multiplier**backoff_step, self.max_interval)
        if not self.jitter:
            return base
        return base * (1.0 + self.jitter * (2.0 * random.random() - 1.0))


class WaitTimeoutError(ExtendError, TimeoutError):
    """A wait reached its deadline before the run finished.

    The run itself goes on. ``last`` is the last state seen (its ``id`` lets you keep
    waiting, or cancel it); ``elapsed`` and ``polls`` say how long and how often. From
    ``wait_many``, ``last`` is the list of every run as last seen, in input order
    (``wait_many(..., cancel_on_timeout=True)`` cancels the runs still going instead).
    """

    def __init__(self, message: str, *, last: Any, elapsed: float, polls: int) -> None:
        super().__init__(message)
        self.last = last
        self.elapsed = elapsed
        self.polls = polls


def check_deadline(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not deadline >= 0:
        raise InvalidInputError(f"deadline must be seconds >= 0 or None, got {deadline!r}")
    return float(deadline)


def check_concurrency(concurrency: int) -> int:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidInputError(f"concurrency must be an int >= 1, got {concurrency!r}")
    return concurrency


def check_policy(poll: PollPolicy | None) -> PollPolicy:
    if poll is None:
        return _DEFAULT_POLICY
    if not isinstance(poll, PollPolicy):
        raise InvalidInputError(f"poll must be a PollPolicy, got {type(poll).__name__}")
    return poll


_DEFAULT_POLICY = PollPolicy()

# Indirections so tests can run a fifteen-minute schedule on a fake clock, instantly.
_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
_clock: Callable[[], float] = time.monotonic


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    is_done: Callable[[T], bool],
    *,
    describe: Callable[[T], str],
    deadline: float | None,
    policy: PollPolicy,
    first: T | None = None,
) -> T:
    """Call ``fetch`` until ``is_done`` says so, pausing as ``policy`` says.

    ``first`` is a state already in hand (e.g. from a create): it is checked before any
    request, and the first poll waits one interval. The deadline is checked between
    polls; a poll in flight is bounded by its own request timeout. After the last pause
    (cut short at the deadline) one final poll is made, so a run that finished just in
    time is still returned.
    """
    started = _clock()
    polls = 0
    backoff_step = 0
    current = first
    if current is None:
        current = await fetch()
        polls += 1
    while not is_done(current):
        elapsed = _clock() - started
        if deadline is not None and elapsed >= deadline:
            raise WaitTimeoutError(
                f"{describe(current)} after {elapsed:.2f} s ({polls} polls; deadline "
                f"{deadline:g} s); the run continues",
                last=current,
                elapsed=elapsed,
                polls=polls,
            )
        pause = policy.delay(elapsed, backoff_step)
        if elapsed >= policy.fast_phase:
            backoff_step += 1
        if deadline is not None:
            pause = min(pause, max(deadline - elapsed, 0.0))
        await _sleep(pause)
        current = await fetch()
        polls += 1
    return current


async def poll_many(
    fetchers: Sequence[Callable[[], Awaitable[T]]],
    is_done: Callable[[T], bool],
    *,
    describe: Callable[[T], str],
    deadline: float | None,
    policy: PollPolicy,
    concurrency: int,
) -> list[T | WaitTimeoutError]:
    """``poll_until`` for each fetcher at once, all to the same deadline, with at most
    ``concurrency`` polls in flight; in the fetchers' order, each the finished state or
    the ``WaitTimeoutError`` of a wait that reached the deadline.

    Any other error (a 404, a rejected key) stops every wait and is raised.
    """
    slots = asyncio.Semaphore(concurrency)

    def limited(fetch: Callable[[], Awaitable[T]]) -> Callable[[], Awaitable[T]]:
        async def one_poll() -> T:
            async with slots:
                return await fetch()

        return one_poll

    async def one_wait(fetch: Callable[[], Awaitable[T]]) -> T | WaitTimeoutError:
        try:
            done: T = await poll_until(
                limited(fetch), is_done, describe=describe, deadline=deadline, policy=policy
            )
        except WaitTimeoutError as timed_out:
            return timed_out
        return done

    tasks = [asyncio.ensure_future(one_wait(fetch)) for fetch in fetchers]
    if not tasks:
        return []
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        # On an error, or when the caller is cancelled: no wait outlives the call.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:  # the first error in input order, as the caller gave the ids
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return [task.result() for task in tasks]
