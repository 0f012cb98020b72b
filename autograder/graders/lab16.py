"""Graded references for Lab 16, *Investing and scaling across markets* (instructor-only).

Each exercise's cases run the learner's function on the tables of each world (rows shuffled, as
exports come) and on hand-made records at the edges of every rule: mean scores exactly on a tier
threshold, teams with a month missing, criteria registered on the start day and a day later,
effects exactly at the minimum and intervals touching zero, requests that exactly break even,
budgets and risk limits used to the last unit, measures exactly on every credit boundary and at
100, notes in capitals or matching several themes, contacts on the first and last day of each
window. The references are computed here by other routes than the solution notebook (integer
sums instead of means, row loops, exact fractions and brute force instead of an integer
programme).

The lab's constants are stated once, in the block below; the hand-made records use them.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_number, expect_series, expect_type

# =================================================================================================
# The lab's constants (as in the notebook)
# =================================================================================================

SCORE_COLUMNS = ["process_score", "data_score", "digital_score", "people_score"]
YEARS = 3
KEYWORDS = {
    "returns": ["return"],
    "billing": ["bill", "charged", "invoice", "payment", "vat"],
    "app": ["app ", "app.", "log in"],
    "installation": ["install", "technician", "bracket"],
    "delivery": ["deliver", "parcel", "courier", "order", "tracking"],
    "product": ["fridge", "thermostat", "washing", "leak", "noise"],
}
CLAIMS = (("returns", "2025-03-01", 56), ("billing", "2025-04-01", 56), ("returns", "2025-03-24", 28))
Z = 1.96
T = pd.Timestamp
DAY = pd.Timedelta(days=1)


def _facts(world) -> dict:
    f = pd.read_parquet(world.folder / "planted_facts.parquet")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def rules_of(world) -> dict:
    b = world.load("cx_budget").iloc[0]
    return {"budget_kusd": int(b["budget_kusd"]), "risk_limit_points": int(b["risk_limit_points"]),
            "min_prevention_share": float(b["min_prevention_share"]), "max_disruptive": int(b["max_disruptive"])}


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


# =================================================================================================
# Exercise 1: maturity tiers
# =================================================================================================

def _tiers_ref(markets: pd.DataFrame) -> pd.DataFrame:
    """Integer sums of the four scores: leading from 14 (mean 3.5), developing from 10 (2.5)."""
    rows = {}
    for _, r in markets.iterrows():
        total = sum(int(r[c]) for c in SCORE_COLUMNS)
        tier = "leading" if total >= 14 else "developing" if total >= 10 else "emerging"
        rows[r["market"]] = (total / 4, tier)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean_score", "tier"])


def _tiers_world(world):
    m = world.load("markets")
    ref = _tiers_ref(m)
    return [Case("the markets table (rows shuffled)", (_shuffled(m, 3),),
                 lambda a: expect_frame(a, ref, index_name="the index (market)"))]


def _tiers_fixed():
    sums = {"A1": (4, 4, 3, 3), "A2": (5, 3, 3, 3), "B1": (3, 3, 2, 2), "B2": (1, 4, 3, 2), "C1": (3, 2, 2, 2),
            "C2": (1, 1, 5, 2), "D1": (4, 3, 3, 3), "E1": (5, 5, 5, 5), "F1": (1, 1, 1, 1), "G1": (4, 4, 4, 1)}
    m = pd.DataFrame([(k, "EU", 100 * i, 0.5, 30, *v) for i, (k, v) in enumerate(sums.items())],
                     columns=["market", "region", "customers", "online_order_share", "years_trading", *SCORE_COLUMNS])
    ref = _tiers_ref(m)
    return [Case("hand-made markets: means exactly 3.5 and 2.5 (twice each), just below each, and the extremes",
                 (_shuffled(m, 1),), lambda a: expect_frame(a, ref, index_name="the index (market)"))]


# =================================================================================================
# Exercise 2: the practice's effect by market
# =================================================================================================

def _effect_ref(team_months: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Per market, numpy over each team's own rows."""
    out = {}
    for _, trial in trials.iterrows():
        rows = team_months[team_months["market"] == trial["market"]]
        changes = {True: [], False: []}
        for team in rows["team_id"].unique():
            t = rows[rows["team_id"] == team]
            inside = ((t["month"] >= trial["started_on"]) & (t["month"] <= trial["ended_on"])).to_numpy()
            csat = t["csat_mean"].to_numpy(dtype=float)
            changes[bool(t["adopter"].iloc[0])].append(csat[inside].mean() - csat[~inside].mean())
        a, o = np.array(changes[True]), np.array(changes[False])
        effect = a.mean() - o.mean()
        se = math.sqrt(a.var(ddof=1) / len(a) + o.var(ddof=1) / len(o))
        out[trial["market"]] = (effect, se, effect - Z * se, effect + Z * se)
    return pd.DataFrame.from_dict(out, orient="index", columns=["effect", "se", "ci_low", "ci_high"])


def _effect_world(world):
    tm, tr = world.load("practice_team_months"), world.load("practice_trials")
    ref = _effect_ref(tm, tr)
    return [Case("the team-months and trials tables (rows shuffled)", (_shuffled(tm, 5), _shuffled(tr, 6)),
                 lambda a: expect_frame(a, ref, index_name="the index (market)"))]


def _effect_fixed():
    trials = pd.DataFrame({"market": ["P", "Q"], "role": ["pilot", "rollout"], "teams": [5, 4],
                           "started_on": [T("2024-05-01"), T("2025-02-01")],
                           "ended_on": [T("2024-06-30"), T("2025-04-30")],
                           "criteria_registered_on": [T("2024-04-01"), T("2025-01-10")],
                           "metric": "csat", "min_effect": 0.1})
    rng = np.random.default_rng(16)
    rows = []
    plan = {"P": (pd.date_range("2024-02-01", "2024-06-01", freq="MS"), [True, True, True, False, False]),
            "Q": (pd.date_range("2024-11-01", "2025-04-01", freq="MS"), [True, False, True, False])}
    for market, (months, adopters) in plan.items():
        start = trials.set_index("market").loc[market, "started_on"]
        for k, adopter in enumerate(adopters):
            for j, month in enumerate(months):
                if market == "P" and k == 0 and j == 1:
                    continue  # a team with a month missing before the trial
                if market == "Q" and k == 3 and month == T("2025-04-01"):
                    continue  # and one with its last trial month missing
                during = month >= start
                value = 3.8 + 0.1 * k + rng.normal(0, 0.05) + (0.3 if adopter and during else 0.0)
                rows.append((market, f"{market}-{k}", month, adopter, adopter and during, 100, round(value, 3)))
    tm = pd.DataFrame(rows, columns=["market", "team_id", "month", "adopter", "practice", "responses", "csat_mean"])
    tm["month"] = tm["month"].astype("datetime64[us]")
    ref = _effect_ref(tm, trials)
    return [Case("hand-made trials: a month on the start day, unequal groups (3 against 2), teams with a month "
                 "missing, trials with their own dates", (_shuffled(tm, 2), trials),
                 lambda a: expect_frame(a, ref, index_name="the index (market)"))]


# =================================================================================================
# Exercise 3: success criteria
# =================================================================================================

def _judge_ref(effects: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for _, t in trials.iterrows():
        e = effects.loc[t["market"]]
        in_time = bool(t["criteria_registered_on"] <= t["started_on"])
        ok = float(e["effect"]) >= float(t["min_effect"]) and float(e["ci_low"]) > 0
        out[t["market"]] = (in_time, "not valid" if not in_time else "success" if ok else "failure")
    return pd.DataFrame.from_dict(out, orient="index", columns=["criteria_in_time", "verdict"])


def _judge_world(world):
    tm, tr = world.load("practice_team_months"), world.load("practice_trials")
    effects = _effect_ref(tm, tr)
    ref = _judge_ref(effects, tr)
    return [Case("the trials and their effects (rows shuffled)", (effects.sample(frac=1, random_state=4),
                                                                 _shuffled(tr, 8)),
                 lambda a: expect_frame(a, ref, index_name="the index (market)"))]


def _judge_fixed():
    start = T("2025-06-01")
    spec = [  # market, registered (days after start), effect, ci_low
        ("on_start_day", 0, 0.25, 0.10), ("on_start_day_2", 0, 0.3, 0.2), ("a_day_late", 1, 0.4, 0.3),
        ("after_the_end", 200, 0.4, 0.3), ("effect_at_min", -10, 0.1, 0.02), ("effect_at_min_2", -3, 0.1, 0.05),
        ("just_below_min", -10, 0.09, 0.03), ("ci_touches_0", -10, 0.3, 0.0), ("ci_touches_0_2", -2, 0.2, 0.0),
        ("ci_below_0", -5, 0.15, -0.02), ("late_and_weak", 5, 0.0, -0.1), ("clear", -30, 0.5, 0.4),
    ]
    trials = pd.DataFrame({"market": [s[0] for s in spec], "role": "rollout", "teams": 10,
                           "started_on": start, "ended_on": start + pd.Timedelta(days=182),
                           "criteria_registered_on": [start + pd.Timedelta(days=s[1]) for s in spec],
                           "metric": "csat", "min_effect": 0.1})
    trials[["started_on", "ended_on", "criteria_registered_on"]] = trials[
        ["started_on", "ended_on", "criteria_registered_on"]].astype("datetime64[us]")
    effects = pd.DataFrame({"effect": [s[2] for s in spec] + [0.3], "se": 0.05,
                            "ci_low": [s[3] for s in spec] + [0.2], "ci_high": 1.0},
                           index=pd.Index([s[0] for s in spec] + ["not_in_trials"], name="market"))
    ref = _judge_ref(effects, trials)
    return [Case("hand-made trials: criteria on the start day and a day late, effects exactly at the minimum, "
                 "intervals touching 0, and an effect for a market with no trial", (effects, _shuffled(trials, 3)),
                 lambda a: expect_frame(a, ref, index_name="the index (market)"))]


# =================================================================================================
# Exercise 4: localisation requests
# =================================================================================================

def _local_ref(requests: pd.DataFrame, years: int) -> pd.DataFrame:
    out = {}
    for _, r in requests.iterrows():
        net = int(years) * (int(r["annual_benefit_usd"]) - int(r["annual_upkeep_usd"])) - int(r["one_off_cost_usd"])
        out[int(r["request_id"])] = (net, r["reason"] == "legal" or net >= 0)
    return pd.DataFrame.from_dict(out, orient="index", columns=["net_value_usd", "approve"])


def _local_world(world):
    r = world.load("localisation_requests")
    three, five = _local_ref(r, YEARS), _local_ref(r, 5)
    return [Case("the localisation requests over 3 years (rows shuffled)", (_shuffled(r, 9), YEARS),
                 lambda a: expect_frame(a, three, index_name="the index (request_id)")),
            Case("the localisation requests over 5 years", (r, 5),
                 lambda a: expect_frame(a, five, index_name="the index (request_id)"))]


def _local_fixed():
    spec = [  # reason, one-off, upkeep, benefit
        ("legal", 50000, 20000, 1000), ("legal", 9000, 0, 0), ("customer", 30000, 5000, 15000),
        ("internal", 6000, 1000, 3000), ("customer", 30001, 5000, 15000), ("internal", 6001, 1000, 3000),
        ("customer", 29999, 5000, 15000), ("internal", 0, 2000, 1000), ("customer", 0, 0, 0),
    ]
    r = pd.DataFrame({"request_id": [31, 4, 17, 8, 22, 15, 2, 40, 11], "market": "DE",
                      "requested_on": T("2025-05-01"), "requested_by": "sales", "change": "address format",
                      "reason": [s[0] for s in spec], "new_configuration": True,
                      "one_off_cost_usd": [s[1] for s in spec], "annual_upkeep_usd": [s[2] for s in spec],
                      "annual_benefit_usd": [s[3] for s in spec]})
    r["requested_on"] = r["requested_on"].astype("datetime64[us]")
    ref = _local_ref(r, YEARS)
    return [Case("hand-made requests: legal ones that lose money, two that exactly break even, one dollar either "
                 "side, one with nothing at all", (r, YEARS),
                 lambda a: expect_frame(a, ref, index_name="the index (request_id)"))]


# =================================================================================================
# Exercise 5: the best portfolio
# =================================================================================================

def _arrays(initiatives: pd.DataFrame):
    return (initiatives["initiative_id"].astype(int).to_numpy(), initiatives["cost_kusd"].astype(int).to_numpy(),
            initiatives["risk_points"].astype(int).to_numpy(),
            initiatives["expected_benefit_kusd"].astype(int).to_numpy(),
            (initiatives["category"] == "prevention").to_numpy(), (initiatives["kind"] == "disruptive").to_numpy())


def _feasible(x: np.ndarray, initiatives: pd.DataFrame, rules: dict) -> np.ndarray:
    """Rows of 0/1 choices ``x`` that keep every rule, in exact integer arithmetic (the prevention
    share as a fraction p/q: q·prevention >= p·spend)."""
    _, cost, risk, _, prevention, disruptive = _arrays(initiatives)
    share = Fraction(str(rules["min_prevention_share"]))
    spend = x @ cost
    return ((spend <= rules["budget_kusd"]) & (x @ risk <= rules["risk_limit_points"])
            & (x @ disruptive.astype(int) <= rules["max_disruptive"])
            & (share.denominator * (x @ (cost * prevention)) >= share.numerator * spend))


def best_value(initiatives: pd.DataFrame, rules: dict) -> int:
    """The most benefit any set keeps the rules with: every subset of the initiatives tried."""
    x = np.array(list(itertools.product((0, 1), repeat=len(initiatives))), dtype=np.int64)
    ok = _feasible(x, initiatives, rules)
    return int((x[ok] @ _arrays(initiatives)[3]).max())


def _portfolio_check(initiatives: pd.DataFrame, rules: dict):
    best = best_value(initiatives, rules)
    all_ids = _arrays(initiatives)[0]

    def check(answer):
        if isinstance(answer, (tuple, np.ndarray)):
            answer = list(answer)
        expect_type(answer, list, "a sorted list of initiative ids")
        try:
            ids = [int(i) for i in answer]
        except (TypeError, ValueError):
            raise Fail("the list should hold initiative ids (int)") from None
        if len(set(ids)) != len(ids):
            raise Fail("an initiative is in the list twice")
        if not set(ids) <= set(all_ids.tolist()):
            raise Fail("the list holds numbers that are not initiative ids (row positions?)")
        x = np.isin(all_ids, ids).astype(np.int64)[None, :]
        if not _feasible(x, initiatives, rules)[0]:
            raise Fail("the chosen set breaks a rule: the budget, the risk limit, the prevention share of the money "
                       "spent, or the cap on disruptive initiatives")
        if int((x @ _arrays(initiatives)[3])[0]) < best:
            raise Fail("the chosen set keeps the rules but another set brings more expected benefit")
        if ids != sorted(ids):
            raise Fail("the ids should be sorted")
    return check


def _portfolio_world(world):
    ini, rules = world.load("cx_initiatives"), rules_of(world)
    tight = {**rules, "risk_limit_points": max(rules["risk_limit_points"] - 5, 1)}
    loose = {**rules, "risk_limit_points": 1000}
    return [Case("the 2026 initiatives and rules (rows shuffled)", (_shuffled(ini, 12), rules),
                 _portfolio_check(ini, rules)),
            Case("the 2026 initiatives with a risk limit 5 points tighter", (ini, tight), _portfolio_check(ini, tight)),
            Case("the 2026 initiatives with no real risk limit", (ini, loose), _portfolio_check(ini, loose))]


def _portfolio_fixed():
    ini = pd.DataFrame({
        "initiative_id": [201, 202, 203, 204, 205, 206, 207, 208],
        "name": "initiative",
        "category": ["prevention", "prevention", "recovery", "recovery", "prevention", "recovery", "prevention",
                     "recovery"],
        "kind": ["incremental", "disruptive", "disruptive", "incremental", "incremental", "disruptive",
                 "incremental", "incremental"],
        "cost_kusd": [50, 50, 50, 50, 30, 40, 20, 70],
        "expected_benefit_kusd": [100, 160, 170, 120, 50, 150, 45, 130],
        "risk_points": [3, 6, 6, 3, 2, 5, 1, 4],
    })
    exact = {"budget_kusd": 150, "risk_limit_points": 12, "min_prevention_share": 0.5, "max_disruptive": 1}
    none_disruptive = {**exact, "max_disruptive": 0}
    zero = {**exact, "budget_kusd": 10}
    return [Case("hand-made initiatives where the best set uses the budget, the risk limit and the prevention "
                 "share exactly", (ini, exact), _portfolio_check(ini, exact)),
            Case("the same with no disruptive initiative allowed", (ini, none_disruptive),
                 _portfolio_check(ini, none_disruptive)),
            Case("a budget too small for any initiative (the best set is empty)", (ini, zero),
                 _portfolio_check(ini, zero))]


# =================================================================================================
# Exercise 6: service credits
# =================================================================================================

def _credits_ref(performance: pd.DataFrame, tiers: pd.DataFrame) -> pd.DataFrame:
    """Tiers tried from the highest lower bound down: the first the measure reaches."""
    schedule = {v: g.sort_values("at_least_pct", ascending=False)[["at_least_pct", "credit_pct"]].to_numpy()
                for v, g in tiers.groupby("vendor")}
    out = {}
    for vendor, month, value, fee in zip(performance["vendor"], performance["month"],
                                         performance["customer_facing_pct"], performance["fee_usd"], strict=True):
        pct = next(p for lo, p in schedule[vendor] if value >= lo)
        out[(vendor, T(month))] = (float(pct), float(fee) * float(pct) / 100)
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["credit_pct", "credit_usd"])
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["vendor", "month"])
    return frame


def _credits_world(world):
    p, t = world.load("vendor_performance"), world.load("vendor_credit_tiers")
    ref = _credits_ref(p, t)
    return [Case("the vendors' monthly performance and credit schedules (rows shuffled)",
                 (_shuffled(p, 13), _shuffled(t, 14)),
                 lambda a: expect_frame(a, ref, index_name="the index (vendor, month)"))]


def _credits_fixed():
    tiers = pd.DataFrame([
        ("V1", 1, 99.9, 100.0, 0), ("V1", 2, 99.0, 99.9, 10), ("V1", 3, 95.0, 99.0, 25), ("V1", 4, 0.0, 95.0, 100),
        ("V2", 1, 99.5, 100.0, 0), ("V2", 2, 97.5, 99.5, 15), ("V2", 3, 0.0, 97.5, 40),
    ], columns=["vendor", "tier", "at_least_pct", "below_pct", "credit_pct"])
    v1 = [100.0, 99.9, 99.9, 99.89, 99.0, 99.0, 98.99, 95.0, 95.0, 94.99, 0.0, 99.95]
    v2 = [100.0, 99.5, 99.49, 97.5, 97.5, 97.49, 50.0]
    months1 = pd.date_range("2024-01-01", periods=len(v1), freq="MS")
    months2 = pd.date_range("2024-01-01", periods=len(v2), freq="MS")
    p = pd.DataFrame({"vendor": ["V1"] * len(v1) + ["V2"] * len(v2), "month": list(months1) + list(months2),
                      "customer_facing_pct": v1 + v2,
                      "internal_uptime_pct": [99.99, 94.0, 99.95, 99.99, 100.0, 99.3, 99.99, 99.99, 99.95, 99.9,
                                              99.99, 96.0, 99.99, 99.99, 97.0, 99.99, 100.0, 99.99, 99.99],
                      "fee_usd": [12000] * len(v1) + [5000] * len(v2)})
    p["month"] = p["month"].astype("datetime64[us]")
    ref = _credits_ref(p, tiers)
    return [Case("hand-made months exactly on every tier boundary (twice), a cent below each, at 100 and at 0, "
                 "with the vendor's own uptime telling another story", (_shuffled(p, 7), tiers),
                 lambda a: expect_frame(a, ref, index_name="the index (vendor, month)"))]


# =================================================================================================
# Exercise 7: themes
# =================================================================================================

def _themes_ref(insights: pd.DataFrame, keywords: dict) -> pd.Series:
    out = {}
    for i, note in zip(insights.index, insights["note"], strict=True):
        text = str(note).lower()
        out[i] = next((t for t, words in keywords.items() if any(w.lower() in text for w in words)), "other")
    return pd.Series(out)


def _themes_world(world):
    log = world.load("frontline_insights").sample(frac=1, random_state=15)
    ref = _themes_ref(log, KEYWORDS)
    return [Case("the frontline-insight log with the lab's taxonomy (rows shuffled, index kept)", (log, KEYWORDS),
                 lambda a: expect_series(a, ref, accept_frame=True, index_name="the index (as in insights)"))]


def _themes_fixed():
    notes = ["The RETURN label again.", "Charged twice, wants the invoice.", "App. Crashed.",
             "Parcel returned to the depot.", "TECHNICIAN late for the install.", "", "Nothing to report.",
             "VAT missing on the Invoice", "Loud NOISE from the fridge after delivery", "happy customer",
             "Order tracking app shows nothing"]
    log = pd.DataFrame({"insight_id": range(1, len(notes) + 1), "logged_on": T("2025-05-05"), "team": "service",
                        "market": "UK", "note": notes}, index=[70 + 3 * i for i in range(len(notes))])
    log["logged_on"] = log["logged_on"].astype("datetime64[us]")
    keywords = {"returns": ["Return"], "billing": ["VAT", "charged"], "app": ["app"],
                "installation": ["technician"], "delivery": ["parcel", "Delivery", "order"]}
    ref = _themes_ref(log, keywords)
    return [Case("hand-made notes in capitals, with keywords of several themes, keywords with capitals, an empty "
                 "note, a keyword inside another word, and an index that is not 0, 1, 2…", (log, keywords),
                 lambda a: expect_series(a, ref, accept_frame=True, index_name="the index (as in insights)"))]


# =================================================================================================
# Exercise 8: a claim against the data
# =================================================================================================

def _claim_ref(volume: pd.DataFrame, reason: str, since, days: int) -> dict:
    day = volume["date"].to_numpy(dtype="datetime64[D]")
    s = np.datetime64(T(since).date(), "D")
    contacts = volume["contacts"].to_numpy(dtype=float)
    mine = (volume["reason"] == reason).to_numpy()
    out = {}
    for name, lo, hi in (("share_before", s - days, s), ("share_after", s, s + days)):
        inside = (day >= lo) & (day < hi)
        out[name] = contacts[inside & mine].sum() / contacts[inside].sum()
    out["ratio"] = out["share_after"] / out["share_before"]
    return out


def _claim_check(ref: dict):
    def check(answer):
        expect_type(answer, dict, "a dict with share_before, share_after and ratio")
        missing = [k for k in ref if k not in answer]
        if missing:
            raise Fail(f"the dict is missing key(s) {missing}")
        for key in ref:
            expect_number(answer[key], ref[key], key, rtol=1e-9)
    return check


def _claim_world(world):
    v = world.load("contact_volume_daily")
    shuffled = _shuffled(v, 17)
    return [Case(f"the daily contact volumes: {reason} from {since}, {days} days either side (rows shuffled)",
                 (shuffled, reason, T(since), days), _claim_check(_claim_ref(v, reason, since, days)))
            for reason, since, days in CLAIMS]


def _claim_fixed():
    since = T("2025-07-10")
    rows = []
    for offset, phone_returns, chat_returns, other in [(-5, 500, 0, 10), (-4, 10, 30, 60), (-3, 12, 5, 70),
                                                       (-1, 20, 0, 40), (0, 30, 10, 50), (1, 25, 5, 45),
                                                       (3, 40, 40, 20), (4, 900, 0, 1), (5, 5, 5, 5)]:
        day = since + offset * DAY
        rows += [(day, "phone", "returns", phone_returns), (day, "chat", "returns", chat_returns),
                 (day, "phone", "billing", other), (day, "email", "delivery", 2 * other)]
    v = pd.DataFrame(rows, columns=["date", "channel", "reason", "contacts"])
    v["date"] = v["date"].astype("datetime64[us]")
    return [Case("hand-made days on the first and last day of each window and just outside them, several channels",
                 (_shuffled(v, 1), "returns", since, 4), _claim_check(_claim_ref(v, "returns", since, 4))),
            Case("the same days, billing", (v, "billing", since, 4), _claim_check(_claim_ref(v, "billing", since, 4)))]


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the grader's references on ``world``."""
    tiers = _tiers_ref(world.load("markets"))
    tr = world.load("practice_trials")
    effects = _effect_ref(world.load("practice_team_months"), tr)
    judged = _judge_ref(effects, tr)
    untried = sorted(set(tiers.index) - set(tr["market"]))
    ini, rules = world.load("cx_initiatives"), rules_of(world)
    best = best_value(ini, rules)
    loose = best_value(ini, {**rules, "risk_limit_points": 1000})
    credits = _credits_ref(world.load("vendor_performance"), world.load("vendor_credit_tiers"))
    per_vendor = credits.groupby(level="vendor")["credit_usd"].sum()
    uptime = world.load("vendor_performance").groupby("vendor")["internal_uptime_pct"].min()
    v = world.load("contact_volume_daily")
    claims = {reason: _claim_ref(v, reason, since, days)["ratio"] for reason, since, days in CLAIMS[:2]}
    loc = _local_ref(world.load("localisation_requests"), YEARS)
    a = world.load("automation_options")
    deflected = a["monthly_contacts"] * a["deflection_rate"]
    net = (deflected * a["agent_cost_per_contact_usd"] + deflected * a["csat_change_deflected"] * 9.0
           - a["monthly_running_cost_usd"])
    return {
        "tiers": ", ".join(f"{m} {t} ({s:.2f})" for m, (s, t) in tiers.sort_values("mean_score").iterrows()),
        "effect by trial market (95% interval)": "; ".join(
            f"{m} {r['effect']:+.2f} ({r['ci_low']:+.2f} to {r['ci_high']:+.2f}), {judged.loc[m, 'verdict']}"
            for m, r in effects.iterrows()),
        "untried markets": ", ".join(f"{m} ({tiers.loc[m, 'tier']})" for m in untried),
        "best portfolio at the risk limit": f"benefit {best:,} kUSD at {rules['risk_limit_points']} points; "
                                            f"{loose:,} kUSD with no risk limit",
        "localisation approved": f"{int(loc['approve'].sum())} of {len(loc)}",
        "automation with a negative net value": ", ".join(a.loc[net < 0, "option"]) or "none",
        "vendor credits (USD) / lowest internal uptime": "; ".join(
            f"{vn} {per_vendor[vn]:,.0f} / {uptime[vn]:.2f}%" for vn in per_vendor.index),
        "share ratio after/before: returns, billing": f"{claims['returns']:.2f}, {claims['billing']:.2f}",
    }


EXERCISES = [
    Graded("ex1_tests", "maturity_tiers", _tiers_world, _tiers_fixed),
    Graded("ex2_tests", "practice_effect", _effect_world, _effect_fixed),
    Graded("ex3_tests", "judge_trials", _judge_world, _judge_fixed),
    Graded("ex4_tests", "localisation_decisions", _local_world, _local_fixed),
    Graded("ex5_tests", "best_portfolio", _portfolio_world, _portfolio_fixed),
    Graded("ex6_tests", "service_credits", _credits_world, _credits_fixed),
    Graded("ex7_tests", "tag_themes", _themes_world, _themes_fixed),
    Graded("ex8_tests", "claim_check", _claim_world, _claim_fixed),
]

__all__ = ["EXERCISES", "MEMO_FIGURES", "best_value"]
