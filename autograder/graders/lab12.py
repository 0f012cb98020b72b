"""Graded references for Lab 12, *Attribution and ROI net of operations* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made records at the rules' edges: a touch exactly at the
window's edge and one exactly at the order, a touch at the customer's previous order, two
touches at the same moment, a path of one touch, repeated channels, a conversion with no touches,
a channel seen only in paths that do not convert, an order with no shipment or a year past the
last rate year, a channel with spend but no credit (and the reverse), ties in credit.

References are written another way than the notebook: dictionaries and loops over customers and
paths, the Markov chain built state by state, Shapley values by averaging over every order of
the channels (permutations) instead of the subset formula. The graded inputs that the notebook
builds with its given helpers (the non-converting paths, the unit costs) are rebuilt here.
"""

from __future__ import annotations

import json
from itertools import permutations
from math import factorial

import numpy as np
import pandas as pd
from grading import (
    Case,
    Fail,
    Graded,
    expect_frame,
    expect_series,
    expect_type,
    labels,
)

# =================================================================================================
# The rules (sources the lab cites, and our policy), in one place.
# =================================================================================================

LOOKBACK_DAYS = 30          # our policy (GA4's default for acquisition conversions is 30 days)
HALF_LIFE_DAYS = 7.0        # Google Ads time decay: a touch 7 days earlier gets half the credit
RULES = ("first", "last", "linear", "position", "time_decay")
POSITION_ENDS = 0.4         # position-based: 40% first, 40% last, 20% shared by the middle
DAY = pd.Timedelta(days=1)


# =================================================================================================
# References
# =================================================================================================

def ref_paths(touches: pd.DataFrame, conversions: pd.DataFrame, orders: pd.DataFrame,
              lookback_days: float) -> pd.DataFrame:
    """Per (order, touch): the touches of the order's customer in [ordered_at - L, ordered_at),
    after the customer's previous order (strictly), positions by time then touch_id."""
    ns = np.timedelta64(1, "ns")

    def stamps(col) -> list:
        return (pd.to_datetime(col).to_numpy(dtype="datetime64[ns]") - np.datetime64(0, "ns")).astype("int64").tolist()

    by_customer: dict = {}
    for c, t, i, ch in zip(touches["customer_id"].tolist(), stamps(touches["touched_at"]), touches["touch_id"].tolist(),
                           touches["channel"].tolist(), strict=True):
        by_customer.setdefault(int(c), []).append((t, int(i), str(ch)))
    order_times: dict = {}
    placed: dict = {}
    for o, c, t in zip(orders["order_id"].tolist(), orders["customer_id"].tolist(), stamps(orders["ordered_at"]),
                       strict=True):
        order_times.setdefault(int(c), []).append(t)
        placed[int(o)] = (int(c), t)
    window = int(round(float(lookback_days) * 86400e9))
    day = DAY / ns
    rows = []
    for o in conversions["order_id"].astype(int).tolist():
        c, at = placed[o]
        earlier = [t for t in order_times.get(c, []) if t < at]
        previous = max(earlier) if earlier else None
        mine = sorted((t, i, ch) for t, i, ch in by_customer.get(c, [])
                      if at - window <= t < at and (previous is None or t > previous))
        for k, (t, i, ch) in enumerate(mine, start=1):
            rows.append((o, i, ch, (at - t) / day, k, len(mine)))
    return pd.DataFrame(rows, columns=["order_id", "touch_id", "channel", "days_before", "position", "touches"])


def ref_credit(paths: pd.DataFrame, rule: str, half_life_days: float = HALF_LIFE_DAYS) -> pd.Series:
    """Each touch's share of its order, by rule."""
    if rule not in RULES:
        raise ValueError(rule)
    by_order: dict = {}
    for o, k, t, d in zip(paths["order_id"], paths["position"], paths["touch_id"], paths["days_before"], strict=True):
        by_order.setdefault(int(o), []).append((int(k), int(t), float(d)))
    out = {}
    for rows in by_order.values():
        rows.sort()
        n = len(rows)
        ids = [t for _, t, _ in rows]
        if rule == "first":
            w = [1.0] + [0.0] * (n - 1)
        elif rule == "last":
            w = [0.0] * (n - 1) + [1.0]
        elif rule == "linear":
            w = [1.0 / n] * n
        elif rule == "position":
            if n == 1:
                w = [1.0]
            elif n == 2:
                w = [0.5, 0.5]
            else:
                middle = (1 - 2 * POSITION_ENDS) / (n - 2)
                w = [POSITION_ENDS] + [middle] * (n - 2) + [POSITION_ENDS]
        else:
            raw = [0.5 ** (d / half_life_days) for _, _, d in rows]
            w = [r / sum(raw) for r in raw]
        out.update(zip(ids, w, strict=True))
    return pd.Series(out, dtype=float).rename_axis("touch_id")


def _sequences(journeys: pd.DataFrame) -> list[tuple[list[str], bool]]:
    paths: dict = {}
    when = pd.to_datetime(journeys["touched_at"]).to_numpy(dtype="datetime64[ns]").astype("int64").tolist()
    for pid, at, t, ch, conv in zip(journeys["path_id"].tolist(), when, journeys["touch_id"].tolist(),
                                    journeys["channel"].tolist(), journeys["converted"].tolist(), strict=True):
        paths.setdefault(int(pid), []).append((at, int(t), str(ch), bool(conv)))
    out = []
    for rows in paths.values():
        rows.sort()
        out.append(([ch for _, _, ch, _ in rows], rows[0][3]))
    return out


def conversion_probability(transitions: dict, removed: str | None = None) -> float:
    """P(absorbed in 'conv' from 'start') of a first-order chain given as {state: {next: count}};
    a removed channel leads to 'null'. Solved exactly: (I - Q) x = r."""
    states = ["start"] + sorted(s for s in transitions if s != "start")
    pos = {s: i for i, s in enumerate(states)}
    q = np.zeros((len(states), len(states)))
    r = np.zeros(len(states))
    for s, nxt in transitions.items():
        if s == removed:
            continue  # every path that reaches it ends in null
        total = sum(nxt.values())
        for t, n in nxt.items():
            if t == "conv":
                r[pos[s]] += n / total
            elif t != "null" and t != removed:
                q[pos[s], pos[t]] += n / total
    return float(np.linalg.solve(np.eye(len(states)) - q, r)[0])


def ref_markov(journeys: pd.DataFrame) -> pd.DataFrame:
    transitions: dict = {}
    conversions = 0
    sequences = _sequences(journeys)
    for chans, converted in sequences:
        seq = ["start", *chans, "conv" if converted else "null"]
        conversions += converted
        for a, b in zip(seq[:-1], seq[1:], strict=True):
            transitions.setdefault(a, {})
            transitions[a][b] = transitions[a].get(b, 0) + 1
    p = conversion_probability(transitions)
    channels = sorted({c for chans, _ in sequences for c in chans})
    effect = {c: 1 - conversion_probability(transitions, c) / p for c in channels}
    total = sum(effect.values())
    out = pd.DataFrame({"removal_effect": effect,
                        "credit": {c: conversions * e / total for c, e in effect.items()}})
    out.index.name = "channel"
    return out


def shapley_values(players, value) -> dict:
    """Exact Shapley values by averaging marginal contributions over every order of the players
    (``value`` takes a frozenset). Fine for the few channels of this lab (at most 8)."""
    players = list(players)
    phi = dict.fromkeys(players, 0.0)
    for order in permutations(players):
        before: frozenset = frozenset()
        for p in order:
            phi[p] += value(before | {p}) - value(before)
            before = before | {p}
    n = factorial(len(players))
    return {p: v / n for p, v in phi.items()}


def ref_shapley(journeys: pd.DataFrame) -> pd.DataFrame:
    """v(S) = conversion rate of the paths whose channel set is inside S (0 when there is none)."""
    counts: dict = {}
    for chans, converted in _sequences(journeys):
        n = counts.setdefault(frozenset(chans), [0, 0])
        n[0] += 1
        n[1] += converted
    channels = sorted(set().union(*counts))
    memo: dict = {}

    def rate(s: frozenset) -> float:
        if s not in memo:
            paths = sum(n for path, (n, _) in counts.items() if path <= s)
            memo[s] = sum(c for path, (_, c) in counts.items() if path <= s) / paths if paths else 0.0
        return memo[s]

    phi = shapley_values(channels, rate)
    conversions = sum(c for _, c in counts.values())
    total = sum(phi.values())
    out = pd.DataFrame({"shapley_value": phi, "credit": {c: conversions * v / total for c, v in phi.items()}})
    out.index.name = "channel"
    return out


def ref_unit_costs(cost_centres: pd.DataFrame, rates: pd.DataFrame) -> pd.Series:
    per_minute = {(int(y), str(c)): cost / cap for y, c, cost, cap in zip(
        cost_centres["year"], cost_centres["cost_centre"], cost_centres["capacity_cost"],
        cost_centres["practical_capacity_minutes"], strict=True)}
    out = {(str(a), int(y)): m * per_minute[(int(y), str(c))] + d for a, y, c, m, d in zip(
        rates["activity"], rates["year"], rates["cost_centre"], rates["minutes_per_unit"], rates["direct_cost"],
        strict=True)}
    s = pd.Series(out, dtype=float)
    s.index.names = ["activity", "year"]
    return s.rename("unit_cost")


def ref_economics(conversions, orders, order_lines, products, shipments, returns, tickets,
                  unit_costs: pd.Series) -> pd.DataFrame:
    cost = {(str(a), int(y)): float(v) for (a, y), v in unit_costs.items()}
    years = sorted({y for _, y in cost})

    def price(activity: str, when) -> float:
        y = min(max(pd.Timestamp(when).year, years[0]), years[-1])
        return cost[(activity, y)]

    wanted = set(conversions["order_id"].astype(int))
    unit_cost = dict(zip(products["product_id"].astype(int), products["unit_cost"].astype(float), strict=True))
    rows = {o: {"revenue": 0.0, "product_margin": 0.0, "fulfilment": 0.0, "returns": 0.0, "support": 0.0}
            for o in wanted}
    for o, p, q, u in zip(order_lines["order_id"], order_lines["product_id"], order_lines["quantity"],
                          order_lines["unit_price"], strict=True):
        if int(o) in wanted:
            rows[int(o)]["revenue"] += u * q
            rows[int(o)]["product_margin"] += (u - unit_cost[int(p)]) * q
    shipped = dict(zip(shipments["order_id"].astype(int), shipments["shipped_at"], strict=True))
    for o, at, method in zip(orders["order_id"], orders["ordered_at"], orders["delivery_method"], strict=True):
        if int(o) in wanted:
            rows[int(o)]["fulfilment"] += price("order_handling", at)
            if int(o) in shipped:
                rows[int(o)]["fulfilment"] += price(f"delivery_{method}", shipped[int(o)])
    for o, p, when, refund in zip(returns["order_id"], returns["product_id"], returns["requested_date"],
                                  returns["refund_amount"], strict=True):
        if int(o) in wanted:
            rows[int(o)]["returns"] += (refund - unit_cost[int(p)] + price("return_handling", when)
                                        + refund * price("return_markdown", when))
    for o, ch, when in zip(tickets["order_id"], tickets["channel"], tickets["created_at"], strict=True):
        if not pd.isna(o) and int(o) in wanted:
            rows[int(o)]["support"] += price(f"contact_{ch}", when)
    out = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    out["net_contribution"] = out["product_margin"] - out["fulfilment"] - out["returns"] - out["support"]
    out.index.name = "order_id"
    return out


def ref_roi(paths: pd.DataFrame, credit: pd.Series, economics: pd.DataFrame, media_spend: pd.DataFrame) -> pd.DataFrame:
    share = {int(k): float(v) for k, v in credit.items()}
    revenue = economics["revenue"].to_dict()
    net = economics["net_contribution"].to_dict()
    acc: dict = {}
    for o, t, ch in zip(paths["order_id"], paths["touch_id"], paths["channel"], strict=True):
        w = share.get(int(t), 0.0)
        a = acc.setdefault(str(ch), [0.0, 0.0, 0.0, 0.0])
        a[0] += w
        a[1] += w * revenue[int(o)]
        a[2] += w * net[int(o)]
    for ch, s in zip(media_spend["channel"], media_spend["spend"], strict=True):
        acc.setdefault(str(ch), [0.0, 0.0, 0.0, 0.0])[3] += float(s)
    out = pd.DataFrame.from_dict(acc, orient="index",
                                 columns=["conversions", "revenue", "net_contribution", "media_spend"])
    media = out["media_spend"].where(out["media_spend"] > 0)
    out["roas"] = out["revenue"] / media
    out["roi"] = (out["net_contribution"] - out["media_spend"]) / media
    out.index.name = "channel"
    return out.sort_index()


def ref_scorecard(credits: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    channels = sorted(set(credits.index) | set(truth.index))
    t = truth.reindex(channels).fillna(0.0)
    t_rank = t.loc[list(truth.index)].rank()
    rows = []
    for rule in credits.columns:
        c = credits[rule].reindex(channels).fillna(0.0).astype(float)
        share = c / c.sum()
        error = 0.5 * float((share - t).abs().sum())
        r = c.loc[list(truth.index)].rank()
        corr = float(np.corrcoef(r.to_numpy(), t_rank.to_numpy())[0, 1])
        top = max(channels, key=lambda k: (c[k], [-ord(x) for x in k]))
        rows.append((rule, error, corr, top))
    return pd.DataFrame(rows, columns=["rule", "share_error", "rank_correlation", "top_channel"]).set_index("rule")


def true_shares(world) -> pd.Series:
    facts = world.load("planted_facts")
    value = dict(zip(facts["fact"], facts["value"], strict=True))["marketing_true_contributions"]
    return pd.Series(json.loads(value)["share"], dtype=float).rename_axis("channel").sort_index()


# =================================================================================================
# The graded inputs the notebook's given helpers build, rebuilt here from the raw tables
# =================================================================================================

def ref_journeys(touches: pd.DataFrame, paths: pd.DataFrame) -> pd.DataFrame:
    """Converting paths (path_id = the order) and the other touches, split per customer where more
    than the look-back passes between two touches (path_id = a number after the orders')."""
    conv = paths[["order_id", "touch_id", "channel"]].rename(columns={"order_id": "path_id"})
    conv = conv.merge(touches[["touch_id", "touched_at"]], on="touch_id").assign(converted=True)
    taken = set(conv["touch_id"])
    rest = touches[~touches["touch_id"].isin(taken)]
    last: dict = {}
    next_id = int(conv["path_id"].max()) + 1 if len(conv) else 1
    ids = np.empty(len(rest), dtype=np.int64)
    order = np.lexsort((rest["touch_id"].to_numpy(), rest["touched_at"].to_numpy(), rest["customer_id"].to_numpy()))
    cust, at = rest["customer_id"].to_numpy()[order], rest["touched_at"].to_numpy()[order]
    window = np.timedelta64(LOOKBACK_DAYS, "D")
    for k, (c, t) in enumerate(zip(cust, at, strict=True)):
        if c not in last or t - last[c][0] > window:
            last[c] = (t, next_id)
            next_id += 1
        else:
            last[c] = (t, last[c][1])
        ids[order[k]] = last[c][1]
    null = rest[["touch_id", "channel", "touched_at"]].assign(path_id=ids, converted=False)
    return pd.concat([conv, null], ignore_index=True)[["path_id", "touch_id", "touched_at", "channel", "converted"]]


_INPUTS: dict = {}


def world_inputs(world) -> dict:
    key = str(world.folder)
    if key in _INPUTS:
        return _INPUTS[key]
    touches, conversions, orders = (world.load("marketing_touches"), world.load("marketing_conversions"),
                                    world.load("orders"))
    paths = ref_paths(touches, conversions, orders, LOOKBACK_DAYS)
    unit_costs = ref_unit_costs(world.load("cost_centres"), world.load("activity_cost_rates"))
    economics = ref_economics(conversions, orders, world.load("order_lines"), world.load("products"),
                              world.load("shipments"), world.load("returns"), world.load("tickets"), unit_costs)
    journeys = ref_journeys(touches, paths)
    out = {"touches": touches, "conversions": conversions, "orders": orders, "paths": paths,
           "journeys": journeys, "markov": ref_markov(journeys), "shapley": ref_shapley(journeys),
           "unit_costs": unit_costs, "economics": economics, "media_spend": world.load("media_spend")}
    _INPUTS[key] = out
    return out


# =================================================================================================
# Shared checks
# =================================================================================================

def _indexed(answer, keys: list[str], what: str) -> pd.DataFrame:
    frame = expect_type(answer, pd.DataFrame, f"a DataFrame indexed by {what}")
    plain = isinstance(frame.index, pd.RangeIndex)
    if frame.index.nlevels != len(keys) or (plain and all(k in frame.columns for k in keys)):
        if all(k in frame.columns for k in keys):
            raise Fail(f"the result should be indexed by {what}; {keys} are columns")
        raise Fail(f"the result should be indexed by {what}")
    return frame


def _check_frame(ref: pd.DataFrame, keys: list[str], what: str, columns=None, rtol=1e-6, atol=1e-6):
    def check(answer):
        frame = _indexed(answer, keys, what)
        expect_frame(frame, ref, index_name=what, columns=columns, rtol=rtol, atol=atol)
    return check


# =================================================================================================
# Exercise 1: conversion paths
# =================================================================================================

_PATH_COLUMNS = ["channel", "days_before", "position", "touches"]


def _check_paths(ref: pd.DataFrame):
    want = ref.set_index(["order_id", "touch_id"]).sort_index()

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per order and touch")
        levels = [n for n in frame.index.names if n in ("order_id", "touch_id") and n not in frame.columns]
        if levels:
            frame = frame.reset_index(level=levels)
        missing = [c for c in ["order_id", "touch_id", *_PATH_COLUMNS] if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        try:
            keyed = frame.assign(order_id=frame["order_id"].astype("int64"),
                                 touch_id=frame["touch_id"].astype("int64")).set_index(["order_id", "touch_id"])
        except (TypeError, ValueError):
            raise Fail("order_id and touch_id should hold the ids of orders and touches") from None
        got, wanted = set(keyed.index), set(want.index)
        if keyed.index.has_duplicates:
            raise Fail("some (order, touch) pairs appear more than once")
        if got != wanted:
            extra, missing = len(got - wanted), len(wanted - got)
            if extra and not missing:
                raise Fail(f"{extra:,} touches are in paths they do not belong to (outside the window, at or after "
                           "the order, or at or before the customer's previous order)")
            if missing and not extra:
                raise Fail(f"{missing:,} touches that belong to a path are missing (is the window's first moment "
                           "included, and measured from when the order was placed?)")
            raise Fail(f"the (order, touch) pairs are not the right ones: {missing:,} missing, {extra:,} that "
                       "should not be there")
        expect_frame(keyed, want, columns=_PATH_COLUMNS, index_name="(order_id, touch_id)", rtol=1e-6, atol=1e-6)
    return check


def _paths_world(world):
    x = world_inputs(world)
    t, c, o = x["touches"], x["conversions"], x["orders"]
    return [Case(f"the marketing_touches, marketing_conversions and orders tables (rows shuffled), a {LOOKBACK_DAYS}-day "
                 "window", (t.sample(frac=1, random_state=1), c.sample(frac=1, random_state=2),
                            o.sample(frac=1, random_state=3), LOOKBACK_DAYS), _check_paths(x["paths"]))]


T0 = pd.Timestamp("2025-03-20 12:00:00")


def _fixed_tables():
    """Customers: 1 a touch exactly at the window's edge, one a second older, one at the order
    itself; 2 two touches at the same moment and a repeated channel; 3 a touch at and after
    their previous order; 4 an order with no touch; 5 a single touch; 6 two conversions."""
    touches = pd.DataFrame([
        (11, 1, T0 - pd.Timedelta(days=10), "email"),
        (12, 1, T0 - pd.Timedelta(days=10, seconds=1), "display"),
        (13, 1, T0, "sms"),
        (14, 1, T0 - pd.Timedelta(hours=3), "paid_search"),
        (21, 2, T0 - pd.Timedelta(days=2), "email"),
        (20, 2, T0 - pd.Timedelta(days=2), "paid_social"),
        (22, 2, T0 - pd.Timedelta(days=1), "paid_social"),
        (23, 2, T0 - pd.Timedelta(hours=1), "paid_social"),
        (31, 3, T0 - pd.Timedelta(days=5), "push"),
        (32, 3, T0 - pd.Timedelta(days=4), "email"),
        (33, 3, T0 - pd.Timedelta(days=3, hours=12), "sms"),
        (51, 5, T0 - pd.Timedelta(days=8), "display"),
        (61, 6, T0 - pd.Timedelta(days=9), "email"),
        (62, 6, T0 - pd.Timedelta(days=6), "sms"),
        (63, 6, T0 - pd.Timedelta(days=2), "push"),
        (71, 7, T0 - pd.Timedelta(days=1), "display"),
    ], columns=["touch_id", "customer_id", "touched_at", "channel"]).assign(campaign_id=1)
    orders = pd.DataFrame([
        (101, 1, T0), (102, 2, T0), (103, 3, T0), (130, 3, T0 - pd.Timedelta(days=4)),
        (104, 4, T0), (105, 5, T0), (106, 6, T0), (160, 6, T0 - pd.Timedelta(days=4)),
        (170, 7, T0),
    ], columns=["order_id", "customer_id", "ordered_at"]).assign(channel="web", status="completed")
    conversions = pd.DataFrame({"order_id": [101, 102, 103, 104, 105, 106, 160],
                                "customer_id": [1, 2, 3, 4, 5, 6, 6],
                                "recorded_at": [T0 + pd.Timedelta(days=3)] * 7, "revenue": 100.0})
    return touches, conversions, orders


def _paths_fixed():
    t, c, o = _fixed_tables()
    return [Case("hand-made touches exactly at the 10-day window's edge, one second older, exactly at the order, "
                 "at and after the previous order, at the same moment, a repeated channel, a single touch, an order "
                 "with no touch, a customer with two conversions and an order that is not a conversion",
                 (t, c, o, 10), _check_paths(ref_paths(t, c, o, 10))),
            Case("the same records with a 1-day window", (t.iloc[::-1], c, o.iloc[::-1], 1),
                 _check_paths(ref_paths(t, c, o, 1))),
            Case("the same records with a window of 8.5 days (a fraction of a day)", (t, c, o, 8.5),
                 _check_paths(ref_paths(t, c, o, 8.5)))]


# =================================================================================================
# Exercise 2: rule-based credit
# =================================================================================================

def _check_credit(ref: pd.Series, rule: str):
    def check(answer):
        expect_series(answer, ref, what="a Series indexed by touch_id", index_name="touch_id",
                      rtol=1e-6, atol=1e-9, accept_frame=True)
    return check


def _credit_world(world):
    paths = world_inputs(world)["paths"]
    shuffled = paths.sample(frac=1, random_state=4)
    return [Case(f"every conversion's path (the grader's, rows shuffled), rule {rule!r}", (shuffled, rule),
                 _check_credit(ref_credit(paths, rule), rule)) for rule in ("last", "position", "time_decay")]


def _fixed_paths() -> pd.DataFrame:
    rows = [  # order, touch, channel, days before
        (1, 10, "email", 0.5),
        (2, 20, "display", 14.0), (2, 21, "email", 7.0),
        (3, 30, "display", 20.0), (3, 31, "sms", 15.0), (3, 32, "sms", 15.0), (3, 33, "paid_social", 1.0),
        (4, 40, "push", 3.0), (4, 41, "push", 2.0), (4, 42, "push", 0.0),
        (5, 50, "paid_search", 28.0), (5, 51, "email", 21.0), (5, 52, "paid_search", 14.0),
        (5, 53, "sms", 7.0), (5, 54, "paid_search", 0.25),
    ]
    p = pd.DataFrame(rows, columns=["order_id", "touch_id", "channel", "days_before"])
    p["position"] = p.groupby("order_id").cumcount() + 1
    p["touches"] = p.groupby("order_id")["touch_id"].transform("size")
    return p


def _credit_fixed():
    p = _fixed_paths()
    cases = [Case(f"hand-made paths of 1, 2, 3, 4 and 5 touches (two at the same moment, repeated channels), rule "
                  f"{rule!r}", (p.iloc[::-1].reset_index(drop=True), rule), _check_credit(ref_credit(p, rule), rule))
             for rule in RULES]
    cases.append(Case("a rule the task does not name ('u_shaped')", (p, "u_shaped"), raises="ValueError"))
    return cases


# =================================================================================================
# Exercise 3: Markov removal effect
# =================================================================================================

_MARKOV_COLUMNS = ["removal_effect", "credit"]


def _markov_world(world):
    j = world_inputs(world)["journeys"]
    return [Case("every path, converting or not (the grader's, rows shuffled)", (j.sample(frac=1, random_state=5),),
                 _check_frame(world_inputs(world)["markov"], ["channel"], "channel", columns=_MARKOV_COLUMNS,
                              atol=1e-9))]


def journeys_of(paths: list[tuple[str, bool]], start: pd.Timestamp = T0) -> pd.DataFrame:
    """Hand-made journeys: a list of ('a>b>c', converted)."""
    rows, touch = [], 1
    for pid, (path, conv) in enumerate(paths, start=1):
        for k, ch in enumerate(path.split(">")):
            rows.append((pid, touch, start + pd.Timedelta(hours=k), ch, conv))
            touch += 1
    return pd.DataFrame(rows, columns=["path_id", "touch_id", "touched_at", "channel", "converted"])


_MARKOV_FIXED = [
    ("a>b>a>c", True), ("a", True), ("b>b>b", False), ("c>a", True), ("b", False), ("d", False),
    ("c>c", True), ("a>b", False), ("b>c", True),
]


def _markov_fixed():
    j = journeys_of(_MARKOV_FIXED)
    # two touches of one path at the same moment: the earlier touch_id comes first
    tied = journeys_of([("a>b", True), ("b>a", False), ("a", False), ("b", True)])
    tied.loc[tied["path_id"] == 1, "touched_at"] = T0
    tied = tied.iloc[[1, 0, 2, 3, 4, 5]].reset_index(drop=True)
    return [Case("hand-made paths with single touches, repeated channels, a loop back to an earlier channel and a "
                 "channel seen only in a path that does not convert", (j.sample(frac=1, random_state=6),),
                 _check_frame(ref_markov(j), ["channel"], "channel", columns=_MARKOV_COLUMNS, atol=1e-9)),
            Case("hand-made paths where two touches of one path happen at the same moment", (tied,),
                 _check_frame(ref_markov(tied), ["channel"], "channel", columns=_MARKOV_COLUMNS, atol=1e-9))]


# =================================================================================================
# Exercise 4: Shapley values
# =================================================================================================

_SHAPLEY_COLUMNS = ["shapley_value", "credit"]


def _shapley_world(world):
    j = world_inputs(world)["journeys"]
    return [Case("every path, converting or not (the grader's, rows shuffled)", (j.sample(frac=1, random_state=7),),
                 _check_frame(world_inputs(world)["shapley"], ["channel"], "channel", columns=_SHAPLEY_COLUMNS,
                              atol=1e-9))]


def _shapley_fixed():
    j = journeys_of(_MARKOV_FIXED)
    gloves = journeys_of([("a>c", True), ("b>c", True), ("a", False), ("c", False), ("b", False),
                          ("a>b", False), ("c>a>b", True)])
    return [Case("hand-made paths with repeated channels and a channel seen only in a path that does not convert",
                 (j,), _check_frame(ref_shapley(j), ["channel"], "channel", columns=_SHAPLEY_COLUMNS, atol=1e-9)),
            Case("hand-made paths where a channel converts only together with another", (gloves.iloc[::-1],),
                 _check_frame(ref_shapley(gloves), ["channel"], "channel", columns=_SHAPLEY_COLUMNS, atol=1e-9))]


# =================================================================================================
# Exercise 5: order economics
# =================================================================================================

_ECONOMICS_COLUMNS = ["revenue", "product_margin", "fulfilment", "returns", "support", "net_contribution"]


def _economics_args(world):
    x = world_inputs(world)
    return (x["conversions"].sample(frac=1, random_state=8), x["orders"], world.load("order_lines"),
            world.load("products"), world.load("shipments"), world.load("returns"), world.load("tickets"),
            x["unit_costs"])


def _economics_world(world):
    x = world_inputs(world)
    return [Case("the converting orders with their lines, shipments, returns and tickets, at the grader's unit costs",
                 _economics_args(world),
                 _check_frame(x["economics"], ["order_id"], "order_id", columns=_ECONOMICS_COLUMNS))]


def _economics_fixed():
    costs = pd.Series({("order_handling", 2024): 5.0, ("order_handling", 2025): 6.0,
                       ("delivery_standard", 2024): 10.0, ("delivery_standard", 2025): 12.0,
                       ("delivery_express", 2024): 20.0, ("delivery_express", 2025): 25.0,
                       ("return_handling", 2024): 15.0, ("return_handling", 2025): 18.0,
                       ("return_markdown", 2024): 0.2, ("return_markdown", 2025): 0.25,
                       ("contact_phone", 2024): 7.0, ("contact_phone", 2025): 8.0,
                       ("contact_chat", 2024): 4.0, ("contact_chat", 2025): 5.0}, name="unit_cost")
    costs.index.names = ["activity", "year"]
    ts = pd.Timestamp
    orders = pd.DataFrame([(1, 1, ts("2024-12-31 23:00"), "standard"), (2, 2, ts("2025-12-30 10:00"), "express"),
                           (3, 3, ts("2025-05-01"), "standard"), (4, 4, ts("2025-06-01"), "express"),
                           (9, 9, ts("2025-06-01"), "standard")],
                          columns=["order_id", "customer_id", "ordered_at", "delivery_method"])
    lines = pd.DataFrame([(1, 1, 1, 2, 50.0), (1, 2, 2, 1, 200.0), (2, 1, 2, 1, 180.0), (3, 1, 1, 3, 40.0),
                          (4, 1, 3, 1, 10.0), (9, 1, 2, 5, 200.0)],
                         columns=["order_id", "line_number", "product_id", "quantity", "unit_price"])
    products = pd.DataFrame({"product_id": [1, 2, 3], "unit_cost": [30.0, 150.0, 12.0]})
    shipments = pd.DataFrame({"order_id": [1, 2, 4, 9], "shipped_at": [ts("2025-01-02"), ts("2026-01-03"),
                                                                       ts("2025-06-02"), ts("2025-06-02")]})
    returns = pd.DataFrame([(1, 2, 2, ts("2025-01-10"), 200.0), (3, 1, 1, ts("2025-05-09"), 40.0),
                            (3, 1, 1, ts("2025-05-09"), 40.0), (2, 1, 2, ts("2026-01-15"), 180.0)],
                           columns=["order_id", "line_number", "product_id", "requested_date", "refund_amount"])
    tickets = pd.DataFrame({"order_id": pd.array([1, 1, None, 3, 9], dtype="Int64"),
                            "channel": ["phone", "chat", "phone", "chat", "phone"],
                            "created_at": [ts("2024-12-31 23:30"), ts("2025-01-05"), ts("2025-02-01"),
                                           ts("2026-02-01"), ts("2025-06-03")]})
    conversions = pd.DataFrame({"order_id": [4, 3, 2, 1], "customer_id": [4, 3, 2, 1]})
    ref = ref_economics(conversions, orders, lines, products, shipments, returns, tickets, costs)
    return [Case("hand-made orders placed on 31 December and shipped in January, shipped, returned and asked about "
                 "in a year past the last rate year, with two returned units of one line, a ticket with no order, "
                 "an order with no shipment, one that sells at a loss, and an order that is not a conversion",
                 (conversions, orders, lines, products, shipments, returns, tickets, costs),
                 _check_frame(ref, ["order_id"], "order_id", columns=_ECONOMICS_COLUMNS))]


# =================================================================================================
# Exercise 6: channel ROI
# =================================================================================================

_ROI_COLUMNS = ["conversions", "revenue", "net_contribution", "media_spend", "roas", "roi"]


def _roi_world(world):
    x = world_inputs(world)
    cases = []
    for rule in ("time_decay",):
        credit = ref_credit(x["paths"], rule)
        cases.append(Case(f"every path, its touches' {rule!r} credit, the orders' economics and media_spend (the "
                          "grader's)", (x["paths"].sample(frac=1, random_state=9), credit, x["economics"],
                                        x["media_spend"]),
                          _check_frame(ref_roi(x["paths"], credit, x["economics"], x["media_spend"]), ["channel"],
                                       "channel", columns=_ROI_COLUMNS)))
    return cases


def _roi_fixed():
    p = _fixed_paths()
    credit = ref_credit(p, "linear").drop([42])  # a touch with no credit given
    economics = pd.DataFrame({"revenue": [100.0, 250.0, 80.0, 40.0, 500.0],
                              "net_contribution": [30.0, -20.0, 10.0, 5.0, 120.0]},
                             index=pd.Index([1, 2, 3, 4, 5, 6][:5], name="order_id"))
    spend = pd.DataFrame({"month": pd.Timestamp("2025-01-01"), "campaign_id": [1, 2, 3, 4, 5, 6, 7],
                          "channel": ["email", "email", "display", "paid_search", "sms", "paid_social", "tv"],
                          "spend": [10.0, 5.0, 50.0, 200.0, 2.0, 80.0, 300.0]})
    return [Case("hand-made paths whose channels all but one have spend, a channel with spend but no touch, a touch "
                 "with no credit given, and orders that lose money",
                 (p, credit, economics, spend), _check_frame(ref_roi(p, credit, economics, spend), ["channel"],
                                                             "channel", columns=_ROI_COLUMNS))]


# =================================================================================================
# Exercise 7: rules against the truth
# =================================================================================================

def _check_scorecard(credits: pd.DataFrame, truth: pd.Series):
    ref = ref_scorecard(credits, truth)

    def check(answer):
        frame = _indexed(answer, ["rule"], "rule")
        expect_frame(frame, ref, index_name="the rules", columns=["share_error", "rank_correlation"], atol=1e-9)
        if "top_channel" not in frame.columns:
            raise Fail("the result is missing column(s) ['top_channel']")
        position = {k: i for i, k in enumerate(labels(frame.index))}
        for rule in ref.index:
            got = str(frame["top_channel"].iloc[position[rule]])
            c = credits[rule].reindex(sorted(set(credits.index) | set(truth.index))).fillna(0.0)
            if got not in c.index or not np.isclose(c[got], c.max(), rtol=1e-12, atol=0):
                raise Fail(f"top_channel is not the channel with the most credit for rule {rule!r}")
    return check


def _credits_table(world) -> pd.DataFrame:
    x = world_inputs(world)
    by_channel = x["paths"].set_index("touch_id")["channel"]
    table = {rule: ref_credit(x["paths"], rule).groupby(by_channel).sum() for rule in RULES}
    table["markov"] = x["markov"]["credit"]
    table["shapley"] = x["shapley"]["credit"]
    return pd.DataFrame(table).fillna(0.0)


def _scorecard_world(world):
    credits = _credits_table(world)
    truth = true_shares(world)
    return [Case("every rule's credit by channel (the grader's) and the planted true shares", (credits, truth),
                 _check_scorecard(credits, truth))]


def _scorecard_fixed():
    truth = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2, "d": 0.0})
    credits = pd.DataFrame({"perfect": [50.0, 30.0, 20.0, 0.0], "reversed": [2.0, 3.0, 5.0, 0.0],
                            "tied": [40.0, 40.0, 20.0, 0.0], "extra": [10.0, 6.0, 0.0, 0.0]},
                           index=["a", "b", "c", "d"])
    extra = pd.DataFrame({"perfect": [5.0, 3.0, 2.0, 1.0]}, index=["a", "b", "c", "z"])
    return [Case("hand-made credit: one rule that matches the truth exactly, one in reverse order, one with a tie at "
                 "the top, one with a channel that gets nothing", (credits, truth), _check_scorecard(credits, truth)),
            Case("hand-made credit with a channel the truth does not have and one it has that no rule credits",
                 (extra, truth), _check_scorecard(extra, truth))]


EXERCISES = [
    Graded("ex1_tests", "conversion_paths", _paths_world, _paths_fixed),
    Graded("ex2_tests", "touch_credit", _credit_world, _credit_fixed),
    Graded("ex3_tests", "markov_credit", _markov_world, _markov_fixed),
    Graded("ex4_tests", "shapley_credit", _shapley_world, _shapley_fixed),
    Graded("ex5_tests", "order_economics", _economics_world, _economics_fixed),
    Graded("ex6_tests", "channel_roi", _roi_world, _roi_fixed),
    Graded("ex7_tests", "rule_scorecard", _scorecard_world, _scorecard_fixed),
]


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:  # noqa: N802 - the name every grader module uses
    """The figures the memo rubric asks about, from the grader's references on one world."""
    x = world_inputs(world)
    credits = _credits_table(world)
    truth = true_shares(world)
    card = ref_scorecard(credits, truth).sort_values("share_error")
    shares = (credits / credits.sum()).round(3)
    roi_last = ref_roi(x["paths"], ref_credit(x["paths"], "last"), x["economics"], x["media_spend"])
    shapley_touch = _shapley_touch_credit(x["paths"], credits["shapley"])
    roi_shapley = ref_roi(x["paths"], shapley_touch, x["economics"], x["media_spend"])
    recorded = x["paths"].merge(x["conversions"][["order_id", "recorded_at"]], on="order_id").merge(
        x["touches"][["touch_id", "touched_at"]], on="touch_id")
    lost = int((recorded["touched_at"] < recorded["recorded_at"] - pd.Timedelta(days=LOOKBACK_DAYS)).sum())
    fmt = "; ".join
    return {
        "true shares (planted)": fmt(f"{c} {v:.1%}" for c, v in truth.sort_values(ascending=False).items()),
        "share of conversions misattributed, by rule": fmt(f"{r} {v:.1%}" for r, v in card["share_error"].items()),
        "last-touch / Shapley share of paid_social": f"{shares.loc['paid_social', 'last']:.1%} / "
                                                    f"{shares.loc['paid_social', 'shapley']:.1%}",
        "ROI net of operations, last touch": fmt(f"{c} {v:.2f}" for c, v in roi_last["roi"].sort_values().items()),
        "ROI net of operations, Shapley": fmt(f"{c} {v:.2f}" for c, v in roi_shapley["roi"].sort_values().items()),
        "net contribution per credited conversion, last touch (USD)":
            fmt(f"{c} {v:,.0f}" for c, v in (roi_last["net_contribution"] / roi_last["conversions"]).sort_values()
                .items()),
        "media spend by channel (USD)": fmt(f"{c} {v:,.0f}" for c, v in roi_last["media_spend"].items()),
        "touches lost by a window from the recorded conversion": f"{lost:,} of {len(x['paths']):,} "
                                                                 f"({lost / len(x['paths']):.1%})",
    }


def _shapley_touch_credit(paths: pd.DataFrame, by_channel: pd.Series) -> pd.Series:
    """Channel-level Shapley credit spread over each channel's touches in proportion to its
    linear credit (only for the memo's ROI view)."""
    linear = ref_credit(paths, "linear")
    ch = paths.set_index("touch_id")["channel"]
    total = linear.groupby(ch).sum()
    scale = (by_channel / total).reindex(ch.to_numpy()).to_numpy()
    return pd.Series(linear.reindex(ch.index).to_numpy() * scale, index=ch.index)
