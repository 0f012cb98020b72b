"""Visible checks and hints for lab 00, *Orientation: the company and its data*.

Each check runs the learner's function on a hand-made worked example of a few rows (never
on the generated data), compares the result with the right answer, and names the likely
mistake when the result equals what a common mistake gives.

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
    """Ten shipments from three centres, and the orders they ship (with promised dates).

    Several parcels arrive *on* the promised day, at various times of day.
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
    ]
    shipments = pd.DataFrame({
        "shipment_id": range(1, len(rows) + 1),
        "order_id": [r[0] for r in rows],
        "fulfilment_centre": [r[2] for r in rows],
        "carrier": ["ParcelNow", "Northline", "CityHaul", "Expresso", "ParcelNow",
                    "Northline", "CityHaul", "Expresso", "ParcelNow", "Northline"],
        "shipped_at": ts([r[3] for r in rows]),
        "delivered_at": ts([r[4] for r in rows]),
    })
    orders = pd.DataFrame({
        "order_id": [r[0] for r in rows],
        "customer_id": range(201, 201 + len(rows)),
        "ordered_at": ts([r[3] for r in rows]) - pd.Timedelta(hours=20),
        "channel": "web",
        "market": ["DE"] * 4 + ["UK"] * 3 + ["US-CA"] * 3,
        "fulfilment_centre": [r[2] for r in rows],
        "delivery_method": "standard",
        "status": "completed",
        "promised_delivery_date": ts([r[1] for r in rows]),
    })
    return orders, shipments


# --------------------------------------------------------------------------------------
# Shared helpers for Series answers
# --------------------------------------------------------------------------------------

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

def _expected_orders_in_2025(orders: pd.DataFrame) -> int:
    return int((orders["ordered_at"].dt.year == 2025).sum())


def _warm_up_orders() -> pd.DataFrame:
    orders = example_orders()
    later = orders["order_id"] >= 6
    orders["ordered_at"] = orders["ordered_at"].where(~later, orders["ordered_at"] + pd.DateOffset(years=1))
    return orders


def _check_warm_up(ex: Exercise, func) -> str:
    orders = _warm_up_orders()
    answer = call(ex, func, orders.copy())
    if isinstance(answer, (pd.Series, pd.DataFrame)):
        raise ex.fail(f"your function returned a {type(answer).__name__}; it should return one "
                      "number. `len(...)` or `.sum()` of a True/False column gives one.")
    diagnose(ex, answer, _expected_orders_in_2025(orders), [
        Mistake("you counted every order, in both years. Keep only the orders whose "
                "`ordered_at` falls in 2025 first (`.dt.year == 2025`).", lambda: len(orders)),
        Mistake("you counted the 2024 orders. The question asks about 2025.",
                lambda: int((orders["ordered_at"].dt.year == 2024).sum())),
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

def _expected_customers_per_market(customers: pd.DataFrame) -> pd.Series:
    return (customers.groupby("market")["customer_id"].count()
            .sort_values(ascending=False).rename("customers"))


def _check_customers_per_market(ex: Exercise, func) -> None:
    customers = example_customers()
    answer = _series(ex, call(ex, func, customers.copy()), "customer counts, one per market")
    expected = _expected_customers_per_market(customers)
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
                lambda: want / want.sum()),
        Mistake("your numbers look like percentages, not counts. Count customers; do not divide by the total.",
                lambda: want / want.sum() * 100),
        Mistake("you counted distinct cities per market, not customers. Count the rows "
                "(each row of `customers` is one customer), e.g. `value_counts()` of `market`.",
                lambda: customers.groupby("market")["city"].nunique().reindex(want.index).astype(float)),
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

def _revenue(orders: pd.DataFrame, lines: pd.DataFrame, *, statuses=("completed",),
             amount=lambda df: df["quantity"] * df["unit_price"]) -> pd.Series:
    keep = orders[orders["status"].isin(statuses)][["order_id", "channel"]]
    merged = lines.merge(keep, on="order_id")
    return (amount(merged).groupby(merged["channel"]).sum()
            .sort_values(ascending=False).rename("revenue_usd"))


def _check_revenue_by_channel(ex: Exercise, func) -> None:
    orders, lines = example_orders(), example_order_lines()
    answer = _series(ex, call(ex, func, orders.copy(), lines.copy()), "revenue in USD, one per channel")
    expected = _revenue(orders, lines)
    _check_labels(ex, answer, expected, "channel", [
        (set(orders["market"]), "your index holds markets, not channels. Group by `channel` "
         "(web, app, store, b2b), which is a column of `orders`."),
    ])
    got = _values_by_label(answer, expected.index)
    everything = ("completed", "cancelled")

    def aligned(series: pd.Series) -> pd.Series:
        return series.reindex(expected.index).astype(float)

    diagnose(ex, got, expected.astype(float), [
        Mistake("you added up unit prices without multiplying by `quantity`. Revenue of a line "
                "is quantity * unit_price: a line of 3 units at $20 brings $60, not $20.",
                lambda: aligned(_revenue(orders, lines, amount=lambda d: d["unit_price"]))),
        Mistake("you included cancelled orders. A cancelled order brings no revenue: keep only "
                "orders whose `status` is 'completed' before adding up.",
                lambda: aligned(_revenue(orders, lines, statuses=everything))),
        Mistake("you added up unit prices, without quantity, and included cancelled orders. "
                "Revenue is quantity * unit_price of completed orders only.",
                lambda: aligned(_revenue(orders, lines, statuses=everything,
                                         amount=lambda d: d["unit_price"]))),
        Mistake("you took the discount off twice. `unit_price` is already the price charged after "
                "the discount (see cxlabs.describe('order_lines')): use quantity * unit_price.",
                lambda: aligned(_revenue(orders, lines, amount=lambda d: d["quantity"] * d["unit_price"]
                                         * (1 - d["discount_pct"])))),
        Mistake("you added up units (`quantity`), not money. Revenue is quantity * unit_price.",
                lambda: aligned(_revenue(orders, lines, amount=lambda d: d["quantity"]))),
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

def _on_time(orders: pd.DataFrame, shipments: pd.DataFrame, *, by_date: bool = True,
             strict: bool = False, when: str = "delivered_at") -> pd.Series:
    promised = shipments["order_id"].map(orders.set_index("order_id")["promised_delivery_date"])
    arrived = shipments[when].dt.normalize() if by_date else shipments[when]
    on_time = arrived < promised if strict else arrived <= promised
    return (on_time.groupby(shipments["fulfilment_centre"]).mean()
            .sort_values(ascending=True).rename("on_time_rate"))


SAME_DAY_LATE = ("parcels delivered ON the promised day count as late in your answer. "
                 "`delivered_at` is a timestamp (day and time of day) and `promised_delivery_date` "
                 "is a date stored as midnight, so comparing them directly makes every same-day "
                 "delivery late: compare dates, not timestamps: use .dt.normalize() or .dt.date "
                 "on `delivered_at` first. And use <=: arriving on the promised day is on time.")


def _check_on_time_rate_by_centre(ex: Exercise, func) -> None:
    orders, shipments = example_shipments()
    answer = _series(ex, call(ex, func, orders.copy(), shipments.copy()),
                     "on-time rates, one per fulfilment centre")
    expected = _on_time(orders, shipments)
    _check_labels(ex, answer, expected, "fulfilment centre", [
        (set(shipments["carrier"]), "your index holds carriers, not fulfilment centres. "
         "Group by `fulfilment_centre`."),
    ])
    got = _values_by_label(answer, expected.index)
    want = expected.astype(float)

    def aligned(series: pd.Series) -> pd.Series:
        return series.reindex(want.index).astype(float)

    diagnose(ex, got, want, [
        Mistake(SAME_DAY_LATE, lambda: aligned(_on_time(orders, shipments, by_date=False))),
        Mistake(SAME_DAY_LATE, lambda: aligned(_on_time(orders, shipments, strict=True))),
        Mistake("your rates look like percentages (0 to 100). The task asks for a fraction between "
                "0 and 1: do not multiply by 100.", lambda: want * 100),
        Mistake("you computed the share delivered LATE. The task asks for the share on time "
                "(delivered on or before the promised date).", lambda: 1 - want),
        Mistake("you compared `shipped_at` with the promised date. The promise is about delivery: "
                "use `delivered_at`.",
                lambda: aligned(_on_time(orders, shipments, when="shipped_at"))),
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
