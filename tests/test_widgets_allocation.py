"""cxlabs.widgets.allocation: the fairness-floor trade-off (lab 13) and its explorer."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from cxlabs.plotting import figure_problems
from cxlabs.widgets.allocation import floor_explorer, floor_summary, floor_tradeoff

matplotlib.use("Agg")

REQUESTS = pd.DataFrame({"segment": ["business", "value", "premium", "business", "value"],
                         "units": [40.0, 20.0, 10.0, 30.0, 20.0],
                         "value_per_unit": [300.0, 150.0, 260.0, 320.0, 120.0]}, index=[11, 12, 13, 14, 15])


def lp(requests, supply, floor):
    """A reference allocation, written for the test."""
    seg = pd.get_dummies(requests["segment"]).T.to_numpy(dtype=float)
    units = requests["units"].to_numpy()
    if floor * units.sum() > supply:
        raise ValueError("infeasible")
    res = linprog(-requests["value_per_unit"].to_numpy(), A_ub=np.vstack([np.ones(len(units)), -seg]),
                  b_ub=np.r_[supply, -floor * (seg @ units)], bounds=[(0, u) for u in units], method="highs")
    return pd.Series(res.x, index=requests.index)


def test_value_falls_as_the_floor_rises_and_infeasible_floors_are_marked():
    t = floor_tradeoff(lp, REQUESTS, 60.0, [0.0, 0.3, 0.5, 0.6])
    assert t["feasible"].tolist() == [True, True, True, False]
    assert t.loc[0.0, "value"] == pytest.approx(30 * 300 + 30 * 320)
    assert t.loc[0.0, "value_lost"] == pytest.approx(0.0)
    assert t.loc[0.0, "lowest_fill"] == pytest.approx(0.0)
    values = t.loc[t["feasible"], "value"]
    assert values.is_monotonic_decreasing
    assert t.loc[0.3, "lowest_fill"] == pytest.approx(0.3) and t.loc[0.5, "lowest_fill"] == pytest.approx(0.5)
    assert np.isnan(t.loc[0.6, "value"])


def test_the_learners_function_is_what_is_called():
    calls = []

    def spy(requests, supply, floor):
        calls.append(floor)
        return lp(requests, supply, floor)

    floor_tradeoff(spy, REQUESTS, 60.0, [0.0, 0.2])
    assert calls == [0.0, 0.2]


@pytest.mark.parametrize(("requests", "message"), [
    (REQUESTS.drop(columns="segment"), "missing column"),
])
def test_bad_inputs_say_what_is_wrong(requests, message):
    with pytest.raises(ValueError, match=message):
        floor_tradeoff(lp, requests, 60.0, [0.0])
    with pytest.raises(TypeError, match="function itself"):
        floor_tradeoff(lp(REQUESTS, 60.0, 0.0), REQUESTS, 60.0, [0.0])


def test_summary_is_plain_words():
    t = floor_tradeoff(lp, REQUESTS, 60.0, [0.0, 0.3, 0.6])
    assert "value served" in floor_summary(0.3, t.loc[0.3]) and "infeasible" in floor_summary(0.6, t.loc[0.6])


def test_explorer_draws_a_finished_figure_and_follows_the_slider():
    explorer = floor_explorer(lp, REQUESTS, 60.0, start=0.3)
    assert explorer is not None and figure_problems(explorer.figure) == []
    assert "30% floor" in explorer.summary.value
    explorer.slider.value = 0.5
    assert "50% floor" in explorer.summary.value and figure_problems(explorer.figure) == []


def test_unanswered_allocate_gives_a_note(capsys):
    def blank(requests, supply, floor):
        raise NotImplementedError()

    assert floor_explorer(blank, REQUESTS, 60.0) is None
    assert "Not answered yet" in capsys.readouterr().out
