"""Unit tests of cxlabs.checks.lab09: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab09 import MISTAKES

from cxlabs.checks import lab09 as checks
from cxlabs.feedback import CheckFailed

# --- reference answers (written independently of the check module and the notebook) ---------


def good_activity_rates(cost_centres, activity_cost_rates):
    rate = {(r.year, r.cost_centre): r.capacity_cost / r.practical_capacity_minutes
            for r in cost_centres.itertuples(index=False)}
    rows = [(r.activity, r.year, rate[(r.year, r.cost_centre)],
             r.minutes_per_unit * rate[(r.year, r.cost_centre)] + r.direct_cost)
            for r in activity_cost_rates.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["activity", "year", "cost_per_minute", "unit_cost"]).set_index(
        ["activity", "year"])


def good_unused_capacity(cost_centres, activity_cost_rates, volumes):
    minutes = {(r.activity, r.year): (r.cost_centre, r.minutes_per_unit)
               for r in activity_cost_rates.itertuples(index=False)}
    used = {}
    for r in volumes.itertuples(index=False):
        if (r.activity, r.year) in minutes:
            centre, m = minutes[(r.activity, r.year)]
            used[(centre, r.year)] = used.get((centre, r.year), 0.0) + r.units * m
    rows = []
    for r in cost_centres.itertuples(index=False):
        u = used.get((r.cost_centre, r.year), 0.0)
        free = r.practical_capacity_minutes - u
        rows.append((r.cost_centre, r.year, u, free, free / r.practical_capacity_minutes,
                     free / r.practical_capacity_minutes * r.capacity_cost))
    return pd.DataFrame(rows, columns=["cost_centre", "year", "used_minutes", "unused_minutes", "unused_share",
                                       "unused_cost"]).set_index(["cost_centre", "year"])


def good_customer_profit(customers, margins, units, rates):
    cost = rates["unit_cost"].to_dict()
    last = max(y for _, y in cost)
    rows = []
    for c in customers["customer_id"]:
        mine = units[units["customer_id"] == c]
        serve = sum(u * cost[(a, min(y, last))] for a, y, u in zip(mine["activity"], mine["year"], mine["units"],
                                                                    strict=True))
        revenue = float(margins.loc[c].sum()) if c in margins.index else 0.0
        rows.append((c, revenue, serve, revenue - serve))
    return pd.DataFrame(rows, columns=["customer_id", "revenue_margin", "cost_to_serve", "profit"]).set_index(
        "customer_id")


def good_segment_pnl(profit, customers, account_costs):
    seg = customers.set_index("customer_id")["segment"]
    rows = []
    for s in seg.unique():
        p = profit[seg.reindex(profit.index) == s]
        a = float(account_costs.get(s, 0.0))
        total = p["revenue_margin"].sum() - p["cost_to_serve"].sum() - a
        rows.append((s, len(p), p["revenue_margin"].sum(), p["cost_to_serve"].sum(), a, total, total / len(p)))
    out = pd.DataFrame(rows, columns=["segment", "customers", "revenue_margin", "cost_to_serve", "account_costs",
                                      "profit", "profit_per_customer"]).set_index("segment")
    out["profit_share"] = out["profit"] / out["profit"].sum()
    out["subsidised"] = out["profit"] < 0
    return out.sort_values("profit", ascending=False)


def good_whale_curve(profit):
    order = sorted(profit.items(), key=lambda kv: -kv[1])
    total, running, rows = profit.sum(), 0.0, []
    for k, (c, p) in enumerate(order, start=1):
        running += p
        rows.append((c, p, k / len(order), running / total))
    return pd.DataFrame(rows, columns=["customer_id", "profit", "customer_share", "cumulative_profit_share"])


def good_clv(inputs, discount_rate, horizon_years):
    return pd.Series([sum(m * r ** t / (1 + discount_rate) ** t for t in range(horizon_years))
                      for m, r in zip(inputs["margin_per_year"], inputs["retention"], strict=True)],
                     index=inputs.index, name="clv")


def good_value_inputs(plan_value, by):
    g = plan_value.groupby(by)
    s = g[["plan_years", "fees", "service_cost", "renewals", "cancellations"]].sum()
    out = pd.DataFrame({"plans": g.size(), "plan_years": s["plan_years"],
                        "margin_per_year": (s["fees"] - s["service_cost"]) / s["plan_years"]})
    out["retention"] = [1 - c / r if r else np.nan for c, r in zip(s["cancellations"], s["renewals"], strict=True)]
    return out


def good_revenue_concentration(account_revenue, account_parents, n):
    acct = account_revenue.groupby("account_id")["net_revenue"].sum()
    parent = acct.groupby(acct.index.map(account_parents.set_index("account_id")["parent_id"])).sum()
    rows = []
    for level, s in (("account", acct), ("parent", parent)):
        share = s / s.sum()
        h = float((share * 100).pow(2).sum())
        rows.append((level, float(share.sort_values(ascending=False).iloc[:n].sum()), h, h > 1800))
    return pd.DataFrame(rows, columns=["level", "top_n_share", "hhi", "highly_concentrated"]).set_index("level")


RIGHT = [
    (checks.activity_rates, good_activity_rates),
    (checks.unused_capacity, good_unused_capacity),
    (checks.customer_profit, good_customer_profit),
    (checks.segment_pnl, good_segment_pnl),
    (checks.whale_curve, good_whale_curve),
    (checks.clv, good_clv),
    (checks.value_inputs, good_value_inputs),
    (checks.revenue_concentration, good_revenue_concentration),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i}_answer": ex for i, ex in enumerate(EXERCISES, start=1)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # rows in another order, extra columns, float counts, a DataFrame for a Series
    checks.activity_rates.check(lambda c, r: good_activity_rates(c, r).iloc[::-1].assign(extra=1))
    checks.unused_capacity.check(lambda c, r, v: good_unused_capacity(c, r, v).sample(frac=1, random_state=1))
    checks.customer_profit.check(lambda c, m, u, r: good_customer_profit(c, m, u, r).iloc[::-1])
    checks.segment_pnl.check(lambda p, c, a: good_segment_pnl(p, c, a).astype({"customers": float}))
    checks.clv.check(lambda i, d, h: good_clv(i, d, h).to_frame("clv"))
    checks.value_inputs.check(lambda p, by: good_value_inputs(p, by)[["retention", "margin_per_year", "plan_years",
                                                                     "plans"]])
    checks.revenue_concentration.check(lambda r, p, n: good_revenue_concentration(r, p, n).iloc[::-1])


def test_checks_use_fresh_examples():
    def mutating(cost_centres, activity_cost_rates):
        cost_centres["capacity_cost"] = 0.0
        return good_activity_rates(cost_centres, activity_cost_rates)
    with pytest.raises(CheckFailed):
        checks.activity_rates.check(mutating)
    checks.activity_rates.check(good_activity_rates)


# --- wrong types and crashes are plain words ---------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    assert "returned str" in failure(exercise, lambda *args: "done")


def test_index_as_columns_is_named():
    message = failure(checks.activity_rates, lambda c, r: good_activity_rates(c, r).reset_index())
    assert "are columns" in message and "set_index" in message


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the course issue and the methods notes name for lab 09 are in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("a year from now", "one margin too many", "fractions", "parent groups", "direct cost",
                   "profitable customers", "fees only"):
        assert phrase in text, phrase


# --- the worked examples are right and can tell right from wrong --------------------------------

def test_hand_worked_answers_match_the_references():
    rates = good_activity_rates(checks.example_centres(), checks.example_rates())
    assert {k: round(v, 6) for k, v in rates["unit_cost"].items()} == {(a, y): w for y, a, *_, w in checks._RATES}
    unused = good_unused_capacity(checks.example_centres(), checks.example_rates(), checks.example_volumes())
    assert {k: tuple(round(x, 6) for x in v) for k, v in unused.T.to_dict("list").items()} == checks._UNUSED
    profit = good_customer_profit(checks.example_customers(), checks.example_margins(), checks.example_units(),
                                  checks.example_unit_costs())
    assert {k: tuple(round(x, 6) for x in v) for k, v in profit.T.to_dict("list").items()} == checks._PROFIT
    pnl = good_segment_pnl(checks.example_profit(), checks.example_segments(), checks.example_account_costs())
    assert list(pnl.index) == list(checks._PNL)
    for s, row in checks._PNL.items():
        assert np.allclose(pnl.loc[s, checks._PNL_COLUMNS[:-1]].astype(float), row[:-1])
        assert bool(pnl.loc[s, "subsidised"]) == row[-1]
    whale = good_whale_curve(checks.example_whale())
    assert np.allclose(whale[["customer_id", "profit", "customer_share", "cumulative_profit_share"]].to_numpy(float),
                       np.array(checks._WHALE, dtype=float))
    clv = good_clv(checks.example_clv_inputs(), 0.10, 3)
    assert np.allclose(clv.to_numpy(), [checks._CLV[g] for g in clv.index], atol=1e-6)
    for by, expected in checks._VALUE.items():
        got = good_value_inputs(checks.example_plan_value(), by)
        for g, row in expected.items():
            assert np.allclose(got.loc[g].astype(float).to_numpy(), row, equal_nan=True), (by, g)
    conc = good_revenue_concentration(checks.example_account_revenue(), checks.example_account_parents(), 2)
    for level, (top, h, flag) in checks._CONCENTRATION.items():
        assert np.isclose(conc.loc[level, "top_n_share"], top) and np.isclose(conc.loc[level, "hhi"], h)
        assert bool(conc.loc[level, "highly_concentrated"]) == flag


def test_worked_examples_are_well_posed():
    volumes = checks.example_volumes()
    assert volumes.duplicated(["activity", "year"]).any() and (volumes["year"] == 2026).any()
    units = checks.example_units()
    assert (units["year"] > 2025).any() and units.duplicated(["customer_id", "activity", "year"]).any()
    assert set(checks.example_customers()["customer_id"]) - set(units["customer_id"])
    assert set(checks.example_customers()["customer_id"]) - set(checks.example_margins().index)
    whale = checks.example_whale()
    assert (whale < 0).any() and (whale == 0).any()
    plans = checks.example_plan_value()
    assert (plans["plan_years"] == 0).any() and (plans["renewals"] == 0).any()


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.activity_rates, lambda c, r: good_activity_rates(c, r).assign(unit_cost=1.0))
    for *_, want in checks._RATES:
        assert f"{want:g}" not in message
    message = failure(checks.clv, lambda i, d, h: good_clv(i, d, h) + 1)
    assert not any(f"{v:.2f}" in message for v in checks._CLV.values())
    message = failure(checks.revenue_concentration,
                      lambda r, p, n: good_revenue_concentration(r, p, n).assign(hhi=5.0))
    assert "1400" not in message and "2600" not in message and "1,400" not in message


def test_hints_progress(capsys):
    for exercise in EXERCISES:
        exercise._hints_shown = 0
        assert 2 <= len(exercise.hints) <= 3
        for i in range(len(exercise.hints)):
            exercise.hint()
            assert f"Hint {i + 1}/{len(exercise.hints)}" in capsys.readouterr().out
        exercise._hints_shown = 0
