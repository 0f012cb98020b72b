"""Graded references for Lab 00, *Orientation: the company and its data* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (as the
hidden tests in the notebook did) and on hand-made records at the edges of the task's rules:
the promised day's first and last instants and midnight after it, month and year ends,
orders that never shipped, cancelled orders in every channel, ties, and tables whose rows
are out of order with gaps in their ids. Every edge has more than one record. The
references are computed here, by a different route from the solution notebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_type, labels, values_match

from cxlabs.loading import _schema

REGION = {"UK": "UK", "DE": "EU", "FR": "EU", "NL": "EU", "US-CA": "US", "US-NY": "US", "US-TX": "US"}
REGIME = {"UK": "GDPR", "DE": "GDPR", "FR": "GDPR", "NL": "GDPR", "US-CA": "CCPA", "US-NY": "US-other",
          "US-TX": "US-other"}
CENTRE = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU", "US-CA": "FC-USW",
          "US-NY": "FC-USE", "US-TX": "FC-USC"}
MARKET_OF_CENTRE = {"FC-UK": "UK", "FC-EU": "DE", "FC-USW": "US-CA", "FC-USE": "US-NY", "FC-USC": "US-TX"}


def _typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Hand-made rows with the dtypes ``cxlabs.load(name)`` gives the real table."""
    return _schema(name).coerce(frame)


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Rows in a random order, keeping their (now unordered) index labels."""
    return frame.sample(frac=1, random_state=seed)


# ---- comparing one Series answer ---------------------------------------------------------------

def _expect_series(answer, ref: pd.Series, *, what: str, name: str, per: str, wrong: str,
                   ascending: bool, rtol: float = 1e-6, atol: float = 1e-9,
                   between: tuple[float, float] | None = None) -> pd.Series:
    """The properties the old hidden tests asserted, each with its own message.

    ``ref`` holds the right value per label; the answer's row order is only held to being
    sorted (``ascending`` or not), so any order among equal values passes.
    """
    series = expect_type(answer, pd.Series, what)
    if series.name != name:
        raise Fail(f"name the Series {name!r} (with .rename({name!r}))")
    got, want = labels(series.index), labels(ref.index)
    if len(set(got)) != len(got):
        raise Fail(f"some labels appear more than once in the index; there should be one row per {per}")
    if set(got) != set(want):
        raise Fail(f"the index should hold one row per {per}, and it does not: check what you "
                   "grouped by, and that every row of the data is counted")
    position = {k: i for i, k in enumerate(got)}
    aligned = series.iloc[[position[k] for k in want]]
    numbers = pd.to_numeric(aligned, errors="coerce").to_numpy(dtype=float)
    if between is not None and np.isfinite(numbers).all():
        lo, hi = between
        if not ((numbers >= lo - atol) & (numbers <= hi + atol)).all():
            raise Fail(f"the values should be fractions between {lo:g} and {hi:g} (not percentages)")
    if not values_match(aligned, ref, rtol=rtol, atol=atol).all():
        raise Fail(wrong)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    steps = np.diff(values)
    slack = 1e-9 * np.maximum(1, np.abs(values[1:]))
    if len(values) > 1 and not (np.all(steps >= -slack) if ascending else np.all(steps <= slack)):
        raise Fail("the values are right but not sorted as the task asks: "
                   + ("ascending, smallest first" if ascending else "descending, largest first"))
    return series


# ---- exercise 1: customers per market ------------------------------------------------------------

def _customers_ref(customers: pd.DataFrame) -> pd.Series:
    return customers.groupby("market").size()


def _check_customers(customers: pd.DataFrame):
    ref = _customers_ref(customers)
    n = len(customers)

    def check(answer):
        series = _expect_series(
            answer, ref, what="a pandas Series of customer counts, one per market", name="customers",
            per="market", ascending=False,
            wrong="the number of customers per market is not right: each row of `customers` is one "
                  "customer, so count the rows per `market` (whole numbers, not shares)")
        if not np.isclose(float(pd.to_numeric(series).sum()), n):
            raise Fail("the counts should add up to the number of customers: count every customer once")
    return check


def _customers_world(world):
    customers = world.load("customers")
    return [Case("the customers table", (customers,), _check_customers(customers))]


def _customers(markets_and_cities) -> pd.DataFrame:
    """Hand-made customers: one per (market, city), with every column of the real table."""
    rows = []
    for i, (market, city) in enumerate(markets_and_cities, start=1):
        rows.append({
            "customer_id": 500 + 7 * i, "first_name": f"Alex{i}", "last_name": f"Moreno{i}",
            "email": f"alex{i}@example.com", "phone": f"+4477009{i:05d}", "street": f"{i} High Street",
            "city": city, "postcode": f"P{i:04d}", "market": market, "region": REGION[market],
            "privacy_regime": REGIME[market], "segment": ("value", "mainstream", "premium", "business")[i % 4],
            "account_id": pd.NA if i % 4 else 40 + i, "household_id": 900 + i // 2,
            "acquisition_channel": ("organic", "email", "store", "referral")[i % 4],
            "signup_date": pd.Timestamp("2023-01-01") + pd.Timedelta(days=11 * i), "birth_year": 1950 + i,
        })
    return _typed("customers", pd.DataFrame(rows))


def _customers_fixed():
    # every market, in an order by size unlike the course worlds' (US-TX largest, UK in the
    # middle, two markets tied); Paris is a city in FR and in US-TX; rows shuffled
    sizes = {"US-TX": 6, "US-CA": 5, "UK": 4, "DE": 3, "FR": 3, "NL": 2, "US-NY": 1}
    cities = {"US-TX": ("Austin", "Paris"), "US-CA": ("Fresno", "San Diego"), "UK": ("Leeds", "London"),
              "DE": ("Berlin",), "FR": ("Paris", "Lyon"), "NL": ("Utrecht",), "US-NY": ("Buffalo",)}
    customers = _customers([(m, cities[m][k % len(cities[m])]) for m, size in sizes.items()
                            for k in range(size)])
    return [Case("hand-made customers in all seven markets, the largest market not the course's "
                 "largest, two markets of the same size, rows in no particular order",
                 (_shuffled(customers, 3),), _check_customers(customers))]


# ---- exercise 2: revenue by channel --------------------------------------------------------------

def _revenue_ref(orders: pd.DataFrame, lines: pd.DataFrame) -> pd.Series:
    per_order = (lines.assign(_amount=lines["quantity"] * lines["unit_price"])
                 .groupby("order_id")["_amount"].sum())
    done = orders.set_index("order_id").query("status == 'completed'")
    return per_order.reindex(done.index, fill_value=0.0).groupby(done["channel"]).sum()


def _check_revenue(orders: pd.DataFrame, lines: pd.DataFrame, atol: float = 1e-9):
    ref = _revenue_ref(orders, lines)

    def check(answer):
        _expect_series(
            answer, ref, what="a pandas Series of revenue in USD, one per channel", name="revenue_usd",
            per="channel", ascending=False, rtol=1e-6, atol=atol,
            wrong="the revenue per channel is not right: join every line to its order on `order_id`, "
                  "keep the completed orders only, and add up quantity * unit_price (already the "
                  "price after discount) over all their lines")
    return check


def _revenue_world(world):
    orders, lines = world.load("orders"), world.load("order_lines")
    return [Case("the orders and order_lines tables", (orders, lines), _check_revenue(orders, lines))]


def _orders(rows) -> pd.DataFrame:
    """Hand-made orders: (order_id, ordered_at, channel, market, method, status, promised date)."""
    frame = pd.DataFrame(rows, columns=["order_id", "ordered_at", "channel", "market", "delivery_method",
                                        "status", "promised_delivery_date"])
    frame["customer_id"] = 7000 + frame["order_id"] % 97
    carry_out = frame["delivery_method"] == "carry_out"
    frame["fulfilment_centre"] = frame["market"].map(CENTRE).where(~carry_out, None)
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"], format="ISO8601")
    frame["promised_delivery_date"] = pd.to_datetime(frame["promised_delivery_date"], format="ISO8601")
    return _typed("orders", frame)


def _revenue_fixed():
    # order ids with gaps (not row positions); per channel: several completed orders with
    # several lines, quantities above 1 and discounted prices, and at least two cancelled
    # orders with lines of their own; a completed order without lines. Totals rounded to
    # whole dollars pass, as they do on the full tables (rtol 1e-6 of millions).
    o = [  # order_id, ordered_at, channel, market, method, status, promised
        (3041, "2024-11-29 09:00", "web", "UK", "standard", "completed", "2024-12-03"),
        (3007, "2024-02-01 10:00", "web", "DE", "express", "completed", "2024-02-04"),
        (3112, "2025-05-05 12:00", "web", "FR", "standard", "cancelled", "2025-05-09"),
        (3113, "2025-05-05 13:00", "web", "NL", "standard", "cancelled", "2025-05-09"),
        (3050, "2024-12-24 08:00", "app", "US-CA", "standard", "completed", "2024-12-30"),
        (3051, "2024-12-24 09:00", "app", "US-NY", "express", "completed", "2024-12-27"),
        (3200, "2025-01-02 10:00", "app", "UK", "standard", "cancelled", "2025-01-06"),
        (3201, "2025-01-02 11:00", "app", "DE", "standard", "cancelled", "2025-01-06"),
        (3300, "2025-03-01 15:00", "store", "UK", "carry_out", "completed", None),
        (3301, "2025-03-01 16:00", "store", "US-TX", "installation", "completed", "2025-03-08"),
        (3302, "2025-03-02 10:00", "store", "UK", "carry_out", "completed", None),
        (3303, "2025-03-02 11:00", "store", "DE", "carry_out", "cancelled", None),
        (3304, "2025-03-02 12:00", "store", "FR", "standard", "cancelled", "2025-03-06"),
        (3400, "2024-07-07 10:00", "b2b", "US-TX", "installation", "completed", "2024-07-14"),
        (3401, "2024-07-08 10:00", "b2b", "UK", "standard", "completed", "2024-07-12"),
        (3402, "2024-07-09 10:00", "b2b", "NL", "installation", "cancelled", "2024-07-16"),
        (3403, "2024-07-10 10:00", "b2b", "US-CA", "standard", "cancelled", "2024-07-16"),
    ]
    lines = [  # order_id, line_number, product_id, quantity, unit_price, discount_pct
        (3041, 1, 11, 2, 189.99, 0.0), (3041, 2, 12, 1, 44.10, 0.10), (3041, 3, 13, 3, 9.99, 0.0),
        (3007, 1, 14, 1, 399.99, 0.0), (3007, 2, 15, 2, 14.25, 0.25),
        (3112, 1, 16, 5, 899.99, 0.0), (3113, 1, 17, 1, 1299.00, 0.0), (3113, 2, 18, 2, 59.99, 0.0),
        (3050, 1, 19, 1, 129.99, 0.0), (3050, 2, 20, 4, 19.80, 0.10),
        (3051, 1, 21, 1, 74.99, 0.0), (3051, 2, 22, 1, 0.0, 1.0),
        (3200, 1, 23, 3, 699.99, 0.0), (3201, 1, 24, 2, 499.99, 0.0), (3201, 2, 25, 1, 35.00, 0.0),
        (3300, 1, 26, 1, 249.99, 0.0), (3300, 2, 27, 2, 29.99, 0.0),
        (3301, 1, 28, 1, 799.20, 0.20), (3301, 2, 29, 3, 12.49, 0.0),
        (3303, 1, 30, 4, 999.99, 0.0), (3304, 1, 31, 2, 799.99, 0.0),
        (3400, 1, 32, 6, 449.99, 0.0), (3400, 2, 33, 6, 26.99, 0.10), (3400, 3, 34, 12, 4.99, 0.0),
        (3401, 1, 35, 3, 1099.15, 0.15), (3401, 2, 36, 2, 69.99, 0.0),
        (3402, 1, 37, 20, 599.99, 0.0), (3403, 1, 38, 8, 349.99, 0.0), (3403, 2, 39, 1, 10.00, 0.0),
    ]
    orders = _orders(o)
    order_lines = _typed("order_lines", pd.DataFrame(lines, columns=[
        "order_id", "line_number", "product_id", "quantity", "unit_price", "discount_pct"]))
    return [Case("hand-made orders of every channel, each with completed orders of several lines "
                 "(quantities above 1, discounted prices) and at least two cancelled orders; order "
                 "ids with gaps, rows of both tables in no particular order",
                 (_shuffled(orders, 5), _shuffled(order_lines, 6)),
                 _check_revenue(orders, order_lines, atol=0.5 + 1e-6))]


# ---- exercise 3: on-time rate by fulfilment centre ------------------------------------------------

def _on_time_ref(orders: pd.DataFrame, shipments: pd.DataFrame) -> pd.Series:
    promise = shipments["order_id"].map(orders.set_index("order_id")["promised_delivery_date"])
    days_late = (shipments["delivered_at"] - promise).dt.days  # whole days past midnight of the promised day
    return (days_late <= 0).groupby(shipments["fulfilment_centre"]).mean()


def _check_on_time(orders: pd.DataFrame, shipments: pd.DataFrame):
    ref = _on_time_ref(orders, shipments)

    def check(answer):
        _expect_series(
            answer, ref, what="a pandas Series of on-time rates, one per fulfilment centre",
            name="on_time_rate", per="fulfilment centre", ascending=True, atol=1e-9, between=(0.0, 1.0),
            wrong="the on-time rate per centre is not right: look up each shipment's promised date in "
                  "`orders` (on `order_id`); a shipment is on time when its delivery DATE is on or "
                  "before that date (delivered on the promised day at any hour, up to its last "
                  "instant: on time; at midnight after it: late). Compare dates, not timestamps, and "
                  "take the share per centre over its shipments only")
    return check


def _on_time_world(world):
    orders, shipments = world.load("orders"), world.load("shipments")
    return [Case("the orders and shipments tables", (orders, shipments), _check_on_time(orders, shipments))]


def _parcels(rows, extra_orders=()):
    """Hand-made (orders, shipments): rows of (order_id, centre, promised date, delivered at).

    ``extra_orders`` are orders that never shipped, in the form :func:`_orders` takes.
    """
    o, s = [], []
    for k, (order_id, centre, promised, delivered) in enumerate(rows):
        day = pd.Timestamp(promised)
        shipped = min(pd.Timestamp(delivered) - pd.Timedelta(hours=30), day + pd.Timedelta(hours=8))
        ordered = shipped - pd.Timedelta(hours=20 + k % 5)
        o.append((order_id, ordered.isoformat(), ("web", "app", "b2b", "store")[k % 4],
                  MARKET_OF_CENTRE[centre], "standard", "completed", promised))
        s.append((9000 + 3 * k, order_id, centre, ("ParcelNow", "Northline", "CityHaul", "Expresso")[k % 4],
                  shipped, pd.Timestamp(delivered)))
    orders = _orders(o + list(extra_orders))
    shipments = _typed("shipments", pd.DataFrame(s, columns=[
        "shipment_id", "order_id", "fulfilment_centre", "carrier", "shipped_at", "delivered_at"]))
    return orders, shipments


LAST = " 23:59:59.999999"  # the last instant of a day that the data can hold


def _on_time_fixed():
    cases = []
    # On the promised day at its first instant, in the afternoon and at its last instant: on
    # time. At midnight right after the promised day, or a microsecond later: late. The day
    # before at its last instant: on time. Each at least twice; FC-USE is never on time,
    # FC-USC always.
    orders, shipments = _parcels([
        (501, "FC-UK", "2024-05-10", "2024-05-10 00:00"),
        (502, "FC-UK", "2024-05-10", "2024-05-10" + LAST),
        (503, "FC-UK", "2024-05-10", "2024-05-11 00:00"),
        (504, "FC-UK", "2024-05-10", "2024-05-09" + LAST),
        (511, "FC-EU", "2024-09-03", "2024-09-03 15:20"),
        (512, "FC-EU", "2024-09-03", "2024-09-04 00:00"),
        (513, "FC-EU", "2024-09-03", "2024-09-04 00:00:00.000001"),
        (514, "FC-EU", "2024-09-03", "2024-09-03" + LAST),
        (515, "FC-EU", "2024-09-03", "2024-09-05 11:00"),
        (521, "FC-USW", "2025-06-20", "2025-06-20 00:00"),
        (522, "FC-USW", "2025-06-20", "2025-06-20 12:00"),
        (523, "FC-USW", "2025-06-20", "2025-06-21 00:00"),
        (531, "FC-USE", "2025-02-11", "2025-02-12 00:00"),
        (532, "FC-USE", "2025-02-11", "2025-02-12 00:00"),
        (533, "FC-USE", "2025-02-11", "2025-02-12 00:00:00.000001"),
        (541, "FC-USC", "2025-08-01", "2025-08-01" + LAST),
        (542, "FC-USC", "2025-08-01", "2025-07-31" + LAST),
    ])
    cases.append(Case("hand-made shipments delivered on the promised day (at its first instant, "
                      "mid-day and its last instant), the day before, and at midnight right after "
                      "the promised day or just past it",
                      (_shuffled(orders, 7), _shuffled(shipments, 8)), _check_on_time(orders, shipments)))
    # Promises at month ends, on a leap day and at the year end, with deliveries on either
    # side of them: comparing days of the month or of the year, or dates as text, gets these
    # wrong (within a centre, every such error goes the same way).
    orders, shipments = _parcels([
        (601, "FC-UK", "2024-04-30", "2024-05-01 09:00"),        # late over a month end
        (602, "FC-UK", "2024-04-30", "2024-05-02 10:00"),
        (603, "FC-UK", "2024-05-10", "2024-05-09 16:00"),
        (611, "FC-EU", "2024-02-29", "2024-02-29 22:00"),        # leap day
        (612, "FC-EU", "2024-02-29", "2024-03-01 00:00"),
        (613, "FC-EU", "2025-02-28", "2025-03-01 08:00"),
        (621, "FC-USW", "2024-12-31", "2025-01-01 10:00"),       # late over the year end
        (622, "FC-USW", "2024-12-31", "2025-01-02 10:00"),
        (623, "FC-USW", "2025-01-02", "2025-01-02 17:00"),
        (631, "FC-USE", "2026-01-01", "2025-12-31" + LAST),      # early over the year end
        (632, "FC-USE", "2025-01-02", "2024-12-31 18:00"),
        (633, "FC-USE", "2025-01-10", "2025-01-12 09:00"),
        (641, "FC-USC", "2025-11-03", "2025-10-31 13:00"),       # early over a month end
        (642, "FC-USC", "2025-12-01", "2025-11-30 13:00"),
        (643, "FC-USC", "2025-11-10", "2025-11-12 13:00"),
    ])
    cases.append(Case("hand-made shipments promised at month ends, on a leap day and at the year "
                      "end, delivered before and after them",
                      (_shuffled(orders, 9), _shuffled(shipments, 10)), _check_on_time(orders, shipments)))
    # Orders that never shipped (cancelled, carry-out) are not shipments of any centre, even
    # when they have a centre and a promised date; orders and shipments are listed in
    # different orders, and order ids are not row positions.
    never = [(701, "2024-10-01 10:00", "web", "UK", "standard", "cancelled", "2024-10-05"),
             (702, "2024-10-02 10:00", "app", "UK", "express", "cancelled", "2024-10-05"),
             (703, "2024-10-02 11:00", "web", "DE", "standard", "cancelled", "2024-10-06"),
             (704, "2024-10-03 11:00", "b2b", "DE", "installation", "cancelled", "2024-10-10"),
             (705, "2024-10-03 12:00", "store", "UK", "carry_out", "completed", None),
             (706, "2024-10-04 12:00", "store", "US-TX", "carry_out", "completed", None),
             (707, "2024-10-04 13:00", "web", "US-CA", "standard", "cancelled", "2024-10-10"),
             (708, "2024-10-04 14:00", "app", "US-NY", "standard", "cancelled", "2024-10-10"),
             (709, "2024-10-05 14:00", "web", "US-TX", "standard", "cancelled", "2024-10-11")]
    orders, shipments = _parcels([
        (810, "FC-UK", "2024-10-08", "2024-10-08 09:00"),
        (820, "FC-UK", "2024-10-08", "2024-10-10 09:00"),
        (830, "FC-UK", "2024-10-09", "2024-10-07 09:00"),
        (840, "FC-EU", "2024-10-08", "2024-10-08 09:00"),
        (850, "FC-EU", "2024-10-08", "2024-10-09 09:00"),
        (860, "FC-USW", "2024-10-12", "2024-10-11 09:00"),
        (870, "FC-USW", "2024-10-12", "2024-10-13 09:00"),
        (880, "FC-USW", "2024-10-12", "2024-10-14 09:00"),
        (890, "FC-USE", "2024-10-12", "2024-10-12 19:00"),
        (900, "FC-USE", "2024-10-12", "2024-10-12 20:00"),
        (910, "FC-USC", "2024-10-12", "2024-10-12 19:00"),
        (920, "FC-USC", "2024-10-12", "2024-10-16 19:00"),
        (930, "FC-USC", "2024-10-12", "2024-10-10 19:00"),
        (940, "FC-USC", "2024-10-12", "2024-10-11 19:00"),
    ], extra_orders=never)
    cases.append(Case("hand-made orders that never shipped (cancelled, or carried out of a store), "
                      "next to shipped ones; orders and shipments listed in different orders, "
                      "order ids that are not row positions",
                      (_shuffled(orders, 11), _shuffled(shipments, 12)), _check_on_time(orders, shipments)))
    return cases


# ---- memo figures (for the person grading the memo, never for the learner) ----------------------

def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def MEMO_FIGURES(world) -> dict:
    """What the memo rubric (is it the carriers' fault?) can be checked against, per world.

    The memo asks for a test, not its result; these are the results a memo may quote:
    on-time rates per centre, and how a late parcel's time splits between the centre
    (order to hand-over) and the carrier (hand-over to delivery).
    """
    orders, shipments = world.load("orders"), world.load("shipments")
    rates = _on_time_ref(orders, shipments).sort_values()
    promise = shipments["order_id"].map(orders.set_index("order_id")["promised_delivery_date"])
    late = (shipments["delivered_at"] - promise).dt.days > 0
    handed_late = shipments["shipped_at"].dt.normalize() >= promise
    transit_days = (shipments["delivered_at"] - shipments["shipped_at"]).dt.total_seconds() / 86400
    worst = rates.index[0]
    in_worst = shipments["fulfilment_centre"] == worst
    by_carrier = (~late[in_worst]).groupby(shipments.loc[in_worst, "carrier"]).mean().sort_values()
    return {
        "shipments": f"{len(shipments):,}",
        "on time, all shipments": _pct(float((~late).mean())),
        "worst centre": f"{worst} {_pct(rates.iloc[0])} on time",
        "best centre": f"{rates.index[-1]} {_pct(rates.iloc[-1])} on time",
        "late parcels": f"{int(late.sum()):,}",
        "late parcels handed to the carrier on or after the promised day": _pct(float(handed_late[late].mean())),
        "median transit, late vs on-time parcels (days)":
            f"{transit_days[late].median():.1f} vs {transit_days[~late].median():.1f}",
        f"carriers' on-time rates within {worst}":
            ", ".join(f"{c} {_pct(v)}" for c, v in by_carrier.items()),
    }


EXERCISES = [
    Graded("ex1_tests", "customers_per_market", _customers_world, _customers_fixed),
    Graded("ex2_tests", "revenue_by_channel", _revenue_world, _revenue_fixed),
    Graded("ex3_tests", "on_time_rate_by_centre", _on_time_world, _on_time_fixed),
]

__all__ = ["EXERCISES"]
