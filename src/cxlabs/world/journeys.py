"""Journey orchestration: the rules that react to what customers do, and the outbound contact
capacity they draw on.

The rules are company policy as it was live in the history: each has a trigger, the gates it
checks before acting, the action and the promise made to the customer. Two live rules check
no gate that would let them keep their promise (planted: ``journeys_ungated_rules``): the
cart reminder promises stock without looking at it, and the cart callback promises a call
without looking at the day's callback capacity. Capacity drops at weekends and in the
Black Friday-to-Christmas peak, when advisers answer inbound calls (``journeys_capacity``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.commerce import TEAMS
from cxlabs.world.digital import EVENT_TYPES
from cxlabs.world.inventory import PEAK_MULTIPLIER, black_friday
from cxlabs.world.inventory import vocab_text as text
from cxlabs.world.registry import generates
from cxlabs.world.sampling import from_us, to_us

CAPACITY_CHANNELS = ("callback", "sms", "email")
#: Advisers are planned for the cart-callback rule's mean callbacks on an ordinary weekday plus
#: this many standard deviations (Poisson); Saturdays get this share of it, Sundays none.
CALLBACK_HEADROOM_SD = 2.0
SATURDAY_SHARE = 0.35
#: Share of callback capacity left in the peak (Black Friday to 24 December).
PEAK_CALLBACK_SHARE = 0.5
SMS_PER_DAY = 300
EMAIL_PER_DAY = 4000
PROMISE_KINDS = ("stock", "callback", "price", "information")
CONSENT_PURPOSES = ("marketing_email", "marketing_sms", "personalisation")

CONTACT_CAPACITY = Table(
    "contact_capacity",
    "Outbound contacts the company can make per day and channel: adviser callbacks (planned "
    "adviser hours), SMS and e-mail (sending budgets). Unused capacity does not carry over.",
    "channel and day",
    (
        Column("date", "date", "Day."),
        Column("channel", "str", "Outbound channel.", allowed=CAPACITY_CHANNELS),
        Column("capacity", "int", "Contacts that can be made that day.", unit="contacts", min=0),
    ),
    group="journeys",
)

JOURNEY_RULES = Table(
    "journey_rules",
    "The journey orchestration rules live during the history (company policy): what triggers "
    "each, the gates checked before acting, the action, and the promise made to the customer. "
    "A missing gate value means the rule does not check it.",
    "rule",
    (
        Column("rule_id", "str", "Rule identifier.", unique=True),
        Column("rule_name", "str", "Short name."),
        Column("trigger_event", "str", "Event type in `web_events` that starts the rule.", allowed=EVENT_TYPES),
        Column("trigger", "str", "The trigger in words, with its conditions."),
        Column("wait_hours", "float", "Hours the rule waits after the trigger; it acts only if the customer "
               "has not bought (purchase event) in the meantime.", unit="hours", min=0),
        Column("min_product_price", "float", "Lowest list price of the product that triggers the rule.",
               unit="USD", min=0, nullable=True),
        Column("gate_min_available_units", "int", "Units available to promise (on_hand - committed, at the "
               "customer's centre, end of the previous day) the product must have; missing: stock not checked.",
               unit="units", min=0, nullable=True),
        Column("gate_capacity_channel", "str", "Channel whose daily capacity must have room left; missing: "
               "capacity not checked.", allowed=CAPACITY_CHANNELS, nullable=True),
        Column("gate_consent_purpose", "str", "Consent purpose the customer must have given (or have by "
               "default).", allowed=CONSENT_PURPOSES, nullable=True),
        Column("action", "str", "What the company does."),
        Column("channel", "str", "Channel of the action.", allowed=CAPACITY_CHANNELS + ("push",)),
        Column("promise", "str", "What the customer is told, word for word."),
        Column("promise_kind", "str", "What the promise commits: stock, a callback, a price or information.",
               allowed=PROMISE_KINDS),
        Column("promise_hours", "float", "Hours within which the promise falls due.", unit="hours", min=0,
               nullable=True),
        Column("owner_team", "str", "Team that owns the rule.", allowed=TEAMS),
        Column("live_from", "date", "First day the rule ran."),
    ),
    group="journeys",
)

#: Per-seed choices for the rules' thresholds: JR-01's wait, JR-02's wait and price floor.
CART_REMINDER_WAIT_HOURS = (1.0, 2.0, 4.0)
CALLBACK_WAIT_HOURS = (1.0, 2.0)
CALLBACK_MIN_PRICE = (600.0, 800.0, 1000.0)


def _rules(reminder_wait: float, callback_wait: float, callback_price: float) -> list[tuple]:
    """The rules (company policy), in the columns of JOURNEY_RULES."""
    return [
        ("JR-01", "cart reminder e-mail", "add_to_cart",
         f"A known customer adds a product to the cart and does not buy within {reminder_wait:g} hours.",
         reminder_wait, None, None, None, "marketing_email",
         "E-mail a reminder with the product and a link back to the cart.", "email",
         "It is in stock: order today and it is with you in 3 days.", "stock", 72.0, "marketing", "2024-01-01"),
        ("JR-02", "cart callback", "add_to_cart",
         f"A known customer leaves a product of {callback_price:,.0f} USD or more in the cart and does not "
         f"buy within {callback_wait:g} hours.", callback_wait, callback_price, None, None, None,
         "An adviser calls the customer back.", "callback", "An adviser will call you within 4 hours.",
         "callback", 4.0, "customer_service", "2024-01-01"),
        ("JR-03", "browse price hold", "product_view",
         "A known app user views the same product three times in a visit and does not add it to the cart.",
         0.0, None, 5, None, "personalisation", "Push a price hold for the product.", "push",
         "We hold this price for you for 48 hours.", "price", 48.0, "marketing", "2024-06-01"),
        ("JR-04", "unresolved chat callback", "chat_start",
         "A chat handed to an agent ends unresolved.", 0.0, None, None, "callback", None,
         "An adviser calls the customer back the next working day.", "callback",
         "We will call you back within one working day.", "callback", 24.0, "customer_service", "2024-01-01"),
        ("JR-05", "back-in-stock text", "product_view",
         "A known customer views a product with nothing available to promise at their centre.", 0.0, None,
         None, None, "marketing_sms", "Text the customer when the product is available again.", "sms",
         "We will text you as soon as it is back.", "information", None, "marketing", "2025-01-15"),
    ]


@generates(JOURNEY_RULES)
def make_journey_rules(ctx, rng):
    """The live rules; their waits and JR-02's price floor differ from world to world."""
    rules = pd.DataFrame(_rules(float(rng.choice(CART_REMINDER_WAIT_HOURS)), float(rng.choice(CALLBACK_WAIT_HOURS)),
                                float(rng.choice(CALLBACK_MIN_PRICE))), columns=JOURNEY_RULES.column_names)
    ctx.plant("journeys_ungated_rules", {"JR-01": "stock", "JR-02": "callback capacity"},
              "Live rules whose promise depends on something they do not check: JR-01 promises stock "
              "without a stock gate, JR-02 promises a callback without a capacity gate.")
    return rules.assign(
        min_product_price=rules["min_product_price"].astype(float),
        gate_min_available_units=pd.array(rules["gate_min_available_units"], dtype="Int64"),
        promise_hours=rules["promise_hours"].astype(float),
        live_from=pd.to_datetime(rules["live_from"]),
    )


def callback_triggers(rules: pd.DataFrame, web_events: pd.DataFrame, products: pd.DataFrame) -> pd.Series:
    """When JR-02 fires: a known customer's add_to_cart of a product at or above the rule's price
    floor, with no purchase by that customer within the rule's wait."""
    rule = rules.set_index("rule_id").loc["JR-02"]
    known = web_events["customer_id"].notna().to_numpy()
    kind = web_events["event_type"]
    carts = web_events.loc[known & (kind == rule["trigger_event"]).to_numpy(), ["customer_id", "event_at", "product_id"]]
    price = products.set_index("product_id")["list_price"].reindex(carts["product_id"].to_numpy()).to_numpy()
    carts = carts.loc[price >= rule["min_product_price"], ["customer_id", "event_at"]]
    buys = web_events.loc[known & (kind == "purchase").to_numpy(), ["customer_id", "event_at"]].rename(
        columns={"event_at": "bought_at"})
    m = pd.merge_asof(carts, buys, left_on="event_at", right_on="bought_at", by="customer_id", direction="forward")
    wait = pd.Timedelta(hours=float(rule["wait_hours"]))
    return (m.loc[~((m["bought_at"] - m["event_at"]) <= wait), "event_at"] + wait).reset_index(drop=True)


@generates(CONTACT_CAPACITY, needs=("journey_rules", "web_events", "products"))
def make_contact_capacity(ctx, rng, journey_rules, web_events, products):
    """Capacity per day: callbacks planned from the cart-callback rule's volume on ordinary
    weekdays, halved in the peak; SMS and e-mail budgets."""
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    n = len(days)
    weekday = days.day_of_week.to_numpy()
    peak = np.zeros(n, bool)
    for year in sorted(set(days.year)):
        peak |= (days >= black_friday(year)) & (days <= pd.Timestamp(year=year, month=12, day=24))
    fires = callback_triggers(journey_rules, web_events, products).dt.normalize()
    per_day = fires.value_counts().reindex(days, fill_value=0).to_numpy()
    ordinary = (weekday < 5) & ~peak
    mean = per_day[ordinary].mean()
    weekday_capacity = int(np.ceil(mean + CALLBACK_HEADROOM_SD * np.sqrt(mean)))
    planned = np.select([weekday < 5, weekday == 5], [weekday_capacity, round(SATURDAY_SHARE * weekday_capacity)], 0)
    planned = np.where(peak, planned * PEAK_CALLBACK_SHARE, planned)
    absent = rng.binomial(np.ceil(planned).astype(np.int64), 0.08)  # sickness, training
    callbacks = np.maximum(np.floor(planned).astype(np.int64) - absent, 0)
    sms = rng.poisson(SMS_PER_DAY * ctx.scale, n)
    email = np.full(n, round(EMAIL_PER_DAY * ctx.scale))
    ctx.plant("journeys_capacity", {
        "callbacks_per_weekday": weekday_capacity, "saturday_share": SATURDAY_SHARE, "sunday": 0,
        "ordinary_weekday_callbacks": round(float(mean), 2), "headroom_sd": CALLBACK_HEADROOM_SD,
        "peak_callback_share": PEAK_CALLBACK_SHARE,
        "peak_demand_multiplier": PEAK_MULTIPLIER},
        "Planned adviser callbacks per day (less a few absences): on weekdays the cart-callback rule's mean "
        "callbacks on an ordinary weekday plus two standard deviations, on Saturdays about a third of that, "
        "on Sundays none; halved from Black Friday to 24 December, when advisers answer the peak's inbound "
        "calls.")
    day_us = np.repeat(to_us(days), 3)
    return pd.DataFrame({
        "date": from_us(day_us), "channel": text(CAPACITY_CHANNELS, np.tile(np.arange(3), n)),
        "capacity": np.column_stack([callbacks, sms, email]).reshape(-1),
    }, copy=False)
