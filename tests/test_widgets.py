"""cxlabs.widgets: the function behind lab 01's maturity-weights control, and the control itself."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems
from cxlabs.widgets import maturity_explorer, ranking_summary, weighted_ranking

matplotlib.use("Agg")

# Two dimensions, three capabilities: which capability is furthest below 'defined' (3)
# depends on the weights. Medians: a: data 1, people 4; b: data 2, people 2; c: data 4, people 1.
ASSESS = pd.DataFrame(
    [(cap, dim, who, s)
     for cap, dims in {"a": {"data": (1, 1, 5), "people": (4, 4, 1)},
                       "b": {"data": (2, 2, 2), "people": (2, 3, 1)},
                       "c": {"data": (4, 5, 4), "people": (1, 1, 2)}}.items()
     for dim, scores in dims.items() for who, s in zip("xyz", scores, strict=True)],
    columns=["capability", "dimension", "assessor", "score"])


def scores(assessments, weights):
    """A reference scoring function (median per dimension, weighted mean), written for the test."""
    med = assessments.pivot_table(index="capability", columns="dimension", values="score", aggfunc="median")
    w = np.array([weights[d] for d in med.columns], dtype=float)
    return pd.DataFrame({"score": med.to_numpy() @ w / w.sum()}, index=med.index)


def test_ranking_follows_the_weights():
    data_heavy = weighted_ranking(ASSESS, {"data": 3, "people": 1}, scores)
    assert list(data_heavy.index) == ["a", "b", "c"]
    assert np.allclose(data_heavy["score"], [1.75, 2.0, 3.25])
    assert np.allclose(data_heavy["gap"], [1.25, 1.0, 0.0])
    assert list(data_heavy["rank"]) == [1, 2, 3]
    assert list(data_heavy["level"]) == ["initial", "repeatable", "defined"]
    people_heavy = weighted_ranking(ASSESS, {"data": 1, "people": 3}, scores)
    assert list(people_heavy.index) == ["c", "b", "a"]


def test_weights_need_not_sum_to_one_and_zero_leaves_a_dimension_out():
    a = weighted_ranking(ASSESS, {"data": 6, "people": 2}, scores)
    b = weighted_ranking(ASSESS, {"data": 0.75, "people": 0.25}, scores)
    pd.testing.assert_frame_equal(a, b)
    only_data = weighted_ranking(ASSESS, {"data": 1, "people": 0}, scores)
    assert np.allclose(only_data.loc[["a", "b", "c"], "score"], [1, 2, 4])


def test_ties_break_by_score_then_name_and_reached_targets_have_no_gap():
    r = weighted_ranking(ASSESS, {"data": 1, "people": 1}, scores, target=2.0)
    # scores a 2.5, b 2.0, c 2.5: nobody is below 2; order by score, then name
    assert (r["gap"] == 0).all()
    assert list(r.index) == ["b", "a", "c"]


def test_moves_against_the_baseline():
    r = weighted_ranking(ASSESS, {"data": 1, "people": 3}, scores, baseline_weights={"data": 3, "people": 1})
    assert r.loc["c", "baseline_rank"] == 3 and r.loc["c", "rank"] == 1 and r.loc["c", "moved"] == 2
    assert r.loc["a", "moved"] == -2 and r.loc["b", "moved"] == 0
    text = ranking_summary(r)
    assert text.startswith("Close first: c ")
    assert "c up 2" in text and "a down 2" in text and "b" not in text.split("weights:")[1]


def test_the_learners_function_is_what_is_ranked():
    calls = []

    def spy(assessments, weights):
        calls.append(dict(weights))
        return scores(assessments, weights)

    weighted_ranking(ASSESS, {"data": 2, "people": 1}, spy)
    assert calls == [{"data": 2.0, "people": 1.0}]


@pytest.mark.parametrize(("weights", "message"), [
    ({"data": 1}, "no weight for dimension"),
    ({"data": -1, "people": 1}, "0 or more"),
    ({"data": 0, "people": 0}, "every weight is 0"),
    ({"data": "lots", "people": 1}, "should be a number"),
    ([1, 2], "should be a dict"),
])
def test_bad_weights_get_plain_errors(weights, message):
    with pytest.raises(ValueError, match=message):
        weighted_ranking(ASSESS, weights, scores)


def test_bad_scoring_function_gets_plain_errors():
    with pytest.raises(TypeError, match="'score' column"):
        weighted_ranking(ASSESS, {"data": 1, "people": 1}, lambda a, w: a[["capability"]])
    with pytest.raises(TypeError, match="function itself"):
        weighted_ranking(ASSESS, {"data": 1, "people": 1}, scores(ASSESS, {"data": 1, "people": 1}))
    with pytest.raises(ValueError, match="missing column"):
        weighted_ranking(ASSESS.drop(columns="score"), {"data": 1, "people": 1}, scores)


def test_explorer_moves_with_its_sliders():
    explorer = maturity_explorer(ASSESS, scores, {"data": 3.0, "people": 1.0})
    assert set(explorer.sliders) == {"data", "people"}
    assert explorer.summary.value.count("Close first: a ") == 1
    assert "Same order" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    first = explorer.figure
    explorer.sliders["people"].value = 3.0
    explorer.sliders["data"].value = 1.0
    assert explorer.ranking.index[0] == "c"
    assert "Close first: c " in explorer.summary.value
    assert explorer.figure is not first and "people 3" in explorer.figure.cxlabs_description
    explorer.sliders["people"].value = 0.0
    explorer.sliders["data"].value = 0.0
    assert explorer.ranking is None and "every weight is 0" in explorer.summary.value
    explorer.reset.click()
    assert explorer.weights() == {"data": 3.0, "people": 1.0} and explorer.ranking.index[0] == "a"
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_explorer_waits_for_an_unanswered_exercise(capsys):
    def blank(assessments, weights):
        raise NotImplementedError()

    assert maturity_explorer(ASSESS, blank, {"data": 1, "people": 1}) is None
    assert "Not answered yet" in capsys.readouterr().out
    assert maturity_explorer(ASSESS, lambda a, w: 1 / 0, {"data": 1, "people": 1}) is None
    assert "ZeroDivisionError" in capsys.readouterr().out
