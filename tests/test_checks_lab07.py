"""Unit tests of cxlabs.checks.lab07: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab07 import MISTAKES
from scipy import stats
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import make_pipeline

from cxlabs.checks import lab07 as checks
from cxlabs.feedback import CheckFailed

# --- reference answers (written independently of the check module and the notebook) ---------


def good_score_summary(answers, confidence=0.95):
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for metric in ("nps", "csat", "ces"):
        x = [float(v) for v in answers[metric] if not pd.isna(v)]
        n = len(x)
        if metric == "nps":
            s = [1.0 if v >= 9 else -1.0 if v <= 6 else 0.0 for v in x]
            mean = sum(s) / n
            est, se = 100 * mean, 100 * math.sqrt(sum((v - mean) ** 2 for v in s) / n / n)
        elif metric == "csat":
            q = sum(v >= 4 for v in x) / n
            est, se = 100 * q, 100 * math.sqrt(q * (1 - q) / n)
        else:
            mean = sum(x) / n
            est, se = mean, math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1) / n)
        rows.append((metric, n, est, est - z * se, est + z * se))
    return pd.DataFrame(rows, columns=["metric", "n", "estimate", "low", "high"]).set_index("metric")


def good_rake_weights(respondents, targets, tol=1e-6, max_iter=100):
    w = np.ones(len(respondents))
    for _ in range(10 * max_iter):
        for column, share in targets.items():
            levels = respondents[column].to_numpy()
            for level, target in share.items():
                mine = levels == level
                w[mine] *= target / (w[mine].sum() / w.sum())
    return pd.Series(w / w.mean(), index=respondents.index)


def good_followup_status(followups, as_of):
    rows = {}
    for r in followups.itertuples():
        if r.opened_at > as_of:
            continue
        day = r.opened_at.normalize()
        while day.day_of_week >= 5:
            day += pd.Timedelta(days=1)
        due = day + pd.offsets.BDay(2) + pd.Timedelta(hours=17)
        done = pd.notna(r.done_at) and r.done_at <= as_of
        status = ("on_time" if r.done_at <= due else "late") if done else ("overdue" if due < as_of else "open")
        rows[r.followup_id] = (due, status)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["due_at", "status"])


def good_predict_themes(train_texts, train_themes, texts):
    model = make_pipeline(CountVectorizer(), ComplementNB()).fit(train_texts, train_themes)
    return pd.Series(model.predict(texts), index=texts.index)


def good_escalation_z(counts, baseline_months=6):
    out = counts.astype(float) * np.nan
    for i in range(baseline_months, len(counts)):
        base, month = counts.iloc[i - baseline_months:i], counts.iloc[i]
        n = month.sum()
        for theme in counts.columns:
            p0 = base[theme].sum() / base.to_numpy().sum()
            if n > 0 and 0 < p0 < 1:
                out.iloc[i, out.columns.get_loc(theme)] = (month[theme] / n - p0) / math.sqrt(p0 * (1 - p0) / n)
    return out


def good_key_drivers(data, outcome, drivers):
    X = np.column_stack([np.ones(len(data)), data[drivers].to_numpy(dtype=float)])
    y = data[outcome].to_numpy(dtype=float)
    coef = np.linalg.solve(X.T @ X, X.T @ y)[1:]
    beta = coef * data[drivers].std().to_numpy() / data[outcome].std()
    return pd.DataFrame({"coef": coef, "beta": beta}, index=drivers)


def good_claim_test(orders, shipments, claim, confidence=0.95):
    promised = orders.set_index("order_id")["promised_delivery_date"]
    late = shipments["delivered_at"].dt.normalize().to_numpy() > promised.loc[shipments["order_id"]].to_numpy()
    mine = (shipments[claim["factor"]] == claim["level"]).to_numpy()
    a, n1, b, n2 = late[mine].sum(), mine.sum(), late[~mine].sum(), (~mine).sum()
    ratio = (a / n1) / (b / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2)
    z = stats.norm.ppf(0.5 + confidence / 2)
    low, high = ratio / math.exp(z * se), ratio * math.exp(z * se)
    c = claim["claimed_rate_ratio"]
    return {"late_rate": a / n1, "others_late_rate": b / n2, "rate_ratio": ratio, "low": low, "high": high,
            "verdict": "supported" if low > c else "refuted" if high < c else "undecided"}


RIGHT = [(checks.score_summary, good_score_summary), (checks.rake_weights, good_rake_weights),
         (checks.followup_status, good_followup_status), (checks.predict_themes, good_predict_themes),
         (checks.escalation_z, good_escalation_z), (checks.key_drivers, good_key_drivers),
         (checks.claim_test, good_claim_test)]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {"ex1_answer": checks.score_summary, "ex2_answer": checks.rake_weights,
                   "ex3_answer": checks.followup_status, "ex4_answer": checks.predict_themes,
                   "ex5_answer": checks.escalation_z, "ex6_answer": checks.key_drivers,
                   "ex7_answer": checks.claim_test}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "stats": stats, "make_pipeline": make_pipeline,
                 "TfidfVectorizer": TfidfVectorizer, "LogisticRegression": LogisticRegression}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # ex1: columns in another order, an extra column
    checks.score_summary.check(lambda a, confidence=0.95: good_score_summary(a, confidence)[
        ["high", "low", "estimate", "n"]].assign(se=1.0))
    # ex2: a named Series
    checks.rake_weights.check(lambda r, t, tol=1e-6, max_iter=100: good_rake_weights(r, t).rename("w"))
    # ex3: rows in another order, an extra column, a named index
    checks.followup_status.check(lambda f, a: good_followup_status(f, a).iloc[::-1].assign(x=1)
                                 .rename_axis("followup_id"))
    # ex4: another model, a string dtype
    checks.predict_themes.check(
        lambda tr, th, tx: pd.Series(make_pipeline(TfidfVectorizer(), LogisticRegression(C=10)).fit(tr, th)
                                     .predict(tx), index=tx.index, dtype="string"))
    # ex6: columns in another order, index unnamed
    checks.key_drivers.check(lambda d, o, x: good_key_drivers(d, o, x)[["beta", "coef"]])
    # ex7: numpy floats and an extra key
    checks.claim_test.check(lambda o, s, c, confidence=0.95: {**good_claim_test(o, s, c, confidence), "n": 140})


def test_checks_use_fresh_examples():
    def mutating(answers, confidence=0.95):
        answers["nps"] = 10
        return good_score_summary(answers, confidence)

    with pytest.raises(CheckFailed):
        checks.score_summary.check(mutating)
    checks.score_summary.check(good_score_summary)


# --- wrong types (unanswered, crashing and non-functions: tests/test_feedback_pointers.py) ----

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args, **kwargs: "done")
    assert "returned str" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.followup_status, lambda f, a: f["due_at"])
    assert "missing column" in failure(checks.score_summary, lambda a, confidence=0.95: good_score_summary(a).drop(
        columns="low"))
    assert "missing key" in failure(checks.claim_test, lambda o, s, c, confidence=0.95: {"late_rate": 0.3})


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the methods notes list for lab 07 are all in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("one proportion", "without the covariance", "7 and 8 counted as promoters", "one pass"):
        assert phrase in text, phrase


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_worked_examples_are_well_posed():
    a = checks.example_answers()
    assert set(a["nps"]) >= {6, 7, 8, 9, 10, 0} and a["csat"].isna().sum() == 1 and a["ces"].isna().sum() == 2
    f = checks.example_followups()
    days = set(f["opened_at"].dt.day_of_week)
    assert {5, 6} <= days and (f["opened_at"] == checks.FOLLOWUP_AS_OF).any()
    assert (f["opened_at"] > checks.FOLLOWUP_AS_OF).any() and (f["done_at"] > checks.FOLLOWUP_AS_OF).any()
    counts = checks.example_counts()
    assert (counts.sum(axis=1) == 0).any() and counts.sum(axis=1).nunique() > 2
    orders, shipments = checks.example_shipping()
    on_day = shipments["delivered_at"].dt.normalize() == pd.Timestamp("2025-05-12")
    assert (shipments.loc[on_day, "delivered_at"].dt.hour == 23).any()
    assert orders["promised_delivery_date"].isna().any()


def test_hand_worked_answers_match_the_references():
    for confidence, rows in checks._SCORES.items():
        got = good_score_summary(checks.example_answers(), confidence)
        for metric, values in rows.items():
            assert np.allclose(got.loc[metric].to_numpy(dtype=float), values), metric
    respondents, targets = checks.example_respondents(), checks.example_targets()
    assert np.allclose(good_rake_weights(respondents, targets), checks._RAKED, rtol=1e-8)
    assert np.allclose(good_rake_weights(respondents, {"segment": targets["segment"]}), checks._POST)
    status = good_followup_status(checks.example_followups(), checks.FOLLOWUP_AS_OF)
    assert {i: (str(d)[:16], s) for i, (d, s) in status.iterrows()} == checks._FOLLOWUP_EXPECTED
    train, themes, texts = checks.example_comments()
    assert tuple(good_predict_themes(train, themes, texts)) == checks._COMMENT_THEMES
    assert np.allclose(good_escalation_z(checks.example_counts(), 3).to_numpy(dtype=float), np.array(checks._Z),
                       rtol=1e-5, equal_nan=True)
    kd = good_key_drivers(checks.example_drivers(), "nps", checks._KD_DRIVERS)
    assert np.allclose(kd.to_numpy(), np.array(list(checks._KD.values())))
    claim = good_claim_test(*checks.example_shipping(), checks.EXAMPLE_CLAIM)
    assert all(np.isclose(claim[k], v) for k, v in checks._CLAIM.items()) and claim["verdict"] == "undecided"


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.score_summary, lambda a, confidence=0.95: good_score_summary(a, confidence).assign(
        low=lambda d: d["low"] - 1))
    for rows in checks._SCORES.values():
        for values in rows.values():
            assert not any(f"{v:.2f}" in message for v in values[1:])
    message = failure(checks.rake_weights, lambda r, t, tol=1e-6, max_iter=100: good_rake_weights(r, t) ** 2)
    assert not any(f"{v:.3f}" in message for v in checks._RAKED)
    message = failure(checks.followup_status, lambda f, a: good_followup_status(f, a).assign(status="open"))
    assert "2025-03-1" not in message
    message = failure(checks.claim_test, lambda o, s, c, confidence=0.95: {**good_claim_test(o, s, c), "low": 1.0})
    assert "1.41" not in message and "6.38" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
        ex._hints_shown = 0
        ex.hint()
        ex.hint()
        out = capsys.readouterr().out
        assert "Hint 1/" in out and "Hint 2/" in out
        ex._hints_shown = 0
