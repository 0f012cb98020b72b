"""Labs 06 and 07's service truths in tickets, their status history and the surveys: where
time piles up, the satisfaction drivers and their weights, and segment response rates."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def time_in_status(folder) -> pd.DataFrame:
    """Hours each ticket spent in each status it entered (until it entered the next one)."""
    h = read(folder, "ticket_status_history").sort_values(["ticket_id", "entered_at"], kind="stable")
    left = h.groupby("ticket_id")["entered_at"].shift(-1)
    return h.assign(hours=(left - h["entered_at"]).dt.total_seconds() / 3600).dropna(subset=["hours"])


def test_time_piles_up_in_the_planted_status(any_world):
    planted = facts(any_world)["ticket_bottleneck_status"]
    t = time_in_status(any_world)
    resolved = t[t["status"] == "resolved"]
    assert np.allclose(resolved["hours"], planted["auto_close_hours"]), "resolved tickets close automatically"
    open_time = t[t["status"] != "resolved"].groupby("status")["hours"].agg(["median", "mean"])
    for stat in ("median", "mean"):
        assert open_time[stat].idxmax() == planted["status"], open_time
    runner_up = open_time["median"].drop(planted["status"]).max()
    assert open_time.loc[planted["status"], "median"] > 1.4 * runner_up, open_time


def survey_drivers(folder) -> pd.DataFrame:
    """Answered surveys with the three drivers rebuilt from orders, shipments and tickets."""
    s, t = read(folder, "surveys"), read(folder, "tickets")
    o, sh = read(folder, "orders"), read(folder, "shipments")
    late = sh.merge(o[["order_id", "promised_delivery_date"]], on="order_id")
    late["days_late"] = (late["delivered_at"].dt.normalize() - late["promised_delivery_date"]).dt.days.clip(lower=0)
    t["fr_h"] = (t["first_response_at"] - t["created_at"]).dt.total_seconds() / 3600
    per_order = t.dropna(subset=["order_id"]).groupby("order_id")["fr_h"].agg(["max", "size"])
    contacts = t.groupby(["customer_id", "category"]).size().rename("contacts").reset_index()
    r = s[s["responded"]].merge(late[["order_id", "days_late"]], on="order_id", how="left")
    r = r.merge(t[["ticket_id", "fr_h", "category"]], on="ticket_id", how="left")
    r = r.merge(contacts, on=["customer_id", "category"], how="left")
    r = r.merge(per_order, left_on="order_id", right_index=True, how="left")
    ticket = (r["trigger"] == "post_ticket").to_numpy()
    return pd.DataFrame({
        "nps": r["nps"].astype(float), "trigger": r["trigger"],
        "days_late": r["days_late"].fillna(0).to_numpy(),
        "first_response_hours": np.minimum(np.where(ticket, r["fr_h"], r["max"].fillna(0)), 96),
        "repeat_contact": np.where(ticket, r["contacts"] >= 2, r["size"].fillna(0) >= 2).astype(float),
    })


def ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    cov = np.linalg.inv(x.T @ x) * (resid @ resid) / (len(y) - x.shape[1])
    return beta, np.sqrt(np.diag(cov))


def test_satisfaction_weights_are_recoverable(any_world):
    w = facts(any_world)["satisfaction_weights"]
    d = survey_drivers(any_world)
    names = ["days_late", "first_response_hours", "repeat_contact"]
    beta, se = ols(d["nps"].to_numpy(), d[names].to_numpy())
    # NPS is rounded and capped at 10, which pulls every slope a little towards zero.
    assert abs(beta[0] - w["intercept"]) < 0.3
    for b, s, name in zip(beta[1:], se[1:], names, strict=True):
        low, high = sorted((0.75 * w[name], 1.05 * w[name]))
        assert low - 4 * s < b < high + 4 * s, (name, b, s, w[name])


def test_slow_first_response_lowers_satisfaction(any_world):
    d = survey_drivers(any_world)
    d = d[d["trigger"] == "post_ticket"]
    fast = d.loc[d["first_response_hours"] <= 1, "nps"]
    slow = d.loc[d["first_response_hours"] > 24, "nps"]
    gap = fast.mean() - slow.mean()
    se = np.sqrt(fast.var() / len(fast) + slow.var() / len(slow))
    assert gap - se > 0, (gap, se)
    # Within post-ticket surveys, the first-response slope alone carries the planted sign and size.
    beta, se_b = ols(d["nps"].to_numpy(), d[["first_response_hours", "days_late", "repeat_contact"]].to_numpy())
    w = facts(any_world)["satisfaction_weights"]["first_response_hours"]
    assert abs(beta[1] - w) < 4 * se_b[1] + 0.2 * abs(w), (beta[1], se_b[1], w)


def test_response_rates_differ_by_segment_as_planted(any_world):
    s, c = read(any_world, "surveys"), read(any_world, "customers")
    seg = s.merge(c[["customer_id", "segment"]], on="customer_id")
    rates = seg.groupby("segment")["responded"].agg(["mean", "size"])
    planted = facts(any_world)["survey_response_rates"]
    for segment, row in rates.iterrows():
        p = planted[segment]
        assert abs(row["mean"] - p) < 4 * np.sqrt(p * (1 - p) / row["size"]), (segment, row["mean"], p)
    assert rates["mean"].idxmin() == min(planted, key=planted.get)
    assert rates["mean"].idxmax() == max(planted, key=planted.get)
