"""Unit tests of cxlabs.checks.lab13: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab13 import MISTAKES
from scipy.optimize import linprog
from scipy.stats import norm

from cxlabs.checks import lab13 as checks
from cxlabs.feedback import CheckFailed

# --- reference answers (written independently of the check module and the notebook) ---------


def good_backtest(weekly, origins, horizon):
    rows = []
    last = weekly["week"].max()
    for (fam, reg), g in weekly.groupby(["family", "region"]):
        u = dict(zip(g["week"], g["units"], strict=True))
        for o in origins:
            recent = sum(u[o - pd.Timedelta(weeks=k)] for k in range(8))
            before = sum(u[o - pd.Timedelta(weeks=52 + k)] for k in range(8))
            level = recent / before if before else 1.0
            for h in range(1, horizon + 1):
                t = o + pd.Timedelta(weeks=h)
                if t <= last:
                    naive = u[t - pd.Timedelta(weeks=52)]
                    rows.append((fam, reg, o, t, h, u[t], naive, naive * level))
    return pd.DataFrame(rows, columns=["family", "region", "origin", "target", "horizon", "actual", "naive",
                                       "seasonal"])


def good_forecast_error(results, by):
    def one(g):
        a, f = g["actual"].sum(), g["forecast"].sum()
        wape = (g["actual"] - g["forecast"]).abs().sum() / a if a else np.nan
        return pd.Series({"actual": a, "wape": wape, "bias": (f - a) / a if a else np.nan})
    return results.groupby(by)[["actual", "forecast"]].apply(one)


def good_supplier_delays(po, start, end):
    po = po.dropna(subset=["received_date"]).query("@start <= ordered_date < @end")
    po = po.assign(delay=(po["received_date"] - po["expected_date"]) / pd.Timedelta(days=1))
    return po.groupby("supplier_id").agg(orders=("delay", "size"), mean_delay_days=("delay", "mean"),
                                         sd_delay_days=("delay", "std"),
                                         late_share=("delay", lambda d: (d > 0).mean()))


def good_safety_stock(plan, service_levels):
    z = norm.ppf(plan["service_class"].map(service_levels))
    sd = np.sqrt(plan["lead_mean"] * plan["demand_sd"] ** 2 + (plan["demand_mean"] * plan["lead_sd"]) ** 2)
    return pd.DataFrame({"z": z, "safety_stock": z * sd}, index=plan.index)


def good_allocate(requests, supply, floor):
    seg = pd.get_dummies(requests["segment"]).T.to_numpy(dtype=float)
    units = requests["units"].to_numpy(dtype=float)
    if floor * units.sum() > supply:
        raise ValueError("infeasible floors")
    res = linprog(-requests["value_per_unit"].to_numpy(dtype=float),
                  A_ub=np.vstack([np.ones(len(units)), -seg]), b_ub=np.r_[supply, -floor * (seg @ units)],
                  bounds=np.c_[np.zeros(len(units)), units], method="highs")
    return pd.Series(res.x, index=requests.index)


def good_pooling_saving(daily, z, lead_days):
    wide = daily.set_index(["date", "location"])["units"].unstack()
    sep = z * math.sqrt(lead_days) * wide.std().sum()
    pooled = z * math.sqrt(lead_days) * wide.sum(axis=1).std()
    return {"separate": sep, "pooled": pooled, "saving": 1 - pooled / sep}


def good_delivery_promise(orders, shipments, q):
    m = shipments.merge(orders.query("status == 'completed'"), on="order_id", suffixes=("_s", ""))
    m["days"] = (m["delivered_at"] - m["ordered_at"]) / pd.Timedelta(days=1)
    out = m.groupby(["fulfilment_centre", "delivery_method"])["days"].agg(
        orders="size", mean_days="mean", quantile_days=lambda d: np.quantile(d, q))
    out["promise_days"] = out["quantile_days"].map(math.ceil)
    return out


def good_promise_accuracy(orders, shipments, promise=None):
    m = shipments[["order_id", "delivered_at"]].merge(
        orders[(orders["status"] == "completed") & orders["promised_delivery_date"].notna()], on="order_id")
    if promise is None:
        last_day = m["promised_delivery_date"]
    else:
        m = m.merge(promise.reset_index(), on=["fulfilment_centre", "delivery_method"])
        last_day = m["ordered_at"].dt.floor("D") + pd.to_timedelta(m["promise_days"], unit="D")
    m["kept"] = m["delivered_at"].dt.floor("D") <= last_day
    out = m.groupby(["fulfilment_centre", "delivery_method"])["kept"].agg(orders="size", kept="sum")
    out["accuracy"] = out["kept"] / out["orders"]
    return out


RIGHT = [
    (checks.backtest, good_backtest),
    (checks.forecast_error, good_forecast_error),
    (checks.supplier_delays, good_supplier_delays),
    (checks.safety_stock, good_safety_stock),
    (checks.allocate, good_allocate),
    (checks.pooling_saving, good_pooling_saving),
    (checks.delivery_promise, good_delivery_promise),
    (checks.promise_accuracy, good_promise_accuracy),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "math": math, "NormalDist": NormalDist, "linprog": linprog}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # ex1: another row order, extra columns
    checks.backtest.check(lambda w, o, h: good_backtest(w, o, h).iloc[::-1].reset_index(drop=True).assign(x=1))
    # ex2: columns in another order, a named index
    checks.forecast_error.check(lambda r, by: good_forecast_error(r, by)[["bias", "wape", "actual"]])
    # ex3: rows in another order, float counts
    checks.supplier_delays.check(lambda p, s, e: good_supplier_delays(p, s, e).iloc[::-1].astype(float))
    # ex5: a one-column DataFrame, rows in another order
    checks.allocate.check(lambda r, s, f: good_allocate(r, s, f).iloc[::-1].to_frame("allocated"))
    # ex6: a Series instead of a dict
    checks.pooling_saving.check(lambda d, z, lead: pd.Series(good_pooling_saving(d, z, lead)))
    # ex7 and ex8: rows in another order
    checks.delivery_promise.check(lambda o, s, q: good_delivery_promise(o, s, q).iloc[::-1])
    checks.promise_accuracy.check(lambda o, s, p=None: good_promise_accuracy(o, s, p).iloc[::-1])


def test_checks_use_fresh_examples():
    def mutating(weekly, origins, horizon):
        weekly["units"] = 1
        return good_backtest(weekly, origins, horizon)

    with pytest.raises(CheckFailed):
        checks.backtest.check(mutating)
    checks.backtest.check(good_backtest)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: "done")
    assert "returned str" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.safety_stock, lambda p, s: p["lead_time"])
    assert "missing column" in failure(checks.backtest, lambda w, o, h: good_backtest(w, o, h).drop(columns="naive"))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)



def test_every_issue_mistake_is_catalogued():
    """The wrong answers the methods file lists for lab 13 are in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("mape", "l times sigma_d", "two-sided z", "lead-time variability left out", "no fairness floor",
                   "independence", "from the mean"):
        assert phrase in text, phrase


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_worked_examples_are_well_posed():
    weekly = checks.example_weekly()
    assert (weekly["week"].dt.day_of_week == 0).all() and weekly.groupby(["family", "region"]).size().eq(64).all()
    po = checks.example_purchase_orders()
    assert (po["ordered_date"] == pd.Timestamp("2024-01-01")).any() and (po["ordered_date"] == pd.Timestamp("2024-04-01")).any()
    assert po["received_date"].isna().any() and (po["received_date"] == po["expected_date"]).any()
    requests = checks.example_requests()
    assert requests["value_per_unit"].is_unique, "distinct values: the worked allocation is unique"
    shipments = checks.example_shipments()
    assert (shipments["delivered_at"] == pd.Timestamp("2025-03-07 23:59")).any()


def test_hand_worked_answers_match_the_references():
    got = good_backtest(checks.example_weekly(), checks.EXAMPLE_ORIGINS, checks.EXAMPLE_HORIZON)
    got = got.sort_values(["family", "region", "origin", "horizon"])
    assert np.allclose(got["seasonal"], [r[6] for r in checks._BACKTEST])
    err = good_forecast_error(checks.example_results(), "family")
    assert np.allclose(err.loc["oven", ["wape", "bias"]], [0.1, 1 / 30])   # the published vector
    ss = good_safety_stock(checks.example_plan(), checks.EXAMPLE_LEVELS)
    assert round(ss["safety_stock"].iloc[0], 1) == 345.0 and round(ss["safety_stock"].iloc[1], 1) == 104.0
    for (supply, floor), want in checks._ALLOCATIONS.items():
        assert np.allclose(good_allocate(checks.example_requests(), supply, floor), want)
    pool = good_pooling_saving(checks.example_daily(), 1.6448536269514722, 9)
    assert np.allclose(list(pool.values()), list(checks._POOLING.values()))
    promise = good_delivery_promise(checks.example_orders(), checks.example_shipments(), 0.8)
    assert promise.loc[checks._PAIRS, "promise_days"].tolist() == checks._PROMISE["promise_days"]
    acc = good_promise_accuracy(checks.example_orders(), checks.example_shipments(), checks.example_promise())
    assert acc.loc[checks._PAIRS[:2], "kept"].tolist() == checks._ACCURACY_TABLE["kept"]


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.safety_stock, lambda p, s: good_safety_stock(p, s).assign(safety_stock=1.0))
    assert "345" not in message and "104" not in message
    message = failure(checks.allocate, lambda r, s, f: good_allocate(r, s, f) * 0.5)
    assert "15" not in message and "12" not in message
    message = failure(checks.pooling_saving, lambda d, z, lead: {**good_pooling_saving(d, z, lead), "pooled": 1.0})
    assert "22.6" not in message and "23.7" not in message
    message = failure(checks.delivery_promise, lambda o, s, q: good_delivery_promise(o, s, q).assign(promise_days=9))
    assert "[3, 5, 7]" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
        ex._hints_shown = 0
        ex.hint()
        ex.hint()
        out = capsys.readouterr().out
        assert "Hint 1/" in out and "Hint 2/" in out
