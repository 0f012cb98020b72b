"""Lab 09's lifetime-value explorer and the pure function behind it."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems
from cxlabs.widgets.clv import clv_explorer, clv_ranking, clv_summary

matplotlib.use("Agg")

# Two channels whose order flips with the horizon: "steady" keeps its customers, "burst" earns more
# in the first year and loses most of them.
INPUTS = pd.DataFrame({"margin_per_year": [100.0, 160.0, -20.0, 50.0], "retention": [0.95, 0.30, 0.9, np.nan]},
                      index=pd.Index(["steady", "burst", "loss", "new"], name="acquisition_channel"))


def clv(inputs, discount_rate, horizon_years):
    t = np.arange(horizon_years)
    m = inputs["margin_per_year"].to_numpy()[:, None]
    r = inputs["retention"].to_numpy()[:, None]
    return pd.Series((m * r ** t / (1 + discount_rate) ** t).sum(axis=1), index=inputs.index)


def test_ranking_follows_the_horizon():
    short = clv_ranking(INPUTS, clv, 0.10, 1)
    assert list(short.index[:2]) == ["burst", "steady"] and list(short["rank"]) == [1, 2, 3, 4]
    long = clv_ranking(INPUTS, clv, 0.10, 10)
    assert list(long.index) == ["steady", "burst", "loss", "new"]  # a value that cannot be computed comes last
    assert np.isnan(long.loc["new", "clv"])


def test_moves_against_the_baseline():
    r = clv_ranking(INPUTS, clv, 0.10, 1, baseline=(0.10, 10))
    assert r.loc["burst", "moved"] == 1 and r.loc["steady", "moved"] == -1 and r.loc["loss", "moved"] == -1
    assert r.loc["new", "moved"] == 1  # NaN retention: the first margin alone is still a value
    text = clv_summary(r, 0.10, 1)
    assert "burst up 1" in text and "steady down 1" in text and "1 of 4 below zero" in text


def test_the_learners_function_is_what_is_ranked():
    def doubled(inputs, d, h):
        return 2 * clv(inputs, d, h)

    assert np.allclose(clv_ranking(INPUTS, doubled, 0.0, 3)["clv"],
                       2 * clv_ranking(INPUTS, clv, 0.0, 3)["clv"], equal_nan=True)
    frame = clv_ranking(INPUTS, lambda i, d, h: clv(i, d, h).to_frame("clv"), 0.0, 3)
    assert frame.index[0] == "steady"


@pytest.mark.parametrize(("rate", "horizon", "message"), [
    (1.0, 5, "discount rate"), (-0.1, 5, "discount rate"), (0.1, 0, "horizon"), (0.1, 2.5, "horizon")])
def test_bad_settings_get_plain_errors(rate, horizon, message):
    with pytest.raises(ValueError, match=message):
        clv_ranking(INPUTS, clv, rate, horizon)


def test_bad_function_gets_plain_errors():
    with pytest.raises(TypeError, match="function itself"):
        clv_ranking(INPUTS, clv(INPUTS, 0.1, 5), 0.1, 5)
    with pytest.raises(TypeError, match="Series"):
        clv_ranking(INPUTS, lambda i, d, h: 3.0, 0.1, 5)


def test_explorer_moves_with_its_controls():
    views = {"net": INPUTS, "fees only": INPUTS.assign(margin_per_year=INPUTS["margin_per_year"].abs())}
    explorer = clv_explorer(views, clv, discount_rate=0.10, horizon_years=10)
    assert explorer.ranking.index[0] == "steady" and "Same order" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    explorer.horizon.value = 1
    assert explorer.ranking.index[0] == "burst" and "burst up 1" in explorer.summary.value
    explorer.view.value = "fees only"
    assert explorer.ranking.loc["loss", "clv"] > 0
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_explorer_waits_for_an_unanswered_exercise(capsys, monkeypatch, tmp_path):
    # no given results here (with them, the explorer moves over the course's given results
    # instead: tests/test_given.py), and these made-up records are not the company's anyway
    monkeypatch.setenv("CXLABS_GIVEN_DIR", str(tmp_path))

    def blank(inputs, d, h):
        raise NotImplementedError()

    assert clv_explorer({"net": INPUTS}, blank) is None
    assert "not answered yet" in capsys.readouterr().out.lower()
