"""Graded references for Lab 13, *Inventory and fulfilment promises* (instructor-only).

Each exercise's cases run the learner's function on the tables of each world (rows shuffled, as
exports come) and on hand-made records at the edges of every rule: a level with nothing to compare
with, targets after the last week, segments that sold nothing, orders placed on the window's first
and last day, deliveries on the expected day, floors that just fit the supply and floors that do
not, locations that move together or against each other, deliveries a moment before and after the
end of the promised day. The references are computed here, by other routes than the solution
notebook (arrays instead of lookups, row loops, a greedy allocation instead of the LP, scipy's
normal quantile instead of the standard library's).

The lab's constants (the back-test's origins, the service levels, the retention values) are
stated once, in the block below; the hand-made records are built from them.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels
from scipy.stats import norm

# =================================================================================================
# The lab's constants (as in the notebook)
# =================================================================================================

ORIGINS = list(pd.date_range("2025-03-03", "2025-11-17", freq="28D"))
HORIZON = 4
YEAR_DAYS = 364          # the seasonal naive looks back 52 weeks
LEVEL_WEEKS = 8          # the level compares the 8 weeks ending with the origin week
SERVICE_LEVELS = {"A": 0.98, "B": 0.95, "C": 0.90}
RETENTION_VALUE = {"business": 150.0, "premium": 90.0, "mainstream": 40.0, "value": 20.0}
SUPPLY_SHARE = 0.5
T = pd.Timestamp
DAY = pd.Timedelta(days=1)
#: Tolerance on the value an allocation serves, relative to the best value.
VALUE_RTOL = 1e-6
#: Tolerance on the constraints of an allocation (units).
UNIT_ATOL = 1e-6


def _facts(world) -> dict:
    f = pd.read_parquet(world.folder / "planted_facts.parquet")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def _plain_index(frame: pd.DataFrame) -> None:
    if labels(frame.index) != list(range(len(frame))):
        raise Fail("the result should have a plain 0, 1, 2… index (reset_index(drop=True) or ignore_index=True)")


def _missing(frame: pd.DataFrame, columns) -> None:
    gone = [c for c in columns if c not in frame.columns]
    if gone:
        raise Fail(f"the result is missing column(s) {gone}")


# =================================================================================================
# Exercise 1: rolling-origin back-test
# =================================================================================================

def weekly_of(world) -> pd.DataFrame:
    """The notebook's `weekly` input: units per family, region and whole week (Monday)."""
    d = world.load("daily_demand")
    p = world.load("products")
    family = d["product_id"].map(p.set_index("product_id")["category"])
    week = d["date"].dt.normalize() - pd.to_timedelta(d["date"].dt.day_of_week, unit="D")
    whole = d.groupby(week)["date"].nunique()
    whole = whole[whole == 7].index
    keep = week.isin(whole)
    out = (d[keep].groupby([family[keep].rename("family"), d.loc[keep, "region"], week[keep].rename("week")])
           ["units_demanded"].sum().rename("units").reset_index())
    out["family"] = out["family"].astype("str")
    return out


def _backtest_ref(weekly: pd.DataFrame, origins, horizon: int) -> pd.DataFrame:
    """Arrays: one row per series, one column per week from the first week."""
    grid = weekly.pivot_table(index=["family", "region"], columns="week", values="units", aggfunc="sum")
    first = grid.columns.min()
    col = {w: i for i, w in enumerate(grid.columns)}
    y = grid.to_numpy(dtype=float)
    last = grid.columns.max()
    rows = []
    for origin in origins:
        o = col[pd.Timestamp(origin)]
        back = YEAR_DAYS // 7
        recent = y[:, o - LEVEL_WEEKS + 1:o + 1].sum(axis=1)
        before = y[:, o - back - LEVEL_WEEKS + 1:o - back + 1].sum(axis=1)
        safe = np.where(before == 0, 1.0, before)
        level = np.where(before == 0, 1.0, recent / safe)
        for h in range(1, horizon + 1):
            target = pd.Timestamp(origin) + pd.Timedelta(days=7 * h)
            if target > last:
                continue
            t = col[target]
            naive = y[:, t - back]
            for k, (fam, reg) in enumerate(grid.index):
                rows.append((fam, reg, pd.Timestamp(origin), h, target, y[k, t], naive[k], naive[k] * level[k]))
    del first
    out = pd.DataFrame(rows, columns=["family", "region", "origin", "horizon", "target", "actual", "naive",
                                      "seasonal"])
    return out.set_index(["family", "region", "origin", "horizon"])


def _check_backtest(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per series, origin and horizon")
        _missing(frame, ["family", "region", "origin", "target", "horizon", "actual", "naive", "seasonal"])
        if len(frame) > len(ref) and frame["actual"].isna().any():
            raise Fail("targets after the last week of `weekly` should be left out")
        _plain_index(frame)
        try:
            got = frame.assign(origin=pd.to_datetime(frame["origin"]).astype("datetime64[ns]"),
                               target=pd.to_datetime(frame["target"]).astype("datetime64[ns]"),
                               horizon=frame["horizon"].astype(int))
        except (TypeError, ValueError, OverflowError):
            raise Fail("origin and target should hold dates and horizon whole numbers") from None
        got = got.set_index(["family", "region", "origin", "horizon"])
        where = "the (family, region, origin, horizon) rows"
        expect_frame(got, ref, columns=["target", "actual", "naive"], index_name=where)
        seasonal = pd.to_numeric(got["seasonal"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(seasonal).all():
            raise Fail("some seasonal forecasts are missing or infinite: when the 8 weeks a year earlier sold "
                       "nothing, the level is 1")
        expect_frame(got, ref, columns=["seasonal"], index_name=where)
    return check


def _backtest_world(world):
    weekly = weekly_of(world)
    late = [T("2025-06-30"), T("2025-12-01")]
    return [
        Case("the weekly demand of every family and region, the lab's origins (rows shuffled)",
             (weekly.sample(frac=1, random_state=13).reset_index(drop=True), list(ORIGINS), HORIZON),
             _check_backtest(_backtest_ref(weekly, ORIGINS, HORIZON))),
        Case("the weekly demand with two origins, six weeks ahead, the last reaching past the data",
             (weekly, late, 6), _check_backtest(_backtest_ref(weekly, late, 6))),
    ]


def _hand_weekly(series: dict, weeks: int = 66) -> pd.DataFrame:
    start = T("2024-01-01")
    rows = []
    for (fam, reg), make in series.items():
        for i in range(weeks):
            rows.append((fam, reg, start + pd.Timedelta(days=7 * i), int(make(i))))
    out = pd.DataFrame(rows, columns=["family", "region", "week", "units"])
    out["week"] = out["week"].astype("datetime64[us]")
    return out


def _backtest_fixed():
    # week 60 is the origin; the earlier window is weeks 1..8 (60 - 52 - 7 .. 60 - 52)
    series = {
        ("oven", "UK"): lambda i: 20 + (i % 7) + (5 if i >= 52 else 0),
        # nothing sold in weeks 0..9: the level at origin 60 (earlier window 1..8) and 61 (2..9) is 1
        ("fridge", "US"): lambda i: 0 if i < 10 else 3 + i % 4,
        # only the origin week itself differs between an inclusive and an exclusive window
        ("kettle", "EU"): lambda i: 50 if i in (60, 62) else (10 if i in (8, 10) else 5),
        # a window that starts a week too early or ends a week too late picks up the spikes
        ("fan", "EU"): lambda i: 40 if i in (52, 0) else 6 + (i % 2),
    }
    weekly = _hand_weekly(series)
    origins = [T("2024-01-01") + pd.Timedelta(days=7 * 60), T("2024-01-01") + pd.Timedelta(days=7 * 62)]
    ref = _backtest_ref(weekly, origins, 5)
    return [Case("hand-made weekly series: years with nothing sold, spikes just inside and just outside the "
                 "8-week window, targets past the last week (rows shuffled)",
                 (weekly.sample(frac=1, random_state=5).reset_index(drop=True), origins, 5),
                 _check_backtest(ref))]


# =================================================================================================
# Exercise 2: WAPE and bias
# =================================================================================================

def _error_ref(results: pd.DataFrame, by) -> pd.DataFrame:
    keys = [by] if isinstance(by, str) else list(by)
    out = {}
    for key, g in results.groupby(keys):
        a, f = g["actual"].to_numpy(float), g["forecast"].to_numpy(float)
        total = a.sum()
        out[key if len(keys) > 1 else key[0]] = (
            total, np.abs(a - f).sum() / total if total else np.nan, (f - a).sum() / total if total else np.nan)
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["actual", "wape", "bias"])
    if len(keys) > 1:
        frame.index = pd.MultiIndex.from_tuples(frame.index, names=keys)
    return frame


def _check_error(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by the segment")
        _missing(frame, ["actual", "wape", "bias"])
        if frame.index.nlevels != ref.index.nlevels:
            raise Fail(f"the index should have {ref.index.nlevels} level(s), one per column in `by`")
        for c in ("wape", "bias"):
            v = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
            if np.isinf(v).any():
                raise Fail(f"{c} is infinite for a segment whose actuals sum to 0; it should be NaN")
        expect_frame(frame, ref, columns=["actual"], index_name="the segments")
        expect_frame(frame, ref, columns=["wape"], index_name="the segments", rtol=1e-6)
        expect_frame(frame, ref, columns=["bias"], index_name="the segments", rtol=1e-6, atol=1e-9)
    return check


def _long_backtest(world) -> pd.DataFrame:
    bt = _backtest_ref(weekly_of(world), ORIGINS, HORIZON).reset_index()
    return pd.concat([bt.assign(method=m, forecast=bt[m]) for m in ("naive", "seasonal")], ignore_index=True)


def _error_world(world):
    long = _long_backtest(world).sample(frac=1, random_state=7).reset_index(drop=True)
    return [
        Case("the 2025 back-test of both methods, by method", (long, "method"), _check_error(_error_ref(long, "method"))),
        Case("the 2025 back-test of both methods, by family and method", (long, ["family", "method"]),
             _check_error(_error_ref(long, ["family", "method"]))),
        Case("the 2025 back-test of both methods, by region, horizon and method",
             (long, ["region", "horizon", "method"]), _check_error(_error_ref(long, ["region", "horizon", "method"]))),
    ]


def _error_fixed():
    rows = [("a", "x", 100, 110), ("a", "x", 200, 180), ("a", "y", 300, 330), ("b", "x", 10, 20),
            ("b", "y", 40, 30), ("b", "y", 1, 0), ("c", "x", 0, 2), ("c", "y", 0, 0), ("d", "x", 5, 5),
            ("d", "y", 0, 4), ("e", "x", 0, 0), ("e", "x", 0, 0), ("f", "y", 8, 0), ("f", "y", 2, 10)]
    results = pd.DataFrame(rows, columns=["family", "region", "actual", "forecast"]).astype(
        {"actual": "float64", "forecast": "float64"})
    results["note"] = "hand-made"
    return [
        Case("hand-made actuals and forecasts: segments with no sales, perfect forecasts, misses that cancel "
             "(rows shuffled)", (results.sample(frac=1, random_state=2), "family"),
             _check_error(_error_ref(results, "family"))),
        Case("hand-made actuals and forecasts by two columns, some pairs with no sales",
             (results, ["family", "region"]), _check_error(_error_ref(results, ["family", "region"]))),
    ]


# =================================================================================================
# Exercise 3: supplier delays
# =================================================================================================

def _delays_ref(po: pd.DataFrame, start, end) -> pd.DataFrame:
    stats: dict[int, list] = {}
    for row in po.itertuples(index=False):
        if pd.isna(row.received_date) or not (start <= row.ordered_date < end):
            continue
        stats.setdefault(int(row.supplier_id), []).append((row.received_date - row.expected_date).days)
    out = {s: (len(d), float(np.mean(d)), float(np.std(d, ddof=1)) if len(d) > 1 else np.nan,
               float(np.mean(np.array(d) > 0))) for s, d in stats.items()}
    return pd.DataFrame.from_dict(out, orient="index",
                                  columns=["orders", "mean_delay_days", "sd_delay_days", "late_share"])


def _check_delays(ref: pd.DataFrame, boundary: bool = False):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by supplier_id")
        _missing(frame, ["orders", "mean_delay_days", "sd_delay_days", "late_share"])
        try:
            frame = frame.set_axis([int(i) for i in frame.index])
        except (TypeError, ValueError):
            raise Fail("the index should be the supplier_id") from None
        if boundary:
            got = frame.reindex(ref.index)["orders"].to_numpy(dtype=float, na_value=np.nan)
            if len(frame) == len(ref) and not np.allclose(got, ref["orders"].to_numpy(float)):
                raise Fail("the orders counted are wrong at the window's edges: an order placed ON the start day "
                           "counts, one placed on the end day does not, and one that has not arrived does not")
        expect_frame(frame, ref, columns=["orders", "mean_delay_days"], index_name="the supplier_id")
        expect_frame(frame, ref, columns=["sd_delay_days"], index_name="the supplier_id")
        if boundary:
            late = frame.loc[ref.index, "late_share"].to_numpy(dtype=float)
            if not np.allclose(late, ref["late_share"].to_numpy(float)):
                raise Fail("late_share is wrong: an order that arrives ON its expected day is on time; late "
                           "means a delay above 0")
        expect_frame(frame, ref, columns=["late_share"], index_name="the supplier_id")
    return check


def _delays_world(world):
    po = world.load("purchase_orders")
    shuffled = po.sample(frac=1, random_state=3).reset_index(drop=True)
    cases = []
    for start, end in ((T("2024-01-01"), T("2025-01-01")), (T("2025-01-01"), T("2026-01-01")),
                       (T("2024-07-01"), T("2025-07-01"))):
        cases.append(Case(f"the purchase_orders table, orders placed from {start.date()} to {end.date()} "
                          "(rows shuffled)", (shuffled, start, end), _check_delays(_delays_ref(po, start, end))))
    return cases


def _po(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["supplier_id", "ordered_date", "quoted_lead_time_days", "received_date"])
    frame.insert(0, "po_id", np.arange(1, len(frame) + 1))
    frame["product_id"] = 10 * frame["supplier_id"]
    frame["fulfilment_centre"] = "FC-EU"
    frame["quantity"] = 3
    frame["ordered_date"] = pd.to_datetime(frame["ordered_date"]).astype("datetime64[us]")
    frame["received_date"] = pd.to_datetime(frame["received_date"]).astype("datetime64[us]")
    frame["expected_date"] = frame["ordered_date"] + pd.to_timedelta(frame["quoted_lead_time_days"], unit="D")
    return frame


def _delays_fixed():
    start, end = T("2025-03-01"), T("2025-06-01")
    rows = [  # supplier, ordered, quoted, received
        (1, "2025-03-01", 10, "2025-03-11"), (1, "2025-03-01", 10, "2025-03-14"),   # on start: counted
        (1, "2025-06-01", 10, "2025-06-30"), (1, "2025-06-01", 5, "2025-06-07"),    # on end: not counted
        (1, "2025-02-28", 10, "2025-03-30"), (1, "2025-02-28", 10, "2025-03-20"),   # day before start
        (1, "2025-05-31", 10, "2025-06-10"), (1, "2025-05-31", 10, "2025-06-09"),   # last day: on time, early
        (2, "2025-04-01", 20, None), (2, "2025-04-08", 20, None),                   # not arrived
        (2, "2025-04-02", 20, "2025-04-22"), (2, "2025-04-03", 20, "2025-04-23"),   # on the expected day
        (2, "2025-04-04", 20, "2025-04-25"), (2, "2025-05-04", 20, "2025-05-30"),   # 1 and 6 days late
        (3, "2025-03-15", 30, "2025-04-10"), (3, "2025-03-16", 30, "2025-04-13"),   # early
        (3, "2025-05-30", 30, None),
    ]
    po = _po(rows)
    return [Case("hand-made purchase orders placed on the first day, the day before, the last day and the day "
                 "after the window; arrivals on the expected day, early, late and never (rows shuffled)",
                 (po.sample(frac=1, random_state=8), start, end),
                 _check_delays(_delays_ref(po, start, end), boundary=True))]


# =================================================================================================
# Exercise 4: safety stock
# =================================================================================================

def plan_of(world) -> pd.DataFrame:
    """A stock plan per product and centre: 2025 demand, quoted lead time plus the supplier's 2024 delays."""
    d = world.load("daily_demand")
    d = d[d["date"].dt.year == 2025]
    stats = d.groupby(["product_id", "fulfilment_centre"])["units_demanded"].agg(["mean", "std"])
    ps = world.load("product_supply").set_index("product_id")
    products = world.load("products").set_index("product_id")
    delays = _delays_ref(world.load("purchase_orders"), T("2024-01-01"), T("2025-01-01"))
    pid = stats.index.get_level_values("product_id")
    supplier = ps.loc[pid, "supplier_id"].to_numpy()
    plan = pd.DataFrame({
        "service_class": ps.loc[pid, "service_class"].to_numpy(),
        "demand_mean": stats["mean"].to_numpy(), "demand_sd": stats["std"].to_numpy(),
        "lead_mean": products.loc[pid, "supplier_lead_time_days"].to_numpy()
        + delays.loc[supplier, "mean_delay_days"].to_numpy(),
        "lead_sd": delays.loc[supplier, "sd_delay_days"].to_numpy(),
    })
    plan.index = [f"{p}@{c}" for p, c in stats.index]
    return plan


def _ss_ref(plan: pd.DataFrame) -> pd.DataFrame:
    z = norm.ppf(plan["service_class"].map(SERVICE_LEVELS).to_numpy(dtype=float))
    var = plan["lead_mean"] * plan["demand_sd"] ** 2 + (plan["demand_mean"] * plan["lead_sd"]) ** 2
    return pd.DataFrame({"z": z, "safety_stock": z * np.sqrt(var.to_numpy(dtype=float))}, index=plan.index)


def _check_ss(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with the plan's index")
        _missing(frame, ["z", "safety_stock"])
        expect_frame(frame, ref, columns=["z"], index_name="the plan's index")
        expect_frame(frame, ref, columns=["safety_stock"], index_name="the plan's index", rtol=1e-6)
    return check


def _ss_world(world):
    plan = plan_of(world)
    return [Case("a 2025 plan for every product and centre (2025 demand, lead times with the 2024 delays)",
                 (plan.sample(frac=1, random_state=4), dict(SERVICE_LEVELS)), _check_ss(_ss_ref(plan))),
            Case("the same plan with no lead-time variability", (plan.assign(lead_sd=0.0), dict(SERVICE_LEVELS)),
                 _check_ss(_ss_ref(plan.assign(lead_sd=0.0))))]


def _ss_fixed():
    plan = pd.DataFrame(
        [("B", 100.0, 20.0, 10.0, 2.0), ("B", 100.0, 20.0, 10.0, 0.0), ("A", 3.0, 0.0, 14.0, 4.0),
         ("C", 0.2, 0.6, 35.0, 12.0), ("A", 50.0, 30.0, 1.0, 0.5), ("C", 0.0, 0.0, 20.0, 3.0),
         ("B", 7.5, 2.5, 60.0, 15.0)],
        columns=["service_class", "demand_mean", "demand_sd", "lead_mean", "lead_sd"],
        index=pd.Index(["k9", "k1", "k5", "k3", "k7", "k2", "k8"], name="item"))
    return [Case("hand-made plan rows: the published vector (345.0 and 104.0 units), no demand variability, no "
                 "demand at all, long and short lead times, every class", (plan, dict(SERVICE_LEVELS)),
                 _check_ss(_ss_ref(plan)))]


# =================================================================================================
# Exercise 5: allocation
# =================================================================================================

def requests_of(world) -> pd.DataFrame:
    """The notebook's requests: the short family at the short centres (from the planted facts),
    June and July 2025, known customers' completed orders, per centre and segment."""
    short = _facts(world)["inventory_shortage"]
    lines, orders = world.load("order_lines"), world.load("orders")
    products, customers = world.load("products"), world.load("customers")
    m = lines.merge(orders[["order_id", "customer_id", "ordered_at", "fulfilment_centre", "status"]], on="order_id")
    m = m.merge(products[["product_id", "category", "unit_cost"]], on="product_id")
    m = m.merge(customers[["customer_id", "segment"]], on="customer_id")
    m = m[(m["category"] == short["family"]) & m["fulfilment_centre"].isin(short["centres"])
          & (m["status"] == "completed") & (m["ordered_at"] >= T("2025-06-01")) & (m["ordered_at"] < T("2025-08-01"))]
    margin = (m["unit_price"] - m["unit_cost"]) * m["quantity"]
    g = pd.DataFrame({"units": m["quantity"], "margin": margin}).groupby([m["fulfilment_centre"], m["segment"]]).sum()
    out = g.reset_index()
    out["value_per_unit"] = out["margin"] / out["units"] + out["segment"].map(RETENTION_VALUE)
    return out.drop(columns="margin")


def best_value(requests: pd.DataFrame, supply: float, floor: float) -> float:
    """The most value an allocation can serve: each segment's floor from its best rows, then the rest
    of the supply by value (a greedy route, not the LP); NaN when the floors need too much."""
    units = requests["units"].to_numpy(float)
    value = requests["value_per_unit"].to_numpy(float)
    seg = requests["segment"].to_numpy()
    if floor * units.sum() > supply:
        return float("nan")
    x = np.zeros(len(units))
    for s in pd.unique(seg):
        need = floor * units[seg == s].sum()
        for i in sorted(np.flatnonzero(seg == s), key=lambda i: -value[i]):
            take = min(units[i], need)
            x[i] += take
            need -= take
    left = supply - x.sum()
    for i in sorted(range(len(units)), key=lambda i: -value[i]):
        if value[i] <= 0 or left <= 0:
            break
        take = min(units[i] - x[i], left)
        x[i] += take
        left -= take
    return float((x * value).sum())


def _check_allocation(requests: pd.DataFrame, supply: float, floor: float):
    best = best_value(requests, supply, floor)
    units = requests["units"].astype(float)
    seg = requests["segment"]

    def check(answer):
        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        series = expect_type(answer, pd.Series, "a Series with the index of `requests`")
        if sorted(labels(series.index), key=str) != sorted(labels(requests.index), key=str):
            raise Fail("the Series should have the index of `requests`, one value per request row")
        position = {k: i for i, k in enumerate(labels(series.index))}
        x = pd.to_numeric(series, errors="coerce").iloc[[position[k] for k in labels(requests.index)]]
        x = pd.Series(x.to_numpy(dtype=float), index=requests.index)
        if x.isna().any():
            raise Fail("some rows have no allocation (missing values)")
        if (x < -UNIT_ATOL).any():
            raise Fail("a row got a negative allocation")
        if (x > units + UNIT_ATOL).any():
            raise Fail("a row got more units than it asked for")
        if x.sum() > supply + UNIT_ATOL:
            raise Fail("more units were allocated than the supply")
        served = x.groupby(seg).sum()
        floors = floor * units.groupby(seg).sum()
        if (served < floors.loc[served.index] - UNIT_ATOL).any():
            raise Fail("a segment got less than the floor times its demand")
        value = float((x * requests["value_per_unit"]).sum())
        if value < best - VALUE_RTOL * max(abs(best), 1.0):
            raise Fail("the allocation meets the constraints but does not serve the most value it could")
    return check


def _allocation_world(world):
    req = requests_of(world)
    supply = SUPPLY_SHARE * float(req["units"].sum())
    cases = []
    for floor in (0.0, 0.3, 0.45):
        cases.append(Case(f"the short family's June-July 2025 requests, supply {SUPPLY_SHARE:.0%} of demand, "
                          f"floor {floor:.0%} (rows shuffled)",
                          (req.sample(frac=1, random_state=6), supply, floor), _check_allocation(req, supply, floor)))
    cases.append(Case("the short family's requests, floors that need more than the supply",
                      (req, supply, 0.55), raises="ValueError"))
    cases.append(Case("the short family's requests, supply enough for every request",
                      (req, float(req["units"].sum()) + 5, 0.3),
                      _check_allocation(req, float(req["units"].sum()) + 5, 0.3)))
    return cases


def _requests(rows, index=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["fulfilment_centre", "segment", "units", "value_per_unit"])
    frame["note"] = "hand-made"
    if index is not None:
        frame.index = index
    return frame


def _allocation_fixed():
    req = _requests([("FC-UK", "business", 40, 300.0), ("FC-UK", "value", 20, 150.0), ("FC-UK", "premium", 10, 260.0),
                     ("FC-EU", "business", 30, 320.0), ("FC-EU", "value", 20, 120.0)],
                    index=pd.Index(["r3", "r1", "r5", "r2", "r4"], name="request"))
    ties = _requests([("FC-UK", "business", 25, 200.0), ("FC-EU", "business", 25, 200.0),
                      ("FC-UK", "value", 10, 200.0), ("FC-EU", "value", 30, 50.0), ("FC-USW", "value", 5, 80.0)])
    one_row = _requests([("FC-UK", "premium", 8, 90.0), ("FC-EU", "business", 50, 400.0),
                         ("FC-USW", "business", 10, 410.0), ("FC-USE", "mainstream", 12, 35.0)], index=[40, 10, 30, 20])
    cases = [
        Case("hand-made requests: floors that exactly use the whole supply (50% of 120 units, 60 units)",
             (req, 60.0, 0.5), _check_allocation(req, 60.0, 0.5)),
        Case("hand-made requests: floors that need a little more than the supply (51% of 120 units, 60 units)",
             (req, 60.0, 0.51), raises="ValueError"),
        Case("hand-made requests: no floor", (req, 60.0, 0.0), _check_allocation(req, 60.0, 0.0)),
        Case("hand-made requests: a 30% floor (rows shuffled)", (req.sample(frac=1, random_state=1), 60.0, 0.3),
             _check_allocation(req, 60.0, 0.3)),
        Case("hand-made requests: supply exactly equal to the demand", (req, 120.0, 0.3),
             _check_allocation(req, 120.0, 0.3)),
        Case("hand-made requests with equal values (any split between them is right)", (ties, 40.0, 0.2),
             _check_allocation(ties, 40.0, 0.2)),
        Case("hand-made requests, a segment of one row, floor 100%", (one_row, 80.0, 1.0),
             _check_allocation(one_row, 80.0, 1.0)),
        Case("hand-made requests, a segment of one row, floor 100%, one unit short", (one_row, 79.0, 1.0),
             raises="ValueError"),
        Case("hand-made requests, a floor of 25%", (one_row, 30.0, 0.25), _check_allocation(one_row, 30.0, 0.25)),
    ]
    return cases


# =================================================================================================
# Exercise 6: pooling
# =================================================================================================

def _pool_ref(daily: pd.DataFrame, z: float, lead: float) -> dict:
    locations = sorted(daily["location"].unique())
    dates = sorted(daily["date"].unique())
    grid = np.zeros((len(dates), len(locations)))
    di = {d: i for i, d in enumerate(dates)}
    li = {loc: j for j, loc in enumerate(locations)}
    for d, loc, u in zip(daily["date"], daily["location"], daily["units"], strict=True):
        grid[di[d], li[loc]] += u

    def sd(v):
        return math.sqrt(((v - v.mean()) ** 2).sum() / (len(v) - 1))

    separate = sum(z * sd(grid[:, j]) * math.sqrt(lead) for j in range(len(locations)))
    pooled = z * sd(grid.sum(axis=1)) * math.sqrt(lead)
    return {"separate": separate, "pooled": pooled, "saving": 1 - pooled / separate}


def _check_pool(ref: dict):
    def check(answer):
        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        if isinstance(answer, pd.Series):
            answer = {str(k): v for k, v in answer.items()}
        got = expect_type(answer, dict, "a Series (or dict) with separate, pooled and saving")
        for key in ("separate", "pooled", "saving"):
            if key not in got:
                raise Fail(f"the result has no {key!r}")
            v = got[key]
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
                raise Fail(f"{key} should be a number")
            if not np.isclose(float(v), ref[key], rtol=1e-6, atol=1e-9):
                raise Fail(f"{key} is not right")
    return check


def daily_of(world, region: str, family: str, year: int) -> pd.DataFrame:
    d = world.load("daily_demand")
    p = world.load("products")
    fam = d["product_id"].map(p.set_index("product_id")["category"])
    d = d[(d["region"] == region) & (fam == family) & (d["date"].dt.year == year)]
    out = d.groupby(["date", "fulfilment_centre"])["units_demanded"].sum().reset_index()
    return out.rename(columns={"fulfilment_centre": "location", "units_demanded": "units"})


def _pool_world(world):
    cases = []
    z = float(norm.ppf(0.95))
    for region, family, year in (("US", "refrigerator", 2025), ("US", "smart lighting", 2024)):
        daily = daily_of(world, region, family, year).sample(frac=1, random_state=9).reset_index(drop=True)
        cases.append(Case(f"the daily demand of the {family} family at the {region} centres in {year} "
                          "(rows shuffled)", (daily, z, 14), _check_pool(_pool_ref(daily, z, 14))))
    d = world.load("daily_demand")
    both = d[d["date"].dt.year == 2025].groupby(["date", "region"])["units_demanded"].sum().reset_index()
    both = both.rename(columns={"region": "location", "units_demanded": "units"})
    cases.append(Case("the daily demand of all products per region in 2025", (both, 2.0537, 30),
                      _check_pool(_pool_ref(both, 2.0537, 30))))
    return cases


def _pool_fixed():
    dates = list(pd.date_range("2025-01-06", periods=10, freq="D"))
    a = [5, 9, 4, 12, 7, 6, 10, 3, 8, 6]
    together = pd.DataFrame({"date": dates * 3, "location": ["n"] * 10 + ["s"] * 10 + ["w"] * 10,
                             "units": a + [2 * v for v in a] + [11] * 10})  # perfectly correlated, plus a constant
    against = pd.DataFrame({"date": dates * 2, "location": ["n"] * 10 + ["s"] * 10,
                            "units": a + [20 - v for v in a]})  # perfectly opposed: the total never moves
    against.loc[0, "units"] += 1  # so the total has a (small) spread
    mixed = pd.DataFrame({"date": dates * 4, "location": ["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["d"] * 10,
                          "units": a + a[::-1] + [v % 4 for v in a] + [(3 * v) % 7 for v in a]})
    return [
        Case("hand-made demand of three locations: two moving together and one constant (rows shuffled)",
             (together.sample(frac=1, random_state=1), 1.6449, 9), _check_pool(_pool_ref(together, 1.6449, 9))),
        Case("hand-made demand of two locations moving against each other", (against, 1.2816, 4),
             _check_pool(_pool_ref(against, 1.2816, 4))),
        Case("hand-made demand of four locations, lead time of 2.5 days", (mixed, 2.0, 2.5),
             _check_pool(_pool_ref(mixed, 2.0, 2.5))),
    ]


# =================================================================================================
# Exercises 7 and 8: delivery promises
# =================================================================================================

def _waits(orders: pd.DataFrame, shipments: pd.DataFrame) -> pd.DataFrame:
    """Completed orders with a shipment: their centre, method, promise and order-to-delivery days."""
    delivered = dict(zip(shipments["order_id"], shipments["delivered_at"], strict=True))
    rows = []
    for o in orders.itertuples(index=False):
        if o.status != "completed" or o.order_id not in delivered:
            continue
        at = delivered[o.order_id]
        rows.append((o.fulfilment_centre, o.delivery_method, o.ordered_at, o.promised_delivery_date, at,
                     (at - o.ordered_at) / pd.Timedelta(days=1)))
    return pd.DataFrame(rows, columns=["fulfilment_centre", "delivery_method", "ordered_at", "promised", "delivered_at",
                                       "days"])


def _promise_ref(orders, shipments, q) -> pd.DataFrame:
    w = _waits(orders, shipments)
    out = {}
    for key, g in w.groupby(["fulfilment_centre", "delivery_method"]):
        v = np.sort(g["days"].to_numpy(float))
        quant = float(np.quantile(v, q, method="linear"))
        out[key] = (len(v), float(v.mean()), quant, math.ceil(quant))
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["orders", "mean_days", "quantile_days", "promise_days"])
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["fulfilment_centre", "delivery_method"])
    return frame


def _check_promise(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by (fulfilment_centre, delivery_method)")
        _missing(frame, ["orders", "mean_days", "quantile_days", "promise_days"])
        if frame.index.nlevels != 2:
            raise Fail("the index should have two levels: fulfilment_centre and delivery_method")
        where = "the (fulfilment_centre, delivery_method) pairs"
        expect_frame(frame, ref, columns=["orders", "mean_days", "quantile_days"], index_name=where)
        got = expect_frame(frame, ref, columns=[], index_name=where)
        promise = pd.to_numeric(got["promise_days"], errors="coerce").to_numpy(dtype=float)
        quant = ref["quantile_days"].to_numpy(float)
        near = np.abs(quant - np.round(quant)) < 1e-9   # an exact whole day: either side is accepted
        ok = np.where(near, np.isin(promise - np.round(quant), [0.0, 1.0]), promise == np.ceil(quant))
        if not ok.all():
            raise Fail(f"promise_days is wrong in {int((~ok).sum())} of {len(ok)} rows: the quantile rounded up to "
                       "whole days")
    return check


def _promise_world(world):
    orders, shipments = world.load("orders"), world.load("shipments")
    y24 = orders[orders["ordered_at"].dt.year == 2024]
    return [
        Case("the orders and shipments tables, the 90% quantile (rows shuffled)",
             (orders.sample(frac=1, random_state=5), shipments.sample(frac=1, random_state=6), 0.9),
             _check_promise(_promise_ref(orders, shipments, 0.9))),
        Case("the orders of 2024 and the shipments, the 80% quantile", (y24, shipments, 0.8),
             _check_promise(_promise_ref(y24, shipments, 0.8))),
    ]


def _orders(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["order_id", "ordered_at", "fulfilment_centre", "delivery_method", "status",
                                        "promised_delivery_date"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], format="ISO8601").astype("datetime64[us]")
    frame["promised_delivery_date"] = pd.to_datetime(frame["promised_delivery_date"]).astype("datetime64[us]")
    frame["customer_id"] = 7000 + frame["order_id"]
    frame["channel"] = "web"
    frame["market"] = "UK"
    return frame


def _shipments(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["order_id", "delivered_at"])
    frame["delivered_at"] = pd.to_datetime(frame["delivered_at"], format="ISO8601").astype("datetime64[us]")
    frame["shipped_at"] = frame["delivered_at"] - pd.Timedelta(hours=30)
    frame.insert(0, "shipment_id", 9000 + frame["order_id"])
    frame["fulfilment_centre"] = "FC-UK"
    frame["carrier"] = "Northline"
    return frame


def _promise_fixed_tables():
    orders = _orders([
        (1, "2025-02-03 08:00:00", "FC-UK", "standard", "completed", "2025-02-07"),
        (2, "2025-02-03 08:00:00", "FC-UK", "standard", "completed", "2025-02-07"),
        (3, "2025-02-03 08:00:00", "FC-UK", "standard", "completed", "2025-02-07"),
        (4, "2025-02-03 23:59:00", "FC-UK", "standard", "completed", "2025-02-07"),
        (5, "2025-02-04 09:00:00", "FC-UK", "standard", "cancelled", "2025-02-08"),
        (6, "2025-02-04 09:00:00", "FC-UK", "express", "completed", "2025-02-07"),
        (7, "2025-02-04 10:00:00", "FC-EU", "express", "completed", "2025-02-07"),
        (8, "2025-02-04 11:00:00", "FC-EU", "express", "completed", "2025-02-07"),
        (9, "2025-02-05 12:00:00", "FC-EU", "installation", "completed", "2025-02-12"),
        (10, "2025-02-05 12:00:00", None, "carry_out", "completed", None),
        (11, "2025-02-06 12:00:00", "FC-EU", "express", "completed", "2025-02-09"),   # no shipment
        (12, "2025-02-06 13:00:00", "FC-USW", "standard", "completed", "2025-02-12"),
        (13, "2025-02-06 14:00:00", "FC-USW", "standard", "completed", "2025-02-12"),
    ])
    shipments = _shipments([
        (1, "2025-02-05 08:00:00"),           # exactly 2 days
        (2, "2025-02-06 08:00:00"),           # exactly 3 days
        (3, "2025-02-07 23:59:59.999999"),    # the last moment of the promised day: kept
        (4, "2025-02-08 00:00:00"),           # midnight after the promised day: broken
        (5, "2025-02-05 09:00:00"),           # a cancelled order's shipment
        (6, "2025-02-06 21:00:00"),
        (7, "2025-02-07 10:00:00"), (8, "2025-02-08 09:00:00"),
        (9, "2025-02-12 17:00:00"),
        (12, "2025-02-11 13:00:00"), (13, "2025-02-13 08:00:00"),
    ])
    return orders, shipments


def _promise_fixed():
    orders, shipments = _promise_fixed_tables()
    return [
        Case("hand-made orders: a cancelled order with a shipment, carry-out, an order without a shipment, "
             "groups of one order, quantiles on a whole day (rows shuffled)",
             (orders.sample(frac=1, random_state=3), shipments, 0.5), _check_promise(_promise_ref(orders, shipments, 0.5))),
        Case("hand-made orders, the 95% quantile", (orders, shipments.sample(frac=1, random_state=2), 0.95),
             _check_promise(_promise_ref(orders, shipments, 0.95))),
    ]


def _accuracy_ref(orders, shipments, promise=None) -> pd.DataFrame:
    w = _waits(orders, shipments)
    w = w[w["promised"].notna()]
    if promise is not None:
        days = {tuple(k): v for k, v in promise["promise_days"].items()}
        w = w.assign(p=[days.get((c, m)) for c, m in zip(w["fulfilment_centre"], w["delivery_method"], strict=True)])
        w = w[w["p"].notna()]
        last = [o.normalize() + pd.Timedelta(days=int(p) + 1) for o, p in zip(w["ordered_at"], w["p"], strict=True)]
    else:
        last = [p + DAY for p in w["promised"]]
    w = w.assign(kept=[d < e for d, e in zip(w["delivered_at"], last, strict=True)])
    out = w.groupby(["fulfilment_centre", "delivery_method"])["kept"].agg(["size", "sum"])
    out.columns = ["orders", "kept"]
    out["accuracy"] = out["kept"] / out["orders"]
    return out


def _check_accuracy(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by (fulfilment_centre, delivery_method)")
        _missing(frame, ["orders", "kept", "accuracy"])
        if frame.index.nlevels != 2:
            raise Fail("the index should have two levels: fulfilment_centre and delivery_method")
        where = "the (fulfilment_centre, delivery_method) pairs"
        expect_frame(frame, ref, columns=["orders"], index_name=where)
        expect_frame(frame, ref, columns=["kept", "accuracy"], index_name=where)
    return check


def _promise_table(orders, shipments, q) -> pd.DataFrame:
    return _promise_ref(orders, shipments, q)[["promise_days"]]


def _accuracy_world(world):
    orders, shipments = world.load("orders"), world.load("shipments")
    y24, y25 = orders[orders["ordered_at"].dt.year == 2024], orders[orders["ordered_at"].dt.year == 2025]
    table = _promise_table(y24, shipments, 0.9)
    partial = table.drop(index=[k for k in table.index if k[1] == "express"])
    return [
        Case("the orders and shipments tables, today's promises (rows shuffled)",
             (orders.sample(frac=1, random_state=8), shipments), _check_accuracy(_accuracy_ref(orders, shipments))),
        Case("the orders of 2025, promises from 2024's 90% quantile", (y25, shipments, table),
             _check_accuracy(_accuracy_ref(y25, shipments, table))),
        Case("the orders of 2025, a promise table without express delivery", (y25, shipments, partial),
             _check_accuracy(_accuracy_ref(y25, shipments, partial))),
    ]


def _accuracy_fixed():
    orders, shipments = _promise_fixed_tables()
    table = pd.DataFrame({"promise_days": [4, 2, 3]}, index=pd.MultiIndex.from_tuples(
        [("FC-UK", "standard"), ("FC-EU", "express"), ("FC-USW", "standard")],
        names=["fulfilment_centre", "delivery_method"]))
    return [
        Case("hand-made orders delivered at the last moment of the promised day and at midnight after it; "
             "cancelled, carry-out and unshipped orders (rows shuffled)",
             (orders.sample(frac=1, random_state=4), shipments), _check_accuracy(_accuracy_ref(orders, shipments))),
        Case("hand-made orders with a promise table (an order placed a minute before midnight; pairs missing "
             "from the table)", (orders, shipments, table), _check_accuracy(_accuracy_ref(orders, shipments, table))),
    ]


# =================================================================================================
# Memo figures
# =================================================================================================

def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the grader's references on ``world``: forecast
    error, supplier delays and the safety stock they add, the allocation's value at several floors,
    pooling, and promise accuracy today and with a 90% window."""
    long = _long_backtest(world)
    err = _error_ref(long, "method")
    delays = _delays_ref(world.load("purchase_orders"), T("2024-01-01"), T("2025-01-01"))
    brands = world.load("suppliers").set_index("supplier_id")["brand"]
    worst = delays["sd_delay_days"].idxmax()
    plan = plan_of(world)
    with_lt, without = _ss_ref(plan)["safety_stock"].sum(), _ss_ref(plan.assign(lead_sd=0.0))["safety_stock"].sum()
    req = requests_of(world)
    supply = SUPPLY_SHARE * float(req["units"].sum())
    values = {f: best_value(req, supply, f) for f in (0.0, 0.3, 0.45)}
    short = _facts(world)["inventory_shortage"]
    z = float(norm.ppf(0.95))
    savings = {}
    for fam in sorted(world.load("products")["category"].unique()):
        savings[fam] = _pool_ref(daily_of(world, "US", fam, 2025), z, 14)["saving"]
    orders, shipments = world.load("orders"), world.load("shipments")
    y24, y25 = orders[orders["ordered_at"].dt.year == 2024], orders[orders["ordered_at"].dt.year == 2025]
    today = _accuracy_ref(y25, shipments)
    p90 = _accuracy_ref(y25, shipments, _promise_table(y24, shipments, 0.9))
    low = today["accuracy"].idxmin()
    return {
        "2025 back-test WAPE / bias, seasonal naive": f"{_pct(err.loc['naive', 'wape'])} / {err.loc['naive', 'bias']:+.1%}",
        "2025 back-test WAPE / bias, level-adjusted": f"{_pct(err.loc['seasonal', 'wape'])} / "
                                                      f"{err.loc['seasonal', 'bias']:+.1%}",
        "most variable supplier (2024 delays)": f"{brands[worst]}: sd {delays.loc[worst, 'sd_delay_days']:.1f} days; "
                                                f"others {delays['sd_delay_days'].drop(worst).min():.1f}–"
                                                f"{delays['sd_delay_days'].drop(worst).max():.1f}",
        "safety stock with / without lead-time variability": f"{with_lt:,.0f} / {without:,.0f} units",
        "shortage": f"{short['family']} at {', '.join(short['centres'])}; {int(req['units'].sum())} units requested "
                    f"June-July 2025, supply {supply:,.1f}",
        "value served at floor 0% / 30% / 45%": " / ".join(f"{v:,.0f}" for v in values.values()) + " USD",
        "value given up at a 30% floor": f"{1 - values[0.3] / values[0.0]:.1%}",
        "pooling the US centres saves (families)": f"{min(savings.values()):.0%}–{max(savings.values()):.0%} "
                                                   f"(square-root law: {1 - 1 / math.sqrt(3):.0%})",
        "lowest promise accuracy today (2025)": f"{low[0]} {low[1]}: {_pct(today.loc[low, 'accuracy'])} of "
                                                f"{int(today.loc[low, 'orders'])} orders",
        "with a 2024 p90 window": f"{_pct(p90['accuracy'].min())}–{_pct(p90['accuracy'].max())} across centres and methods",
    }


EXERCISES = [
    Graded("ex1_tests", "backtest", _backtest_world, _backtest_fixed),
    Graded("ex2_tests", "forecast_error", _error_world, _error_fixed),
    Graded("ex3_tests", "supplier_delays", _delays_world, _delays_fixed),
    Graded("ex4_tests", "safety_stock", _ss_world, _ss_fixed),
    Graded("ex5_tests", "allocate", _allocation_world, _allocation_fixed),
    Graded("ex6_tests", "pooling_saving", _pool_world, _pool_fixed),
    Graded("ex7_tests", "delivery_promise", _promise_world, _promise_fixed),
    Graded("ex8_tests", "promise_accuracy", _accuracy_world, _accuracy_fixed),
]

__all__ = ["EXERCISES", "MEMO_FIGURES", "ORIGINS", "SERVICE_LEVELS", "best_value"]
