"""Service tickets, their status history, and surveys with scores and verbatims.

Planted truths: satisfaction is driven by lateness, first-response time and repeat contact
with the weights in ``SATISFACTION_WEIGHTS``; survey response depends on segment
(``RESPONSE_RATES``); verbatims carry a theme kept in ``verbatim_themes``; tickets handed to
the warehouse wait there for almost all of their open time (``ticket_bottleneck_status``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.people import SEGMENTS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import DAY_US, NAT, US, choose, codes_of, from_us, month_day, text, to_us

TICKET_CHANNELS = ("phone", "chat", "email", "self_service")
TICKET_CATEGORIES = ("delivery", "installation", "product_fault", "returns", "billing", "account_privacy")
TICKET_STATUSES = ("new", "assigned", "pending_customer", "pending_warehouse",
                   "pending_field_service", "resolved", "closed")
#: Median first-response time per channel, in hours.
FIRST_RESPONSE_MEDIAN_H = {"phone": 0.06, "chat": 0.04, "email": 9.0, "self_service": 20.0}
SATISFACTION_WEIGHTS = {"intercept": 8.4, "days_late": -0.6, "first_response_hours": -0.035,
                        "repeat_contact": -1.4, "noise_sd": 1.3}
RESPONSE_RATES = {"value": 0.10, "mainstream": 0.18, "premium": 0.30, "business": 0.14}
THEMES = ("late_delivery", "slow_response", "repeat_contact", "praise", "product_quality",
          "price", "app_experience", "installation")
VERBATIMS = {
    "late_delivery": ("The delivery came {d} days after the date you promised.",
                      "Still waiting for my order, the tracking said it would arrive days ago.",
                      "Late delivery again, I took a day off work for nothing."),
    "slow_response": ("Nobody answered my email for ages.",
                      "It took far too long to get a reply from support.",
                      "I waited more than a day for a first response."),
    "repeat_contact": ("I had to call three times about the same problem.",
                       "Had to explain my issue again to every agent.",
                       "Contacted you twice and it is still not fixed."),
    "praise": ("Great service, friendly and quick.", "Very happy, everything went smoothly.",
               "The installer was excellent and tidy."),
    "product_quality": ("The product stopped working after a week.", "Build quality feels cheap.",
                        "The door seal was faulty out of the box."),
    "price": ("Too expensive compared to other shops.", "The discount was not applied at checkout.",
              "Delivery charge was a surprise."),
    "app_experience": ("The app keeps logging me out.", "Could not pair the device with the app.",
                       "The app is confusing to use."),
    "installation": ("The installer arrived outside the booked slot.",
                     "Installation was rescheduled twice.", "The fitting was not finished properly."),
}

TICKETS = Table(
    "tickets", "Customer service contacts by phone, chat, email and self-service.", "ticket",
    (
        Column("ticket_id", "int", "Ticket identifier, increasing with time.", unique=True),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("order_id", "int", "Order the ticket is about, if any.", nullable=True, references="orders.order_id"),
        Column("channel", "str", "Contact channel.", allowed=TICKET_CHANNELS),
        Column("category", "str", "What the contact is about.", allowed=TICKET_CATEGORIES),
        Column("priority", "str", "Priority set at triage.", allowed=("low", "normal", "high")),
        Column("created_at", "datetime", "When the customer got in touch."),
        Column("first_response_at", "datetime", "First reply from an agent."),
        Column("resolved_at", "datetime", "When it was resolved (missing while open).", nullable=True),
    ),
    group="service",
)

TICKET_STATUS_HISTORY = Table(
    "ticket_status_history", "Every status a ticket passed through and when it entered it.",
    "status change",
    (
        Column("ticket_id", "int", "Ticket.", references="tickets.ticket_id"),
        Column("status", "str", "Status entered. A ticket stays in a status until it enters the next; "
               "`resolved` tickets are closed automatically 48 hours later.", allowed=TICKET_STATUSES),
        Column("entered_at", "datetime", "When the ticket entered the status."),
    ),
    group="service",
)

SURVEYS = Table(
    "surveys",
    "Surveys sent after a delivery or a resolved ticket; scores only when the customer answered.",
    "survey sent",
    (
        Column("survey_id", "int", "Survey identifier.", unique=True),
        Column("customer_id", "int", "Customer surveyed.", references="customers.customer_id"),
        Column("trigger", "str", "What triggered the survey.", allowed=("post_delivery", "post_ticket")),
        Column("order_id", "int", "Order concerned, if any.", nullable=True, references="orders.order_id"),
        Column("ticket_id", "int", "Ticket concerned, if any.", nullable=True, references="tickets.ticket_id"),
        Column("sent_at", "datetime", "When the survey was sent."),
        Column("responded", "bool", "Whether the customer answered."),
        Column("nps", "int", "Likelihood to recommend, 0-10.", nullable=True, min=0, max=10),
        Column("csat", "int", "Satisfaction, 1 (very dissatisfied) to 5 (very satisfied).", nullable=True, min=1, max=5),
        Column("ces", "int", "Ease, 1 (very difficult) to 7 (very easy).", nullable=True, min=1, max=7),
        Column("verbatim", "str", "Free-text comment.", nullable=True),
    ),
    group="service",
)

VERBATIM_THEMES = Table(
    "verbatim_themes", "The theme behind each verbatim comment.", "verbatim",
    (
        Column("survey_id", "int", "Survey.", unique=True, references="surveys.survey_id"),
        Column("theme", "str", "Theme the comment was written about.", allowed=THEMES),
    ),
    group="service", truth=True,
)


def _lateness_days(orders, shipments) -> pd.Series:
    """Days late per shipped order (0 when on time), indexed by order_id, in shipments' order."""
    order_row = pd.Index(orders["order_id"]).get_indexer(shipments["order_id"])
    promised = to_us(orders["promised_delivery_date"])[order_row]
    delivered = to_us(shipments["delivered_at"])
    days = np.maximum((delivered - delivered % DAY_US - promised) // DAY_US, 0)
    return pd.Series(days, index=shipments["order_id"].to_numpy())


# Codes of the ticket categories the generators branch on.
DELIVERY, INSTALLATION, PRODUCT_FAULT, RETURNS_CATEGORY, BILLING, ACCOUNT_PRIVACY = (
    TICKET_CATEGORIES.index(c) for c in
    ("delivery", "installation", "product_fault", "returns", "billing", "account_privacy"))
FIRST_RESPONSE_MEDIAN = np.array([FIRST_RESPONSE_MEDIAN_H[c] for c in TICKET_CHANNELS])


@generates(TICKETS, needs=("customers", "orders", "shipments", "returns"))
def make_tickets(ctx, rng, customers, orders, shipments, returns):
    late = _lateness_days(orders, shipments)
    order_customer = pd.Series(orders["customer_id"].to_numpy(), index=orders["order_id"].to_numpy())
    install = (orders["delivery_method"] == "installation").to_numpy()[
        pd.Index(orders["order_id"]).get_indexer(late.index)]
    p = 0.06 + 0.30 * (late.to_numpy() > 0) + 0.08 * install
    has = rng.random(len(late)) < p
    ord_ids = late.index.to_numpy()[has]
    delivered = to_us(shipments["delivered_at"])[has]
    cat = np.where(late.to_numpy()[has] > 0, DELIVERY,
                   np.where(install[has], INSTALLATION, np.where(rng.random(has.sum()) < 0.5, DELIVERY, PRODUCT_FAULT)))
    created = delivered - (rng.random(has.sum()) * 2 * DAY_US).astype("int64") * (cat == DELIVERY) \
        + (rng.random(has.sum()) * 5 * DAY_US).astype("int64") * (cat != DELIVERY)
    cust = order_customer.loc[ord_ids].to_numpy()

    ret = returns[rng.random(len(returns)) < 0.5]
    r_cust = order_customer.loc[ret["order_id"]].to_numpy()
    r_created = to_us(ret["requested_date"]) + (rng.random(len(ret)) * DAY_US).astype("int64")

    k = rng.poisson(0.12 * (ctx.end - ctx.start).days / 730, len(customers))
    g_cust = np.repeat(customers["customer_id"].to_numpy(), k)
    g_created = to_us(ctx.start) + (rng.random(len(g_cust)) * (to_us(ctx.end) - to_us(ctx.start))).astype("int64")
    g_cat = np.where(rng.random(len(g_cust)) < 0.75, BILLING, ACCOUNT_PRIVACY)

    t = pd.DataFrame({
        "customer_id": np.r_[cust, r_cust, g_cust],
        "order_id": np.r_[ord_ids, ret["order_id"].to_numpy(), np.zeros(len(g_cust), np.int64)],  # 0: none
        "category": np.r_[cat, np.full(len(ret), RETURNS_CATEGORY), g_cat],
        "created": np.r_[created, r_created, g_created],
    })
    t["channel"] = choose(rng, len(t), [0.38, 0.30, 0.25, 0.07])
    t = _respond(rng, t)
    # Repeat contacts: slow answers and late orders make customers come back about the same thing.
    slow = (t["first_response_h"] > 24).to_numpy()
    p_rep = 0.10 + 0.18 * slow + 0.10 * (t["category"] == DELIVERY).to_numpy()
    rep = t[rng.random(len(t)) < p_rep].copy()
    rep["created"] = rep["created"] + ((1 + rng.random(len(rep)) * 6) * DAY_US).astype("int64")
    rep["channel"] = choose(rng, len(rep), [0.5, 0.3, 0.2])  # phone, chat, email
    rep = _respond(rng, rep.drop(columns=["first_response_h", "resolve_h"]))
    t = pd.concat([t, rep], ignore_index=True)
    t = t[(t["created"] >= to_us(ctx.start)) & (t["created"] <= to_us(ctx.end))]
    t = t.sort_values("created", kind="stable").reset_index(drop=True)

    business = (customers["segment"] == "business").to_numpy()[
        pd.Index(customers["customer_id"]).get_indexer(t["customer_id"])]
    priority = np.where(business, 2, np.where(rng.random(len(t)) < 0.15, 0, 1))
    first = t["created"].to_numpy() + (t["first_response_h"].to_numpy() * 3600 * US).astype("int64")
    resolved = first + (t["resolve_h"].to_numpy() * 3600 * US).astype("int64")
    order_id = t["order_id"].to_numpy()
    return pd.DataFrame({
        "ticket_id": np.arange(1, len(t) + 1), "customer_id": t["customer_id"].to_numpy(),
        "order_id": pd.arrays.IntegerArray(order_id, order_id == 0),
        "channel": text(TICKET_CHANNELS, t["channel"].to_numpy()),
        "category": text(TICKET_CATEGORIES, t["category"].to_numpy()),
        "priority": text(("low", "normal", "high"), priority),
        "created_at": from_us(t["created"].to_numpy()), "first_response_at": from_us(first),
        "resolved_at": from_us(np.where(resolved <= to_us(ctx.end), resolved, NAT)),
    }, copy=False)


def _respond(rng, t: pd.DataFrame) -> pd.DataFrame:
    """Add first-response and resolution durations (hours); slower in peak season."""
    median = FIRST_RESPONSE_MEDIAN[t["channel"].to_numpy()]
    month, _ = month_day(t["created"].to_numpy())
    peak = np.isin(month, [11, 12])
    return t.assign(
        first_response_h=median * rng.lognormal(0, 0.8, len(t)) * np.where(peak, 2.0, 1.0),
        resolve_h=rng.lognormal(np.log(18), 1.0, len(t)),
    )


@generates(TICKET_STATUS_HISTORY, needs=("tickets",))
def make_ticket_status_history(ctx, rng, tickets):
    n = len(tickets)
    status_code = {s: i for i, s in enumerate(TICKET_STATUSES)}
    category = codes_of(tickets["category"], TICKET_CATEGORIES)
    created = to_us(tickets["created_at"])
    first = to_us(tickets["first_response_at"])
    resolved_known = tickets["resolved_at"].notna().to_numpy()
    resolved = np.where(resolved_known, to_us(tickets["resolved_at"]), 0)
    pending = np.select(
        [np.isin(category, [DELIVERY, RETURNS_CATEGORY]) & (rng.random(n) < 0.6),
         (category == INSTALLATION) & (rng.random(n) < 0.7),
         rng.random(n) < 0.3],
        [status_code["pending_warehouse"], status_code["pending_field_service"], status_code["pending_customer"]],
        default=-1)
    # Pending starts a fraction of the way between first response and resolution. Tickets handed
    # to the warehouse go there at once and wait there until resolved: the planted bottleneck.
    frac = np.where(pending == status_code["pending_warehouse"], 0.05, 0.8) * rng.uniform(0.5, 1.0, n)
    pend_at = first + ((resolved - first) * frac).astype("int64")
    closed = resolved + 2 * DAY_US
    all_rows = np.arange(n)
    parts = [(all_rows, "new", created), (all_rows, "assigned", first)]
    has_p = (pending >= 0) & resolved_known
    for status in ("pending_customer", "pending_warehouse", "pending_field_service"):
        m = has_p & (pending == status_code[status])
        parts.append((np.flatnonzero(m), status, pend_at[m]))
    parts.append((np.flatnonzero(resolved_known), "resolved", resolved[resolved_known]))
    m = resolved_known & (closed <= to_us(ctx.end))
    parts.append((np.flatnonzero(m), "closed", closed[m]))
    idx = np.concatenate([p[0] for p in parts])
    status = np.concatenate([np.full(len(p[0]), status_code[p[1]]) for p in parts])
    at = np.concatenate([p[2] for p in parts])
    order = np.lexsort((at, idx))
    ctx.plant("ticket_bottleneck_status",
              {"status": "pending_warehouse", "share_of_open_time": 0.9625, "other_pending_share": 0.4,
               "auto_close_hours": 48},
              "Status where time piles up: a ticket waiting on the warehouse spends on average this share "
              "of its time from first response to resolution there (other pending statuses: "
              "other_pending_share), so it has the longest time per visit of the statuses before "
              "resolution. `resolved` lasts auto_close_hours for every ticket (the auto-close timer).")
    return pd.DataFrame({"ticket_id": tickets["ticket_id"].to_numpy()[idx[order]],
                         "status": text(TICKET_STATUSES, status[order]), "entered_at": from_us(at[order])},
                        copy=False)


RESPONSE_RATE = np.array([RESPONSE_RATES[s] for s in SEGMENTS])
LATE_DELIVERY, SLOW_RESPONSE, REPEAT_CONTACT, PRAISE = (
    THEMES.index(t) for t in ("late_delivery", "slow_response", "repeat_contact", "praise"))
#: Themes of comments not driven by the satisfaction drivers, drawn uniformly.
OTHER_THEMES = np.array([THEMES.index(t) for t in ("product_quality", "price", "app_experience", "installation")])


def _verbatim(theme: int, variant: int, days_late: int) -> str:
    return VERBATIMS[THEMES[theme]][variant].format(d=days_late)


@generates((SURVEYS, VERBATIM_THEMES), needs=("customers", "orders", "shipments", "tickets"))
def make_surveys(ctx, customers, orders, shipments, tickets):
    """Surveys with their drivers and scores, and the theme behind each verbatim (both from
    the ``surveys`` stream: the themes are part of how the surveys were made)."""
    rng = ctx.rng("surveys")
    late = _lateness_days(orders, shipments)
    created = to_us(tickets["created_at"])
    fr_h = (to_us(tickets["first_response_at"]) - created) / (3600 * US)
    with_order = tickets["order_id"].notna().to_numpy()
    per_order = pd.DataFrame({"order_id": tickets["order_id"].to_numpy()[with_order], "fr_h": fr_h[with_order]}
                             ).groupby("order_id")["fr_h"].agg(["max", "size"])
    order_customer = pd.Series(orders["customer_id"].to_numpy(), index=orders["order_id"].to_numpy())
    # post-delivery
    ship = rng.random(len(shipments)) < 0.5
    d_order = shipments["order_id"].to_numpy()[ship]
    d = pd.DataFrame({
        "trigger": 0, "order_id": d_order, "ticket_id": 0,
        "sent": to_us(shipments["delivered_at"])[ship] + DAY_US,
        "days_late": late.to_numpy()[ship],
        "fr_h": per_order["max"].reindex(d_order).fillna(0).to_numpy(),
        "repeat": (per_order["size"].reindex(d_order).fillna(0).to_numpy() >= 2).astype(int),
        "customer_id": order_customer.loc[d_order].to_numpy(),
    })
    # post-ticket
    res = tickets["resolved_at"].notna().to_numpy() & (rng.random(len(tickets)) < 0.6)
    t_order = tickets["order_id"].fillna(0).to_numpy()[res]
    key = tickets["customer_id"].to_numpy() * len(TICKET_CATEGORIES) + codes_of(tickets["category"], TICKET_CATEGORIES)
    contacts = pd.Series(key).value_counts()  # tickets per customer and category
    t = pd.DataFrame({
        "trigger": 1, "order_id": t_order, "ticket_id": tickets["ticket_id"].to_numpy()[res],
        "sent": to_us(tickets["resolved_at"])[res] + 3600 * US,
        "days_late": late.reindex(t_order).fillna(0).to_numpy(),
        "fr_h": fr_h[res],
        "repeat": (contacts.loc[key[res]].to_numpy() >= 2).astype(int),
        "customer_id": tickets["customer_id"].to_numpy()[res],
    })
    s = pd.concat([d, t], ignore_index=True)
    s = s[s["sent"] <= to_us(ctx.end)].sort_values("sent", kind="stable").reset_index(drop=True)
    n = len(s)
    segment = codes_of(customers["segment"], SEGMENTS)[pd.Index(customers["customer_id"]).get_indexer(s["customer_id"])]
    responded = rng.random(n) < RESPONSE_RATE[segment]
    w = SATISFACTION_WEIGHTS
    days_late, s_fr_h, repeat = s["days_late"].to_numpy(), s["fr_h"].to_numpy(), s["repeat"].to_numpy()
    latent = (w["intercept"] + w["days_late"] * days_late
              + w["first_response_hours"] * np.minimum(s_fr_h, 96) + w["repeat_contact"] * repeat)
    nps = np.clip(np.round(latent + rng.normal(0, w["noise_sd"], n)), 0, 10).astype(np.int64)
    csat = np.clip(np.round((latent + rng.normal(0, w["noise_sd"], n)) / 2), 1, 5).astype(np.int64)
    ces = np.clip(np.round(0.6 * (latent + rng.normal(0, w["noise_sd"], n)) + 1), 1, 7).astype(np.int64)
    theme = np.select([days_late >= 2, s_fr_h > 24, repeat == 1, nps >= 9],
                      [LATE_DELIVERY, SLOW_RESPONSE, REPEAT_CONTACT, PRAISE],
                      default=OTHER_THEMES[rng.integers(0, len(OTHER_THEMES), n)])
    has_text = np.flatnonzero(responded & (rng.random(n) < 0.55))
    variant = (rng.random(n) * 3).astype(int)
    verbatim = np.full(n, None, dtype=object)
    verbatim[has_text] = [_verbatim(th, v, dl) for th, v, dl in
                          zip(theme[has_text], variant[has_text], days_late[has_text], strict=True)]

    ctx.plant("satisfaction_weights", SATISFACTION_WEIGHTS,
              "Latent satisfaction = intercept + weights x (days late, first-response hours capped at 96, "
              "repeat contact 0/1); NPS, CSAT and CES are noisy roundings of it.")
    ctx.plant("survey_response_rates", RESPONSE_RATES, "Probability of answering a survey, by segment.")
    survey_id = np.arange(1, n + 1)
    order_id, ticket_id = s["order_id"].to_numpy(), s["ticket_id"].to_numpy()
    surveys = pd.DataFrame({
        "survey_id": survey_id, "customer_id": s["customer_id"].to_numpy(),
        "trigger": text(("post_delivery", "post_ticket"), s["trigger"].to_numpy()),
        "order_id": pd.arrays.IntegerArray(order_id, order_id <= 0),
        "ticket_id": pd.arrays.IntegerArray(ticket_id, ticket_id <= 0),
        "sent_at": from_us(s["sent"].to_numpy()), "responded": responded,
        "nps": pd.arrays.IntegerArray(nps, ~responded), "csat": pd.arrays.IntegerArray(csat, ~responded),
        "ces": pd.arrays.IntegerArray(ces, ~responded),
        "verbatim": pd.Series(verbatim, dtype="str"),
    }, copy=False)
    themes = pd.DataFrame({"survey_id": survey_id[has_text], "theme": text(THEMES, theme[has_text])})
    return {SURVEYS.name: surveys, VERBATIM_THEMES.name: themes}
