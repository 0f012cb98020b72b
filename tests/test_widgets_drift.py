"""cxlabs.widgets.drift: the months a PSI threshold and baseline window flag (lab 14), and its explorer."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems
from cxlabs.widgets.drift import WINDOWS, drift_explorer, drift_flags, drift_summary

matplotlib.use("Agg")

MONTHS = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
RNG = np.random.default_rng(3)
RECORDS = pd.DataFrame({
    "month": np.repeat(MONTHS, 200),
    "x": np.concatenate([RNG.normal(50 + (10 * (m >= pd.Timestamp("2025-04-01"))), 10, 200) for m in MONTHS]),
})


def mean_shift(baseline, current):
    """A stand-in for the learner's psi: any function of two samples."""
    return abs(float(current.mean()) - float(baseline.mean())) / 10


def test_flags_the_months_after_the_baseline_above_the_threshold():
    t = drift_flags(mean_shift, RECORDS, "x", pd.date_range("2024-01-01", "2024-12-01", freq="MS"), 0.5)
    assert t.index.min() == pd.Timestamp("2025-01-01") and len(t) == 12
    assert t.index[t["flagged"]].min() == pd.Timestamp("2025-04-01")
    assert not t.loc[:"2025-03-01", "flagged"].any() and t.loc["2025-04-01":, "flagged"].all()


def test_the_window_changes_the_months_compared():
    late = drift_flags(mean_shift, RECORDS, "x", pd.date_range("2025-01-01", "2025-03-01", freq="MS"), 0.5)
    assert late.index.min() == pd.Timestamp("2025-04-01")
    assert all(pd.Timestamp(a) <= pd.Timestamp(b) for a, b in WINDOWS.values())


def test_the_learners_function_is_what_is_called():
    calls = []

    def spy(b, c):
        calls.append(len(c))
        return 0.0

    drift_flags(spy, RECORDS, "x", ["2025-10-01"], 0.1)
    assert calls == [200, 200]


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="missing column"):
        drift_flags(mean_shift, RECORDS.drop(columns="x"), "x", ["2024-01-01"], 0.1)
    with pytest.raises(TypeError, match="function itself"):
        drift_flags(0.3, RECORDS, "x", ["2024-01-01"], 0.1)
    with pytest.raises(ValueError, match="no months"):
        drift_flags(mean_shift, RECORDS, "x", [], 0.1)


def test_summary_is_plain_words():
    t = drift_flags(mean_shift, RECORDS, "x", pd.date_range("2024-01-01", "2024-12-01", freq="MS"), 0.5)
    assert drift_summary(t, 0.5, "2024").startswith("Baseline 2024, threshold 0.50: 9 of 12 months flagged, the first 2025-04")


def test_explorer_draws_a_finished_figure_and_follows_the_controls():
    explorer = drift_explorer(mean_shift, RECORDS, "x", start=0.5)
    assert explorer is not None and figure_problems(explorer.figure) == []
    assert "9 of 12 months" in explorer.summary.value
    explorer.slider.value = 0.05
    assert "threshold 0.05" in explorer.summary.value and figure_problems(explorer.figure) == []
    explorer.window.value = "2025-01 to 2025-03 (the quarter before the release)"
    assert "9 of 9 months" in explorer.summary.value


def test_unanswered_psi_gives_a_note(capsys):
    def blank(b, c):
        raise NotImplementedError()

    assert drift_explorer(blank, RECORDS, "x") is None
    assert "Not answered yet" in capsys.readouterr().out
