"""``progress=True`` without tqdm: a line on stderr, throttled, the last state always shown."""

from __future__ import annotations

import io
import sys

import pytest

from extend_async.bulk import progress_bar
from extend_async.bulk.outcomes import BulkProgress, OutcomeCounts, OutcomeKind
from extend_async.bulk.progress_bar import ProgressDisplay


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


def report(done: int, total: int | None = 10) -> BulkProgress:
    counts = OutcomeCounts.of({OutcomeKind.CANCELLED: done})
    return BulkProgress(done=done, total=total, counts=counts, elapsed=1.0, rate=float(done))


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as if not installed
    fake = Clock()
    monkeypatch.setattr(progress_bar, "time", fake)
    return fake


def test_plain_lines_at_most_once_a_second_and_the_last_one(clock: Clock) -> None:
    out = io.StringIO()
    display = ProgressDisplay(total=10, description="cancel_many", stream=out)
    for done in range(1, 10):
        display(report(done))
        clock.now += 0.3
    display(report(10))
    display.close()
    # Reports every 0.3 s: shown at 0, 1.2 and 2.4 s, then the last one on close.
    assert out.getvalue().splitlines() == [
        "cancel_many: 1/10 done, 1/s, cancelled 1",
        "cancel_many: 5/10 done, 5/s, cancelled 5",
        "cancel_many: 9/10 done, 9/s, cancelled 9",
        "cancel_many: 10/10 done, 10/s, cancelled 10",
    ]


def test_on_a_terminal_the_line_is_rewritten_in_place(clock: Clock) -> None:
    out = Tty()
    display = ProgressDisplay(total=None, description="cancel_all", stream=out)
    display(report(1, total=None))
    clock.now += 1
    display(report(2, total=None))
    display.close()
    assert out.getvalue() == (
        "\rcancel_all: 1 done, 1/s, cancelled 1"
        "\rcancel_all: 2 done, 2/s, cancelled 2"
        "\rcancel_all: 2 done, 2/s, cancelled 2\n"
    )


def test_nothing_settled_shows_nothing(clock: Clock) -> None:
    out = io.StringIO()
    ProgressDisplay(total=0, description="cancel_many", stream=out).close()
    assert out.getvalue() == ""
