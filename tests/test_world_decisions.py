"""Lab 14's automated decisions: the feature drift after the app release, the fairness gap in one
region after it, the decay that triggers retraining, and the production system's defects at the
edges of the credit policy's rule. Each is recovered from ``credit_decisions`` by its own method
(KS tests and PSI, selection rates with confidence intervals, AUC as a Mann-Whitney statistic,
the given rule applied record by record), not read back from the truth table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlabs.decision_rule import APPROVE_AT, MAX_BASKET_USD, MAX_MISSED, STALE_AFTER_DAYS, decide

BASELINE_END = pd.Timestamp("2024-12-31")


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


@pytest.fixture(scope="module")
def records(request):
    cache = {}

    def get(folder):
        if folder not in cache:
            cache[folder] = read(folder, "credit_decisions")
        return cache[folder]
    return get


def month_key(m) -> str:
    return pd.Timestamp(m).strftime("%Y-%m")


def psi(baseline: np.ndarray, current: np.ndarray) -> float:
    edges = np.unique(np.quantile(baseline, np.linspace(0.1, 0.9, 9)))
    bins = np.r_[-np.inf, edges, np.inf]
    e = pd.Series(pd.cut(baseline, bins)).value_counts(normalize=True, sort=False).to_numpy()
    a = pd.Series(pd.cut(current, bins)).value_counts(normalize=True, sort=False).to_numpy()
    e, a = np.maximum(e, 1e-4), np.maximum(a, 1e-4)
    return float(((a - e) * np.log(a / e)).sum())


def test_engagement_drifts_from_the_app_release_and_other_inputs_do_not(any_world, records):
    d = records(any_world)
    planted = facts(any_world)["decision_feature_drift"]
    base = d[d["month"] <= BASELINE_END]
    after = d[d["month"] > BASELINE_END]
    pvalue = after.groupby("month")["engagement_score"].apply(
        lambda x: stats.ks_2samp(base["engagement_score"], x).pvalue)
    flagged = [month_key(m) for m, p in pvalue.items() if p < 1e-5]
    assert flagged[0] == planted["start_month"] == "2025-04", pvalue
    assert (pvalue[pvalue.index < pd.Timestamp(planted["start_month"])] > 1e-3).all(), pvalue
    assert flagged == [month_key(m) for m in pvalue.index if m >= pd.Timestamp("2025-04-01")]
    # PSI on baseline deciles: major (> 0.25) from the month after the release, on every month after.
    p = after.groupby("month")["engagement_score"].apply(lambda x: psi(base["engagement_score"].to_numpy(), x.to_numpy()))
    assert (p[p.index < pd.Timestamp("2025-04-01")] < 0.02).all(), p
    assert (p[p.index >= pd.Timestamp("2025-05-01")] > 0.25).all(), p
    for feature in planted["stable_features"]:
        b = base[feature].astype(float).fillna(-1).to_numpy()
        q = after.groupby("month")[feature].apply(lambda x, b=b: psi(b, x.astype(float).fillna(-1).to_numpy()))
        assert (q < 0.02).all(), (feature, q)
    # The cause: the drift sits in the app 5.0 users.
    v5 = after[after["app_version"] == "5.0"]
    assert v5["month"].min() == pd.Timestamp("2025-04-01")
    assert v5["engagement_score"].mean() > base["engagement_score"].mean() + 10


def test_fairness_gap_in_one_region_after_the_drift(any_world, records):
    d = records(any_world)
    planted = facts(any_world)["decision_fairness_gap"]
    approved = (d["decision"] == "approve").astype(float)
    rate = approved.groupby([d["month"], d["region"]]).mean().unstack()
    ratio = rate.min(axis=1) / rate.max(axis=1)
    start = pd.Timestamp(planted["start_month"] + "-01")
    assert (ratio[ratio.index < start] >= 0.8).all(), ratio
    assert (ratio[ratio.index >= start] < 0.8).all(), ratio
    assert (rate[ratio.index >= start].idxmin(axis=1) == planted["region"]).all()
    # False declines (repaid, not approved): EU minus the other regions, June to September vs 2024,
    # with a 95% interval from the normal approximation.
    known = d[d["delinquent_3m"].notna() & ~d["delinquent_3m"].fillna(True).astype(bool)]

    def gap(rows):
        fd = (rows["decision"] != "approve").astype(float)
        eu = rows["region"] == planted["region"]
        a, b = fd[eu], fd[~eu]
        return a.mean() - b.mean(), np.sqrt(a.var() / len(a) + b.var() / len(b))

    after, se_a = gap(known[known["month"] >= start])
    before, se_b = gap(known[known["month"] <= BASELINE_END])
    assert after - 1.96 * se_a > 0.15, (after, se_a)
    assert abs(before) + 1.96 * se_b < 0.05, (before, se_b)


def test_decay_triggers_retraining_in_the_planted_month(any_world, records):
    d = records(any_world)
    planted = facts(any_world)["decision_decay"]
    k = d[d["delinquent_3m"].notna()]
    assert month_key(k["month"].max()) == planted["last_outcome_month"]

    def auc(rows):  # AUC of the score for repaying, as the Mann-Whitney U over the pairs
        good = ~rows["delinquent_3m"].astype(bool)
        u = stats.mannwhitneyu(rows["score"][good], rows["score"][~good]).statistic
        return u / (good.sum() * (~good).sum())

    base = auc(k[k["month"] <= BASELINE_END])
    monthly = k.groupby("month").apply(auc)
    breach = (base - monthly > planted["delta"]).to_numpy()
    run = np.convolve(breach, np.ones(planted["consecutive"]), "full")[: len(breach)] == planted["consecutive"]
    assert month_key(monthly.index[np.argmax(run)]) == planted["trigger_month"], (base - monthly)
    assert run.any() and not breach[monthly.index < pd.Timestamp("2025-04-01")].any()
    # Before the release the score is calibrated: mean score close to the repay rate.
    pre = k[k["month"] <= BASELINE_END]
    assert abs(pre["score"].mean() - (1 - pre["delinquent_3m"].astype(float).mean())) < 0.03


def test_production_decisions_break_the_policy_only_at_its_edges(any_world, records):
    d = records(any_world)
    planted = facts(any_world)["decision_rule_edge_cases"]
    age = (d["applied_at"].dt.normalize() - d["bureau_checked_on"]).dt.days
    missed = d["missed_payments_12m"].astype("float")
    policy = [decide(s, b, None if np.isnan(m) else int(m), bool(c), int(a)) for s, b, m, c, a in
              zip(d["score"], d["basket_usd"], missed, d["in_collections"], age, strict=True)]
    wrong = d["decision"].to_numpy() != np.array(policy)
    reach = d["basket_usd"] <= MAX_BASKET_USD
    kinds = {
        "missing": reach & missed.isna(),
        "stale": reach & missed.notna() & (age > STALE_AFTER_DAYS),
        "conflicting": reach & missed.eq(0) & (age <= STALE_AFTER_DAYS) & d["in_collections"],
        "boundary": reach & missed.lt(MAX_MISSED) & (age <= STALE_AFTER_DAYS) & ~d["in_collections"]
        & (d["score"] == APPROVE_AT),
    }
    edge = np.zeros(len(d), bool)
    for kind, rows in kinds.items():
        edge |= rows.to_numpy()
        assert wrong[rows.to_numpy()].sum() >= 20, kind
        assert wrong[rows.to_numpy()].sum() == planted[kind]["wrong"], kind
    assert not wrong[~edge].any(), "away from the edges production follows the policy"
    assert planted["none"]["wrong"] == 0
