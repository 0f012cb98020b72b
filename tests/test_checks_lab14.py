"""Unit tests of cxlabs.checks.lab14: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab14 import MISTAKES
from scipy import stats
from sklearn.metrics import roc_auc_score

from cxlabs.checks import lab14 as checks
from cxlabs.decision_rule import decide
from cxlabs.feedback import CheckFailed

EPS = 1e-4

# --- reference answers (written independently of the check module and the notebook) ---------


def good_psi(baseline, current):
    b = np.asarray(pd.Series(baseline, dtype="float64").dropna())
    c = np.asarray(pd.Series(current, dtype="float64").dropna())
    edges = np.unique(np.percentile(b, np.arange(10, 100, 10)))
    idx_b = np.searchsorted(edges, b, side="left")
    idx_c = np.searchsorted(edges, c, side="left")
    e = np.array([(idx_b == k).mean() for k in range(len(edges) + 1)])
    a = np.array([(idx_c == k).mean() for k in range(len(edges) + 1)])
    e, a = np.clip(e, EPS, None), np.clip(a, EPS, None)
    return sum((x - y) * math.log(x / y) for x, y in zip(a, e, strict=True))


def good_ks_by_month(records, feature, baseline_months):
    base = records[records["month"].isin(baseline_months)][feature].dropna()
    out = []
    for m in sorted(set(records["month"]) - set(pd.to_datetime(baseline_months))):
        r = stats.ks_2samp(base, records.loc[records["month"] == m, feature].dropna())
        out.append((m, r.statistic, r.pvalue))
    return pd.DataFrame(out, columns=["month", "ks", "p_value"]).set_index("month")


def good_monthly_performance(records):
    k = records.dropna(subset=["delinquent_3m"])
    rows = []
    for m, g in k.groupby("month"):
        repaid = 1 - g["delinquent_3m"].astype(int)
        rows.append((m, len(g), roc_auc_score(repaid, g["score"]), ((g["score"] - repaid) ** 2).mean()))
    return pd.DataFrame(rows, columns=["month", "applications", "auc", "brier"]).set_index("month")


def good_retraining_month(auc, baseline_months, delta, consecutive):
    auc = auc.sort_index()
    base = auc.index.isin(pd.to_datetime(baseline_months))
    later = auc[~base] < auc[base].mean() - delta
    streak = later.groupby((~later).cumsum()).cumsum()
    hit = streak[streak >= consecutive]
    return hit.index[0] if len(hit) else None


def good_selection_rates(records, by):
    t = records.assign(sel=records["decision"] == "approve").groupby(["month", by])["sel"].agg(["size", "mean"])
    t.columns = ["applications", "selection_rate"]
    t["impact_ratio"] = t["selection_rate"] / t.groupby("month")["selection_rate"].transform("max")
    return t


def good_error_rates(records, by):
    k = records.dropna(subset=["delinquent_3m"]).copy()
    k["bad"] = k["delinquent_3m"].astype(bool)
    k["approved"] = k["decision"] == "approve"
    fd = k[~k["bad"]].groupby(["month", by])["approved"].apply(lambda s: 1 - s.mean())
    fa = k[k["bad"]].groupby(["month", by])["approved"].mean()
    return pd.concat({"false_decline_rate": fd, "false_approval_rate": fa}, axis=1)


def good_rule_tests():
    rows = []
    for score in (0.9, 0.85, 0.8499, 0.82, 0.75, 0.7499, 0.72):
        rows.append((score, 100.0, 0, False, 5))
    rows += [(0.9, 2500.0, 0, False, 5), (0.9, 2500.5, 0, False, 5), (0.9, 100.0, None, False, 5),
             (0.9, 100.0, 0, False, 90), (0.9, 100.0, 0, False, 91), (0.9, 100.0, 0, True, 5),
             (0.9, 100.0, 2, True, 5), (0.9, 100.0, 3, False, 5), (0.9, 100.0, 2, False, 5)]
    frame = pd.DataFrame(rows, columns=["score", "basket_usd", "missed_payments_12m", "in_collections",
                                        "bureau_age_days"])
    frame["expected"] = [decide(*r) for r in rows]
    return frame


RIGHT = [
    (checks.psi, good_psi),
    (checks.ks_by_month, good_ks_by_month),
    (checks.monthly_performance, good_monthly_performance),
    (checks.retraining_month, good_retraining_month),
    (checks.selection_rates, good_selection_rates),
    (checks.error_rates, good_error_rates),
    (checks.rule_tests, good_rule_tests),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "math": math, "stats": stats, "roc_auc_score": roc_auc_score, "EPS": EPS}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    checks.psi.check(lambda b, c: np.float64(good_psi(b, c)))
    checks.ks_by_month.check(lambda r, f, b: good_ks_by_month(r, f, b).iloc[::-1][["p_value", "ks"]])
    checks.monthly_performance.check(lambda r: good_monthly_performance(r).astype(float).iloc[::-1])
    checks.retraining_month.check(lambda a, b, d, c: good_retraining_month(a, b, d, c))
    checks.selection_rates.check(lambda r, by: good_selection_rates(r, by).iloc[::-1].rename_axis(["m", "g"]))
    checks.error_rates.check(lambda r, by: good_error_rates(r, by).assign(extra=1))
    # a table with missing counts as NaN in a float column, and as None in an object column
    checks.rule_tests.check(lambda: good_rule_tests().assign(missed_payments_12m=lambda t: t["missed_payments_12m"]
                                                             .astype(float)))


def test_checks_use_fresh_examples():
    def mutating(records, feature, baseline_months):
        records[feature] = 1.0
        return good_ks_by_month(records, feature, baseline_months)

    with pytest.raises(CheckFailed):
        checks.ks_by_month.check(mutating)
    checks.ks_by_month.check(good_ks_by_month)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: "done")
    assert "returned str" in message or "should return" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.monthly_performance, lambda r: r["outcome"])
    assert "missing column" in failure(checks.selection_rates,
                                       lambda r, by: good_selection_rates(r, by).drop(columns="impact_ratio"))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)



def test_every_issue_mistake_is_catalogued():
    """The traps the methods file and the lab's text name for lab 14 are in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("floor", "current sample", "upside down", "unknown outcomes", "in a row", "referrals",
                   "conditioned on the decision", "happy paths"):
        assert phrase in text, phrase


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_worked_examples_are_well_posed():
    baseline, current = checks.example_psi()
    edges = np.quantile(baseline, np.linspace(0.1, 0.9, 9))
    assert np.isin(edges, baseline).sum() >= 3, "several deciles fall on values: the closed side matters"
    assert current.isna().any()
    recs = checks.example_records()
    assert recs["x"].isna().sum() == 2 and set(checks.EXAMPLE_BASELINE) < set(recs["month"])
    out = checks.example_outcomes()
    assert out["delinquent_3m"].isna().any()
    groups = checks.example_groups()
    assert (groups["decision"] == "refer").sum() >= 3 and groups["delinquent_3m"].isna().any()


def test_hand_worked_answers_match_the_references():
    assert np.isclose(good_psi(*checks.example_psi()), checks._PSI)
    ks = good_ks_by_month(checks.example_records(), "x", checks.EXAMPLE_BASELINE)
    assert np.allclose(ks["ks"], checks._KS) and np.allclose(ks["p_value"], checks._KS_P)
    perf = good_monthly_performance(checks.example_outcomes())
    for c, want in checks._PERF.items():
        assert np.allclose(perf[c], want), c
    for consecutive, want in checks._TRIGGER.items():
        assert good_retraining_month(checks.example_auc(), checks._AUC_BASE, 0.05, consecutive) == want
    sel = good_selection_rates(checks.example_groups(), "region")
    for c, want in checks._SEL.items():
        assert np.allclose(sel[c], want), c
    err = good_error_rates(checks.example_groups(), "region")
    for c, want in checks._ERR.items():
        assert np.allclose(err[c], want), c


def test_rule_check_catches_each_production_defect_alone():
    """Each of the production system's four defects is caught by a table that tests its edge only."""
    ok = dict(score=0.9, basket_usd=100.0, missed_payments_12m=0, in_collections=False, bureau_age_days=5)
    for change in ({"missed_payments_12m": None}, {"bureau_age_days": 120}, {"in_collections": True},
                   {"score": 0.85}):
        row = {**ok, **change}
        table = pd.DataFrame([{**row, "expected": decide(*row.values())}])
        checks.rule_tests.check(lambda table=table: table)


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.psi, lambda b, c: 1.0)
    assert "2.93" not in message
    message = failure(checks.monthly_performance, lambda r: good_monthly_performance(r).assign(auc=0.5))
    assert "0.8125" not in message and "0.125" not in message
    message = failure(checks.retraining_month, lambda a, b, d, c: pd.Timestamp("2024-10-01"))
    assert "2024-08" not in message and "2024-09" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
        ex._hints_shown = 0
        ex.hint()
        ex.hint()
        out = capsys.readouterr().out
        assert "Hint 1/" in out and "Hint 2/" in out
