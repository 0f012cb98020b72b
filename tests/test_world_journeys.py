"""Journey rules replayed against the stock and capacity history (lab 05): the rules without a
gate break their promises where the planted shortage and capacity cuts say, on two seeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def abandoned_carts(folder, rule_id: str) -> pd.DataFrame:
    """Triggers of a cart rule: a known customer's add_to_cart with no purchase by that customer
    within the rule's wait; with the time the rule fires and the customer's centre."""
    rule = read(folder, "journey_rules").set_index("rule_id").loc[rule_id]
    e = read(folder, "web_events")
    known = e[e["customer_id"].notna()]
    carts = known.loc[known["event_type"] == rule["trigger_event"], ["customer_id", "event_at", "product_id"]]
    buys = known.loc[known["event_type"] == "purchase", ["customer_id", "event_at"]].rename(columns={"event_at": "buy_at"})
    m = pd.merge_asof(carts.sort_values("event_at"), buys.sort_values("buy_at"), left_on="event_at",
                      right_on="buy_at", by="customer_id", direction="forward")
    wait = pd.Timedelta(hours=rule["wait_hours"])
    m = m[~((m["buy_at"] - m["event_at"]) <= wait)].assign(fires_at=lambda d: d["event_at"] + wait)
    p = read(folder, "products")
    m = m.merge(p[["product_id", "category", "list_price"]], on="product_id")
    if pd.notna(rule["min_product_price"]):
        m = m[m["list_price"] >= rule["min_product_price"]]
    c = read(folder, "customers")
    m = m.merge(c[["customer_id", "market"]], on="customer_id")
    return m.assign(fulfilment_centre=m["market"].map(CENTRE_OF_MARKET))


def test_rules_lack_the_gates_the_facts_say(any_world):
    rules = read(any_world, "journey_rules").set_index("rule_id")
    ungated = facts(any_world)["journeys_ungated_rules"]
    assert rules.loc["JR-01", "promise_kind"] == "stock" and pd.isna(rules.loc["JR-01", "gate_min_available_units"])
    assert rules.loc["JR-02", "promise_kind"] == "callback" and pd.isna(rules.loc["JR-02", "gate_capacity_channel"])
    assert set(ungated) == {"JR-01", "JR-02"}


def test_cart_reminder_breaks_its_stock_promise_in_the_shortage(any_world):
    """Replay JR-01: its promise breaks when nothing is available to promise at the customer's
    centre at the end of the day before it fires. Broken promises crowd into the shortage."""
    t = abandoned_carts(any_world, "JR-01")
    s = read(any_world, "daily_stock")
    s = s.assign(date=s["date"] + pd.Timedelta(days=1), available=s["on_hand"] - s["committed"])
    t = t.assign(date=t["fires_at"].dt.normalize()).merge(
        s[["date", "product_id", "fulfilment_centre", "available"]], on=["date", "product_id", "fulfilment_centre"])
    t["broken"] = t["available"] < 1
    short = facts(any_world)["inventory_shortage"]
    in_shortage = (t["date"].between(short["stockout_start"], short["stockout_end"])
                   & (t["category"] == short["family"]) & t["fulfilment_centre"].isin(short["centres"]))
    assert in_shortage.sum() >= 30
    inside, outside = t.loc[in_shortage, "broken"].mean(), t.loc[~in_shortage, "broken"].mean()
    assert inside > 0.45 and outside < 0.12 and inside > 5 * outside, (inside, outside)


def test_cart_callback_breaks_its_promise_when_capacity_runs_out(any_world):
    """Replay JR-02: callbacks are served in the order the rule fires until the day's callback
    capacity is used up; the rest are broken promises. They crowd into Sundays, Saturdays and
    the peak, when capacity is cut."""
    t = abandoned_carts(any_world, "JR-02").sort_values("fires_at")
    cap = read(any_world, "contact_capacity")
    cap = cap[cap["channel"] == "callback"].set_index("date")["capacity"]
    t["day"] = t["fires_at"].dt.normalize()
    t["nth"] = t.groupby("day").cumcount() + 1
    t["broken"] = t["nth"] > t["day"].map(cap).to_numpy()
    seasons = facts(any_world)["inventory_seasons"]
    peak = np.zeros(len(t), bool)
    for bf in pd.to_datetime(seasons["black_friday"]):
        peak |= t["day"].between(bf, pd.Timestamp(year=bf.year, month=12, day=24)).to_numpy()
    weekday = (t["day"].dt.day_of_week < 5).to_numpy()
    sunday = (t["day"].dt.day_of_week == 6).to_numpy()
    assert t.loc[sunday, "broken"].all()
    in_peak, normal = t.loc[weekday & peak, "broken"].mean(), t.loc[weekday & ~peak, "broken"].mean()
    assert in_peak > 0.2 and in_peak > 4 * normal, (in_peak, normal)


def test_callback_capacity_is_cut_in_the_peak(any_world):
    cap = read(any_world, "contact_capacity")
    cb = cap[cap["channel"] == "callback"].set_index("date")["capacity"]
    planted = facts(any_world)["journeys_capacity"]
    weekday = cb[cb.index.day_of_week < 5]
    bf = pd.Timestamp(facts(any_world)["inventory_seasons"]["black_friday"][0])
    peak = weekday[bf:pd.Timestamp(bf.year, 12, 24)]
    normal = weekday[pd.Timestamp(bf.year, 9, 1):bf - pd.Timedelta(days=1)]
    assert (cb[cb.index.day_of_week == 6] == 0).all()
    assert peak.median() <= normal.median() * planted["peak_callback_share"] + 1
    assert normal.max() <= planted["callbacks_per_weekday"]
