"""Lab 09's graded references against the published test vectors (reference/methods-labs-05-15.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module


@pytest.fixture(scope="module")
def grader():
    return grading_module().grader_module("lab09")


def test_hhi_of_the_doj_example(grader):
    """US DOJ, Herfindahl-Hirschman Index: shares of 30, 30, 20 and 20% give 2,600."""
    assert grader.hhi([0.30, 0.30, 0.20, 0.20]) == pytest.approx(2600)
    revenue = pd.DataFrame({"account_id": [1, 2, 3, 4], "month": pd.Timestamp("2025-01-01"),
                            "order_revenue": [30.0, 30.0, 20.0, 20.0], "rebate": 0.0,
                            "net_revenue": [30.0, 30.0, 20.0, 20.0]})
    parents = pd.DataFrame({"account_id": [1, 2, 3, 4], "parent_id": [1, 2, 3, 4], "parent_name": list("abcd")})
    ref = grader.ref_concentration(revenue, parents, 2)
    assert ref.loc["account", "hhi"] == pytest.approx(2600)
    assert ref.loc["account", "top_n_share"] == pytest.approx(0.6)
    assert bool(ref.loc["account", "highly_concentrated"])  # above 1,800 (2023 Merger Guidelines)


def test_clv_first_margin_now_and_a_year_from_now(grader):
    """m = $100, r = 0.8, d = 10%: 366.67 with the first margin now, 266.67 a year from now
    (Gupta and Lehmann's m r / (1 + d - r)); the finite sum converges to the first."""
    assert grader.clv_closed_form(100, 0.8, 0.10) == pytest.approx(366.6667, abs=1e-3)
    assert grader.clv_closed_form(100, 0.8, 0.10, first_now=False) == pytest.approx(266.6667, abs=1e-3)
    inputs = pd.DataFrame({"margin_per_year": [100.0], "retention": [0.8]}, index=["book"])
    assert grader.ref_clv(inputs, 0.10, 300).iloc[0] == pytest.approx(366.6667, abs=1e-3)
    # a year from now is the same sum shifted by one year: r / (1 + d) of it
    assert grader.ref_clv(inputs, 0.10, 300).iloc[0] * 0.8 / 1.1 == pytest.approx(266.6667, abs=1e-3)
    assert grader.ref_clv(inputs, 0.10, 1).iloc[0] == pytest.approx(100.0)


def test_time_driven_rate_is_cost_over_practical_capacity(grader):
    """Kaplan and Anderson's (2004) rule, cost per minute = cost of capacity supplied / practical
    capacity, on self-made numbers (the methods notes mark the article's time-driven figures as
    unverified, so they are not used here)."""
    centres = pd.DataFrame({"year": [2024], "cost_centre": ["dept"], "capacity_cost": [567_000.0],
                            "practical_capacity_minutes": [700_000]})
    rates = pd.DataFrame({"year": [2024] * 3, "activity": ["order", "inquiry", "credit_check"],
                          "cost_centre": "dept", "driver": "one", "minutes_per_unit": [8.0, 44.0, 50.0],
                          "direct_cost": 0.0})
    ref = grader.ref_rates(centres, rates)
    assert np.allclose(ref["cost_per_minute"], 0.81)
    assert np.allclose(ref["unit_cost"], [6.48, 35.64, 40.50])


def test_whale_and_unused_capacity_add_up(grader):
    """The segments' profit, less the unused capacity, is what every activity-costed customer leaves."""
    centres = pd.DataFrame({"year": [2024], "cost_centre": ["desk"], "capacity_cost": [1000.0],
                            "practical_capacity_minutes": [1000]})
    rates = pd.DataFrame({"year": [2024], "activity": ["call"], "cost_centre": ["desk"], "driver": ["one"],
                          "minutes_per_unit": [10.0], "direct_cost": [0.0]})
    volumes = pd.DataFrame({"activity": ["call"], "year": [2024], "units": [80.0]})
    unused = grader.ref_unused(centres, rates, volumes)
    assert unused.loc[("desk", 2024), "unused_cost"] + 80 * 10 * 1.0 == pytest.approx(1000.0)
