"""Unit tests of cxlabs.checks.lab08: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab08 import MISTAKES

from cxlabs.checks import lab08 as checks
from cxlabs.feedback import CheckFailed

# --- reference answers (written independently of the check module and the notebook) ---------


def good_window_counts(renewals, events, time_col, days, value_col=None):
    out = {}
    for label, r in renewals.iterrows():
        mine = events[(events["customer_id"] == r["customer_id"])
                      & (events[time_col] >= r["notice_date"] - pd.Timedelta(days=days))
                      & (events[time_col] < r["notice_date"])]
        out[label] = mine[value_col].sum() if value_col else len(mine)
    return pd.Series(out)


def good_time_split(renewals, split_day):
    return renewals.apply(lambda r: "train" if r["renewal_date"] <= split_day
                          else "test" if r["notice_date"] >= split_day else "gap", axis=1)


def good_lift_table(scores, outcomes, groups=10):
    frame = pd.DataFrame({"p": scores, "y": outcomes.astype(int)})  # aligned by label
    frame = frame.rename_axis("k").reset_index().sort_values(["p", "k"], ascending=[False, True])
    frame["group"] = [1 + i * groups // len(frame) for i in range(len(frame))]
    out = frame.groupby("group").agg(renewals=("y", "size"), cancelled=("y", "sum"))
    out["cancel_rate"] = out["cancelled"] / out["renewals"]
    out["lift"] = out["cancel_rate"] / frame["y"].mean()
    out["cumulative_share"] = out["cancelled"].cumsum() / frame["y"].sum()
    return out


def good_kaplan_meier(durations, observed):
    rows, s = [], 1.0
    for t in sorted(set(durations[observed.astype(bool)])):
        n = int((durations >= t).sum())
        d = int(((durations == t) & observed.astype(bool)).sum())
        s *= 1 - d / n
        rows.append((t, n, d, s))
    return pd.DataFrame(rows, columns=["time", "at_risk", "events", "survival"]).set_index("time")


def good_backtest(scores, outcomes, bounds):
    tier = np.where(scores >= bounds[1], "high", np.where(scores >= bounds[0], "medium", "low"))
    y = outcomes.reindex(scores.index).astype(float)
    rows = {}
    for t in ("low", "medium", "high"):
        m = tier == t
        pred, act = 1 - scores[m].mean(), 1 - y[m].mean()
        rows[t] = (int(m.sum()), pred, act, act - pred)
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=["renewals", "predicted_retention", "actual_retention", "gap"])


def good_contact_decisions(scores, value, cost, save_rate):
    v = value[scores.index]
    gain = scores * save_rate * v - cost
    return pd.DataFrame({"contact": gain > 0, "expected_gain": gain, "threshold": cost / (save_rate * v)})


RIGHT = [
    (checks.window_counts, good_window_counts),
    (checks.time_split, good_time_split),
    (checks.lift_table, good_lift_table),
    (checks.kaplan_meier, good_kaplan_meier),
    (checks.backtest, good_backtest),
    (checks.contact_decisions, good_contact_decisions),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {"ex1_answer": checks.window_counts, "ex2_answer": checks.time_split,
                   "ex3_answer": checks.lift_table, "ex4_answer": checks.kaplan_meier,
                   "ex5_answer": checks.backtest, "ex6_answer": checks.contact_decisions}


def function_from(source: str):
    namespace = {"pd": pd, "np": np}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # a one-column DataFrame instead of a Series; floats instead of ints; rows in another order
    checks.window_counts.check(lambda *a, **k: good_window_counts(*a, **k).astype(float).to_frame("n"))
    checks.time_split.check(lambda r, s: good_time_split(r, s).sort_index())
    checks.backtest.check(lambda s, o, b: good_backtest(s, o, b).assign(extra=1))
    checks.contact_decisions.check(lambda s, v, c, r: good_contact_decisions(s, v, c, r).iloc[::-1])
    checks.kaplan_meier.check(lambda d, e: good_kaplan_meier(d, e).astype(float))


def test_checks_use_fresh_examples():
    def mutating(renewals, events, time_col, days, value_col=None):
        events["customer_id"] = 1
        return good_window_counts(renewals, events, time_col, days, value_col)

    with pytest.raises(CheckFailed):
        checks.window_counts.check(mutating)
    checks.window_counts.check(good_window_counts)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    assert "returned str" in failure(exercise, lambda *args, **kwargs: "done")


@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


@pytest.mark.parametrize("answer_id, mistake", [pytest.param(a, m, id=f"{a}-{i}") for a, items in MISTAKES.items()
                                                for i, m in enumerate(items) if not m.visible])
def test_grader_only_mistakes_still_fail_the_visible_check_or_are_grader_cases(answer_id, mistake):
    """A mistake left to the grader may pass the worked example; it must at least run on it."""
    func = function_from(mistake.source)
    try:
        CHECK_OF_ANSWER[answer_id].check(func)
    except CheckFailed as exc:
        assert "Where to look" in str(exc)


def test_hand_worked_answers_match_the_references():
    got = good_window_counts(checks.example_renewals(), checks.example_events(), "event_at", 365)
    assert got.to_dict() == checks._COUNTS
    got = good_window_counts(checks.example_renewals(), checks.example_events(), "event_at", 365, "amount")
    assert got.to_dict() == checks._SUMS
    split = good_time_split(checks.example_split(), checks.SPLIT_DAY)
    assert split.to_dict() == {r: p for r, _, p in checks._SPLIT_ROWS}
    lift = good_lift_table(*checks.example_scores(), checks.LIFT_GROUPS)
    assert np.allclose(lift[checks._LIFT_COLUMNS].to_numpy(), np.array(list(checks._LIFT.values())))
    km = good_kaplan_meier(*checks.example_survival())
    assert list(km.index) == list(checks._KM)
    assert np.allclose(km.to_numpy(), np.array(list(checks._KM.values())))
    bt = good_backtest(*checks.example_backtest(), checks.BACKTEST_BOUNDS)
    assert np.allclose(bt.to_numpy(), np.array(list(checks._BT.values())))
    ct = good_contact_decisions(*checks.example_contacts(), checks.CONTACT_COST, checks.CONTACT_SAVE_RATE)
    ct = ct.loc[list(checks._CT)]
    assert np.allclose(ct["threshold"], [v[0] for v in checks._CT.values()])
    assert np.allclose(ct["expected_gain"], [v[1] for v in checks._CT.values()])
    assert list(ct["contact"]) == [v[2] for v in checks._CT.values()]


def test_worked_examples_are_well_posed():
    events = checks.example_events()
    assert not events["event_at"].is_monotonic_increasing
    scores, outcomes = checks.example_scores()
    assert list(scores.index) != list(outcomes.index) and set(scores.index) == set(outcomes.index)
    assert scores.duplicated().sum() == 2
    d, e = checks.example_survival()
    assert not d.is_monotonic_increasing and ((d == 5) & ~e).any() and ((d == 8) & ~e).any()
    # no worked contact decision sits on a float boundary
    ct = good_contact_decisions(*checks.example_contacts(), checks.CONTACT_COST, checks.CONTACT_SAVE_RATE)
    assert (ct["expected_gain"].abs() > 0.5).all()


def test_messages_do_not_leak_expected_values():
    message = failure(checks.window_counts, lambda *a, **k: good_window_counts(*a, **k) + 1)
    assert not any(f"{v}" in message for v in (60.0, 300.0))
    message = failure(checks.kaplan_meier, lambda d, e: good_kaplan_meier(d, e).assign(survival=0.5))
    assert "0.58" not in message and "0.19" not in message
    message = failure(checks.backtest, lambda s, o, b: good_backtest(s, o, b).assign(gap=0.0))
    assert "0.09" not in message and "0.23" not in message


def test_leakage_audit_tells_honest_from_leaky(capsys):
    renewals, events = checks.example_renewals(), checks.example_events()
    assert checks.leakage_audit(lambda r, e: good_window_counts(r, e, "event_at", 365), renewals, events, "event_at")

    def leaky(r, e):
        m = r.reset_index().merge(e, on="customer_id")
        return m[m["event_at"] >= m["notice_date"] - pd.Timedelta(days=365)].groupby("renewal").size() \
            .reindex(r.index, fill_value=0)

    assert not checks.leakage_audit(leaky, renewals, events, "event_at")
    out = capsys.readouterr().out
    assert "✓ No leak found" in out and "✗ Leakage" in out


def test_hints_progress():
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
