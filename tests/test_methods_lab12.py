"""Lab 12's graded references against the published test vectors (reference/methods-labs-05-15.md)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import grading_module


@pytest.fixture(scope="module")
def grader():
    return grading_module().grader_module("lab12")


def test_markov_removal_effect_of_puzyrovs_example(grader):
    """Puzyrov 2019: ga>conv twice, mail>conv, ga>mail>conv, ga>null: P(conv) = 0.8, removal effects
    ga 0.75 and mail 0.5, credit 2.4 and 1.6 of 4 conversions."""
    j = grader.journeys_of([("ga", True), ("ga", True), ("mail", True), ("ga>mail", True), ("ga", False)])
    transitions: dict = {}
    for chans, conv in grader._sequences(j):
        seq = ["start", *chans, "conv" if conv else "null"]
        for a, b in zip(seq[:-1], seq[1:], strict=True):
            transitions.setdefault(a, {})
            transitions[a][b] = transitions[a].get(b, 0) + 1
    assert grader.conversion_probability(transitions) == pytest.approx(0.8)
    ref = grader.ref_markov(j)
    assert ref.loc["ga", "removal_effect"] == pytest.approx(0.75)
    assert ref.loc["mail", "removal_effect"] == pytest.approx(0.5)
    assert ref["credit"].to_dict() == pytest.approx({"ga": 2.4, "mail": 1.6})


def test_markov_removal_effect_computed_vector(grader):
    """[computed] c1>c2>c3 (conv), c1 (null), c2>c3 (null): P(conv) = 1/3; RE 0.5, 1, 1; credit 0.2, 0.4, 0.4."""
    ref = grader.ref_markov(grader.journeys_of([("c1>c2>c3", True), ("c1", False), ("c2>c3", False)]))
    assert ref["removal_effect"].to_dict() == pytest.approx({"c1": 0.5, "c2": 1.0, "c3": 1.0})
    assert ref["credit"].to_dict() == pytest.approx({"c1": 0.2, "c2": 0.4, "c3": 0.4})


def test_markov_loops_are_solved_exactly(grader):
    """A chain that can loop (a>b>a) is solved, not enumerated: start>a, a>b or conv, b>a or null."""
    transitions = {"start": {"a": 1}, "a": {"b": 1, "conv": 1}, "b": {"a": 1, "null": 1}}
    # x_a = 1/2 + 1/2 x_b, x_b = 1/2 x_a  ->  x_a = 2/3
    assert grader.conversion_probability(transitions) == pytest.approx(2 / 3)
    assert grader.conversion_probability(transitions, removed="b") == pytest.approx(0.5)


def test_shapley_glove_game(grader):
    """Wikipedia, 'Shapley value', glove game: v = 1 iff {1 or 2} with 3 -> (1/6, 1/6, 2/3)."""
    phi = grader.shapley_values([1, 2, 3], lambda s: float(3 in s and (1 in s or 2 in s)))
    assert phi == pytest.approx({1: 1 / 6, 2: 1 / 6, 3: 2 / 3})


def test_shapley_efficiency_and_symmetry(grader):
    """Shares add up to every conversion; two channels in the same paths get the same credit."""
    j = grader.journeys_of([("a>b", True), ("b>a", False), ("c", True), ("a>b>c", True), ("c", False)])
    ref = grader.ref_shapley(j)
    assert ref["credit"].sum() == pytest.approx(3)
    assert ref.loc["a", "credit"] == pytest.approx(ref.loc["b", "credit"])
    # v(N) = the overall conversion rate, 3 of 5 paths
    assert ref["shapley_value"].sum() == pytest.approx(3 / 5)


def test_time_decay_of_google_ads(grader):
    """Google Ads attribution help: half-life 7 days, 1 day -> 1, 8 -> 0.5, 15 -> 0.25, 22 -> 0.125 (relative)."""
    paths = pd.DataFrame({"order_id": 1, "touch_id": [1, 2, 3, 4], "channel": "x", "days_before": [22, 15, 8, 1],
                          "position": [1, 2, 3, 4], "touches": 4})
    credit = grader.ref_credit(paths, "time_decay")
    relative = credit / credit[4]
    assert relative.to_dict() == pytest.approx({1: 0.125, 2: 0.25, 3: 0.5, 4: 1.0})
    assert credit.sum() == pytest.approx(1.0)


def test_position_based_40_20_40(grader):
    paths = pd.DataFrame({"order_id": [1, 2, 2, 3, 3, 3, 3], "touch_id": [1, 2, 3, 4, 5, 6, 7],
                          "channel": "x", "days_before": 1.0, "position": [1, 1, 2, 1, 2, 3, 4],
                          "touches": [1, 2, 2, 4, 4, 4, 4]})
    credit = grader.ref_credit(paths, "position")
    assert credit.to_dict() == pytest.approx({1: 1.0, 2: 0.5, 3: 0.5, 4: 0.4, 5: 0.1, 6: 0.1, 7: 0.4})
