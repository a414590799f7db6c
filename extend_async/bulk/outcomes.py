"""What a bulk cancel reports: one ``CancelOutcome`` per input, counts, progress."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Protocol

from attrs import frozen

from .._errors import ExtendError
from ..types import RunStatus
from ..types._enums import _StrEnum

if TYPE_CHECKING:
    from ..resources._run_kinds import AnyRun

__all__ = [
    "UNKNOWN_KIND",
    "BulkCancelInterrupted",
    "BulkCancelResult",
    "BulkProgress",
    "CancelOutcome",
    "OutcomeCounts",
    "OutcomeKind",
    "OutcomeUnknownError",
    "StopReason",
    "ThrottledOutError",
]


# The key of ``counts_by_kind`` for ids whose kind of run is unknown.
UNKNOWN_KIND = "unknown"


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


class ThrottledOutError(ExtendError):
    """The server kept answering 429 (too many unhinted 429s in a row, or too long with
    no request accepted), so the operation gave up on it. ``__cause__`` is the last 429;
    ids never accepted are ``not_attempted``."""


@frozen(kw_only=True)
class CancelOutcome:
    """The fate of the input at position ``index``.

    ``status`` is the run's last known status (``CANCELLED`` for a cancelled run, the final
    status for an already terminal one). ``run`` is the run as the API last returned it,
    when it did. ``attempts`` counts the cancel requests sent for this position (a follow-up
    ``GET`` is not counted). A repeated id is cancelled once: its later positions get
    ``duplicate_of`` set to the first position, the first position's ``kind``, ``status``
    and ``error``, and ``attempts == 0``.

    ``run_kind`` names the kind of run (``"extract"``, ``"workflow"``, ...) in an
    operation across kinds (``client.runs``), ``None`` when the id's kind is unknown and
    in ``client.classify_runs``' own operations.
    """

    id: str
    index: int
    kind: OutcomeKind
    status: RunStatus | str | None = None
    run: AnyRun | None = None
    error: Exception | None = None
    attempts: int = 0
    duplicate_of: int | None = None
    run_kind: str | None = None

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

    @classmethod
    def of_outcomes(cls, outcomes: Iterable[CancelOutcome]) -> OutcomeCounts:
        """How many of ``outcomes`` are of each kind."""
        tally = dict.fromkeys(OutcomeKind, 0)
        for outcome in outcomes:
            tally[outcome.kind] += 1
        return cls.of(tally)

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


class _Unread(Protocol):
    """Outcomes made on demand for the ids a stop left unread (``untried.Untried``)."""

    def __len__(self) -> int: ...

    def outcomes(self) -> tuple[CancelOutcome, ...]: ...

    def counts(self) -> OutcomeCounts: ...


class BulkCancelResult:
    """Every input's outcome, in input order, with counts per kind.

    ``stop_reason`` is ``None`` when every id given was tried; otherwise it says what cut
    the operation short (the untried ids are ``not_attempted``), and for
    ``StopReason.ERROR`` ``error`` holds the error that stopped it (a failed listing, a
    rejected API key, a ``Retry-After`` longer than ``RetryPolicy.max_retry_after``, an
    exception raised by the ids iterable). ``requests`` counts every HTTP request sent
    (cancels, follow-up ``GET``\\ s, list pages); ``throttled`` counts 429 answers.

    Read-only. After a stop, the outcomes of the ids never read from an in-memory
    collection are made the first time ``outcomes`` or ``counts`` is read, so a deadline
    holds however many ids are left; ``len(result)`` never needs them.
    """

    __slots__ = (
        "_all",
        "_all_counts",
        "_counts",
        "_elapsed",
        "_error",
        "_outcomes",
        "_requests",
        "_stop_reason",
        "_throttled",
        "_unread",
    )

    def __init__(
        self,
        *,
        outcomes: Iterable[CancelOutcome],
        counts: OutcomeCounts | None = None,
        elapsed: float,
        requests: int = 0,
        throttled: int = 0,
        stop_reason: StopReason | None = None,
        error: Exception | None = None,
    ) -> None:
        self._outcomes = tuple(outcomes)
        self._counts = counts if counts is not None else OutcomeCounts.of_outcomes(self._outcomes)
        # With unread ids: what ``outcomes`` and ``counts`` become once asked for. Each is
        # made from settled parts only, so two threads asking at once make equal values.
        self._unread: _Unread | None = None
        self._all: tuple[CancelOutcome, ...] | None = None
        self._all_counts: OutcomeCounts | None = None
        self._elapsed = elapsed
        self._requests = requests
        self._throttled = throttled
        self._stop_reason = stop_reason
        self._error = error

    def _add_unread(self, unread: _Unread) -> None:
        """After the outcomes given (in input order, all counted): ``unread``, whose
        outcomes are made when first read. Only right after ``__init__``."""
        self._unread = unread

    @property
    def outcomes(self) -> tuple[CancelOutcome, ...]:
        if self._unread is None:
            return self._outcomes
        if self._all is None:
            self._all = self._outcomes + self._unread.outcomes()
        return self._all

    @property
    def counts(self) -> OutcomeCounts:
        if self._unread is None:
            return self._counts
        if self._all_counts is None:
            self._all_counts = _add(self._counts, self._unread.counts())
        return self._all_counts

    @property
    def elapsed(self) -> float:
        return self._elapsed

    @property
    def requests(self) -> int:
        return self._requests

    @property
    def throttled(self) -> int:
        return self._throttled

    @property
    def stop_reason(self) -> StopReason | None:
        return self._stop_reason

    @property
    def error(self) -> Exception | None:
        return self._error

    @property
    def ok(self) -> bool:
        """True when every input ended ``cancelled`` or ``already_terminal``."""
        counts = self.counts
        return counts.cancelled + counts.already_terminal == len(self)

    @property
    def complete(self) -> bool:
        """True when nothing cut the operation short."""
        return self._stop_reason is None

    def of_kind(self, kind: OutcomeKind | str) -> tuple[CancelOutcome, ...]:
        wanted = OutcomeKind(kind)
        return tuple(o for o in self.outcomes if o.kind is wanted)

    @property
    def counts_by_kind(self) -> dict[str, OutcomeCounts]:
        """Counts per kind of run (``"classify"``, ``"extract"``, ...), in the order the
        kinds first appear; ids whose kind is unknown count under ``"unknown"``."""
        tallies: dict[str, dict[OutcomeKind, int]] = {}
        for outcome in self.outcomes:
            tally = tallies.setdefault(outcome.run_kind or UNKNOWN_KIND, {})
            tally[outcome.kind] = tally.get(outcome.kind, 0) + 1
        return {kind: OutcomeCounts.of(tally) for kind, tally in tallies.items()}

    def __len__(self) -> int:
        return len(self._outcomes) + (0 if self._unread is None else len(self._unread))

    def __iter__(self) -> Iterator[CancelOutcome]:
        return iter(self.outcomes)

    def _sent(self) -> int:
        """How many ids had a cancel request sent (never one of the unread ones)."""
        return sum(1 for outcome in self._outcomes if outcome.attempts)

    def _fields(self) -> tuple[object, ...]:
        return (
            self.outcomes,
            self.counts,
            self._elapsed,
            self._requests,
            self._throttled,
            self._stop_reason,
            self._error,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BulkCancelResult):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        # Outcomes are counted, not listed: a result may hold hundreds of thousands.
        return (
            f"BulkCancelResult(outcomes=<{len(self)} outcomes>, counts={self.counts!r},"
            f" elapsed={self._elapsed!r}, requests={self._requests!r},"
            f" throttled={self._throttled!r}, stop_reason={self._stop_reason!r},"
            f" error={self._error!r})"
        )

    def _repr_html_(self) -> str:
        """A small table in a notebook cell: counts per outcome, time taken, the first
        few failures (``bulk/display.py``)."""
        from .display import result_html

        return result_html(self)

    def __reduce__(self) -> tuple[Callable[[], BulkCancelResult], tuple[()]]:
        # The unread ids' outcomes are made first: what makes them cannot be pickled.
        rebuild = partial(
            BulkCancelResult,
            outcomes=self.outcomes,
            counts=self.counts,
            elapsed=self._elapsed,
            requests=self._requests,
            throttled=self._throttled,
            stop_reason=self._stop_reason,
            error=self._error,
        )
        return (rebuild, ())


def _add(one: OutcomeCounts, other: OutcomeCounts) -> OutcomeCounts:
    return OutcomeCounts.of({kind: one[kind] + other[kind] for kind in OutcomeKind})


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
            f"bulk cancel interrupted after cancels were sent for {result._sent()}"
            f" of {len(result)} ids"
        )
        self.result = result

    def __reduce__(self) -> tuple[type[BulkCancelInterrupted], tuple[BulkCancelResult]]:
        # The default rebuilds from ``args`` (the message), which is not a result.
        return (type(self), (self.result,))
