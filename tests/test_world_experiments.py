"""Lab 11's experiments: the service pilot's two effects (with and without CUPED), the e-mail
test's sample-ratio mismatch and where it comes from, and the response curve by exposure."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def pilot(folder) -> pd.DataFrame:
    a = read(folder, "experiment_assignments")
    a = a[a["experiment_id"] == 1]
    return read(folder, "service_pilot_outcomes").merge(a[["customer_id", "variant"]], on="customer_id")


def welch(y: pd.Series, treated: pd.Series) -> tuple[float, float]:
    a, b = y[treated], y[~treated]
    return a.mean() - b.mean(), np.sqrt(a.var() / len(a) + b.var() / len(b))


def test_pilot_assignment_is_balanced(any_world):
    p = pilot(any_world)
    counts = p["variant"].value_counts()
    assert stats.chisquare(counts).pvalue > 1e-3
    assert len(p) == facts(any_world)["service_pilot_effects"]["participants"]


def test_service_pilot_effects_on_satisfaction_and_unit_cost(any_world):
    p = pilot(any_world)
    planted = facts(any_world)["service_pilot_effects"]
    treated = p["variant"] == "treatment"
    for metric, pre, key in (("satisfaction", "pre_satisfaction", "satisfaction_effect"),
                             ("cost_usd", "pre_cost_usd", "cost_effect_usd")):
        y = p[metric].astype(float)
        effect, se = welch(y, treated)
        assert abs(effect - planted[key]) < 4.5 * se, (metric, effect, se, planted[key])
        assert effect - 2 * se > 0, f"the pilot raises {metric} plainly"
        # CUPED with the pooled theta: the same effect, a smaller standard error.
        x = p[pre].astype(float)
        theta = np.cov(x, y)[0, 1] / x.var()
        adjusted = y - theta * (x - x.mean())
        effect_c, se_c = welch(adjusted, treated)
        assert abs(effect_c - planted[key]) < 4.5 * se_c, (metric, effect_c, se_c)
        rho = np.corrcoef(x, y)[0, 1]
        assert se_c < se and abs((se_c / se) ** 2 - (1 - rho**2)) < 0.05, (metric, se, se_c, rho)
        assert rho > 0.3, f"the pre-period {pre} predicts {metric}"


def test_email_test_shows_a_sample_ratio_mismatch(any_world):
    a = read(any_world, "experiment_assignments")
    a = a[a["experiment_id"] == 2]
    planted = facts(any_world)["email_test_srm"]
    counts = a["variant"].value_counts()
    assert counts.to_dict() == planted["logged"]
    assert stats.chisquare(counts).pvalue < 1e-6
    # Where the missing treatment units are: the mailbox provider whose split is furthest from 50/50.
    domain = a.merge(read(any_world, "customers")[["customer_id", "email"]], on="customer_id")["email"].str.split("@").str[1]
    by_domain = (a["variant"].to_numpy() == "treatment")
    share = pd.Series(by_domain).groupby(domain.to_numpy()).agg(["mean", "size"])
    share = share[share["size"] >= 100]
    pvalue = share.apply(lambda r: stats.binomtest(int(round(r["mean"] * r["size"])), int(r["size"])).pvalue, axis=1)
    assert pvalue.idxmin() == planted["provider"]
    assert share.loc[planted["provider"], "mean"] < 0.2
    others = a["variant"][domain.to_numpy() != planted["provider"]].value_counts()
    assert stats.chisquare(others).pvalue > 1e-4, "without that provider the split is fine"


def emailable(folder, day: str) -> set:
    """Customers signed up before ``day`` whose marketing-email consent held on it."""
    c, e = read(folder, "customers"), read(folder, "consent_events")
    e = e[(e["purpose"] == "marketing_email") & (e["event_at"] < day)]
    last = e.groupby("customer_id")["event_at"].transform("max")
    at_last = e[e["event_at"] == last]
    withdrawn = set(at_last.loc[at_last["action"] == "withdraw", "customer_id"])
    granted = set(at_last["customer_id"]) - withdrawn
    default = set(c.loc[c["privacy_regime"] != "GDPR", "customer_id"]) - set(e["customer_id"])
    signed = set(c.loc[c["signup_date"] < day, "customer_id"])
    return (granted | default) & signed


def test_email_tests_only_reach_customers_who_consented(any_world):
    a = read(any_world, "experiment_assignments")
    start = read(any_world, "experiments").set_index("experiment_id")["start_date"]
    for experiment_id, day in ((2, start[2]), (3, start[3])):
        ids = set(a.loc[a["experiment_id"] == experiment_id, "customer_id"])
        allowed = emailable(any_world, day)
        assert ids <= allowed
        if experiment_id == 3:
            assert ids == allowed


def test_response_curve_by_exposure_count(any_world):
    e = read(any_world, "email_exposures")
    planted = facts(any_world)["email_response_curve"]
    assert stats.chisquare(e["emails_planned"].value_counts()).pvalue > 1e-3
    observed = e.groupby("emails_delivered")[["clicked", "unsubscribed"]].agg(["mean", "size"])
    for outcome in ("clicked", "unsubscribed"):
        for k, row in observed[outcome].iterrows():
            p = planted[outcome][str(k)]
            se = np.sqrt(max(p * (1 - p), 1e-4) / row["size"])
            assert abs(row["mean"] - p) < 4.5 * se + 1e-9, (outcome, k, row["mean"], p)
    clicks = observed[("clicked", "mean")].loc[1:8]
    # Diminishing returns: the first four e-mails add far more clicks than the next four.
    assert clicks.loc[4] - (clicks.loc[8] - clicks.loc[4]) > 0.1, clicks
    # On a log-log scale the curve rises with a slope below 1 (each extra e-mail helps less).
    slope = stats.linregress(np.log(clicks.index), np.log(clicks.to_numpy())).slope
    assert 0 < slope < 1, slope
    # Fatigue: unsubscribes climb with every e-mail.
    unsub = observed[("unsubscribed", "mean")].loc[1:8]
    assert unsub.loc[8] > unsub.loc[1:4].mean() + 0.03, unsub
