"""The end of a bulk cancel: a summary table, the ids that need a look, or JSON lines."""

from __future__ import annotations

import time
from typing import Any, TextIO

from attrs import Factory, define

from .._errors import APIConnectionError, APITimeoutError
from ..bulk import BulkCancelResult, CancelOutcome, OutcomeKind, StopReason
from ..bulk.outcomes import UNKNOWN_KIND
from ._common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, plural
from ._escape import printable
from ._progress import duration

__all__ = [
    "Summary",
    "connection_hint",
    "connection_problem",
    "exit_status",
    "outcome_data",
    "print_summary",
]

# Problem ids listed under the summary; --json gives every outcome.
MAX_LISTED = 20

_LABELS = {
    OutcomeKind.CANCELLED: "cancelled",
    OutcomeKind.ALREADY_TERMINAL: "already terminal",
    OutcomeKind.NOT_FOUND: "not found",
    OutcomeKind.FAILED: "failed",
    OutcomeKind.NOT_ATTEMPTED: "not attempted",
}


def outcome_data(outcome: CancelOutcome) -> dict[str, Any]:
    """One outcome as JSON-ready data, with camelCase keys like every other ``-o json``."""
    return {
        "index": outcome.index,
        "id": outcome.id,
        "kind": outcome.kind.value,
        "status": None if outcome.status is None else str(outcome.status),
        "attempts": outcome.attempts,
        "duplicateOf": outcome.duplicate_of,
        "runType": outcome.run_kind,
        "error": None if outcome.error is None else one_line(outcome.error),
    }


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"


def connection_hint(base_url: str) -> str:
    return f"cannot reach {base_url}; change it with --base-url or EXTEND_BASE_URL"


def connection_problem(error: APIConnectionError, base_url: str, timeout: float) -> str:
    """What went wrong, in words that tell a silent server from an unreachable one."""
    if isinstance(error, APITimeoutError) and error.sent:
        return (
            f"no answer within {timeout:g}s from {base_url} to {error.method} {error.path} "
            f"({plural(error.attempts, 'attempt')}): the server was reached but did not "
            "answer; raise --timeout, or try again later"
        )
    return f"{' '.join(str(error).split())}; {connection_hint(base_url)}"


@define
class Summary:
    """What a bulk cancel did, kept small: counts, and the first few problems.

    Filled outcome by outcome (a streamed cancel keeps no list of outcomes), or at once
    from a ``BulkCancelResult``.
    """

    counts: dict[OutcomeKind, int] = Factory(lambda: dict.fromkeys(OutcomeKind, 0))
    # Per type of run, in an operation across types: type -> outcome kind -> count.
    by_type: dict[str, dict[OutcomeKind, int]] = Factory(dict)
    duplicates: int = 0
    problems: list[CancelOutcome] = Factory(list)
    problem_count: int = 0
    unreachable: bool = False
    elapsed: float = 0.0
    requests: int | None = None
    throttled: int = 0
    stop_reason: StopReason | None = None
    error: BaseException | None = None
    _started: float = Factory(time.monotonic)

    @classmethod
    def of(cls, result: BulkCancelResult) -> Summary:
        summary = cls(
            elapsed=result.elapsed,
            requests=result.requests,
            throttled=result.throttled,
            stop_reason=result.stop_reason,
            error=result.error,
        )
        for outcome in result:
            summary.add(outcome)
        return summary

    def add(self, outcome: CancelOutcome) -> None:
        self.counts[outcome.kind] += 1
        # Classify's own operations name no type: no table by type for them.
        tally = self.by_type.setdefault(outcome.run_kind or UNKNOWN_KIND, {})
        tally[outcome.kind] = tally.get(outcome.kind, 0) + 1
        if outcome.duplicate_of is not None:
            self.duplicates += 1
        if not outcome.ok:
            self.problem_count += 1
            if len(self.problems) < MAX_LISTED:
                self.problems.append(outcome)
            if isinstance(outcome.error, APIConnectionError):
                self.unreachable = True

    def stop(self, reason: StopReason, error: BaseException | None = None) -> None:
        if self.stop_reason is None:
            self.stop_reason, self.error = reason, error

    def finish(self, throttled: int) -> None:
        """For a streamed cancel: the time taken, and the 429s counted by the progress."""
        self.elapsed = time.monotonic() - self._started
        self.throttled = throttled
        if self.stop_reason is None and self.counts[OutcomeKind.NOT_ATTEMPTED]:
            self.stop_reason = StopReason.DEADLINE  # the only other reason to leave ids alone

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def attempted(self) -> int:
        return self.total - self.counts[OutcomeKind.NOT_ATTEMPTED]

    @property
    def ok(self) -> bool:
        done = self.counts[OutcomeKind.CANCELLED] + self.counts[OutcomeKind.ALREADY_TERMINAL]
        return done == self.total


def exit_status(summary: Summary) -> int:
    if summary.stop_reason is StopReason.INTERRUPTED:
        return EXIT_INTERRUPTED
    if isinstance(summary.error, UsageError):
        return EXIT_USAGE
    if summary.stop_reason is not None:
        return EXIT_FAILED
    return EXIT_OK if summary.ok else EXIT_FAILED


def _stop_text(summary: Summary) -> str | None:
    if summary.stop_reason is StopReason.DEADLINE:
        return "stopped at the deadline; the ids not attempted (or not read) were left alone"
    if summary.stop_reason is StopReason.INTERRUPTED:
        return "interrupted; the ids not attempted were left alone"
    if summary.stop_reason is StopReason.ERROR:
        return "stopped early by the error below; the ids not attempted were left alone"
    return None


def print_summary(summary: Summary, stream: TextIO, *, base_url: str) -> None:
    # The rate counts the ids actually tried, not those a stop left alone.
    rate = summary.attempted / summary.elapsed if summary.elapsed > 0 else 0.0
    head = f"{plural(summary.total, 'id')} in {duration(summary.elapsed)} ({rate:.0f}/s)"
    if summary.requests is not None:
        head += f", {plural(summary.requests, 'request')}"
    lines = ["", f"{head}, {summary.throttled} answered 429"]
    width = max(len(label) for label in _LABELS.values())
    for kind, label in _LABELS.items():
        lines.append(f"  {label:<{width}}  {summary.counts[kind]:>8}")
    lines.append(f"  {'total':<{width}}  {summary.total:>8}")
    if set(summary.by_type) - {UNKNOWN_KIND}:
        lines.append("by type:")
        type_width = max(len(name) for name in summary.by_type)
        for name, tally in summary.by_type.items():
            parts = ", ".join(f"{tally[k]} {label}" for k, label in _LABELS.items() if tally.get(k))
            lines.append(f"  {name:<{type_width}}  {parts}")
    if summary.duplicates:
        lines.append(
            f"  ({plural(summary.duplicates, 'repeated id')} sent once, " "counted per position)"
        )
    stop = _stop_text(summary)
    if stop:
        lines.append(stop)
    if summary.problems:
        lines.append("not cancelled:")
        for outcome in summary.problems:
            why = _LABELS[outcome.kind]
            if outcome.error is not None and outcome.kind is OutcomeKind.FAILED:
                why = f"failed: {one_line(outcome.error)}"
            lines.append(f"  {outcome.id}  {why}")
        if summary.problem_count > len(summary.problems):
            rest = summary.problem_count - len(summary.problems)
            lines.append(f"  ... and {rest} more (-o json lists every id)")
    if summary.unreachable:
        lines.append(connection_hint(base_url))
    # Error texts come from the server: escaped, line by line.
    stream.write("\n".join(printable(line) for line in lines) + "\n")
    stream.flush()
