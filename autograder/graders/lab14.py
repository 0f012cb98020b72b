"""Graded references for Lab 14, *Watching automated decisions: drift, decay, fairness*
(instructor-only).

Each exercise's cases run the learner's function on the tables of each world (rows shuffled, as
exports come) and on hand-made records at the edges of every rule: values equal to a decile edge,
baselines with repeated values, empty bins, missing values, months with no outcome yet, AUC runs
broken by one good month, ties in scores, groups with nobody selected. The references are computed
here by other routes than the solution notebook (binning with ``searchsorted`` instead of
``pd.cut``, AUC from ranks instead of scikit-learn, the KS distance from the two empirical
distribution functions, crosstabs instead of group-bys).

Exercise 7 is graded by mutation testing: the learner's table of inputs and expected decisions must
agree with the credit policy's rule on every row, and each faulty version of the rule below
(``MUTANTS``) must disagree with at least one row.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_number, expect_type
from scipy import stats

# =================================================================================================
# The lab's constants (as in the notebook)
# =================================================================================================

EPS = 1e-4                      # the floor on a bin's share in the PSI
PSI_MODERATE, PSI_MAJOR = 0.10, 0.25
BASELINE = list(pd.date_range("2024-01-01", "2024-12-01", freq="MS"))
DELTA, CONSECUTIVE = 0.05, 2
FOUR_FIFTHS = 0.8
T = pd.Timestamp
DECISIONS = ("approve", "refer", "decline")
RULE_COLUMNS = ["score", "basket_usd", "missed_payments_12m", "in_collections", "bureau_age_days", "expected"]
MAX_TEST_ROWS = 500


def _facts(world) -> dict:
    f = pd.read_parquet(world.folder / "planted_facts.parquet")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def _records(world) -> pd.DataFrame:
    return world.load("credit_decisions")


# =================================================================================================
# Exercise 1: PSI
# =================================================================================================

def psi_ref(baseline, current) -> float:
    """Deciles of the baseline (duplicates dropped), bins closed on the right, shares floored."""
    b = np.asarray(pd.Series(baseline).astype("float64").dropna(), dtype=float)
    c = np.asarray(pd.Series(current).astype("float64").dropna(), dtype=float)
    edges = np.unique(np.quantile(b, [k / 10 for k in range(1, 10)]))
    nb = len(edges) + 1
    e = np.bincount(np.searchsorted(edges, b, side="left"), minlength=nb) / len(b)
    a = np.bincount(np.searchsorted(edges, c, side="left"), minlength=nb) / len(c)
    e, a = np.maximum(e, EPS), np.maximum(a, EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_from_shares(expected, actual) -> float:
    """PSI of two share vectors (the methods file's test vector)."""
    e, a = np.maximum(np.asarray(expected, float), EPS), np.maximum(np.asarray(actual, float), EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def _check_psi(ref: float):
    def check(answer):
        if isinstance(answer, (int, float, np.number)) and not isinstance(answer, bool) and math.isinf(float(answer)):
            raise Fail("the PSI is infinite: an empty bin's share must be floored at 0.0001 before the log")
        expect_number(answer, ref, "the PSI", rtol=1e-6, atol=1e-9)
    return check


def _psi_world(world):
    d = _records(world)
    base = d[d["month"].isin(BASELINE)]
    cases = []
    for feature, month in (("engagement_score", "2025-03-01"), ("engagement_score", "2025-05-01"),
                           ("engagement_score", "2025-07-01"), ("basket_usd", "2025-06-01"),
                           ("missed_payments_12m", "2025-08-01"), ("tenure_months", "2025-12-01")):
        b = base[feature].sample(frac=1, random_state=3).reset_index(drop=True)
        c = d.loc[d["month"] == T(month), feature].reset_index(drop=True)
        cases.append(Case(f"{feature}: the 2024 records against {month[:7]}", (b, c), _check_psi(psi_ref(b, c))))
    return cases


def _psi_fixed():
    uniform = pd.Series(np.arange(100, dtype=float))
    # 1. Values exactly on the decile edges of a baseline 0..99 (edges 9.9, 19.8, ...): none here,
    #    so use a baseline 1..10 whose deciles are 1.9, 2.8, ...; and integers with ties.
    ties = pd.Series([1.0] * 30 + [2.0] * 30 + [3.0] * 20 + [4.0] * 20)
    on_edge = pd.Series([1.0] * 10 + [2.0] * 50 + [3.0] * 40)
    empty_bins = pd.Series(np.r_[np.full(50, 5.0), np.full(50, 95.0)])
    with_missing = pd.Series(np.r_[np.arange(0, 100, 2, dtype=float), [np.nan] * 7])
    same = uniform.sample(frac=1, random_state=5).reset_index(drop=True)
    shifted = pd.Series(np.arange(100, dtype=float) + 15)
    return [
        Case("a baseline with many repeated values (duplicate decile edges) and a current sample of the same values",
             (ties, on_edge), _check_psi(psi_ref(ties, on_edge))),
        Case("a current sample that leaves most bins empty", (uniform, empty_bins), _check_psi(psi_ref(uniform, empty_bins))),
        Case("a current sample with missing values", (uniform, with_missing), _check_psi(psi_ref(uniform, with_missing))),
        Case("the baseline itself, shuffled", (uniform, same), _check_psi(psi_ref(uniform, same))),
        Case("a shifted sample (integer-valued floats)", (uniform, shifted), _check_psi(psi_ref(uniform, shifted))),
        Case("integers in an integer dtype with missing values (Int64)",
             (ties.astype("Int64"), pd.Series([1, 2, None, 4, 4, 3], dtype="Int64")),
             _check_psi(psi_ref(ties, pd.Series([1, 2, np.nan, 4, 4, 3])))),
    ]


# =================================================================================================
# Exercise 2: KS by month
# =================================================================================================

def ks_ref(records: pd.DataFrame, feature: str, baseline_months) -> pd.DataFrame:
    base_months = {T(m) for m in baseline_months}
    is_base = records["month"].isin(list(base_months))
    b = np.sort(records.loc[is_base, feature].astype("float64").dropna().to_numpy())
    rows = {}
    for month, values in records.loc[~is_base, feature].astype("float64").groupby(records.loc[~is_base, "month"]):
        c = np.sort(values.dropna().to_numpy())
        grid = np.r_[b, c]
        d = np.max(np.abs(np.searchsorted(b, grid, side="right") / len(b) - np.searchsorted(c, grid, side="right") / len(c)))
        rows[T(month)] = (float(d), float(stats.ks_2samp(b, c).pvalue))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["ks", "p_value"])
    out.index.name = "month"
    return out


def _check_ks(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by month")
        if len(frame) > len(ref):
            raise Fail("it has a row for baseline months too: only the months outside the baseline get a row")
        expect_frame(frame, ref, columns=["ks"], index_name="the months", rtol=1e-6, atol=1e-9)
        expect_frame(frame, ref, columns=["p_value"], index_name="the months", rtol=1e-5, atol=1e-12)
    return check


def _ks_world(world):
    d = _records(world)
    cols = ["application_id", "month", "engagement_score", "basket_usd", "missed_payments_12m"]
    shuffled = _shuffled(d[cols], 21)
    second_half = list(pd.date_range("2024-07-01", "2024-12-01", freq="MS"))
    return [
        Case("engagement_score, the 2024 baseline (rows shuffled)", (shuffled, "engagement_score", list(BASELINE)),
             _check_ks(ks_ref(shuffled, "engagement_score", BASELINE))),
        Case("missed_payments_12m (has missing values), baseline 2024-07 to 2024-12 given in reverse order",
             (shuffled, "missed_payments_12m", second_half[::-1]),
             _check_ks(ks_ref(shuffled, "missed_payments_12m", second_half))),
    ]


def _ks_fixed():
    months = [T("2024-01-01"), T("2024-02-01"), T("2024-03-01")]
    recs = pd.DataFrame({
        "month": [months[0]] * 6 + [months[1]] * 5 + [months[2]] * 5,
        "x": [1.0, 2, 3, 4, 5, 6, 1, 2, 3, np.nan, 3, 7, 8, 9, 10, 11],
    })
    return [
        Case("three months of hand-made records, baseline the first (a missing value, ties with the baseline)",
             (recs, "x", [months[0]]), _check_ks(ks_ref(recs, "x", [months[0]]))),
        Case("the same records, baseline the first two months", (recs.iloc[::-1].reset_index(drop=True), "x", months[:2]),
             _check_ks(ks_ref(recs, "x", months[:2]))),
    ]


# =================================================================================================
# Exercise 3: performance by month
# =================================================================================================

def performance_ref(records: pd.DataFrame) -> pd.DataFrame:
    known = records[records["delinquent_3m"].notna()]
    rows = {}
    for month, g in known.groupby("month"):
        repaid = (~g["delinquent_3m"].astype(bool)).to_numpy()
        s = g["score"].to_numpy(dtype=float)
        ranks = stats.rankdata(s)
        n1, n0 = repaid.sum(), (~repaid).sum()
        auc = (ranks[repaid].sum() - n1 * (n1 + 1) / 2) / (n1 * n0) if n1 and n0 else np.nan
        rows[T(month)] = (len(g), auc, float(np.mean((s - repaid) ** 2)))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["applications", "auc", "brier"])
    out.index.name = "month"
    return out


def _check_performance(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by month")
        if isinstance(frame, pd.DataFrame) and len(frame) > len(ref):
            raise Fail("it has rows for months whose outcome is not known yet: leave out records with a missing "
                       "delinquent_3m, and months with none left")
        expect_frame(frame, ref, columns=["applications"], index_name="the months")
        if "auc" in frame.columns:
            flipped = pd.Series(1 - pd.to_numeric(frame["auc"], errors="coerce").to_numpy(dtype=float), index=frame.index)
            try:
                expect_frame(flipped.to_frame("auc"), ref, columns=["auc"], index_name="the months")
            except Fail:
                pass
            else:
                raise Fail("the AUC is upside down: it is the probability that a customer who repaid has a higher "
                           "score than one who fell behind (the score is the probability of repaying)")
        expect_frame(frame, ref, columns=["auc", "brier"], index_name="the months")
    return check


def _performance_world(world):
    d = _records(world)
    shuffled = _shuffled(d[["application_id", "month", "score", "decision", "delinquent_3m"]], 31)
    return [Case("the credit_decisions table (rows shuffled)", (shuffled,), _check_performance(performance_ref(shuffled)))]


def _performance_fixed():
    m1, m2, m3 = T("2025-01-01"), T("2025-02-01"), T("2025-03-01")
    recs = pd.DataFrame({
        "month": [m1] * 6 + [m2] * 5 + [m3] * 3,
        "score": [0.9, 0.8, 0.8, 0.6, 0.95, 0.3, 0.7, 0.7, 0.7, 0.2, 0.9, 0.9, 0.5, 0.4],
        "delinquent_3m": pd.array([False, True, False, True, False, True, False, True, False, True, pd.NA,
                                   pd.NA, pd.NA, pd.NA], dtype="boolean"),
    })
    return [Case("hand-made records: tied scores across outcomes, a month with no outcome yet, a missing outcome",
                 (recs,), _check_performance(performance_ref(recs)))]


# =================================================================================================
# Exercise 4: the retraining trigger
# =================================================================================================

def trigger_ref(auc: pd.Series, baseline_months, delta: float, consecutive: int):
    s = pd.Series(auc).astype(float).sort_index()
    is_base = s.index.isin([T(m) for m in baseline_months])
    level = s[is_base].mean()
    after = s[~is_base]
    breach = (after < level - delta).astype(int).to_numpy()
    for i in range(len(breach)):
        if i + 1 >= consecutive and breach[i + 1 - consecutive:i + 1].sum() == consecutive:
            return T(after.index[i])
    return None


def _check_trigger(ref):
    def check(answer):
        if ref is None:
            if answer is not None and not (isinstance(answer, float) and math.isnan(answer)) and answer is not pd.NaT:
                raise Fail("no run of months meets the rule here, so the answer should be None")
            return
        if answer is None:
            raise Fail("it returned None, but a run of months meets the rule")
        try:
            got = T(answer)
        except (TypeError, ValueError):
            raise Fail("it should return the month as a Timestamp (or None)") from None
        if got != ref:
            raise Fail("it is not the month that completes the first run of consecutive months below the "
                       "baseline minus delta")
    return check


def _months(start, n):
    return pd.date_range(start, periods=n, freq="MS")


def _trigger_world(world):
    perf = performance_ref(_records(world))
    auc = perf["auc"].sample(frac=1, random_state=41)
    return [
        Case("the monthly AUC of the credit model (months shuffled), 2024 baseline, delta 0.05, 2 months",
             (auc, list(BASELINE), DELTA, CONSECUTIVE), _check_trigger(trigger_ref(auc, BASELINE, DELTA, CONSECUTIVE))),
        Case("the same, 3 months in a row", (auc, list(BASELINE), DELTA, 3),
             _check_trigger(trigger_ref(auc, BASELINE, DELTA, 3))),
    ]


def _trigger_fixed():
    idx = _months("2024-01-01", 10)
    base = list(idx[:4])
    # baseline mean 0.80; threshold 0.75
    broken = pd.Series([0.80, 0.81, 0.79, 0.80, 0.70, 0.78, 0.70, 0.72, 0.71, 0.80], index=idx)
    never = pd.Series([0.80, 0.81, 0.79, 0.80, 0.70, 0.78, 0.74, 0.76, 0.70, 0.80], index=idx)
    one = pd.Series([0.80, 0.81, 0.79, 0.80, 0.78, 0.77, 0.71, 0.70, 0.69, 0.80], index=idx)
    low_base = pd.Series([0.70, 0.80, 0.60, 0.62, 0.75, 0.70, 0.62, 0.69, 0.60, 0.58], index=idx)
    return [
        Case("a run broken by one good month, then three months below", (broken, base, 0.05, 2),
             _check_trigger(trigger_ref(broken, base, 0.05, 2))),
        Case("two breaches that are never consecutive", (never, base, 0.05, 2), _check_trigger(None)),
        Case("consecutive = 1 (the first breach triggers)", (one, base, 0.05, 1), _check_trigger(trigger_ref(one, base, 0.05, 1))),
        Case("a run of three below the threshold, consecutive = 3", (one, base, 0.05, 3),
             _check_trigger(trigger_ref(one, base, 0.05, 3))),
        Case("a baseline whose own months fall below its mean minus delta (they do not count)",
             (low_base, base, 0.05, 2), _check_trigger(trigger_ref(low_base, base, 0.05, 2))),
        Case("months given in reverse order", (broken.iloc[::-1], base, 0.05, 2),
             _check_trigger(trigger_ref(broken, base, 0.05, 2))),
    ]


# =================================================================================================
# Exercises 5 and 6: selection rates and error rates by group and month
# =================================================================================================

def selection_ref(records: pd.DataFrame, by: str) -> pd.DataFrame:
    approved = pd.crosstab([records["month"], records[by]], records["decision"] == "approve")
    yes = approved[True] if True in approved.columns else 0
    n = approved.sum(axis=1)
    out = pd.DataFrame({"applications": n, "selection_rate": yes / n})
    best = out["selection_rate"].groupby(level=0).max()
    out["impact_ratio"] = out["selection_rate"] / best.reindex(out.index.get_level_values(0)).to_numpy()
    return out


def _check_selection(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by (month, group)")
        expect_frame(frame, ref, columns=["applications"], index_name="the (month, group) pairs")
        expect_frame(frame, ref, columns=["selection_rate"], index_name="the (month, group) pairs")
        if "impact_ratio" in frame.columns:
            r = pd.to_numeric(frame["impact_ratio"], errors="coerce")
            if (r > 1 + 1e-9).any():
                raise Fail("some impact ratios are above 1: divide by the highest group's selection rate in the month")
        expect_frame(frame, ref, columns=["impact_ratio"], index_name="the (month, group) pairs")
    return check


def error_ref(records: pd.DataFrame, by: str) -> pd.DataFrame:
    known = records[records["delinquent_3m"].notna()]
    bad = known["delinquent_3m"].astype(bool)
    approved = known["decision"] == "approve"
    keys = [known["month"], known[by]]
    good_n = pd.crosstab(keys, ~bad)
    declined_good = pd.crosstab(keys, (~bad) & ~approved)
    approved_bad = pd.crosstab(keys, bad & approved)

    def col(t, k):
        return t[k] if k in t.columns else pd.Series(0, index=t.index)

    n_good, n_bad = col(good_n, True), col(good_n, False)
    out = pd.DataFrame({
        "false_decline_rate": (col(declined_good, True) / n_good.where(n_good > 0)),
        "false_approval_rate": (col(approved_bad, True) / n_bad.where(n_bad > 0)),
    })
    return out


def _check_errors(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by (month, group)")
        if len(frame) > len(ref):
            raise Fail("it has rows for months whose outcome is not known yet: use only records with a known "
                       "delinquent_3m")
        expect_frame(frame, ref, columns=["false_decline_rate", "false_approval_rate"],
                     index_name="the (month, group) pairs")
    return check


def _selection_world(world):
    d = _shuffled(_records(world)[["application_id", "month", "segment", "region", "decision", "delinquent_3m"]], 51)
    return [Case(f"the credit_decisions table by {by} (rows shuffled)", (d, by), _check_selection(selection_ref(d, by)))
            for by in ("region", "segment")]


def _group_records():
    m1, m2 = T("2025-05-01"), T("2025-06-01")
    rows = [  # month, region, decision, delinquent
        (m1, "EU", "approve", False), (m1, "EU", "refer", False), (m1, "EU", "decline", True),
        (m1, "EU", "approve", True), (m1, "UK", "approve", False), (m1, "UK", "approve", False),
        (m1, "UK", "decline", False), (m1, "UK", "refer", True), (m1, "US", "decline", False),
        (m1, "US", "refer", True),
        (m2, "EU", "decline", False), (m2, "EU", "refer", None), (m2, "UK", "approve", False),
        (m2, "UK", "approve", None), (m2, "US", "decline", True), (m2, "US", "approve", False),
        (T("2025-10-01"), "EU", "approve", None), (T("2025-10-01"), "UK", "refer", None),
    ]
    return pd.DataFrame({"month": [r[0] for r in rows], "region": [r[1] for r in rows],
                         "decision": [r[2] for r in rows],
                         "delinquent_3m": pd.array([r[3] for r in rows], dtype="boolean")})


def _selection_fixed():
    recs = _group_records()
    return [Case("hand-made records: refer is not approve, a group with nobody approved, a month with one group "
                 "approved twice as often", (recs, "region"), _check_selection(selection_ref(recs, "region")))]


def _errors_world(world):
    d = _shuffled(_records(world)[["application_id", "month", "segment", "region", "decision", "delinquent_3m"]], 61)
    return [Case(f"the credit_decisions table by {by} (rows shuffled)", (d, by), _check_errors(error_ref(d, by)))
            for by in ("region", "segment")]


def _errors_fixed():
    recs = _group_records()
    return [Case("hand-made records: refer counts as not approved, outcomes unknown, a group with no delinquent "
                 "customer (its false-approval rate is missing)", (recs, "region"), _check_errors(error_ref(recs, "region")))]


# =================================================================================================
# Exercise 7: the decision rule's test table, graded by mutation testing
# =================================================================================================

def rule(score, basket, missed, collections, age, *, basket_limit=">", missing="refer", stale=">",
         stale_check=True, conflict_first=True, conflict="refer", missed_limit=">=", approve=">=",
         refer=">=", approve_at=0.85, refer_at=0.75) -> str:
    """The credit policy's rule; keyword arguments make its faulty versions."""
    def cmp(op, a, b):
        return a > b if op == ">" else a >= b

    if cmp(basket_limit, basket, 2500.0):
        return "decline"
    if missed is None:
        if missing == "zero":
            missed = 0
        else:
            return missing
    if stale_check and cmp(stale, age, 90):
        return "refer"
    if conflict_first and collections and missed == 0:
        return conflict
    if collections:
        return "decline"
    if cmp(missed_limit, missed, 3):
        return "decline"
    if cmp(approve, score, approve_at):
        return "approve"
    if cmp(refer, score, refer_at):
        return "refer"
    return "decline"


#: The faulty versions of the rule: (what clause it breaks, in plain words for the learner; the fault).
MUTANTS = [
    ("the basket limit", dict(basket_limit=">=")),
    ("missing bureau counts", dict(missing="zero")),
    ("missing bureau counts", dict(missing="decline")),
    ("stale bureau data", dict(stale_check=False)),
    ("stale bureau data", dict(stale=">=")),
    ("the conflicting collections flag", dict(conflict_first=False)),
    ("the conflicting collections flag", dict(conflict="decline")),
    ("the missed-payments limit", dict(missed_limit=">")),
    ("the approval threshold", dict(approve=">")),
    ("the approval threshold", dict(approve_at=0.80)),
    ("the referral band", dict(refer=">")),
    ("the referral band", dict(refer_at=0.70)),
]


def _rows(answer) -> list[tuple]:
    frame = expect_type(answer, pd.DataFrame, "a DataFrame of test cases, one row each")
    missing = [c for c in RULE_COLUMNS if c not in frame.columns]
    if missing:
        raise Fail(f"the table is missing column(s) {missing}")
    if len(frame) == 0:
        raise Fail("the table has no rows")
    if len(frame) > MAX_TEST_ROWS:
        raise Fail(f"the table has more than {MAX_TEST_ROWS} rows: a test table should be short and deliberate")
    rows = []
    for i, r in enumerate(frame[RULE_COLUMNS].itertuples(index=False), start=1):
        score, basket, missed, coll, age, expected = r
        try:
            score, basket, age = float(score), float(basket), int(age)
        except (TypeError, ValueError):
            raise Fail(f"row {i}: score, basket_usd and bureau_age_days must be numbers") from None
        if missed is None or missed is pd.NA or (isinstance(missed, float) and math.isnan(missed)):
            missed = None
        else:
            try:
                if float(missed) != int(missed) or int(missed) < 0:
                    raise ValueError
                missed = int(missed)
            except (TypeError, ValueError):
                raise Fail(f"row {i}: missed_payments_12m must be a whole number of 0 or more, or missing") from None
        if not isinstance(coll, (bool, np.bool_)):
            raise Fail(f"row {i}: in_collections must be True or False")
        if not (0 <= score <= 1) or basket < 0 or age < 0 or not (math.isfinite(score) and math.isfinite(basket)):
            raise Fail(f"row {i}: the inputs are out of range (score 0-1, basket and age 0 or more)")
        if expected not in DECISIONS:
            raise Fail(f"row {i}: expected must be one of {list(DECISIONS)}")
        rows.append((score, basket, missed, bool(coll), age, expected))
    wrong = [i for i, r in enumerate(rows, start=1) if rule(*r[:5]) != r[5]]
    if wrong:
        raise Fail(f"{len(wrong)} row(s) expect a decision the policy does not give (the first is row {wrong[0]}): "
                   "a test table must agree with the policy")
    return rows


def _check_agrees(answer):
    _rows(answer)


def _check_catches(clause: str, faults: list[dict]):
    def check(answer):
        rows = _rows(answer)
        missed = [f for f in faults if all(rule(*r[:5], **f) == r[5] for r in rows)]
        if missed:
            raise Fail(f"your table does not catch {len(missed)} faulty version(s) of the rule's clause on "
                       f"{clause}: add rows at that clause's edges that a wrong implementation would decide "
                       "differently")
    return check


def _rule_fixed():
    clauses = list(dict.fromkeys(c for c, _ in MUTANTS))
    cases = [Case("every row of your table agrees with the policy", (), _check_agrees)]
    for clause in clauses:
        faults = [f for c, f in MUTANTS if c == clause]
        cases.append(Case(f"your table catches faulty versions of the clause on {clause}", (),
                          _check_catches(clause, faults)))
    return cases


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the grader's references on ``world``."""
    d = _records(world)
    base = d[d["month"].isin(BASELINE)]
    after = sorted(set(d["month"]) - set(BASELINE))
    psis = {m: psi_ref(base["engagement_score"], d.loc[d["month"] == m, "engagement_score"]) for m in after}
    ks = ks_ref(d[["month", "engagement_score"]], "engagement_score", BASELINE)
    first_ks = next((m for m, p in ks["p_value"].items() if p < 1e-3), None)
    first_psi = next((m for m, v in psis.items() if v > PSI_MAJOR), None)
    perf = performance_ref(d)
    level = perf.loc[perf.index.isin(BASELINE), "auc"].mean()
    trig = trigger_ref(perf["auc"], BASELINE, DELTA, CONSECUTIVE)
    sel = selection_ref(d, "region")
    ratio = sel["impact_ratio"].unstack()
    worst = ratio.min(axis=1)
    first_gap = next((m for m, v in worst.items() if v < FOUR_FIFTHS), None)
    err = error_ref(d, "region")["false_decline_rate"].unstack()
    late = err.loc[err.index >= T("2025-06-01")]
    policy = [rule(s, b, None if pd.isna(m) else int(m), bool(c), int(a)) for s, b, m, c, a in zip(
        d["score"], d["basket_usd"], d["missed_payments_12m"].astype("float"), d["in_collections"],
        (d["applied_at"].dt.normalize() - d["bureau_checked_on"]).dt.days, strict=True)]
    disagree = d["decision"].to_numpy() != np.array(policy)
    approved_wrongly = disagree & (d["decision"].to_numpy() == "approve")
    fmt = "%Y-%m"
    return {
        "first month KS p < 0.001 / PSI > 0.25 (engagement_score)":
            f"{first_ks.strftime(fmt) if first_ks is not None else 'none'} / "
            f"{first_psi.strftime(fmt) if first_psi is not None else 'none'}",
        "PSI of engagement_score, 2025-04 / 2025-05 / 2025-09":
            " / ".join(f"{psis[T(m)]:.2f}" for m in ("2025-04-01", "2025-05-01", "2025-09-01")),
        "baseline AUC (2024) / AUC 2025-09": f"{level:.3f} / {perf['auc'].iloc[-1]:.3f}",
        "retraining trigger (delta 0.05, 2 months)": trig.strftime(fmt) if trig is not None else "none",
        "first month four-fifths ratio < 0.8 (region), and which":
            f"{first_gap.strftime(fmt)}: {ratio.loc[first_gap].idxmin()} {worst[first_gap]:.2f}" if first_gap is not None
            else "none",
        "false-decline rate from 2025-06, by region": ", ".join(f"{r} {late[r].mean():.0%}" for r in late.columns),
        "production decisions that break the policy": f"{int(disagree.sum()):,} of {len(d):,} "
                                                     f"({int(approved_wrongly.sum()):,} approved)",
    }


EXERCISES = [
    Graded("ex1_tests", "psi", _psi_world, _psi_fixed),
    Graded("ex2_tests", "ks_by_month", _ks_world, _ks_fixed),
    Graded("ex3_tests", "monthly_performance", _performance_world, _performance_fixed),
    Graded("ex4_tests", "retraining_month", _trigger_world, _trigger_fixed),
    Graded("ex5_tests", "selection_rates", _selection_world, _selection_fixed),
    Graded("ex6_tests", "error_rates", _errors_world, _errors_fixed),
    Graded("ex7_tests", "rule_tests", None, _rule_fixed),
]

__all__ = ["EXERCISES", "MEMO_FIGURES", "MUTANTS", "psi_from_shares", "psi_ref", "rule"]
