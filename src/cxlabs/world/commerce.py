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
from cxlabs.world.people import MARKET_CODES
from cxlabs.world.registry import generates
from cxlabs.world.sampling import US, from_us, pick, seasonal_days, time_of_day_us, to_us

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
    cat = pick(rng, CATEGORIES, n, [14, 10, 10, 10, 14, 12, 14, 12, 18, 26])
    spec = [V.PRODUCT_CATEGORIES[c] for c in cat]
    lo = np.array([s[0][0] for s in spec])
    hi = np.array([s[0][1] for s in spec])
    price = np.round(lo + (hi - lo) * rng.beta(2, 3, n), -1) - 0.01
    margin = np.array([rng.uniform(*s[1]) for s in spec])
    brand = pick(rng, V.PRODUCT_BRANDS, n)
    big = np.isin(cat, ["washing machine", "refrigerator", "dishwasher", "oven"])
    code = pd.Series(cat).str.upper().str.replace(" ", "").str[:4]
    return pd.DataFrame({
        "product_id": np.arange(1, n + 1),
        "sku": code + "-" + pd.Series(brand).str[:3].str.upper() + "-" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(4),
        "product_name": pd.Series(brand) + " " + pd.Series(cat).str.title() + " " + pd.Series(rng.integers(100, 999, n)).astype(str),
        "category": cat, "brand": brand,
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


@generates(ORDERS, needs=("customers",))
def make_orders(ctx, rng, customers):
    start_us, end_us = to_us(ctx.start), to_us(ctx.end)
    signup_us = to_us(customers["signup_date"])
    active = np.clip((end_us - np.maximum(signup_us, start_us)) / (end_us - start_us), 0, 1)
    lam = customers["segment"].map(ORDERS_PER_CUSTOMER).to_numpy() * active
    k = rng.poisson(lam)
    rows = np.repeat(np.arange(len(customers)), k)
    n = len(rows)
    day_us = to_us(pd.DatetimeIndex(seasonal_days(rng, n, ctx.start, ctx.end)))
    early = day_us < signup_us[rows]
    span = end_us - signup_us[rows][early]
    day_us[early] = signup_us[rows][early] + (rng.random(early.sum()) * span).astype("int64") // (86400 * US) * 86400 * US
    ts = day_us + time_of_day_us(rng, n, 14, 4)
    order = np.argsort(ts, kind="stable")
    rows, ts = rows[order], ts[order]

    seg = customers["segment"].to_numpy()[rows]
    market = customers["market"].to_numpy()[rows]
    business = seg == "business"
    channel = np.where(business, "b2b", pick(rng, CHANNELS[:3], n, [0.47, 0.22, 0.31]))
    u = rng.random(n)
    method = np.select(
        [business, channel == "store"],
        [np.where(u < 0.5, "installation", "standard"),
         np.where(u < 0.6, "carry_out", np.where(u < 0.85, "standard", "installation"))],
        default=np.where(u < 0.62, "standard", np.where(u < 0.80, "express", "installation")),
    )
    status = np.where(rng.random(n) < 0.035, "cancelled", "completed")
    centre = pd.Series(market).map(CENTRE_OF_MARKET).where(method != "carry_out")
    us_market = pd.Series(market).str.startswith("US").to_numpy()
    promise_days = np.select([method == "express", method == "installation"], [3, 7],
                             default=np.where(us_market, 6, 4))
    promised = (pd.Series(from_us(ts)).dt.normalize() + pd.to_timedelta(promise_days, unit="D"))
    return pd.DataFrame({
        "order_id": np.arange(1, n + 1),
        "customer_id": customers["customer_id"].to_numpy()[rows],
        "ordered_at": from_us(ts), "channel": channel, "market": market,
        "fulfilment_centre": centre, "delivery_method": method, "status": status,
        "promised_delivery_date": promised.where(method != "carry_out"),
    })


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
    first_install = (line == 1) & (orders["delivery_method"].to_numpy()[o] == "installation")
    prod[first_install] = rng.choice(installable, first_install.sum())
    qty = np.where(business[o], 1 + rng.poisson(3, len(o)), 1 + (rng.random(len(o)) < 0.05))
    month = orders["ordered_at"].dt.month.to_numpy()[o]
    promo = np.isin(month, [1, 11])
    discount = np.where(rng.random(len(o)) < np.where(promo, 0.55, 0.2),
                        pick(rng, [0.05, 0.10, 0.15, 0.20, 0.25], len(o)), 0.0)
    price = products["list_price"].to_numpy()[prod]
    return pd.DataFrame({
        "order_id": orders["order_id"].to_numpy()[o], "line_number": line,
        "product_id": products["product_id"].to_numpy()[prod], "quantity": qty,
        "unit_price": np.round(price * (1 - discount), 2), "discount_pct": discount,
    })


def _in_peak(us: np.ndarray) -> np.ndarray:
    md = from_us(us).dt.strftime("%m-%d").to_numpy()
    return (md >= PEAK[0]) & (md <= PEAK[1])


@generates(PROCESS_EVENTS, needs=("orders",))
def make_process_events(ctx, rng, orders):
    shipped = orders[(orders["status"] == "completed") & (orders["delivery_method"] != "carry_out")]
    n = len(shipped)
    method = shipped["delivery_method"].to_numpy()
    centre = shipped["fulfilment_centre"].to_numpy()
    us_market = shipped["market"].str.startswith("US").to_numpy()
    install = method == "installation"

    bottleneck = BOTTLENECK_CANDIDATES[rng.integers(len(BOTTLENECK_CANDIDATES))]
    slow_centre = CENTRES[rng.integers(len(CENTRES))]
    ctx.plant("bottleneck_handoff", list(bottleneck),
              "The handoff (from stage, to stage) with a daily batch wait: the largest mean handoff delay.")
    ctx.plant("slow_centre", slow_centre,
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
    clock = to_us(shipped["ordered_at"])
    peak = _in_peak(clock)
    appointment_h = (1 + rng.integers(0, 5, n)) * 24.0  # field-service visit 1-5 days later
    cols = {k: [] for k in ("case", "stage", "start", "end")}
    for stage, _team, _verifies, work_min, wait_h in STAGES:
        here = present.get(stage, np.ones(n, bool))
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
            transit_days = np.where(method == "express", 1,
                                    np.where(us_market, 2, 1) + rng.integers(0, 3, n))
            work = transit_days * 24 * 3600 * US + rng.normal(0, 3 * 3600, n).astype("int64") * US
        else:
            work = (rng.lognormal(np.log(work_min), 0.5, n) * 60 * US).astype("int64")
        start = clock + (wait * 3600 * US).astype("int64")
        end = start + np.maximum(work, 60 * US)
        cols["case"].append(np.flatnonzero(here))
        cols["stage"].append(np.full(here.sum(), STAGE_NAMES.index(stage)))
        cols["start"].append(start[here])
        cols["end"].append(end[here])
        clock = np.where(here, end, clock)
    case = np.concatenate(cols["case"])
    stage_idx = np.concatenate(cols["stage"])
    order = np.lexsort((stage_idx, case))
    case, stage_idx = case[order], stage_idx[order]
    step = np.arange(len(case)) - np.searchsorted(case, case) + 1
    teams = np.array([s[1] for s in STAGES], dtype=object)
    verifies = np.array([s[2] for s in STAGES], dtype=object)
    return pd.DataFrame({
        "case_id": shipped["order_id"].to_numpy()[case], "step": step,
        "stage": np.array(STAGE_NAMES, dtype=object)[stage_idx], "team": teams[stage_idx],
        "verifies": verifies[stage_idx],
        "started_at": from_us(np.concatenate(cols["start"])[order]),
        "ended_at": from_us(np.concatenate(cols["end"])[order]),
    })


@generates(SHIPMENTS, needs=("orders", "process_events"))
def make_shipments(ctx, rng, orders, process_events):
    dispatch = process_events[process_events["stage"] == "dispatch"].set_index("case_id")["ended_at"]
    delivery = process_events[process_events["stage"] == "delivery"].set_index("case_id")["ended_at"]
    o = orders.set_index("order_id").loc[dispatch.index]
    n = len(o)
    return pd.DataFrame({
        "shipment_id": np.arange(1, n + 1), "order_id": dispatch.index.to_numpy(),
        "fulfilment_centre": o["fulfilment_centre"].to_numpy(),
        "carrier": pick(rng, CARRIERS, n, [0.35, 0.3, 0.2, 0.15]),
        "shipped_at": dispatch.to_numpy(), "delivered_at": delivery.loc[dispatch.index].to_numpy(),
    })


@generates(RETURNS, needs=("orders", "order_lines", "shipments", "products"))
def make_returns(ctx, rng, orders, order_lines, shipments, products):
    ship = shipments.set_index("order_id")
    lines = order_lines[order_lines["order_id"].isin(ship.index)].reset_index(drop=True)
    delivered = ship.loc[lines["order_id"], "delivered_at"].to_numpy()
    promised = orders.set_index("order_id").loc[lines["order_id"], "promised_delivery_date"].to_numpy()
    late = (delivered.astype("datetime64[D]") > promised.astype("datetime64[D]"))
    cat = products.set_index("product_id").loc[lines["product_id"], "category"].to_numpy()
    p = 0.04 + 0.06 * late + np.where(np.isin(cat, ["vacuum cleaner", "smart speaker"]), 0.03, 0)
    chosen = rng.random(len(lines)) < p
    r = lines[chosen].reset_index(drop=True)
    n = len(r)
    late_r = late[chosen]
    reason = np.where(late_r & (rng.random(n) < 0.4), "late_delivery",
                      pick(rng, ["damaged", "faulty", "not_as_described", "changed_mind"], n, [0.2, 0.3, 0.2, 0.3]))
    requested = pd.Series(delivered[chosen]).dt.normalize() + pd.to_timedelta(rng.integers(1, 30, n), unit="D")
    received = requested + pd.to_timedelta(rng.integers(2, 11, n), unit="D")
    received = received.where(rng.random(n) > 0.03)
    return pd.DataFrame({
        "return_id": np.arange(1, n + 1), "order_id": r["order_id"], "line_number": r["line_number"],
        "product_id": r["product_id"], "requested_date": requested, "received_date": received,
        "reason": reason, "refund_amount": np.round(r["unit_price"] * 1.0, 2),
    })
