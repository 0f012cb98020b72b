"""Service tickets, their status history, and surveys with scores and verbatims.

Planted truths: satisfaction is driven by lateness, first-response time and repeat contact
with the weights in ``SATISFACTION_WEIGHTS``; survey response depends on segment
(``RESPONSE_RATES``); verbatims carry a theme kept in ``verbatim_themes``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.registry import generates
from cxlabs.world.sampling import US, from_us, pick, to_us

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
        Column("status", "str", "Status entered.", allowed=TICKET_STATUSES),
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
    """Days late per shipped order (0 when on time), indexed by order_id."""
    promised = orders.set_index("order_id")["promised_delivery_date"]
    s = shipments.set_index("order_id")["delivered_at"].dt.normalize()
    return ((s - promised.loc[s.index]).dt.days.clip(lower=0)).astype(int)


@generates(TICKETS, needs=("customers", "orders", "shipments", "returns"))
def make_tickets(ctx, rng, customers, orders, shipments, returns):
    late = _lateness_days(orders, shipments)
    o = orders.set_index("order_id").loc[late.index]
    install = (o["delivery_method"] == "installation").to_numpy()
    p = 0.06 + 0.30 * (late.to_numpy() > 0) + 0.08 * install
    has = rng.random(len(late)) < p
    ord_ids = late.index.to_numpy()[has]
    delivered = to_us(shipments.set_index("order_id").loc[ord_ids, "delivered_at"])
    cat = np.where(late.to_numpy()[has] > 0, "delivery",
                   np.where(install[has], "installation", pick(rng, ["delivery", "product_fault"], has.sum())))
    created = delivered - (rng.random(has.sum()) * 2 * 86400 * US).astype("int64") * (cat == "delivery") \
        + (rng.random(has.sum()) * 5 * 86400 * US).astype("int64") * (cat != "delivery")
    cust = o.loc[ord_ids, "customer_id"].to_numpy()

    ret = returns[rng.random(len(returns)) < 0.5]
    r_cust = orders.set_index("order_id").loc[ret["order_id"], "customer_id"].to_numpy()
    r_created = to_us(ret["requested_date"]) + (rng.random(len(ret)) * 86400 * US).astype("int64")

    k = rng.poisson(0.12 * (ctx.end - ctx.start).days / 730, len(customers))
    g_cust = np.repeat(customers["customer_id"].to_numpy(), k)
    g_created = to_us(ctx.start) + (rng.random(len(g_cust)) * (to_us(ctx.end) - to_us(ctx.start))).astype("int64")
    g_cat = pick(rng, ["billing", "account_privacy"], len(g_cust), [0.75, 0.25])

    t = pd.DataFrame({
        "customer_id": np.r_[cust, r_cust, g_cust],
        "order_id": pd.array(np.r_[ord_ids, ret["order_id"].to_numpy(), np.zeros(len(g_cust), int)], dtype="Int64"),
        "category": np.r_[cat, np.full(len(ret), "returns"), g_cat],
        "created": np.r_[created, r_created, g_created],
    })
    t.loc[len(cust) + len(ret):, "order_id"] = pd.NA
    t["channel"] = pick(rng, TICKET_CHANNELS, len(t), [0.38, 0.30, 0.25, 0.07])
    t = _respond(ctx, rng, t)
    # Repeat contacts: slow answers and late orders make customers come back about the same thing.
    slow = (t["first_response_h"] > 24).to_numpy()
    p_rep = 0.10 + 0.18 * slow + 0.10 * (t["category"] == "delivery").to_numpy()
    rep = t[rng.random(len(t)) < p_rep].copy()
    rep["created"] = rep["created"] + ((1 + rng.random(len(rep)) * 6) * 86400 * US).astype("int64")
    rep["channel"] = pick(rng, TICKET_CHANNELS[:3], len(rep), [0.5, 0.3, 0.2])
    rep = _respond(ctx, rng, rep.drop(columns=["first_response_h", "resolve_h"]))
    t = pd.concat([t, rep], ignore_index=True)
    t = t[(t["created"] >= to_us(ctx.start)) & (t["created"] <= to_us(ctx.end))]
    t = t.sort_values("created", kind="stable").reset_index(drop=True)

    seg = customers.set_index("customer_id").loc[t["customer_id"], "segment"].to_numpy()
    priority = np.where(seg == "business", "high", np.where(rng.random(len(t)) < 0.15, "low", "normal"))
    first = t["created"].to_numpy() + (t["first_response_h"].to_numpy() * 3600 * US).astype("int64")
    resolved = first + (t["resolve_h"].to_numpy() * 3600 * US).astype("int64")
    return pd.DataFrame({
        "ticket_id": np.arange(1, len(t) + 1), "customer_id": t["customer_id"].to_numpy(),
        "order_id": t["order_id"].to_numpy(), "channel": t["channel"].to_numpy(),
        "category": t["category"].to_numpy(), "priority": priority,
        "created_at": from_us(t["created"].to_numpy()), "first_response_at": from_us(first),
        "resolved_at": from_us(resolved).where(resolved <= to_us(ctx.end)),
    })


def _respond(ctx, rng, t: pd.DataFrame) -> pd.DataFrame:
    """Add first-response and resolution durations (hours); slower in peak season."""
    median = t["channel"].map(FIRST_RESPONSE_MEDIAN_H).to_numpy()
    month = from_us(t["created"].to_numpy()).dt.month.to_numpy()
    peak = np.isin(month, [11, 12])
    t = t.assign(
        first_response_h=median * rng.lognormal(0, 0.8, len(t)) * np.where(peak, 2.0, 1.0),
        resolve_h=rng.lognormal(np.log(18), 1.0, len(t)),
    )
    return t


@generates(TICKET_STATUS_HISTORY, needs=("tickets",))
def make_ticket_status_history(ctx, rng, tickets):
    n = len(tickets)
    created = to_us(tickets["created_at"])
    first = to_us(tickets["first_response_at"])
    resolved_known = tickets["resolved_at"].notna().to_numpy()
    resolved = np.where(resolved_known, to_us(tickets["resolved_at"].fillna(tickets["first_response_at"])), 0)
    pending = np.select(
        [tickets["category"].isin(["delivery", "returns"]).to_numpy() & (rng.random(n) < 0.6),
         (tickets["category"] == "installation").to_numpy() & (rng.random(n) < 0.7),
         rng.random(n) < 0.3],
        ["pending_warehouse", "pending_field_service", "pending_customer"], default="")
    # Pending starts a fraction of the way between first response and resolution.
    frac = np.where(pending == "pending_warehouse", 0.15, 0.4) * rng.uniform(0.5, 1.0, n)
    pend_at = first + ((resolved - first) * frac).astype("int64")
    closed = resolved + (2 * 86400 * US)
    parts = [
        (np.arange(n), "new", created),
        (np.arange(n), "assigned", first),
    ]
    has_p = (pending != "") & resolved_known
    for status in ("pending_customer", "pending_warehouse", "pending_field_service"):
        m = has_p & (pending == status)
        parts.append((np.flatnonzero(m), status, pend_at[m]))
    parts.append((np.flatnonzero(resolved_known), "resolved", resolved[resolved_known]))
    m = resolved_known & (closed <= to_us(ctx.end))
    parts.append((np.flatnonzero(m), "closed", closed[m]))
    idx = np.concatenate([p[0] for p in parts])
    status = np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in parts])
    at = np.concatenate([p[2] if len(p[2]) == len(p[0]) else p[2][p[0]] for p in parts])
    order = np.lexsort((at, idx))
    return pd.DataFrame({"ticket_id": tickets["ticket_id"].to_numpy()[idx[order]],
                         "status": status[order], "entered_at": from_us(at[order])})


def _survey_frame(ctx, rng, customers, orders, shipments, tickets):
    """Surveys with their drivers (not stored) and scores; shared by surveys and themes."""
    late = _lateness_days(orders, shipments)
    fr_h = (tickets["first_response_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    t_with_order = tickets.assign(fr_h=fr_h)[tickets["order_id"].notna()]
    per_order = t_with_order.groupby("order_id").agg(fr_h=("fr_h", "max"), n=("ticket_id", "size"))
    # post-delivery
    ship = shipments[rng.random(len(shipments)) < 0.5]
    d_order = ship["order_id"].to_numpy()
    d = pd.DataFrame({
        "trigger": "post_delivery", "order_id": d_order, "ticket_id": 0,
        "sent": to_us(ship["delivered_at"]) + 86400 * US,
        "days_late": late.loc[d_order].to_numpy(),
        "fr_h": per_order["fr_h"].reindex(d_order).fillna(0).to_numpy(),
        "repeat": (per_order["n"].reindex(d_order).fillna(0).to_numpy() >= 2).astype(int),
    })
    d["customer_id"] = orders.set_index("order_id").loc[d_order, "customer_id"].to_numpy()
    # post-ticket
    res = tickets[tickets["resolved_at"].notna() & (rng.random(len(tickets)) < 0.6)]
    t_order = res["order_id"]
    key = res["customer_id"].astype(str) + "|" + res["category"]
    counts = tickets.groupby([tickets["customer_id"].astype(str) + "|" + tickets["category"]]).size()
    t = pd.DataFrame({
        "trigger": "post_ticket", "order_id": t_order.fillna(0).astype(int).to_numpy(),
        "ticket_id": res["ticket_id"].to_numpy(),
        "sent": to_us(res["resolved_at"]) + 3600 * US,
        "days_late": late.reindex(t_order.fillna(-1).astype(int).to_numpy()).fillna(0).to_numpy(),
        "fr_h": fr_h.loc[res.index].to_numpy(),
        "repeat": (counts.loc[key].to_numpy() >= 2).astype(int),
        "customer_id": res["customer_id"].to_numpy(),
    })
    s = pd.concat([d, t], ignore_index=True)
    s = s[s["sent"] <= to_us(ctx.end)].sort_values("sent", kind="stable").reset_index(drop=True)
    n = len(s)
    seg = customers.set_index("customer_id").loc[s["customer_id"], "segment"].to_numpy()
    responded = rng.random(n) < pd.Series(seg).map(RESPONSE_RATES).to_numpy()
    w = SATISFACTION_WEIGHTS
    latent = (w["intercept"] + w["days_late"] * s["days_late"].to_numpy()
              + w["first_response_hours"] * np.minimum(s["fr_h"].to_numpy(), 96)
              + w["repeat_contact"] * s["repeat"].to_numpy())
    nps = np.clip(np.round(latent + rng.normal(0, w["noise_sd"], n)), 0, 10)
    csat = np.clip(np.round((latent + rng.normal(0, w["noise_sd"], n)) / 2), 1, 5)
    ces = np.clip(np.round(0.6 * (latent + rng.normal(0, w["noise_sd"], n)) + 1), 1, 7)
    theme = np.select(
        [s["days_late"].to_numpy() >= 2, s["fr_h"].to_numpy() > 24, s["repeat"].to_numpy() == 1, nps >= 9],
        ["late_delivery", "slow_response", "repeat_contact", "praise"],
        default=pick(rng, ["product_quality", "price", "app_experience", "installation"], n))
    has_text = responded & (rng.random(n) < 0.55)
    pick_u = rng.random(n)
    text = [VERBATIMS[th][int(u * 3)].format(d=int(dl)) if h else None
            for th, u, dl, h in zip(theme, pick_u, s["days_late"].to_numpy(), has_text, strict=True)]
    s = s.assign(responded=responded, nps=nps, csat=csat, ces=ces, theme=theme, has_text=has_text,
                 verbatim=text, survey_id=np.arange(1, n + 1))
    return s


@generates(SURVEYS, needs=("customers", "orders", "shipments", "tickets"))
def make_surveys(ctx, rng, customers, orders, shipments, tickets):
    s = _survey_frame(ctx, rng, customers, orders, shipments, tickets)
    ctx.plant("satisfaction_weights", SATISFACTION_WEIGHTS,
              "Latent satisfaction = intercept + weights x (days late, first-response hours capped at 96, "
              "repeat contact 0/1); NPS, CSAT and CES are noisy roundings of it.")
    ctx.plant("survey_response_rates", RESPONSE_RATES, "Probability of answering a survey, by segment.")
    r = s["responded"].to_numpy()

    def scores(col):
        return pd.Series(np.where(r, s[col], 0).astype(int)).astype("Int64").where(r)

    return pd.DataFrame({
        "survey_id": s["survey_id"], "customer_id": s["customer_id"], "trigger": s["trigger"],
        "order_id": s["order_id"].where(s["order_id"] > 0).astype("Int64"),
        "ticket_id": s["ticket_id"].where(s["ticket_id"] > 0).astype("Int64"),
        "sent_at": from_us(s["sent"].to_numpy()), "responded": r,
        "nps": scores("nps"), "csat": scores("csat"), "ces": scores("ces"),
        "verbatim": s["verbatim"],
    })


@generates(VERBATIM_THEMES, needs=("customers", "orders", "shipments", "tickets"))
def make_verbatim_themes(ctx, rng, customers, orders, shipments, tickets):
    s = _survey_frame(ctx, ctx.rng("surveys"), customers, orders, shipments, tickets)
    s = s[s["has_text"]]
    return pd.DataFrame({"survey_id": s["survey_id"].to_numpy(), "theme": s["theme"].to_numpy()})
