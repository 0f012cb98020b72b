"""cxlabs.widgets: the functions behind the labs' controls (lab 01 maturity weights, lab 02 threshold) and the controls."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from test_checks_lab02 import good_cluster

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


# -- Lab 02: the threshold explorer -------------------------------------------------------------
# Five records, two people: p1 = a, b, c; p2 = d, e. The pair c-d is a hard negative (relatives)
# with a high weight; the pair a-c is a true pair with a low weight (a typo).
PAIRS = pd.DataFrame({"record_id_a": ["a", "b", "c", "d", "a"], "record_id_b": ["b", "c", "d", "e", "c"],
                      "is_match": pd.array([True, True, False, True, pd.NA], dtype="boolean")},
                     index=[10, 11, 12, 13, 14])
WEIGHTS = pd.Series([25.0, 18.0, 14.0, 20.0, 4.0], index=PAIRS.index)
IDS = pd.Series(list("abcde"))
REVIEW = pd.DataFrame({"record_id": list("abcde"), "person": ["p1", "p1", "p1", "p2", "p2"]})
components = good_cluster  # a reference clustering: label = smallest id of the component


@pytest.mark.parametrize("threshold, expected", [
    # below the hard negative: everyone in one customer, which mixes two people
    (10, dict(precision=0.75, recall=1.0, pairs_merged=4, customers=1, largest=5, over_merged=1, split=0)),
    # above it: two customers, both right
    (15, dict(precision=1.0, recall=1.0, pairs_merged=3, customers=2, largest=3, over_merged=0, split=0)),
    # above b-c too: p1 is split in two
    (19, dict(precision=1.0, recall=2 / 3, pairs_merged=2, customers=3, largest=2, over_merged=0, split=1)),
    # the unreviewed pair counts among pairs merged, not in precision
    (0, dict(precision=0.75, recall=1.0, pairs_merged=5, customers=1, largest=5, over_merged=1, split=0)),
])
def test_threshold_consequences(threshold, expected):
    from cxlabs.widgets import threshold_consequences

    got = threshold_consequences(PAIRS, WEIGHTS, threshold, components, IDS, REVIEW)
    assert got == pytest.approx({"threshold": float(threshold), **expected})


def test_threshold_at_exactly_a_weight_matches_that_pair():
    from cxlabs.widgets import threshold_consequences

    assert threshold_consequences(PAIRS, WEIGHTS, 14.0, components, IDS, REVIEW)["pairs_merged"] == 4


def test_threshold_above_every_weight_has_no_precision_and_one_customer_per_record():
    from cxlabs.widgets import threshold_consequences, threshold_summary

    got = threshold_consequences(PAIRS, WEIGHTS, 99, components, IDS, REVIEW)
    assert np.isnan(got["precision"]) and got["recall"] == 0 and got["customers"] == 5
    assert "n/a (no reviewed pair reaches it)" in threshold_summary(got)


def test_threshold_bad_input_gets_plain_errors():
    from cxlabs.widgets import threshold_consequences

    with pytest.raises(ValueError, match="missing column"):
        threshold_consequences(PAIRS.drop(columns="is_match"), WEIGHTS, 10, components, IDS, REVIEW)
    with pytest.raises(ValueError, match="same index as comparisons"):
        threshold_consequences(PAIRS, WEIGHTS.reset_index(drop=True), 10, components, IDS, REVIEW)
    with pytest.raises(TypeError, match="function itself"):
        threshold_consequences(PAIRS, WEIGHTS, 10, components(IDS, PAIRS), IDS, REVIEW)
    with pytest.raises(TypeError, match="should return a Series"):
        threshold_consequences(PAIRS, WEIGHTS, 10, lambda ids, m: list(ids), IDS, REVIEW)
    with pytest.raises(ValueError, match="left out 3 record"):
        threshold_consequences(PAIRS, WEIGHTS, 19, lambda ids, m: components(ids, m).loc[["a", "b"]],
                               IDS, REVIEW)


def test_threshold_explorer_moves_with_its_slider():
    from cxlabs.widgets import threshold_explorer

    explorer = threshold_explorer(PAIRS, WEIGHTS, components, IDS, REVIEW, start=15.0)
    assert explorer.consequences["customers"] == 2
    assert "At 15.0 bits" in explorer.summary.value and "0 reviewed clusters mix people" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    first = explorer.figure
    explorer.slider.value = 10.0
    assert explorer.consequences["over_merged"] == 1
    assert "1 reviewed cluster mixes people" in explorer.summary.value
    assert explorer.figure is not first and "your 10.0 bits" in explorer.figure.cxlabs_description
    assert "At 10.0 bits:" not in explorer.figure.cxlabs_description, "the caption does not repeat the summary"
    assert [t.get_text() for t in explorer.figure.axes[1].get_xticklabels()] == ["over-merged\nclusters", "split\npeople"]
    explorer.reset.click()
    assert explorer.slider.value == 15.0 and explorer.consequences["customers"] == 2
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_threshold_explorer_waits_for_an_unanswered_exercise(capsys, monkeypatch, tmp_path):
    from cxlabs.widgets import threshold_explorer

    # no given results here (with them, the explorer shows the course's given clusters instead:
    # tests/test_given.py), and these made-up records are not the company's anyway
    monkeypatch.setenv("CXLABS_GIVEN_DIR", str(tmp_path))

    def blank(record_ids, matches):
        raise NotImplementedError()

    assert threshold_explorer(PAIRS, WEIGHTS, blank, IDS, REVIEW, start=15.0) is None
    assert "not answered yet" in capsys.readouterr().out.lower()
    assert threshold_explorer(PAIRS, WEIGHTS, lambda i, m: 1 / 0, IDS, REVIEW, start=15.0) is None
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_a_saved_explorer_leaves_a_picture_and_its_summary():
    """Where widgets do not run (a saved notebook, feedback, formgrader), the chart and summary stay."""
    import base64

    explorer = maturity_explorer(ASSESS, scores, {"data": 3.0, "people": 1.0})
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert "Close first: a " in bundle["text/plain"]
    assert f"Figure: {explorer.figure.cxlabs_description}" in bundle["text/plain"]
