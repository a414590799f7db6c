"""How runs move on their own: delays set per emulator, timers on the emulator's loop.

By default nothing moves: a created run stays PROCESSING until a test calls
``emu.advance``. With delays configured, ``loop.call_later`` timers move it
PENDING -> PROCESSING -> PROCESSED (or FAILED, for ``failure_rate`` of them). A timer
that fires after a test (or a cancel) already moved the run does nothing, and every
pending timer is cancelled when the emulator stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable

from attrs import field, frozen

from ._records import RunRecord
from ._samples import FAILURE_MESSAGES
from ._store import Store

__all__ = ["Lifecycle", "Scheduler"]


def _optional_seconds(_: object, attribute: object, value: float | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"delays must not be negative, got {value}")


def _fraction(_: object, attribute: object, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"failure_rate must be between 0 and 1, got {value}")


@frozen(kw_only=True)
class Lifecycle:
    """The life of created runs.

    ``queue``: runs start PENDING (as if queued) instead of PROCESSING.
    ``pending_seconds``: PENDING -> PROCESSING after this long (``None``: never by itself).
    ``processing_seconds``: PROCESSING -> PROCESSED/FAILED after this long (``None``: never).
    ``failure_rate``: the share of automatic completions that end FAILED with
    ``failure_reason``.
    """

    queue: bool = False
    pending_seconds: float | None = field(default=None, validator=_optional_seconds)
    processing_seconds: float | None = field(default=None, validator=_optional_seconds)
    failure_rate: float = field(default=0.0, validator=_fraction)
    failure_reason: str = "INTERNAL_ERROR"

    @property
    def start_status(self) -> str:
        return "PENDING" if self.queue else "PROCESSING"

    @property
    def moves_runs(self) -> bool:
        """Whether any run ever moves without a test saying so."""
        return self.pending_delay is not None or self.processing_seconds is not None

    @property
    def pending_delay(self) -> float | None:
        """How long a PENDING run waits; with only ``processing_seconds`` set, queued
        runs (batch runs, for one) start at once rather than wait forever."""
        if self.pending_seconds is None and self.processing_seconds is not None:
            return 0.0
        return self.pending_seconds


def complete(store: Store, run: RunRecord, lifecycle: Lifecycle) -> None:
    """Finish ``run`` the way the lifecycle says: PROCESSED, or FAILED at its rate."""
    if lifecycle.failure_rate and store.rng.random() < lifecycle.failure_rate:
        reason = lifecycle.failure_reason
        store.set_status(
            run,
            "FAILED",
            failure_reason=reason,
            failure_message=FAILURE_MESSAGES.get(reason, "The run failed."),
        )
    else:
        store.set_status(run, "PROCESSED")


class Scheduler:
    """Owns the transition timers. ``schedule`` may be called from any thread."""

    def __init__(self, store: Store, lifecycle: Callable[[], Lifecycle]) -> None:
        self._store = store
        self._lifecycle = lifecycle
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self._loop_thread = loop, threading.get_ident()

    def detach(self) -> None:
        """Cancel every pending timer (called on the loop, when the emulator stops)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._loop = self._loop_thread = None

    @property
    def pending(self) -> int:
        return len(self._timers)

    def schedule(self, run_ids: Iterable[str]) -> None:
        loop = self._loop
        if loop is None:
            return  # not serving yet: ``attach`` callers schedule every active run
        ids = list(run_ids)
        if threading.get_ident() == self._loop_thread:
            self._schedule_now(ids)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._schedule_now, ids)

    def _schedule_now(self, run_ids: list[str]) -> None:
        loop = self._loop
        if loop is None:
            return
        lifecycle = self._lifecycle()
        store = self._store
        with store.lock:
            for run_id in run_ids:
                run = store.runs.get(run_id)
                if run is None or run.deleted:
                    continue
                if run.status == "PENDING":
                    delay = lifecycle.pending_delay
                elif run.status == "PROCESSING":
                    delay = lifecycle.processing_seconds
                else:
                    delay = None
                previous = self._timers.pop(run_id, None)
                if previous is not None:
                    previous.cancel()
                if delay is not None:
                    self._timers[run_id] = loop.call_later(delay, self._fire, run_id, run.status)

    def _fire(self, run_id: str, expected_status: str) -> None:
        self._timers.pop(run_id, None)
        store = self._store
        with store.lock:
            run = store.runs.get(run_id)
            if run is None or run.deleted or run.status != expected_status:
                return  # moved on meanwhile (cancelled, advanced by a test, deleted)
            if expected_status == "PENDING":
                store.set_status(run, "PROCESSING")
                self._schedule_now([run_id])
            else:
                complete(store, run, self._lifecycle())
