"""Visible checks and hints for Lab 13, *Inventory and fulfilment promises*.

Every check runs the learner's function on a small hand-made example (print it:
``example_weekly()``, ``example_results()``, ``example_purchase_orders()``, ``example_plan()``,
``example_requests()``, ``example_daily()``, ``example_orders()``, ``example_shipments()``,
``example_promise()``), compares the result with the answer worked out by hand (kept here as
literal data), and, when it is wrong, says which common mistake it looks like. No check prints
the expected values.

>>> from cxlabs.checks import lab13 as checks
>>> checks.backtest.hint()               # doctest: +SKIP
>>> checks.backtest.check(backtest)      # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import CheckFailed, Exercise, call, expect_columns, expect_type

__all__ = ["backtest", "forecast_error", "supplier_delays", "safety_stock", "allocate", "pooling_saving",
           "delivery_promise", "promise_accuracy", "example_weekly", "example_results",
           "example_purchase_orders", "example_plan", "example_requests", "example_daily", "example_orders",
           "example_shipments", "example_promise", "EXAMPLE_ORIGINS", "EXAMPLE_HORIZON", "EXAMPLE_LEVELS"]

T = pd.Timestamp


def _close(got, want, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Two equally long sequences of numbers agree (NaN matches NaN)."""
    try:
        g = np.atleast_1d(np.asarray(pd.Series(np.atleast_1d(got)).to_numpy(dtype="float64", na_value=np.nan),
                                     dtype=float))
        w = np.atleast_1d(np.asarray(want, dtype=float))
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))


def _numbers(ex: Exercise, frame: pd.DataFrame, columns) -> None:
    for c in columns:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            raise ex.fail(f"column {c!r} should hold numbers, got {frame[c].dtype}.")


def _label(value):
    """An index label in plain Python form (numpy integers as int, tuples item by item)."""
    if isinstance(value, tuple):
        return tuple(_label(v) for v in value)
    return int(value) if isinstance(value, np.integer) else value


def _index_set(ex: Exercise, frame: pd.DataFrame, want: list, what: str) -> pd.DataFrame:
    """The frame's rows in the order of ``want`` (index labels); fail when the labels differ."""
    got = [_label(v) for v in frame.index]
    if len(set(got)) != len(got) or set(got) != set(want):
        raise ex.fail(f"the index should be {what}, one row each; yours has {len(frame)} rows with "
                      f"labels {sorted(map(str, set(got)))[:6]}.")
    position = {k: i for i, k in enumerate(got)}
    return frame.iloc[[position[k] for k in want]]


# --------------------------------------------------------------------------------------------
# Exercise 1: rolling-origin back-test
# --------------------------------------------------------------------------------------------

#: The worked example's origins and horizon (the last week of the example is 2025-03-17, so the
#: second origin's third week ahead is left out).
EXAMPLE_ORIGINS = [T("2025-02-17"), T("2025-03-03")]
EXAMPLE_HORIZON = 3


def example_weekly() -> pd.DataFrame:
    """Worked example for exercise 1: two series of 64 weeks (2024-01-01 to 2025-03-17).

    The dishwasher sold nothing from week 3 to week 10 of 2024, so the second origin's level
    has nothing to compare with a year earlier.
    """
    start = T("2024-01-01")
    weeks = [start + pd.Timedelta(days=7 * i) for i in range(64)]
    oven = [10 + (i % 3) for i in range(52)] + [12 + (i % 3) + (i % 2) for i in range(52, 64)]
    dish = [4 if i % 5 else 6 for i in range(52)] + [5 + (i % 4) for i in range(52, 64)]
    for i in range(2, 10):
        dish[i] = 0
    rows = ([("oven", "UK", w, u) for w, u in zip(weeks, oven, strict=True)]
            + [("dishwasher", "US", w, u) for w, u in zip(weeks, dish, strict=True)])
    frame = pd.DataFrame(rows, columns=["family", "region", "week", "units"])
    frame["week"] = frame["week"].astype("datetime64[us]")
    return frame


#: The worked answer (family, region, origin, horizon, actual, naive, seasonal), sorted.
_BACKTEST = [
    ("dishwasher", "US", "2025-02-17", 1, 5, 0, 0.0),
    ("dishwasher", "US", "2025-02-17", 2, 6, 0, 0.0),
    ("dishwasher", "US", "2025-02-17", 3, 7, 6, 31.2),
    ("dishwasher", "US", "2025-03-03", 1, 7, 6, 6.0),
    ("dishwasher", "US", "2025-03-03", 2, 8, 4, 4.0),
    ("oven", "UK", "2025-02-17", 1, 12, 12, 15.034482758620689),
    ("oven", "UK", "2025-02-17", 2, 14, 10, 12.528735632183906),
    ("oven", "UK", "2025-02-17", 3, 14, 11, 13.781609195402298),
    ("oven", "UK", "2025-03-03", 1, 14, 11, 13.375),
    ("oven", "UK", "2025-03-03", 2, 13, 12, 14.59090909090909),
]
#: What an inverted level (last year over this year) gives for `seasonal`, in the same order.
_BACKTEST_INVERTED = [0.0, 0.0, 1.153846, 0.0, 0.0, 9.577982, 7.981651, 8.779817, 9.046729, 9.869159]
#: The units in each row's origin week (a non-seasonal naive forecast), in the same order.
_AT_ORIGIN = [8, 8, 8, 6, 6, 15, 15, 15, 14, 14]


def _check_backtest(ex: Exercise, func) -> None:
    cols = ["family", "region", "origin", "target", "horizon", "actual", "naive", "seasonal"]
    answer = call(ex, func, example_weekly(), list(EXAMPLE_ORIGINS), EXAMPLE_HORIZON)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per series, origin and horizon")
    expect_columns(ex, answer, cols)
    if len(answer) == 12 and answer["actual"].isna().sum() == 2:
        raise ex.fail("targets after the last week of `weekly` are still there (their actual is missing). "
                      "Leave out every target later than weekly['week'].max().")
    if len(answer) != len(_BACKTEST):
        raise ex.fail(f"expected one row per series, origin and horizon whose target is in the data "
                      f"({len(_BACKTEST)} rows in the worked example); you have {len(answer)}.")
    if not list(answer.index) == list(range(len(answer))):
        raise ex.fail("the result should have a plain 0, 1, 2… index (ignore_index=True or reset_index(drop=True)).")
    _numbers(ex, answer, ["horizon", "actual", "naive", "seasonal"])
    try:
        got = answer.assign(origin=pd.to_datetime(answer["origin"]), target=pd.to_datetime(answer["target"]))
    except (TypeError, ValueError):
        raise ex.fail("origin and target should hold dates (datetime64).") from None
    got = got.sort_values(["family", "region", "origin", "horizon"]).reset_index(drop=True)
    keys = [(f, r, str(pd.Timestamp(o).date()), int(h)) for f, r, o, h in
            zip(got["family"], got["region"], got["origin"], got["horizon"], strict=True)]
    if keys != [row[:4] for row in _BACKTEST]:
        raise ex.fail("the (family, region, origin, horizon) rows are not the expected ones: one row per series "
                      "in `weekly`, per origin in `origins`, per horizon 1 to `horizon`.")
    targets = [o + pd.Timedelta(days=7 * h) for o, h in zip(got["origin"], got["horizon"], strict=True)]
    if not (pd.Series(targets) == got["target"].reset_index(drop=True)).all():
        raise ex.fail("target should be origin + 7·horizon days (the week `horizon` weeks after the origin).")
    if not _close(got["actual"], [r[4] for r in _BACKTEST]):
        raise ex.fail("`actual` is not the series' units in the target week.")
    if got["naive"].isna().all():
        raise ex.fail("`naive` is missing everywhere: a year earlier must be 52 weeks (364 days), which lands on a "
                      "Monday; 365 days or one calendar year does not.")
    if _close(got["naive"], _AT_ORIGIN):
        raise ex.fail("`naive` is the units of the origin week (a non-seasonal naive forecast). The seasonal naive "
                      "takes the units of the same week a year earlier: target − 364 days.")
    if not _close(got["naive"], [r[5] for r in _BACKTEST]):
        raise ex.fail("`naive` is not the units of the week 52 weeks (364 days) before the target.")
    seasonal = got["seasonal"].to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(seasonal).all():
        raise ex.fail("some `seasonal` values are missing or infinite: when the 8 weeks a year earlier sold "
                      "nothing, the level is 1 (the forecast is the seasonal naive).")
    inverted_or_one = [6.0 if i == 3 else 4.0 if i == 4 else v for i, v in enumerate(_BACKTEST_INVERTED)]
    if _close(seasonal, _BACKTEST_INVERTED, rtol=1e-5) or _close(seasonal, inverted_or_one, rtol=1e-5):
        raise ex.fail("the level is upside down: it is this year's 8 weeks divided by the same 8 weeks a year "
                      "earlier, so that growth raises the forecast.")
    if not _close(seasonal, [r[6] for r in _BACKTEST]):
        raise ex.fail("`seasonal` is not naive × level. The level uses the 8 weeks ending WITH the origin week "
                      "(origin − 49 days up to the origin, inclusive) against the same 8 weeks 364 days earlier.")


backtest = Exercise(
    "1", "rolling-origin back-test", "Part 1, 'Rolling-origin back-test'",
    (
        "Index the units by (family, region, week) so you can look up any series' week. For each "
        "origin, work out each series' level once; then, for each horizon, the target week and "
        "the week 364 days before it.",
        "Week arithmetic with pd.Timedelta(days=7 * h) and pd.Timedelta(days=364) keeps you on Mondays. "
        "The level's 8 weeks are origin - 7·k days for k = 0..7; the year-earlier ones are 364 days "
        "before each of them. Use np.where to set the level to 1 where the earlier sum is 0.",
        "Build one small DataFrame per (origin, horizon) from the list of series (weekly[['family', "
        "'region']].drop_duplicates()), look the units up with Series.reindex on a MultiIndex, skip "
        "targets after weekly['week'].max(), and pd.concat(..., ignore_index=True) at the end.",
    ),
    _check_backtest,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: WAPE and bias by segment
# --------------------------------------------------------------------------------------------


def example_results() -> pd.DataFrame:
    """Worked example for exercise 2: actuals and forecasts of three families.

    The oven rows are the course's published test vector (WAPE 0.10, bias +0.0333); the kettle
    sold nothing.
    """
    rows = [("oven", 100, 110), ("oven", 200, 180), ("oven", 300, 330),
            ("fridge", 10, 20), ("fridge", 40, 30), ("kettle", 0, 2), ("kettle", 0, 0)]
    return pd.DataFrame(rows, columns=["family", "actual", "forecast"])


_ERROR = {"fridge": (50, 0.4, 0.0), "kettle": (0, np.nan, np.nan), "oven": (600, 0.1, 1 / 30)}


def _check_forecast_error(ex: Exercise, func) -> None:
    answer = call(ex, func, example_results(), "family")
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by the segment")
    expect_columns(ex, answer, ["actual", "wape", "bias"])
    got = _index_set(ex, answer, list(_ERROR), "the family (one row per segment, the `by` column)")
    _numbers(ex, got, ["actual", "wape", "bias"])
    if not _close(got["actual"], [v[0] for v in _ERROR.values()]):
        raise ex.fail("`actual` should be the sum of the actuals of each segment.")
    wape, bias = got["wape"].to_numpy(dtype=float, na_value=np.nan), got["bias"].to_numpy(dtype=float, na_value=np.nan)
    if not (np.isnan(wape[1]) and np.isnan(bias[1])):
        raise ex.fail("a segment whose actuals sum to 0 should get NaN for wape and bias, not a number or inf.")
    if _close(wape[0], 0.625):
        raise ex.fail("this is the MAPE (the mean of each row's |actual − forecast| / actual), not the WAPE. "
                      "Sum the absolute errors of the segment, then divide by the sum of its actuals.")
    if not _close(wape[[0, 2]], [0.4, 0.1]):
        raise ex.fail("wape should be Σ|actual − forecast| / Σ actual per segment (absolute errors, summed "
                      "before dividing).")
    if _close(bias[[0, 2]], [0.0, -1 / 30]):
        raise ex.fail("the bias has the wrong sign: it is Σ(forecast − actual) / Σ actual, positive when the "
                      "forecast is too high.")
    if not _close(bias[[0, 2]], [0.0, 1 / 30]):
        raise ex.fail("bias should be Σ(forecast − actual) / Σ actual per segment (signed errors, so misses "
                      "in both directions cancel).")
    try:
        two = call(ex, func, example_results().assign(method="naive"), ["family", "method"])
    except CheckFailed:
        raise ex.fail("it failed when `by` is a list of columns (['family', 'method']); pass `by` straight to "
                      "groupby, which takes a name or a list.") from None
    if not isinstance(two, pd.DataFrame) or two.index.nlevels != 2 or len(two) != 3:
        raise ex.fail("with `by` a list of two columns, the result should be indexed by both (one row per pair).")


forecast_error = Exercise(
    "2", "WAPE and bias by segment", "Part 1, 'Error by segment: WAPE and bias'",
    (
        "Both measures are ratios of sums over a segment: sum first, divide last.",
        "Add columns error = forecast - actual and abs_error = error.abs(), group by `by` and sum "
        "actual, abs_error and error.",
        "wape = abs_error / actual and bias = error / actual on the summed frame; use "
        "actual.where(actual != 0) as the divisor so that an all-zero segment gives NaN.",
    ),
    _check_forecast_error,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: supplier delays
# --------------------------------------------------------------------------------------------


def example_purchase_orders() -> pd.DataFrame:
    """Worked example for exercise 3: eleven purchase orders of three suppliers, checked for
    ``start = 2024-01-01`` and ``end = 2024-04-01``.

    One order was placed on the start day and one on the end day, one before the start, one has
    not arrived, and several arrived on their expected day or early.
    """
    rows = [(1, 1, "2024-01-01", 10, "2024-01-11"), (2, 1, "2024-01-08", 10, "2024-01-20"),
            (3, 1, "2024-02-05", 20, "2024-02-17"), (4, 1, "2024-03-04", 10, None),
            (5, 2, "2024-01-15", 30, "2024-02-24"), (6, 2, "2024-02-12", 30, "2024-03-13"),
            (7, 2, "2024-03-11", 30, "2024-04-11"), (8, 2, "2024-04-01", 30, "2024-05-20"),
            (9, 3, "2023-12-25", 14, "2024-01-10"), (10, 3, "2024-03-25", 14, "2024-04-05"),
            (11, 3, "2024-01-22", 14, "2024-02-06")]
    frame = pd.DataFrame(rows, columns=["po_id", "supplier_id", "ordered_date", "quoted_lead_time_days",
                                        "received_date"])
    frame["product_id"] = 100 + frame["supplier_id"]
    frame["fulfilment_centre"] = "FC-UK"
    frame["quantity"] = 5
    frame["ordered_date"] = pd.to_datetime(frame["ordered_date"]).astype("datetime64[us]")
    frame["received_date"] = pd.to_datetime(frame["received_date"]).astype("datetime64[us]")
    frame["expected_date"] = frame["ordered_date"] + pd.to_timedelta(frame["quoted_lead_time_days"], unit="D")
    return frame[["po_id", "product_id", "supplier_id", "fulfilment_centre", "ordered_date", "quantity",
                  "quoted_lead_time_days", "expected_date", "received_date"]]


_DELAYS = {1: (3, -2.0, 5.291502622129181, 1 / 3), 2: (3, 11 / 3, 5.507570547286102, 2 / 3),
           3: (2, -1.0, 2.8284271247461903, 0.5)}


def _check_supplier_delays(ex: Exercise, func) -> None:
    answer = call(ex, func, example_purchase_orders(), T("2024-01-01"), T("2024-04-01"))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by supplier_id")
    cols = ["orders", "mean_delay_days", "sd_delay_days", "late_share"]
    expect_columns(ex, answer, cols)
    got = _index_set(ex, answer, list(_DELAYS), "supplier_id")
    _numbers(ex, got, cols)
    counts = got["orders"].to_numpy(dtype=float)
    if _close(counts, [4, 3, 2]):
        raise ex.fail("an order that has not arrived (no received_date) was counted. Only arrived orders have "
                      "a delay.")
    if _close(counts, [3, 4, 2]):
        raise ex.fail("an order placed on the `end` day was counted: the period is start inclusive, end "
                      "exclusive (ordered_date < end).")
    if _close(counts, [3, 3, 3]):
        raise ex.fail("an order placed before `start` was counted: keep ordered_date >= start.")
    if not _close(counts, [v[0] for v in _DELAYS.values()]):
        raise ex.fail("`orders` should count, per supplier, the arrived orders placed from start to end.")
    if _close(got["mean_delay_days"], [11.333333, 33.666667, 13.0], rtol=1e-5):
        raise ex.fail("this is the lead time (received − ordered), not the delay. The delay is received_date − "
                      "expected_date: how late against the quote.")
    if not _close(got["mean_delay_days"], [v[1] for v in _DELAYS.values()]):
        raise ex.fail("`mean_delay_days` should be the mean of received_date − expected_date in days.")
    if _close(got["sd_delay_days"], [4.320494, 4.496913, 2.0], rtol=1e-5):
        raise ex.fail("the standard deviation divides by n (ddof=0); the task asks for the sample standard "
                      "deviation (ddof=1, pandas' default).")
    if not _close(got["sd_delay_days"], [v[2] for v in _DELAYS.values()]):
        raise ex.fail("`sd_delay_days` should be the sample standard deviation of the delays.")
    if _close(got["late_share"], [2 / 3, 1.0, 0.5]):
        raise ex.fail("an order that arrived on its expected day was counted as late: late means a delay "
                      "above 0.")
    if not _close(got["late_share"], [v[3] for v in _DELAYS.values()]):
        raise ex.fail("`late_share` should be the share of the supplier's counted orders with a delay above 0.")


supplier_delays = Exercise(
    "3", "supplier delays", "Part 2, 'How late, and how variably, does each supplier deliver?'",
    (
        "Filter first (the ordering window, arrived orders), then measure each order's delay against "
        "its expected date, then summarise per supplier.",
        "delay = (received_date - expected_date).dt.days; the window is ordered_date >= start and "
        "ordered_date < end; received_date.notna() keeps the arrived ones.",
        "Group the delay by supplier_id: size(), mean(), std() (ddof=1 by default), and (delay > 0) "
        "grouped the same way, mean().",
    ),
    _check_supplier_delays,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: safety stock
# --------------------------------------------------------------------------------------------

#: Cycle service level per class in the worked example (the lab's policy).
EXAMPLE_LEVELS = {"A": 0.98, "B": 0.95, "C": 0.90}


def example_plan() -> pd.DataFrame:
    """Worked example for exercise 4: four items. The first two are the course's published test
    vector (mean 100/day, sd 20, lead time 10 days with sd 2, and with sd 0, at 95%)."""
    return pd.DataFrame({"service_class": ["B", "B", "A", "C"],
                         "demand_mean": [100.0, 100.0, 2.0, 0.5],
                         "demand_sd": [20.0, 20.0, 1.5, 0.8],
                         "lead_mean": [10.0, 10.0, 21.0, 7.0],
                         "lead_sd": [2.0, 0.0, 6.0, 1.0]},
                        index=pd.Index(["P1@FC-UK", "P1@FC-EU", "P2@FC-UK", "P3@FC-USW"], name="item"))


_Z = [1.6448536269514722, 1.6448536269514722, 2.053748910631823, 1.2815515655446004]
_SS = [345.0274076, 104.0296776, 28.4019441, 2.7871905]
_SS_L_TIMES_SD = [465.2349, 328.9707, 69.2284, 7.2052]      # z·√(L²σ_d² + d̄²σ_L²)
_SS_NO_LEAD_SD = [104.0296776, 104.0296776, 14.1171898, 2.7125334]
_SS_ADDED_SDS = [433.0004, 104.0297, 38.7622, 3.3533]       # z·(√L·σ_d + d̄·σ_L)
_Z_TWO_SIDED = [1.959963984540054, 1.959963984540054, 2.3263478740408408, 1.6448536269514722]


def _check_safety_stock(ex: Exercise, func) -> None:
    plan = example_plan()
    answer = call(ex, func, plan.copy(), dict(EXAMPLE_LEVELS))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with the plan's index")
    expect_columns(ex, answer, ["z", "safety_stock"])
    if list(answer.index) != list(plan.index):
        raise ex.fail("the result should keep the plan's index (one row per plan row, in the plan's order).")
    _numbers(ex, answer, ["z", "safety_stock"])
    if _close(answer["z"], _Z_TWO_SIDED):
        raise ex.fail("z is a two-sided quantile. Running out is one-sided: z = NormalDist().inv_cdf(level), "
                      "1.645 for 95%.")
    if _close(answer["z"], [-v for v in _Z]):
        raise ex.fail("z is negative: it is the quantile of the service level itself, inv_cdf(level), not of "
                      "1 − level.")
    if not _close(answer["z"], _Z):
        raise ex.fail("z should be the standard normal quantile of each row's class service level.")
    ss = answer["safety_stock"]
    if _close(ss, _SS_NO_LEAD_SD, rtol=1e-4):
        raise ex.fail("lead-time variability is left out (only z·√L·σ_d). Add d̄²·σ_L² under the square root.")
    if _close(ss, _SS_L_TIMES_SD, rtol=1e-4):
        raise ex.fail("demand variability grows with √L, not L: the first term under the root is L·σ_d², not "
                      "(L·σ_d)².")
    if _close(ss, _SS_ADDED_SDS, rtol=1e-4):
        raise ex.fail("the two standard deviations were added. Independent variabilities add as variances: "
                      "z·√(L·σ_d² + d̄²·σ_L²).")
    if not _close(ss, _SS, rtol=1e-6):
        raise ex.fail("safety_stock should be z·√(L·σ_d² + d̄²·σ_L²), with L and σ_L in days and σ_d per day, "
                      "not rounded.")


safety_stock = Exercise(
    "4", "safety stock per service class", "Part 2, 'Safety stock per service class'",
    (
        "Two steps: the z of each row's class, then the spread of demand over the lead time, which has "
        "a demand part and a lead-time part.",
        "z: plan['service_class'].map({c: NormalDist().inv_cdf(p) for c, p in service_levels.items()}). "
        "The spread: np.sqrt(L * sd_d**2 + d**2 * sd_L**2) with the plan's columns.",
        "Return plan.assign(z=z, safety_stock=z * spread): it keeps the plan's index and columns.",
    ),
    _check_safety_stock,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: allocation as a linear programme
# --------------------------------------------------------------------------------------------


def example_requests() -> pd.DataFrame:
    """Worked example for exercise 5: five request rows of three segments (120 units asked for)."""
    return pd.DataFrame({"fulfilment_centre": ["FC-EU", "FC-EU", "FC-EU", "FC-USW", "FC-USW"],
                         "segment": ["business", "value", "premium", "business", "value"],
                         "units": [40.0, 20.0, 10.0, 30.0, 20.0],
                         "value_per_unit": [300.0, 150.0, 260.0, 320.0, 120.0]},
                        index=[11, 12, 13, 14, 15])


#: (supply, floor) -> the worked allocation of rows 11..15 (None: the floors need too much).
_ALLOCATIONS = {
    (60.0, 0.3): [15.0, 12.0, 3.0, 30.0, 0.0],
    (60.0, 0.5): [5.0, 20.0, 5.0, 30.0, 0.0],
    (150.0, 0.3): [40.0, 20.0, 10.0, 30.0, 20.0],
}
_NO_FLOOR = [30.0, 0.0, 0.0, 30.0, 0.0]
_ROW_FLOOR = [15.0, 6.0, 3.0, 30.0, 6.0]


def _allocation(ex: Exercise, func, supply: float, floor: float) -> np.ndarray:
    requests = example_requests()
    answer = call(ex, func, requests.copy(), supply, floor)
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, "a Series with the index of `requests` (units per row)")
    if sorted(answer.index.tolist()) != sorted(requests.index.tolist()) or answer.index.has_duplicates:
        raise ex.fail("the Series should have the index of `requests` (one value per request row); "
                      "build it with pd.Series(result.x, index=requests.index).")
    try:
        return answer.reindex(requests.index).to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ex.fail("the allocation should be numbers (units per row).") from None


def _check_allocate(ex: Exercise, func) -> None:
    units = example_requests()["units"].to_numpy()
    for (supply, floor), want in _ALLOCATIONS.items():
        x = _allocation(ex, func, supply, floor)
        if (x > units + 1e-6).any():
            raise ex.fail("a row got more than it asked for: bound each x_i by 0 and the row's units "
                          "(bounds=[(0, u) for u in units]).")
        if x.sum() > supply + 1e-6:
            raise ex.fail("more units were allocated than the supply.")
        if floor > 0 and abs(x.sum() - floor * units.sum()) < 1e-6 < supply - x.sum():
            raise ex.fail("only the floors were served: linprog minimises, so pass the NEGATIVE values as c "
                          "to maximise the value.")
        if supply < units.sum() and _close(x, _NO_FLOOR, atol=1e-6):
            raise ex.fail("the fairness floor is missing: value and premium customers get nothing. Add one "
                          "constraint per segment: −Σ x_i (its rows) ≤ −floor · Σ units (its rows).")
        if supply < units.sum() and _close(x, _ROW_FLOOR, atol=1e-6):
            raise ex.fail("the floor was applied to each row; it applies to each SEGMENT's total (the rows of "
                          "a segment together get at least floor × the segment's demand).")
        if not _close(x, want, atol=1e-6):
            raise ex.fail("the allocation is not the one that maximises the value served within the supply, "
                          "each row's demand and the floor per segment"
                          + (" (when the supply covers every request, every row gets what it asked for)."
                             if supply >= units.sum() else "."))
    try:
        func(example_requests(), 60.0, 0.6)
    except ValueError:
        return
    except NotImplementedError:
        raise ex.fail("not answered yet: replace `raise NotImplementedError()` with your code.") from None
    except Exception as exc:  # noqa: BLE001 - learner code
        raise ex.fail(f"when the floors need more than the supply your function raised {type(exc).__name__}; "
                      "the task asks for a ValueError.") from None
    raise ex.fail("when the floors need more units than the supply (60% of 120 units against 60), no "
                  "allocation meets them: raise a ValueError instead of returning one.")


allocate = Exercise(
    "5", "allocation as a linear programme", "Part 3, 'Allocation as a linear programme'",
    (
        "Write the LP in linprog's form: minimise c·x subject to A_ub·x ≤ b_ub and bounds. Maximising "
        "value is minimising minus value; a '≥' floor becomes a '≤' by multiplying both sides by −1.",
        "One row of A_ub for the supply (all ones, ≤ supply), and one per segment: −1 on its rows, "
        "≤ −floor × the segment's units. Bounds: (0, units_i) per row. Check floor × total units > "
        "supply first and raise ValueError.",
        "result = linprog(-values, A_ub=np.array(rows), b_ub=np.array(limits), bounds=bounds, "
        "method='highs'); return pd.Series(result.x, index=requests.index).",
    ),
    _check_allocate,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: pooling
# --------------------------------------------------------------------------------------------


def example_daily() -> pd.DataFrame:
    """Worked example for exercise 6: eight days of demand at two locations (rows shuffled);
    checked with z = 1.6448536269514722 (95%) and a lead time of 9 days."""
    a = [10, 12, 8, 15, 9, 11, 14, 7]
    b = [5, 7, 4, 9, 3, 6, 8, 6]
    dates = list(pd.date_range("2025-03-03", periods=8, freq="D"))
    frame = pd.DataFrame({"date": dates * 2, "location": ["north"] * 8 + ["south"] * 8, "units": a + b})
    frame["date"] = frame["date"].astype("datetime64[us]")
    return frame.sample(frac=1, random_state=3).reset_index(drop=True)


_POOLING = {"separate": 23.763719660176214, "pooled": 22.651423592322153, "saving": 0.04680647995179277}
_POOLING_INDEPENDENT_SAVING = 0.2828198  # √(σ_a² + σ_b²) instead of the total's σ
_POOLING_DDOF0 = (22.228924, 21.188467)


def _check_pooling(ex: Exercise, func) -> None:
    answer = call(ex, func, example_daily(), 1.6448536269514722, 9)
    if isinstance(answer, dict):
        answer = pd.Series(answer)
    expect_type(ex, answer, pd.Series, "a Series indexed by separate, pooled and saving (or a dict)")
    missing = [k for k in _POOLING if k not in answer.index]
    if missing:
        raise ex.fail(f"the result is missing {missing}; it has {list(answer.index)}.")
    try:
        got = {k: float(answer[k]) for k in _POOLING}
    except (TypeError, ValueError):
        raise ex.fail("separate, pooled and saving should be numbers.") from None
    if _close([got["separate"], got["pooled"]], _POOLING_DDOF0, rtol=1e-3):
        raise ex.fail("the standard deviations divide by n (ddof=0); use the sample standard deviation "
                      "(ddof=1, pandas' default).")
    if not _close(got["separate"], _POOLING["separate"]):
        raise ex.fail("`separate` should be the sum over locations of z · σ_location · √lead_days.")
    if _close(got["saving"], _POOLING_INDEPENDENT_SAVING, rtol=1e-3):
        raise ex.fail("the pooled standard deviation assumes independent locations (√Σσ²). Take the standard "
                      "deviation of the daily TOTAL over locations: it carries their correlation.")
    if _close(got["saving"], 1 - _POOLING["saving"]):
        raise ex.fail("`saving` is pooled / separate; the saving is 1 − pooled / separate.")
    if not _close(got["pooled"], _POOLING["pooled"]):
        raise ex.fail("`pooled` should be z · σ_total · √lead_days, with σ_total the standard deviation of the "
                      "daily total (sum the locations per date first).")
    if not _close(got["saving"], _POOLING["saving"]):
        raise ex.fail("`saving` should be 1 − pooled / separate.")


pooling_saving = Exercise(
    "6", "pooling saving", "Part 4, 'Pooling saving from the data'",
    (
        "Put the locations side by side, one column each and one row per date: then each column's "
        "spread and the spread of the row totals are one line each.",
        "wide = daily.pivot_table(index='date', columns='location', values='units', aggfunc='sum'); "
        "separate uses wide.std() (one per location), pooled uses wide.sum(axis=1).std().",
        "Multiply each by z * math.sqrt(lead_days), sum the separate ones, and return "
        "pd.Series({'separate': ..., 'pooled': ..., 'saving': 1 - pooled / separate}).",
    ),
    _check_pooling,
)

# --------------------------------------------------------------------------------------------
# Exercises 7 and 8: delivery promises
# --------------------------------------------------------------------------------------------


def example_orders() -> pd.DataFrame:
    """Worked example for exercises 7 and 8: twelve orders (one cancelled, one carried out)."""
    rows = [(1, "2025-03-03 09:00", "FC-UK", "standard", "completed", "2025-03-07"),
            (2, "2025-03-03 22:30", "FC-UK", "standard", "completed", "2025-03-07"),
            (3, "2025-03-04 10:00", "FC-UK", "standard", "completed", "2025-03-08"),
            (4, "2025-03-04 11:00", "FC-UK", "standard", "completed", "2025-03-08"),
            (5, "2025-03-05 08:00", "FC-UK", "standard", "cancelled", "2025-03-09"),
            (6, "2025-03-05 12:00", "FC-UK", "express", "completed", "2025-03-08"),
            (7, "2025-03-05 13:00", "FC-UK", "express", "completed", "2025-03-08"),
            (8, "2025-03-06 14:00", "FC-UK", "express", "completed", "2025-03-09"),
            (9, "2025-03-06 15:00", "FC-USW", "standard", "completed", "2025-03-12"),
            (10, "2025-03-07 16:00", "FC-USW", "standard", "completed", "2025-03-13"),
            (11, "2025-03-07 17:00", "FC-USW", "standard", "completed", "2025-03-13"),
            (12, "2025-03-07 18:00", None, "carry_out", "completed", None)]
    frame = pd.DataFrame(rows, columns=["order_id", "ordered_at", "fulfilment_centre", "delivery_method",
                                        "status", "promised_delivery_date"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"]).astype("datetime64[us]")
    frame["promised_delivery_date"] = pd.to_datetime(frame["promised_delivery_date"]).astype("datetime64[us]")
    frame["customer_id"] = frame["order_id"] + 500
    frame["channel"] = "web"
    frame["market"] = ["UK"] * 8 + ["US-CA"] * 3 + ["UK"]
    return frame


def example_shipments() -> pd.DataFrame:
    """Worked example for exercises 7 and 8: the shipments of the example orders (also one of the
    cancelled order, which the tasks leave out)."""
    rows = [(1, "2025-03-04 08:00:00", "2025-03-06 12:00:00"), (2, "2025-03-05 09:00:00", "2025-03-07 23:59:00"),
            (3, "2025-03-05 10:00:00", "2025-03-09 00:00:01"), (4, "2025-03-06 07:00:00", "2025-03-07 16:00:00"),
            (5, "2025-03-05 10:00:00", "2025-03-06 10:00:00"), (6, "2025-03-06 06:00:00", "2025-03-07 09:00:00"),
            (7, "2025-03-06 07:00:00", "2025-03-08 20:00:00"), (8, "2025-03-07 06:00:00", "2025-03-08 10:00:00"),
            (9, "2025-03-08 06:00:00", "2025-03-11 10:00:00"), (10, "2025-03-09 06:00:00", "2025-03-14 09:00:00"),
            (11, "2025-03-09 07:00:00", "2025-03-12 18:00:00")]
    frame = pd.DataFrame(rows, columns=["order_id", "shipped_at", "delivered_at"])
    frame["shipped_at"] = pd.to_datetime(frame["shipped_at"]).astype("datetime64[us]")
    frame["delivered_at"] = pd.to_datetime(frame["delivered_at"]).astype("datetime64[us]")
    frame.insert(0, "shipment_id", frame["order_id"] + 900)
    frame["fulfilment_centre"] = ["FC-UK"] * 8 + ["FC-USW"] * 3
    frame["carrier"] = "Northline"
    return frame


def example_promise() -> pd.DataFrame:
    """Worked example for exercise 8: a promise table for two of the three (centre, method) pairs."""
    return pd.DataFrame({"promise_days": [4, 2]},
                        index=pd.MultiIndex.from_tuples([("FC-UK", "standard"), ("FC-UK", "express")],
                                                        names=["fulfilment_centre", "delivery_method"]))


_PAIRS = [("FC-UK", "express"), ("FC-UK", "standard"), ("FC-USW", "standard")]
_PROMISE = {"orders": [3, 4, 3], "mean_days": [2.3333333333333335, 3.7446209490740743, 5.513888888888889],
            "quantile_days": [2.725, 4.270421296296297, 6.041666666666667], "promise_days": [3, 5, 7]}


def _check_delivery_promise(ex: Exercise, func) -> None:
    answer = call(ex, func, example_orders(), example_shipments(), 0.8)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (fulfilment_centre, delivery_method)")
    cols = list(_PROMISE)
    expect_columns(ex, answer, cols)
    if answer.index.nlevels != 2:
        raise ex.fail("the index should have two levels: fulfilment_centre and delivery_method.")
    got = _index_set(ex, answer, _PAIRS, "the (fulfilment_centre, delivery_method) pairs of shipped orders")
    _numbers(ex, got, cols)
    if _close(got["orders"], [3, 5, 3]):
        raise ex.fail("a cancelled order was counted: only completed orders with a shipment count.")
    if not _close(got["orders"], _PROMISE["orders"]):
        raise ex.fail("`orders` should count the completed orders with a shipment per centre and method.")
    if _close(got["mean_days"], [1.6111111, 2.4373293, 3.9166667], rtol=1e-5):
        raise ex.fail("this is the time from dispatch (shipped_at) to delivery; the customer waits from the "
                      "order: delivered_at − ordered_at.")
    if _close(got["mean_days"], [1.6666667, 3.5, 5.0], rtol=1e-5):
        raise ex.fail("the times were cut to whole days (.dt.days); keep the fractions: "
                      ".dt.total_seconds() / 86400.")
    if not _close(got["mean_days"], _PROMISE["mean_days"]):
        raise ex.fail("`mean_days` should be the mean order-to-delivery time in days, with fractions.")
    if not _close(got["quantile_days"], _PROMISE["quantile_days"]):
        raise ex.fail("`quantile_days` should be the q quantile of the order-to-delivery times with linear "
                      "interpolation (pandas' and numpy's default).")
    if _close(got["promise_days"], [3, 4, 6]):
        raise ex.fail("the promise is shorter than the q quantile rounded up: rounding to the nearest day, or "
                      "starting from the mean, gives promises that are broken more often than the quantile says. "
                      "Use np.ceil(quantile_days).")
    if not _close(got["promise_days"], _PROMISE["promise_days"]):
        raise ex.fail("`promise_days` should be the quantile rounded up to whole days (np.ceil), as int.")


delivery_promise = Exercise(
    "7", "delivery windows from quantiles", "Part 5, 'Delivery windows from quantiles'",
    (
        "Keep the completed orders, attach each one's delivery time from its shipment, and measure the "
        "time the customer waits: from ordering to delivery.",
        "days = (delivered_at - ordered_at).dt.total_seconds() / 86400 after merging the completed orders "
        "with shipments on order_id; group by [fulfilment_centre, delivery_method].",
        "From the groups: size(), mean() and quantile(q); then promise_days = "
        "np.ceil(quantile_days).astype(int).",
    ),
    _check_delivery_promise,
)

_ACCURACY_TODAY = {"orders": [3, 4, 3], "kept": [3, 3, 2]}
_ACCURACY_TABLE = {"orders": [3, 4], "kept": [2, 3]}


def _accuracy(ex: Exercise, answer, pairs) -> pd.DataFrame:
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (fulfilment_centre, delivery_method)")
    expect_columns(ex, answer, ["orders", "kept", "accuracy"])
    if answer.index.nlevels != 2:
        raise ex.fail("the index should have two levels: fulfilment_centre and delivery_method.")
    got = _index_set(ex, answer, pairs, "the (fulfilment_centre, delivery_method) pairs of the orders counted")
    _numbers(ex, got, ["orders", "kept", "accuracy"])
    return got


def _check_promise_accuracy(ex: Exercise, func) -> None:
    today = call(ex, func, example_orders(), example_shipments())
    if isinstance(today, pd.DataFrame) and len(today) == 4:
        raise ex.fail("the carried-out or the cancelled order was counted: only completed orders with a "
                      "shipment and a promised date count.")
    got = _accuracy(ex, today, _PAIRS)
    if not _close(got["orders"], _ACCURACY_TODAY["orders"]):
        raise ex.fail("`orders` should count the completed orders with a shipment and a promised date.")
    if _close(got["kept"], [2, 2, 2]):
        raise ex.fail("an order delivered late in the evening of the promised day was counted as broken: "
                      "delivered_at (a time) compared with the promised date (midnight). Any time on the "
                      "promised day counts: compare with the promised date + 1 day, or compare dates.")
    if not _close(got["kept"], _ACCURACY_TODAY["kept"]):
        raise ex.fail("`kept` should count the orders delivered on or before their promised day.")
    if not _close(got["accuracy"], np.array(_ACCURACY_TODAY["kept"]) / np.array(_ACCURACY_TODAY["orders"])):
        raise ex.fail("`accuracy` should be kept / orders.")
    table = call(ex, func, example_orders(), example_shipments(), example_promise())
    if isinstance(table, pd.DataFrame) and isinstance(today, pd.DataFrame) and table.shape == today.shape \
            and "kept" in table.columns and _close(table["kept"], today["kept"]):
        raise ex.fail("the promise table was ignored: with a table, the promised day is the day of ordered_at plus "
                      "promise_days, not the promised_delivery_date of the order.")
    if isinstance(table, pd.DataFrame) and len(table) == 3:
        raise ex.fail("with a promise table, orders whose centre and method are not in it are left out.")
    got = _accuracy(ex, table, _PAIRS[:2])
    if _close(got["kept"], [3, 3]):
        raise ex.fail("with a promise table the promised day is the day of ordered_at plus promise_days, not "
                      "the promised_delivery_date of the order.")
    if _close(got["kept"], [2, 2]) or _close(got["kept"], [2, 4]):
        raise ex.fail("the promise was counted from the ordering TIME: the promised day is the day of "
                      "ordered_at (ordered_at.dt.normalize()) plus promise_days, and any time on it counts.")
    if not _close(got["kept"], _ACCURACY_TABLE["kept"]) or not _close(got["orders"], _ACCURACY_TABLE["orders"]):
        raise ex.fail("with a promise table, an order is kept when delivered on or before the day of ordered_at "
                      "plus the promise_days of its centre and method.")


promise_accuracy = Exercise(
    "8", "promise accuracy", "Part 5, 'Promise accuracy'",
    (
        "Decide first what the promised DAY of each order is (two cases), then compare the delivery time "
        "with the end of that day.",
        "Keep completed orders with a promised_delivery_date, merge the shipments on order_id. With a "
        "table: m.join(promise['promise_days'], on=['fulfilment_centre', 'delivery_method']), drop the "
        "orders without one, due = ordered_at.dt.normalize() + pd.to_timedelta(days, unit='D').",
        "kept = delivered_at < due + pd.Timedelta(days=1); group kept by centre and method: size(), "
        "sum() and mean().",
    ),
    _check_promise_accuracy,
)
