"""Progress on stderr: a live bar on a terminal, a plain line now and then otherwise."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TextIO

from ..bulk import BulkProgress, OutcomeCounts

__all__ = ["ProgressView", "counts_text", "duration"]

# A terminal is redrawn at most this often; a log gets a line per 10% (when the total is
# known) or at least this often.
REDRAW_SECONDS = 0.1
LINE_SECONDS = 10.0


def duration(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f}s" if seconds >= 10 else f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def counts_text(counts: OutcomeCounts) -> str:
    return (
        f"cancelled {counts.cancelled}, already terminal {counts.already_terminal}, "
        f"not found {counts.not_found}, failed {counts.failed}, "
        f"not attempted {counts.not_attempted}"
    )


class ProgressView:
    """Pass ``update`` as ``on_progress``; call ``close`` once at the end."""

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        label: str = "cancel",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._live = live
        self._label = label
        self._clock = clock
        self._last_draw = -1e9
        self._last_step = -1
        self._latest: BulkProgress | None = None
        self._shown: BulkProgress | None = None
        self._drawn = False

    def update(self, progress: BulkProgress) -> None:
        self._latest = progress
        now = self._clock()
        if self._live:
            if now - self._last_draw >= REDRAW_SECONDS:
                self._last_draw = now
                self._redraw(progress)
            return
        step = progress.done * 10 // progress.total if progress.total else -1
        if step > self._last_step or now - self._last_draw >= LINE_SECONDS:
            self._last_step = max(step, self._last_step)
            self._last_draw = now
            self._line(progress)

    def close(self) -> None:
        """Show the final state, and leave the terminal on a fresh line."""
        progress = self._latest
        if self._live:
            if progress is not None:
                self._redraw(progress)
            if self._drawn:
                self._stream.write("\n")
                self._stream.flush()
        elif progress is not None and progress is not self._shown:
            self._line(progress)

    def _describe(self, progress: BulkProgress) -> str:
        parts = [f"{progress.rate:.0f} runs/s"]
        eta = progress.eta
        if eta is not None and progress.done < (progress.total or 0):
            parts.append(f"ETA {duration(eta)}")
        if progress.throttled:
            parts.append(f"{progress.throttled} x 429")
        return " · ".join(parts)

    def _line(self, progress: BulkProgress) -> None:
        self._shown = progress
        if progress.total:
            done = f"{progress.done}/{progress.total} ({100 * progress.done // progress.total}%)"
        else:
            done = f"{progress.done} done"
        self._stream.write(
            f"{self._label}: {done} · {self._describe(progress)} · "
            f"{counts_text(progress.counts)}\n"
        )
        self._stream.flush()

    def _redraw(self, progress: BulkProgress) -> None:
        width = shutil.get_terminal_size((100, 20)).columns
        counts = progress.counts
        tail = (
            f" {self._describe(progress)} │ cancelled {counts.cancelled} · "
            f"terminal {counts.already_terminal} · not found {counts.not_found} · "
            f"failed {counts.failed} · not attempted {counts.not_attempted}"
        )
        if progress.total:
            fraction = progress.done / progress.total
            head = f"{progress.done}/{progress.total} "
            bar_width = max(10, min(40, width - len(head) - len(tail) - 3))
            filled = round(fraction * bar_width)
            bar = "█" * filled + "░" * (bar_width - filled)
            line = f"{head}{bar}{tail}"
        else:
            line = f"{progress.done} done{tail}"
        self._stream.write("\r\x1b[2K" + line[: max(width - 1, 20)])
        self._stream.flush()
        self._drawn = True
