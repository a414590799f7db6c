"""What a bulk cancel reports: one ``CancelOutcome`` per input, counts, progress."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping

from attrs import frozen

from .._errors import ExtendError
from ..types import ClassifyRun, RunStatus
from ..types._enums import _StrEnum

__all__ = [
    "BulkCancelInterrupted",
    "BulkCancelResult",
    "BulkProgress",
    "CancelOutcome",
    "OutcomeCounts",
    "OutcomeKind",
    "OutcomeUnknownError",
    "StopReason",
]


class OutcomeKind(_StrEnum):
    """How one input ended."""

    CANCELLED = "cancelled"
    """The cancel took effect (the run is, or is becoming, CANCELLED)."""
    ALREADY_TERMINAL = "already_terminal"
    """The run had already ended; ``status`` says how (PROCESSED, FAILED or CANCELLED)."""
    NOT_FOUND = "not_found"
    """No such run in this workspace (404)."""
    FAILED = "failed"
    """The run could not be cancelled, or its fate is unknown; ``error`` says why."""
    NOT_ATTEMPTED = "not_attempted"
    """The operation stopped (deadline, interruption, fatal error) before any cancel
    request for this id could take effect: none was sent, or each was refused with 429
    or failed before leaving. The run was left as it was."""


class StopReason(_StrEnum):
    """Why an operation ended before every input was tried."""

    DEADLINE = "deadline"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class OutcomeUnknownError(ExtendError):
    """The operation stopped while this id's request was in flight: the run may or may not
    have been cancelled."""


@frozen(kw_only=True)
class CancelOutcome:
    """The fate of the input at position ``index``.

    ``status`` is the run's last known status (``CANCELLED`` for a cancelled run, the final
    status for an already terminal one). ``run`` is the run as the API last returned it,
    when it did. ``attempts`` counts the cancel requests sent for this position (a follow-up
    ``GET`` is not counted). A repeated id is cancelled once: its later positions get
    ``duplicate_of`` set to the first position, the first position's ``kind``, ``status``
    and ``error``, and ``attempts == 0``.
    """

    id: str
    index: int
    kind: OutcomeKind
    status: RunStatus | str | None = None
    run: ClassifyRun | None = None
    error: Exception | None = None
    attempts: int = 0
    duplicate_of: int | None = None

    @property
    def ok(self) -> bool:
        """True when the run is not running any more because of, or before, this cancel."""
        return self.kind in (OutcomeKind.CANCELLED, OutcomeKind.ALREADY_TERMINAL)


@frozen(kw_only=True)
class OutcomeCounts:
    """How many outcomes of each kind."""

    cancelled: int = 0
    already_terminal: int = 0
    not_found: int = 0
    failed: int = 0
    not_attempted: int = 0

    @classmethod
    def of(cls, counts: Mapping[OutcomeKind, int]) -> OutcomeCounts:
        return cls(**{kind.value: counts.get(kind, 0) for kind in OutcomeKind})

    @property
    def total(self) -> int:
        return (
            self.cancelled
            + self.already_terminal
            + self.not_found
            + self.failed
            + self.not_attempted
        )

    def __getitem__(self, kind: OutcomeKind | str) -> int:
        return int(getattr(self, OutcomeKind(kind).value))

    def as_dict(self) -> dict[str, int]:
        return {kind.value: self[kind] for kind in OutcomeKind}


@frozen(kw_only=True)
class BulkProgress:
    """A snapshot passed to ``on_progress`` after each outcome.

    ``total`` is known when the ids were given as a sized collection (a list, a tuple),
    else ``None``. ``rate`` is outcomes per second since the start; ``throttled`` counts
    429 answers so far and ``concurrency`` is the current adaptive request limit.
    """

    done: int
    total: int | None
    counts: OutcomeCounts
    elapsed: float
    rate: float
    throttled: int = 0
    concurrency: int = 0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, when the total is known."""
        if self.total is None or self.rate <= 0:
            return None
        return max(self.total - self.done, 0) / self.rate


@frozen(kw_only=True)
class BulkCancelResult:
    """Every input's outcome, in input order, with counts per kind.

    ``stop_reason`` is ``None`` when every id given was tried; otherwise it says what cut
    the operation short (the untried ids are ``not_attempted``), and for
    ``StopReason.ERROR`` ``error`` holds the error that stopped it (a failed listing, a
    rejected API key, a ``Retry-After`` longer than ``RetryPolicy.max_retry_after``, an
    exception raised by the ids iterable). ``requests`` counts every HTTP request sent
    (cancels, follow-up ``GET``\\ s, list pages); ``throttled`` counts 429 answers.
    """

    outcomes: tuple[CancelOutcome, ...]
    counts: OutcomeCounts
    elapsed: float
    requests: int = 0
    throttled: int = 0
    stop_reason: StopReason | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """True when every input ended ``cancelled`` or ``already_terminal``."""
        return self.counts.cancelled + self.counts.already_terminal == len(self.outcomes)

    @property
    def complete(self) -> bool:
        """True when nothing cut the operation short."""
        return self.stop_reason is None

    def of_kind(self, kind: OutcomeKind | str) -> tuple[CancelOutcome, ...]:
        wanted = OutcomeKind(kind)
        return tuple(o for o in self.outcomes if o.kind is wanted)

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[CancelOutcome]:
        return iter(self.outcomes)


class BulkCancelInterrupted(asyncio.CancelledError):
    """``cancel_many``/``cancel_all`` was cancelled (task cancellation, Ctrl-C under
    ``asyncio.run``); ``result`` holds the partial ``BulkCancelResult``.

    It is a ``CancelledError``, not an ``ExtendError``, so cancellation keeps working as
    usual (task groups, timeouts and ``except Exception`` blocks treat it as cancellation).
    Catch it to read the partial result, then re-raise::

        try:
            result = await client.classify_runs.cancel_many(ids)
        except BulkCancelInterrupted as stop:
            report(stop.result)
            raise
    """

    def __init__(self, result: BulkCancelResult) -> None:
        super().__init__(
            f"bulk cancel interrupted after {result.counts.total - result.counts.not_attempted}"
            f" of {len(result)} ids"
        )
        self.result = result

    def __reduce__(self) -> tuple[type[BulkCancelInterrupted], tuple[BulkCancelResult]]:
        # The default rebuilds from ``args`` (the message), which is not a result.
        return (type(self), (self.result,))
