"""Labs 08-09's aftercare tables: plan churn driven by operational pain with known effects, the
plan-page views that leak the outcome past the cut-off, repair rates and tier choice by
acquisition channel, and the tables' consistency with orders and the value stream.

Every truth is recovered from the raw tables by an independent method (a logistic or Poisson
regression on features rebuilt here, an AUC, a recount), never read back from the truth table.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

HISTORY_START = pd.Timestamp("2024-01-01")
HISTORY_END = pd.Timestamp("2025-12-31 23:59:59")


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


# ---- small GLMs (Newton-Raphson), so the tests need nothing beyond numpy -------------------------

def logit_fit(X: np.ndarray, y: np.ndarray):
    """Logistic regression with an intercept: coefficients, standard errors, log-likelihood, fitted p."""
    X = np.column_stack([np.ones(len(X)), X])
    b = np.zeros(X.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ b))
        step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (y - p))
        b += step
        if np.abs(step).max() < 1e-10:
            break
    p = 1 / (1 + np.exp(-X @ b))
    cov = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    return b, np.sqrt(np.diag(cov)), float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))), p


def poisson_fit(X: np.ndarray, y: np.ndarray, offset: np.ndarray):
    """Poisson regression with an intercept and a log-exposure offset: coefficients, standard errors."""
    X = np.column_stack([np.ones(len(X)), X])
    b = np.zeros(X.shape[1])
    b[0] = np.log(y.sum() / np.exp(offset).sum())
    for _ in range(100):
        mu = np.exp(X @ b + offset)
        step = np.linalg.solve(X.T @ (X * mu[:, None]), X.T @ (y - mu))
        b += step
        if np.abs(step).max() < 1e-10:
            break
    mu = np.exp(X @ b + offset)
    return b, np.sqrt(np.diag(np.linalg.inv(X.T @ (X * mu[:, None]))))


# ---- churn features rebuilt from the raw tables ----------------------------------------------------

def count_in_window(renewals: pd.DataFrame, events: pd.DataFrame, time: str, weight: str | None = None) -> np.ndarray:
    """Per renewal: the customer's events (or the sum of ``weight``) in the 365 days before the notice."""
    r = renewals[["customer_id", "notice_date"]].assign(i=np.arange(len(renewals)))
    e = events[["customer_id", time] + ([weight] if weight else [])]
    m = r.merge(e, on="customer_id")
    inside = (m[time] >= m["notice_date"] - pd.Timedelta(days=365)) & (m[time] < m["notice_date"])
    m = m[inside]
    values = m[weight] if weight else pd.Series(1.0, index=m.index)
    return values.groupby(m["i"]).sum().reindex(range(len(renewals)), fill_value=0).to_numpy(float)


def churn_data(folder) -> tuple[pd.DataFrame, np.ndarray]:
    renewals = read(folder, "plan_renewals")
    plans = read(folder, "service_plans")
    orders = read(folder, "orders")
    shipped = read(folder, "shipments").merge(
        orders[["order_id", "customer_id", "promised_delivery_date"]], on="order_id")
    late = shipped[shipped["delivered_at"].dt.normalize() > shipped["promised_delivery_date"]]
    tickets = read(folder, "tickets").sort_values(["customer_id", "category", "created_at"])
    since = tickets["created_at"] - tickets.groupby(["customer_id", "category"])["created_at"].shift()
    repeats = tickets[since < pd.Timedelta(days=7)]
    visits = read(folder, "field_visits")
    failed = visits[visits["outcome"] == "failed"]
    lines = read(folder, "order_lines")
    revenue = (lines["unit_price"] * lines["quantity"]).groupby(lines["order_id"]).sum().rename("revenue")
    done = orders[orders["status"] == "completed"].join(revenue, on="order_id")
    tier = renewals.merge(plans[["plan_id", "tier"]], on="plan_id", how="left")["tier"].to_numpy()
    X = pd.DataFrame({
        "tier_plus": (tier == "plus").astype(float),
        "tier_premium": (tier == "premium").astype(float),
        "late_deliveries": count_in_window(renewals, late, "delivered_at"),
        "repeat_contacts": count_in_window(renewals, repeats, "created_at"),
        "failed_visits": count_in_window(renewals, failed, "scheduled_start"),
        "log_spend": np.log1p(count_in_window(renewals, done, "ordered_at", "revenue") / 100),
    })
    return X, (renewals["outcome"] == "cancelled").to_numpy(float)


OPERATIONAL = ["late_deliveries", "repeat_contacts", "failed_visits"]


def test_plan_churn_effects_are_recovered(any_world):
    """A logistic regression on features rebuilt from orders, shipments, tickets and visits
    recovers every planted effect within three standard errors."""
    X, y = churn_data(any_world)
    planted = facts(any_world)["plan_churn_effects"]
    b, se, _, _ = logit_fit(X.to_numpy(), y)
    names = ["intercept"] + list(X.columns)
    for name, coef, err in zip(names, b, se, strict=True):
        assert abs(coef - planted[name]) < 4 * err, (name, coef, err, planted[name])
    assert 0.1 < y.mean() < 0.35, "a plausible yearly cancellation rate"


def test_operational_pain_drives_churn_more_than_spend(any_world):
    """Dropping the operational indicators costs far more likelihood than dropping spend, and a
    spend-only model barely beats chance."""
    X, y = churn_data(any_world)
    _, _, full, p_full = logit_fit(X.to_numpy(), y)
    _, _, no_ops, _ = logit_fit(X.drop(columns=OPERATIONAL).to_numpy(), y)
    _, _, no_spend, _ = logit_fit(X.drop(columns=["log_spend"]).to_numpy(), y)
    lr_ops, lr_spend = 2 * (full - no_ops), 2 * (full - no_spend)
    assert lr_ops > 100 and lr_ops > 5 * lr_spend, (lr_ops, lr_spend)
    spend_only = roc_auc_score(y, -X["log_spend"])
    assert abs(spend_only - 0.5) < 0.05
    assert roc_auc_score(y, p_full) > spend_only + 0.08


def views_in(renewals, views, start_col, days_before_start=0, end_col=None):
    """Per renewal: plan-page views from ``start_col`` (minus some days) to ``end_col`` (or 30 days on)."""
    r = renewals[["plan_id", "notice_date", "renewal_date"]].assign(i=np.arange(len(renewals)))
    m = r.merge(views, on="plan_id")
    lo = m[start_col] - pd.Timedelta(days=days_before_start)
    hi = m[end_col] if end_col else lo + pd.Timedelta(days=30)
    m = m[(m["event_at"] >= lo) & (m["event_at"] < hi)]
    return m.groupby("i").size().reindex(range(len(renewals)), fill_value=0).to_numpy()


def test_page_views_leak_the_outcome_past_the_notice(any_world):
    """Counted over the notice period (after the cut-off) plan-page views nearly give the outcome
    away; counted over the 30 days before the notice they carry no signal."""
    renewals = read(any_world, "plan_renewals")
    renewals = renewals[renewals["notice_date"] >= HISTORY_START].reset_index(drop=True)
    views = read(any_world, "plan_events")
    views = views[views["event_type"] == "page_view"]
    y = (renewals["outcome"] == "cancelled").to_numpy()
    leaky = views_in(renewals, views, "notice_date", end_col="renewal_date")
    honest = views_in(renewals, views, "notice_date", days_before_start=30, end_col="notice_date")
    assert roc_auc_score(y, leaky) > 0.9
    assert abs(roc_auc_score(y, honest) - 0.5) < 0.05
    assert facts(any_world)["plan_leaky_feature"]["event_type"] == "page_view"


def plan_exposure(folder) -> pd.DataFrame:
    """Each plan with its holder's acquisition channel and segment and its years active in the history."""
    plans = read(folder, "service_plans").merge(
        read(folder, "customers")[["customer_id", "acquisition_channel", "segment"]], on="customer_id")
    begin = plans["started_on"].clip(lower=HISTORY_START)
    stop = plans["ended_on"].fillna(HISTORY_END).clip(upper=HISTORY_END)
    return plans.assign(years=(stop - begin) / pd.Timedelta(days=365))


def test_repair_rates_by_acquisition_channel_are_recovered(any_world):
    """A Poisson regression of repair requests per plan-year on tier and acquisition channel
    recovers the planted multipliers."""
    plans = plan_exposure(any_world)
    visits = read(any_world, "field_visits")
    jobs = visits[visits["visit_type"] == "repair"].drop_duplicates("job_id")
    jobs = jobs[jobs["requested_at"] >= HISTORY_START]
    y = jobs.groupby("plan_id").size().reindex(plans["plan_id"], fill_value=0).to_numpy(float)
    planted = facts(any_world)["plan_repair_multiplier_by_acquisition"]
    channels = sorted(planted)
    X = np.column_stack([plans["tier"] == "plus", plans["tier"] == "premium"]
                        + [plans["acquisition_channel"] == c for c in channels]).astype(float)
    keep = plans["years"].to_numpy() > 0
    b, se = poisson_fit(X[keep], y[keep], np.log(plans["years"].to_numpy()[keep]))
    for k, c in enumerate(channels):
        assert abs(b[3 + k] - np.log(planted[c])) < 3 * se[3 + k], (c, np.exp(b[3 + k]), planted[c])
    design = facts(any_world)["plan_tiers_design"]
    for k, tier in enumerate(("plus", "premium")):
        ratio = design[tier]["repairs_per_plan_year"] / design["essential"]["repairs_per_plan_year"]
        assert abs(b[1 + k] - np.log(ratio)) < 3 * se[1 + k], (tier, np.exp(b[1 + k]), ratio)


def test_paid_social_customers_choose_premium_more_often(any_world):
    """Within a segment, the odds of choosing premium over the other tiers are multiplied by the
    planted factor for customers acquired through paid social."""
    plans = plan_exposure(any_world)
    factor = facts(any_world)["plan_premium_uptake_multiplier_by_acquisition"]
    X = np.column_stack([plans["segment"] == "mainstream", plans["segment"] == "premium"]
                        + [plans["acquisition_channel"] == c for c in sorted(factor)]).astype(float)
    b, se, _, _ = logit_fit(X, (plans["tier"] == "premium").to_numpy(float))
    for k, c in enumerate(sorted(factor)):
        assert abs(b[3 + k] - np.log(factor[c])) < 3 * se[3 + k], (c, np.exp(b[3 + k]))


# ---- consistency -----------------------------------------------------------------------------------

def test_installation_visits_match_the_value_stream(any_world):
    visits = read(any_world, "field_visits")
    events = read(any_world, "process_events")
    inst = events[events["stage"] == "installation"].set_index("case_id")
    done = visits[(visits["visit_type"] == "installation") & (visits["outcome"] == "completed")]
    assert done["order_id"].is_unique and set(done["order_id"]) == set(inst.index)
    done = done.set_index("order_id")
    assert (done["arrived_at"].to_numpy() == inst.loc[done.index, "started_at"].to_numpy()).all()
    assert (done["finished_at"].to_numpy() == inst.loc[done.index, "ended_at"].to_numpy()).all()
    # earlier attempts come after the delivery and before the completed visit
    earlier = visits[(visits["visit_type"] == "installation") & (visits["outcome"] != "completed")]
    delivered = read(any_world, "shipments").set_index("order_id")["delivered_at"]
    assert (earlier["scheduled_start"].to_numpy() > delivered.loc[earlier["order_id"]].to_numpy()).all()
    assert (earlier["scheduled_start"].to_numpy() < done.loc[earlier["order_id"], "arrived_at"].to_numpy()).all()


def test_jobs_take_appointments_in_order_and_end_completed(any_world):
    v = read(any_world, "field_visits").sort_values(["job_id", "attempt"])
    assert (v.groupby("job_id")["attempt"].diff().fillna(1) == 1).all()
    assert (v.groupby("job_id")["scheduled_start"].diff().dropna() > pd.Timedelta(0)).all()
    last = v.groupby("job_id").tail(1)
    cut = last["scheduled_start"] + pd.Timedelta(days=12) > HISTORY_END  # jobs still open at the end
    assert (last.loc[~cut, "outcome"] == "completed").all()
    attended = v["outcome"].isin(["completed", "failed", "no_access"])
    assert v.loc[attended, "arrived_at"].notna().all() and v.loc[~attended, "arrived_at"].isna().all()
    assert (v.loc[attended, "finished_at"] > v.loc[attended, "arrived_at"]).all()
    assert v["failure_reason"].notna().eq(v["outcome"] == "failed").all()


def test_plan_lifecycles_are_consistent(any_world):
    plans = read(any_world, "service_plans").set_index("plan_id")
    renewals = read(any_world, "plan_renewals").sort_values(["plan_id", "term_number"])
    cancelled = renewals[renewals["outcome"] == "cancelled"]
    assert cancelled["plan_id"].is_unique
    last = renewals.groupby("plan_id").tail(1)
    assert (last.loc[last["plan_id"].isin(cancelled["plan_id"]), "outcome"] == "cancelled").all()
    ended = plans.loc[cancelled["plan_id"], "ended_on"]
    assert (ended.to_numpy() == cancelled["renewal_date"].to_numpy()).all()
    assert (plans["status"] == "cancelled").sum() == len(cancelled)
    expected = plans.loc[renewals["plan_id"], "started_on"].to_numpy() + \
        pd.to_timedelta(365 * renewals["term_number"].to_numpy(), unit="D")
    assert (renewals["renewal_date"].to_numpy() == expected).all()
    assert ((renewals["renewal_date"] - renewals["notice_date"]) == pd.Timedelta(days=30)).all()
    # payments only while the plan runs; cancellation requests inside the notice period
    pay = read(any_world, "plan_payments")
    end = plans["ended_on"].reindex(pay["plan_id"]).fillna(HISTORY_END + pd.Timedelta(days=1)).to_numpy()
    assert (pay["due_date"].to_numpy() < end).all()
    assert (pay["due_date"].to_numpy() >= plans["started_on"].reindex(pay["plan_id"]).to_numpy()).all()
    requests = read(any_world, "plan_events").query("event_type == 'cancellation_request'")
    req = requests.merge(cancelled, on="plan_id")
    assert ((req["event_at"] >= req["notice_date"]) & (req["event_at"] < req["renewal_date"])).all()
    seen = cancelled[cancelled["notice_date"] >= HISTORY_START]
    assert set(seen["plan_id"]) <= set(requests["plan_id"])
    # plan jobs were requested while their plan ran
    v = read(any_world, "field_visits").dropna(subset=["plan_id"])
    ends = plans["ended_on"].reindex(v["plan_id"].astype("int64")).fillna(HISTORY_END).to_numpy()
    assert (v["requested_at"].to_numpy() < ends).all()


@pytest.mark.parametrize("tier", ["essential", "plus", "premium"])
def test_fees_follow_the_tier(any_world, tier):
    plans = read(any_world, "service_plans")
    pay = read(any_world, "plan_payments").merge(plans[["plan_id", "tier", "billing"]], on="plan_id")
    fees = read(any_world, "plan_tiers").set_index("tier")
    mine = pay[pay["tier"] == tier]
    expect = np.where(mine["billing"] == "monthly", fees.loc[tier, "monthly_fee"], fees.loc[tier, "annual_fee"])
    assert np.allclose(mine["amount"], expect)
