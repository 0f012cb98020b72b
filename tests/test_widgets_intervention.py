"""Lab 08's intervention explorer: the pure function behind it, and the widget with a learner's function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlabs.widgets.intervention import (
    intervention_explorer,
    intervention_outcomes,
    intervention_summary,
)

SCORES = pd.Series([0.5, 0.2, 0.1, 0.35], index=[3, 1, 4, 2])
OUTCOMES = pd.Series([False, True, True, False], index=[2, 3, 1, 4])   # another order
VALUE = pd.Series([100.0, 300.0, 100.0, 200.0], index=[3, 1, 4, 2])
INTERVENTIONS = pd.DataFrame({"cost": [10.0, 2.0], "save_rate": [0.5, 0.1]}, index=["call", "email"])


def decide(scores, value, cost, save_rate):
    gain = scores * save_rate * value.reindex(scores.index) - cost
    return pd.DataFrame({"threshold": cost / (save_rate * value), "expected_gain": gain, "contact": gain > 0})


def test_outcomes_by_hand():
    r = intervention_outcomes(SCORES, OUTCOMES, VALUE, 10.0, 0.5, 0.2)
    # contacted: labels 3 (0.5), 1 (0.2), 2 (0.35); cancelled among them: 3 and 1
    assert r["contacted"] == 3
    assert r["expected_saves"] == pytest.approx(0.5 * (0.5 + 0.2 + 0.35))
    assert r["expected_net"] == pytest.approx(0.5 * (0.5 * 100 + 0.2 * 300 + 0.35 * 200) - 30)
    assert r["saves"] == pytest.approx(1.0)
    assert r["net"] == pytest.approx(0.5 * (100 + 300) - 30)


def test_threshold_is_inclusive_and_monotone_in_contacts():
    counts = [intervention_outcomes(SCORES, OUTCOMES, VALUE, 1, 0.5, t)["contacted"] for t in np.linspace(0, 1, 21)]
    assert counts == sorted(counts, reverse=True)
    assert intervention_outcomes(SCORES, OUTCOMES, VALUE, 1, 0.5, 0.35)["contacted"] == 2


def test_missing_labels_are_refused():
    with pytest.raises(ValueError):
        intervention_outcomes(SCORES, OUTCOMES.iloc[:2], VALUE, 1, 0.5, 0.2)


def test_summary_is_plain_words():
    text = intervention_summary(intervention_outcomes(SCORES, OUTCOMES, VALUE, 10.0, 0.5, 0.2), "call")
    assert text.startswith("call to every renewal scored 0.20 or more: 3 contacted")


def test_explorer_redraws_and_draws_the_learners_rule():
    pytest.importorskip("ipywidgets")
    from cxlabs.plotting import figure_problems

    explorer = intervention_explorer(SCORES, OUTCOMES, VALUE, INTERVENTIONS, decide, start=0.3)
    assert explorer.outcome["contacted"] == 2 and explorer.rule is not None
    assert figure_problems(explorer.figure) == []
    explorer.menu.value = "email"
    explorer.slider.value = 0.0
    assert explorer.outcome["contacted"] == 4


def test_explorer_waits_for_an_unanswered_function(capsys):
    def blank(*args):
        raise NotImplementedError()

    assert intervention_explorer(SCORES, OUTCOMES, VALUE, INTERVENTIONS, blank) is None
    assert "Not answered yet" in capsys.readouterr().out


def test_curve_agrees_with_the_function_at_every_threshold():
    from cxlabs.widgets.intervention import _curve

    grid = np.round(np.arange(0, 0.61, 0.05), 2)
    curve = _curve(SCORES, OUTCOMES, VALUE, 10.0, 0.5, grid)
    for t, row in zip(grid, curve.itertuples(), strict=True):
        r = intervention_outcomes(SCORES, OUTCOMES, VALUE, 10.0, 0.5, t)
        assert row.contacted == r["contacted"]
        assert np.isclose(row.expected_net, r["expected_net"]) and np.isclose(row.net, r["net"])
