"""Lab 13's method references (autograder/graders/lab13.py) against the published test vectors of
the methods file (shared/reference/methods-labs-05-15.md, "Lab 13"), and the greedy route to the
best allocation against the LP it stands in for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module
from scipy.optimize import linprog


@pytest.fixture(scope="module")
def ref():
    grading_module()
    from grading import grader_module

    return grader_module("lab13")


def test_wape_and_bias_vector(ref):
    # [self-made] A=[100,200,300], F=[110,180,330] -> WAPE 0.10, bias +0.0333
    results = pd.DataFrame({"s": ["x"] * 3, "actual": [100, 200, 300], "forecast": [110, 180, 330]})
    out = ref._error_ref(results, "s")
    assert out.loc["x", "wape"] == pytest.approx(0.10)
    assert out.loc["x", "bias"] == pytest.approx(0.0333, abs=1e-4)


def test_safety_stock_vector(ref):
    # [self-made] d=100/day, sd_d=20, L=10, sd_L=2, CSL 95% (z=1.6449) -> 345.0; with sd_L=0 -> 104.0
    plan = pd.DataFrame({"service_class": ["B", "B"], "demand_mean": [100.0, 100.0], "demand_sd": [20.0, 20.0],
                         "lead_mean": [10.0, 10.0], "lead_sd": [2.0, 0.0]})
    out = ref._ss_ref(plan)
    assert out["z"].iloc[0] == pytest.approx(1.6449, abs=1e-4)
    assert out["safety_stock"].round(1).tolist() == [345.0, 104.0]


def test_linprog_docstring_vector():
    # [published: scipy linprog docstring] min -x0 + 4x1 s.t. -3x0 + x1 <= 6, x0 + 2x1 <= 4, x1 >= -3
    res = linprog([-1, 4], A_ub=[[-3, 1], [1, 2]], b_ub=[6, 4], bounds=[(None, None), (-3, None)], method="highs")
    assert res.fun == pytest.approx(-22) and np.allclose(res.x, [10, -3])


def test_quantile_is_type_7():
    # numpy/pandas default "linear" (Hyndman-Fan type 7): 0.8 quantile of 1..5 is 4.2
    assert np.quantile([1, 2, 3, 4, 5], 0.8, method="linear") == pytest.approx(4.2)
    assert pd.Series([5, 1, 4, 2, 3]).quantile(0.8) == pytest.approx(4.2)


def test_pooling_square_root_law(ref):
    # n identical independent locations: pooled = separate / sqrt(n) (Maister 1976), here in expectation
    rng = np.random.default_rng(0)
    n, days = 4, 20000
    daily = pd.DataFrame({"date": np.tile(np.arange(days), n), "location": np.repeat(list("abcd"), days),
                          "units": rng.normal(50, 10, n * days)})
    out = ref._pool_ref(daily, 1.6449, 9)
    assert out["saving"] == pytest.approx(1 - 1 / np.sqrt(n), abs=0.01)


@pytest.mark.parametrize("seed", range(25))
def test_greedy_best_value_equals_the_lp(ref, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 9))
    requests = pd.DataFrame({"segment": rng.choice(["a", "b", "c"], k),
                             "units": rng.integers(1, 30, k).astype(float),
                             "value_per_unit": rng.choice([-5.0, 20.0, 50.0, 80.0, 120.0, 300.0], k)})
    supply = float(rng.uniform(0.2, 1.2) * requests["units"].sum())
    floor = float(rng.choice([0.0, 0.1, 0.3, 0.5, 0.8]))
    best = ref.best_value(requests, supply, floor)
    seg = pd.get_dummies(requests["segment"]).T.to_numpy(dtype=float)
    units = requests["units"].to_numpy()
    res = linprog(-requests["value_per_unit"].to_numpy(), A_ub=np.vstack([np.ones(k), -seg]),
                  b_ub=np.r_[supply, -floor * (seg @ units)], bounds=[(0, u) for u in units], method="highs")
    if floor * units.sum() > supply:
        assert np.isnan(best) and not res.success
    else:
        assert res.success and best == pytest.approx(-res.fun, rel=1e-9, abs=1e-9)
