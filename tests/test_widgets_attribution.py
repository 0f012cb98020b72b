"""Lab 12's attribution explorer and the pure functions behind it."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import grading_module

from cxlabs.checks import lab12 as checks
from cxlabs.plotting import figure_problems
from cxlabs.widgets.attribution import (
    as_recorded,
    attribution_explorer,
    channel_ranking,
    ranking_summary,
)

matplotlib.use("Agg")
G = grading_module().grader_module("lab12")
TRUTH = pd.Series({"display": 0.1, "email": 0.3, "paid_search": 0.4, "paid_social": 0.1, "sms": 0.1})


def test_ranking_sums_credit_by_channel_and_breaks_ties_by_name():
    paths = checks.example_paths()
    r = channel_ranking(paths, G.ref_credit(paths, "last"))
    # last touch: email (orders 1 and 2) 2, paid_social 1; display and sms 0, tied, by name
    assert r.index.tolist() == ["email", "paid_social", "display", "sms"]
    assert r["conversions"].tolist() == [2.0, 1.0, 0.0, 0.0] and r["rank"].tolist() == [1, 2, 3, 4]
    assert r["share"].sum() == pytest.approx(1.0)


def test_ranking_against_the_truth():
    paths = checks.example_paths()
    r = channel_ranking(paths, G.ref_credit(paths, "first"), TRUTH)
    assert set(r.index) == set(TRUTH.index)  # a true channel with no touch still has a row
    assert r.loc["paid_search", "conversions"] == 0 and r.loc["paid_search", "true_rank"] == 1
    assert r.loc["paid_search", "rank_gap"] < 0  # under-ranked by the rule
    text = ranking_summary(r, 30, "first")
    assert text.startswith("30-day window from the order, rule 'first': display first")
    assert "channels in their true place" in text and "credit off by" in text


def test_missing_credit_counts_zero_and_bad_inputs_are_plain():
    paths = checks.example_paths()
    r = channel_ranking(paths, pd.Series({1: 1.0}).to_frame("c"))
    assert r.loc["email", "conversions"] == 1.0 and r["conversions"].sum() == 1.0
    with pytest.raises(TypeError, match="touch_id"):
        channel_ranking(paths, 3.0)
    with pytest.raises(ValueError, match="more than one"):
        channel_ranking(paths, pd.Series([1.0, 1.0], index=[1, 1]))
    with pytest.raises(TypeError, match="paths"):
        channel_ranking(paths.drop(columns="channel"), pd.Series({1: 1.0}))


def test_as_recorded_moves_only_the_conversions():
    orders, conversions = checks.example_orders(), checks.example_conversions()
    moved = as_recorded(orders, conversions).set_index("order_id")["ordered_at"]
    assert (moved[conversions["order_id"]] == conversions["recorded_at"].to_numpy()).all()
    assert moved[130] == orders.set_index("order_id").loc[130, "ordered_at"]
    # measured from delivery, the 10-day window loses the earliest touches of the example
    late = G.ref_paths(checks.example_touches(), conversions, as_recorded(orders, conversions), 10)
    assert 51 not in set(late["touch_id"]) and 11 not in set(late["touch_id"])


def test_explorer_moves_with_its_controls():
    t, c, o = checks.example_touches(), checks.example_conversions(), checks.example_orders()
    explorer = attribution_explorer(t, c, o, G.ref_paths, G.ref_credit, truth=TRUTH, lookback_days=10, max_days=30)
    # last touch: four channels with one order each
    assert (explorer.ranking["conversions"] > 0).sum() == 4 and "10-day window from the order" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    explorer.rule.value = "first"
    assert explorer.ranking.index[0] == "display" and explorer.ranking.loc["display", "conversions"] == 2
    explorer.anchor.value = "the recorded conversion"
    assert explorer.ranking.loc["display", "conversions"] == 0  # its touches fall out of a late window
    explorer.lookback.value = 30
    assert explorer.ranking.loc["display", "conversions"] > 0
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_explorer_waits_for_an_unanswered_exercise(capsys, monkeypatch, tmp_path):
    # no given results here (with them, the explorer moves over the course's given results
    # instead: tests/test_given.py), and these made-up records are not the company's anyway
    monkeypatch.setenv("CXLABS_GIVEN_DIR", str(tmp_path))

    def blank(*args):
        raise NotImplementedError()

    t, c, o = checks.example_touches(), checks.example_conversions(), checks.example_orders()
    assert attribution_explorer(t, c, o, blank, G.ref_credit) is None
    assert "not answered yet" in capsys.readouterr().out.lower()
    assert attribution_explorer(t, c, o, G.ref_paths, lambda p, r: np.ones(3)) is None
    assert "raised" in capsys.readouterr().out
