"""Web and app events of known customers and anonymous visitors, and the chats that start there.

Visits are generated first (a burst of events with gaps under 30 minutes); the events carry no
session id, so labs sessionise them. Every web or app order in ``orders`` has its purchase
event, at the order's time, at the end of a visit that went through the whole funnel. Chats
start from the help pages; the bot solves some, hands others to an agent queue, and some
customers come back to chat again within days.

Planted truths (the ``digital_`` facts):

* an app release on a dated day in April 2025 (:func:`app_release_day`, the same release
  that changes a model input in lab 14's data) breaks one funnel step in the app only;
* one handoff route (a bot intent and its agent queue, chosen per seed) loses the chat's
  context: customers must repeat who they are, their order number and their problem, and
  come back more often (``chat_handoff_truth`` says which handoffs lost it);
* the number of sessions under the usual rule (30 minutes, midnight, change of source),
  made of visits, visits split by midnight or by a new source, and visits that merge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.inventory import COOLING_FAMILY, season_index
from cxlabs.world.inventory import vocab_text as text
from cxlabs.world.registry import generates
from cxlabs.world.sampling import (
    DAY_US,
    NAT,
    US,
    codes_of,
    from_us,
    stable_argsort,
    time_of_day_us,
    to_us,
)

EVENT_CHANNELS = ("web", "app")
EVENT_TYPES = ("landing", "product_view", "add_to_cart", "checkout_start", "purchase", "help_view", "chat_start")
FUNNEL_STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")
TRAFFIC_SOURCES = ("direct", "organic_search", "paid_search", "paid_social", "display", "email", "sms",
                   "push", "referral")
#: Sources that carry a campaign code.
CAMPAIGN_SOURCES = ("paid_search", "paid_social", "display", "email", "sms", "push")
SOURCE_WEIGHTS = {"web": (0.18, 0.30, 0.18, 0.08, 0.04, 0.12, 0.03, 0.0, 0.07),
                  "app": (0.55, 0.0, 0.0, 0.03, 0.0, 0.12, 0.05, 0.25, 0.0)}
#: The funnel step the app release breaks: payment fails at checkout, so app buyers often
#: fail once or more (a visit that reaches checkout and ends there) before their purchase.
BROKEN_STEP = ("checkout_start", "purchase")
#: After the release: share of app purchases preceded by failed attempts, and extra attempts
#: beyond the first (Poisson mean).
P_FAILED_FIRST = 0.85
EXTRA_FAILURES = 0.6
#: Probability of going on to the next step in a visit that does not end in a purchase:
#: known customers and anonymous visitors.
P_VIEW = {"known": 0.70, "anonymous": 0.55}
P_CART = {"known": 0.22, "anonymous": 0.10}
P_CHECKOUT = {"known": 0.45, "anonymous": 0.0}
P_HELP = {"known": 0.08, "anonymous": 0.03}
P_CHAT_AFTER_HELP = 0.45
WEB_VISITS_PER_YEAR = 3.5
APP_VISITS_PER_YEAR = 5.0
APP_USER_SHARE = 0.35  # of consumer customers, besides everyone who ordered in the app
ANONYMOUS_VISITORS = 16_000  # at the default size
MAX_GAP_S = 25 * 60  # longest pause inside a visit, seconds (under the 30-minute timeout)
SESSION_TIMEOUT_S = 30 * 60

INTENTS = ("delivery_status", "returns", "product_help", "installation", "billing")
QUEUE_OF_INTENT = {"delivery_status": "logistics_desk", "returns": "returns_desk",
                   "product_help": "product_experts", "installation": "field_service_desk",
                   "billing": "billing_desk"}
QUEUES = tuple(QUEUE_OF_INTENT.values())
BOT_OUTCOMES = ("resolved_by_bot", "handed_to_agent", "abandoned")
#: Probability that a handoff loses the chat's context: on the broken route, elsewhere.
CONTEXT_LOST = {"broken_route": 0.85, "other": 0.07}
#: Probability that the customer chats again within 1-7 days, by how the chat went.
FOLLOW_UP = {"lost": 0.42, "kept": 0.12, "resolved_by_bot": 0.06, "abandoned": 0.25}
ORDER_INTENTS = ("delivery_status", "returns", "installation")

WEB_EVENTS = Table(
    "web_events",
    "Clicks on the web shop and in the app, by known customers (logged in) and anonymous "
    "visitors, with no session id: a visitor's events belong together while the gaps stay short. "
    "Every web or app order in `orders` has a `purchase` event at its `ordered_at`. Checkout "
    "needs an account, so anonymous visitors never check out.",
    "event",
    (
        Column("event_id", "int", "Event identifier, increasing with time.", unique=True),
        Column("event_at", "datetime", "When the event happened (UTC)."),
        Column("visitor_id", "int", "Browser or app install the event came from (its cookie or device id, "
               "a number that says nothing about who is behind it)."),
        Column("customer_id", "int", "Known customer logged in on that visitor, if any.", nullable=True,
               references="customers.customer_id"),
        Column("channel", "str", "Web shop or app.", allowed=EVENT_CHANNELS),
        Column("traffic_source", "str", "Where the visitor came from for this event's page "
               "(a new source mid-visit means the visitor clicked a new link).", allowed=TRAFFIC_SOURCES),
        Column("campaign", "str", "Campaign code of paid, e-mail, SMS and push traffic "
               "(`<source>-<yyyymm>`).", nullable=True),
        Column("event_type", "str", "What the visitor did. The funnel is product_view, add_to_cart, "
               "checkout_start, purchase; help_view and chat_start are the help pages and the chat.",
               allowed=EVENT_TYPES),
        Column("product_id", "int", "Product viewed, added, checked out or bought.", nullable=True,
               references="products.product_id"),
        Column("order_id", "int", "Order placed (purchase events only).", nullable=True,
               references="orders.order_id"),
    ),
    group="digital",
)

CHAT_CONVERSATIONS = Table(
    "chat_conversations",
    "Chats started from the help pages: the bot answers first and hands some chats to an agent "
    "queue. For handoffs, what the customer had to tell the agent again although they had "
    "already told the bot.",
    "chat",
    (
        Column("chat_id", "int", "Chat identifier, increasing with time.", unique=True),
        Column("event_id", "int", "The chat_start event.", unique=True, references="web_events.event_id"),
        Column("customer_id", "int", "Customer (chat needs a login).", references="customers.customer_id"),
        Column("channel", "str", "Where the chat started.", allowed=EVENT_CHANNELS),
        Column("started_at", "datetime", "When the chat started."),
        Column("intent", "str", "What the bot understood the chat to be about.", allowed=INTENTS),
        Column("bot_outcome", "str", "How the bot part ended.", allowed=BOT_OUTCOMES),
        Column("handed_off_at", "datetime", "When an agent took over (handoffs only).", nullable=True),
        Column("agent_queue", "str", "Agent queue the chat was handed to (handoffs only).", allowed=QUEUES,
               nullable=True),
        Column("repeated_identity", "bool", "The customer had to prove who they were again (handoffs only).",
               nullable=True),
        Column("repeated_order_number", "bool", "The customer had to give the order number again "
               "(handoffs only).", nullable=True),
        Column("repeated_issue", "bool", "The customer had to describe the problem again (handoffs only).",
               nullable=True),
        Column("agent_handle_minutes", "float", "Agent's time on the chat (handoffs only).", unit="minutes",
               min=0, nullable=True),
        Column("resolved", "bool", "The problem was solved in this chat (by the bot or the agent)."),
    ),
    group="digital",
)

CHAT_HANDOFF_TRUTH = Table(
    "chat_handoff_truth", "Whether a handoff passed the bot's transcript to the agent.", "handoff",
    (
        Column("chat_id", "int", "Chat handed to an agent.", unique=True, references="chat_conversations.chat_id"),
        Column("context_lost", "bool", "The agent received nothing of what the customer told the bot."),
    ),
    group="digital", truth=True,
)


def app_release_day(ctx) -> pd.Timestamp:
    """The day of the April 2025 app release, drawn from its own stream (``app_release``).

    Every table that the release touches (funnel events here, model inputs elsewhere) calls
    this, so they agree on the day.
    """
    rng = ctx.rng("app_release")
    return pd.Timestamp("2025-04-01") + pd.Timedelta(days=int(rng.integers(3, 26)))


# Slots of a visit, in order: landing, up to six product views, cart, checkout, purchase, help, chat.
MAX_VIEWS = 6
SLOT_TYPES = np.array([0] + [1] * MAX_VIEWS + [2, 3, 4, 5, 6])
VIEW_SLOTS = slice(1, 1 + MAX_VIEWS)
CART, CHECKOUT, PURCHASE, HELP, CHAT = (1 + MAX_VIEWS + i for i in range(5))
#: Mean pause before each slot's event, seconds.
SLOT_GAP_S = np.array([0] + [70] * MAX_VIEWS + [45, 90, 150, 60, 30], float)


@generates((WEB_EVENTS, CHAT_CONVERSATIONS, CHAT_HANDOFF_TRUTH),
           needs=("customers", "orders", "order_lines", "products"))
def make_digital(ctx, customers, orders, order_lines, products):
    """Visits and their events (stream ``web_events``), then the chats they contain and the
    follow-up visits of customers who come back (stream ``chat_conversations``)."""
    rng = ctx.rng("web_events")
    start_us, end_us = to_us(ctx.start), to_us(ctx.end)
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    release = app_release_day(ctx)

    # Visitors: a web visitor per consumer customer, an app install per app user, anonymous browsers.
    consumer = (customers["segment"] != "business").to_numpy()
    cust_ids = customers["customer_id"].to_numpy()
    app_buyer = np.isin(cust_ids, orders.loc[orders["channel"] == "app", "customer_id"].to_numpy())
    app_user = consumer & (app_buyer | (rng.random(len(customers)) < APP_USER_SHARE))
    web_rows, app_rows = np.flatnonzero(consumer), np.flatnonzero(app_user)
    n_anon = max(1, round(ANONYMOUS_VISITORS * ctx.scale))
    n_visitors = len(web_rows) + len(app_rows) + n_anon
    signup = to_us(customers["signup_date"])
    v_customer = np.r_[cust_ids[web_rows], cust_ids[app_rows], np.zeros(n_anon, np.int64)]
    v_channel = np.r_[np.zeros(len(web_rows), np.int64), np.ones(len(app_rows), np.int64),
                      np.zeros(n_anon, np.int64)]
    v_signup = np.r_[signup[web_rows], signup[app_rows], np.full(n_anon, start_us)]

    # Browsing visits (no purchase): known visitors at their yearly rate, anonymous ones 1-3 times.
    years = np.maximum(end_us - np.maximum(v_signup, start_us), 0) / (365 * DAY_US)
    rate = np.where(v_channel == 1, APP_VISITS_PER_YEAR, WEB_VISITS_PER_YEAR) * rng.gamma(2.0, 0.5, n_visitors)
    k = np.where(v_customer > 0, rng.poisson(rate * years), 1 + rng.poisson(0.6, n_visitors))
    b_visitor = np.repeat(np.arange(n_visitors), k)
    base, _ = season_index(days)
    day_idx = rng.choice(len(days), size=len(b_visitor), p=base / base.sum())
    b_start = start_us + day_idx * DAY_US + time_of_day_us(rng, len(b_visitor), 18, 4)
    early = b_start < v_signup[b_visitor]
    span = end_us - v_signup[b_visitor][early]
    b_start[early] = v_signup[b_visitor][early] + (rng.random(int(early.sum())) * span).astype(np.int64)

    # Purchase visits: one per web or app order, ending with the purchase at the order's time.
    online = np.flatnonzero(orders["channel"].isin(EVENT_CHANNELS).to_numpy())
    o_channel = codes_of(orders["channel"], EVENT_CHANNELS)[online]
    o_customer = orders["customer_id"].to_numpy()[online]
    p_visitor = np.where(o_channel == 1,
                         len(web_rows) + np.searchsorted(cust_ids[app_rows], o_customer),
                         np.searchsorted(cust_ids[web_rows], o_customer))
    first_line = order_lines.drop_duplicates("order_id")
    o_product = pd.Series(first_line["product_id"].to_numpy(), index=first_line["order_id"].to_numpy()).reindex(
        orders["order_id"].to_numpy()[online]).to_numpy()
    visits = _Visits.make(rng, ctx, np.r_[b_visitor, p_visitor], v_customer, v_channel,
                          n_purchase=len(p_visitor), start_or_end=np.r_[b_start, to_us(orders["ordered_at"])[online]],
                          days=days, products=products, order_lines=order_lines,
                          purchase_product=o_product, purchase_order=orders["order_id"].to_numpy()[online],
                          )
    visits = visits.concat(_Visits.failed_payments(rng, visits, to_us(release)))

    # Chats in the browsing visits, then the follow-up visits of customers who chat again.
    crng = ctx.rng("chat_conversations")
    lossy = INTENTS[crng.integers(len(INTENTS))]
    chats = _chats(crng, visits, lossy)
    again = chats["follow_up"]
    f_start = chats["start"][again] + ((0.5 + 6 * crng.random(int(again.sum()))) * DAY_US).astype(np.int64)
    f_visits = _Visits.follow_ups(crng, visits, chats["visit"][again], f_start)
    f_chats = _chats(crng, f_visits, lossy, intents=chats["intent"][again], follow_ups=False)
    f_chats["visit"] = f_chats["visit"] + visits.n
    chats = {key: np.r_[chats[key], f_chats[key]] for key in chats}
    visits = visits.concat(f_visits)

    new_row = np.full(visits.n, -1)
    visits, kept = visits.without_collisions(end_us)
    events, sessions = visits.events(rng)
    new_row[kept] = np.arange(len(kept))
    chats["visit"] = new_row[chats["visit"]]
    chats = {key: v[chats["visit"] >= 0] for key, v in chats.items()}  # chats of dropped visits go

    ctx.plant("digital_app_release", str(release.date()),
              "Day of the April 2025 app release (events from 00:00 UTC that day on are after it).")
    ctx.plant("digital_broken_step", {"channel": "app", "from_step": BROKEN_STEP[0], "to_step": BROKEN_STEP[1],
                                      "share_of_purchases_after_failures": P_FAILED_FIRST,
                                      "extra_failures_mean": EXTRA_FAILURES},
              "The funnel step the app release broke, in the app only: payment fails at checkout, so "
              "after the release this share of app purchases comes after one or more failed attempts "
              "(1 + Poisson(extra_failures_mean) visits that reach checkout_start and end there).")
    ctx.plant("digital_sessions", sessions,
              "Sessions under the rule: a new session after more than 30 minutes without an event, at "
              "midnight UTC, or when the traffic source changes (per visitor_id); with the parts it is "
              "made of, and the counts when one part of the rule is left out.")
    return _tables(ctx, events, visits, chats, lossy)


class _Visits:
    """Visits as arrays: one entry per visit, and its events (slot and time offset) laid out
    visit after visit, in slot order, in the ``ev_`` arrays."""

    FIELDS = ("visitor", "customer", "channel", "start", "source", "order_id", "purchase", "n_ev")
    EV_FIELDS = ("ev_slot", "ev_offset", "ev_product")

    def __init__(self, **arrays):
        self.__dict__.update(arrays)
        self.n = len(self.visitor)
        self.first = np.cumsum(self.n_ev) - self.n_ev  # index of each visit's first event
        self.last = self.first + self.n_ev - 1

    @property
    def ev_visit(self) -> np.ndarray:
        """The visit (row) of each event."""
        return np.repeat(np.arange(self.n, dtype=np.int32 if self.n < 2**31 else np.int64), self.n_ev)

    def per_event(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per visit) repeated for each of the visit's events: ``values[ev_visit]``."""
        return np.repeat(values, self.n_ev)

    @property
    def end(self) -> np.ndarray:
        return self.start + self.ev_offset[self.last]

    @classmethod
    def from_slots(cls, rng, slots, ev_product=None, **visit_arrays):
        """Visits whose events are the True cells of ``slots`` (visits x slots), with pauses drawn
        per event (under 25 minutes) and ``ev_product`` per event (0: none)."""
        # Row-major: visit by visit, slot by slot. Big arrays are worked on in place: at 100x
        # each is 40 million events, and fresh memory is what costs most.
        slot = (np.flatnonzero(slots) % slots.shape[1]).astype(np.int8)
        n_ev = slots.sum(axis=1)
        gap = rng.exponential(1.0, len(slot))
        gap *= SLOT_GAP_S[slot]
        gap += 1
        np.minimum(gap, MAX_GAP_S, out=gap)
        gap *= US
        offset = gap.astype(np.int64)
        del gap
        offset[slot == 0] = 0
        np.cumsum(offset, out=offset)
        first = np.cumsum(n_ev) - n_ev
        offset -= np.repeat(offset[first], n_ev)  # a visit's first event (landing) has no pause
        if ev_product is None:
            ev_product = np.zeros(len(slot), np.int64)
        return cls(n_ev=n_ev, ev_slot=slot, ev_offset=offset, ev_product=ev_product, **visit_arrays)

    @classmethod
    def make(cls, rng, ctx, visitor, v_customer, v_channel, n_purchase, start_or_end, days, products,
             order_lines, purchase_product, purchase_order):
        """Browsing visits (``start_or_end`` is their start) followed by ``n_purchase`` purchase
        visits (``start_or_end`` is the order's time, when the visit ends)."""
        n = len(visitor)
        purchase = np.zeros(n, bool)
        purchase[n - n_purchase:] = True
        known = v_customer[visitor] > 0
        channel = v_channel[visitor]
        slots = np.zeros((n, len(SLOT_TYPES)), bool)
        slots[:, 0] = True
        viewed = purchase | (rng.random(n) < np.where(known, P_VIEW["known"], P_VIEW["anonymous"]))
        n_views = np.where(viewed, 1 + np.minimum(rng.poisson(np.where(purchase, 1.0, 1.2)), MAX_VIEWS - 1), 0)
        slots[:, VIEW_SLOTS] = np.arange(MAX_VIEWS)[None, :] < n_views[:, None]
        cart = purchase | (viewed & (rng.random(n) < np.where(known, P_CART["known"], P_CART["anonymous"])))
        checkout = purchase | (cart & (rng.random(n) < np.where(known, P_CHECKOUT["known"], P_CHECKOUT["anonymous"])))
        slots[:, CART], slots[:, CHECKOUT], slots[:, PURCHASE] = cart, checkout, purchase
        help_ = ~purchase & (rng.random(n) < np.where(known, P_HELP["known"], P_HELP["anonymous"]))
        slots[:, HELP] = help_
        slots[:, CHAT] = help_ & known & (rng.random(n) < P_CHAT_AFTER_HELP)
        order_id = np.zeros(n, np.int64)
        order_id[purchase] = purchase_order
        visits = cls.from_slots(rng, slots, visitor=visitor, customer=v_customer[visitor], channel=channel,
                                start=start_or_end.copy(), source=_sources(rng, channel, n), order_id=order_id,
                                purchase=purchase)

        # Products: each view by popularity and the season of the visit's day; the cart, checkout
        # and purchase hold the last product viewed (a purchase visit's last view is what was bought).
        slot, ev_visit = visits.ev_slot, visits.ev_visit
        is_view = (slot >= 1) & (slot <= MAX_VIEWS)
        day = np.clip((start_or_end - to_us(ctx.start)) // DAY_US, 0, len(days) - 1)
        _, cooling = season_index(days)
        product = np.zeros(len(slot), np.int64)
        product[is_view] = _draw_products(rng, products, order_lines, cooling[day[ev_visit[is_view]]])
        last_view = visits.first + n_views  # the landing comes first
        product[last_view[purchase]] = purchase_product
        later = (slot >= CART) & (slot <= PURCHASE)
        product[later] = product[last_view[ev_visit[later]]]
        visits.ev_product = product

        # A purchase visit ends at the order's time; it starts after the history starts and after
        # the visitor's previous purchase (its pauses are shortened if need be).
        p = np.flatnonzero(purchase)
        end = start_or_end[p]
        order = np.lexsort((end, visitor[p]))
        prev_end = np.full(len(p), to_us(ctx.start))
        same = np.r_[False, visitor[p][order][1:] == visitor[p][order][:-1]]
        prev_end[order[same]] = np.maximum(end[order][np.flatnonzero(same) - 1] + US, to_us(ctx.start))
        duration = visits.ev_offset[visits.last[p]]
        room = end - prev_end
        squeeze = np.ones(n)
        squeeze[p] = np.where(duration > room, np.maximum(room, 0) / np.maximum(duration, 1), 1.0)
        short = visits.per_event(squeeze) < 1
        visits.ev_offset[short] = (visits.ev_offset[short] * squeeze[ev_visit[short]]).astype(np.int64)
        visits.start[p] = end - visits.ev_offset[visits.last[p]]
        return visits

    @classmethod
    def failed_payments(cls, rng, visits, release_us):
        """After the release, app buyers who failed to pay first: visits that open the app and go
        straight to checkout with the cart's product, and end there, hours before the purchase."""
        p = np.flatnonzero(visits.purchase & (visits.channel == 1) & (visits.start >= release_us))
        p = p[rng.random(len(p)) < P_FAILED_FIRST]
        of = np.repeat(p, 1 + rng.poisson(EXTRA_FAILURES, len(p)))
        n = len(of)
        slots = np.zeros((n, len(SLOT_TYPES)), bool)
        slots[:, [0, CHECKOUT]] = True
        product = np.zeros(2 * n, np.int64)
        product[1::2] = visits.ev_product[visits.last[of]]
        failed = cls.from_slots(rng, slots, ev_product=product, visitor=visits.visitor[of],
                                customer=visits.customer[of], channel=visits.channel[of], start=np.zeros(n, np.int64),
                                source=_sources(rng, visits.channel[of], n), order_id=np.zeros(n, np.int64),
                                purchase=np.zeros(n, bool))
        before = ((35 + rng.random(n) * 20 * 60) * 60 * US).astype(np.int64)  # 35 minutes to 20 hours
        failed.start = np.maximum(visits.start[of] - before - failed.ev_offset[failed.last], release_us)
        return failed

    @classmethod
    def follow_ups(cls, rng, visits, of_visit, start):
        """Visits of customers who come back to chat: the help page, then the chat."""
        n = len(of_visit)
        slots = np.zeros((n, len(SLOT_TYPES)), bool)
        slots[:, [0, HELP, CHAT]] = True
        channel = visits.channel[of_visit]
        return cls.from_slots(rng, slots, visitor=visits.visitor[of_visit], customer=visits.customer[of_visit],
                              channel=channel, start=start, source=_sources(rng, channel, n),
                              order_id=np.zeros(n, np.int64), purchase=np.zeros(n, bool))

    def concat(self, other: _Visits) -> _Visits:
        return _Visits(**{k: np.concatenate([getattr(self, k), getattr(other, k)])
                          for k in self.FIELDS + self.EV_FIELDS})

    def take(self, keep: np.ndarray) -> _Visits:
        """The visits where the mask ``keep`` holds, with their events."""
        ev = self.per_event(keep)
        return _Visits(**{k: getattr(self, k)[keep] for k in self.FIELDS},
                       **{k: getattr(self, k)[ev] for k in self.EV_FIELDS})

    def without_collisions(self, end_us) -> tuple[_Visits, np.ndarray]:
        """Drop browsing visits that end after the history or start within 30 minutes of another
        visit of the same visitor (purchase visits stay). Returns the visits and the rows kept."""
        end = self.end
        keep = (end <= end_us) | self.purchase
        by_visitor = self.by_visitor()
        for _ in range(20):
            order = by_visitor[keep[by_visitor]]
            prev, nxt = order[:-1], order[1:]
            clash = (self.visitor[prev] == self.visitor[nxt]) & (self.start[nxt] - end[prev] <= SESSION_TIMEOUT_S * US)
            drop = np.where(self.purchase[nxt[clash]], prev[clash], nxt[clash])
            drop = drop[~self.purchase[drop]]
            if not len(drop):
                break
            keep[drop] = False
        return self.take(keep), np.flatnonzero(keep)

    def by_visitor(self) -> np.ndarray:
        """Visits sorted by visitor, then start (one int64 key: visitor, then microseconds)."""
        return stable_argsort((self.visitor.astype(np.int64) << 46) + (self.start - self.start.min()))

    def events(self, rng):
        """The visits' events (arrays, visit by visit, slot by slot) and the session counts."""
        n = self.n
        # A few visits change source mid-way (the visitor clicked an e-mail or an ad).
        change = (self.n_ev >= 3) & (rng.random(n) < 0.04)
        at = np.where(change, 1 + (rng.random(n) * (self.n_ev - 1)).astype(np.int64), self.n_ev)
        new_source = _sources(rng, self.channel, n)
        new_source = np.where(new_source == self.source, CAMPAIGN_CODES[self.channel], new_source)

        slot = self.ev_slot
        at_time = self.per_event(self.start) + self.ev_offset
        # the source changes from the event at position `at` of its visit on (small codes: 40
        # million events at 100x)
        switched = np.arange(len(slot)) >= self.per_event(self.first + at)
        source = np.where(switched, self.per_event(new_source.astype(np.int8)),
                          self.per_event(self.source.astype(np.int8)))
        del switched

        # Session counts from the visit structure (not by sessionising the events).
        same_visit = np.ones(len(slot), bool)
        same_visit[self.first] = False  # an event is in its predecessor's visit unless it opens one
        day = at_time // DAY_US
        new_day = np.r_[False, day[1:] != day[:-1]]
        new_src = np.r_[False, source[1:] != source[:-1]]
        midnight = int((same_visit & new_day).sum())
        by_source = int((same_visit & new_src).sum())
        both = int((same_visit & new_day & new_src).sum())
        order = self.by_visitor()
        prev, nxt = self.last[order[:-1]], self.first[order[1:]]
        near = (self.visitor[order[:-1]] == self.visitor[order[1:]]) \
            & (at_time[nxt] - at_time[prev] <= SESSION_TIMEOUT_S * US)
        same_day = day[nxt] == day[prev]
        same_src = source[nxt] == source[prev]
        merged = int((near & same_day & same_src).sum())
        sessions = {
            "visits": n, "midnight_splits": midnight, "source_splits": by_source,
            "midnight_and_source_splits": both, "merged_visits": merged,
            "sessions": n + midnight + by_source - both - merged,
            "sessions_without_midnight_rule": n + by_source - int((near & same_src).sum()),
            "sessions_without_source_rule": n + midnight - int((near & same_day).sum()),
        }
        events = {"row": self.ev_visit, "slot": slot, "at": at_time, "source": source,
                  "type": SLOT_TYPES.astype(np.int8)[slot],
                  "product": self.ev_product, "order_id": np.where(slot == PURCHASE, self.per_event(self.order_id), 0)}
        return events, sessions


#: A new source for a visit that drew its old one again: e-mail on the web, push in the app.
CAMPAIGN_CODES = np.array([TRAFFIC_SOURCES.index("email"), TRAFFIC_SOURCES.index("push")])


SOURCE_CUM = {c: np.cumsum(SOURCE_WEIGHTS[c]) / sum(SOURCE_WEIGHTS[c]) for c in EVENT_CHANNELS}


def _sources(rng, channel, n):
    """A traffic source per visit, from its channel's weights (one uniform draw each)."""
    u = rng.random(n)
    return np.where(channel == 1, np.searchsorted(SOURCE_CUM["app"], u, side="right"),
                    np.searchsorted(SOURCE_CUM["web"], u, side="right"))


def _draw_products(rng, products, order_lines, cooling):
    """A product id per entry of ``cooling`` (the cooling family's season multiplier on the day):
    by popularity (order lines holding the product, plus one), the cooling family's products
    weighted up by the multiplier."""
    is_cooling = (products["category"] == COOLING_FAMILY).to_numpy()
    prow = pd.Index(products["product_id"]).get_indexer(order_lines["product_id"])
    popularity = np.bincount(prow, minlength=len(products)) + 1.0
    u = rng.random(len(cooling))
    out = np.empty(len(cooling), np.int64)
    for value in np.unique(cooling):  # a handful of multipliers: one search per value
        cum = np.cumsum(popularity * np.where(is_cooling, value, 1.0))
        at = cooling == value
        out[at] = np.minimum(np.searchsorted(cum / cum[-1], u[at], side="right"), len(products) - 1)
    return products["product_id"].to_numpy()[out]


def _chats(rng, visits: _Visits, lossy: str, intents=None, follow_ups=True) -> dict:
    """One chat per visit with a chat slot: intent, bot outcome, handoff details, follow-up."""
    v = np.flatnonzero(visits.ev_slot[visits.last] == CHAT)  # a chat is its visit's last event
    n = len(v)
    intent = intents if intents is not None else rng.choice(len(INTENTS), n, p=[0.30, 0.18, 0.22, 0.12, 0.18])
    outcome = rng.choice(len(BOT_OUTCOMES), n, p=[0.45, 0.42, 0.13])
    handed = outcome == 1
    lossy_route = intent == INTENTS.index(lossy)
    lost = handed & (rng.random(n) < np.where(lossy_route, CONTEXT_LOST["broken_route"], CONTEXT_LOST["other"]))
    has_order = np.isin(intent, [INTENTS.index(i) for i in ORDER_INTENTS])
    rep_identity = handed & (rng.random(n) < np.where(lost, 0.95, 0.12))
    rep_order = handed & (rng.random(n) < np.where(lost, np.where(has_order, 0.9, 0.3), 0.05))
    rep_issue = handed & (rng.random(n) < np.where(lost, 0.97, 0.08))
    minutes = np.where(handed, np.round(rng.lognormal(np.log(7), 0.4, n) + 4 * lost, 1), np.nan)
    resolved = np.where(outcome == 0, True, np.where(handed, rng.random(n) < np.where(lost, 0.55, 0.78), False))
    start = visits.start[v] + visits.ev_offset[visits.last[v]]
    handoff = start + ((1 + rng.exponential(2.5, n)) * 60 * US).astype(np.int64)
    p_follow = np.select([lost, handed, outcome == 0], [FOLLOW_UP["lost"], FOLLOW_UP["kept"],
                                                         FOLLOW_UP["resolved_by_bot"]], FOLLOW_UP["abandoned"])
    follow = (rng.random(n) < p_follow) & follow_ups
    return {"visit": v, "start": start, "intent": intent, "outcome": outcome, "lost": lost,
            "rep_identity": rep_identity, "rep_order": rep_order, "rep_issue": rep_issue,
            "minutes": minutes, "resolved": resolved, "handoff": handoff, "follow_up": follow}


def _month_index(at_sorted: np.ndarray, first_month: np.datetime64) -> np.ndarray:
    """Months since ``first_month`` of sorted times (microseconds), from the month boundaries."""
    last_month = (at_sorted[-1] // DAY_US).astype("datetime64[D]").astype("datetime64[M]")
    months = np.arange(first_month, last_month + 1)
    bounds = months[1:].astype("datetime64[D]").astype(np.int64) * DAY_US
    cuts = np.r_[0, np.searchsorted(at_sorted, bounds, side="left"), len(at_sorted)]
    return np.repeat(np.arange(len(months), dtype=np.int32), np.diff(cuts))


def _tables(ctx, events, visits: _Visits, chats: dict, lossy: str) -> dict:
    # At 100x there are 40 million events: each array is let go as soon as it has been used,
    # so that the peak stays near the finished table (fresh memory is what costs most).
    order = stable_argsort(events["at"])  # events come visit by visit, slot by slot
    n_events = len(order)

    # Chats: each chat's event is its visit's chat slot; event ids follow the events' time order.
    chat_at = np.flatnonzero((events.pop("slot") == CHAT)[order])
    chat_event = np.zeros(visits.n, np.int64)
    chat_event[events["row"][order[chat_at]]] = chat_at + 1
    by_time = np.argsort(chat_event[chats["visit"]], kind="stable")
    c = {k: v[by_time] for k, v in chats.items()}
    v = c["visit"]
    m = len(v)
    handed = c["outcome"] == BOT_OUTCOMES.index("handed_to_agent")

    def if_handed(x):
        return pd.arrays.BooleanArray(np.asarray(x, bool), ~handed)

    chat = pd.DataFrame({
        "chat_id": np.arange(1, m + 1), "event_id": chat_event[v], "customer_id": visits.customer[v],
        "channel": text(EVENT_CHANNELS, visits.channel[v]),
        "started_at": from_us(visits.start[v] + visits.ev_offset[visits.last[v]]),
        "intent": text(INTENTS, c["intent"]), "bot_outcome": text(BOT_OUTCOMES, c["outcome"]),
        "handed_off_at": from_us(np.where(handed, c["handoff"], NAT)),
        "agent_queue": text(QUEUES, np.where(handed, c["intent"], -1)),
        "repeated_identity": if_handed(c["rep_identity"]), "repeated_order_number": if_handed(c["rep_order"]),
        "repeated_issue": if_handed(c["rep_issue"]),
        "agent_handle_minutes": c["minutes"], "resolved": c["resolved"].astype(bool),
    }, copy=False)
    visits.ev_offset = visits.ev_product = visits.ev_slot = None  # the events hold what is left

    # Events in time order.
    visit = events.pop("row")[order]
    at = events.pop("at")[order]
    source = events.pop("source")[order]
    event_type = events.pop("type")[order]
    product = events.pop("product")[order]
    order_id = events.pop("order_id")[order]
    del order
    # Visitor ids: a random number per visitor, so ids say nothing about who is behind them.
    label = ctx.rng("visitor_ids").permutation(int(visits.visitor.max()) + 1) + 1
    # Campaign codes '<source>-<yyyymm>' from a small vocabulary: source x month of the history.
    first_month = np.datetime64(ctx.start.normalize(), "M")
    month = _month_index(at, first_month)
    n_months = int(month.max()) + 1
    months = first_month.astype(np.int64) + np.arange(n_months)
    labels = [f"{src}-{1970 + m // 12}{m % 12 + 1:02d}" for src in TRAFFIC_SOURCES for m in months]
    with_campaign = np.isin(source, [TRAFFIC_SOURCES.index(s) for s in CAMPAIGN_SOURCES])
    campaign = text(labels, np.where(with_campaign, source.astype(np.int32) * n_months + month, -1))
    del month, with_campaign
    customer = visits.customer[visit]
    web_events = pd.DataFrame({
        "event_id": np.arange(1, n_events + 1), "event_at": from_us(at),
        "visitor_id": label[visits.visitor][visit],
        "customer_id": pd.arrays.IntegerArray(customer, customer == 0),
        "channel": text(EVENT_CHANNELS, visits.channel.astype(np.int8)[visit]),
        "traffic_source": text(TRAFFIC_SOURCES, source),
        "campaign": campaign,
        "event_type": text(EVENT_TYPES, event_type),
        "product_id": pd.arrays.IntegerArray(product, product == 0),
        "order_id": pd.arrays.IntegerArray(order_id, order_id == 0),
    }, copy=False)
    truth = pd.DataFrame({"chat_id": chat["chat_id"].to_numpy()[handed], "context_lost": c["lost"][handed]})
    ctx.plant("digital_lossy_handoff", {"intent": lossy, "agent_queue": QUEUE_OF_INTENT[lossy],
                                        "context_lost_rate": CONTEXT_LOST,
                                        "chat_again_within_7_days": {"context_lost": FOLLOW_UP["lost"],
                                                                     "context_kept": FOLLOW_UP["kept"]}},
              "The handoff route (bot intent -> agent queue) whose handoffs lose the chat's context; "
              "how often handoffs lose it there and elsewhere; and how often a customer whose handoff "
              "lost (kept) the context was planned to chat again within 7 days (first chats only: a "
              "chat that is itself a follow-up gets no planned follow-up).")
    return {"web_events": web_events, "chat_conversations": chat, "chat_handoff_truth": truth}
