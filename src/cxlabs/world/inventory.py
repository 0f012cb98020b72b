"""Stock and demand: suppliers, each product's service class, purchase orders with their real
lead times, daily demand per product and fulfilment centre, and the daily stock that results.

Demand is what customers asked for each day: the units of the orders in ``orders`` plus the
units bought by shoppers the company keeps no customer record of (store walk-ins, marketplace
buyers), which carry the seasons. Stock follows from demand and from a weekly order-up-to
policy that planners ran with quoted lead times (they ignored lead-time variability). Unmet
orders are backordered (``committed`` exceeds ``on_hand``) and ship when stock arrives.

Planted truths (the ``inventory_`` facts):

* seasons: every family sells more from Black Friday to Christmas; the cooling family
  (refrigerators: the catalogue has no fans or air conditioners) sells more in summer, most
  in the July heat wave (:data:`PEAK_MULTIPLIER`, :data:`SUMMER_MULTIPLIER`);
* lead times vary around the quoted ones by supplier, and one supplier (chosen per seed) is
  far less reliable than the others;
* a shortage: one product family (one of the two best sellers among
  :data:`SHORTAGE_FAMILIES`, chosen per seed) gets no deliveries at two or three centres
  (chosen per seed) from a spring day per centre until late July 2025 (:func:`shortage_plan`).
  Each centre's stop is set so that a third of the family's products there have run out by
  early June; more follow, orders pile up, and the supplier ships the backlog in late July.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlabs.schema import Column, Table
from cxlabs.world import vocabulary as V
from cxlabs.world.commerce import CATEGORIES, CENTRE_OF_MARKET, CENTRES
from cxlabs.world.people import MARKET_CODES, REGIONS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import DAY_US, NAT, codes_of, from_us, to_us

#: Region each centre serves (the three US centres share one region).
REGION_OF_CENTRE = {"FC-UK": "UK", "FC-EU": "EU", "FC-USW": "US", "FC-USE": "US", "FC-USC": "US"}
CENTRE_REGION = np.array([REGIONS.index(REGION_OF_CENTRE[c]) for c in CENTRES])
#: The family whose demand rises in summer (refrigerators sell in heat waves).
COOLING_FAMILY = "refrigerator"
#: Families one of which runs short in 2025 (chosen per seed).
SHORTAGE_FAMILIES = ("refrigerator", "washing machine", "dishwasher", "smart thermostat")
#: Multiplier of the other shoppers' demand from Black Friday to 24 December, every family.
PEAK_MULTIPLIER = 1.8
#: January sales (2-15 January), every family.
JANUARY_MULTIPLIER = 1.25
#: Multiplier of the cooling family's other-shopper demand by month (the July heat wave).
SUMMER_MULTIPLIER = {6: 1.35, 7: 2.0, 8: 1.35}
WEEKEND_MULTIPLIER = 1.15
GROWTH = 0.15  # demand grows 15% over the two years
#: Units a day bought by shoppers with no customer record, at the default size.
OTHER_UNITS_PER_DAY = 90.0
#: Service classes: target cycle service level and its z.
SERVICE_CLASSES = {"A": 0.98, "B": 0.95, "C": 0.90}
REVIEW_DAYS = 7
#: Share of the short family's products out of stock at a short centre that marks a shortage day.
SHORTAGE_OUT_SHARE = 1 / 3
#: A short centre's supply stops on the first day when stopping would leave at most this share of
#: the family's products there out of stock on the run-out day (so that a bit more than a third
#: are out by then), and no earlier than EARLIEST_STOP days before it.
STOP_OUT_SHARE = 0.4
EARLIEST_STOP = 100
#: Cumulative revenue share that closes classes A and B (ABC analysis on order revenue).
ABC_CUTS = (0.70, 0.95)
SUPPLIER_COUNTRIES = ("China", "Poland", "Turkey", "Mexico", "Germany", "Vietnam", "Italy", "South Korea")

SUPPLIERS = Table(
    "suppliers", "The manufacturers the company buys from: one per brand.", "supplier",
    (
        Column("supplier_id", "int", "Supplier identifier.", unique=True),
        Column("supplier_name", "str", "Registered name."),
        Column("brand", "str", "Brand the supplier makes.", allowed=V.PRODUCT_BRANDS, unique=True),
        Column("country", "str", "Country the goods ship from.", allowed=SUPPLIER_COUNTRIES),
    ),
    group="inventory",
)

PRODUCT_SUPPLY = Table(
    "product_supply",
    "How each product is stocked: its supplier, its service-level class and the review period. "
    "The quoted lead time is `products.supplier_lead_time_days`. Classes come from an ABC "
    f"analysis of order revenue (class A: the products making the first {ABC_CUTS[0]:.0%} of "
    f"revenue, B: up to {ABC_CUTS[1]:.0%}, C: the rest).",
    "product",
    (
        Column("product_id", "int", "Product.", unique=True, references="products.product_id"),
        Column("supplier_id", "int", "Supplier.", references="suppliers.supplier_id"),
        Column("service_class", "str", "Service-level class.", allowed=tuple(SERVICE_CLASSES)),
        Column("target_service_level", "float",
               "Target cycle service level: the probability of not running out between two "
               "replenishments (company policy per class).", unit="fraction", min=0, max=1),
        Column("review_period_days", "int", "Days between two stock reviews (each Monday).", unit="days", min=1),
    ),
    group="inventory",
)

PURCHASE_ORDERS = Table(
    "purchase_orders",
    "Replenishment orders to suppliers, one per product and centre, with the lead time the "
    "supplier quoted and the day the goods really arrived.",
    "purchase order",
    (
        Column("po_id", "int", "Purchase-order identifier, increasing with time.", unique=True),
        Column("product_id", "int", "Product ordered.", references="products.product_id"),
        Column("supplier_id", "int", "Supplier.", references="suppliers.supplier_id"),
        Column("fulfilment_centre", "str", "Centre the goods are for.", allowed=CENTRES),
        Column("ordered_date", "date", "Day the order was placed (a Monday review)."),
        Column("quantity", "int", "Units ordered.", unit="units", min=1),
        Column("quoted_lead_time_days", "int", "Lead time the supplier quoted.", unit="days", min=1),
        Column("expected_date", "date", "Ordered date plus the quoted lead time."),
        Column("received_date", "date", "Day the goods arrived at the centre (missing: not arrived "
               "by the end of the history).", nullable=True),
    ),
    group="inventory",
)

DAILY_DEMAND = Table(
    "daily_demand",
    "Units customers ordered per product, fulfilment centre and day, in every channel: the "
    "orders in `orders` (by their order day and shipping centre; store carry-out orders count "
    "at the centre of their market) plus shoppers the company has no customer record for "
    "(store walk-ins, marketplace buyers). Demand is unconstrained: orders taken while out of "
    "stock are backordered, not lost.",
    "product, centre and day",
    (
        Column("date", "date", "Day."),
        Column("product_id", "int", "Product.", references="products.product_id"),
        Column("fulfilment_centre", "str", "Centre that serves the demand.", allowed=CENTRES),
        Column("region", "str", "Region the centre serves.", allowed=REGIONS),
        Column("units_demanded", "int", "Units ordered that day, all shoppers.", unit="units", min=0),
        Column("units_from_orders", "int", "Part of `units_demanded` that is in `order_lines` "
               "(completed orders of known customers).", unit="units", min=0),
    ),
    group="inventory",
)

DAILY_STOCK = Table(
    "daily_stock",
    "Stock per product and fulfilment centre at the end of each day. Units available to "
    "promise are `on_hand - committed`; a negative value means backorders.",
    "product, centre and day",
    (
        Column("date", "date", "Day."),
        Column("product_id", "int", "Product.", references="products.product_id"),
        Column("fulfilment_centre", "str", "Centre.", allowed=CENTRES),
        Column("on_hand", "int", "Units physically in the centre at the end of the day.", unit="units", min=0),
        Column("inbound", "int", "Units received from suppliers that day.", unit="units", min=0),
        Column("committed", "int", "Units ordered by customers and not yet shipped at the end of "
               "the day (orders ship from the next day on, when there is stock).", unit="units", min=0),
        Column("shipped", "int", "Units dispatched to customers that day.", unit="units", min=0),
    ),
    group="inventory",
)


def vocab_text(values, codes) -> pd.Series:
    """The ``str`` column ``values[codes]`` (code -1: missing), like :func:`sampling.text` but
    taking from an Arrow array directly, which is about twice as fast for long columns."""
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu":  # small integer codes stay small (Arrow takes any integer index)
        codes = codes.astype(np.int64)
    missing = codes < 0
    index = pa.array(codes, mask=missing) if missing.any() else pa.array(codes)
    return pd.Series(pd.array(pc.take(pa.array(list(values), pa.large_string()), index), dtype="str"))


text = vocab_text


# ---- the calendar of demand and supply ----------------------------------------------------------

def black_friday(year: int) -> pd.Timestamp:
    """The day after the fourth Thursday of November."""
    nov1 = pd.Timestamp(year=year, month=11, day=1)
    return nov1 + pd.Timedelta(days=(3 - nov1.weekday()) % 7 + 21 + 1)


def season_index(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Demand multipliers per day: ``(every family, extra for the cooling family)``.

    Every family: the peak from Black Friday to 24 December, January sales, weekends and
    growth. The cooling family multiplies that by :data:`SUMMER_MULTIPLIER` in its months.
    """
    base = np.ones(len(days))
    for year in sorted(set(days.year)):
        bf = black_friday(year)
        base[(days >= bf) & (days <= pd.Timestamp(year=year, month=12, day=24))] *= PEAK_MULTIPLIER
        base[(days >= pd.Timestamp(year=year, month=1, day=2))
             & (days <= pd.Timestamp(year=year, month=1, day=15))] *= JANUARY_MULTIPLIER
    base *= np.where(days.day_of_week >= 5, WEEKEND_MULTIPLIER, 1.0)
    base *= 1 + GROWTH * np.linspace(0, 1, len(days))
    cooling = np.ones(len(days))
    for month, mult in SUMMER_MULTIPLIER.items():
        cooling[days.month == month] = mult
    return base, cooling


def category_season(days: pd.DatetimeIndex) -> np.ndarray:
    """Multiplier per day and category (``len(days) x len(CATEGORIES)``)."""
    base, cooling = season_index(days)
    out = np.repeat(base[:, None], len(CATEGORIES), axis=1)
    out[:, CATEGORIES.index(COOLING_FAMILY)] *= cooling
    return out


def shortage_plan(ctx, products: pd.DataFrame, order_lines: pd.DataFrame) -> dict:
    """The 2025 shortage of this world: family, centres, the day by which a third of the family's
    products at each short centre should have run out (``run_out``), and the day supply resumes.

    Drawn from its own stream (``ctx.rng("shortage")``), so every module that needs it gets the
    same plan. The family is one of the two best sellers among :data:`SHORTAGE_FAMILIES`; the
    centres are one of the two European centres (UK, EU) and one or two of the US ones. The
    inventory generator sets each centre's supply stop so that its stock runs out near ``run_out``.
    """
    rng = ctx.rng("shortage")
    category = products.set_index("product_id")["category"]
    sold = category.reindex(order_lines["product_id"].to_numpy()).value_counts()
    best = sorted(SHORTAGE_FAMILIES, key=lambda f: (-sold.get(f, 0), f))[:2]
    family = best[rng.integers(2)]
    europe = ("FC-UK", "FC-EU")[rng.integers(2)]
    us = ("FC-USW", "FC-USE", "FC-USC")
    centres = sorted([europe] + [us[i] for i in rng.choice(3, int(rng.integers(1, 3)), replace=False)])
    run_out = pd.Timestamp("2025-06-02") + pd.Timedelta(days=int(rng.integers(0, 8)))
    resume = pd.Timestamp("2025-07-18") + pd.Timedelta(days=int(rng.integers(0, 10)))
    return {"family": family, "centres": centres, "run_out": run_out, "supply_resume": resume}


def centre_codes_of_orders(orders: pd.DataFrame) -> np.ndarray:
    """Centre code per order: its shipping centre, or its market's centre for carry-out."""
    centre = codes_of(orders["fulfilment_centre"], CENTRES)
    market_centre = np.array([CENTRES.index(CENTRE_OF_MARKET[m]) for m in MARKET_CODES])
    return np.where(centre >= 0, centre, market_centre[codes_of(orders["market"], MARKET_CODES)])


# ---- the generator ----------------------------------------------------------------------------

@generates((SUPPLIERS, PRODUCT_SUPPLY, PURCHASE_ORDERS, DAILY_DEMAND, DAILY_STOCK),
           needs=("products", "customers", "orders", "order_lines"))
def make_inventory(ctx, products, customers, orders, order_lines):
    """Suppliers and service classes, demand, then a day-by-day stock simulation that places the
    purchase orders. Streams: ``suppliers`` (suppliers, classes, lead-time profiles),
    ``daily_demand`` (demand), ``purchase_orders`` (actual lead times); the stock is derived."""
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    n_days, n_prod, n_centre = len(days), len(products), len(CENTRES)
    category = codes_of(products["category"], CATEGORIES)
    plan = shortage_plan(ctx, products, order_lines)

    # Suppliers: one per brand; lead-time noise (sd of log actual/quoted) and bias per supplier.
    rng = ctx.rng("suppliers")
    brands = V.PRODUCT_BRANDS
    suppliers = pd.DataFrame({
        "supplier_id": np.arange(1, len(brands) + 1),
        "supplier_name": text(tuple(f"{b} Manufacturing" for b in brands), np.arange(len(brands))),
        "brand": text(brands, np.arange(len(brands))),
        "country": text(SUPPLIER_COUNTRIES, rng.permutation(len(SUPPLIER_COUNTRIES))[: len(brands)]),
    })
    lt_sd = rng.uniform(0.05, 0.14, len(brands))
    unreliable = int(rng.integers(len(brands)))
    lt_sd[unreliable] = 0.45
    lt_bias = rng.uniform(-0.02, 0.08, len(brands))
    supplier_of = codes_of(products["brand"], brands)

    # Service classes from an ABC analysis of order revenue.
    prow = pd.Index(products["product_id"]).get_indexer(order_lines["product_id"])
    revenue = np.bincount(prow, weights=order_lines["unit_price"] * order_lines["quantity"], minlength=n_prod)
    by_rev = np.argsort(-revenue, kind="stable")
    share = np.cumsum(revenue[by_rev]) / revenue.sum()
    cls = np.empty(n_prod, np.int64)
    cls[by_rev] = np.searchsorted(ABC_CUTS, share - revenue[by_rev] / revenue.sum(), side="right")
    target = np.array(list(SERVICE_CLASSES.values()))[cls]
    product_supply = pd.DataFrame({
        "product_id": products["product_id"].to_numpy(), "supplier_id": supplier_of + 1,
        "service_class": text(tuple(SERVICE_CLASSES), cls), "target_service_level": target,
        "review_period_days": np.full(n_prod, REVIEW_DAYS),
    })

    # Demand: known customers' completed orders, plus shoppers without a customer record.
    rng = ctx.rng("daily_demand")
    completed = (orders["status"] == "completed").to_numpy()
    orow = pd.Index(orders["order_id"]).get_indexer(order_lines["order_id"])
    keep = completed[orow]
    day = ((to_us(orders["ordered_at"])[orow[keep]] - to_us(ctx.start)) // DAY_US)
    centre = centre_codes_of_orders(orders)[orow[keep]]
    flat = (day * n_prod + prow[keep]) * n_centre + centre
    known = np.bincount(flat, weights=order_lines["quantity"].to_numpy()[keep],
                        minlength=n_days * n_prod * n_centre).astype(np.int64).reshape(n_days, n_prod, n_centre)
    b2b_line = (orders["channel"] == "b2b").to_numpy()[orow[keep]]
    b2b = np.bincount(flat[b2b_line], weights=order_lines["quantity"].to_numpy()[keep][b2b_line],
                      minlength=n_days * n_prod * n_centre).astype(np.int64).reshape(n_days, -1)
    consumer = keep & (orders["channel"] != "b2b").to_numpy()[orow]
    popularity = np.bincount(prow[consumer], minlength=n_prod) + 1.0
    popularity /= popularity.sum()
    cust_centre = np.array([CENTRES.index(CENTRE_OF_MARKET[m]) for m in MARKET_CODES])[
        codes_of(customers["market"], MARKET_CODES)]
    centre_share = np.bincount(cust_centre, minlength=n_centre) / len(customers)
    season = category_season(days)[:, category]  # day x product
    season /= season.mean()
    lam = (OTHER_UNITS_PER_DAY * ctx.scale) * season[:, :, None] * popularity[None, :, None] \
        * centre_share[None, None, :]
    other = rng.poisson(lam)
    demand = known + other
    ctx.plant("inventory_seasons", {
        "peak": "Black Friday to 24 December", "peak_multiplier": PEAK_MULTIPLIER,
        "black_friday": [str(black_friday(y).date()) for y in sorted(set(days.year))],
        "january_multiplier": JANUARY_MULTIPLIER, "cooling_family": COOLING_FAMILY,
        "summer_multiplier": {str(m): v for m, v in SUMMER_MULTIPLIER.items()},
        "weekend_multiplier": WEEKEND_MULTIPLIER, "growth_over_history": GROWTH,
    }, "Multipliers of the demand of shoppers without a customer record (units_demanded - "
       "units_from_orders): every family from Black Friday to 24 December and in early January; "
       "the cooling family by summer month (July is the heat wave).")

    # Stock: weekly order-up-to with quoted lead times; actual lead times vary by supplier.
    policy = _Policy(days, demand.reshape(n_days, n_prod * n_centre), b2b, products, cls, supplier_of, category, plan)
    stock, pos, stop = policy.run(ctx.rng("purchase_orders"), lt_sd, lt_bias)
    start_us = to_us(ctx.start)
    window = _shortage_window(stock, days, policy.short_pairs(None))
    ctx.plant("inventory_shortage", {
        "family": plan["family"], "centres": plan["centres"],
        "supply_stop": {c: str((days[0] + pd.Timedelta(days=int(d))).date()) for c, d in stop.items()},
        "supply_resume": str(plan["supply_resume"].date()),
        "stockout_start": None if window[0] is None else str(window[0].date()),
        "stockout_end": None if window[1] is None else str(window[1].date()),
    }, "The 2025 shortage: no deliveries of one family to some centres from each centre's supply_stop "
       "until supply_resume (then the backlog arrives); from stockout_start to stockout_end at least "
       "a third of the family's products at those centres had nothing available to promise "
       "(on_hand - committed <= 0); missing in worlds too small for that.")
    ctx.plant("inventory_lead_time_sd", {
        str(b): round(float(s), 3) for b, s in zip(brands, lt_sd, strict=True)},
        "Per supplier (brand): standard deviation of log(actual / quoted lead time) of its purchase "
        "orders (deliveries held back by the shortage aside).")
    ctx.plant("inventory_unreliable_supplier", brands[unreliable],
              "The supplier (brand) whose lead times vary far more than the others'.")

    n_po = len(pos["pair"])
    pair = pos["pair"]
    prod_idx, centre_idx = pair // n_centre, pair % n_centre
    ordered_us = start_us + pos["day"] * DAY_US
    quoted = products["supplier_lead_time_days"].to_numpy()[prod_idx]
    received_day = pos["arrival"]
    received = np.where(received_day < n_days, start_us + received_day * DAY_US, NAT)
    purchase_orders = pd.DataFrame({
        "po_id": np.arange(1, n_po + 1), "product_id": products["product_id"].to_numpy()[prod_idx],
        "supplier_id": supplier_of[prod_idx] + 1, "fulfilment_centre": text(CENTRES, centre_idx),
        "ordered_date": from_us(ordered_us), "quantity": pos["quantity"],
        "quoted_lead_time_days": quoted, "expected_date": from_us(ordered_us + quoted * DAY_US),
        "received_date": from_us(received),
    }, copy=False)

    date_col = from_us(np.repeat(start_us + np.arange(n_days) * DAY_US, n_prod * n_centre))
    product_col = np.tile(np.repeat(products["product_id"].to_numpy(), n_centre), n_days)
    centre_codes = np.tile(np.arange(n_centre), n_days * n_prod)
    centre_col = text(CENTRES, centre_codes)
    daily_demand = pd.DataFrame({
        "date": date_col, "product_id": product_col, "fulfilment_centre": centre_col,
        "region": text(REGIONS, CENTRE_REGION[centre_codes]),
        "units_demanded": demand.reshape(-1), "units_from_orders": known.reshape(-1),
    }, copy=False)
    daily_stock = pd.DataFrame({
        "date": date_col, "product_id": product_col, "fulfilment_centre": centre_col,
        "on_hand": stock["on_hand"].reshape(-1), "inbound": stock["inbound"].reshape(-1),
        "committed": stock["committed"].reshape(-1), "shipped": stock["shipped"].reshape(-1),
    }, copy=False)
    return {"suppliers": suppliers, "product_supply": product_supply, "purchase_orders": purchase_orders,
            "daily_demand": daily_demand, "daily_stock": daily_stock}


def _rolling_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of rows ``t - window .. t - 1`` for each row ``t`` (the rows before; row 0 gets row 0)."""
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x]), axis=0)
    t = np.arange(len(x))
    lo = np.maximum(t - window, 0)
    n = np.maximum(t - lo, 1)
    out = (c[np.maximum(t, 1)] - c[lo]) / n[:, None]
    return out


class _Policy:
    """The planners' weekly order-up-to policy per (product, centre) pair, and a day-by-day run
    of it against the demand.

    Planners forecast demand over the quoted lead time plus the review period: key accounts' bulk
    orders at their mean over the last half year, the rest from its last 28 days, taken out of
    season and put back in with the season ahead (they know the calendar). They add the class's
    z times the last 56 days' spread of that rest, and order up to the sum. They do not allow
    for lead-time variability.
    """

    def __init__(self, days, demand, b2b, products, cls, supplier_of, category, plan):
        self.days, self.demand, self.plan = days, demand, plan
        n_days, n_pairs = demand.shape
        n_centre = len(CENTRES)
        prod_idx = np.arange(n_pairs) // n_centre
        self.centre_idx = np.arange(n_pairs) % n_centre
        self.quoted = products["supplier_lead_time_days"].to_numpy()[prod_idx].astype(float)
        self.supplier = supplier_of[prod_idx]
        z = np.array([NormalDist().inv_cdf(p) for p in SERVICE_CLASSES.values()])[cls[prod_idx]]
        cover = (self.quoted + REVIEW_DAYS).astype(np.int64)
        ahead = pd.date_range(days[0], periods=n_days + int(cover.max()) + 1, freq="D")
        season = category_season(ahead)[:, category]  # day x product
        season /= season[:n_days].mean(axis=0)
        # Key accounts' bulk orders are agreed ahead: planners plan them at their half-year mean,
        # and forecast (and measure the spread of) the rest of the demand.
        steady = (demand - b2b).astype(float)
        deseasoned = steady / season[:n_days, prod_idx]
        base = _rolling_mean(deseasoned, 28)
        base[:28] = deseasoned[:56].mean(axis=0)
        bulk = _rolling_mean(b2b.astype(float), 182)
        bulk[:182] = b2b.mean(axis=0)
        cum = np.vstack([np.zeros((1, season.shape[1])), np.cumsum(season, axis=0)])[:, prod_idx]
        t, pairs = np.arange(n_days)[:, None], np.arange(n_pairs)
        expected = base * (cum[t + 1 + cover[None, :], pairs] - cum[t + 1, pairs]) + bulk * cover
        spread = np.sqrt(np.maximum(_rolling_mean(steady * steady, 56) - _rolling_mean(steady, 56) ** 2, 0))
        spread[:56] = steady[:56].std(axis=0)
        self.level = expected + z * np.maximum(spread, np.sqrt(expected / cover)) * np.sqrt(cover)
        self.family = category[prod_idx] == CATEGORIES.index(plan["family"])

    def short_pairs(self, centre: str | None) -> np.ndarray:
        """The short family's pairs at one short centre (or at all of them)."""
        centres = [CENTRES.index(c) for c in self.plan["centres"] if centre in (None, c)]
        return np.flatnonzero(self.family & np.isin(self.centre_idx, centres))

    def run(self, rng, lt_sd, lt_bias):
        """Simulate the history. Returns the stock (day x pair arrays), the purchase orders and
        each short centre's supply stop (day index).

        Each short centre's deliveries stop on the day after which a third of the family's
        products there would have nothing to promise by the plan's ``run_out``: with no more
        deliveries, a pair's units available to promise only fall, by its demand, so whether it
        runs out by then is known from today's stock and the (pre-drawn) demand to come.
        """
        demand, level, quoted, supplier = self.demand, self.level, self.quoted, self.supplier
        n_days, n_pairs = demand.shape
        resume = (self.plan["supply_resume"] - self.days[0]).days
        run_out = (self.plan["run_out"] - self.days[0]).days
        cum = np.cumsum(demand, axis=0)
        watch = {c: self.short_pairs(c) for c in self.plan["centres"]}
        stop = {}
        stop_day = np.full(n_pairs, n_days)
        short = np.flatnonzero(self.family & np.isin(self.centre_idx, [CENTRES.index(c) for c in watch]))
        offset = rng.integers(0, 5, n_pairs)  # held deliveries arrive together, a few days after resume
        horizon = n_days + int(quoted.max() * 3) + 10
        arrivals = np.zeros((horizon, n_pairs), np.int64)
        on_hand = np.ceil(level[0]).astype(np.int64)
        committed = np.zeros(n_pairs, np.int64)
        on_order = np.zeros(n_pairs, np.int64)
        out = {k: np.empty((n_days, n_pairs), np.int64) for k in ("on_hand", "inbound", "committed", "shipped")}
        po_day, po_pair, po_qty, po_arrival = [], [], [], []
        monday = self.days.day_of_week == 0
        for t in range(n_days):
            if run_out - EARLIEST_STOP <= t < run_out:
                for centre, pairs in watch.items():
                    out_then = on_hand[pairs] - committed[pairs] <= cum[run_out, pairs] - cum[t - 1, pairs]
                    if centre not in stop and out_then.mean() <= STOP_OUT_SHARE:
                        stop[centre] = t
                        stop_day[pairs] = t
            if t < resume:  # the short pairs' deliveries wait for the supplier to resume
                held = short[stop_day[short] <= t]
                arrivals[resume + offset[held], held] += arrivals[t, held]
                arrivals[t, held] = 0
            inbound = arrivals[t]
            on_order -= inbound
            available = on_hand + inbound
            shipped = np.minimum(available, committed)
            on_hand = available - shipped
            committed = committed - shipped + demand[t]
            out["on_hand"][t], out["inbound"][t], out["committed"][t], out["shipped"][t] = (
                on_hand, inbound, committed, shipped)
            if monday[t]:
                position = on_hand + on_order - committed
                qty = np.ceil(level[t] - position).astype(np.int64)
                pairs = np.flatnonzero(qty > 0)
                ratio = np.exp(lt_bias[supplier[pairs]] + lt_sd[supplier[pairs]] * rng.standard_normal(len(pairs)))
                lead = np.clip(np.rint(quoted[pairs] * ratio), 1, 3 * quoted[pairs]).astype(np.int64)
                np.add.at(arrivals, (t + lead, pairs), qty[pairs])
                on_order[pairs] += qty[pairs]
                po_day.append(np.full(len(pairs), t))
                po_pair.append(pairs)
                po_qty.append(qty[pairs])
                po_arrival.append(t + lead)
        pair, arrival = np.concatenate(po_pair), np.concatenate(po_arrival)
        held = (arrival >= stop_day[pair]) & (arrival < resume)
        arrival[held] = resume + offset[pair[held]]
        pos = {"day": np.concatenate(po_day), "pair": pair, "quantity": np.concatenate(po_qty), "arrival": arrival}
        return out, pos, stop


def _out_share(stock, pairs) -> np.ndarray:
    """Per day: share of ``pairs`` with nothing available to promise."""
    return ((stock["on_hand"][:, pairs] - stock["committed"][:, pairs]) <= 0).mean(axis=1)


def _shortage_window(stock, days, pairs) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last day of 2025-05..08 on which at least :data:`SHORTAGE_OUT_SHARE` of the
    short family's products at the short centres had nothing available to promise."""
    share = _out_share(stock, pairs)
    hit = np.flatnonzero((days >= "2025-05-01") & (days <= "2025-08-31") & (share >= SHORTAGE_OUT_SHARE))
    if not len(hit):  # very small worlds: too few units for a third of the products to run out
        return None, None
    return days[hit[0]], days[hit[-1]]
