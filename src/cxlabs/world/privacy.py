"""Consent events and data-subject requests.

Planted truths: GDPR customers start without consent and grant it; CCPA customers start
consented and opt out; some customer-purposes have two events with the same timestamp
and opposite actions (a tie); DSARs arrive on the awkward days (31 January, 29 February,
weekends), some are extended, and one region answers late more often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.people import MARKET_CODES, REGIMES
from cxlabs.world.registry import generates
from cxlabs.world.sampling import DAY_US, choose, from_us, pick, text, to_us

PURPOSES = ("marketing_email", "marketing_sms", "personalisation", "analytics", "data_sharing")
CONSENT_SOURCES = ("web", "app", "store", "contact_centre", "preference_centre")
REQUEST_TYPES = ("access", "deletion", "correction", "portability", "opt_out_of_sale")

CONSENT_EVENTS = Table(
    "consent_events",
    "Every consent decision a customer made, per purpose. The latest event for a customer and "
    "purpose is the current state; with no event, the regional default applies.",
    "consent event",
    (
        Column("event_id", "int", "Event identifier.", unique=True),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("purpose", "str", "Purpose the consent is for.", allowed=PURPOSES),
        Column("action", "str", "Consent given or taken back.", allowed=("grant", "withdraw")),
        Column("event_at", "datetime", "When the customer decided."),
        Column("source", "str", "Where the decision was captured.", allowed=CONSENT_SOURCES),
    ),
    group="privacy",
)

DSAR_REQUESTS = Table(
    "dsar_requests",
    "Data-subject requests (access, deletion, ...) under GDPR and CCPA, with when they were "
    "received, extended and completed.",
    "request",
    (
        Column("request_id", "int", "Request identifier.", unique=True),
        Column("customer_id", "int", "Requester.", references="customers.customer_id"),
        Column("market", "str", "Market of the requester.", allowed=MARKET_CODES),
        Column("privacy_regime", "str", "Law the request is made under.", allowed=REGIMES),
        Column("request_type", "str", "What was asked for.", allowed=REQUEST_TYPES),
        Column("received_date", "date", "Day the request was received."),
        Column("extended", "bool", "An extension was notified to the requester."),
        Column("extension_notified_date", "date", "Day the extension notice was sent.", nullable=True),
        Column("completed_date", "date", "Day the request was completed (missing while open).", nullable=True),
    ),
    group="privacy",
)


GRANT, WITHDRAW = 0, 1  # codes into ACTIONS
ACTIONS = ("grant", "withdraw")


@generates(CONSENT_EVENTS, needs=("customers",))
def make_consent_events(ctx, rng, customers):
    n = len(customers)
    gdpr = (customers["privacy_regime"] == "GDPR").to_numpy()
    signup = np.maximum(to_us(customers["signup_date"]), to_us(ctx.start) - 365 * DAY_US)
    parts = []  # (customer row, purpose, action, time) per batch of events
    grant_rate = {"marketing_email": 0.55, "marketing_sms": 0.25, "personalisation": 0.45,
                  "analytics": 0.6, "data_sharing": 0.1}
    for p, purpose in enumerate(PURPOSES):
        # first decision: opt-in regions grant, opt-out regions withdraw
        first = np.where(gdpr, rng.random(n) < grant_rate[purpose], rng.random(n) < 0.12)
        first_action = np.where(gdpr, GRANT, WITHDRAW)
        t0 = signup + (rng.exponential(20, n) * DAY_US).astype("int64")
        # later changes of mind, alternating
        changes = rng.poisson(0.35, n) * first
        rows = np.flatnonzero(first)
        parts.append((rows, np.full(len(rows), p), first_action[rows], t0[rows]))
        rep = np.repeat(np.arange(n), changes)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(changes) - changes, changes) + 1
        flip = k % 2 == 1
        action = np.where(flip, np.where(gdpr[rep], WITHDRAW, GRANT), first_action[rep])
        t = t0[rep] + (k * rng.exponential(120, len(rep)) * DAY_US).astype("int64")
        parts.append((rep, np.full(len(rep), p), action, t))
    c, purpose, action, t = (np.concatenate([part[i] for part in parts]) for i in range(4))
    keep = t <= to_us(ctx.end)
    c, purpose, action, t = c[keep], purpose[keep], action[keep], t[keep]
    # Ties: the same instant, opposite decisions, from two channels (a sync race).
    tie = np.sort(rng.choice(len(t), size=round(0.01 * len(t)), replace=False))
    c, purpose, t = np.r_[c, c[tie]], np.r_[purpose, purpose[tie]], np.r_[t, t[tie]]
    action = np.r_[action, 1 - action[tie]]
    order = np.lexsort((purpose, c, t))  # by time, then customer, then purpose
    ctx.plant("consent_tie_count", len(tie),
              "Customer-purpose events that share their timestamp with an opposite decision.")
    return pd.DataFrame({
        "event_id": np.arange(1, len(t) + 1),
        "customer_id": customers["customer_id"].to_numpy()[c[order]],
        "purpose": text(PURPOSES, purpose[order]), "action": text(ACTIONS, action[order]),
        "event_at": from_us(t[order]),
        "source": pick(rng, CONSENT_SOURCES, len(t), [0.35, 0.2, 0.15, 0.1, 0.2]),
    }, copy=False)


@generates(DSAR_REQUESTS, needs=("customers",))
def make_dsar_requests(ctx, rng, customers):
    n_req = max(30, rng.poisson(0.012 * len(customers)))
    rows = rng.choice(len(customers), n_req, replace=False)
    c = customers.iloc[rows].reset_index(drop=True)
    regime = c["privacy_regime"].to_numpy()
    types = np.where(regime == "CCPA", choose(rng, n_req, [0.35, 0.3, 0.05, 0.05, 0.25]),
                     choose(rng, n_req, [0.5, 0.3, 0.12, 0.08]))
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    received = days[rng.integers(0, len(days), n_req)]
    awkward = pd.to_datetime(["2024-01-31", "2024-02-29", "2025-01-31", "2024-03-30", "2025-08-31"])
    received = pd.Series(received)
    received.iloc[: len(awkward) * 3] = np.repeat(awkward, 3)  # a few on the awkward days
    base_due = np.where(regime == "GDPR", 30, 45)
    extended = rng.random(n_req) < 0.12
    slow_market = MARKET_CODES[rng.integers(len(MARKET_CODES))]
    ctx.plant("dsar_slow_market", slow_market, "Market whose DSAR team misses deadlines most often.")
    lateness = rng.random(n_req) < np.where(c["market"].to_numpy() == slow_market, 0.35, 0.06)
    took = np.where(lateness, base_due + rng.integers(3, 40, n_req),
                    (base_due * rng.uniform(0.2, 0.95, n_req)).astype(int))
    took = np.where(extended, took + rng.integers(10, 50, n_req), took)
    completed = received + pd.to_timedelta(took, unit="D")
    completed = completed.where(completed <= ctx.end.normalize())
    notice = received + pd.to_timedelta(rng.integers(5, 25, n_req), unit="D")
    return pd.DataFrame({
        "request_id": np.arange(1, n_req + 1), "customer_id": c["customer_id"],
        "market": c["market"], "privacy_regime": c["privacy_regime"],
        "request_type": text(REQUEST_TYPES, types),
        "received_date": received, "extended": extended,
        "extension_notified_date": notice.where(extended), "completed_date": completed,
    }).sort_values("received_date", kind="stable").assign(
        request_id=lambda d: np.arange(1, len(d) + 1)).reset_index(drop=True)
