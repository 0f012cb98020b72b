"""Products, orders, order lines, the order-to-delivery value stream, shipments and returns.

The value stream (``process_events``) is generated first and shipments are read off it, so
late deliveries come from where they really come from: waits between teams. Planted truths:
one handoff with a batch wait (the bottleneck), one fulfilment centre that is slow to pick,
a peak-season slowdown, and duplicate re-verification steps at known rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world import vocabulary as V
from cxlabs.world.people import MARKET_CODES, SEGMENTS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import (
    DAY_US,
    NAT,
    US,
    choose,
    codes_of,
    from_us,
    month_day,
    number_text,
    pick,
    seasonal_days,
    text,
    time_of_day_us,
    to_us,
)

CATEGORIES = tuple(V.PRODUCT_CATEGORIES)
CHANNELS = ("web", "app", "store", "b2b")
DELIVERY_METHODS = ("carry_out", "standard", "express", "installation")
CENTRES = ("FC-UK", "FC-EU", "FC-USW", "FC-USE", "FC-USC")
CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}
CARRIERS = ("ParcelNow", "Northline", "CityHaul", "Expresso")
TEAMS = ("sales", "finance", "customer_service", "planning", "fulfilment", "logistics",
         "carrier", "field_service", "marketing", "service")

#: The order-to-delivery value stream: stage, team, what customer data it verifies,
#: median work minutes, mean wait in hours before it starts.
STAGES = (
    ("order_capture", "sales", "identity", 6, 0.0),
    ("payment_check", "finance", "payment", 3, 0.1),
    ("address_check", "customer_service", "address", 8, 0.8),
    ("allocation", "planning", None, 15, 1.5),
    ("pick_pack", "fulfilment", None, 35, 3.0),
    ("address_recheck", "logistics", "address", 8, 0.8),
    ("dispatch", "logistics", None, 20, 1.2),
    ("delivery", "carrier", None, 0, 0.0),
    ("identity_recheck", "field_service", "identity", 10, 0.0),
    ("installation", "field_service", None, 90, 0.3),
)
STAGE_NAMES = tuple(s[0] for s in STAGES)
#: Handoffs one of which gets a daily batch wait in each world (the planted bottleneck).
BOTTLENECK_CANDIDATES = (("payment_check", "address_check"), ("address_check", "allocation"),
                         ("allocation", "pick_pack"))
ADDRESS_RECHECK_RATE = 0.35   # share of shipped orders whose address logistics re-verifies
IDENTITY_RECHECK_RATE = 0.60  # share of installations where field service re-verifies identity
PEAK = ("11-15", "12-31")     # peak season, month-day, every year

PRODUCTS = Table(
    "products", "The catalogue: appliances, smart-home devices and accessories.", "product",
    (
        Column("product_id", "int", "Product identifier.", unique=True),
        Column("sku", "str", "Stock-keeping unit code.", unique=True),
        Column("product_name", "str", "Name shown to customers."),
        Column("category", "str", "Product category.", allowed=CATEGORIES),
        Column("brand", "str", "Brand.", allowed=V.PRODUCT_BRANDS),
        Column("list_price", "float", "Price before discounts.", unit="USD", min=0),
        Column("unit_cost", "float", "Landed cost of one unit.", unit="USD", min=0),
        Column("weight_kg", "float", "Shipping weight.", unit="kg", min=0),
        Column("supplier_lead_time_days", "int", "Days from purchase order to stock.", unit="days", min=1),
        Column("is_smart_device", "bool", "Connects to the company's app."),
        Column("needs_installation", "bool", "Installed by field service when bought with installation."),
        Column("option_count", "int", "Configurable options (colour, size, bundle...).", min=0),
        Column("quality_hold", "bool", "Under a quality hold: must not be promoted."),
        Column("launch_date", "date", "Day the product went on sale."),
    ),
    group="commerce",
)

ORDERS = Table(
    "orders", "Customer orders across web, app, stores and B2B, with the promised delivery date.",
    "order",
    (
        Column("order_id", "int", "Order identifier, increasing with time.", unique=True),
        Column("customer_id", "int", "Customer who ordered.", references="customers.customer_id"),
        Column("ordered_at", "datetime", "When the order was placed."),
        Column("channel", "str", "Sales channel.", allowed=CHANNELS),
        Column("market", "str", "Market of the order.", allowed=MARKET_CODES),
        Column("fulfilment_centre", "str", "Centre that ships the order (none for carry-out).",
               allowed=CENTRES, nullable=True),
        Column("delivery_method", "str", "How the goods reach the customer.", allowed=DELIVERY_METHODS),
        Column("status", "str", "Final status.", allowed=("completed", "cancelled")),
        Column("promised_delivery_date", "date", "Delivery date promised at checkout (none for carry-out).",
               nullable=True),
    ),
    group="commerce",
)

ORDER_LINES = Table(
    "order_lines", "The products in each order, with the price actually charged.", "order line",
    (
        Column("order_id", "int", "Order.", references="orders.order_id"),
        Column("line_number", "int", "Position in the order, from 1.", min=1),
        Column("product_id", "int", "Product.", references="products.product_id"),
        Column("quantity", "int", "Units.", min=1),
        Column("unit_price", "float", "Price charged per unit after discount.", unit="USD", min=0),
        Column("discount_pct", "float", "Discount off list price.", unit="fraction", min=0, max=1),
    ),
    group="commerce",
)

PROCESS_EVENTS = Table(
    "process_events",
    "The order-to-delivery value stream: one row per stage a shipped order went through, with "
    "the team doing it and when the work started and ended. Time between one stage's end and the "
    "next stage's start is waiting.",
    "stage of an order",
    (
        Column("case_id", "int", "The order this stage belongs to.", references="orders.order_id"),
        Column("step", "int", "Position of the stage within the case, from 1.", min=1),
        Column("stage", "str", "Value-stream stage.", allowed=STAGE_NAMES),
        Column("team", "str", "Team doing the stage.", allowed=TEAMS),
        Column("verifies", "str", "Customer data the stage checks, if any.",
               allowed=("identity", "payment", "address"), nullable=True),
        Column("started_at", "datetime", "Work on the stage started."),
        Column("ended_at", "datetime", "Work on the stage ended."),
    ),
    group="operations",
)

SHIPMENTS = Table(
    "shipments", "Parcels sent from a fulfilment centre, with dispatch and delivery times.",
    "shipment (one per shipped order)",
    (
        Column("shipment_id", "int", "Shipment identifier.", unique=True),
        Column("order_id", "int", "Order shipped.", unique=True, references="orders.order_id"),
        Column("fulfilment_centre", "str", "Centre that dispatched it.", allowed=CENTRES),
        Column("carrier", "str", "Carrier.", allowed=CARRIERS),
        Column("shipped_at", "datetime", "Handed to the carrier."),
        Column("delivered_at", "datetime", "Delivered to the customer."),
    ),
    group="commerce",
)

RETURNS = Table(
    "returns", "Items customers sent back, with the reason and the refund.", "returned order line",
    (
        Column("return_id", "int", "Return identifier.", unique=True),
        Column("order_id", "int", "Order.", references="orders.order_id"),
        Column("line_number", "int", "Line of the order returned.", min=1),
        Column("product_id", "int", "Product returned.", references="products.product_id"),
        Column("requested_date", "date", "Day the customer asked to return."),
        Column("received_date", "date", "Day the item reached the centre.", nullable=True),
        Column("reason", "str", "Reason given.",
               allowed=("damaged", "faulty", "not_as_described", "changed_mind", "late_delivery")),
        Column("refund_amount", "float", "Money refunded.", unit="USD", min=0),
    ),
    group="commerce",
)


@generates(PRODUCTS)
def make_products(ctx, rng):
    n = 160
    cat = choose(rng, n, [14, 10, 10, 10, 14, 12, 14, 12, 18, 26])
    spec = [V.PRODUCT_CATEGORIES[CATEGORIES[c]] for c in cat]
    lo = np.array([s[0][0] for s in spec])
    hi = np.array([s[0][1] for s in spec])
    price = np.round(lo + (hi - lo) * rng.beta(2, 3, n), -1) - 0.01
    margin = np.array([rng.uniform(*s[1]) for s in spec])
    brand = pick(rng, V.PRODUCT_BRANDS, n)
    big = np.isin(cat, [CATEGORIES.index(c) for c in ("washing machine", "refrigerator", "dishwasher", "oven")])
    category = text(CATEGORIES, cat)
    code = category.str.upper().str.replace(" ", "").str[:4]
    return pd.DataFrame({
        "product_id": np.arange(1, n + 1),
        "sku": code + "-" + brand.str[:3].str.upper() + "-" + number_text(np.arange(1, n + 1), 4),
        "product_name": brand + " " + category.str.title() + " " + number_text(rng.integers(100, 999, n)),
        "category": category, "brand": brand,
        "list_price": price,
        "unit_cost": np.round(price * (1 - margin), 2),
        "weight_kg": np.round(np.where(big, rng.uniform(35, 95, n), rng.uniform(0.2, 8, n)), 1),
        "supplier_lead_time_days": [int(rng.integers(s[3][0], s[3][1] + 1)) for s in spec],
        "is_smart_device": [s[2] for s in spec],
        "needs_installation": big,
        "option_count": rng.poisson(np.where(big, 5, 2)),
        "quality_hold": rng.random(n) < 0.04,
        "launch_date": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D"),
    })


ORDERS_PER_CUSTOMER = {"value": 1.0, "mainstream": 1.4, "premium": 2.2, "business": 7.0}
# Codes of the categories the generators branch on.
B2B, STORE = CHANNELS.index("b2b"), CHANNELS.index("store")
CARRY_OUT, STANDARD, EXPRESS, INSTALLATION = (
    DELIVERY_METHODS.index(m) for m in ("carry_out", "standard", "express", "installation"))
CENTRE_OF_MARKET_CODE = np.array([CENTRES.index(CENTRE_OF_MARKET[m]) for m in MARKET_CODES])
US_MARKET = np.array([m.startswith("US") for m in MARKET_CODES])


@generates(ORDERS, needs=("customers",))
def make_orders(ctx, rng, customers):
    start_us, end_us = to_us(ctx.start), to_us(ctx.end)
    signup_us = to_us(customers["signup_date"])
    active = np.clip((end_us - np.maximum(signup_us, start_us)) / (end_us - start_us), 0, 1)
    segment = codes_of(customers["segment"], SEGMENTS)
    lam = np.array([ORDERS_PER_CUSTOMER[s] for s in SEGMENTS])[segment] * active
    k = rng.poisson(lam)
    rows = np.repeat(np.arange(len(customers)), k)
    n = len(rows)
    day_us = seasonal_days(rng, n, ctx.start, ctx.end).astype("datetime64[us]").astype("int64")
    early = day_us < signup_us[rows]
    span = end_us - signup_us[rows][early]
    day_us[early] = signup_us[rows][early] + (rng.random(early.sum()) * span).astype("int64") // DAY_US * DAY_US
    ts = day_us + time_of_day_us(rng, n, 14, 4)
    order = np.argsort(ts, kind="stable")
    rows, ts = rows[order], ts[order]

    business = segment[rows] == SEGMENTS.index("business")
    market = codes_of(customers["market"], MARKET_CODES)[rows]
    channel = np.where(business, B2B, choose(rng, n, [0.47, 0.22, 0.31]))  # web, app, store
    u = rng.random(n)
    method = np.select(
        [business, channel == STORE],
        [np.where(u < 0.5, INSTALLATION, STANDARD),
         np.where(u < 0.6, CARRY_OUT, np.where(u < 0.85, STANDARD, INSTALLATION))],
        default=np.where(u < 0.62, STANDARD, np.where(u < 0.80, EXPRESS, INSTALLATION)),
    )
    cancelled = rng.random(n) < 0.035
    carry_out = method == CARRY_OUT
    promise_days = np.select([method == EXPRESS, method == INSTALLATION], [3, 7],
                             default=np.where(US_MARKET[market], 6, 4))
    promised = ts - ts % DAY_US + promise_days * DAY_US
    return pd.DataFrame({
        "order_id": np.arange(1, n + 1),
        "customer_id": customers["customer_id"].to_numpy()[rows],
        "ordered_at": from_us(ts), "channel": text(CHANNELS, channel),
        "market": text(MARKET_CODES, market),
        "fulfilment_centre": text(CENTRES, np.where(carry_out, -1, CENTRE_OF_MARKET_CODE[market])),
        "delivery_method": text(DELIVERY_METHODS, method),
        "status": text(("completed", "cancelled"), cancelled.astype(int)),
        "promised_delivery_date": from_us(np.where(carry_out, NAT, promised)),
    }, copy=False)


DISCOUNTS = np.array([0.05, 0.10, 0.15, 0.20, 0.25])


@generates(ORDER_LINES, needs=("orders", "products"))
def make_order_lines(ctx, rng, orders, products):
    n_orders = len(orders)
    business = (orders["channel"] == "b2b").to_numpy()
    n_lines = 1 + np.minimum(rng.poisson(np.where(business, 1.5, 0.45)), 5)
    o = np.repeat(np.arange(n_orders), n_lines)
    line = np.arange(len(o)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    popularity = 1 / np.arange(1, len(products) + 1) ** 0.8
    popularity = popularity[rng.permutation(len(products))]
    prod = rng.choice(len(products), size=len(o), p=popularity / popularity.sum())
    # An installation order starts with a product that needs installing.
    installable = np.flatnonzero(products["needs_installation"].to_numpy())
    first_install = (line == 1) & (orders["delivery_method"] == "installation").to_numpy()[o]
    prod[first_install] = rng.choice(installable, first_install.sum())
    qty = np.where(business[o], 1 + rng.poisson(3, len(o)), 1 + (rng.random(len(o)) < 0.05))
    month = orders["ordered_at"].dt.month.to_numpy()[o]
    promo = np.isin(month, [1, 11])
    discount = np.where(rng.random(len(o)) < np.where(promo, 0.55, 0.2),
                        DISCOUNTS[rng.integers(0, len(DISCOUNTS), len(o))], 0.0)
    price = products["list_price"].to_numpy()[prod]
    return pd.DataFrame({
        "order_id": orders["order_id"].to_numpy()[o], "line_number": line,
        "product_id": products["product_id"].to_numpy()[prod], "quantity": qty,
        "unit_price": np.round(price * (1 - discount), 2), "discount_pct": discount,
    }, copy=False)


def _in_peak(us: np.ndarray) -> np.ndarray:
    month, day = month_day(us)
    md = month * 100 + day  # 1115 is 15 November
    return (md >= int(PEAK[0].replace("-", ""))) & (md <= int(PEAK[1].replace("-", "")))


TEAM_OF_STAGE = np.array([TEAMS.index(s[1]) for s in STAGES], dtype=np.int8)
VERIFIES = ("identity", "payment", "address")
VERIFIES_OF_STAGE = np.array([VERIFIES.index(s[2]) if s[2] else -1 for s in STAGES], dtype=np.int8)


@generates(PROCESS_EVENTS, needs=("orders",))
def make_process_events(ctx, rng, orders):
    shipped = ((orders["status"] == "completed") & (orders["delivery_method"] != "carry_out")).to_numpy()
    n = int(shipped.sum())
    method = codes_of(orders["delivery_method"], DELIVERY_METHODS)[shipped]
    centre = codes_of(orders["fulfilment_centre"], CENTRES)[shipped]
    us_market = orders["market"].str.startswith("US").to_numpy()[shipped]
    install = method == INSTALLATION

    bottleneck = BOTTLENECK_CANDIDATES[rng.integers(len(BOTTLENECK_CANDIDATES))]
    slow_centre = rng.integers(len(CENTRES))
    ctx.plant("bottleneck_handoff", list(bottleneck),
              "The handoff (from stage, to stage) with a daily batch wait: the largest mean delay "
              "between two of the company's own teams (handoffs to and from the outside carrier, "
              "and the installation appointment the customer books, excluded).")
    ctx.plant("slow_centre", CENTRES[slow_centre],
              "Fulfilment centre whose picking waits are four times longer: the worst on-time rate.")
    ctx.plant("address_recheck_rate", ADDRESS_RECHECK_RATE,
              "Share of shipped orders whose address logistics verifies a second time.")
    ctx.plant("identity_recheck_rate", IDENTITY_RECHECK_RATE,
              "Share of installation orders where field service verifies identity a second time.")

    present = {
        "address_recheck": rng.random(n) < ADDRESS_RECHECK_RATE,
        "identity_recheck": install & (rng.random(n) < IDENTITY_RECHECK_RATE),
        "installation": install,
    }
    clock = to_us(orders["ordered_at"])[shipped]
    peak = _in_peak(clock)
    appointment_h = (1 + rng.integers(0, 5, n)) * 24.0  # field-service visit 1-5 days later
    # One row per order, one column per stage; stages an order skips are masked out at the end.
    here = np.ones((n, len(STAGES)), bool)
    starts = np.zeros((n, len(STAGES)), np.int64)
    ends = np.zeros((n, len(STAGES)), np.int64)
    for j, (stage, _team, _verifies, work_min, wait_h) in enumerate(STAGES):
        here[:, j] = present.get(stage, True)
        wait = rng.exponential(wait_h, n) if wait_h else np.zeros(n)
        if stage == bottleneck[1]:
            wait = 10 + rng.exponential(14, n)  # waits for the next daily batch run
        if stage == "pick_pack":
            wait = np.where(centre == slow_centre, wait * 4, wait)
        if stage == "identity_recheck":
            wait = appointment_h
        if stage == "installation":
            wait = np.where(present["identity_recheck"], wait, appointment_h)
        wait = np.where(peak, wait * 1.6, wait)
        if stage == "delivery":
            transit_days = np.where(method == EXPRESS, 1,
                                    np.where(us_market, 2, 1) + rng.integers(0, 3, n))
            work = transit_days * 24 * 3600 * US + rng.normal(0, 3 * 3600, n).astype("int64") * US
        else:
            work = (rng.lognormal(np.log(work_min), 0.5, n) * 60 * US).astype("int64")
        starts[:, j] = clock + (wait * 3600 * US).astype("int64")
        ends[:, j] = starts[:, j] + np.maximum(work, 60 * US)
        clock = np.where(here[:, j], ends[:, j], clock)
    # Reading the matrices row by row gives the events sorted by case, then stage.
    stage = np.broadcast_to(np.arange(len(STAGES), dtype=np.int8), here.shape)[here]
    return pd.DataFrame({
        "case_id": np.repeat(orders["order_id"].to_numpy()[shipped], here.sum(axis=1)),
        "step": np.cumsum(here, axis=1, dtype=np.int8)[here].astype(np.int64),
        "stage": text(STAGE_NAMES, stage), "team": text(TEAMS, TEAM_OF_STAGE[stage]),
        "verifies": text(VERIFIES, VERIFIES_OF_STAGE[stage]),
        "started_at": from_us(starts[here]), "ended_at": from_us(ends[here]),
    }, copy=False)


@generates(SHIPMENTS, needs=("orders", "process_events"))
def make_shipments(ctx, rng, orders, process_events):
    stage = process_events["stage"]
    case = process_events["case_id"].to_numpy()
    ended = process_events["ended_at"].to_numpy()
    dispatch = (stage == "dispatch").to_numpy()
    delivery = (stage == "delivery").to_numpy()
    order_id = case[dispatch]
    delivered = pd.Series(ended[delivery], index=case[delivery]).reindex(order_id).to_numpy()
    n = len(order_id)
    order_row = pd.Index(orders["order_id"]).get_indexer(order_id)
    return pd.DataFrame({
        "shipment_id": np.arange(1, n + 1), "order_id": order_id,
        "fulfilment_centre": orders["fulfilment_centre"].take(order_row).reset_index(drop=True),
        "carrier": pick(rng, CARRIERS, n, [0.35, 0.3, 0.2, 0.15]),
        "shipped_at": ended[dispatch], "delivered_at": delivered,
    }, copy=False)


RETURN_REASONS = ("damaged", "faulty", "not_as_described", "changed_mind", "late_delivery")


@generates(RETURNS, needs=("orders", "order_lines", "shipments", "products"))
def make_returns(ctx, rng, orders, order_lines, shipments, products):
    ship_row = pd.Index(shipments["order_id"]).get_indexer(order_lines["order_id"])
    lines = order_lines[ship_row >= 0].reset_index(drop=True)
    ship_row = ship_row[ship_row >= 0]
    delivered = to_us(shipments["delivered_at"])[ship_row]
    order_row = pd.Index(orders["order_id"]).get_indexer(lines["order_id"])
    promised = to_us(orders["promised_delivery_date"])[order_row]
    late = delivered - delivered % DAY_US > promised
    category = codes_of(products["category"], CATEGORIES)[
        pd.Index(products["product_id"]).get_indexer(lines["product_id"])]
    often_returned = np.isin(category, [CATEGORIES.index("vacuum cleaner"), CATEGORIES.index("smart speaker")])
    p = 0.04 + 0.06 * late + np.where(often_returned, 0.03, 0)
    chosen = rng.random(len(lines)) < p
    r = lines[chosen].reset_index(drop=True)
    n = len(r)
    reason = np.where(late[chosen] & (rng.random(n) < 0.4), RETURN_REASONS.index("late_delivery"),
                      choose(rng, n, [0.2, 0.3, 0.2, 0.3]))
    requested = delivered[chosen] // DAY_US * DAY_US + rng.integers(1, 30, n) * DAY_US
    received = requested + rng.integers(2, 11, n) * DAY_US
    received = np.where(rng.random(n) > 0.03, received, NAT)
    return pd.DataFrame({
        "return_id": np.arange(1, n + 1), "order_id": r["order_id"], "line_number": r["line_number"],
        "product_id": r["product_id"], "requested_date": from_us(requested), "received_date": from_us(received),
        "reason": text(RETURN_REASONS, reason), "refund_amount": np.round(r["unit_price"] * 1.0, 2),
    })
