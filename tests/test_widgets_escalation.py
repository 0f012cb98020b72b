"""Lab 07's escalation explorer: the pure trade-off function behind it, and the control."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlabs.widgets.escalation import (
    escalation_explorer,
    escalation_summary,
    escalation_tradeoff,
    simulate_histories,
)

MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS", name="month")
COUNTS = pd.DataFrame({"a": [60] * 24, "b": [30] * 24, "c": [10] * 24}, index=MONTHS)


def z_scores(counts, baseline_months=6):
    """A right z (as the learner writes it), for the tests."""
    n = counts.sum(axis=1)
    p0 = counts.rolling(baseline_months).sum().shift(1).div(n.rolling(baseline_months).sum().shift(1), axis=0)
    z = (counts.div(n, axis=0) - p0) / np.sqrt(p0 * (1 - p0)).div(np.sqrt(n), axis=0)
    return z.where((p0 > 0) & (p0 < 1))


def test_simulated_histories_keep_the_month_sizes_and_start_after_the_baseline():
    runs = simulate_histories(COUNTS, 40, rise=2.0, seed=3)
    assert len(runs) == 40
    for sim, theme, start in runs:
        assert (sim.sum(axis=1) == 100).all() and sim.index.equals(MONTHS) and list(sim.columns) == ["a", "b", "c"]
        assert 6 <= start < 24 and 0 <= theme < 3
    # the risen theme's share after the start is about twice its share before (pooled over runs)
    before, after = [], []
    for sim, theme, start in runs:
        share = sim.iloc[:, theme] / 100
        before.append(share.iloc[:start].mean() / COUNTS.iloc[0, theme] * 100)
        after.append(share.iloc[start:].mean() / COUNTS.iloc[0, theme] * 100)
    assert np.mean(before) == pytest.approx(1.0, abs=0.1)
    assert np.mean(after) == pytest.approx(2.0, abs=0.5)


def test_tradeoff_falls_with_the_threshold():
    curve = escalation_tradeoff(z_scores, COUNTS, [1.0, 2.0, 3.0, 6.0], runs=60, seed=1)
    assert list(curve.index) == [1.0, 2.0, 3.0, 6.0]
    assert curve["false_alarms_per_year"].is_monotonic_decreasing
    assert curve["caught"].is_monotonic_decreasing
    assert (curve["caught"] >= curve["caught_first_month"]).all()
    # stable counts: nothing to alert on in the company's own data
    assert (curve["alerts_here"] == 0).all()
    # a low threshold catches most doublings, a high one raises almost no false alarm
    assert curve.loc[1.0, "caught"] > 0.8 and curve.loc[6.0, "false_alarms_per_year"] < 0.1


def test_tradeoff_is_reproducible_and_uses_the_given_function():
    a = escalation_tradeoff(z_scores, COUNTS, [2.5], runs=20, seed=5)
    b = escalation_tradeoff(z_scores, COUNTS, [2.5], runs=20, seed=5)
    pd.testing.assert_frame_equal(a, b)
    never = escalation_tradeoff(lambda c, b: c * 0.0 - 1, COUNTS, [2.5], runs=20)
    assert never.iloc[0].tolist() == [0.0, 0.0, 0.0, 0]


def test_tradeoff_bad_input_gets_plain_errors():
    with pytest.raises(TypeError, match="function itself"):
        escalation_tradeoff(z_scores(COUNTS), COUNTS)
    with pytest.raises(TypeError, match="should return a DataFrame"):
        escalation_tradeoff(lambda c, b: list(c), COUNTS, runs=2)
    with pytest.raises(ValueError, match="shape of counts"):
        escalation_tradeoff(lambda c, b: c.iloc[:3], COUNTS, runs=2)
    with pytest.raises(ValueError, match="more than baseline_months"):
        simulate_histories(COUNTS.iloc[:5], 2)


def test_summary_in_plain_words():
    text = escalation_summary(2.5, {"false_alarms_per_year": 1.24, "caught": 0.5, "caught_first_month": 0.25,
                                    "alerts_here": 0}, [])
    assert text.startswith("At z >= 2.50: 0 alerts on your data.") and "1.2 false alarms a year" in text


def test_explorer_moves_with_its_slider():
    risen = COUNTS.copy()
    risen.loc[MONTHS[18]:, "c"] = 30
    risen.loc[MONTHS[18]:, "a"] = 40
    explorer = escalation_explorer(z_scores, risen, start=3.0, runs=20)
    assert "c 2025-07" in explorer.summary.value
    assert explorer.figure is not None and getattr(explorer.figure, "cxlabs_description", "")
    explorer.slider.value = 6.0
    assert "At z &gt;= 6.00" in explorer.summary.value
    explorer.reset.click()
    assert explorer.slider.value == 3.0


def test_explorer_waits_for_an_unanswered_exercise(capsys):
    def blank(counts, baseline_months=6):
        raise NotImplementedError()

    assert escalation_explorer(blank, COUNTS) is None
    assert "Not answered yet" in capsys.readouterr().out
    assert escalation_explorer(lambda c, b: 1 / 0, COUNTS) is None
