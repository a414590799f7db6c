"""The progress view: a redrawn bar on a terminal, sparse plain lines in a log."""

from __future__ import annotations

import io

from extend_async import BulkProgress, OutcomeCounts
from extend_async.cli._progress import ProgressView, duration


def progress(done: int, total: int | None, elapsed: float = 2.0) -> BulkProgress:
    return BulkProgress(
        done=done,
        total=total,
        counts=OutcomeCounts(cancelled=done),
        elapsed=elapsed,
        rate=done / elapsed,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_terminal_gets_a_bar_redrawn_in_place_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    view = ProgressView(out, live=True, clock=clock)
    for done in range(1, 101):
        clock.now += 0.01  # a redraw at most every 0.1 s
        view.update(progress(done, 200))
    view.close()
    frames = out.getvalue().split("\r\x1b[2K")[1:]
    assert 9 <= len(frames) <= 12
    last = frames[-1]
    assert last.startswith("100/200 ")
    assert "█" in last
    assert "░" in last
    assert "ETA 2.0s" in last
    assert "cancelled 100" in last
    assert out.getvalue().endswith("\n")


def test_a_log_gets_a_line_per_tenth_and_one_at_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    view = ProgressView(out, live=False, clock=clock)
    for done in range(1, 996):
        view.update(progress(done, 1000))
    view.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 11  # the first outcome, each 10% step, then the final state
    assert lines[-1].startswith("cancel: 995/1000 (99%)")
    assert "\r" not in out.getvalue()


def test_an_unknown_total_gets_a_line_every_ten_seconds() -> None:
    out, clock = io.StringIO(), Clock()
    view = ProgressView(out, live=False, clock=clock)
    for done in range(1, 301):
        clock.now += 0.1
        view.update(progress(done, None))
    view.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # at 0.1 s, 10.1 s, 20.1 s, and the final 300
    assert lines[-1].startswith("cancel: 300 done")


def test_durations_read_naturally() -> None:
    assert duration(3.25) == "3.2s"
    assert duration(42) == "42s"
    assert duration(125) == "2m05s"
    assert duration(7300) == "2h01m"
