"""Bulk cancellation: many runs at once, every id accounted for.

Reached through ``client.classify_runs.cancel_many``, ``cancel_iter`` and ``cancel_all``;
this package holds the machinery and the result types:

* ``outcomes``: ``CancelOutcome``, ``BulkCancelResult``, ``BulkProgress`` and friends;
* ``limits`` and ``throttle``: the shared 429 gate, AIMD concurrency and ``max_rate`` pacing;
* ``attempts``: how one id is settled (retries, ambiguous answers);
* ``waiting``: first-come-first-served waiting for room;
* ``memo``: duplicate ids; ``engine``: the worker pool; ``operations``: the entry points;
* ``untried``: outcomes of ids never sent (malformed, or left unread by a stop);
* ``progress``: counting outcomes for ``on_progress``.
"""

from typing import TYPE_CHECKING, Any

from .outcomes import (
    BulkCancelInterrupted,
    BulkCancelResult,
    BulkProgress,
    CancelOutcome,
    OutcomeCounts,
    OutcomeKind,
    OutcomeUnknownError,
    StopReason,
    ThrottledOutError,
)

if TYPE_CHECKING:
    from .operations import DEFAULT_BULK_RETRIES, DEFAULT_CONCURRENCY

__all__ = [
    "DEFAULT_BULK_RETRIES",
    "DEFAULT_CONCURRENCY",
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


def __getattr__(name: str) -> Any:
    # The engine is loaded on the first bulk call, not with the package: ``extend_async``
    # re-exports the result types only, and the engine is most of this package's import.
    if name in ("DEFAULT_BULK_RETRIES", "DEFAULT_CONCURRENCY"):
        from . import operations

        return getattr(operations, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
