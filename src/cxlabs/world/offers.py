"""Offers: the 2025 offer campaigns, the model that ranks offers per customer, the rules an offer
must pass, what was sent and redeemed, and one campaign run as a randomised holdout.

Eight campaigns were ranked by a propensity model (``offer_candidates``: each audience
customer's top three offers). The engine that sent them checked consent only: it sent each
customer's top offer where it believed the channel's consent held (it assumed consent to
marketing texts in the US where nobody had decided, which the TCPA does not allow), whatever the
stock, quality holds, regional rules or frequency caps said. Two of the campaigns fall in the 2025 shortage and
feature the short family. A weekly e-mail deal runs all year. One more campaign was sent to a
random half of its audience.

Planted truths (the ``offers_`` facts and two truth tables):

* candidates the model ranks first that break a rule: no stock, a quality hold, a regional
  rule, no consent (by lab 04's defaults, the law), a frequency cap (``offer_eligibility_truth``,
  every reason per candidate);
* the redemption forecast (the model's scores summed) over-predicts one segment, whose
  customers redeem at a fraction of their score;
* heterogeneous uplift in the holdout: lapsed customers respond, active ones do not, and
  customers with a recent late delivery or contact respond negatively (``offer_holdout_truth``);
* offers whose price change breaks the company's guardrails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.commerce import CATEGORIES, CENTRE_OF_MARKET, CENTRES
from cxlabs.world.inventory import COOLING_FAMILY, black_friday, shortage_plan
from cxlabs.world.inventory import vocab_text as text
from cxlabs.world.people import MARKET_CODES, REGIONS, SEGMENTS
from cxlabs.world.privacy import PURPOSES
from cxlabs.world.registry import generates
from cxlabs.world.sampling import DAY_US, NAT, US, codes_of, from_us, to_us

OFFER_CHANNELS = ("email", "sms")
CONSENT_OF_CHANNEL = {"email": "marketing_email", "sms": "marketing_sms"}
#: Frequency caps (company policy): at most this many offer contacts in the channel in the
#: window before a send.
CAPS = {"email": (14, 2), "sms": (30, 1)}
#: Cost of one send, drawn per world between these bounds.
COST_PER_CONTACT = {"email": (0.008, 0.015), "sms": (0.04, 0.08)}
SEND_HOUR = 9
#: The model-ranked campaigns: name, send day (None: set by the shortage), channel.
CAMPAIGNS = (
    ("new-year", "2025-01-13", "email"),
    ("spring-home", "2025-03-10", "email"),
    ("smart-may", "2025-05-12", "email"),
    ("summer-kickoff", None, "email"),
    ("heatwave", None, "sms"),
    ("back-to-school", "2025-08-25", "email"),
    ("black-friday", None, "sms"),
    ("christmas", "2025-12-08", "sms"),
)
HOLDOUT_CAMPAIGN = ("autumn-smart-home", "2025-09-15", "email")
WEEKLY_CAMPAIGN = "weekly-deals"
OFFERS_PER_CAMPAIGN = 5
CANDIDATES_PER_CUSTOMER = 3
AUDIENCE_SHARE = 0.45
WEEKLY_SHARE = 0.20
OFFER_DAYS = 14
#: Price guardrails (company policy).
MAX_DISCOUNT = 0.30
MIN_MARGIN = 0.10
#: Campaigns where a featured product is put on a quality hold around the send day.
HELD_CAMPAIGNS = ("spring-home", "back-to-school", "christmas")
HOLD_REASONS = ("supplier_defect", "safety_check", "labelling", "firmware")
RULE_REASONS = ("supplier agreement", "not launched in the market", "local pricing policy")
ELIGIBILITY_ORDER = ("stock", "hold", "region", "consent", "cap")
#: Redemptions per score point in the over-forecast segment (others redeem at their score).
OVER_FORECAST_CALIBRATION = 0.55
#: Holdout: 30-day conversion without the offer, and the offer's effect, by uplift segment.
HOLDOUT_BASE = {"responds": 0.03, "none": 0.09, "negative": 0.20}
HOLDOUT_UPLIFT = {"responds": 0.08, "none": 0.0, "negative": -0.14}
UPLIFT_SEGMENTS = tuple(HOLDOUT_BASE)

OFFERS = Table(
    "offers", "Offers sent in 2025: product, price change and the margin left after it.", "offer",
    (
        Column("offer_id", "int", "Offer identifier.", unique=True),
        Column("campaign", "str", "Campaign the offer belongs to (`weekly-deals`: the weekly e-mail deal)."),
        Column("channel", "str", "Channel the offer is sent by.", allowed=OFFER_CHANNELS),
        Column("send_date", "date", f"Day the offer is sent (at {SEND_HOUR:02d}:00 UTC)."),
        Column("end_date", "date", "Last day the offer can be redeemed."),
        Column("product_id", "int", "Product on offer.", references="products.product_id"),
        Column("list_price", "float", "Price before the offer.", unit="USD", min=0),
        Column("price_change_pct", "float", "Change of price the offer makes (-0.15: 15% off).",
               unit="fraction", min=-1, max=0),
        Column("offer_price", "float", "Price with the offer.", unit="USD", min=0),
        Column("unit_cost", "float", "Landed cost of one unit.", unit="USD", min=0),
        Column("unit_margin", "float", "offer_price - unit_cost.", unit="USD"),
        Column("margin_pct", "float", "unit_margin / offer_price.", unit="fraction"),
        Column("min_available_units", "int", "Stock floor: units available to promise (on_hand - committed) "
               "the customer's centre must have at the end of the day before sending.", unit="units", min=1),
        Column("model_ranked", "bool", "Candidates for the offer were ranked by the propensity model."),
        Column("randomised_holdout", "bool", "The offer's campaign was sent to a random half of its audience."),
    ),
    group="offers",
)

QUALITY_HOLDS = Table(
    "quality_holds",
    "Quality holds: while a hold is on, the product must not be promoted. `products.quality_hold` "
    "is the state at the end of the history (an open hold).",
    "hold",
    (
        Column("hold_id", "int", "Hold identifier.", unique=True),
        Column("product_id", "int", "Product held.", references="products.product_id"),
        Column("placed_date", "date", "First day of the hold."),
        Column("lifted_date", "date", "Day the hold was lifted (the product may be promoted again that day); "
               "missing: still on.", nullable=True),
        Column("reason", "str", "Why.", allowed=HOLD_REASONS),
    ),
    group="offers",
)

REGIONAL_RULES = Table(
    "regional_rules",
    "Markets where a product category must not be promoted (company policy; the reason is "
    "commercial, not legal).",
    "market and category",
    (
        Column("market", "str", "Market.", allowed=MARKET_CODES),
        Column("category", "str", "Product category.", allowed=CATEGORIES),
        Column("rule", "str", "What is not allowed.", allowed=("no_promotion",)),
        Column("reason", "str", "Why.", allowed=RULE_REASONS),
    ),
    group="offers",
)

CONTACT_POLICIES = Table(
    "contact_policies",
    "Per outbound offer channel (company policy): the consent purpose it needs, its frequency cap "
    "and its cost. Consent: the customer's latest `consent_events` decision for the purpose at or "
    "before the send, withdraw winning a tie at the same instant; with no decision, the default of "
    "lab 04 (GDPR: no consent; marketing texts: no consent anywhere, as the TCPA requires prior "
    "express written consent; otherwise consent until the customer opts out). The engine that "
    "sent the 2024-2025 campaigns assumed consent to texts in the US where nobody had decided.",
    "channel",
    (
        Column("channel", "str", "Channel.", allowed=OFFER_CHANNELS, unique=True),
        Column("consent_purpose", "str", "Consent purpose a send needs.", allowed=PURPOSES),
        Column("cap_window_days", "int", "Frequency cap window: the days before a send.", unit="days", min=1),
        Column("cap_max_contacts", "int", "Most offer contacts in the channel in the window before a send "
               "(the send itself not counted); one more breaks the cap.", unit="contacts", min=1),
        Column("cost_per_contact", "float", "Cost of one send.", unit="USD", min=0),
    ),
    group="offers",
)

OFFER_CANDIDATES = Table(
    "offer_candidates",
    "For each model-ranked campaign, each audience customer's top offers as the propensity model "
    "ranked them, with its predicted redemption probability. The model knows nothing of stock, "
    "holds, rules, consent or caps.",
    "customer and ranked offer",
    (
        Column("candidate_id", "int", "Candidate identifier.", unique=True),
        Column("campaign", "str", "Campaign."),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("offer_id", "int", "Offer.", references="offers.offer_id"),
        Column("rank", "int", "Rank of the offer for the customer (1: best).", min=1),
        Column("model_score", "float", "Predicted probability that the customer redeems the offer.",
               unit="probability", min=0, max=1),
    ),
    group="offers",
)

OFFER_CONTACTS = Table(
    "offer_contacts",
    "Offers actually sent. The engine sent each audience customer's rank-1 candidate where the "
    "channel's consent held as it believed (it checked nothing else, and assumed consent to "
    "marketing texts in the US where nobody had decided); the weekly deal went to a fifth of "
    "consenting customers each Thursday; the holdout campaign to its treatment group.",
    "offer sent to a customer",
    (
        Column("contact_id", "int", "Contact identifier, increasing with time.", unique=True),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("offer_id", "int", "Offer sent.", references="offers.offer_id"),
        Column("channel", "str", "Channel.", allowed=OFFER_CHANNELS),
        Column("sent_at", "datetime", "When it was sent."),
    ),
    group="offers",
)

OFFER_REDEMPTIONS = Table(
    "offer_redemptions",
    "Offers redeemed, as the offer platform records them (one unit each; not matched to `orders`).",
    "redemption",
    (
        Column("redemption_id", "int", "Redemption identifier.", unique=True),
        Column("contact_id", "int", "The contact redeemed.", unique=True, references="offer_contacts.contact_id"),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("offer_id", "int", "Offer.", references="offers.offer_id"),
        Column("redeemed_at", "datetime", "When."),
        Column("revenue", "float", "Price paid.", unit="USD", min=0),
        Column("margin", "float", "Price paid less unit cost.", unit="USD"),
    ),
    group="offers",
)

REDEMPTION_FORECASTS = Table(
    "redemption_forecasts",
    "Redemptions forecast before each model-ranked offer was sent, per customer segment: the "
    "model scores of the contacts to be sent, summed.",
    "offer and segment",
    (
        Column("offer_id", "int", "Offer.", references="offers.offer_id"),
        Column("segment", "str", "Customer segment.", allowed=SEGMENTS),
        Column("contacts", "int", "Contacts to be sent.", unit="contacts", min=0),
        Column("forecast_redemptions", "float", "Redemptions forecast.", unit="redemptions", min=0),
        Column("forecast_date", "date", "Day the forecast was made."),
    ),
    group="offers",
)

OFFER_HOLDOUT = Table(
    "offer_holdout",
    f"The randomised holdout of the `{HOLDOUT_CAMPAIGN[0]}` campaign: its audience (customers with "
    "e-mail consent), half sent the offer at random, with what was known about them on the send day "
    "and whether they bought from the promoted range within 30 days (as the campaign platform "
    "measured it, store purchases included; not matched to `orders`).",
    "customer in the campaign's audience",
    (
        Column("customer_id", "int", "Customer.", unique=True, references="customers.customer_id"),
        Column("offer_id", "int", "The campaign's offer.", references="offers.offer_id"),
        Column("group", "str", "Random assignment.", allowed=("treatment", "control")),
        Column("segment", "str", "Commercial segment.", allowed=SEGMENTS),
        Column("region", "str", "Region.", allowed=REGIONS),
        Column("tenure_days", "int", "Days since signup on the send day.", unit="days", min=0),
        Column("orders_365d", "int", "Completed orders in the 365 days before the send day.", min=0),
        Column("days_since_last_order", "int", "Days since the last order before the send day (missing: "
               "never ordered).", unit="days", min=0, nullable=True),
        Column("late_deliveries_365d", "int", "Deliveries after the promised day in the 365 days before.", min=0),
        Column("tickets_180d", "int", "Service tickets opened in the 180 days before.", min=0),
        Column("converted_30d", "bool", "Bought from the promoted range within 30 days of the send."),
        Column("revenue_30d", "float", "Revenue of those purchases.", unit="USD", min=0),
    ),
    group="offers",
)

OFFER_ELIGIBILITY_TRUTH = Table(
    "offer_eligibility_truth",
    "Which rules each candidate breaks, as planted (stock, hold, region, consent, cap as defined "
    "in `offers`, `quality_holds`, `regional_rules` and `contact_policies`).",
    "candidate",
    (
        Column("candidate_id", "int", "Candidate.", unique=True, references="offer_candidates.candidate_id"),
        Column("fails_stock", "bool", "Fewer units available to promise than the offer's floor."),
        Column("fails_hold", "bool", "A quality hold is on for the product on the send day."),
        Column("fails_region", "bool", "The category must not be promoted in the customer's market."),
        Column("fails_consent", "bool", "No consent for the channel's purpose at the send."),
        Column("fails_cap", "bool", "The send would break the channel's frequency cap."),
        Column("first_failure", "str", f"First rule broken, in the order {', '.join(ELIGIBILITY_ORDER)} "
               "(missing: eligible).", allowed=ELIGIBILITY_ORDER, nullable=True),
    ),
    group="offers", truth=True,
)

OFFER_HOLDOUT_TRUTH = Table(
    "offer_holdout_truth",
    "The uplift segment of each holdout customer and the offer's true effect on their 30-day "
    "conversion probability.",
    "customer in the holdout",
    (
        Column("customer_id", "int", "Customer.", unique=True, references="offer_holdout.customer_id"),
        Column("uplift_segment", "str", "negative: a late delivery in the past 365 days or a ticket in "
               "the past 180; else responds: no order in the past 365 days; else none.",
               allowed=UPLIFT_SEGMENTS),
        Column("true_uplift", "float", "Change in conversion probability the offer causes.", unit="probability"),
    ),
    group="offers", truth=True,
)


def send_days(plan: dict) -> dict[str, pd.Timestamp]:
    """Send day of each model-ranked campaign; the two summer ones fall in the shortage
    (``plan``: :func:`~cxlabs.world.inventory.shortage_plan`)."""
    out = {}
    for name, day, _ in CAMPAIGNS:
        if name == "summer-kickoff":
            out[name] = plan["supply_resume"] - pd.Timedelta(days=30)
        elif name == "heatwave":
            out[name] = plan["supply_resume"] - pd.Timedelta(days=14)
        elif name == "black-friday":
            out[name] = black_friday(2025)
        else:
            out[name] = pd.Timestamp(day)
    return out


class ConsentBook:
    """Consent decisions, ready to answer 'does this customer consent to this purpose at this
    instant?': the latest event at or before the instant decides, withdraw winning a tie at the
    same instant; with no event, the default of lab 04 (GDPR: no; marketing texts: no, everywhere,
    47 CFR 64.1200(a)(2); elsewhere: yes). ``engine=True`` gives the default the old offer engine
    used instead (regional only: it assumed consent to texts in the US, a planted breach)."""

    def __init__(self, consent_events: pd.DataFrame, customers: pd.DataFrame):
        rows = pd.Index(customers["customer_id"]).get_indexer(consent_events["customer_id"])
        key = rows * len(PURPOSES) + codes_of(consent_events["purpose"], PURPOSES)
        t = to_us(consent_events["event_at"])
        withdraw = (consent_events["action"] == "withdraw").to_numpy()
        order = np.lexsort((withdraw, t, key))  # by key, then time; withdraw last in a tie
        key, t, withdraw = key[order], t[order], withdraw[order]
        last = np.r_[(key[1:] != key[:-1]) | (t[1:] != t[:-1]), True]  # last row of each (key, time)
        self.key, self.t, self.withdraw = key[last], t[last], withdraw[last]
        self.default = (customers["privacy_regime"] != "GDPR").to_numpy()
        # One sortable int64 per event: the key, then the rank of its time among the events' times.
        self.times = np.unique(self.t)
        self.shift = np.int64(max(len(self.times), 1).bit_length())
        self.ev = (self.key << self.shift) + np.searchsorted(self.times, self.t)

    def at(self, rows, purpose, at_us, engine: bool = False) -> np.ndarray:
        """Consent of customer ``rows[i]`` (row in customers) for ``purpose[i]`` (a code into
        PURPOSES) at ``at_us[i]``; with ``engine``, by the old engine's default."""
        rows = np.asarray(rows, np.int64)
        qkey = rows * len(PURPOSES) + np.asarray(purpose, np.int64)
        qt = np.broadcast_to(np.asarray(at_us, np.int64), qkey.shape)
        # The rank of the latest event time at or before the query (-1: none), so that an event
        # sorts at or before the query exactly when it has the same key and a time <= the query's.
        q = (qkey << self.shift) + (np.searchsorted(self.times, qt, side="right") - 1)
        pos = np.searchsorted(self.ev, q, side="right") - 1
        hit = (pos >= 0) & (self.key[np.maximum(pos, 0)] == qkey)
        default = self.default[rows]
        if not engine:
            default = default & (np.broadcast_to(np.asarray(purpose), qkey.shape) != PURPOSES.index("marketing_sms"))
        return np.where(hit, ~self.withdraw[np.maximum(pos, 0)], default)


def contacts_before(contacts_key, contacts_t, key, t, window_us, origin_us) -> np.ndarray:
    """Contacts with the same key sent in ``[t - window, t)``; keys and times (microseconds) as
    int64 arrays. One sorted int64 key: the contact key, then seconds since ``origin_us``."""
    base = np.int64(1) << 32

    def code(k, at):
        return k * base + (at - origin_us) // US

    sorted_keys = np.sort(code(contacts_key, contacts_t))
    return (np.searchsorted(sorted_keys, code(key, t), side="left")
            - np.searchsorted(sorted_keys, code(key, t - window_us), side="left"))


@generates((OFFERS, QUALITY_HOLDS, REGIONAL_RULES, CONTACT_POLICIES, OFFER_CANDIDATES, OFFER_CONTACTS,
            OFFER_REDEMPTIONS, REDEMPTION_FORECASTS, OFFER_HOLDOUT, OFFER_ELIGIBILITY_TRUTH, OFFER_HOLDOUT_TRUTH),
           needs=("customers", "products", "orders", "order_lines", "shipments", "tickets", "consent_events",
                  "daily_stock"))
def make_offers(ctx, customers, products, orders, order_lines, shipments, tickets, consent_events, daily_stock):
    """Each table from its own stream; the forecasts and the truth tables are derived."""
    plan = shortage_plan(ctx, products, order_lines)
    sends = send_days(plan)
    category = codes_of(products["category"], CATEGORIES)
    prow_of_line = pd.Index(products["product_id"]).get_indexer(order_lines["product_id"])
    popularity = np.bincount(prow_of_line, minlength=len(products)) + 1.0

    # ---- offers ----
    rng = ctx.rng("offers")
    rows = []  # (campaign, channel, send day, product row, model_ranked, holdout)
    for name, _, channel in CAMPAIGNS:
        featured = _featured(rng, name, category, popularity, plan)
        rows += [(name, channel, sends[name], p, True, False) for p in featured]
    smart = np.flatnonzero(np.isin(category, [CATEGORIES.index(c) for c in
                                              ("smart thermostat", "smart speaker", "security camera")]))
    rows.append((HOLDOUT_CAMPAIGN[0], HOLDOUT_CAMPAIGN[2], pd.Timestamp(HOLDOUT_CAMPAIGN[1]),
                 int(smart[np.argmax(popularity[smart])]), False, True))
    thursdays = pd.date_range("2025-01-02", "2025-12-25", freq="7D")
    weekly = rng.choice(len(products), len(thursdays), p=popularity / popularity.sum())
    rows += [(WEEKLY_CAMPAIGN, "email", d, int(p), False, False) for d, p in zip(thursdays, weekly, strict=True)]
    offers = pd.DataFrame(rows, columns=["campaign", "channel", "send_date", "prow", "model_ranked",
                                         "randomised_holdout"])
    offers = offers.sort_values("send_date", kind="stable").reset_index(drop=True)
    prow = offers["prow"].to_numpy()
    price = products["list_price"].to_numpy()[prow]
    cost = products["unit_cost"].to_numpy()[prow]
    margin0 = 1 - cost / price
    bound = np.clip(1 - (1 - margin0) / 0.88, 0.05, 0.25)  # keeps about 12% margin
    discount = np.maximum(np.floor(rng.uniform(0.05, bound + 0.05) / 0.05) * 0.05, 0.05)
    discount = np.minimum(discount, np.maximum(np.floor(bound / 0.05) * 0.05, 0.05))
    # Guardrail breakers: one deep discount, two low-margin products cut below the margin floor.
    ranked = offers["model_ranked"].to_numpy()
    deep = rng.choice(np.flatnonzero(ranked & (margin0 >= 0.3)))
    thin = rng.choice(np.flatnonzero(ranked & (margin0 < 0.3)), 2, replace=False)
    discount[deep] = 0.40
    discount[thin] = np.floor((1 - (1 - margin0[thin]) / (1 - MIN_MARGIN)) / 0.05) * 0.05 + 0.05
    offer_price = np.round(price * (1 - discount), 2)
    offers = pd.DataFrame({
        "offer_id": np.arange(1, len(offers) + 1), "campaign": offers["campaign"], "channel": offers["channel"],
        "send_date": offers["send_date"], "end_date": offers["send_date"] + pd.Timedelta(days=OFFER_DAYS - 1),
        "product_id": products["product_id"].to_numpy()[prow], "list_price": price,
        "price_change_pct": -np.round(discount, 2), "offer_price": offer_price, "unit_cost": cost,
        "unit_margin": np.round(offer_price - cost, 2), "margin_pct": np.round((offer_price - cost) / offer_price, 4),
        "min_available_units": np.where(price >= 300, 1, 2), "model_ranked": offers["model_ranked"].to_numpy(),
        "randomised_holdout": offers["randomised_holdout"].to_numpy(),
    })
    guard = offers[(offers["price_change_pct"] < -MAX_DISCOUNT) | (offers["margin_pct"] < MIN_MARGIN)]
    ctx.plant("offers_guardrail_breaches", {
        "max_discount": MAX_DISCOUNT, "min_margin": MIN_MARGIN,
        "offers": {int(i): ("discount" if d < -MAX_DISCOUNT else "margin")
                   for i, d in zip(guard["offer_id"], guard["price_change_pct"], strict=True)}},
        "Price guardrails (company policy: at most 30% off, at least 10% margin after the change) and the "
        "offers that break them (discount checked first).")

    holds = _quality_holds(ctx.rng("quality_holds"), ctx, products, offers)
    rules = _regional_rules(ctx.rng("regional_rules"), offers, products)
    cost_rng = ctx.rng("contact_policies")
    policies = pd.DataFrame({
        "channel": list(OFFER_CHANNELS), "consent_purpose": [CONSENT_OF_CHANNEL[c] for c in OFFER_CHANNELS],
        "cap_window_days": [CAPS[c][0] for c in OFFER_CHANNELS], "cap_max_contacts": [CAPS[c][1] for c in OFFER_CHANNELS],
        "cost_per_contact": [round(float(cost_rng.uniform(*COST_PER_CONTACT[c])), 4) for c in OFFER_CHANNELS],
    })

    # ---- candidates: the model's top offers per audience customer ----
    rng = ctx.rng("offer_candidates")
    consumer = np.flatnonzero((customers["segment"] != "business").to_numpy())
    segment = codes_of(customers["segment"], SEGMENTS)
    signup = to_us(customers["signup_date"])
    crow_of_order = pd.Index(customers["customer_id"]).get_indexer(orders["customer_id"])
    line_order = pd.Index(orders["order_id"]).get_indexer(order_lines["order_id"])
    line_cust, line_time = crow_of_order[line_order], to_us(orders["ordered_at"])[line_order]
    cand = []
    for name, _, channel in CAMPAIGNS:
        t = to_us(sends[name]) + SEND_HOUR * 3600 * US
        pool = consumer[signup[consumer] < t]
        audience = pool[rng.random(len(pool)) < AUDIENCE_SHARE]
        mine = offers[offers["campaign"] == name]
        o_rows = mine.index.to_numpy()
        before = line_time < t
        bought = np.zeros((len(customers), len(CATEGORIES)), bool)
        bought[line_cust[before], category[prow_of_line[before]]] = True
        n_orders = np.bincount(line_cust[before], minlength=len(customers))
        o_cat = category[pd.Index(products["product_id"]).get_indexer(mine["product_id"])]
        logit = (-3.3 + 1.3 * bought[audience][:, o_cat]
                 + np.array([-0.2, 0.0, 0.4, 0.0])[segment[audience]][:, None]
                 + 0.25 * np.log1p(n_orders[audience])[:, None]
                 - 0.3 * (mine["price_change_pct"].to_numpy() > -0.1)[None, :]
                 + rng.normal(0, 0.6, (len(audience), len(o_rows))))
        score = 1 / (1 + np.exp(-logit))
        top = np.argsort(-score, axis=1, kind="stable")[:, :CANDIDATES_PER_CUSTOMER]
        k = CANDIDATES_PER_CUSTOMER
        cand.append(pd.DataFrame({
            "campaign": name, "crow": np.repeat(audience, k), "offer_row": o_rows[top].reshape(-1),
            "rank": np.tile(np.arange(1, k + 1), len(audience)),
            "model_score": np.round(np.take_along_axis(score, top, axis=1).reshape(-1), 4),
            "t": t, "channel": channel,
        }, copy=False))
    cand = pd.concat(cand, ignore_index=True)
    n_cand = len(cand)
    crow = cand["crow"].to_numpy()
    c_chan = codes_of(cand["channel"], OFFER_CHANNELS)
    c_purpose = np.array([PURPOSES.index(CONSENT_OF_CHANNEL[c]) for c in OFFER_CHANNELS])[c_chan]
    c_t = cand["t"].to_numpy()
    book = ConsentBook(consent_events, customers)
    consented = book.at(crow, c_purpose, c_t)            # the law (lab 04's defaults)
    engine_consented = book.at(crow, c_purpose, c_t, engine=True)  # what the old engine believed

    # ---- contacts: weekly deals, the campaigns' rank-1 sends, the holdout's treatment group ----
    rng = ctx.rng("offer_contacts")
    weekly_rows = offers.index[offers["campaign"] == WEEKLY_CAMPAIGN].to_numpy()
    w_t = to_us(offers.loc[weekly_rows, "send_date"]) + SEND_HOUR * 3600 * US
    w_pick = rng.random((len(weekly_rows), len(consumer))) < WEEKLY_SHARE
    w_off, w_cust = np.nonzero(w_pick)
    w_cust = consumer[w_cust]
    w_time = w_t[w_off]
    live = signup[w_cust] < w_time
    w_off, w_cust, w_time = w_off[live], w_cust[live], w_time[live]
    ok = book.at(w_cust, np.full(len(w_cust), PURPOSES.index("marketing_email")), w_time)
    contacts = [pd.DataFrame({"crow": w_cust[ok], "offer_row": weekly_rows[w_off[ok]], "t": w_time[ok],
                              "channel": 0, "score": np.nan}, copy=False)]
    sent = (cand["rank"].to_numpy() == 1) & engine_consented
    contacts.append(pd.DataFrame({"crow": crow[sent], "offer_row": cand["offer_row"].to_numpy()[sent],
                                  "t": c_t[sent], "channel": c_chan[sent], "score": cand["model_score"].to_numpy()[sent]}, copy=False))

    holdout, holdout_truth, h_contacts = _holdout(ctx, ctx.rng("offer_holdout"), customers, orders, shipments,
                                                  tickets, book, offers, consumer, signup)
    contacts.append(h_contacts)
    contacts = pd.concat(contacts, ignore_index=True).sort_values(["t", "crow"], kind="stable").reset_index(drop=True)
    contacts["contact_id"] = np.arange(1, len(contacts) + 1)

    # ---- eligibility of every candidate: stock, hold, region, consent, cap ----
    o_prow = pd.Index(products["product_id"]).get_indexer(offers["product_id"])
    c_offer = cand["offer_row"].to_numpy()
    c_prow = o_prow[c_offer]
    market = codes_of(customers["market"], MARKET_CODES)
    centre = np.array([CENTRES.index(CENTRE_OF_MARKET[m]) for m in MARKET_CODES])[market[crow]]
    n_prod = len(products)
    day_before = (c_t // DAY_US * DAY_US - DAY_US - to_us(ctx.start)) // DAY_US
    pos = (day_before * n_prod + c_prow) * len(CENTRES) + centre
    assert (daily_stock["product_id"].to_numpy()[pos[:5]] == products["product_id"].to_numpy()[c_prow[:5]]).all()
    atp = daily_stock["on_hand"].to_numpy()[pos] - daily_stock["committed"].to_numpy()[pos]
    fails_stock = atp < offers["min_available_units"].to_numpy()[c_offer]
    send_day = c_t // DAY_US * DAY_US
    h_prow = pd.Index(products["product_id"]).get_indexer(holds["product_id"])
    h_from = to_us(holds["placed_date"])
    h_to = np.where(holds["lifted_date"].notna().to_numpy(), to_us(holds["lifted_date"].fillna(ctx.end)), np.iinfo(np.int64).max)
    fails_hold = np.zeros(n_cand, bool)
    for p, a, b in zip(h_prow, h_from, h_to, strict=True):  # a handful of holds: loop over holds, not rows
        fails_hold |= (c_prow == p) & (send_day >= a) & (send_day < b)
    rule_keys = set(zip(codes_of(rules["market"], MARKET_CODES), codes_of(rules["category"], CATEGORIES), strict=True))
    c_cat = category[c_prow]
    fails_region = np.zeros(n_cand, bool)
    for m, cat in rule_keys:
        fails_region |= (market[crow] == m) & (c_cat == cat)
    fails_consent = ~consented
    window = np.array([CAPS[c][0] for c in OFFER_CHANNELS])[c_chan] * DAY_US
    cap_max = np.array([CAPS[c][1] for c in OFFER_CHANNELS])[c_chan]
    n_before = contacts_before(contacts["crow"].to_numpy() * 2 + contacts["channel"].to_numpy(),
                               contacts["t"].to_numpy(), crow * 2 + c_chan, c_t, window,
                               to_us(ctx.start) - 365 * DAY_US)
    fails_cap = n_before >= cap_max
    flags = np.column_stack([fails_stock, fails_hold, fails_region, fails_consent, fails_cap])
    first = np.where(flags.any(axis=1), flags.argmax(axis=1), -1)

    # ---- redemptions: the model's score, less in the over-forecast segment ----
    rng = ctx.rng("offer_redemptions")
    over = ("value", "mainstream", "premium")[rng.integers(3)]
    calib = np.where(segment == SEGMENTS.index(over), OVER_FORECAST_CALIBRATION, 1.0)
    is_weekly = np.isin(contacts["offer_row"].to_numpy(), weekly_rows)
    is_holdout = offers["randomised_holdout"].to_numpy()[contacts["offer_row"].to_numpy()]
    p_redeem = np.where(is_weekly, 0.01, np.nan_to_num(contacts["score"].to_numpy()) * calib[contacts["crow"].to_numpy()])
    redeem = rng.random(len(contacts)) < p_redeem
    converted = holdout.set_index("crow")["converted_30d"]
    h_conv = converted.reindex(contacts["crow"].to_numpy()).fillna(False).to_numpy(bool)
    redeem = np.where(is_holdout, h_conv & (rng.random(len(contacts)) < 0.8), redeem)
    r = contacts[redeem]
    r_offer = r["offer_row"].to_numpy()
    r_at = r["t"].to_numpy() + (np.minimum(rng.exponential(3.0, len(r)), OFFER_DAYS - 1) * DAY_US).astype(np.int64)
    r_at = np.minimum(r_at, to_us(ctx.end))
    redemptions = pd.DataFrame({
        "redemption_id": np.arange(1, len(r) + 1), "contact_id": r["contact_id"].to_numpy(),
        "customer_id": customers["customer_id"].to_numpy()[r["crow"].to_numpy()],
        "offer_id": offers["offer_id"].to_numpy()[r_offer], "redeemed_at": from_us(r_at),
        "revenue": offers["offer_price"].to_numpy()[r_offer], "margin": offers["unit_margin"].to_numpy()[r_offer],
    }).sort_values(["redeemed_at", "redemption_id"], kind="stable").assign(
        redemption_id=lambda d: np.arange(1, len(d) + 1))

    # ---- forecasts: the scores of the rank-1 sends, summed per offer and segment ----
    camp = contacts[~np.isnan(contacts["score"].to_numpy())]
    f = pd.DataFrame({"offer_row": camp["offer_row"].to_numpy(), "segment": segment[camp["crow"].to_numpy()],
                      "score": camp["score"].to_numpy()})
    grid = pd.MultiIndex.from_product([np.flatnonzero(offers["model_ranked"].to_numpy()),
                                       [SEGMENTS.index(s) for s in ("value", "mainstream", "premium")]],
                                      names=["offer_row", "segment"])
    agg = f.groupby(["offer_row", "segment"])["score"].agg(["size", "sum"]).reindex(grid, fill_value=0).reset_index()
    forecasts = pd.DataFrame({
        "offer_id": offers["offer_id"].to_numpy()[agg["offer_row"].to_numpy()],
        "segment": text(SEGMENTS, agg["segment"].to_numpy()), "contacts": agg["size"].to_numpy(),
        "forecast_redemptions": np.round(agg["sum"].to_numpy(), 2),
        "forecast_date": offers["send_date"].to_numpy()[agg["offer_row"].to_numpy()] - np.timedelta64(3, "D"),
    })

    ctx.plant("offers_over_forecast_segment", {"segment": over, "redemptions_per_forecast": OVER_FORECAST_CALIBRATION},
              "The segment whose redemptions the forecast over-predicts: its customers redeem at this fraction "
              "of their model score (the other segments at their score).")
    short_centres = [CENTRES.index(c) for c in plan["centres"]]
    r1 = cand["rank"].to_numpy() == 1
    ctx.plant("offers_rule_breaks", {
        "rank1_candidates": int(r1.sum()),
        "rank1_first_failure": {k: int(((first == i) & r1).sum()) for i, k in enumerate(ELIGIBILITY_ORDER)},
        "rank1_eligible": int(((first == -1) & r1).sum()),
        "rank1_stock_failures_short_family_short_centres": int((r1 & fails_stock & (c_cat == CATEGORIES.index(
            plan["family"])) & np.isin(centre, short_centres)).sum()),
        "summer_campaigns": ["summer-kickoff", "heatwave"],
    }, "Rank-1 candidates (what the model would send) by the first rule they break, in the order "
       "stock, hold, region, consent, cap; and the stock failures that are the short family at the short "
       "centres (the summer campaigns fall in the shortage).")

    c_offer_id = offers["offer_id"].to_numpy()[c_offer]
    candidates = pd.DataFrame({
        "candidate_id": np.arange(1, n_cand + 1), "campaign": cand["campaign"],
        "customer_id": customers["customer_id"].to_numpy()[crow], "offer_id": c_offer_id,
        "rank": cand["rank"].to_numpy(), "model_score": cand["model_score"].to_numpy(),
    }, copy=False)
    truth = pd.DataFrame({"candidate_id": candidates["candidate_id"], "fails_stock": fails_stock,
                          "fails_hold": fails_hold, "fails_region": fails_region, "fails_consent": fails_consent,
                          "fails_cap": fails_cap, "first_failure": text(ELIGIBILITY_ORDER, first)}, copy=False)
    contact_table = pd.DataFrame({
        "contact_id": contacts["contact_id"].to_numpy(),
        "customer_id": customers["customer_id"].to_numpy()[contacts["crow"].to_numpy()],
        "offer_id": offers["offer_id"].to_numpy()[contacts["offer_row"].to_numpy()],
        "channel": text(OFFER_CHANNELS, contacts["channel"].to_numpy()), "sent_at": from_us(contacts["t"].to_numpy()),
    }, copy=False)
    holdout = holdout.drop(columns=["crow"])
    return {"offers": offers, "quality_holds": holds, "regional_rules": rules, "contact_policies": policies,
            "offer_candidates": candidates, "offer_contacts": contact_table, "offer_redemptions": redemptions,
            "redemption_forecasts": forecasts, "offer_holdout": holdout, "offer_eligibility_truth": truth,
            "offer_holdout_truth": holdout_truth}


def _featured(rng, name, category, popularity, plan) -> list[int]:
    """Product rows a campaign features: the summer ones lead with the short and cooling families."""
    def top(cat_name, k):
        rows = np.flatnonzero(category == CATEGORIES.index(cat_name))
        return [int(r) for r in rows[np.argsort(-popularity[rows], kind="stable")[:k]]]

    lead = []
    if name == "summer-kickoff":
        lead = top(plan["family"], 2) + top(COOLING_FAMILY, 2)
    elif name == "heatwave":
        lead = top(COOLING_FAMILY, 2) + top(plan["family"], 2)
    lead = list(dict.fromkeys(lead))[:OFFERS_PER_CAMPAIGN - 1]
    p = popularity.copy()
    p[lead] = 0
    rest = rng.choice(len(p), OFFERS_PER_CAMPAIGN - len(lead), replace=False, p=p / p.sum())
    return lead + [int(r) for r in rest]


def _quality_holds(rng, ctx, products, offers) -> pd.DataFrame:
    """Open holds for the products held at the end of the history, a dozen closed ones, and one
    around the send day of a featured product in each of HELD_CAMPAIGNS."""
    pid = products["product_id"].to_numpy()
    flagged = np.flatnonzero(products["quality_hold"].to_numpy())
    offered = set(pd.Index(pid).get_indexer(offers["product_id"]))
    parts = []
    for name in HELD_CAMPAIGNS:
        mine = offers[offers["campaign"] == name]
        candidates = [p for p in pd.Index(pid).get_indexer(mine["product_id"]) if p not in flagged]
        p = candidates[rng.integers(len(candidates))]
        send = mine["send_date"].iloc[0]
        parts.append((p, send - pd.Timedelta(days=int(rng.integers(3, 21))),
                      send + pd.Timedelta(days=int(rng.integers(5, 41)))))
    spare = np.array([p for p in range(len(pid)) if p not in offered and p not in flagged])
    for p in rng.choice(spare, 12, replace=False):
        start = ctx.start + pd.Timedelta(days=int(rng.integers(0, 680)))
        parts.append((int(p), start, start + pd.Timedelta(days=int(rng.integers(7, 61)))))
    for p in flagged:
        parts.append((int(p), pd.Timestamp("2025-09-01") + pd.Timedelta(days=int(rng.integers(0, 110))), pd.NaT))
    ctx.plant("offers_held_products", {name: int(pid[parts[i][0]]) for i, name in enumerate(HELD_CAMPAIGNS)},
              "Per campaign, the featured product put on a quality hold around the campaign's send day.")
    holds = pd.DataFrame(parts, columns=["prow", "placed_date", "lifted_date"]).sort_values("placed_date", kind="stable")
    holds = holds.reset_index(drop=True)
    return pd.DataFrame({
        "hold_id": np.arange(1, len(holds) + 1), "product_id": pid[holds["prow"].to_numpy()],
        "placed_date": holds["placed_date"], "lifted_date": holds["lifted_date"],
        "reason": text(HOLD_REASONS, rng.integers(0, len(HOLD_REASONS), len(holds))),
    })


def _regional_rules(rng, offers, products) -> pd.DataFrame:
    """Four market-category pairs that must not be promoted, among the campaigns' categories."""
    ranked = offers[offers["model_ranked"]]
    cats = sorted(set(products.set_index("product_id").loc[ranked["product_id"], "category"]))
    pairs = [(m, c) for m in MARKET_CODES for c in cats]
    pick = rng.choice(len(pairs), 4, replace=False)
    chosen = sorted(pairs[i] for i in pick)
    return pd.DataFrame({"market": [m for m, _ in chosen], "category": [c for _, c in chosen],
                         "rule": "no_promotion", "reason": text(RULE_REASONS, rng.integers(0, len(RULE_REASONS), 4))})


def _holdout(ctx, rng, customers, orders, shipments, tickets, book, offers, consumer, signup):
    """The randomised holdout: audience, features on the send day, assignment, outcomes."""
    row = int(np.flatnonzero(offers["randomised_holdout"].to_numpy())[0])
    t = to_us(offers.loc[row, "send_date"]) + SEND_HOUR * 3600 * US
    pool = consumer[signup[consumer] <= t - 30 * DAY_US]
    ok = book.at(pool, np.full(len(pool), PURPOSES.index("marketing_email")), np.full(len(pool), t))
    aud = pool[ok]
    n = len(aud)
    cidx = pd.Index(customers["customer_id"])
    o_c = cidx.get_indexer(orders["customer_id"])
    o_t = to_us(orders["ordered_at"])
    done = (orders["status"] == "completed").to_numpy()
    recent = done & (o_t < t) & (o_t >= t - 365 * DAY_US)
    orders_365 = np.bincount(o_c[recent], minlength=len(customers))
    last = np.full(len(customers), NAT)
    prior = o_t < t
    np.maximum.at(last, o_c[prior], o_t[prior])
    ship_order = pd.Index(orders["order_id"]).get_indexer(shipments["order_id"])
    promised = to_us(orders["promised_delivery_date"])[ship_order]
    delivered = to_us(shipments["delivered_at"])
    late = (delivered // DAY_US * DAY_US > promised) & (delivered < t) & (delivered >= t - 365 * DAY_US)
    late_365 = np.bincount(o_c[ship_order][late], minlength=len(customers))
    tk_t = to_us(tickets["created_at"])
    tk = (tk_t < t) & (tk_t >= t - 180 * DAY_US)
    tickets_180 = np.bincount(cidx.get_indexer(tickets["customer_id"])[tk], minlength=len(customers))

    seg = np.where((late_365[aud] > 0) | (tickets_180[aud] > 0), 2, np.where(orders_365[aud] == 0, 0, 1))
    base = np.array(list(HOLDOUT_BASE.values()))[seg]
    uplift = np.array(list(HOLDOUT_UPLIFT.values()))[seg]
    treat = rng.random(n) < 0.5
    converted = rng.random(n) < base + treat * uplift
    price = offers.loc[row, "offer_price"]
    revenue = np.where(converted, np.round(np.where(treat, price, offers.loc[row, "list_price"])
                                           * (1 + rng.poisson(0.3, n)), 2), 0.0)
    days_since = np.where(last[aud] == NAT, 0, (t - last[aud]) // DAY_US)
    holdout = pd.DataFrame({
        "customer_id": customers["customer_id"].to_numpy()[aud], "offer_id": int(offers.loc[row, "offer_id"]),
        "group": text(("control", "treatment"), treat.astype(np.int64)),
        "segment": customers["segment"].take(aud).reset_index(drop=True),
        "region": customers["region"].take(aud).reset_index(drop=True),
        "tenure_days": (t - signup[aud]) // DAY_US, "orders_365d": orders_365[aud],
        "days_since_last_order": pd.arrays.IntegerArray(days_since.astype(np.int64), last[aud] == NAT),
        "late_deliveries_365d": late_365[aud], "tickets_180d": tickets_180[aud],
        "converted_30d": converted, "revenue_30d": revenue, "crow": aud,
    }, copy=False)
    truth = pd.DataFrame({"customer_id": holdout["customer_id"], "uplift_segment": text(UPLIFT_SEGMENTS, seg),
                          "true_uplift": uplift}, copy=False)
    ctx.plant("offers_holdout", {
        "campaign": HOLDOUT_CAMPAIGN[0], "send_date": HOLDOUT_CAMPAIGN[1], "treatment_share": 0.5,
        "segments": {"negative": "late_deliveries_365d > 0 or tickets_180d > 0",
                     "responds": "otherwise, orders_365d == 0", "none": "otherwise"},
        "base_conversion": HOLDOUT_BASE, "uplift": HOLDOUT_UPLIFT,
        "sizes": {s: int((seg == i).sum()) for i, s in enumerate(UPLIFT_SEGMENTS)},
    }, "The randomised holdout: who is in which uplift segment, their 30-day conversion without the "
       "offer, and the offer's true effect on it (absolute change in probability).")
    contacts = pd.DataFrame({"crow": aud[treat], "offer_row": row, "t": t, "channel": OFFER_CHANNELS.index("email"),
                             "score": np.nan}, copy=False)
    return holdout, truth, contacts
