"""Counting outcomes as they arrive, for ``on_progress`` and the final result."""

from __future__ import annotations

import time
from collections.abc import Callable

from .outcomes import BulkProgress, CancelOutcome, OutcomeCounts, OutcomeKind
from .throttle import Throttle

__all__ = ["ProgressCallback", "Tally"]

ProgressCallback = Callable[[BulkProgress], None]


class Tally:
    def __init__(
        self, *, total: int | None, throttle: Throttle, on_progress: ProgressCallback | None
    ) -> None:
        self.total = total
        self.done = 0
        self._counts = dict.fromkeys(OutcomeKind, 0)
        self._throttle = throttle
        self._on_progress = on_progress
        self._started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def add(self, outcome: CancelOutcome) -> None:
        self._counts[outcome.kind] += 1
        self.done += 1
        if self._on_progress is not None:
            self._on_progress(self.snapshot())

    def counts(self) -> OutcomeCounts:
        return OutcomeCounts.of(self._counts)

    def snapshot(self) -> BulkProgress:
        elapsed = self.elapsed
        return BulkProgress(
            done=self.done,
            total=self.total,
            counts=self.counts(),
            elapsed=elapsed,
            rate=self.done / elapsed if elapsed > 0 else 0.0,
            throttled=self._throttle.throttled,
            concurrency=self._throttle.concurrency,
        )
