"""Offers (lab 10): the rules the ranked offers break, the over-forecast segment, the
heterogeneous uplift of the holdout and the guardrail breaches are recoverable, on two seeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}
RULES = ("stock", "hold", "region", "consent", "cap")
SEND_HOUR = pd.Timedelta(hours=9)


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def candidates(folder) -> pd.DataFrame:
    """Candidates with their offer, product, customer and send time."""
    c, o = read(folder, "offer_candidates"), read(folder, "offers")
    p, cu = read(folder, "products"), read(folder, "customers")
    c = c.merge(o[["offer_id", "channel", "send_date", "product_id", "min_available_units"]], on="offer_id")
    c = c.merge(p[["product_id", "category"]], on="product_id")
    c = c.merge(cu[["customer_id", "market", "privacy_regime", "segment"]], on="customer_id")
    return c.assign(sent_at=c["send_date"] + SEND_HOUR, fulfilment_centre=c["market"].map(CENTRE_OF_MARKET))


def consent(folder, c: pd.DataFrame, engine: bool = False) -> pd.Series:
    """Consent for the channel's purpose at the send: the latest decision at or before it
    (withdraw wins a tie), else lab 04's default (GDPR: no; marketing texts: no; elsewhere: yes).
    With ``engine``, the old engine's default instead (regional only: texts assumed in the US)."""
    purpose = read(folder, "contact_policies").set_index("channel")["consent_purpose"]
    q = c[["candidate_id", "customer_id", "sent_at", "privacy_regime"]].assign(purpose=c["channel"].map(purpose))
    ev = read(folder, "consent_events")
    m = q.merge(ev, on=["customer_id", "purpose"])
    m = m[m["event_at"] <= m["sent_at"]]
    last = m[m["event_at"] == m.groupby("candidate_id")["event_at"].transform("max")]
    decided = ~last.groupby("candidate_id")["action"].agg(lambda a: (a == "withdraw").any())
    q = q.set_index("candidate_id")
    default = q["privacy_regime"] != "GDPR"
    if not engine:
        default &= q["purpose"] != "marketing_sms"
    return decided.reindex(default.index).fillna(default).astype(bool)


def eligibility(folder) -> pd.DataFrame:
    """Every rule each candidate breaks, recomputed from the raw tables."""
    c = candidates(folder)
    s = read(folder, "daily_stock")
    s = s.assign(send_date=s["date"] + pd.Timedelta(days=1), available=s["on_hand"] - s["committed"])
    c = c.merge(s[["send_date", "product_id", "fulfilment_centre", "available"]],
                on=["send_date", "product_id", "fulfilment_centre"], how="left")
    out = pd.DataFrame({"candidate_id": c["candidate_id"]})
    out["stock"] = (c["available"] < c["min_available_units"]).to_numpy()
    holds = read(folder, "quality_holds")
    h = c[["candidate_id", "product_id", "send_date"]].merge(holds, on="product_id")
    on = (h["placed_date"] <= h["send_date"]) & (h["lifted_date"].isna() | (h["send_date"] < h["lifted_date"]))
    out["hold"] = out["candidate_id"].isin(h.loc[on, "candidate_id"])
    rules = read(folder, "regional_rules")
    barred = c.merge(rules, on=["market", "category"])["candidate_id"]
    out["region"] = out["candidate_id"].isin(barred)
    out["consent"] = ~consent(folder, c).loc[c["candidate_id"]].to_numpy()
    contacts, policy = read(folder, "offer_contacts"), read(folder, "contact_policies").set_index("channel")
    k = c[["candidate_id", "customer_id", "channel", "sent_at"]].merge(
        contacts.rename(columns={"sent_at": "contact_at"})[["customer_id", "channel", "contact_at"]],
        on=["customer_id", "channel"])
    window = pd.to_timedelta(k["channel"].map(policy["cap_window_days"]), unit="D")
    recent = k[(k["contact_at"] < k["sent_at"]) & (k["contact_at"] >= k["sent_at"] - window)]
    n = recent.groupby("candidate_id").size().reindex(out["candidate_id"], fill_value=0).to_numpy()
    out["cap"] = n >= c["channel"].map(policy["cap_max_contacts"]).to_numpy()
    return out.assign(rank=c["rank"].to_numpy(), campaign=c["campaign"].to_numpy(),
                      category=c["category"].to_numpy(), fulfilment_centre=c["fulfilment_centre"].to_numpy())


def test_ranked_offers_break_every_rule_and_the_recount_matches(any_world):
    got = eligibility(any_world).sort_values("candidate_id").reset_index(drop=True)
    truth = read(any_world, "offer_eligibility_truth").sort_values("candidate_id").reset_index(drop=True)
    for rule in RULES:
        assert (got[rule].to_numpy() == truth[f"fails_{rule}"].to_numpy()).all(), rule
    flags = got[list(RULES)].to_numpy()
    first = np.where(flags.any(axis=1), np.array(RULES, dtype=object)[flags.argmax(axis=1)], None)
    assert (pd.Series(first).fillna("ok").to_numpy() == truth["first_failure"].fillna("ok").to_numpy()).all()
    top = got[got["rank"] == 1]
    assert (top[list(RULES)].sum() > 100).all(), "each rule stops many of the model's first choices"
    planted = facts(any_world)["offers_rule_breaks"]
    assert planted["rank1_candidates"] == len(top)


def test_summer_campaigns_promise_the_short_family_where_there_is_none(any_world):
    got = eligibility(any_world)
    short = facts(any_world)["inventory_shortage"]
    top = got[got["rank"] == 1]
    hit = (top["campaign"].isin(["summer-kickoff", "heatwave"]) & (top["category"] == short["family"])
           & top["fulfilment_centre"].isin(short["centres"]))
    assert hit.sum() >= 100
    inside, outside = top.loc[hit, "stock"].mean(), top.loc[~hit, "stock"].mean()
    assert inside > 0.5 and outside < 0.2 and inside > 3 * outside, (inside, outside)


def test_forecast_over_predicts_one_segment(any_world):
    fc, rd = read(any_world, "redemption_forecasts"), read(any_world, "offer_redemptions")
    cu, o = read(any_world, "customers"), read(any_world, "offers")
    rd = rd.merge(o[["offer_id", "model_ranked"]], on="offer_id").merge(cu[["customer_id", "segment"]], on="customer_id")
    actual = rd[rd["model_ranked"]].groupby("segment").size()
    forecast = fc.groupby("segment")["forecast_redemptions"].sum()
    ratio = forecast / actual
    # 95% interval of forecast / actual from a Poisson count of actual redemptions.
    lo, hi = forecast / (actual + 1.96 * np.sqrt(actual)), forecast / (actual - 1.96 * np.sqrt(actual))
    over = facts(any_world)["offers_over_forecast_segment"]["segment"]
    assert ratio.idxmax() == over and lo[over] > 1.3
    assert ((lo.drop(over) < 1.0) & (hi.drop(over) > 1.0)).all() or (ratio.drop(over).between(0.85, 1.15)).all()
    # The forecast is the scores of what was sent: the contacts agree.
    ct = read(any_world, "offer_contacts").merge(cu[["customer_id", "segment"]], on="customer_id")
    sent = ct[ct["offer_id"].isin(fc["offer_id"])].groupby(["offer_id", "segment"]).size()
    assert (sent.reindex(pd.MultiIndex.from_frame(fc[["offer_id", "segment"]]), fill_value=0).to_numpy()
            == fc["contacts"].to_numpy()).all()


def test_holdout_uplift_differs_by_segment(any_world):
    h = read(any_world, "offer_holdout")
    planted = facts(any_world)["offers_holdout"]
    assert abs((h["group"] == "treatment").mean() - planted["treatment_share"]) < 3 * np.sqrt(0.25 / len(h))
    negative = (h["late_deliveries_365d"] > 0) | (h["tickets_180d"] > 0)
    segment = np.where(negative, "negative", np.where(h["orders_365d"] == 0, "responds", "none"))
    effect = {}
    for name, g in h.groupby(segment):
        t, c = g.loc[g["group"] == "treatment", "converted_30d"], g.loc[g["group"] == "control", "converted_30d"]
        diff = t.mean() - c.mean()
        se = np.sqrt(t.mean() * (1 - t.mean()) / len(t) + c.mean() * (1 - c.mean()) / len(c))
        effect[name] = (diff, se)
        assert abs(diff - planted["uplift"][name]) < 4 * se, (name, diff, se)
    assert effect["responds"][0] - 1.96 * effect["responds"][1] > 0
    assert effect["negative"][0] + 1.96 * effect["negative"][1] < 0
    d = effect["responds"][0] - effect["none"][0]
    assert d > 1.96 * np.hypot(effect["responds"][1], effect["none"][1])
    truth = read(any_world, "offer_holdout_truth").set_index("customer_id")["uplift_segment"]
    assert (truth.loc[h["customer_id"]].to_numpy() == segment).all()


def test_guardrail_breaches_are_recoverable(any_world):
    o = read(any_world, "offers")
    planted = facts(any_world)["offers_guardrail_breaches"]
    margin = (o["offer_price"] - o["unit_cost"]) / o["offer_price"]
    assert np.allclose(margin, o["margin_pct"], atol=1e-4)
    assert np.allclose(o["offer_price"], (o["list_price"] * (1 + o["price_change_pct"])).round(2), atol=0.011)
    deep = o["price_change_pct"] < -planted["max_discount"]
    thin = ~deep & (margin < planted["min_margin"])
    got = {str(i): "discount" for i in o.loc[deep, "offer_id"]} | {str(i): "margin" for i in o.loc[thin, "offer_id"]}
    assert got == planted["offers"]
    assert set(got.values()) == {"discount", "margin"}


def test_engine_sent_rank_one_offers_where_it_believed_consent_held(any_world):
    """The engine sent every rank-1 candidate with consent as it believed (texts assumed in the
    US where nobody decided), so it sent marketing texts the law does not allow: a planted breach."""
    c, ct = candidates(any_world), read(any_world, "offer_contacts")
    truth = read(any_world, "offer_eligibility_truth")
    believed = consent(any_world, c, engine=True)
    c = c.merge(truth[["candidate_id", "fails_consent"]], on="candidate_id")
    c["believed"] = believed.loc[c["candidate_id"]].to_numpy()
    sent = ct.merge(c[["customer_id", "offer_id", "rank", "believed", "fails_consent"]],
                    on=["customer_id", "offer_id"])
    assert (sent["rank"] == 1).all() and sent["believed"].all()
    assert len(sent) == int(((c["rank"] == 1) & c["believed"]).sum())
    unlawful = sent[sent["fails_consent"]]
    assert len(unlawful) > 100 and (unlawful["channel"] == "sms").all(), "texts sent without consent"


def test_open_holds_are_the_products_flagged_on_hold(any_world):
    holds, p = read(any_world, "quality_holds"), read(any_world, "products")
    open_ = set(holds.loc[holds["lifted_date"].isna(), "product_id"])
    assert open_ == set(p.loc[p["quality_hold"], "product_id"])
    held = facts(any_world)["offers_held_products"]
    o = read(any_world, "offers")
    for campaign, product in held.items():
        day = o.loc[o["campaign"] == campaign, "send_date"].iloc[0]
        h = holds[holds["product_id"] == product]
        assert ((h["placed_date"] <= day) & (h["lifted_date"].isna() | (h["lifted_date"] > day))).any()
