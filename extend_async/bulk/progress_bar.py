"""``progress=True`` on the bulk calls: a live bar, or a plain line on stderr.

With tqdm installed (``pip install 'extend-client[notebook]'``) the bar is ``tqdm.auto``'s:
a widget in Jupyter, text on a terminal. Without it, one line on stderr: rewritten in
place on a terminal, otherwise a new line at most every ``PLAIN_EVERY`` seconds (a log
file or a notebook gets a few lines, not thousands). The last state is always shown.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from .outcomes import BulkProgress
from .progress import ProgressCallback

__all__ = ["PLAIN_EVERY", "ProgressDisplay", "with_display"]

PLAIN_EVERY = 1.0
# Rewritten in place on a terminal: often enough to look live, rarely enough to cost nothing.
TERMINAL_EVERY = 0.1


def _summary(progress: BulkProgress) -> str:
    counts = ", ".join(f"{kind} {n}" for kind, n in progress.counts.as_dict().items() if n)
    return counts or "nothing settled yet"


class ProgressDisplay:
    """Shows each ``BulkProgress`` it is called with; ``close()`` shows the last one."""

    def __init__(self, *, total: int | None, description: str, stream: TextIO | None = None):
        self._stream = stream if stream is not None else sys.stderr
        self._description = description
        self._last: BulkProgress | None = None
        self._shown_at = float("-inf")
        self._bar: Any = None
        try:
            auto: Any = importlib.import_module("tqdm.auto")
        except ImportError:  # the optional extra is not installed: plain lines
            auto = None
        if auto is not None:
            self._bar = auto.tqdm(total=total, desc=description, unit="run", file=stream)
        isatty = getattr(self._stream, "isatty", None)
        self._in_place = bool(isatty is not None and isatty())

    def __call__(self, progress: BulkProgress) -> None:
        self._last = progress
        if self._bar is not None:
            self._bar.update(progress.done - self._bar.n)
            self._bar.set_postfix_str(_summary(progress), refresh=False)
            return
        now = time.monotonic()
        if now - self._shown_at >= (TERMINAL_EVERY if self._in_place else PLAIN_EVERY):
            self._shown_at = now
            self._write(progress, final=False)

    def close(self) -> None:
        if self._bar is not None:
            if self._last is not None:
                self._bar.set_postfix_str(_summary(self._last), refresh=False)
            self._bar.close()
            return
        if self._last is not None:
            self._write(self._last, final=True)

    def _write(self, progress: BulkProgress, *, final: bool) -> None:
        of = f"/{progress.total}" if progress.total is not None else ""
        line = (
            f"{self._description}: {progress.done}{of} done, {progress.rate:.0f}/s, "
            f"{_summary(progress)}"
        )
        if self._in_place:
            self._stream.write("\r" + line + ("\n" if final else ""))
        else:
            self._stream.write(line + "\n")
        self._stream.flush()


def with_display(
    display: ProgressDisplay | None, on_progress: ProgressCallback | None
) -> ProgressCallback | None:
    """The caller's ``on_progress`` (if any), then the display (if any)."""
    if display is None or on_progress is None:
        return display if display is not None else on_progress
    theirs: Callable[[BulkProgress], None] = on_progress

    def both(progress: BulkProgress) -> None:
        theirs(progress)
        display(progress)

    return both
