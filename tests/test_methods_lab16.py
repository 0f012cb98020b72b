"""Lab 16's method references (autograder/graders/lab16.py) against the published test vectors of
the methods file (shared/reference/methods-labs-05-15.md, "Lab 15", which serves labs 15 and 16)
and of scipy's ``milp`` documentation, and the brute-force portfolio against ``milp``."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module
from scipy.optimize import Bounds, LinearConstraint, milp


@pytest.fixture(scope="module")
def ref():
    grading_module()
    from grading import grader_module

    return grader_module("lab16")


def test_aws_compute_optimizer_credit_tiers_at_their_boundaries(ref):
    # [published] AWS Compute Optimizer SLA: < 99.9% and >= 99.0% -> 10%, < 99.0% and >= 95.0% -> 25%,
    # < 95.0% -> 100%. Exactly 99.0% is the useful test.
    tiers = pd.DataFrame([("aws", 1, 99.9, 100.0, 0), ("aws", 2, 99.0, 99.9, 10), ("aws", 3, 95.0, 99.0, 25),
                          ("aws", 4, 0.0, 95.0, 100)],
                         columns=["vendor", "tier", "at_least_pct", "below_pct", "credit_pct"])
    values = [100.0, 99.9, 99.89, 99.0, 98.99, 95.0, 94.99]
    perf = pd.DataFrame({"vendor": "aws", "month": pd.date_range("2025-01-01", periods=len(values), freq="MS"),
                         "customer_facing_pct": values, "internal_uptime_pct": 100.0, "fee_usd": 1000})
    out = ref._credits_ref(perf, tiers)
    assert out["credit_pct"].tolist() == [0, 0, 10, 10, 25, 25, 100]
    assert out["credit_usd"].tolist() == [0, 0, 100, 100, 250, 250, 1000]


def test_milp_docstring_vector():
    # [published: scipy.optimize.milp docstring, the Wikipedia integer-programming example]
    # max y s.t. -x + y <= 1, 3x + 2y <= 12, 2x + 3y <= 12, x, y >= 0 integer -> x = [1, 2];
    # the relaxation gives [1.8, 2.8], and rounding it is infeasible.
    c = -np.array([0, 1])
    a = np.array([[-1, 1], [3, 2], [2, 3]])
    cons = LinearConstraint(a, np.full(3, -np.inf), np.array([1, 12, 12]))
    assert milp(c, constraints=cons, integrality=np.ones(2)).x.tolist() == pytest.approx([1.0, 2.0])
    relaxed = milp(c, constraints=cons).x
    assert relaxed.tolist() == pytest.approx([1.8, 2.8])
    assert (a @ np.round(relaxed) > np.array([1, 12, 12])).any()
    best = max(y for x, y in itertools.product(range(5), repeat=2) if (a @ [x, y] <= [1, 12, 12]).all())
    assert best == 2


def test_brute_force_portfolio_equals_milp(ref):
    # [self-made] the worked example of exercise 5: the best set is {103, 105, 107}, benefit 381.
    from cxlabs.checks import lab16 as checks

    ini, rules = checks.example_initiatives(), dict(checks.EXAMPLE_RULES)
    assert ref.best_value(ini, rules) == 381
    cost = ini["cost_kusd"].to_numpy(float)
    prevention = (ini["category"] == "prevention").to_numpy(float)
    a = np.vstack([cost, ini["risk_points"], (ini["kind"] == "disruptive").to_numpy(float), cost * (prevention - 0.5)])
    res = milp(-ini["expected_benefit_kusd"].to_numpy(float), integrality=np.ones(7), bounds=Bounds(0, 1),
               constraints=LinearConstraint(a, [-np.inf] * 3 + [0], [200, 12, 1, np.inf]))
    assert -res.fun == pytest.approx(381)


def test_difference_in_differences_vector(ref):
    # [self-made] two adopters change by +0.4 and +0.3, two others by 0 and +0.1: effect 0.3;
    # se = sqrt(0.005/2 + 0.005/2) = 0.0707.
    months = pd.to_datetime(["2025-01-01", "2025-02-01"]).astype("datetime64[us]")
    rows = []
    for team, adopter, before, after in [("a", True, 3.6, 4.0), ("b", True, 3.8, 4.1), ("c", False, 3.9, 3.9),
                                         ("d", False, 3.7, 3.8)]:
        rows += [("X", team, months[0], adopter, False, 100, before), ("X", team, months[1], adopter, adopter, 100, after)]
    tm = pd.DataFrame(rows, columns=["market", "team_id", "month", "adopter", "practice", "responses", "csat_mean"])
    trials = pd.DataFrame({"market": ["X"], "started_on": [months[1]], "ended_on": [months[1]]})
    out = ref._effect_ref(tm, trials).loc["X"]
    assert out["effect"] == pytest.approx(0.3)
    assert out["se"] == pytest.approx(np.sqrt(0.005 / 2 + 0.005 / 2))
