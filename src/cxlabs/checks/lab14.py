"""Visible checks and hints for Lab 14, *Watching automated decisions: drift, decay, fairness*.

Every check runs the learner's function on a small hand-made example (print it:
``example_psi()``, ``example_records()``, ``example_outcomes()``, ``example_auc()``,
``example_groups()``), compares the result with the answer worked out by hand (kept here as
literal data), and, when it is wrong, says which common mistake it looks like. No check prints
the expected values.

>>> from cxlabs.checks import lab14 as checks
>>> checks.psi.hint()               # doctest: +SKIP
>>> checks.psi.check(psi)           # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxlabs import decision_rule
from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["psi", "ks_by_month", "monthly_performance", "retraining_month", "selection_rates", "error_rates",
           "rule_tests", "example_psi", "example_records", "example_outcomes", "example_auc", "example_groups",
           "EXAMPLE_BASELINE"]

T = pd.Timestamp


def _close(got, want, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Two equally long sequences of numbers agree (NaN matches NaN)."""
    if np.size(got) != np.size(want):  # cheap first: a whole table is never a worked answer
        return False
    try:
        g = np.atleast_1d(np.asarray(pd.Series(np.atleast_1d(got)).to_numpy(dtype="float64", na_value=np.nan),
                                     dtype=float))
        w = np.atleast_1d(np.asarray(want, dtype=float))
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))


def _number(ex: Exercise, answer, what: str) -> float:
    if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray)) and np.size(answer) == 1:
        answer = np.asarray(answer).ravel()[0]
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.number)):
        raise ex.fail(f"your function should return {what}, but it returned "
                      f"{'nothing (None)' if answer is None else type(answer).__name__}.")
    return float(answer)


def _by_labels(ex: Exercise, frame: pd.DataFrame, want: list, what: str) -> pd.DataFrame:
    """The frame's rows in the order of ``want``; fail when the index labels differ."""
    def key(v):
        if isinstance(v, tuple):
            return tuple(key(x) for x in v)
        if isinstance(v, (pd.Timestamp, np.datetime64)):
            return pd.Timestamp(v).as_unit("ns")
        return v
    try:
        got = [key(v) for v in frame.index]
    except (TypeError, ValueError):
        got = list(frame.index)
    want_k = [key(v) for v in want]
    if len(set(got)) != len(got) or set(got) != set(want_k):
        raise ex.fail(f"the index should be {what}, one row each; yours has {len(frame)} rows.")
    position = {k: i for i, k in enumerate(got)}
    return frame.iloc[[position[k] for k in want_k]]


# --------------------------------------------------------------------------------------------
# Exercise 1: PSI
# --------------------------------------------------------------------------------------------

def example_psi() -> tuple[pd.Series, pd.Series]:
    """Worked example for exercise 1: a baseline of 20 values with ties, and a current sample of 17
    (one missing). Several of the baseline's deciles fall exactly on its values."""
    baseline = pd.Series([1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 8, 9, 10, 10], dtype="float64")
    current = pd.Series([2, 2, 2, 3, 5, 5, 5, 5, 6, 9, 10, 10, 10, 10, 11, 12, np.nan], dtype="float64")
    return baseline, current


_PSI = 2.9373941088963447
_PSI_LEFT = 2.2250655371098147         # bins closed on the left
_PSI_KL = 0.6182874070131975           # one direction only: Σ a·ln(a/e)
_PSI_CURRENT_EDGES = 1.216905168347021  # deciles of the current sample
_PSI_EQUAL_WIDTH = 2.8413360693530914   # ten equally wide bins


def _check_psi(ex: Exercise, func) -> None:
    baseline, current = example_psi()
    value = _number(ex, call(ex, func, baseline, current), "one number (a float)")
    if math.isnan(value) or math.isinf(value):
        raise ex.fail("the PSI is infinite or missing: a bin that is empty in one sample makes ln(a/e) infinite. "
                      "Floor every share at EPS = 0.0001 before the formula (and drop missing values).")
    if _close(value, _PSI_LEFT):
        raise ex.fail("a value equal to a decile edge went into the bin above it: the bins are closed on the right "
                      "(pd.cut's default, right=True), so a value on an edge belongs to the bin below.")
    if _close(value, _PSI_KL):
        raise ex.fail("that is the Kullback-Leibler divergence in one direction, Σ a·ln(a/e). The PSI counts both "
                      "directions: Σ (a − e)·ln(a/e).")
    if _close(value, _PSI_CURRENT_EDGES):
        raise ex.fail("the bins come from the current sample. They are fixed from the baseline's deciles, so every "
                      "month is compared on the same bins.")
    if _close(value, _PSI_EQUAL_WIDTH):
        raise ex.fail("the bins are equally wide. They are the baseline's deciles (np.quantile at 0.1, ..., 0.9), "
                      "so that each holds a tenth of the baseline.")
    if not _close(value, _PSI):
        raise ex.fail("the PSI is not right. Bins: (−∞, q1], (q1, q2], …, (q9, ∞) from the baseline's deciles, "
                      "repeated edges dropped; shares of each sample without its missing values, floored at 0.0001.")


psi = Exercise(
    "1", "population stability index", "Part 1, 'Population stability index'",
    (
        "Work in three steps: the bin edges from the baseline alone, each sample's share in each bin, then the sum.",
        "np.quantile(baseline, [0.1, 0.2, ..., 0.9]) gives the edges; np.unique drops repeated ones. "
        "pd.cut(values, np.r_[-np.inf, edges, np.inf]) then .value_counts(normalize=True, sort=False) gives shares "
        "in bin order (closed on the right, the default).",
        "np.maximum(shares, EPS) floors both share vectors; then np.sum((a - e) * np.log(a / e)). Drop missing "
        "values first (Series.dropna()).",
    ),
    _check_psi,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: KS by month
# --------------------------------------------------------------------------------------------

EXAMPLE_BASELINE = [T("2024-01-01"), T("2024-02-01")]


def example_records() -> pd.DataFrame:
    """Worked example for exercise 2: four months of one input ``x`` (two missing values);
    the baseline is the first two months (``EXAMPLE_BASELINE``)."""
    months = [T("2024-01-01"), T("2024-02-01"), T("2024-03-01"), T("2024-04-01")]
    values = [[1.0, 2, 3, 4, 5], [2.0, 3, 4, 5, 6, 6], [4.0, 5, 6, 7, 8, np.nan], [1.0, 2, 2, 3, np.nan, 9, 10]]
    rows = [(m, v) for m, xs in zip(months, values, strict=True) for v in xs]
    frame = pd.DataFrame({"month": [r[0] for r in rows], "x": [r[1] for r in rows]})
    frame["month"] = frame["month"].astype("datetime64[us]")
    return frame


_KS_MONTHS = [T("2024-03-01"), T("2024-04-01")]
_KS = [0.45454545454545453, 0.3333333333333333]
_KS_P = [0.34523809523809523, 0.648513251454428]
_KS_PREVIOUS = [0.4, 0.6666666666666666]


def _check_ks(ex: Exercise, func) -> None:
    answer = call(ex, func, example_records(), "x", list(EXAMPLE_BASELINE))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by month")
    expect_columns(ex, answer, ["ks", "p_value"])
    if len(answer) == 4:
        raise ex.fail("the baseline months have rows too: only the months outside the baseline are compared with it.")
    got = _by_labels(ex, answer, _KS_MONTHS, "the months outside the baseline")
    if got["ks"].isna().all():
        raise ex.fail("the statistics are missing (NaN): drop the missing values of the input before the test "
                      "(ks_2samp does not skip them).")
    if _close(got["ks"], _KS_PREVIOUS):
        raise ex.fail("each month is compared with the month before it. Compare every month with the pooled "
                      "baseline months.")
    if not _close(got["ks"], _KS):
        raise ex.fail("`ks` is not the two-sample KS statistic D of the month against the pooled baseline months.")
    if not _close(got["p_value"], _KS_P, rtol=1e-5):
        raise ex.fail("`p_value` is not ks_2samp's two-sided p-value (use its default method).")


ks_by_month = Exercise(
    "2", "KS test by month", "Part 1, 'Kolmogorov-Smirnov by month'",
    (
        "Pool the baseline months' values once; then loop over the other months.",
        "records['month'].isin(baseline_months) selects the baseline; scipy.stats.ks_2samp(base, month_values) "
        "returns .statistic and .pvalue. Drop missing values on both sides.",
        "Collect {month: (statistic, pvalue)} in a dict and build the DataFrame with "
        "pd.DataFrame.from_dict(rows, orient='index', columns=['ks', 'p_value']).",
    ),
    _check_ks,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: AUC and Brier by month
# --------------------------------------------------------------------------------------------

def example_outcomes() -> pd.DataFrame:
    """Worked example for exercise 3: scores and outcomes in three months; two scores tie across
    outcomes in each of the first two months, and no outcome is known yet in the third."""
    m1, m2, m3 = T("2025-01-01"), T("2025-02-01"), T("2025-03-01")
    rows = [(m1, 0.95, False), (m1, 0.90, False), (m1, 0.80, True), (m1, 0.80, False), (m1, 0.60, True),
            (m1, 0.70, False), (m2, 0.90, True), (m2, 0.85, False), (m2, 0.85, True), (m2, 0.50, False),
            (m2, 0.40, None), (m3, 0.90, None), (m3, 0.30, None)]
    frame = pd.DataFrame({"month": [r[0] for r in rows], "score": [r[1] for r in rows],
                          "delinquent_3m": pd.array([r[2] for r in rows], dtype="boolean")})
    frame["month"] = frame["month"].astype("datetime64[us]")
    return frame


_PERF_MONTHS = [T("2025-01-01"), T("2025-02-01")]
_PERF = {"applications": [6, 4], "auc": [0.8125, 0.125], "brier": [0.19041666666666668, 0.45125]}
_BRIER_DELINQUENT = [0.5070833333333333, 0.25125]


def _check_performance(ex: Exercise, func) -> None:
    answer = call(ex, func, example_outcomes())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by month")
    expect_columns(ex, answer, ["applications", "auc", "brier"])
    if len(answer) == 3:
        raise ex.fail("the month whose outcomes are not known yet has a row: leave out records with a missing "
                      "delinquent_3m first (they are not known, not repaid).")
    got = _by_labels(ex, answer, _PERF_MONTHS, "the months with a known outcome")
    if _close(got["applications"], [6, 5]) or _close(got["auc"], [0.8125, 1 / 12]):
        raise ex.fail("a missing outcome was counted as repaid: it is not known yet. Leave those records out.")
    if not _close(got["applications"], _PERF["applications"]):
        raise ex.fail("`applications` is not the number of records with a known outcome in the month.")
    if _close(got["auc"], [1 - a for a in _PERF["auc"]]):
        raise ex.fail("the AUC is upside down: the score is the probability of repaying, so the AUC is the chance "
                      "that a customer who repaid scores higher than one who fell behind (positive class: repaid).")
    if not _close(got["auc"], _PERF["auc"]):
        raise ex.fail("`auc` is not right; a tie between a repaid and a delinquent score counts one half "
                      "(the Mann-Whitney U statistic and sklearn.metrics.roc_auc_score both do this).")
    if _close(got["brier"], _BRIER_DELINQUENT):
        raise ex.fail("the Brier score compares the score with delinquency; the score forecasts repaying, so "
                      "compare it with repaid = 1, delinquent = 0.")
    if not _close(got["brier"], _PERF["brier"]):
        raise ex.fail("`brier` is not the mean of (score − repaid)², repaid being 1 or 0.")


monthly_performance = Exercise(
    "3", "AUC and Brier score by month", "Part 2, 'Performance by month'",
    (
        "Keep the records whose outcome is known, then group by month.",
        "repaid = ~known['delinquent_3m'].astype(bool). The AUC is scipy.stats.mannwhitneyu(repaid scores, "
        "delinquent scores).statistic divided by the number of (repaid, delinquent) pairs (or "
        "sklearn.metrics.roc_auc_score(repaid, score)); ((score - repaid) ** 2).mean() is the Brier score.",
        "Loop over known.groupby('month') and collect (len(g), auc, brier) per month in a dict.",
    ),
    _check_performance,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: the retraining trigger
# --------------------------------------------------------------------------------------------

def example_auc() -> pd.Series:
    """Worked example for exercise 4: ten months of AUC; the first four are the baseline (mean 0.80)."""
    idx = pd.date_range("2024-01-01", periods=10, freq="MS", unit="us")
    return pd.Series([0.80, 0.81, 0.79, 0.80, 0.72, 0.78, 0.73, 0.70, 0.71, 0.80], index=idx, name="auc")


_AUC_BASE = list(pd.date_range("2024-01-01", periods=4, freq="MS"))
#: consecutive -> the month that completes the first run (three first: it tells the mistakes apart).
_TRIGGER = {3: T("2024-09-01"), 2: T("2024-08-01")}


def _check_trigger(ex: Exercise, func) -> None:
    auc = example_auc()
    for consecutive, want in _TRIGGER.items():
        answer = call(ex, func, auc.sample(frac=1, random_state=2), list(_AUC_BASE), 0.05, consecutive)
        if answer is None:
            raise ex.fail(f"it returned None with consecutive = {consecutive}, but a run of months below the "
                          "baseline minus delta does complete.")
        try:
            got = T(answer)
        except (TypeError, ValueError):
            raise ex.fail(f"it should return a month (a Timestamp) or None; it returned {type(answer).__name__}.") from None
        if got == T("2024-05-01"):
            raise ex.fail("that is the first month below the threshold; the trigger needs `consecutive` months in a "
                          "row below it, and fires in the last of them.")
        if consecutive == 3 and got == T("2024-08-01"):
            raise ex.fail("that month completes three breaches in all, not three in a row: a month at or above the "
                          "threshold resets the count.")
        if consecutive == 3 and got == T("2024-07-01"):
            raise ex.fail("that is the first month of the run; the trigger fires in the month that completes it.")
        if got != want:
            raise ex.fail(f"with consecutive = {consecutive} it is not the month that completes the first run of "
                          "months below (baseline mean − delta). Sort the months first; baseline months do not count.")
    never = auc.copy()
    never.iloc[6:9] = [0.78, 0.70, 0.79]
    answer = call(ex, func, never, list(_AUC_BASE), 0.05, 2)
    if answer is not None and not (isinstance(answer, float) and math.isnan(answer)):
        raise ex.fail("when no run of months completes, the function should return None.")


retraining_month = Exercise(
    "4", "retraining trigger", "Part 2, 'When to retrain'",
    (
        "The threshold is the mean AUC of the baseline months minus delta; then walk through the later months "
        "in date order.",
        "auc.sort_index() first. Keep a counter: add one for a month below the threshold, reset it to 0 "
        "otherwise; the first month where it reaches `consecutive` is the answer.",
        "Return the index label (a Timestamp) of that month, or None after the loop.",
    ),
    _check_trigger,
)

# --------------------------------------------------------------------------------------------
# Exercises 5 and 6: selection and error rates by group
# --------------------------------------------------------------------------------------------

def example_groups() -> pd.DataFrame:
    """Worked example for exercises 5 and 6: decisions and outcomes in two regions over three
    months; a referral is not an approval, and the last month's outcomes are not known yet."""
    m1, m2, m3 = T("2025-05-01"), T("2025-06-01"), T("2025-10-01")
    rows = [(m1, "EU", "approve", False), (m1, "EU", "approve", True), (m1, "EU", "refer", False),
            (m1, "EU", "decline", True), (m1, "EU", "decline", False), (m1, "EU", "approve", False),
            (m1, "US", "approve", False), (m1, "US", "refer", False), (m1, "US", "approve", False),
            (m1, "US", "decline", True), (m1, "US", "approve", True), (m1, "US", "refer", True),
            (m2, "EU", "decline", False), (m2, "EU", "refer", False), (m2, "EU", "approve", True),
            (m2, "EU", "decline", True), (m2, "US", "approve", False), (m2, "US", "approve", False),
            (m2, "US", "refer", True), (m2, "US", "decline", False), (m2, "US", "approve", None),
            (m3, "EU", "approve", None), (m3, "US", "decline", None)]
    frame = pd.DataFrame({"month": [r[0] for r in rows], "region": [r[1] for r in rows],
                          "decision": [r[2] for r in rows],
                          "delinquent_3m": pd.array([r[3] for r in rows], dtype="boolean")})
    frame["month"] = frame["month"].astype("datetime64[us]")
    return frame


_SEL_KEYS = [(T("2025-05-01"), "EU"), (T("2025-05-01"), "US"), (T("2025-06-01"), "EU"), (T("2025-06-01"), "US"),
             (T("2025-10-01"), "EU"), (T("2025-10-01"), "US")]
_SEL = {"applications": [6, 6, 4, 5, 1, 1], "selection_rate": [0.5, 0.5, 0.25, 0.6, 1.0, 0.0],
        "impact_ratio": [1.0, 1.0, 0.4166666666666667, 1.0, 1.0, 0.0]}
_SEL_REFER = [0.6666666666666666, 0.8333333333333334, 0.5, 0.8, 1.0, 0.0]
_RATIO_OVERALL = [1.0, 1.0, 0.5625, 1.35, 2.0, 0.0]


def _check_selection(ex: Exercise, func) -> None:
    answer = call(ex, func, example_groups(), "region")
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (month, group)")
    expect_columns(ex, answer, ["applications", "selection_rate", "impact_ratio"])
    got = _by_labels(ex, answer, _SEL_KEYS, "(month, group) pairs")
    if not _close(got["applications"], _SEL["applications"]):
        raise ex.fail("`applications` is not the number of records of the group in the month (all of them, "
                      "whatever the outcome).")
    if _close(got["selection_rate"], _SEL_REFER):
        raise ex.fail("referrals were counted as selected: only 'approve' is a selection (a referral waits for a "
                      "person and may still be declined).")
    if not _close(got["selection_rate"], _SEL["selection_rate"]):
        raise ex.fail("`selection_rate` is not the share of the group's applications approved in the month.")
    if _close(got["impact_ratio"], _RATIO_OVERALL):
        raise ex.fail("the impact ratio divides by the month's overall rate; the four-fifths rule divides by the "
                      "rate of the group with the highest rate that month.")
    r = pd.to_numeric(got["impact_ratio"], errors="coerce")
    if (r > 1 + 1e-9).any():
        raise ex.fail("some impact ratios are above 1: it looks like you divided by the lowest rate. Divide each "
                      "group's rate by the highest group's rate in the month.")
    if not _close(got["impact_ratio"], _SEL["impact_ratio"]):
        raise ex.fail("`impact_ratio` is not the group's selection rate over the highest group's in the same month.")


selection_rates = Exercise(
    "5", "selection rates and the four-fifths ratio", "Part 3, 'Selection rates'",
    (
        "A selection is an approval. Group by month and the group column together.",
        "approved = records['decision'].eq('approve'); approved.groupby([records['month'], records[by]]) gives "
        "size() and mean().",
        "For the impact ratio, .groupby(level=0)['selection_rate'].transform('max') puts the month's highest rate "
        "on every row.",
    ),
    _check_selection,
)

_ERR_KEYS = _SEL_KEYS[:4]
_ERR = {"false_decline_rate": [0.5, 1 / 3, 1.0, 1 / 3], "false_approval_rate": [0.5, 1 / 3, 0.5, 0.0]}
_ERR_BY_DECISION = {"false_decline_rate": [2 / 3, 1 / 3, 2 / 3, 0.5], "false_approval_rate": [1 / 3, 1 / 3, 1.0, 0.0]}
_ERR_REFER = {"false_decline_rate": [0.25, 0.0, 0.5, 1 / 3], "false_approval_rate": [0.5, 2 / 3, 0.5, 1.0]}


def _check_errors(ex: Exercise, func) -> None:
    answer = call(ex, func, example_groups(), "region")
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (month, group)")
    expect_columns(ex, answer, ["false_decline_rate", "false_approval_rate"])
    if len(answer) == 6:
        raise ex.fail("the month whose outcomes are not known yet has rows: a missing delinquent_3m is not known, "
                      "not repaid. Use only records with a known outcome.")
    got = _by_labels(ex, answer, _ERR_KEYS, "(month, group) pairs with a known outcome")
    cols = ["false_decline_rate", "false_approval_rate"]
    if all(_close(got[c], _ERR_BY_DECISION[c]) for c in cols):
        raise ex.fail("the rates are conditioned on the decision (the share of declined customers who repaid). "
                      "Error rates are conditioned on the outcome: among customers who repaid, the share not "
                      "approved; among those who fell behind, the share approved.")
    if all(_close(got[c], _ERR_REFER[c]) for c in cols):
        raise ex.fail("referrals were counted as approvals; only 'approve' is an approval.")
    for c in cols:
        if not _close(got[c], _ERR[c]):
            raise ex.fail(f"`{c}` is not right: false declines are the repaid customers not approved, over the repaid "
                          "customers; false approvals the delinquent customers approved, over the delinquent ones.")


error_rates = Exercise(
    "6", "error rates by group", "Part 3, 'Error rates'",
    (
        "First keep the records with a known outcome; each rate has its own denominator, set by the outcome.",
        "repaid customers: ~delinquent; the false-decline rate is the mean of (decision != 'approve') over them, "
        "by month and group. The false-approval rate is the mean of (decision == 'approve') over the delinquent.",
        "Two group-bys on two subsets give two Series with the same kind of (month, group) index; "
        "pd.DataFrame({...}) lines them up.",
    ),
    _check_errors,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: the rule's test table
# --------------------------------------------------------------------------------------------

RULE_COLUMNS = ["score", "basket_usd", "missed_payments_12m", "in_collections", "bureau_age_days", "expected"]


def _production(score, basket, missed, collections, age):
    """The production system's four known defects (they are in the data: Part 4 shows them)."""
    missed = 0 if missed is None else missed
    if basket > decision_rule.MAX_BASKET_USD or collections or missed >= decision_rule.MAX_MISSED:
        return "decline"
    if score > decision_rule.APPROVE_AT:
        return "approve"
    return "refer" if score >= decision_rule.REFER_AT else "decline"


def _table_rows(ex: Exercise, table) -> list[tuple]:
    expect_type(ex, table, pd.DataFrame, "a DataFrame of test cases, one per row")
    expect_columns(ex, table, RULE_COLUMNS)
    if len(table) == 0:
        raise ex.fail("the table has no rows.")
    rows = []
    for i, r in enumerate(table[RULE_COLUMNS].itertuples(index=False), start=1):
        score, basket, missed, coll, age, expected = r
        missed = None if (missed is None or missed is pd.NA or (isinstance(missed, float) and math.isnan(missed))) \
            else missed
        if expected not in decision_rule.DECISIONS:
            raise ex.fail(f"row {i}: `expected` should be one of {list(decision_rule.DECISIONS)}.")
        try:
            policy = decision_rule.decide(float(score), float(basket), None if missed is None else int(missed),
                                          bool(coll), int(age))
        except (TypeError, ValueError):
            raise ex.fail(f"row {i}: the inputs should be numbers (missed_payments_12m may be missing) and "
                          "in_collections True or False.") from None
        if policy != expected:
            raise ex.fail(f"row {i} expects a decision the policy does not give: read the clauses in order; the "
                          "first that applies decides.")
        rows.append((float(score), float(basket), None if missed is None else int(missed), bool(coll), int(age),
                     expected))
    return rows


def _check_rule_tests(ex: Exercise, func) -> None:
    rows = _table_rows(ex, call(ex, func))
    if all(_production(*r[:5]) == r[5] for r in rows):
        raise ex.fail("your table does not catch the production system's known defects: every row gets the same "
                      "decision from it as from the policy. Add rows at the edges: missing and stale bureau data, a "
                      "collections flag with no missed payment, a score exactly at a threshold.")
    return ("Your table agrees with the policy and catches the production system. The graded test runs it "
            "against more faulty versions of the rule, one per clause edge.")


rule_tests = Exercise(
    "7", "a test table for the decision rule", "Part 4, 'Testing the rule'",
    (
        "Go through the policy's clauses in order; for each, write the rows just inside and just outside its edge.",
        "An edge means the exact limit and its neighbour: a basket of exactly 2,500 and one cent above; bureau data "
        "exactly 90 days old and 91; a score of exactly 0.85 and just below; exactly 3 missed payments and 2. "
        "Missing and conflicting inputs are edges too.",
        "Keep every other input harmless in each row (a good score, a small basket, fresh data), so the row tests "
        "one clause only; check each expected value with decide(...).",
    ),
    _check_rule_tests,
)
