"""Visible checks and hints for Lab 09, *Customer value: CLV, cost-to-serve, segment P&L*.

Every check runs the learner's function on a small hand-made example (print it:
``example_centres()``, ``example_rates()``, ``example_volumes()``, ``example_customers()``,
``example_margins()``, ``example_units()``, ``example_unit_costs()``, ``example_profit()``,
``example_segments()``, ``example_account_costs()``, ``example_whale()``,
``example_clv_inputs()``, ``example_plan_value()``, ``example_account_revenue()``,
``example_account_parents()``), compares the result with the answer worked out by hand, and,
when it is wrong, says which common mistake it looks like. No check prints the expected values.

>>> from cxlabs.checks import lab09 as checks
>>> checks.activity_rates.hint()                      # doctest: +SKIP
>>> checks.activity_rates.check(activity_rates)       # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["activity_rates", "unused_capacity", "customer_profit", "segment_pnl", "whale_curve", "clv",
           "value_inputs", "revenue_concentration", "example_centres", "example_rates", "example_volumes",
           "example_customers", "example_margins", "example_units", "example_unit_costs", "example_profit",
           "example_segments", "example_account_costs", "example_whale", "example_clv_inputs",
           "example_plan_value", "example_account_revenue", "example_account_parents"]


def _close(a, b, tol: float = 1e-6) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    return abs(a - b) <= tol * max(1.0, abs(b))


def _numbers(ex: Exercise, frame: pd.DataFrame, column: str) -> pd.Series:
    try:
        return pd.to_numeric(frame[column]).astype(float)
    except (TypeError, ValueError):
        raise ex.fail(f"column {column!r} should hold numbers, got {frame[column].dtype}.") from None


def _keyed(ex: Exercise, frame: pd.DataFrame, keys: list[str], what: str) -> pd.DataFrame:
    """The frame indexed by ``keys`` (labels as plain Python values); fail when it is not."""
    names = [n for n in frame.index.names if n is not None]
    if frame.index.nlevels != len(keys):
        if all(k in frame.columns for k in keys):
            raise ex.fail(f"the result should be indexed by {what}; {keys} are columns. Use "
                          f".set_index({keys if len(keys) > 1 else keys[0]!r}).")
        raise ex.fail(f"the result should be indexed by {what}; its index has {frame.index.nlevels} "
                      f"level(s){' named ' + str(names) if names else ''}.")
    out = frame.copy()
    if len(keys) == 1:
        out.index = pd.Index([_plain(v) for v in out.index])
    else:
        out.index = pd.MultiIndex.from_tuples([tuple(_plain(v) for v in t) for t in out.index])
    if out.index.has_duplicates:
        raise ex.fail(f"some {what} appear more than once in the index; there should be one row for each.")
    return out


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v if isinstance(v, (int, bool)) else str(v)


def _rows(ex: Exercise, frame: pd.DataFrame, wanted: list, what: str) -> pd.DataFrame:
    got = set(frame.index)
    if got != set(wanted):
        missing, extra = set(wanted) - got, got - set(wanted)
        raise ex.fail(f"the rows are not one per {what}: {len(missing)} missing"
                      + (f" (for example {sorted(map(str, missing))[0]})" if missing else "")
                      + f", {len(extra)} that should not be there.")
    return frame.loc[wanted]


# --------------------------------------------------------------------------------------------
# Exercise 1: time-driven unit costs
# --------------------------------------------------------------------------------------------

_CENTRES = (  # year, centre, capacity cost, practical minutes (cost per minute by hand)
    (2024, "calls", 1000.0, 2000),    # 0.50
    (2024, "vans", 3000.0, 1000),     # 3.00
    (2025, "calls", 1200.0, 2000),    # 0.60
    (2025, "vans", 3300.0, 1000),     # 3.30
)
_RATES = (  # year, activity, centre, minutes, direct cost; unit cost by hand
    (2024, "phone_call", "calls", 10.0, 0.0, 5.0),
    (2024, "van_delivery", "vans", 20.0, 12.0, 72.0),
    (2024, "card_fee", "calls", 0.0, 0.5, 0.5),
    (2025, "phone_call", "calls", 12.0, 0.0, 7.2),
    (2025, "van_delivery", "vans", 20.0, 12.36, 78.36),
    (2025, "card_fee", "calls", 0.0, 0.5, 0.5),
)
_PER_MINUTE = {(2024, "calls"): 0.5, (2024, "vans"): 3.0, (2025, "calls"): 0.6, (2025, "vans"): 3.3}


def example_centres() -> pd.DataFrame:
    """Worked example for exercises 1 and 2: two cost centres over two years, shaped like ``cost_centres``."""
    return pd.DataFrame(list(_CENTRES), columns=["year", "cost_centre", "capacity_cost",
                                                 "practical_capacity_minutes"]).iloc[[3, 0, 2, 1]].reset_index(
        drop=True)


def example_rates() -> pd.DataFrame:
    """Worked example for exercises 1 and 2: three activities over two years, shaped like
    ``activity_cost_rates`` (a card fee has minutes 0 and only a direct cost)."""
    rows = [(y, a, c, "one unit", m, d) for y, a, c, m, d, _ in _RATES]
    frame = pd.DataFrame(rows, columns=["year", "activity", "cost_centre", "driver", "minutes_per_unit",
                                        "direct_cost"])
    return frame.iloc[[4, 0, 2, 5, 1, 3]].reset_index(drop=True)


def _check_activity_rates(ex: Exercise, func) -> None:
    answer = call(ex, func, example_centres(), example_rates())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (activity, year)")
    expect_columns(ex, answer, ["cost_per_minute", "unit_cost"])
    got = _rows(ex, _keyed(ex, answer, ["activity", "year"], "(activity, year)"),
                [(a, y) for y, a, *_ in _RATES], "activity and year of activity_cost_rates")
    per_minute = _numbers(ex, got, "cost_per_minute")
    unit = _numbers(ex, got, "unit_cost")
    pm = {k: per_minute[k] for k in got.index}
    uc = {k: unit[k] for k in got.index}
    if _close(pm[("phone_call", 2024)], 2.0) or _close(pm[("van_delivery", 2024)], 1 / 3):
        raise ex.fail("cost_per_minute is upside down: it is capacity_cost / practical_capacity_minutes "
                      "(USD per minute), not minutes per USD.")
    if _close(pm[("phone_call", 2024)], 30.0) or _close(uc[("phone_call", 2024)], 300.0):
        raise ex.fail("the cost per minute is a cost per hour or multiplied by 60: capacity_cost / "
                      "practical_capacity_minutes is already per minute.")
    if _close(pm[("phone_call", 2025)], 0.5) or _close(pm[("van_delivery", 2025)], 3.0):
        raise ex.fail("the 2025 activities got the 2024 cost per minute. Each year has its own centre "
                      "cost: merge on both cost_centre and year.")
    if not all(_close(pm[(a, y)], _PER_MINUTE[(y, c)]) for y, a, c, *_ in _RATES):
        raise ex.fail("cost_per_minute is wrong: the cost per minute of the activity's cost centre in the "
                      "same year, capacity_cost / practical_capacity_minutes.")
    if _close(uc[("van_delivery", 2024)], 60.0) or _close(uc[("card_fee", 2024)], 0.0):
        raise ex.fail("the direct cost is missing: unit_cost = minutes_per_unit x cost_per_minute + "
                      "direct_cost (a card fee uses no minutes but still costs its fee).")
    if not all(_close(uc[(a, y)], want) for y, a, *_, want in _RATES):
        raise ex.fail("unit_cost is wrong: minutes_per_unit x cost_per_minute + direct_cost, all of the "
                      "same year.")


activity_rates = Exercise(
    "1", "time-driven unit costs", "Part 1, 'What an activity costs'",
    (
        "Two steps: a cost per minute for each cost centre and year, then each activity's minutes "
        "priced at its own centre's rate of the same year.",
        "cost_per_minute = capacity_cost / practical_capacity_minutes. Bring it next to each rate with "
        "a merge on ['year', 'cost_centre'].",
        "unit_cost = minutes_per_unit * cost_per_minute + direct_cost; finish with "
        ".set_index(['activity', 'year']).",
    ),
    _check_activity_rates,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: unused capacity
# --------------------------------------------------------------------------------------------

_VOLUMES = (  # activity, year, units
    ("phone_call", 2024, 100.0), ("phone_call", 2024, 20.0), ("card_fee", 2024, 50.0),
    ("phone_call", 2025, 150.0), ("van_delivery", 2024, 30.0), ("van_delivery", 2026, 5.0),
)
#: (centre, year) -> used minutes, unused minutes, unused share, unused cost (by hand)
_UNUSED = {
    ("calls", 2024): (1200.0, 800.0, 0.4, 400.0),
    ("calls", 2025): (1800.0, 200.0, 0.1, 120.0),
    ("vans", 2024): (600.0, 400.0, 0.4, 1200.0),
    ("vans", 2025): (0.0, 1000.0, 1.0, 3300.0),
}


def example_volumes() -> pd.DataFrame:
    """Worked example for exercise 2: units of each activity (two rows for phone calls in 2024;
    no van deliveries in 2025; some in 2026, a year no centre has a row for)."""
    return pd.DataFrame(list(_VOLUMES), columns=["activity", "year", "units"])


def _check_unused_capacity(ex: Exercise, func) -> None:
    answer = call(ex, func, example_centres(), example_rates(), example_volumes())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (cost_centre, year)")
    cols = ["used_minutes", "unused_minutes", "unused_share", "unused_cost"]
    expect_columns(ex, answer, cols)
    keyed = _keyed(ex, answer, ["cost_centre", "year"], "(cost_centre, year)")
    if ("vans", 2025) not in keyed.index and len(keyed) == 3:
        raise ex.fail("a centre-year in which no activity used any minutes is missing. Every row of "
                      "cost_centres gets a row: used_minutes 0, all of its capacity unused.")
    got = _rows(ex, keyed, list(_UNUSED), "row of cost_centres")
    values = {c: _numbers(ex, got, c) for c in cols}
    used = values["used_minutes"]
    if _close(used[("calls", 2024)], 20.0):
        raise ex.fail("used_minutes counts rows of volumes, not units. Multiply each row's units by the "
                      "activity's minutes_per_unit, then add up.")
    if _close(used[("calls", 2025)], 1500.0):
        raise ex.fail("the 2025 volumes were priced at the 2024 minutes per unit: match volumes and rates "
                      "on both activity and year.")
    if not all(_close(used[k], v[0]) for k, v in _UNUSED.items()):
        raise ex.fail("used_minutes is wrong: the sum over the centre's activities of units x "
                      "minutes_per_unit of the same year (volumes in years without a centre row do not count).")
    share = values["unused_share"]
    if _close(share[("calls", 2024)], 800 / 1200):
        raise ex.fail("unused_share is divided by the used minutes. It is the share of the practical "
                      "capacity left unused: unused_minutes / practical_capacity_minutes.")
    for c, i in (("unused_minutes", 1), ("unused_share", 2), ("unused_cost", 3)):
        if not all(_close(values[c][k], v[i]) for k, v in _UNUSED.items()):
            raise ex.fail(f"{c} is wrong: unused_minutes = practical_capacity_minutes - used_minutes; "
                          "unused_share = unused_minutes / practical_capacity_minutes; unused_cost = "
                          "unused_share x capacity_cost.")


unused_capacity = Exercise(
    "2", "unused capacity", "Part 1, 'What an activity costs'",
    (
        "Start from cost_centres (one row each) and bring the minutes the activities used to it; a "
        "centre-year nobody used still gets a row.",
        "Merge volumes with activity_cost_rates on ['activity', 'year'] (an inner merge drops the years "
        "without rates), used = units * minutes_per_unit, then group by ['cost_centre', 'year'] and sum.",
        "Join the used minutes to cost_centres.set_index(['cost_centre', 'year']), fill the missing ones "
        "with 0, and compute the three unused columns from practical_capacity_minutes and capacity_cost.",
    ),
    _check_unused_capacity,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: cost to serve and profit per customer
# --------------------------------------------------------------------------------------------

_UNIT_COSTS = {("phone_call", 2024): 5.0, ("phone_call", 2025): 7.2, ("van_delivery", 2024): 72.0,
               ("van_delivery", 2025): 78.36, ("card_fee", 2024): 0.5, ("card_fee", 2025): 0.5}
_UNITS = (  # customer, plan, activity, year, units
    (1, None, "phone_call", 2024, 1.0), (1, None, "van_delivery", 2025, 1.0),
    (2, None, "van_delivery", 2026, 1.0), (2, None, "phone_call", 2025, 2.0),
    (3, 30, "card_fee", 2024, 1.0), (3, 30, "card_fee", 2024, 1.0), (3, 30, "card_fee", 2024, 1.0),
    (5, None, "phone_call", 2024, 1.0),
)
_MARGINS = {1: (200.0, 50.0), 2: (80.0, 0.0), 3: (0.0, 120.0), 4: (30.0, 0.0)}
#: customer -> revenue_margin, cost_to_serve, profit (by hand)
_PROFIT = {1: (250.0, 83.36, 166.64), 2: (80.0, 92.76, -12.76), 3: (120.0, 1.5, 118.5), 4: (30.0, 0.0, 30.0),
           5: (0.0, 5.0, -5.0)}


def example_customers() -> pd.DataFrame:
    """Worked example for exercise 3: five customers (customer 4 has no activity, 5 no margin)."""
    return pd.DataFrame({"customer_id": [4, 1, 5, 3, 2],
                         "segment": ["value", "premium", "value", "mainstream", "business"]})


def example_margins() -> pd.DataFrame:
    """Worked example for exercise 3: margins indexed by customer_id (customer 5 has no row)."""
    frame = pd.DataFrame.from_dict(_MARGINS, orient="index", columns=["product_margin", "plan_fees"])
    frame.index.name = "customer_id"
    return frame


def example_units() -> pd.DataFrame:
    """Worked example for exercise 3: activity units shaped like ``units`` (one delivery in 2026,
    after the last year with rates)."""
    frame = pd.DataFrame(list(_UNITS), columns=["customer_id", "plan_id", "activity", "year", "units"])
    frame["plan_id"] = pd.array(frame["plan_id"], dtype="Int64")
    return frame.iloc[[3, 0, 5, 7, 1, 4, 2, 6]].reset_index(drop=True)


def example_unit_costs() -> pd.DataFrame:
    """Worked example for exercise 3: unit costs indexed by (activity, year), as exercise 1 returns them."""
    index = pd.MultiIndex.from_tuples(list(_UNIT_COSTS), names=["activity", "year"])
    return pd.DataFrame({"unit_cost": list(_UNIT_COSTS.values())}, index=index)


def _check_customer_profit(ex: Exercise, func) -> None:
    answer = call(ex, func, example_customers(), example_margins(), example_units(), example_unit_costs())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by customer_id")
    cols = ["revenue_margin", "cost_to_serve", "profit"]
    expect_columns(ex, answer, cols)
    keyed = _keyed(ex, answer, ["customer_id"], "customer_id")
    if 4 not in keyed.index:
        raise ex.fail("a customer with no activity at all is missing. Every customer in `customers` "
                      "gets a row (cost_to_serve 0).")
    if 5 not in keyed.index:
        raise ex.fail("a customer with no row in margins is missing. Every customer in `customers` gets "
                      "a row (revenue_margin 0).")
    got = _rows(ex, keyed, list(_PROFIT), "customer in customers")
    v = {c: _numbers(ex, got, c) for c in cols}
    if v["cost_to_serve"].isna().any() or v["profit"].isna().any() or v["revenue_margin"].isna().any():
        raise ex.fail("some values are missing (NaN): customers without activity cost 0, customers "
                      "without margins earn 0, and a unit after the last rate year takes that year's rate.")
    if _close(v["cost_to_serve"][2], 14.4):
        raise ex.fail("a unit dated after the last year with rates (a 2026 delivery) was left out. Our "
                      "policy: it is costed at the last year's rate.")
    if _close(v["cost_to_serve"][1], 7.2 + 78.36) or _close(v["cost_to_serve"][1], 5.0 + 72.0):
        raise ex.fail("every unit was costed at one year's rate. A unit is costed at the rate of its own "
                      "year: match on both activity and year.")
    if _close(v["revenue_margin"][1], 200.0) and _close(v["revenue_margin"][3], 0.0):
        raise ex.fail("plan fees are missing from revenue_margin: it is product_margin + plan_fees.")
    if _close(v["cost_to_serve"][3], 0.5):
        raise ex.fail("repeated rows of one activity were counted once: add up units x unit_cost over "
                      "every row.")
    for i, c in enumerate(cols):
        if not all(_close(v[c][k], want[i]) for k, want in _PROFIT.items()):
            raise ex.fail(f"{c} is wrong: revenue_margin = product_margin + plan_fees; cost_to_serve = sum "
                          "of units x unit_cost of the unit's year; profit = revenue_margin - cost_to_serve.")


customer_profit = Exercise(
    "3", "cost to serve and profit per customer", "Part 2, 'What each customer costs and earns'",
    (
        "Price every unit, then add up per customer. Start the result from the customers, not from the "
        "units, so that quiet customers keep a row.",
        "Replace years after the last rate year by that year (units['year'].clip(upper=...)), then merge "
        "with rates['unit_cost'].reset_index() on ['activity', 'year'].",
        "cost = (units * unit_cost).groupby(customer_id).sum(); reindex both it and the margins on "
        "customers['customer_id'] with fill_value=0.",
    ),
    _check_customer_profit,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: segment P&L
# --------------------------------------------------------------------------------------------

_SEGMENT_PROFIT = {  # customer -> segment, revenue margin, cost to serve
    1: ("value", 100.0, 40.0), 2: ("value", 50.0, 70.0), 3: ("premium", 300.0, 100.0),
    4: ("business", 400.0, 350.0), 5: ("business", 200.0, 180.0), 6: ("mainstream", 0.0, 0.0),
}
#: segment -> customers, revenue, cost, account costs, profit, per customer, share, subsidised (by hand),
#: largest profit first
_PNL = {
    "premium": (1, 300.0, 100.0, 0.0, 200.0, 200.0, 200 / 210, False),
    "value": (2, 150.0, 110.0, 0.0, 40.0, 20.0, 40 / 210, False),
    "mainstream": (1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False),
    "business": (2, 600.0, 530.0, 100.0, -30.0, -15.0, -30 / 210, True),
}
_PNL_COLUMNS = ["customers", "revenue_margin", "cost_to_serve", "account_costs", "profit", "profit_per_customer",
                "profit_share", "subsidised"]


def example_profit() -> pd.DataFrame:
    """Worked example for exercise 4: six customers' profit, indexed by customer_id."""
    frame = pd.DataFrame([(c, r, k, r - k) for c, (_, r, k) in _SEGMENT_PROFIT.items()],
                         columns=["customer_id", "revenue_margin", "cost_to_serve", "profit"])
    return frame.set_index("customer_id").iloc[[4, 1, 5, 0, 3, 2]]


def example_segments() -> pd.DataFrame:
    """Worked example for exercise 4: the six customers' segments."""
    return pd.DataFrame({"customer_id": list(_SEGMENT_PROFIT), "segment": [s for s, *_ in _SEGMENT_PROFIT.values()]})


def example_account_costs() -> pd.Series:
    """Worked example for exercise 4: account-level costs per segment (only the business segment has any)."""
    return pd.Series({"business": 100.0}, name="account_costs")


def _check_segment_pnl(ex: Exercise, func) -> None:
    answer = call(ex, func, example_profit(), example_segments(), example_account_costs())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by segment")
    expect_columns(ex, answer, _PNL_COLUMNS)
    keyed = _keyed(ex, answer, ["segment"], "segment")
    got = _rows(ex, keyed, list(_PNL), "segment")
    v = {c: _numbers(ex, got, c) for c in _PNL_COLUMNS if c != "subsidised"}
    if _close(v["profit"]["business"], 70.0):
        raise ex.fail("the account costs are missing: profit = revenue_margin - cost_to_serve - "
                      "account_costs (a segment missing from account_costs has none).")
    if _close(v["profit_share"]["premium"], 200 / 240):
        raise ex.fail("profit_share is divided by the profit of the profitable segments only. Divide by the "
                      "total profit of all segments, losses included: then shares above 1 show who "
                      "subsidises the others.")
    if _close(v["profit_per_customer"]["business"], 35.0):
        raise ex.fail("profit_per_customer is the mean of the customers' own profit, which leaves out the "
                      "account costs: use the segment's profit / its number of customers.")
    names = list(_PNL)
    for i, c in enumerate(_PNL_COLUMNS[:-1]):
        if not all(_close(v[c][s], _PNL[s][i]) for s in names):
            raise ex.fail(f"{c} is wrong: customers counts each segment's customers; revenue_margin and "
                          "cost_to_serve are sums; profit = revenue_margin - cost_to_serve - account_costs; "
                          "profit_per_customer = profit / customers; profit_share = profit / total profit.")
    sub = [bool(x) for x in got["subsidised"]]
    if sub != [_PNL[s][-1] for s in names]:
        raise ex.fail("subsidised is wrong: True for a segment whose profit is below 0 (the others pay for it).")
    if [str(s) for s in keyed.index] == names[::-1]:
        raise ex.fail("the rows are sorted with the largest loss first; sort by profit, largest first.")
    if [str(s) for s in keyed.index] != names:
        raise ex.fail("the rows should be sorted by profit, largest first.")


segment_pnl = Exercise(
    "4", "segment P&L", "Part 2, 'What each customer costs and earns'",
    (
        "Bring each customer's segment next to their profit, then add up per segment; the account costs "
        "sit at segment level, not with any customer.",
        "profit.join(customers.set_index('customer_id')['segment']).groupby('segment') with size and sums; "
        "account_costs.reindex(segments, fill_value=0).",
        "profit_share = profit / profit.sum() over the segments (a loss makes the others' shares add up to "
        "more than 1); subsidised = profit < 0; sort_values('profit', ascending=False).",
    ),
    _check_segment_pnl,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: whale curve
# --------------------------------------------------------------------------------------------

_WHALE_PROFIT = {11: 50.0, 12: -30.0, 13: 120.0, 14: 0.0, 15: 10.0, 16: -50.0}
#: rows, largest profit first: customer, profit, customer share, cumulative profit share (by hand)
_WHALE = ((13, 120.0, 1 / 6, 1.2), (11, 50.0, 2 / 6, 1.7), (15, 10.0, 3 / 6, 1.8), (14, 0.0, 4 / 6, 1.8),
          (12, -30.0, 5 / 6, 1.5), (16, -50.0, 1.0, 1.0))


def example_whale() -> pd.Series:
    """Worked example for exercise 5: six customers' profit (total 100), indexed by customer_id."""
    s = pd.Series(_WHALE_PROFIT, name="profit")
    s.index.name = "customer_id"
    return s


def _check_whale_curve(ex: Exercise, func) -> None:
    answer = call(ex, func, example_whale())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per customer")
    cols = ["customer_id", "profit", "customer_share", "cumulative_profit_share"]
    expect_columns(ex, answer, cols)
    if len(answer) != len(_WHALE):
        raise ex.fail(f"expected one row per customer (6 in the worked example); got {len(answer)}.")
    v = {c: _numbers(ex, answer, c).to_list() for c in cols}
    if [int(c) for c in v["customer_id"]] == [w[0] for w in _WHALE][::-1]:
        raise ex.fail("the customers are ranked from the least profitable up. The whale curve starts with "
                      "the most profitable customer: sort by profit, largest first.")
    if [int(c) for c in v["customer_id"]] != [w[0] for w in _WHALE]:
        raise ex.fail("the rows should be sorted by profit, largest first, with each customer's id and profit.")
    if _close(v["cumulative_profit_share"][0], 120 / 180):
        raise ex.fail("the cumulative profit is divided by the profit of the profitable customers only. Divide "
                      "by the total profit of all customers: the curve rises above 1 and comes back to 1.")
    if _close(v["customer_share"][0], 0.0):
        raise ex.fail("customer_share starts at 0: after the first customer, 1/n of the customers are counted "
                      "(k / n for the k-th row).")
    if not all(_close(a, w[2]) for a, w in zip(v["customer_share"], _WHALE, strict=True)):
        raise ex.fail("customer_share is wrong: k / n for the k-th row, n the number of customers.")
    if not all(_close(a, w[3]) for a, w in zip(v["cumulative_profit_share"], _WHALE, strict=True)):
        raise ex.fail("cumulative_profit_share is wrong: the running sum of profit divided by the total profit.")
    if list(answer.index) != list(range(len(answer))):
        raise ex.fail("the result should have a plain 0, 1, 2… index (reset_index(drop=True)).")


whale_curve = Exercise(
    "5", "the whale curve", "Part 2, 'What each customer costs and earns'",
    (
        "Rank the customers from the most to the least profitable, then walk down the list keeping a "
        "running total.",
        "profit.sort_values(ascending=False); the running total is .cumsum(), divided by the total profit.",
        "customer_share = np.arange(1, n + 1) / n. Build the DataFrame from .index and .to_numpy() so the "
        "result gets a plain index.",
    ),
    _check_whale_curve,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: lifetime value with discounting
# --------------------------------------------------------------------------------------------

_CLV_INPUTS = {"a": (100.0, 0.8), "b": (50.0, 1.0), "c": (-20.0, 0.5)}
#: group -> CLV at d = 0.10 over 3 years, first margin now (by hand)
_CLV = {"a": 225.619835, "b": 136.776860, "c": -33.223140}
_CLV_FIRST_DISCOUNTED = {"a": 164.087153, "b": 124.342600, "c": -15.101427}
_CLV_EXTRA_YEAR = {"a": 264.087153, "b": 174.342600, "c": -35.101427}
_CLV_ONE_MINUS_D = {"a": 223.84, "b": 135.5, "c": -33.05}
_CLV_RETENTION_AHEAD = {"a": 180.495868, "b": 136.776860, "c": -16.611570}


def example_clv_inputs() -> pd.DataFrame:
    """Worked example for exercise 6: margin per year and retention of three groups."""
    frame = pd.DataFrame.from_dict(_CLV_INPUTS, orient="index", columns=["margin_per_year", "retention"])
    frame.index.name = "group"
    return frame


def _check_clv(ex: Exercise, func) -> None:
    answer = call(ex, func, example_clv_inputs(), 0.10, 3)
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, "a Series indexed like inputs")
    keyed = _keyed(ex, answer.to_frame("clv"), ["group"], "the groups of inputs")
    got = _rows(ex, keyed, list(_CLV), "group of inputs")["clv"]
    got = pd.to_numeric(got).astype(float)

    def like(ref):
        return all(_close(got[g], ref[g], 1e-5) for g in _CLV)
    if like(_CLV_FIRST_DISCOUNTED):
        raise ex.fail("the first margin is counted a year from now (discounted and after a renewal). Our plan "
                      "fees are paid at the start of each term: the first margin is collected now, t = 0, "
                      "not discounted.")
    if like(_CLV_EXTRA_YEAR):
        raise ex.fail("the sum has one year too many: a horizon of H years counts H margins, t = 0 .. H-1.")
    if like(_CLV_ONE_MINUS_D):
        raise ex.fail("the discount multiplies by (1 - d)^t. Discounting divides by (1 + d)^t.")
    if like(_CLV_RETENTION_AHEAD):
        raise ex.fail("the margin of year t survives with retention^(t+1): the first margin is certain, so "
                      "year t survives t renewals, retention^t.")
    if not like(_CLV):
        raise ex.fail("some lifetime values are wrong: sum over t = 0 .. H-1 of margin_per_year x retention^t "
                      "/ (1 + discount_rate)^t.")
    one = call(ex, func, example_clv_inputs(), 0.10, 1)
    if isinstance(one, pd.DataFrame) and one.shape[1] == 1:
        one = one.iloc[:, 0]
    expect_type(ex, one, pd.Series, "a Series indexed like inputs")
    if not all(_close(one[g], _CLV_INPUTS[g][0]) for g in _CLV_INPUTS):
        raise ex.fail("with a horizon of 1 year the lifetime value should be the first margin alone.")


clv = Exercise(
    "6", "lifetime value with discounting", "Part 3, 'What a plan holder is worth'",
    (
        "Write the value as a sum of yearly terms: which years count, how likely each is to be paid, and "
        "what a dollar of that year is worth today.",
        "t = np.arange(horizon_years) gives 0 .. H-1: the first margin (t = 0) is collected today, for sure.",
        "term_t = margin_per_year * retention**t / (1 + discount_rate)**t; with numpy broadcasting: "
        "m[:, None] * r[:, None]**t / (1 + d)**t, summed over axis=1, as a Series with inputs.index.",
    ),
    _check_clv,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: margin and retention by group
# --------------------------------------------------------------------------------------------

_PLAN_VALUE = (  # plan, tier, channel, failed visit, plan years, fees, service cost, renewals, cancellations
    (1, "essential", "email", False, 2.0, 200.0, 50.0, 2, 0),
    (2, "essential", "email", True, 1.0, 100.0, 150.0, 1, 1),
    (3, "premium", "paid_social", False, 0.5, 140.0, 0.0, 0, 0),
    (4, "premium", "paid_social", True, 2.0, 560.0, 900.0, 2, 1),
    (5, "essential", "paid_social", False, 0.0, 0.0, 0.0, 1, 1),
    (6, "plus", "email", False, 1.5, 240.0, 60.0, 1, 0),
    (7, "plus", "store", False, 0.25, 40.0, 10.0, 0, 0),
)
#: by -> group -> plans, plan years, margin per year, retention (by hand)
_VALUE = {
    "tier": {"essential": (3, 3.0, 100 / 3, 0.5), "premium": (2, 2.5, -80.0, 0.5),
             "plus": (2, 1.75, 120.0, 1.0)},
    "acquisition_channel": {"email": (3, 4.5, 280 / 4.5, 0.75), "paid_social": (3, 2.5, -80.0, 1 / 3),
                            "store": (1, 0.25, 120.0, np.nan)},
}


def example_plan_value() -> pd.DataFrame:
    """Worked example for exercise 7: seven plans shaped like ``plan_value`` (plan 5 ended the day the
    history starts: no plan-years; plans 3 and 7 reached no renewal date)."""
    cols = ["plan_id", "tier", "acquisition_channel", "failed_visit", "plan_years", "fees", "service_cost",
            "renewals", "cancellations"]
    return pd.DataFrame(list(_PLAN_VALUE), columns=cols).iloc[[6, 2, 0, 4, 1, 5, 3]].reset_index(drop=True)


def _check_value_inputs(ex: Exercise, func) -> None:
    cols = ["plans", "plan_years", "margin_per_year", "retention"]
    for by, expected in _VALUE.items():
        answer = call(ex, func, example_plan_value(), by)
        expect_type(ex, answer, pd.DataFrame, f"a DataFrame indexed by the groups of {by!r}")
        expect_columns(ex, answer, cols)
        got = _rows(ex, _keyed(ex, answer, [by], f"the values of {by!r}"), list(expected), f"value of {by!r}")
        v = {c: _numbers(ex, got, c) for c in cols}
        margin, retention = v["margin_per_year"], v["retention"]
        if by == "tier":
            if _close(margin["premium"], 280.0) or _close(margin["essential"], 100.0):
                raise ex.fail("margin_per_year counts the fees only. Subtract the cost of serving the plans: "
                              "(fees - service_cost) summed, over plan_years summed.")
            if _close(margin["premium"], 55.0) or not np.isfinite(margin["essential"]) or _close(
                    margin["essential"], 12.5):
                raise ex.fail("margin_per_year is an average of each plan's own margin per year, which lets a "
                              "plan with a few days (or none) of history weigh as much as one with two years. "
                              "Divide the group's total margin by its total plan_years.")
            if _close(retention["essential"], 1 / 3):
                raise ex.fail("retention counts plans (those with a cancellation, or each plan's own rate "
                              "averaged). It is the share of renewal dates that renewed: 1 - cancellations "
                              "summed / renewals summed over the group.")
        if by == "acquisition_channel" and not np.isnan(retention["store"]):
            raise ex.fail("a group that reached no renewal date has no retention to measure: leave it missing "
                          "(NaN), not 0 or 1.")
        for i, c in enumerate(cols):
            if not all(_close(v[c][g], want[i]) for g, want in expected.items()):
                raise ex.fail(f"{c} is wrong (grouped by {by!r}): plans counts plans, plan_years sums them, "
                              "margin_per_year = (sum of fees - sum of service_cost) / sum of plan_years, "
                              "retention = 1 - sum of cancellations / sum of renewals.")


value_inputs = Exercise(
    "7", "margin and retention by group", "Part 3, 'What a plan holder is worth'",
    (
        "Both figures are ratios of totals over the group's plans, not averages of each plan's ratio.",
        "g = plan_value.groupby(by); margin_per_year = (g['fees'].sum() - g['service_cost'].sum()) / "
        "g['plan_years'].sum().",
        "retention = 1 - g['cancellations'].sum() / g['renewals'].sum(); 0 / 0 gives NaN, which is what a "
        "group with no renewal date should show.",
    ),
    _check_value_inputs,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: revenue concentration
# --------------------------------------------------------------------------------------------

_NET = {1: 100.0, 2: 100.0, 3: 100.0, 4: 100.0, 5: 200.0, 6: 200.0, 7: 100.0, 8: 100.0}
_PARENT = {1: 100, 2: 100, 3: 100, 4: 100, 5: 5, 6: 6, 7: 7, 8: 8}
#: level -> top-2 share, HHI, highly concentrated (by hand): accounts .2, .2, .1 x 6; groups .4, .2, .2, .1, .1
_CONCENTRATION = {"account": (0.4, 1400.0, False), "parent": (0.6, 2600.0, True)}


def example_account_revenue() -> pd.DataFrame:
    """Worked example for exercise 8: two months of revenue for eight accounts (group accounts get a 6%
    rebate, the others 3%)."""
    rows = []
    for a, net in _NET.items():
        rate = 0.06 if _PARENT[a] == 100 else 0.03
        for month, part in (("2025-01-01", 0.4), ("2025-02-01", 0.6)):
            gross = round(net * part / (1 - rate), 6)
            rows.append((a, pd.Timestamp(month), gross, round(gross - net * part, 6), net * part))
    return pd.DataFrame(rows, columns=["account_id", "month", "order_revenue", "rebate", "net_revenue"])


def example_account_parents() -> pd.DataFrame:
    """Worked example for exercise 8: accounts 1 to 4 belong to one group (parent 100); 5 to 8 stand alone."""
    return pd.DataFrame({"account_id": list(_PARENT), "parent_id": list(_PARENT.values()),
                         "parent_name": ["Group A" if p == 100 else f"Account {p}" for p in _PARENT.values()]})


def _check_revenue_concentration(ex: Exercise, func) -> None:
    answer = call(ex, func, example_account_revenue(), example_account_parents(), 2)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by level ('account', 'parent')")
    cols = ["top_n_share", "hhi", "highly_concentrated"]
    expect_columns(ex, answer, cols)
    got = _rows(ex, _keyed(ex, answer, ["level"], "level"), list(_CONCENTRATION), "level: 'account' and 'parent'")
    top, hhi = _numbers(ex, got, "top_n_share"), _numbers(ex, got, "hhi")
    if _close(hhi["account"], 0.14) or _close(hhi["parent"], 0.26):
        raise ex.fail("the HHI is computed on shares as fractions. The HHI uses shares in percent: "
                      "sum of (100 x share)^2, from near 0 to 10,000.")
    if _close(hhi["parent"], 1400.0) or _close(top["parent"], 0.4):
        raise ex.fail("the parent level looks like the account level: add up the accounts of each parent_id "
                      "before computing shares.")
    if not _close(hhi["account"], 1400.0, 1e-4) and abs(hhi["account"] - 1400.0) < 20:
        raise ex.fail("the shares are not from net_revenue (what the company keeps after the volume rebate): "
                      "use net_revenue summed over all months.")
    if _close(top["account"], 0.2) or _close(top["account"], 0.3):
        raise ex.fail("top_n_share should add up the n LARGEST shares (nlargest(n)).")
    for level, (t, h, _) in _CONCENTRATION.items():
        if not _close(top[level], t, 1e-4) or not _close(hhi[level], h, 1e-4):
            raise ex.fail("top_n_share or hhi is wrong: shares of net_revenue summed over the table, top_n_share "
                          "= sum of the n largest shares, hhi = sum of (100 x share)^2.")
    flags = {k: bool(got.loc[k, "highly_concentrated"]) for k in _CONCENTRATION}
    if flags != {k: v[2] for k, v in _CONCENTRATION.items()}:
        raise ex.fail("highly_concentrated is wrong: True when the HHI is above 1,800 (2023 Merger Guidelines).")


revenue_concentration = Exercise(
    "8", "revenue concentration", "Part 4, 'Who B2B revenue depends on'",
    (
        "Work out each account's share of the total, then do the same after adding up each parent group's "
        "accounts.",
        "rev = account_revenue.groupby('account_id')['net_revenue'].sum(); the parent of each account: "
        "account_parents.set_index('account_id')['parent_id']; rev.groupby(parent).sum().",
        "share = s / s.sum(); top_n_share = share.nlargest(n).sum(); hhi = ((100 * share) ** 2).sum(); "
        "build one row per level with pd.DataFrame.from_dict(..., orient='index').",
    ),
    _check_revenue_concentration,
)
