"""The end of a bulk cancel: a summary table, the ids that need a look, or JSON lines."""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from ..bulk import BulkCancelResult, CancelOutcome, OutcomeKind, StopReason
from ._progress import duration

__all__ = ["outcome_json", "print_summary"]

# Problem ids listed under the summary; --json gives every outcome.
MAX_LISTED = 20

_LABELS = {
    OutcomeKind.CANCELLED: "cancelled",
    OutcomeKind.ALREADY_TERMINAL: "already terminal",
    OutcomeKind.NOT_FOUND: "not found",
    OutcomeKind.FAILED: "failed",
    OutcomeKind.NOT_ATTEMPTED: "not attempted",
}


def outcome_json(outcome: CancelOutcome) -> bytes:
    """One outcome as a JSON object on one line."""
    data: dict[str, Any] = {
        "index": outcome.index,
        "id": outcome.id,
        "kind": outcome.kind.value,
        "status": None if outcome.status is None else str(outcome.status),
        "attempts": outcome.attempts,
        "duplicate_of": outcome.duplicate_of,
        "error": None if outcome.error is None else _one_line(outcome.error),
    }
    return orjson.dumps(data)


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"


def _stop_text(result: BulkCancelResult) -> str | None:
    if result.stop_reason is StopReason.DEADLINE:
        return "stopped at the deadline; the ids not attempted were left alone"
    if result.stop_reason is StopReason.INTERRUPTED:
        return "interrupted; the ids not attempted were left alone"
    if result.stop_reason is StopReason.ERROR and result.error is not None:
        return f"stopped by an error: {_one_line(result.error)}"
    return None


def print_summary(result: BulkCancelResult, stream: TextIO) -> None:
    counts = result.counts
    rate = len(result) / result.elapsed if result.elapsed > 0 else 0.0
    lines = [
        "",
        f"{len(result)} ids in {duration(result.elapsed)} ({rate:.0f}/s), "
        f"{result.requests} requests, {result.throttled} answered 429",
    ]
    width = max(len(label) for label in _LABELS.values())
    for kind, label in _LABELS.items():
        lines.append(f"  {label:<{width}}  {counts[kind]:>8}")
    lines.append(f"  {'total':<{width}}  {counts.total:>8}")
    duplicates = sum(1 for o in result if o.duplicate_of is not None)
    if duplicates:
        lines.append(f"  ({duplicates} repeated ids were sent once and counted per position)")
    stop = _stop_text(result)
    if stop:
        lines.append(stop)
    problems = [o for o in result if not o.ok]
    if problems:
        lines.append("not cancelled:")
        for outcome in problems[:MAX_LISTED]:
            why = _LABELS[outcome.kind]
            if outcome.error is not None and outcome.kind is OutcomeKind.FAILED:
                why = f"failed: {_one_line(outcome.error)}"
            lines.append(f"  {outcome.id}  {why}")
        if len(problems) > MAX_LISTED:
            lines.append(f"  ... and {len(problems) - MAX_LISTED} more (--json lists every id)")
    stream.write("\n".join(lines) + "\n")
    stream.flush()
