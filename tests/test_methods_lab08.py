"""Lab 08's method references against the published test vectors of the methods file
(``reference/methods-labs-05-15.md``, Lab 08): Kaplan-Meier on the 6-MP arm of Freireich et al.
(1963), the Brier score of scikit-learn's docstring, and the expected-value threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module


def grader():
    grading_module()
    return grading_module().grader_module("lab08")


#: Published in Kleinbaum & Klein, Survival Analysis, ch. 2 (the methods file's vector).
PUBLISHED_KM = {6: 0.8571, 7: 0.8067, 10: 0.7529, 13: 0.6902, 16: 0.6275, 22: 0.5378, 23: 0.4482}


def test_kaplan_meier_reference_matches_the_published_6mp_curve():
    g = grader()
    d, e = g.freireich()
    km = g.km_ref(d, e)
    assert [int(t) for t in km.index] == list(PUBLISHED_KM)
    assert np.allclose(km["survival"], list(PUBLISHED_KM.values()), atol=5e-5)
    assert list(km["at_risk"]) == [21, 17, 15, 12, 11, 7, 6]
    # the median survival time is 23 weeks: the first time S(t) <= 0.5
    assert km.index[km["survival"].to_numpy() <= 0.5][0] == 23


def test_kaplan_meier_reference_agrees_with_statsmodels():
    pytest.importorskip("statsmodels")
    from statsmodels.duration.survfunc import SurvfuncRight

    g = grader()
    rng = np.random.default_rng(3)
    d = pd.Series(rng.integers(1, 20, 300).astype(float))
    e = pd.Series(rng.random(300) < 0.6)
    sm = SurvfuncRight(d.to_numpy(), e.to_numpy())
    km = g.km_ref(d, e)
    assert np.allclose(sm.surv_times, km.index) and np.allclose(sm.surv_prob, km["survival"])
    assert np.allclose(sm.n_risk, km["at_risk"]) and np.allclose(sm.n_events, km["events"])


def test_the_wrong_answers_differ_from_the_published_curve():
    """The methods file's wrong answers (dropping censored rows; censored-at-t leaving the risk set
    before t) give other curves, so the 6-MP case in the grader catches them."""
    g = grader()
    d, e = g.freireich()
    dropped = g.km_ref(d[e], e[e])
    assert not np.allclose(dropped["survival"], list(PUBLISHED_KM.values()), atol=1e-3)
    dd, ee = d.to_numpy(), e.to_numpy()
    times = np.unique(dd[ee])
    early = np.cumprod([1 - ((dd == t) & ee).sum() / ((dd > t) | ((dd == t) & ee)).sum() for t in times])
    assert not np.allclose(early, list(PUBLISHED_KM.values()), atol=1e-3)


def test_brier_score_vector():
    from sklearn.metrics import brier_score_loss

    assert brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) == pytest.approx(0.0375)


def test_expected_value_threshold_vector():
    """c = $20, s = 0.25, V = $400: p* = 0.20 (the methods file's self-made vector)."""
    g = grader()
    ref = g.contact_ref(pd.Series([0.19, 0.21]), pd.Series([400.0, 400.0]), 20.0, 0.25)
    assert np.allclose(ref["threshold"], 0.20)
    assert list(ref["contact"]) == [False, True]


def test_split_and_tier_rules_at_their_bounds():
    g = grader()
    split = pd.Timestamp("2025-07-01")
    renewal = pd.Series(pd.to_datetime(["2025-07-01", "2025-07-02", "2025-07-31"]))
    part = g.split_part(renewal - pd.Timedelta(days=30), renewal, split)
    assert list(part) == ["train", "gap", "test"]
    assert [g.tier_of(p, (0.15, 0.30)) for p in (0.0, 0.1499, 0.15, 0.2999, 0.3, 1.0)] == \
        ["low", "low", "medium", "medium", "high", "high"]


def test_lift_reference_breaks_ties_by_label():
    g = grader()
    scores = pd.Series([0.5, 0.5, 0.5, 0.1], index=[9, 2, 5, 1])
    outcomes = pd.Series([True, False, False, False], index=[9, 2, 5, 1])
    ref = g.lift_ref(scores, outcomes, 2)
    assert list(ref["cancelled"]) == [0, 1]  # labels 2 and 5 come first among the ties
