"""Lab 07's voice-of-the-customer tables: they join to the surveys, the follow-up queue keeps its
policy, a classifier trained on the labelled comments finds the rising theme in its month, and
the frontline claims stand or fall on orders and shipments."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

END = pd.Timestamp("2025-12-31 23:59:59")


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def test_new_tables_join_to_the_surveys(world42):
    s = read(world42, "surveys")
    r = read(world42, "survey_responses").merge(s, on="survey_id")
    assert len(r) == s["responded"].sum() and r["responded"].all()
    assert (r["responded_at"] >= r["sent_at"]).all() and (r["responded_at"] <= END).all()
    c = read(world42, "feedback_comments")
    from_surveys = c[c["source"] == "survey"].merge(s, on="survey_id", suffixes=("", "_survey"))
    assert len(from_surveys) == s["verbatim"].notna().sum()
    assert (from_surveys["text"] == from_surveys["verbatim"]).all()
    assert c.loc[c["source"] != "survey", "survey_id"].isna().all()
    assert c["received_at"].is_monotonic_increasing
    truth = read(world42, "comment_themes").merge(c[["comment_id", "survey_id"]], on="comment_id")
    given = truth.dropna(subset=["survey_id"]).merge(read(world42, "verbatim_themes"), on="survey_id")
    assert (given["theme_x"] == given["theme_y"]).all() and len(given) == len(from_surveys)


def test_population_margins_count_the_customer_base(world42):
    m, c = read(world42, "survey_population_margins"), read(world42, "customers")
    row = m[(m["quarter"] == "2025Q2") & (m["margin"] == "segment")].set_index("level")["customers"]
    base = c[c["signup_date"] <= "2025-06-30"]
    assert row.sort_index().to_dict() == base["segment"].value_counts().sort_index().to_dict()
    assert np.allclose(m.groupby(["quarter", "margin"])["share"].sum(), 1)


def test_followups_are_due_as_the_policy_says(any_world):
    f = read(any_world, "detractor_followups")
    s = read(any_world, "surveys")
    assert set(f["survey_id"]) == set(s.loc[s["responded"] & (s["nps"] <= 6), "survey_id"])
    # Second business day after the day it opened (a weekend counts from Monday), at 17:00.
    day = f["opened_at"].dt.normalize()
    monday_if_weekend = day + pd.to_timedelta(np.where(day.dt.day_of_week >= 5, 7 - day.dt.day_of_week, 0), unit="D")
    due = monday_if_weekend + 2 * pd.offsets.BDay() + pd.Timedelta(hours=17)
    assert (due == f["due_at"]).all()
    assert (f["done_at"].isna() == f["outcome"].isna()).all()
    assert (f["done_at"].dropna() > f.loc[f["done_at"].notna(), "opened_at"]).all()


def test_one_team_misses_the_followup_policy(any_world):
    f = read(any_world, "detractor_followups")
    due = f[f["due_at"] <= END]
    on_time = (due["done_at"] <= due["due_at"]).groupby(due["team"]).agg(["mean", "size"])
    planted = facts(any_world)["detractor_followup_policy"]
    assert on_time["mean"].idxmin() == planted["slowest_team"]
    worst = on_time.loc[planted["slowest_team"]]
    best_others = on_time.drop(planted["slowest_team"])
    gap = best_others["mean"].min() - worst["mean"]
    assert gap > 0.2, on_time


def test_a_classifier_finds_the_rising_theme_and_its_month(any_world):
    c, labels = read(any_world, "feedback_comments"), read(any_world, "comment_labels")
    planted = facts(any_world)["theme_rise"]
    labelled = labels.merge(c[["comment_id", "text"]], on="comment_id")
    assert abs(len(labelled) / len(c) - 0.35) < 0.03
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC())
    train, test = train_test_split(labelled, test_size=0.3, random_state=0, stratify=labelled["theme"])
    model.fit(train["text"], train["theme"])
    f1 = f1_score(test["theme"], model.predict(test["text"]), average=None)
    assert f1.min() > 0.7, f1  # every theme can be learnt from the labels
    model.fit(labelled["text"], labelled["theme"])
    theme = pd.Series(model.predict(c["text"]), index=c.index)
    month = c["received_at"].dt.to_period("M")
    share = pd.get_dummies(theme).groupby(month).mean()
    release = pd.Period(planted["month"], "M")
    before = share[(share.index >= release - 12) & (share.index < release)].mean()
    after = share[share.index > release].mean()
    rise = after - before
    assert rise.idxmax() == planted["theme"], rise
    assert rise.max() > 0.05
    # When it starts: the single change point of the predicted theme over time (maximum likelihood).
    since = c["received_at"] >= (release - 12).start_time
    found = change_point(c.loc[since, "received_at"], (theme[since] == planted["theme"]).to_numpy())
    assert abs((found - pd.Timestamp(planted["from_date"])).days) <= 21, (found, planted)


def change_point(at: pd.Series, flag: np.ndarray, min_size: int = 100) -> pd.Timestamp:
    """Time that splits a 0/1 series (in time order) into two runs with the highest likelihood."""
    n, k = len(flag), np.arange(min_size, len(flag) - min_size)
    ones = np.cumsum(flag)[k - 1]

    def loglik(hits, size):
        p = np.clip(hits / size, 1e-9, 1 - 1e-9)
        return hits * np.log(p) + (size - hits) * np.log(1 - p)

    ll = loglik(ones, k) + loglik(flag.sum() - ones, n - k)
    return at.iloc[k[np.argmax(ll)]]


def late_deliveries(folder) -> pd.DataFrame:
    o, sh = read(folder, "orders"), read(folder, "shipments")
    m = sh.merge(o[["order_id", "promised_delivery_date"]], on="order_id")
    return m.assign(late=m["delivered_at"].dt.normalize() > m["promised_delivery_date"])


def rate_ratio_ci(late: pd.Series, group: pd.Series) -> tuple[float, float, float]:
    """Late rate where ``group`` holds over the late rate elsewhere, with a 95% CI (log method)."""
    a, n1 = late[group].sum(), group.sum()
    b, n2 = late[~group].sum(), (~group).sum()
    ratio = (a / n1) / (b / n2)
    se = np.sqrt(1 / a - 1 / n1 + 1 / b - 1 / n2)
    z = stats.norm.ppf(0.975)
    return ratio, ratio * np.exp(-z * se), ratio * np.exp(z * se)


def test_frontline_claims_stand_or_fall_on_the_transactions(any_world):
    claims = read(any_world, "frontline_claims").set_index("claim_id")
    planted = facts(any_world)["frontline_claims"]
    m = late_deliveries(any_world)
    for claim_id, claim in claims.iterrows():
        ratio, low, high = rate_ratio_ci(m["late"], m[claim["factor"]] == claim["level"])
        if low > claim["claimed_rate_ratio"]:
            verdict = "supported"
        elif high < claim["claimed_rate_ratio"]:
            verdict = "refuted"
        else:
            verdict = "undecided"
        assert verdict == planted[str(claim_id)]["verdict"], (claim_id, ratio, low, high)
    # The refuted claim blames the carrier people hear most about: it has the most late parcels.
    carrier = claims.loc[claims["factor"] == "carrier", "level"].iloc[0]
    assert m.groupby("carrier")["late"].sum().idxmax() == carrier
