"""Visible checks and hints for lab 00, *Orientation: the company and its data*.

Each check runs the learner's function on a hand-made worked example of a few rows (never
on the generated data), compares the result with the right answer, and names the likely
mistake when the result equals what a common mistake gives. The right answers and the
answers of the common mistakes are written out below as literal numbers, worked out by hand
from the examples: nothing here computes an answer on other data (the graded references
live with the grader, outside this package).

>>> from cxlabs.checks import lab00 as checks
>>> checks.customers_per_market.hint()  # doctest: +ELLIPSIS
Hint 1/3 for exercise 1: ...
"""

from __future__ import annotations

import pandas as pd

from cxlabs.feedback import CheckFailed, Exercise, Mistake, call, diagnose, returned

__all__ = ["CheckFailed", "warm_up", "customers_per_market", "revenue_by_channel",
           "on_time_rate_by_centre", "example_customers", "example_orders",
           "example_order_lines", "example_shipments"]


# --------------------------------------------------------------------------------------
# Worked examples: a few rows with the same columns as the real tables.
# --------------------------------------------------------------------------------------

def example_customers() -> pd.DataFrame:
    """Ten customers in four markets; counts per market differ from cities per market."""
    rows = [
        (1, "London", "UK", "UK"), (2, "London", "UK", "UK"), (3, "Leeds", "UK", "UK"),
        (4, "London", "UK", "UK"),
        (5, "Los Angeles", "US-CA", "US"), (6, "San Diego", "US-CA", "US"),
        (7, "Fresno", "US-CA", "US"),
        (8, "Berlin", "DE", "EU"), (9, "Berlin", "DE", "EU"),
        (10, "Utrecht", "NL", "EU"),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "city", "market", "region"])


def example_orders() -> pd.DataFrame:
    """Eight orders in four channels; one big cancelled app order and one cancelled web order."""
    ts = pd.to_datetime
    rows = [
        (1, 11, ts("2024-03-01 09:12"), "web", "UK", "FC-UK", "standard", "completed", ts("2024-03-05")),
        (2, 12, ts("2024-03-01 10:40"), "store", "UK", None, "carry_out", "completed", pd.NaT),
        (3, 13, ts("2024-03-02 14:05"), "app", "DE", "FC-EU", "express", "completed", ts("2024-03-04")),
        (4, 14, ts("2024-03-02 18:30"), "b2b", "US-CA", "FC-USW", "installation", "completed", ts("2024-03-09")),
        (5, 15, ts("2024-03-03 08:00"), "app", "NL", "FC-EU", "standard", "cancelled", ts("2024-03-07")),
        (6, 16, ts("2024-03-03 11:45"), "web", "DE", "FC-EU", "standard", "completed", ts("2024-03-07")),
        (7, 17, ts("2024-03-04 20:10"), "web", "UK", "FC-UK", "standard", "cancelled", ts("2024-03-08")),
        (8, 18, ts("2024-03-05 12:00"), "store", "US-CA", None, "carry_out", "completed", pd.NaT),
    ]
    return pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "channel", "market",
                                       "fulfilment_centre", "delivery_method", "status",
                                       "promised_delivery_date"])


def example_order_lines() -> pd.DataFrame:
    """Lines of the eight example orders; ``unit_price`` is already after the discount."""
    rows = [
        (1, 1, 101, 2, 100.0, 0.0), (1, 2, 102, 1, 50.0, 0.10),
        (2, 1, 103, 1, 300.0, 0.0),
        (3, 1, 104, 3, 20.0, 0.0),
        (4, 1, 105, 5, 40.0, 0.20), (4, 2, 106, 1, 10.0, 0.0),
        (5, 1, 107, 4, 500.0, 0.0),
        (6, 1, 108, 1, 80.0, 0.25),
        (7, 1, 109, 2, 900.0, 0.0),
        (8, 1, 110, 4, 25.0, 0.0),
    ]
    return pd.DataFrame(rows, columns=["order_id", "line_number", "product_id", "quantity",
                                       "unit_price", "discount_pct"])


def example_shipments() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Twelve shipments from three centres, and the orders they ship (with promised dates).

    Several parcels arrive *on* the promised day, at various times of day up to its last
    instant (on time), and one at midnight right after the promised day (late).
    """
    ts = pd.to_datetime
    # order_id, promised date, centre, shipped_at, delivered_at
    rows = [
        (21, "2024-03-10", "FC-EU", "2024-03-07 16:00", "2024-03-09 14:00"),   # early
        (22, "2024-03-10", "FC-EU", "2024-03-08 15:00", "2024-03-10 09:30"),   # on the day
        (23, "2024-03-10", "FC-EU", "2024-03-09 10:00", "2024-03-11 10:00"),   # late
        (24, "2024-03-10", "FC-EU", "2024-03-10 11:00", "2024-03-12 08:00"),   # late
        (25, "2024-05-02", "FC-UK", "2024-04-30 17:00", "2024-05-02 16:00"),   # on the day
        (26, "2024-05-02", "FC-UK", "2024-05-01 09:00", "2024-05-02 11:00"),   # on the day
        (27, "2024-05-03", "FC-UK", "2024-04-29 13:00", "2024-05-01 12:00"),   # early
        (28, "2024-06-20", "FC-USW", "2024-06-16 08:00", "2024-06-18 19:00"),  # early
        (29, "2024-06-20", "FC-USW", "2024-06-19 12:00", "2024-06-21 15:00"),  # late
        (30, "2024-06-20", "FC-USW", "2024-06-17 10:00", "2024-06-20 18:45"),  # on the day
        (31, "2024-05-03", "FC-UK", "2024-05-02 10:00", "2024-05-04 00:00"),   # late: midnight after
        (32, "2024-03-10", "FC-EU", "2024-03-08 12:00", "2024-03-10 23:59:59.999999"),  # on the day
    ]
    shipments = pd.DataFrame({
        "shipment_id": range(1, len(rows) + 1),
        "order_id": [r[0] for r in rows],
        "fulfilment_centre": [r[2] for r in rows],
        "carrier": ["ParcelNow", "Northline", "CityHaul", "Expresso", "ParcelNow",
                    "Northline", "CityHaul", "Expresso", "ParcelNow", "Northline",
                    "CityHaul", "Expresso"],
        "shipped_at": ts([r[3] for r in rows]),
        "delivered_at": ts([r[4] for r in rows], format="ISO8601"),
    })
    orders = pd.DataFrame({
        "order_id": [r[0] for r in rows],
        "customer_id": range(201, 201 + len(rows)),
        "ordered_at": ts([r[3] for r in rows]) - pd.Timedelta(hours=20),
        "channel": "web",
        "market": ["DE"] * 4 + ["UK"] * 3 + ["US-CA"] * 3 + ["UK", "DE"],
        "fulfilment_centre": [r[2] for r in rows],
        "delivery_method": "standard",
        "status": "completed",
        "promised_delivery_date": ts([r[1] for r in rows]),
    })
    return orders, shipments


# --------------------------------------------------------------------------------------
# Shared helpers for Series answers
# --------------------------------------------------------------------------------------

def _frozen(values: dict, name: str | None = None) -> pd.Series:
    """A frozen answer on a worked example: labels and numbers written out by hand."""
    return pd.Series(values, dtype=float, name=name)


def _series(ex: Exercise, answer, what: str) -> pd.Series:
    if isinstance(answer, pd.DataFrame):
        raise ex.fail(f"your function returned a DataFrame; it should return a Series ({what}). "
                      "Select one column before aggregating, or use .size() after groupby.")
    if not isinstance(answer, pd.Series):
        raise ex.fail(f"your function should return a pandas Series ({what}), "
                      f"but it returned {returned(answer)}")
    return answer


def _values_by_label(answer: pd.Series, index: pd.Index) -> pd.Series:
    """``answer`` in the order of ``index`` (labels already known to match), as floats."""
    return pd.Series(pd.to_numeric(answer, errors="coerce").reindex(index).to_numpy(dtype=float),
                     index=index)


def _check_labels(ex: Exercise, answer: pd.Series, expected: pd.Series, what: str,
                  wrong_labels: list[tuple[set, str]] = ()) -> None:
    got = set(answer.index.tolist())
    if got == set(expected.index.tolist()) and answer.index.is_unique:
        return
    for labels, message in wrong_labels:
        if got and got <= labels and not got <= set(expected.index.tolist()):
            raise ex.fail(message)
    if not answer.index.is_unique:
        raise ex.fail(f"some labels appear more than once in the index; there should be one row per {what}.")
    raise ex.fail(f"the index should hold one row per {what}, and it does not: check what you "
                  "grouped by (the worked example has "
                  f"{len(expected)} {what}s, your answer has {len(answer)} rows).")


def _check_order(ex: Exercise, answer: pd.Series, ascending: bool, reverse_hint: str) -> None:
    values = pd.to_numeric(answer, errors="coerce")
    ok = values.is_monotonic_increasing if ascending else values.is_monotonic_decreasing
    if not ok:
        rev = values.is_monotonic_decreasing if ascending else values.is_monotonic_increasing
        direction = "ascending (smallest first)" if ascending else "descending (largest first)"
        if rev:
            raise ex.fail(f"the values are right but sorted the wrong way round: {reverse_hint} "
                          f"Sort {direction}.")
        raise ex.fail(f"the values are right but not sorted: use .sort_values("
                      f"ascending={ascending}) so they run {direction}.")


def _check_name(ex: Exercise, answer: pd.Series, name: str) -> None:
    if answer.name != name:
        raise ex.fail(f"the values and order are right, but the Series is named {answer.name!r}; "
                      f"name it {name!r} with .rename({name!r}).")


# --------------------------------------------------------------------------------------
# Warm-up (not graded): shows what a check says
# --------------------------------------------------------------------------------------

def _warm_up_orders() -> pd.DataFrame:
    """Ten orders over 2024 and 2025, several at the first and last instants of a year."""
    ts = pd.to_datetime
    rows = [
        (1, 11, "2024-01-01 00:00:00", "web", "UK", "FC-UK", "standard", "completed", "2024-01-05"),
        (2, 12, "2024-06-15 10:00:00", "store", "UK", None, "carry_out", "completed", None),
        (3, 13, "2024-12-31 23:59:59.999999", "app", "DE", "FC-EU", "express", "completed", "2025-01-03"),
        (4, 14, "2025-01-01 00:00:00", "b2b", "US-CA", "FC-USW", "installation", "completed", "2025-01-08"),
        (5, 15, "2025-01-01 00:00:00", "app", "NL", "FC-EU", "standard", "cancelled", "2025-01-05"),
        (6, 16, "2025-03-03 11:45:00", "web", "DE", "FC-EU", "standard", "completed", "2025-03-07"),
        (7, 17, "2025-12-31 00:00:00", "web", "UK", "FC-UK", "standard", "completed", "2026-01-04"),
        (8, 18, "2025-12-31 12:00:00", "store", "US-CA", None, "carry_out", "completed", None),
        (9, 19, "2025-12-31 18:30:00", "web", "FR", "FC-EU", "express", "completed", "2026-01-03"),
        (10, 20, "2025-12-31 23:59:59.999999", "app", "UK", "FC-UK", "standard", "completed", "2026-01-04"),
    ]
    orders = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "channel", "market",
                                         "fulfilment_centre", "delivery_method", "status",
                                         "promised_delivery_date"])
    orders["ordered_at"] = ts(orders["ordered_at"], format="ISO8601")
    orders["promised_delivery_date"] = ts(orders["promised_delivery_date"], format="ISO8601")
    return orders


#: Orders placed in 2025 in the warm-up example (ids 4 to 10), and what common mistakes count.
_ORDERS_IN_2025 = 7
_ORDERS_BOTH_YEARS = 10        # every order
_ORDERS_IN_2024 = 3            # ids 1 to 3
_ORDERS_TO_DEC_31_MIDNIGHT = 4  # between('2025-01-01', '2025-12-31'): ids 4 to 7
_ORDERS_AFTER_NEW_YEAR = 5     # > '2025-01-01': misses the two orders at midnight (ids 4, 5)


def _check_warm_up(ex: Exercise, func) -> str:
    orders = _warm_up_orders()
    answer = call(ex, func, orders.copy())
    if isinstance(answer, (pd.Series, pd.DataFrame)):
        raise ex.fail(f"your function returned a {type(answer).__name__}; it should return one "
                      "number. `len(...)` or `.sum()` of a True/False column gives one.")
    diagnose(ex, answer, _ORDERS_IN_2025, [
        Mistake("you counted every order, in both years. Keep only the orders whose "
                "`ordered_at` falls in 2025 first (`.dt.year == 2025`).", lambda: _ORDERS_BOTH_YEARS),
        Mistake("you counted the 2024 orders. The question asks about 2025.",
                lambda: _ORDERS_IN_2024),
        Mistake("you left out the orders placed on 31 December 2025 after midnight. A date such as "
                "'2025-12-31' means midnight at the START of that day, so `between('2025-01-01', "
                "'2025-12-31')` or `<= '2025-12-31'` stops there. Use `.dt.year == 2025`, or "
                "`< '2026-01-01'`.", lambda: _ORDERS_TO_DEC_31_MIDNIGHT),
        Mistake("you left out the orders placed at midnight on 1 January 2025: that instant is already "
                "in 2025. Use `>= '2025-01-01'` (not >), or `.dt.year == 2025`.",
                lambda: _ORDERS_AFTER_NEW_YEAR),
    ], "the count is not right. Keep only the orders placed in 2025, then count the rows.")
    return "Checks like this one run your function on a small made-up table."


warm_up = Exercise(
    number="0", title="warm-up: orders placed in 2025",
    where="'How checks work'",
    hints=("An order's date and time is in `ordered_at`; `.dt.year` gives its year.",
           "Compare `.dt.year` with 2025 to get True/False per order, then `.sum()` counts the Trues."),
    checker=_check_warm_up,
)


# --------------------------------------------------------------------------------------
# Exercise 1: customers per market
# --------------------------------------------------------------------------------------

#: The right answer on example_customers(): customers per market, largest first.
_CUSTOMERS_PER_MARKET = _frozen({"UK": 4, "US-CA": 3, "DE": 2, "NL": 1}, "customers")
#: Distinct cities per market (UK: London, Leeds; US-CA: three cities; DE: Berlin; NL: Utrecht).
_CITIES_PER_MARKET = _frozen({"UK": 2, "US-CA": 3, "DE": 1, "NL": 1})
#: Shares of the ten customers, and the same as percentages.
_SHARES_PER_MARKET = _frozen({"UK": 0.4, "US-CA": 0.3, "DE": 0.2, "NL": 0.1})
_PERCENT_PER_MARKET = _frozen({"UK": 40, "US-CA": 30, "DE": 20, "NL": 10})


def _check_customers_per_market(ex: Exercise, func) -> None:
    customers = example_customers()
    answer = _series(ex, call(ex, func, customers.copy()), "customer counts, one per market")
    expected = _CUSTOMERS_PER_MARKET
    _check_labels(ex, answer, expected, "market", [
        (set(customers["region"]), "your index holds regions (UK, EU, US), not markets. "
         "Count per `market` (UK, DE, FR, NL, US-CA, ...), which is finer than `region`."),
        (set(customers["city"]), "your index holds cities, not markets. Count per `market`."),
    ])
    got = _values_by_label(answer, expected.index)
    want = expected.astype(float)
    diagnose(ex, got, want, [
        Mistake("your numbers are shares (they add up to 1), not counts. "
                "`value_counts(normalize=True)` gives shares; drop `normalize=True` to count customers.",
                lambda: _SHARES_PER_MARKET.reindex(want.index)),
        Mistake("your numbers look like percentages, not counts. Count customers; do not divide by the total.",
                lambda: _PERCENT_PER_MARKET.reindex(want.index)),
        Mistake("you counted distinct cities per market, not customers. Count the rows "
                "(each row of `customers` is one customer), e.g. `value_counts()` of `market`.",
                lambda: _CITIES_PER_MARKET.reindex(want.index)),
    ], "the counts are not right. Each row of `customers` is one customer: count rows per `market`.")
    _check_order(ex, answer, ascending=False,
                 reverse_hint="the biggest market should come first.")
    _check_name(ex, answer, "customers")


customers_per_market = Exercise(
    number="1", title="customers per market",
    where="Exercise 1 and the table tour ('cxlabs.describe(\"customers\")')",
    hints=("One row of `customers` is one customer, and the column `market` says where they buy.",
           "`value_counts()` on one column counts rows per value and sorts largest first.",
           "`value_counts()` names its result 'count'; `.rename('customers')` sets the name the task asks for."),
    checker=_check_customers_per_market,
)


# --------------------------------------------------------------------------------------
# Exercise 2: revenue by channel
# --------------------------------------------------------------------------------------

# Revenue on example_orders() and example_order_lines(), worked out by hand. Completed orders:
# 1 web 2*100 + 1*50 = 250, 2 store 300, 3 app 3*20 = 60, 4 b2b 5*40 + 1*10 = 210, 6 web 80,
# 8 store 4*25 = 100; cancelled: 5 app 4*500 = 2000, 7 web 2*900 = 1800.
#: The right answer: quantity * unit_price of completed orders per channel, largest first.
_REVENUE = _frozen({"store": 400, "web": 330, "b2b": 210, "app": 60}, "revenue_usd")
#: Unit prices added up without quantity (completed orders).
_REVENUE_PRICES_ONLY = _frozen({"store": 325, "web": 230, "b2b": 50, "app": 20})
#: Cancelled orders included.
_REVENUE_WITH_CANCELLED = _frozen({"store": 400, "web": 2130, "b2b": 210, "app": 2060})
#: Unit prices without quantity, cancelled orders included.
_REVENUE_PRICES_WITH_CANCELLED = _frozen({"store": 325, "web": 1130, "b2b": 50, "app": 520})
#: The discount taken off the (already discounted) unit price again: order 1 200 + 45,
#: order 6 60, order 4 5*32 + 10.
_REVENUE_DISCOUNT_TWICE = _frozen({"store": 400, "web": 305, "b2b": 170, "app": 60})
#: Units (quantity) added up instead of money.
_UNITS = _frozen({"store": 5, "web": 4, "b2b": 6, "app": 3})


def _check_revenue_by_channel(ex: Exercise, func) -> None:
    orders, lines = example_orders(), example_order_lines()
    answer = _series(ex, call(ex, func, orders.copy(), lines.copy()), "revenue in USD, one per channel")
    expected = _REVENUE
    _check_labels(ex, answer, expected, "channel", [
        (set(orders["market"]), "your index holds markets, not channels. Group by `channel` "
         "(web, app, store, b2b), which is a column of `orders`."),
    ])
    got = _values_by_label(answer, expected.index)

    def aligned(series: pd.Series) -> pd.Series:
        return series.reindex(expected.index).astype(float)

    diagnose(ex, got, expected.astype(float), [
        Mistake("you added up unit prices without multiplying by `quantity`. Revenue of a line "
                "is quantity * unit_price: a line of 3 units at $20 brings $60, not $20.",
                lambda: aligned(_REVENUE_PRICES_ONLY)),
        Mistake("you included cancelled orders. A cancelled order brings no revenue: keep only "
                "orders whose `status` is 'completed' before adding up.",
                lambda: aligned(_REVENUE_WITH_CANCELLED)),
        Mistake("you added up unit prices, without quantity, and included cancelled orders. "
                "Revenue is quantity * unit_price of completed orders only.",
                lambda: aligned(_REVENUE_PRICES_WITH_CANCELLED)),
        Mistake("you took the discount off twice. `unit_price` is already the price charged after "
                "the discount (see cxlabs.describe('order_lines')): use quantity * unit_price.",
                lambda: aligned(_REVENUE_DISCOUNT_TWICE)),
        Mistake("you added up units (`quantity`), not money. Revenue is quantity * unit_price.",
                lambda: aligned(_UNITS)),
    ], "the revenue figures are not right. Join the lines to their orders on `order_id`, keep "
       "completed orders, and add up quantity * unit_price per channel.")
    _check_order(ex, answer, ascending=False,
                 reverse_hint="the channel that brings the most revenue should come first.")
    _check_name(ex, answer, "revenue_usd")


revenue_by_channel = Exercise(
    number="2", title="revenue by channel",
    where="Exercise 2 and cxlabs.describe('orders') / cxlabs.describe('order_lines')",
    hints=("The money is in `order_lines`, the channel and the status are in `orders`: you need both.",
           "`order_lines.merge(orders, on='order_id')` puts the channel and status next to each line. "
           "Keep status 'completed'.",
           "Make a column quantity * unit_price, then group by `channel`, sum, and sort largest first."),
    checker=_check_revenue_by_channel,
)


# --------------------------------------------------------------------------------------
# Exercise 3: on-time rate by fulfilment centre
# --------------------------------------------------------------------------------------

# On-time parcels in example_shipments(), worked out by hand (on time: delivered on a day on or
# before the promised one). FC-EU: 21 early, 22 and 32 on the day, 23 and 24 late: 3 of 5.
# FC-USW: 28 early, 30 on the day, 29 late: 2 of 3. FC-UK: 25 and 26 on the day, 27 early,
# 31 late (midnight after the promised day): 3 of 4.
#: The right answer: on-time rate per centre, worst first.
_ON_TIME = _frozen({"FC-EU": 3 / 5, "FC-USW": 2 / 3, "FC-UK": 3 / 4}, "on_time_rate")
#: Timestamps compared with the promised date (midnight), or dates compared with <: every
#: delivery on the promised day counts as late (FC-EU 21; FC-USW 28; FC-UK 27 on time).
_ON_TIME_SAME_DAY_LATE = _frozen({"FC-EU": 1 / 5, "FC-USW": 1 / 3, "FC-UK": 1 / 4})
#: `shipped_at` compared with the promised date: every parcel left on or before it.
_SHIPPED_BY_PROMISE = _frozen({"FC-EU": 1, "FC-USW": 1, "FC-UK": 1})
#: `delivered_at <= promised + 1 day`: parcel 31, delivered at midnight after its promised day,
#: counts as on time.
_ON_TIME_NEXT_MIDNIGHT = _frozen({"FC-EU": 3 / 5, "FC-USW": 2 / 3, "FC-UK": 1})


SAME_DAY_LATE = ("parcels delivered ON the promised day count as late in your answer. "
                 "`delivered_at` is a timestamp (day and time of day) and `promised_delivery_date` "
                 "is a date stored as midnight, so comparing them directly makes every same-day "
                 "delivery late: compare dates, not timestamps: use .dt.normalize() or .dt.date "
                 "on `delivered_at` first. And use <=: arriving on the promised day is on time.")


NEXT_MIDNIGHT_ON_TIME = ("a parcel delivered at midnight right AFTER the promised day (00:00 the next "
                         "day) counts as on time in your answer, but it arrived a day late. Adding a "
                         "day to the promised date and comparing with <= lets it through: compare "
                         "dates with <= (.dt.normalize() or .dt.date on `delivered_at`), or use < "
                         "with the added day.")


def _check_on_time_rate_by_centre(ex: Exercise, func) -> None:
    orders, shipments = example_shipments()
    answer = _series(ex, call(ex, func, orders.copy(), shipments.copy()),
                     "on-time rates, one per fulfilment centre")
    expected = _ON_TIME
    _check_labels(ex, answer, expected, "fulfilment centre", [
        (set(shipments["carrier"]), "your index holds carriers, not fulfilment centres. "
         "Group by `fulfilment_centre`."),
    ])
    got = _values_by_label(answer, expected.index)
    want = expected.astype(float)

    def aligned(series: pd.Series) -> pd.Series:
        return series.reindex(want.index).astype(float)

    diagnose(ex, got, want, [
        Mistake(SAME_DAY_LATE, lambda: aligned(_ON_TIME_SAME_DAY_LATE)),  # timestamps, or dates with <
        Mistake("your rates look like percentages (0 to 100). The task asks for a fraction between "
                "0 and 1: do not multiply by 100.", lambda: want * 100),
        Mistake("you computed the share delivered LATE. The task asks for the share on time "
                "(delivered on or before the promised date).", lambda: 1 - want),
        Mistake("you compared `shipped_at` with the promised date. The promise is about delivery: "
                "use `delivered_at`.",
                lambda: aligned(_SHIPPED_BY_PROMISE)),
        Mistake(NEXT_MIDNIGHT_ON_TIME, lambda: aligned(_ON_TIME_NEXT_MIDNIGHT)),
    ], "the rates are not right. For each shipment, look up its order's promised date, mark it "
       "on time when the delivery DATE is on or before it, and take the mean per centre.")
    _check_order(ex, answer, ascending=True,
                 reverse_hint="the worst centre (lowest rate) should come first.")
    _check_name(ex, answer, "on_time_rate")


on_time_rate_by_centre = Exercise(
    number="3", title="on-time rate by fulfilment centre",
    where="Exercise 3 and cxlabs.describe('shipments') / cxlabs.describe('orders')",
    hints=("The delivery time is in `shipments`, the promise is in `orders`: join them on `order_id`. "
           "Both tables have a `fulfilment_centre` column, so bring over only "
           "`orders[['order_id', 'promised_delivery_date']]`.",
           "`delivered_at` has a time of day; `promised_delivery_date` is a date (midnight). "
           "Put both on the same footing before comparing.",
           "`delivered_at.dt.normalize() <= promised_delivery_date` gives True/False per shipment; "
           "the mean of True/False per `fulfilment_centre` is the on-time rate."),
    checker=_check_on_time_rate_by_centre,
)
