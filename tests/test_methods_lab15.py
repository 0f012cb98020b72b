"""Lab 15's method references (autograder/graders/lab15.py) against the test vectors of the methods
file (shared/reference/methods-labs-05-15.md, "Lab 15"): the Western Electric rules on one
self-made series per rule plus one that trips nothing, and the lag sign convention (x leads y
by 3: corr(y_t, x_(t-3)) peaks, the swapped arguments show no lead)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module


@pytest.fixture(scope="module")
def ref():
    grading_module()
    from grading import grader_module

    return grader_module("lab15")


def flagged(ref, x, center=0.0, sigma=1.0) -> dict:
    out = ref._rules_ref(pd.Series(x, dtype=float), center, sigma)
    return {r: list(np.flatnonzero(out[r])) for r in out if out[r].any()}


def test_western_electric_series_that_trips_nothing(ref):
    assert flagged(ref, [0.5, -0.5, 1.5, -1.5, 2.5, 0.0, -2.5, 0.9, -0.9, 3.0, 0.0]) == {}


def test_rule1_one_point_beyond_3_sigma(ref):
    assert flagged(ref, [0, 0.5, -3.1, 0, 3.0001, 0]) == {"rule1": [2, 4]}


def test_rule2_two_of_three_beyond_2_sigma_same_side(ref):
    assert flagged(ref, [0, 2.5, 0, 2.1, 0, -2.5, 2.5, 0]) == {"rule2": [3]}


def test_rule3_four_of_five_beyond_1_sigma_same_side(ref):
    assert flagged(ref, [0, 1.5, 1.2, 0.5, 1.1, 1.9, 0, -1.5]) == {"rule3": [5]}


def test_rule4_eight_in_a_row_one_side(ref):
    assert flagged(ref, [-0.5] + [0.3] * 8 + [0.0, 0.3]) == {"rule4": [8]}


def test_rules_work_in_the_units_of_the_data(ref):
    # center 10, sigma 2: 16 is exactly 3 sigma (not beyond), 16.5 is beyond; both are beyond 2 sigma
    assert flagged(ref, [10, 16, 10, 16.5], 10.0, 2.0) == {"rule1": [3], "rule2": [3]}


def test_lag_sign_convention(ref):
    rng = np.random.default_rng(3)
    months = pd.date_range("2023-01-01", periods=48, freq="MS")
    x = pd.Series(rng.normal(size=48), index=months)
    y = pd.Series(np.r_[rng.normal(size=3), x.to_numpy()[:-3]] + 0.3 * rng.normal(size=48), index=months)
    lead = ref._lag_ref(x, y, 6)
    assert int(lead.idxmax()) == 3 and lead.max() > 0.9
    assert np.isclose(lead[3], y.corr(x.shift(3)))          # pandas y.corr(x.shift(3)), as in the methods file
    swapped = ref._lag_ref(y, x, 6)
    assert swapped.drop(0).abs().max() < 0.4                # the swapped arguments report no lead
