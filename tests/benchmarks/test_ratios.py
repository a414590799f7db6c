"""How a row's ratio is judged: against raw on the paired median when the row has one,
otherwise on the ratio of the figures shown (``benchmarks._common``, ``throughput``)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._common import Goal, Row
from benchmarks.throughput import paired_ratio

AT_LEAST_08_RAW = Goal("raw", ">=", 0.8)


def rounds(*req_s: float) -> list[dict[str, Any]]:
    return [{"req_s": value} for value in req_s]


def test_the_paired_ratio_is_the_median_of_each_rounds_own_ratio() -> None:
    results = {
        "ours": rounds(1479, 1498, 1312, 1550, 1464),
        "raw": rounds(1433, 1561, 1982, 1532, 1489),
    }
    assert paired_ratio(results, "req_s") == pytest.approx(1464 / 1489)


def test_rounds_without_raw_have_no_paired_ratio() -> None:
    assert paired_ratio({"ours": rounds(10, 11)}, "req_s") is None


def test_a_goal_against_raw_is_judged_on_the_paired_ratio_and_shows_both() -> None:
    # One lucky raw round makes the best rounds 0.78x; the rounds themselves say 0.98x.
    row = Row("k", "w", "req/s", ours=1550.0, raw=1982.0, goals=(AT_LEAST_08_RAW,), paired=0.98)
    assert AT_LEAST_08_RAW.ratio(row) == 0.98
    assert row.met() is True
    assert row.ratio_text() == "0.98× raw paired (0.78× best)"


def test_a_paired_ratio_below_the_goal_fails_whatever_the_best_rounds_say() -> None:
    row = Row("k", "w", "req/s", ours=2000.0, raw=2000.0, goals=(AT_LEAST_08_RAW,), paired=0.7)
    assert row.met() is False


def test_without_a_paired_ratio_the_figures_shown_are_compared() -> None:
    row = Row("k", "w", "req/s", ours=780.0, raw=1000.0, goals=(AT_LEAST_08_RAW,))
    assert row.ratio_text() == "0.78× raw"
    assert row.met() is False


def test_a_goal_against_the_official_client_ignores_the_paired_ratio() -> None:
    goal = Goal("official", "<=", 0.25)
    row = Row("k", "w", "µs", ours=366.0, official=2448.0, raw=278.0, goals=(goal,), paired=1.3)
    assert goal.ratio(row) == pytest.approx(366 / 2448)
    assert row.ratio_text() == "0.15× official"
    assert row.met() is True
