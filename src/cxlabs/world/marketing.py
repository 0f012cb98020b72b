"""Marketing: campaigns, media spend, and the touchpoints that reach customers before they buy.

Journeys are generated first: a journey is a few touches (email, SMS, push, paid search, paid
social, display) within at most 30 days, and whether it ends in an online order is drawn from
a known model of which channels reached the customer (:data:`BASE_RATE`, :data:`LIFT`):

    P(order | channels) = 1 - (1 - base) x prod over the channels c that reached the customer of (1 - lift_c)

Journeys that convert are given to the web and app orders (each order gets the touches of the
30 days before it, after the customer's previous order); the others are placed where no order
follows within 30 days. Channels sit at typical places in a journey (display and social early,
search, e-mail and social retargeting late: :data:`POSITION_WEIGHTS`), so first- and last-touch
rules disagree with each other and with the truth.

The marketing platform records a conversion when the order is *delivered* (revenue is
recognised at delivery), days after the order: a look-back window measured from the recorded
conversion loses the first touches of a journey unless it allows for the fulfilment delay.

Planted truths: the conversion model; each channel's true contribution (its Shapley share of
the conversions the channels add over the base rate, under the model, summed over the
journeys); the share of touches a 30-day window from the recorded conversion misses; and a
channel (paid social) whose last touches come before orders that were discounted more, are
returned far more often and need support more often (journeys are paired with orders by rank,
:data:`TRAP_STRENGTH`), so it ranks high on last-touch revenue but lowest on contribution per
order once product cost, fulfilment, returns and support are netted out.
"""

from __future__ import annotations

from math import factorial

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.aftercare import window_sum
from cxlabs.world.registry import generates
from cxlabs.world.sampling import (
    DAY_US,
    MONTH_WEIGHTS,
    NAT,
    US,
    codes_of,
    from_us,
    stable_argsort,
    text,
    to_us,
)

CHANNELS = ("email", "sms", "push", "paid_search", "paid_social", "display")
BASE_RATE = 0.05
#: channel -> lift: the probability the channel alone turns a journey into an order
LIFT = {"email": 0.12, "sms": 0.09, "push": 0.05, "paid_search": 0.16, "paid_social": 0.055, "display": 0.03}
#: channel -> (weight of being a journey's first touch, weight of being its last); in between linear
POSITION_WEIGHTS = {"email": (0.15, 0.20), "sms": (0.06, 0.10), "push": (0.09, 0.10),
                    "paid_search": (0.18, 0.22), "paid_social": (0.22, 0.34), "display": (0.30, 0.04)}
MEAN_EXTRA_TOUCHES = 1.3    # touches per journey: 1 + Poisson(1.3), at most 8
MAX_TOUCHES = 8
LOOKBACK_DAYS = 30          # every touch of a converting journey is within 30 days before the order
TRAP_CHANNEL = "paid_social"
#: How strongly journeys whose last touch is the trap channel go to costly orders: a journey's
#: key is TRAP_STRENGTH (trap-last) + N(0, 1); journeys and orders are paired by rank, orders
#: ranked by their after-sale cost (ORDER_COST_WEIGHTS).
TRAP_STRENGTH = 1.1
#: weights of an order's discount share (of list price), any returned line, any ticket about it
ORDER_COST_WEIGHTS = {"discount_share": 4.0, "returned": 1.0, "ticket": 0.5}
#: cost of one recorded touch (media bought per identified contact), USD
COST_PER_TOUCH = {"email": 0.05, "sms": 0.08, "push": 0.02, "paid_search": 2.2, "paid_social": 1.8, "display": 1.2}
CREATIVE_COST = 1500.0      # production cost of a seasonal campaign, in its first month
#: seasonal campaigns every year: name -> (first month-day, last month-day, channels)
SEASONAL = {
    "january-sale": ("01-02", "01-31", ("email", "sms", "paid_search", "paid_social", "display")),
    "spring-refresh": ("03-15", "04-15", ("email", "paid_social", "display")),
    "summer-cooling": ("06-20", "07-31", ("push", "paid_search", "paid_social", "display")),
    "back-to-home": ("09-01", "09-30", ("email", "push")),
    "black-friday": ("11-15", "11-30", CHANNELS),
    "christmas": ("12-01", "12-24", ("email", "sms", "push", "paid_search", "paid_social")),
}
SEASONAL_SHARE = 0.7        # share of a channel's touches that go to its seasonal campaign while one runs

CAMPAIGNS = Table(
    "marketing_campaigns",
    "Marketing campaigns by channel: an always-on campaign per channel and year, and seasonal "
    "campaigns (January sale, spring, summer cooling, back to home, Black Friday, Christmas).",
    "campaign",
    (
        Column("campaign_id", "int", "Campaign identifier.", unique=True),
        Column("campaign_name", "str", "Name: channel, theme and year.", unique=True),
        Column("channel", "str", "Marketing channel.", allowed=CHANNELS),
        Column("kind", "str", "Always-on or seasonal.", allowed=("always_on", "seasonal")),
        Column("start_date", "date", "First day."),
        Column("end_date", "date", "Last day."),
    ),
    group="marketing",
)

MEDIA_SPEND = Table(
    "media_spend",
    "Money spent per campaign and month: media bought (paid search clicks, social and display "
    "impressions) or messages sent (email, SMS, push), and seasonal campaigns' production cost.",
    "campaign and month",
    (
        Column("month", "date", "First day of the month."),
        Column("campaign_id", "int", "Campaign.", references="marketing_campaigns.campaign_id"),
        Column("channel", "str", "Channel of the campaign.", allowed=CHANNELS),
        Column("spend", "float", "Amount spent.", unit="USD", min=0),
    ),
    group="marketing",
)

TOUCHES = Table(
    "marketing_touches",
    "Identified marketing touches of known customers: an e-mail or push opened, an SMS or ad "
    "clicked, a display or social ad viewed. A customer's touches in the 30 days before an "
    "online order (and after the previous one) led to that order; touches not followed by an "
    "order within 30 days did not convert.",
    "touch",
    (
        Column("touch_id", "int", "Touch identifier, increasing with time.", unique=True),
        Column("customer_id", "int", "Customer touched.", references="customers.customer_id"),
        Column("touched_at", "datetime", "When the touch happened."),
        Column("channel", "str", "Marketing channel.", allowed=CHANNELS),
        Column("campaign_id", "int", "Campaign the touch belongs to.", references="marketing_campaigns.campaign_id"),
    ),
    group="marketing",
)

CONVERSIONS = Table(
    "marketing_conversions",
    "Conversions as the marketing platform records them: every completed web and app order, "
    "recorded when it is delivered (when revenue is recognised), with its revenue. Measure a "
    "look-back window from the order's `ordered_at`, or allow for the days between order and delivery.",
    "converting order",
    (
        Column("order_id", "int", "Order.", unique=True, references="orders.order_id"),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("recorded_at", "datetime", "When the platform recorded the conversion (delivery)."),
        Column("revenue", "float", "Revenue of the order (unit_price x quantity over its lines).", unit="USD", min=0),
    ),
    group="marketing",
)

JOURNEYS = Table(
    "marketing_journeys",
    "Every journey the generator drew: its customer and touches, the probability the model gave "
    "it of ending in an order, and the order it ended in.",
    "journey",
    (
        Column("journey_id", "int", "Journey identifier.", unique=True),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("first_touch_id", "int", "Its first touch.", references="marketing_touches.touch_id"),
        Column("touches", "int", "Number of touches.", min=1),
        Column("channels", "str", "Channels that reached the customer, '+'-joined in CHANNELS order."),
        Column("conversion_probability", "float", "Probability of an order under the model.", min=0, max=1),
        Column("order_id", "int", "Order it ended in (none if it did not convert).", nullable=True,
               references="orders.order_id"),
    ),
    group="marketing", truth=True,
)

_LIFT = np.array([LIFT[c] for c in CHANNELS])
_EARLY = np.array([POSITION_WEIGHTS[c][0] for c in CHANNELS])
_LATE = np.array([POSITION_WEIGHTS[c][1] for c in CHANNELS])
_COST = np.array([COST_PER_TOUCH[c] for c in CHANNELS])


def _channel_cdf() -> np.ndarray:
    """Cumulative channel probabilities for every (touches in the journey, position), class
    k = (touches - 1) x MAX_TOUCHES + position shifted up by k: a touch's channel is where
    k + uniform falls. The weights move linearly from first-touch to last-touch weights; a
    single touch sits half way."""
    rows = []
    for n in range(1, MAX_TOUCHES + 1):
        for pos in range(MAX_TOUCHES):
            r = pos / (n - 1) if n > 1 else 0.5
            w = _EARLY * (1 - min(r, 1.0)) + _LATE * min(r, 1.0)
            rows.append(np.cumsum(w) / w.sum())
    return (np.array(rows) + np.arange(len(rows))[:, None]).ravel()


_CHANNEL_CDF = _channel_cdf()


def conversion_probability(mask: np.ndarray, base: float = BASE_RATE, lift=_LIFT) -> np.ndarray:
    """P(order) for journeys whose channel sets are the bit masks ``mask`` (bit i: CHANNELS[i])."""
    lift = np.asarray(lift, float)
    every = np.arange(1 << len(lift))
    bits = (every[:, None] >> np.arange(len(lift))) & 1
    table = 1 - (1 - base) * np.prod(np.where(bits == 1, 1 - lift, 1.0), axis=1)
    return table[np.asarray(mask)]


def shapley_table(base: float = BASE_RATE, lift=_LIFT) -> np.ndarray:
    """Shapley value of each channel (columns) in a journey reached by each channel set (rows, bit
    masks), for the game v(T) = P(order | T) - base: each row sums to P(order | set) - base."""
    k = len(lift)
    masks = np.arange(1 << k)
    v = conversion_probability(masks, base, lift) - base
    size = np.array([bin(m).count("1") for m in masks])
    table = np.zeros((1 << k, k))
    for s in masks:
        n = size[s]
        for i in range(k):
            if not s >> i & 1:
                continue
            rest = s & ~(1 << i)
            subsets = masks[(masks & ~rest) == 0]  # every subset of the other members
            w = np.array([factorial(size[t]) * factorial(n - size[t] - 1) for t in subsets]) / factorial(n)
            table[s, i] = w @ (v[subsets | (1 << i)] - v[subsets])
    return table


def _campaigns(ctx, rng) -> pd.DataFrame:
    """Always-on campaigns per channel and year; seasonal ones in their windows, each starting up
    to 3 days late and ending up to 3 days early (so a channel's campaigns never overlap)."""
    rows = []
    for year in range(ctx.start.year, ctx.end.year + 1):
        for ch in CHANNELS:
            rows.append((f"{ch}-always-on-{year}", ch, "always_on", pd.Timestamp(f"{year}-01-01"),
                         pd.Timestamp(f"{year}-12-31")))
        for name, (first, last, chans) in SEASONAL.items():
            late, early = rng.integers(0, 4, 2)
            for ch in chans:
                rows.append((f"{ch}-{name}-{year}", ch, "seasonal",
                             pd.Timestamp(f"{year}-{first}") + pd.Timedelta(days=int(late)),
                             pd.Timestamp(f"{year}-{last}") - pd.Timedelta(days=int(early))))
    c = pd.DataFrame(rows, columns=["campaign_name", "channel", "kind", "start_date", "end_date"])
    c = c.sort_values(["start_date", "kind", "channel"], kind="stable").reset_index(drop=True)
    c.insert(0, "campaign_id", np.arange(1, len(c) + 1))
    return c


@generates(CAMPAIGNS)
def make_campaigns(ctx, rng):
    return _campaigns(ctx, rng)


# ---- journeys --------------------------------------------------------------------------------

def _draw_journeys(rng, n: int) -> dict[str, np.ndarray]:
    """``n`` journeys: touches per journey, each touch's channel by its position, the channel set."""
    count = np.minimum(1 + rng.poisson(MEAN_EXTRA_TOUCHES, n), MAX_TOUCHES)
    journey = np.repeat(np.arange(n, dtype=np.int32), count)
    starts = np.cumsum(count) - count
    pos = (np.arange(len(journey)) - starts[journey]).astype(np.int16)
    # Each (touches in the journey, position) has its own channel distribution; stack their
    # cumulative probabilities, class k shifted up by k, and draw every touch with one search.
    cls = ((count[journey] - 1) * MAX_TOUCHES + pos).astype(np.int32)
    channel = np.searchsorted(_CHANNEL_CDF, cls + rng.random(len(journey)), side="right") - cls * len(CHANNELS)
    channel = np.minimum(channel, len(CHANNELS) - 1).astype(np.int8)
    mask = np.bitwise_or.reduceat(np.left_shift(np.int64(1), channel), starts)
    return {"count": count, "journey": journey, "pos": pos, "channel": channel, "mask": mask}


def _order_cost_score(order_lines, returns, tickets, order_ids) -> np.ndarray:
    """Per order: how much it cost after the sale (ORDER_COST_WEIGHTS): its discount off list
    price, whether a line came back, whether the customer contacted service about it."""
    price = order_lines["unit_price"].to_numpy() * order_lines["quantity"].to_numpy()
    listed = price / (1 - order_lines["discount_pct"].to_numpy())
    by_order = pd.DataFrame({"price": price, "listed": listed}).groupby(order_lines["order_id"].to_numpy()).sum()
    by_order = by_order.reindex(order_ids, fill_value=1.0)
    w = ORDER_COST_WEIGHTS
    return (w["discount_share"] * (1 - by_order["price"] / by_order["listed"]).to_numpy()
            + w["returned"] * np.isin(order_ids, returns["order_id"].to_numpy())
            + w["ticket"] * np.isin(order_ids, tickets["order_id"].dropna().to_numpy()))


@generates((TOUCHES, CONVERSIONS, JOURNEYS, MEDIA_SPEND),
           needs=("customers", "orders", "order_lines", "shipments", "returns", "tickets", "marketing_campaigns"))
def make_marketing(ctx, customers, orders, order_lines, shipments, returns, tickets, marketing_campaigns):
    """Journeys, touches and conversions (streams ``marketing_touches`` and ``marketing_journeys``),
    and media spend (stream ``media_spend``)."""
    rng = ctx.rng("marketing_journeys")
    start_us, end_us = to_us(ctx.start), to_us(ctx.end)
    look_us = LOOKBACK_DAYS * DAY_US
    cust_ids = customers["customer_id"].to_numpy()
    cust_index = pd.Index(cust_ids)
    signup = to_us(customers["signup_date"])

    # The orders journeys lead to: completed web and app orders, in time order.
    online = (orders["status"] == "completed").to_numpy() & orders["channel"].isin(["web", "app"]).to_numpy()
    conv_rows = np.flatnonzero(online)
    n_conv = len(conv_rows)
    order_ids = orders["order_id"].to_numpy()
    order_at = to_us(orders["ordered_at"])
    order_cust = orders["customer_id"].to_numpy()

    # Draw journeys until n_conv of them convert; keep the ones up to the n_conv-th conversion.
    draws, converted, total = [], [], 0
    while total < n_conv:
        m = int((n_conv - total) / 0.19) + 1000
        j = _draw_journeys(rng, m)
        c = rng.random(m) < conversion_probability(j["mask"])
        draws.append(j)
        converted.append(c)
        total += int(c.sum())
    j = draws[0] if len(draws) == 1 else _concat_journeys(draws)
    conv = np.concatenate(converted)
    last = np.flatnonzero(conv)[n_conv - 1] if n_conv else -1
    j = _take_first(j, last + 1)
    conv = conv[: last + 1]
    n_j = len(conv)
    prob = conversion_probability(j["mask"])

    # Converting journeys take the orders, paired by rank: journeys whose last touch is paid
    # social tend to take the orders that were discounted, returned or needed support.
    last_touch = j["channel"][np.cumsum(j["count"]) - 1]
    trap = last_touch == CHANNELS.index(TRAP_CHANNEL)
    cj = np.flatnonzero(conv)
    o_key = _order_cost_score(order_lines, returns, tickets, order_ids[conv_rows]) + 1e-6 * rng.random(n_conv)
    j_key = TRAP_STRENGTH * trap[cj] + rng.standard_normal(n_conv)
    order_of_journey = np.full(n_j, -1)
    order_of_journey[cj[np.argsort(-j_key, kind="stable")]] = conv_rows[np.argsort(-o_key, kind="stable")]

    # When: converting journeys end before their order, after the customer's previous order.
    anchor = np.zeros(n_j, np.int64)
    lower = np.zeros(n_j, np.int64)
    cust_row = np.zeros(n_j, np.int64)
    oj = order_of_journey[cj]
    anchor[cj] = order_at[oj]
    prev_at = _previous_order_time(order_cust, order_at)
    cust_row[cj] = cust_index.get_indexer(order_cust[oj])
    lower[cj] = np.maximum.reduce([order_at[oj] - look_us, prev_at[oj] + 3600 * US,
                                   np.full(len(oj), start_us), signup[cust_row[cj]]])
    # Last touch to order: under a day; first to last touch: up to 29 days.
    gap = (np.minimum(rng.exponential(0.5, n_j), 1.0) * DAY_US).astype(np.int64)
    spread = (rng.beta(3.0, 1.2, n_j) * (LOOKBACK_DAYS - 1) * DAY_US).astype(np.int64)
    # Touch positions within a journey as fractions from its first (0) to its last touch (1):
    # cumulative exponential gaps, normalised, are sorted uniforms without sorting.
    steps = np.where(j["pos"] > 0, rng.exponential(1.0, len(j["journey"])), 0.0)
    run = np.cumsum(steps)
    starts = np.cumsum(j["count"]) - j["count"]
    run -= np.repeat(run[starts], j["count"])
    total = np.repeat(run[starts + j["count"] - 1], j["count"])
    # Non-converting journeys: a customer and a moment with no order in or within 30 days after.
    nj = np.flatnonzero(~conv)
    consumer = np.flatnonzero((customers["segment"] != "business").to_numpy())
    anchor[nj], cust_row[nj] = _place_unconverted(rng, gap[nj], spread[nj], consumer, signup, order_cust,
                                                  order_at, cust_ids, start_us, end_us, look_us)
    lower[nj] = np.maximum(signup[cust_row[nj]], start_us)
    # Fit the journey between its lower bound and its anchor: one that does not fit (an order
    # soon after the customer's previous one, or early in the history) is shrunk to a random
    # part of the room there is.
    room = np.maximum(anchor - lower - 60 * US, 0)
    fits = gap + spread <= room
    scale = np.where(fits, 1.0, room / np.maximum(gap + spread, 1) * rng.uniform(0.3, 1.0, n_j))
    gap = (gap * scale).astype(np.int64)
    spread = (spread * scale).astype(np.int64)
    # Touch times, in the order of the positions the channels were drawn for: the first touch
    # `gap + spread` before the anchor, the last `gap` before it, the others in between.
    jt = j["journey"]
    frac = np.where(total > 0, run / np.where(total > 0, total, 1.0), 1.0)
    del steps, run, total
    at = anchor[jt] - 30 * US - gap[jt] - ((1 - frac) * spread[jt]).astype(np.int64)
    del frac
    ch = j["channel"]

    touch_cust = cust_ids[cust_row[jt]]
    camp = _touch_campaigns(ctx.rng("marketing_touches"), marketing_campaigns, ch, at, ctx)
    t_order = stable_argsort(at)  # rows are in journey order, so ties keep it
    touch_id = np.empty(len(jt), np.int64)
    touch_id[t_order] = np.arange(1, len(jt) + 1)
    touches = pd.DataFrame({"touch_id": touch_id[t_order], "customer_id": touch_cust[t_order],
                            "touched_at": from_us(at[t_order]), "channel": text(CHANNELS, ch[t_order]),
                            "campaign_id": camp[t_order]}, copy=False)

    # Conversions as recorded: at delivery.
    ship_row = pd.Index(shipments["order_id"]).get_indexer(order_ids[conv_rows])
    recorded = np.where(ship_row >= 0, to_us(shipments["delivered_at"])[np.maximum(ship_row, 0)], order_at[conv_rows])
    line_order = pd.Index(order_ids).get_indexer(order_lines["order_id"])
    revenue = np.bincount(line_order, weights=(order_lines["unit_price"] * order_lines["quantity"]).to_numpy(),
                          minlength=len(orders))
    conversions = pd.DataFrame({"order_id": order_ids[conv_rows], "customer_id": order_cust[conv_rows],
                                "recorded_at": from_us(recorded), "revenue": np.round(revenue[conv_rows], 2)})

    first_touch = touch_id[np.cumsum(j["count"]) - j["count"]]
    mask_names = tuple("+".join(c for i, c in enumerate(CHANNELS) if m >> i & 1) for m in range(1 << len(CHANNELS)))
    journeys = pd.DataFrame({
        "journey_id": np.arange(1, n_j + 1), "customer_id": cust_ids[cust_row], "first_touch_id": first_touch,
        "touches": j["count"], "channels": text(mask_names, j["mask"]),
        "conversion_probability": prob,
        "order_id": pd.arrays.IntegerArray(np.where(conv, order_ids[np.maximum(order_of_journey, 0)], 0), ~conv),
    }, copy=False)

    _plant(ctx, j["mask"], conv, at, jt, recorded, order_of_journey, conv_rows)
    spend = _media_spend(ctx.rng("media_spend"), marketing_campaigns, camp, at, ctx)
    return {TOUCHES.name: touches, CONVERSIONS.name: conversions, JOURNEYS.name: journeys, MEDIA_SPEND.name: spend}


def _concat_journeys(draws: list[dict]) -> dict[str, np.ndarray]:
    offset = np.cumsum([0] + [len(d["count"]) for d in draws[:-1]])
    out = {k: np.concatenate([d[k] for d in draws]) for k in ("count", "pos", "channel", "mask")}
    out["journey"] = np.concatenate([d["journey"] + o for d, o in zip(draws, offset, strict=True)])
    return out


def _take_first(j: dict, n: int) -> dict[str, np.ndarray]:
    """The first ``n`` journeys (and their touches)."""
    rows = int(j["count"][:n].sum())
    return {"count": j["count"][:n], "mask": j["mask"][:n], "journey": j["journey"][:rows],
            "pos": j["pos"][:rows], "channel": j["channel"][:rows]}


def _previous_order_time(order_cust: np.ndarray, order_at: np.ndarray) -> np.ndarray:
    """Per order: when the same customer placed their previous order (long before the history if none)."""
    order = np.lexsort((order_at, order_cust))
    c, t = order_cust[order], order_at[order]
    prev = np.r_[np.int64(0), t[:-1]]
    prev = np.where(np.r_[False, c[1:] == c[:-1]], prev, np.int64(0))
    out = np.empty_like(prev)
    out[order] = prev
    return out


def _place_unconverted(rng, gap, spread, consumer, signup, order_cust, order_at, cust_ids, start_us, end_us,
                       look_us):
    """A customer and an anchor moment (where an order would have come) for each journey that did
    not convert: every touch after the customer signed up and inside the history, no order of
    theirs from the first touch to 30 days after the last, and more than 30 days between two such
    journeys of one customer.

    Each customer's history is cut into slots of 60 days; a journey takes a free slot (by season)
    and keeps its touches in the slot's first 30 days, so two journeys of one customer are always
    more than 30 days apart. Slots that clash with an order are given up and another is drawn.
    """
    n = len(gap)
    slot_us = 2 * look_us
    per_customer = int((end_us - start_us - look_us) // slot_us) + 1
    slot_start = start_us + np.arange(per_customer) * slot_us
    month = pd.DatetimeIndex(from_us(slot_start + look_us)).month.to_numpy()
    # weight of a (customer, slot): its season; zero before the customer signed up
    w = MONTH_WEIGHTS[month - 1][None, :] * (slot_start[None, :] >= signup[consumer][:, None])
    w = w.ravel()
    anchor = np.zeros(n, np.int64)
    row = np.zeros(n, np.int64)
    todo = np.arange(n)
    for _ in range(50):
        if not len(todo):
            break
        free = np.flatnonzero(w > 0)
        k = len(todo)
        if len(free) < k:
            raise RuntimeError("not enough room for the unconverted journeys")
        # k free slots drawn without replacement with probability by weight (Efraimidis-Spirakis:
        # the k smallest exponential(1) / weight)
        key = rng.exponential(1.0, len(free)) / w[free]
        pick = free[np.sort(np.argpartition(key, k - 1)[:k])] if k < len(free) else free
        pick = pick[rng.permutation(k)]
        w[pick] = 0.0  # a slot is used once, clash or not
        c, s = np.divmod(pick, per_customer)
        row[todo] = consumer[c]
        last = slot_start[s] + spread[todo] + (rng.random(k) * (look_us - spread[todo])).astype(np.int64)
        anchor[todo] = last + gap[todo]
        first = last - spread[todo]
        lo = first // US * US
        hi = (last + look_us) // US * US + US
        clash = window_sum(order_cust, order_at, cust_ids[row[todo]], lo, hi) > 0
        todo = todo[clash]
    if len(todo):
        raise RuntimeError(f"could not place {len(todo)} journeys")
    return anchor, row


def _touch_campaigns(rng, campaigns: pd.DataFrame, channel: np.ndarray, at: np.ndarray, ctx) -> np.ndarray:
    """Campaign of each touch: the channel's seasonal campaign if one runs that day (70% of its
    touches), else its always-on campaign of the year."""
    start_day = to_us(ctx.start.normalize()) // DAY_US
    n_days = int(to_us(ctx.end.normalize()) // DAY_US - start_day + 1)
    day = np.clip(at // DAY_US - start_day, 0, n_days - 1)
    ch = codes_of(campaigns["channel"], CHANNELS)
    first = to_us(campaigns["start_date"]) // DAY_US - start_day
    last = to_us(campaigns["end_date"]) // DAY_US - start_day
    seasonal = (campaigns["kind"] == "seasonal").to_numpy()
    ids = campaigns["campaign_id"].to_numpy()
    season = np.zeros((len(CHANNELS), n_days), np.int64)
    always = np.zeros((len(CHANNELS), n_days), np.int64)
    for k in range(len(ids)):  # a few dozen campaigns
        target = season if seasonal[k] else always
        target[ch[k], max(first[k], 0): last[k] + 1] = ids[k]
    s = season[channel, day]
    return np.where((s > 0) & (rng.random(len(at)) < SEASONAL_SHARE), s, always[channel, day])


def _media_spend(rng, campaigns: pd.DataFrame, camp: np.ndarray, at: np.ndarray, ctx) -> pd.DataFrame:
    """Spend per campaign and month: its touches at the channel's cost per touch (give or take 15%),
    and a seasonal campaign's production cost in its first month."""
    months = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="MS")
    first_month = np.datetime64(months[0], "M").astype(np.int64)
    m_idx = at.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64) - first_month
    ids = campaigns["campaign_id"].to_numpy()
    c_idx = pd.Index(ids).get_indexer(camp)
    cell = c_idx * len(months) + np.clip(m_idx, 0, len(months) - 1)
    counts = np.bincount(cell, minlength=len(ids) * len(months)).reshape(len(ids), len(months)).astype(float)
    cm = np.arange(len(months))
    c_first = (campaigns["start_date"].dt.year - months[0].year) * 12 + campaigns["start_date"].dt.month - 1
    c_last = (campaigns["end_date"].dt.year - months[0].year) * 12 + campaigns["end_date"].dt.month - 1
    runs = (cm[None, :] >= c_first.to_numpy()[:, None]) & (cm[None, :] <= c_last.to_numpy()[:, None])
    ch = codes_of(campaigns["channel"], CHANNELS)
    spend = counts * _COST[ch][:, None] * rng.lognormal(0, 0.15, counts.shape)
    seasonal = (campaigns["kind"] == "seasonal").to_numpy()
    spend += np.where(seasonal[:, None] & (cm[None, :] == c_first.to_numpy()[:, None]), CREATIVE_COST, 0.0)
    ci, mi = np.nonzero(runs)
    order = np.lexsort((ci, mi))
    ci, mi = ci[order], mi[order]
    return pd.DataFrame({"month": months[mi], "campaign_id": ids[ci], "channel": text(CHANNELS, ch[ci]),
                         "spend": np.round(spend[ci, mi], 2)})


def _plant(ctx, mask, conv, at, jt, recorded, order_of_journey, conv_rows) -> None:
    phi = np.bincount(mask, minlength=1 << len(CHANNELS)) @ shapley_table()
    ctx.plant("marketing_conversion_model", {"base_rate": BASE_RATE, "lift": LIFT},
              "P(order | channels that reached the customer in the journey) = 1 - (1 - base_rate) x product of "
              "(1 - lift) over those channels; how often a channel touched does not matter.")
    ctx.plant("marketing_true_contributions",
              {"share": {c: round(float(p / phi.sum()), 4) for c, p in zip(CHANNELS, phi, strict=True)},
               "incremental_conversions": {c: round(float(p), 1) for c, p in zip(CHANNELS, phi, strict=True)}},
              "Each channel's true contribution: the Shapley value of the model's P(order) - base_rate over the "
              "channels that reached each journey, summed over every journey drawn (expected orders the channel "
              "adds), and its share of the total.")
    ctx.plant("marketing_position_weights", POSITION_WEIGHTS,
              "Weight of each channel for a journey's first and last touch (linear in between).")
    cj = np.flatnonzero(conv)
    rec = np.full(len(conv), NAT)
    rec[cj] = recorded[np.searchsorted(conv_rows, order_of_journey[cj])]
    in_conv = conv[jt]
    missed = at[in_conv] < rec[jt][in_conv] - LOOKBACK_DAYS * DAY_US
    ctx.plant("marketing_lookback",
              {"days": LOOKBACK_DAYS, "touches_of_orders": int(in_conv.sum()),
               "missed_by_window_from_recorded_conversion": int(missed.sum()),
               "missed_share": round(float(missed.mean()), 4)},
              "Every touch of a converting journey is in the 30 days before its order (after the customer's "
              "previous order). Measured from the recorded conversion (delivery) instead, a 30-day window misses "
              "this many of those touches.")
    ctx.plant("marketing_trap_channel",
              {"channel": TRAP_CHANNEL, "strength": TRAP_STRENGTH, "order_cost_weights": ORDER_COST_WEIGHTS},
              "The channel whose last touches come before orders that were discounted more, returned more often "
              "and needed support more often (journeys and orders paired by rank, the channel's journeys shifted "
              "by `strength` standard deviations towards the costly orders): first or second on last-touch "
              "revenue, fourth or lower once product cost, fulfilment, returns and support are netted out, and "
              "last on that net contribution per order.")
