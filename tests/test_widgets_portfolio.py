"""cxlabs.widgets.portfolio: what each risk limit buys (lab 16) and its explorer."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems
from cxlabs.widgets.portfolio import portfolio_explorer, portfolio_summary, risk_frontier

matplotlib.use("Agg")

INITIATIVES = pd.DataFrame({
    "initiative_id": [1, 2, 3, 4], "category": ["prevention", "recovery", "prevention", "recovery"],
    "kind": ["incremental", "disruptive", "disruptive", "incremental"], "cost_kusd": [30, 40, 50, 20],
    "expected_benefit_kusd": [60, 120, 150, 30], "risk_points": [2, 6, 7, 1]})
RULES = {"budget_kusd": 100, "risk_limit_points": 9, "min_prevention_share": 0.0, "max_disruptive": 2}


def brute(initiatives, rules):
    """A reference portfolio, written for the test: every subset."""
    best, chosen = -1, []
    rows = initiatives.to_dict("records")
    for k in range(len(rows) + 1):
        for combo in itertools.combinations(rows, k):
            if (sum(r["cost_kusd"] for r in combo) <= rules["budget_kusd"]
                    and sum(r["risk_points"] for r in combo) <= rules["risk_limit_points"]):
                value = sum(r["expected_benefit_kusd"] for r in combo)
                if value > best:
                    best, chosen = value, sorted(r["initiative_id"] for r in combo)
    return chosen


def test_benefit_rises_with_the_risk_limit():
    t = risk_frontier(brute, INITIATIVES, RULES, [0, 3, 9, 16])
    assert t.loc[0, "benefit_kusd"] == 0 and t.loc[0, "chosen"] == ""
    assert t.loc[3, "chosen"] == "1, 4" and t.loc[3, "benefit_kusd"] == 90
    assert t.loc[9, "benefit_kusd"] == 210 and t.loc[16, "benefit_kusd"] == 270
    assert t["benefit_kusd"].is_monotonic_increasing
    assert np.isnan(t.loc[0, "prevention_share"]) and t.loc[3, "prevention_share"] == pytest.approx(0.6)


def test_the_learners_function_gets_each_limit_and_the_other_rules_unchanged():
    calls = []

    def spy(initiatives, rules):
        calls.append(dict(rules))
        return brute(initiatives, rules)

    risk_frontier(spy, INITIATIVES, RULES, [4, 8])
    assert [c["risk_limit_points"] for c in calls] == [4, 8]
    assert all(c["budget_kusd"] == 100 for c in calls) and RULES["risk_limit_points"] == 9


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="missing column"):
        risk_frontier(brute, INITIATIVES.drop(columns="risk_points"), RULES, [3])
    with pytest.raises(TypeError, match="function itself"):
        risk_frontier(brute(INITIATIVES, RULES), INITIATIVES, RULES, [3])


def test_summary_is_plain_words():
    t = risk_frontier(brute, INITIATIVES, RULES, [0, 9])
    assert "nothing fits" in portfolio_summary(0, t.loc[0])
    assert "benefit 210 kUSD" in portfolio_summary(9, t.loc[9])


def test_explorer_draws_a_finished_figure_and_follows_the_slider():
    explorer = portfolio_explorer(brute, INITIATIVES, RULES)
    assert explorer is not None and figure_problems(explorer.figure) == []
    assert "Risk limit 9" in explorer.summary.value
    explorer.slider.value = 3
    assert "Risk limit 3" in explorer.summary.value and figure_problems(explorer.figure) == []


def test_unanswered_portfolio_gives_a_note(capsys):
    def blank(initiatives, rules):
        raise NotImplementedError()

    assert portfolio_explorer(blank, INITIATIVES, RULES) is None
    assert "Not answered yet" in capsys.readouterr().out
