"""Unit tests of cxlabs.checks.lab12: right answers pass, common mistakes are named, no answers leak.

The right answers are the grader's references (written another way than the notebook and the checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from conftest import grading_module
from mistakes.lab12 import MISTAKES

from cxlabs.checks import lab12 as checks
from cxlabs.feedback import CheckFailed

G = grading_module().grader_module("lab12")


def good_paths(touches, conversions, orders, lookback_days):
    return G.ref_paths(touches, conversions, orders, lookback_days)


def good_credit(paths, rule, half_life_days=7.0):
    return G.ref_credit(paths, rule, half_life_days)


def good_economics(conversions, orders, order_lines, products, shipments, returns, tickets, unit_costs):
    return G.ref_economics(conversions, orders, order_lines, products, shipments, returns, tickets, unit_costs)


RIGHT = [(checks.conversion_paths, good_paths), (checks.touch_credit, good_credit),
         (checks.markov_credit, G.ref_markov), (checks.shapley_credit, G.ref_shapley),
         (checks.order_economics, good_economics), (checks.channel_roi, G.ref_roi),
         (checks.rule_scorecard, G.ref_scorecard)]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i}_answer": ex for i, ex in enumerate(EXERCISES, start=1)}


def function_from(source: str):
    from cxlabs.checks.lab12 import T0  # noqa: F401 - a name the sources may use

    namespace = {"pd": pd, "np": np, "RULES": list(G.RULES)}
    exec(_UNIT_COST_OF, namespace)
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# the notebook's given helper that exercise 5 uses (the same text as its `helpers` cell)
_UNIT_COST_OF = '''
def unit_cost_of(unit_costs, activity, when):
    years = unit_costs.index.get_level_values("year")
    when = pd.to_datetime(pd.Series(when)).reset_index(drop=True)
    year = when.dt.year.fillna(years.max()).clip(years.min(), years.max()).astype(int)
    names = pd.Series(activity, index=when.index)
    cost = unit_costs.reindex(pd.MultiIndex.from_arrays([names.astype(str).to_numpy(), year.to_numpy()]))
    return np.where(when.isna().to_numpy(), 0.0, cost.to_numpy(dtype=float))
'''


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # rows in another order, extra columns, an index for the keys, a frame for a Series, float counts
    checks.conversion_paths.check(lambda t, c, o, d: good_paths(t, c, o, d).iloc[::-1].assign(extra=1))
    checks.conversion_paths.check(lambda t, c, o, d: good_paths(t, c, o, d).set_index(["order_id", "touch_id"]))
    checks.conversion_paths.check(lambda t, c, o, d: good_paths(t, c, o, d).astype({"position": float}))
    checks.touch_credit.check(lambda p, r, h=7.0: good_credit(p, r, h).to_frame("credit").iloc[::-1])
    checks.markov_credit.check(lambda j: G.ref_markov(j).iloc[::-1][["credit", "removal_effect"]])
    checks.shapley_credit.check(lambda j: G.ref_shapley(j).assign(extra="x"))
    checks.order_economics.check(lambda *a: good_economics(*a).sample(frac=1, random_state=2))
    checks.channel_roi.check(lambda *a: G.ref_roi(*a).iloc[::-1])
    checks.rule_scorecard.check(lambda c, t: G.ref_scorecard(c, t).iloc[::-1])


def test_checks_use_fresh_examples():
    def mutating(touches, conversions, orders, lookback_days):
        touches["touched_at"] = touches["touched_at"] - pd.Timedelta(days=100)
        return good_paths(touches, conversions, orders, lookback_days)
    with pytest.raises(CheckFailed):
        checks.conversion_paths.check(mutating)
    checks.conversion_paths.check(good_paths)


# --- wrong types and crashes are plain words ---------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    assert "returned str" in failure(exercise, lambda *args, **kwargs: "done")


def test_index_as_columns_is_named():
    message = failure(checks.markov_credit, lambda j: G.ref_markov(j).reset_index())
    assert "column" in message and "set_index" in message


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the course issue and the methods notes name for lab 12 are in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("recorded conversion", "window's edge", "converting paths only", "revenue", "two-touch",
                   "not normalised"):
        assert phrase in text, phrase


# --- the worked examples are right and well posed ----------------------------------------------

def test_hand_worked_answers_match_the_references():
    paths = good_paths(checks.example_touches(), checks.example_conversions(), checks.example_orders(),
                       checks.EXAMPLE_LOOKBACK)
    got = {(o, t): (ch, round(d, 6), k, n) for o, t, ch, d, k, n in paths.itertuples(index=False)}
    assert got == checks._PATHS
    for rule, want in checks._CREDIT.items():
        assert good_credit(checks.example_paths(), rule).to_dict() == pytest.approx(want)
    for journeys, want in ((checks.example_journeys(), checks._MARKOV),
                           (checks.example_loop_journeys(), checks._MARKOV_LOOP)):
        ref = G.ref_markov(journeys)
        assert {(c, k): v for c, r in ref.iterrows() for k, v in enumerate((r.removal_effect, r.credit))} == \
            pytest.approx({(c, k): v for c, row in want.items() for k, v in enumerate(row)})
    ref = G.ref_shapley(checks.example_shapley_journeys())
    assert {(c, k): v for c, r in ref.iterrows() for k, v in enumerate((r.shapley_value, r.credit))} == \
        pytest.approx({(c, k): v for c, row in checks._SHAPLEY.items() for k, v in enumerate(row)})
    eco = good_economics(*checks.example_economics_inputs().values())
    for o, row in checks._ECONOMICS.items():
        assert eco.loc[o, checks._ECONOMICS_COLUMNS].astype(float).to_numpy() == pytest.approx(row), o
    roi = G.ref_roi(checks.example_paths(), checks.example_credit(), checks.example_economics(),
                    checks.example_media_spend())
    for ch, row in checks._ROI.items():
        assert np.allclose(roi.loc[ch].astype(float).to_numpy(), row, equal_nan=True), ch
    card = G.ref_scorecard(checks.example_credits(), checks.example_truth())
    for rule, (error, corr, _) in checks._CARD.items():
        assert card.loc[rule, "share_error"] == pytest.approx(error)
        assert card.loc[rule, "rank_correlation"] == pytest.approx(corr)


def test_worked_examples_are_well_posed():
    t = checks.example_touches()
    assert t["touched_at"].duplicated().any()  # two touches at the same moment
    assert set(checks.example_conversions()["customer_id"]) - set(t["customer_id"])  # a conversion with no touch
    p = checks.example_paths()
    assert (p["touches"] == 1).any() and p.duplicated(["order_id", "channel"]).any()
    spend = checks.example_media_spend()
    assert set(spend["channel"]) - set(p["channel"]) and set(p["channel"]) - set(spend["channel"])


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.markov_credit, lambda j: G.ref_markov(j) * 1.1)
    assert "0.75" not in message and "2.4" not in message and "1.6" not in message
    message = failure(checks.order_economics, lambda *a: good_economics(*a) + 1)
    assert not any(f"{v:g}" in message for row in checks._ECONOMICS.values() for v in row if abs(v) > 1)


def test_hints_progress(capsys):
    for exercise in EXERCISES:
        exercise._hints_shown = 0
        assert 2 <= len(exercise.hints) <= 3
        for i in range(len(exercise.hints)):
            exercise.hint()
            assert f"Hint {i + 1}/{len(exercise.hints)}" in capsys.readouterr().out
        exercise._hints_shown = 0
