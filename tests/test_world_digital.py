"""Web and app events and chats (labs 05, 10): sessions, the broken app step and the lossy
handoff are recoverable from the raw events, on two seeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def session_starts(e: pd.DataFrame, midnight=True, source=True) -> pd.Series:
    """True where an event opens a session: new visitor, more than 30 minutes since the
    visitor's last event, a new day (UTC), or a new traffic source. ``e`` sorted by visitor, time."""
    new = e["visitor_id"].ne(e["visitor_id"].shift()) | (e["event_at"].diff() > pd.Timedelta(minutes=30))
    if midnight:
        new |= e["event_at"].dt.normalize().ne(e["event_at"].shift().dt.normalize())
    if source:
        new |= e["traffic_source"].ne(e["traffic_source"].shift())
    return new


def sessions(folder) -> pd.DataFrame:
    """One row per session of a known customer: channel, start, and which funnel steps it reached."""
    e = read(folder, "web_events").sort_values(["visitor_id", "event_at", "event_id"])
    e["session"] = session_starts(e).cumsum()
    steps = e[e["event_type"].isin(STEPS)]
    reached = steps.groupby(["session", "event_type"]).size().unstack(fill_value=0).reindex(
        columns=list(STEPS), fill_value=0) > 0
    e["known"] = e["customer_id"].notna()
    head = e.groupby("session").agg(start=("event_at", "min"), channel=("channel", "first"), known=("known", "any"))
    out = head.join(reached)
    out[list(STEPS)] = out[list(STEPS)].fillna(False).astype(bool)
    return out[out["known"]]


def test_every_online_order_has_its_purchase_event(any_world):
    e, o, lines = read(any_world, "web_events"), read(any_world, "orders"), read(any_world, "order_lines")
    buys = e[e["event_type"] == "purchase"]
    online = o[o["channel"].isin(["web", "app"])]
    assert buys["order_id"].is_unique and set(buys["order_id"]) == set(online["order_id"])
    b = buys.set_index(buys["order_id"].astype("int64")).loc[online["order_id"]]
    assert (b["event_at"].to_numpy() == online["ordered_at"].to_numpy()).all()
    assert (b["channel"].to_numpy() == online["channel"].to_numpy()).all()
    assert (b["customer_id"].to_numpy(dtype="int64") == online["customer_id"].to_numpy()).all()
    first_product = lines.drop_duplicates("order_id").set_index("order_id")["product_id"]
    assert (b["product_id"].to_numpy(dtype="int64") == first_product.loc[online["order_id"]].to_numpy()).all()
    assert e["event_id"].is_monotonic_increasing and e["event_at"].is_monotonic_increasing
    assert e["event_at"].min() >= pd.Timestamp("2024-01-01") and e["event_at"].max() <= pd.Timestamp("2026-01-01")
    assert e.loc[e["customer_id"].isna(), "event_type"].isin(["landing", "product_view", "add_to_cart",
                                                              "help_view"]).all(), "anonymous visitors never check out"


def test_sessions_recount_matches_the_planted_count(any_world):
    """Sessionising the raw events (30 minutes, midnight, source) gives the planted count, and
    leaving out one part of the rule gives the planted counts without it."""
    e = read(any_world, "web_events").sort_values(["visitor_id", "event_at", "event_id"])
    want = facts(any_world)["digital_sessions"]
    assert int(session_starts(e).sum()) == want["sessions"]
    assert int(session_starts(e, midnight=False).sum()) == want["sessions_without_midnight_rule"]
    assert int(session_starts(e, source=False).sum()) == want["sessions_without_source_rule"]
    assert want["midnight_splits"] > 500 and want["source_splits"] > 500, "each part of the rule matters"


def _two_proportions(a: pd.Series, b: pd.Series) -> float:
    """z of mean(b) - mean(a), pooled variance."""
    p = (a.sum() + b.sum()) / (len(a) + len(b))
    return (b.mean() - a.mean()) / np.sqrt(p * (1 - p) * (1 / len(a) + 1 / len(b)))


def _change_point(day_hits: pd.DataFrame) -> pd.Timestamp:
    """First day of the second segment of the best two-segment binomial split (likelihood ratio)."""
    k, n = day_hits["hits"].cumsum().to_numpy(), day_hits["tries"].cumsum().to_numpy()

    def loglik(k, n):
        p = np.clip(k / np.maximum(n, 1), 1e-12, 1 - 1e-12)
        return k * np.log(p) + (n - k) * np.log(1 - p)

    gain = loglik(k, n) + loglik(k[-1] - k, n[-1] - n)
    return day_hits.index[int(np.argmax(gain[:-1])) + 1]


def test_app_release_breaks_one_funnel_step_in_the_app_only(any_world):
    f = facts(any_world)
    release = pd.Timestamp(f["digital_app_release"])
    broken = (f["digital_broken_step"]["from_step"], f["digital_broken_step"]["to_step"])
    s = sessions(any_world)
    for channel in ("app", "web"):
        for a, b in zip(STEPS[:-1], STEPS[1:], strict=True):
            x = s[(s["channel"] == channel) & s[a]]
            z = _two_proportions(x.loc[x["start"] < release, b], x.loc[x["start"] >= release, b])
            if (channel, (a, b)) == ("app", broken):
                assert z < -6, f"the {a} -> {b} step should drop in the app after the release (z={z:.1f})"
                window = x[(x["start"] >= "2025-01-01") & (x["start"] < "2025-09-01")]
                daily = window.groupby(window["start"].dt.normalize())[b].agg(hits="sum", tries="size")
                assert abs((_change_point(daily) - release).days) <= 7
            else:
                assert abs(z) < 4, f"{channel} {a} -> {b} changed (z={z:.1f}) but only the broken step should"


def test_one_handoff_route_loses_context_and_brings_customers_back(any_world):
    c = read(any_world, "chat_conversations").sort_values(["customer_id", "started_at"])
    planted = facts(any_world)["digital_lossy_handoff"]
    nxt = c.groupby("customer_id")["started_at"].shift(-1)
    c["again_7d"] = (nxt - c["started_at"]) <= pd.Timedelta(days=7)
    h = c[c["bot_outcome"] == "handed_to_agent"].copy()
    # Context lost: the customer had to say again who they are and what the problem is.
    h["repeated_all"] = (h["repeated_identity"] & h["repeated_issue"]).astype(bool)
    share = h.groupby("intent")["repeated_all"].mean()
    assert share.idxmax() == planted["intent"]
    assert share.max() > 0.5 and share.drop(share.idxmax()).max() < 0.2
    assert (h.loc[h["intent"] == planted["intent"], "agent_queue"] == planted["agent_queue"]).all()
    # Customers who had to repeat everything come back within 7 days more often.
    g = h.groupby("repeated_all")["again_7d"].agg(["mean", "size"])
    (p1, n1), (p0, n0) = g.loc[True], g.loc[False]
    diff, se = p1 - p0, np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    assert diff - 1.96 * se > 0.1, f"repeat-contact gap {diff:.3f} +/- {1.96 * se:.3f}"
    # The proxy (all repeated) agrees with the planted truth for most handoffs.
    truth = read(any_world, "chat_handoff_truth").set_index("chat_id")["context_lost"]
    assert (h.set_index("chat_id")["repeated_all"] == truth.loc[h["chat_id"]]).mean() > 0.9


def test_chats_start_at_chat_events(any_world):
    c, e = read(any_world, "chat_conversations"), read(any_world, "web_events").set_index("event_id")
    ev = e.loc[c["event_id"]]
    assert (ev["event_type"] == "chat_start").all()
    assert (ev["customer_id"].astype("int64").to_numpy() == c["customer_id"].to_numpy()).all()
    assert (ev["event_at"].to_numpy() == c["started_at"].to_numpy()).all()
    assert len(c) == int((e["event_type"] == "chat_start").sum())
    handed = c["bot_outcome"] == "handed_to_agent"
    assert c.loc[handed, ["handed_off_at", "agent_queue", "repeated_issue"]].notna().all().all()
    assert c.loc[~handed, ["handed_off_at", "agent_queue", "repeated_issue"]].isna().all().all()
