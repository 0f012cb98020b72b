"""Consent events and data-subject requests.

Planted truths: GDPR customers start without consent and grant it, and so does everyone for
marketing texts (in the US they need prior express written consent, 47 CFR 64.1200(a)(2));
US customers start consented to the other purposes and opt out (the company's policy); some
customer-purposes have two events with the same timestamp
and opposite actions (a tie); a batch of decisions imported from the preference centre
shares one instant (``CONSENT_BATCH_AT``), each changing its customer-purpose's state, with
ties and agreeing duplicates in it; DSARs arrive on the awkward days (31 January,
29 February, weekends), some are extended (for a complex request, several requests from one
person, or a team's backlog, which the company does not accept as a reason), one market's team
answers late more often, and the DSAR team ran California's opt-outs of sale/sharing on the
45-day clock of the other CCPA requests, where the law allows 15 business days; and
boundary requests (``DSAR_BOUNDARY_REQUESTS``) are due, noticed and answered exactly on,
the day after and the day before their deadlines, from months' ends, and around the
year-end report day.
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
#: Reasons an extension notice gives; the company accepts only the first two (its reading of
#: GDPR Art. 12(3), "the complexity and number of the requests", as the UK ICO reads it).
EXTENSION_REASONS = ("complex_request", "several_requests", "team_backlog")

CONSENT_EVENTS = Table(
    "consent_events",
    "Every consent decision a customer made, per purpose. The latest event for a customer and "
    "purpose is the current state; with no event, the default of the customer's privacy regime and the "
    "purpose applies.",
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
        Column("extension_reason", "str", "Reason given in the extension notice: a complex request, "
               "several requests from the same person, or the team's backlog (missing when not extended).",
               nullable=True, allowed=EXTENSION_REASONS),
        Column("completed_date", "date", "Day the request was completed (missing while open).", nullable=True),
    ),
    group="privacy",
)


GRANT, WITHDRAW = 0, 1  # codes into ACTIONS
ACTIONS = ("grant", "withdraw")
#: The instant the preference-centre migration imported its batch of decisions (every event of
#: the batch has exactly this event_at; a report "as of" this moment must count them).
CONSENT_BATCH_AT = pd.Timestamp("2024-09-30 12:00:00")


@generates(CONSENT_EVENTS, needs=("customers",))
def make_consent_events(ctx, rng, customers):
    n = len(customers)
    gdpr = (customers["privacy_regime"] == "GDPR").to_numpy()
    sms = PURPOSES.index("marketing_sms")
    signup = np.maximum(to_us(customers["signup_date"]), to_us(ctx.start) - 365 * DAY_US)
    parts = []  # (customer row, purpose, action, time) per batch of events
    grant_rate = {"marketing_email": 0.55, "marketing_sms": 0.25, "personalisation": 0.45,
                  "analytics": 0.6, "data_sharing": 0.1}
    for p, purpose in enumerate(PURPOSES):
        # first decision: where consent is opt-in (GDPR; marketing texts everywhere) customers
        # grant, where the company's default is consented (US, other purposes) they withdraw
        opt_in = gdpr | (p == sms)
        first = np.where(opt_in, rng.random(n) < grant_rate[purpose], rng.random(n) < 0.12)
        first_action = np.where(opt_in, GRANT, WITHDRAW)
        t0 = signup + (rng.exponential(20, n) * DAY_US).astype("int64")
        # later changes of mind, alternating
        changes = rng.poisson(0.35, n) * first
        rows = np.flatnonzero(first)
        parts.append((rows, np.full(len(rows), p), first_action[rows], t0[rows]))
        rep = np.repeat(np.arange(n), changes)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(changes) - changes, changes) + 1
        flip = k % 2 == 1
        action = np.where(flip, np.where(opt_in[rep], WITHDRAW, GRANT), first_action[rep])
        t = t0[rep] + (k * rng.exponential(120, len(rep)) * DAY_US).astype("int64")
        parts.append((rep, np.full(len(rep), p), action, t))
    c, purpose, action, t = (np.concatenate([part[i] for part in parts]) for i in range(4))
    keep = t <= to_us(ctx.end)
    c, purpose, action, t = c[keep], purpose[keep], action[keep], t[keep]
    # Ties: the same instant, opposite decisions, from two channels (a sync race).
    tie = np.sort(rng.choice(len(t), size=round(0.01 * len(t)), replace=False))
    c, purpose, t = np.r_[c, c[tie]], np.r_[purpose, purpose[tie]], np.r_[t, t[tie]]
    action = np.r_[action, 1 - action[tie]]
    # The preference-centre migration: one batch of decisions, all at CONSENT_BATCH_AT, each the
    # opposite of the customer-purpose's state just before (so a report as of that instant
    # differs from one a moment earlier). Some pairs get a second, opposite event at the same
    # instant (a tie: not consented), some a second, agreeing grant (a duplicate: consented).
    at = to_us(CONSENT_BATCH_AT)
    k = max(24, round(0.004 * n))
    pairs = rng.choice(n * len(PURPOSES), size=k, replace=False)
    b_c, b_p = pairs // len(PURPOSES), pairs % len(PURPOSES)
    # each pair's state just before the batch: latest earlier event (withdraw last at a tie), else
    # the default (not consented under GDPR and for marketing texts; consented otherwise)
    state = np.repeat(~gdpr, len(PURPOSES)) & (np.tile(np.arange(len(PURPOSES)), n) != sms)
    early = t < at
    key = (c * len(PURPOSES) + purpose)[early]
    last = np.lexsort((action[early], t[early], key))
    key, last_action = key[last], action[early][last]
    final = np.r_[key[1:] != key[:-1], True] if len(key) else np.zeros(0, bool)
    state[key[final]] = last_action[final] == GRANT
    before = state[pairs]
    b_action = np.where(before, WITHDRAW, GRANT)
    withdrawing, granting = np.flatnonzero(before), np.flatnonzero(~before)
    n_extra = max(3, k // 8)
    tie_rows = withdrawing[:n_extra]   # a grant at the same instant: the tie makes it "not consented"
    dup_rows = granting[:n_extra]      # the same grant captured twice: still consented
    extra = np.r_[tie_rows, dup_rows]
    b_c, b_p = np.r_[b_c, b_c[extra]], np.r_[b_p, b_p[extra]]
    b_action = np.r_[b_action, np.full(len(extra), GRANT)]
    source = np.r_[np.full(len(t), -1), np.full(k, CONSENT_SOURCES.index("preference_centre")),
                   np.full(len(extra), CONSENT_SOURCES.index("web"))]
    c, purpose, action = np.r_[c, b_c], np.r_[purpose, b_p], np.r_[action, b_action]
    t = np.r_[t, np.full(len(b_c), at)]
    order = np.lexsort((purpose, c, t))  # by time, then customer, then purpose (stable: ties keep their order)
    ctx.plant("consent_tie_count", len(tie) + len(tie_rows),
              "Customer-purpose events that share their timestamp with an opposite decision.")
    ctx.plant("consent_duplicate_count", len(dup_rows),
              "Customer-purpose grants recorded twice at the same instant (agreeing: still consented).")
    ctx.plant("consent_batch_at", str(CONSENT_BATCH_AT),
              "Instant of the preference-centre batch: every batch event has exactly this event_at.")
    ctx.plant("consent_batch_pairs", int(k),
              "Customer-purposes whose state the batch changes (each the opposite of the state just "
              "before the batch; with a tie it ends not consented).")
    sources = pick(rng, CONSENT_SOURCES, len(t), [0.35, 0.2, 0.15, 0.1, 0.2]).to_numpy(dtype=object)
    planted = source[order] >= 0
    sources[planted] = np.asarray(CONSENT_SOURCES, dtype=object)[source[order][planted]]
    return pd.DataFrame({
        "event_id": np.arange(1, len(t) + 1),
        "customer_id": customers["customer_id"].to_numpy()[c[order]],
        "purpose": text(PURPOSES, purpose[order]), "action": text(ACTIONS, action[order]),
        "event_at": from_us(t[order]),
        "source": pd.Series(sources, dtype="str"),
    }, copy=False)


#: The year-end report day the lab measures DSAR compliance on (lab 04, exercise 4).
DSAR_REPORT_DAY = pd.Timestamp("2025-12-31")
#: The deadlines the world is planted around (lab 04, Part 3), per regime: the due date and the
#: longest (validly extended) one, added to the day of receipt. GDPR Art. 12(3): one calendar
#: month, extendable by two further months with notice and reasons within the first month.
#: CCPA (Civ. Code 1798.130(a)(2), 11 CCR 7021(b)): 45 calendar days, extendable once by 45 with
#: notice within the first 45. The company applies the CCPA's deadlines to its other US states.
DSAR_DEADLINES = {"GDPR": (pd.DateOffset(months=1), pd.DateOffset(months=3)),
                  "CCPA": (pd.Timedelta(days=45), pd.Timedelta(days=90)),
                  "US-other": (pd.Timedelta(days=45), pd.Timedelta(days=90))}
#: An opt-out of sale/sharing (11 CCR 7026(f)): no later than 15 business days after receipt, no
#: extension. Business days are Monday to Friday (the company ignores public holidays, which can
#: only move the legal deadline later).
OPT_OUT_DEADLINE = pd.offsets.BDay(15)
#: The extension reasons the company accepts (see EXTENSION_REASONS).
ACCEPTED_EXTENSION_REASONS = ("complex_request", "several_requests")
#: Boundary requests planted in every world: (kind, regime, request type, received, extension
#: notice in days after the due date or None, completion in days after the final due date, or a
#: day, or None while open). Extensions give a complex request as their reason, except where
#: the kind says otherwise.
DSAR_BOUNDARY_REQUESTS = (
    ("answered_on_due_day", "GDPR", "access", "2024-01-31", None, 0),         # due 29 February 2024
    ("answered_day_after", "GDPR", "deletion", "2025-01-31", None, 1),        # due 28 February 2025
    ("answered_day_before", "GDPR", "access", "2024-02-29", None, -1),        # due 29 March 2024
    ("answered_on_due_day", "GDPR", "correction", "2024-03-31", None, 0),     # due 30 April (a 30-day month)
    ("answered_on_due_day", "GDPR", "access", "2025-05-31", None, 0),         # due 30 June 2025
    ("answered_on_due_day", "US-other", "access", "2024-01-31", None, 0),     # 45 days across a leap February
    ("answered_day_after", "CCPA", "deletion", "2024-09-01", None, 1),
    ("answered_day_before", "CCPA", "access", "2025-02-10", None, -1),
    ("answered_on_due_day", "CCPA", "opt_out_of_sale", "2025-03-07", None, 0),   # a Friday: due Friday 28 March
    ("answered_day_after", "CCPA", "opt_out_of_sale", "2024-06-15", None, 1),    # a Saturday: due Friday 5 July
    ("answered_day_before", "CCPA", "opt_out_of_sale", "2025-10-01", None, -1),
    ("notice_on_due_day", "GDPR", "access", "2024-01-31", 0, 0),              # final 30 April 2024
    ("notice_day_after", "GDPR", "access", "2025-01-31", 1, -1),              # not valid: final = due
    ("notice_day_before", "GDPR", "portability", "2024-10-31", -1, 1),        # final 31 January 2025
    ("notice_on_due_day", "GDPR", "access", "2024-11-30", 0, 0),              # final 28 February 2025
    ("notice_on_due_day", "CCPA", "access", "2024-03-01", 0, 0),
    ("notice_day_after", "CCPA", "deletion", "2025-06-10", 1, -2),
    ("notice_day_before", "US-other", "access", "2024-07-01", -1, -1),
    ("backlog_extension", "GDPR", "access", "2025-04-14", -10, 20),           # not valid: a backlog is no reason
    ("backlog_extension", "US-other", "deletion", "2024-10-07", -20, 10),
    ("opt_out_extension", "CCPA", "opt_out_of_sale", "2025-04-01", -5, 10),   # not valid: no extension for opt-outs
    ("opt_out_extension", "CCPA", "opt_out_of_sale", "2024-11-04", 0, 3),
    ("open_due_before_report_day", "GDPR", "access", "2025-11-30", None, None),   # due 30 December 2025
    ("open_due_after_report_day", "GDPR", "deletion", "2025-12-01", None, None),  # due 1 January 2026
    ("open_due_on_report_day", "CCPA", "access", "2025-11-16", None, None),       # due 31 December 2025
    ("open_due_before_report_day", "CCPA", "deletion", "2025-11-15", None, None),
    ("open_due_after_report_day", "US-other", "access", "2025-11-17", None, None),
    ("open_due_on_report_day", "CCPA", "opt_out_of_sale", "2025-12-10", None, None),  # due 31 December 2025
    ("answered_on_report_day", "US-other", "correction", "2025-11-20", None, "2025-12-31"),
)


def _boundary_requests(rng, customers, taken: np.ndarray) -> pd.DataFrame:
    """The planted boundary requests, each from a customer of its regime without another request."""
    spec = pd.DataFrame(list(DSAR_BOUNDARY_REQUESTS),
                        columns=["kind", "privacy_regime", "request_type", "received", "notice", "completion"])
    regime = customers["privacy_regime"].to_numpy()
    free = np.ones(len(customers), bool)
    free[taken] = False
    who = np.empty(len(spec), "int64")
    for r in spec["privacy_regime"].unique():  # a few constant rows: one draw per regime
        mine = (spec["privacy_regime"] == r).to_numpy()
        who[mine] = rng.choice(np.flatnonzero(free & (regime == r)), int(mine.sum()), replace=False)
    received = pd.to_datetime(spec["received"])
    opt_out = (spec["request_type"] == "opt_out_of_sale").to_numpy()
    due = pd.Series([d + (OPT_OUT_DEADLINE if o else DSAR_DEADLINES[r][0])
                     for d, r, o in zip(received, spec["privacy_regime"], opt_out, strict=True)])
    extended = spec["notice"].notna().to_numpy()
    notice = pd.Series([d + pd.Timedelta(days=int(x)) if x == x and x is not None else pd.NaT
                        for d, x in zip(due, spec["notice"], strict=True)], dtype="datetime64[us]")
    reason = np.where(spec["kind"] == "backlog_extension", "team_backlog", "complex_request")
    valid = extended & (notice <= due).to_numpy() & ~opt_out & np.isin(reason, ACCEPTED_EXTENSION_REASONS)
    final = pd.Series([d + DSAR_DEADLINES[r][1] if v else f
                       for d, r, v, f in zip(received, spec["privacy_regime"], valid, due, strict=True)])
    completed = pd.Series([pd.NaT if x is None else pd.Timestamp(x) if isinstance(x, str)
                           else f + pd.Timedelta(days=int(x)) for f, x in zip(final, spec["completion"], strict=True)],
                          dtype="datetime64[us]")
    return pd.DataFrame({"customer_id": customers["customer_id"].to_numpy()[who],
                         "market": customers["market"].to_numpy()[who], "privacy_regime": spec["privacy_regime"],
                         "request_type": spec["request_type"], "received_date": received,
                         "extended": extended, "extension_notified_date": notice,
                         "extension_reason": pd.Series(reason, dtype="str").where(extended),
                         "completed_date": completed, "_kind": spec["kind"]})


@generates(DSAR_REQUESTS, needs=("customers",))
def make_dsar_requests(ctx, rng, customers):
    n_req = max(30, rng.poisson(0.012 * len(customers)))
    rows = rng.choice(len(customers), n_req, replace=False)
    c = customers.iloc[rows].reset_index(drop=True)
    regime = c["privacy_regime"].to_numpy()
    types = np.where(regime == "CCPA", choose(rng, n_req, [0.3, 0.25, 0.05, 0.05, 0.35]),
                     choose(rng, n_req, [0.5, 0.3, 0.12, 0.08]))
    opt_out = types == REQUEST_TYPES.index("opt_out_of_sale")
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    received = days[rng.integers(0, len(days), n_req)]
    awkward = pd.to_datetime(["2024-01-31", "2024-02-29", "2025-01-31", "2024-03-30", "2025-08-31"])
    received = pd.Series(received)
    received.iloc[: len(awkward) * 3] = np.repeat(awkward, 3)  # a few on the awkward days
    # The team's clock: one month under GDPR, 45 days for every US request, opt-outs included
    # (the runbook's mistake: an opt-out of sale/sharing is due in 15 business days).
    base_due = np.where(regime == "GDPR", 30, 45)
    extended = rng.random(n_req) < 0.12
    others = [m for m in MARKET_CODES if m != "US-CA"]  # California's trouble is the clock, not the team
    slow_market = others[rng.integers(len(others))]
    slow = c["market"].to_numpy() == slow_market
    ctx.plant("dsar_slow_market", slow_market, "Market whose DSAR team misses deadlines most often "
              "(California aside, whose opt-outs run on the wrong clock).")
    lateness = rng.random(n_req) < np.where(slow, 0.3, 0.06)
    took = np.where(lateness, base_due + rng.integers(3, 40, n_req),
                    (base_due * rng.uniform(0.2, 0.95, n_req)).astype(int))
    # opt-outs wait three to six weeks in the 45-day queue: almost all after 15 business days
    took = np.where(opt_out & ~lateness, (45 * rng.uniform(0.5, 0.95, n_req)).astype(int), took)
    took = np.where(extended, took + rng.integers(10, 50, n_req), took)
    completed = received + pd.to_timedelta(took, unit="D")
    completed = completed.where(completed <= ctx.end.normalize())
    notice = received + pd.to_timedelta(rng.integers(5, 25, n_req), unit="D")
    # the reason the extension notice gives: the slow market's team extends to clear its backlog
    u = rng.random(n_req)
    reason = np.where(u < np.where(slow, 0.3, 0.6), 0, np.where(u < np.where(slow, 0.4, 0.8), 1, 2))
    ctx.plant("dsar_opt_out_clock", "45 days",
              "The DSAR team ran opt-outs of sale/sharing (California) on the 45-day clock of the other "
              "CCPA requests; the law (11 CCR 7026(f)) allows 15 business days, so most are late.")
    drawn = pd.DataFrame({
        "customer_id": c["customer_id"],
        "market": c["market"], "privacy_regime": c["privacy_regime"],
        "request_type": text(REQUEST_TYPES, types),
        "received_date": received, "extended": extended,
        "extension_notified_date": notice.where(extended),
        "extension_reason": text(EXTENSION_REASONS, reason).where(extended),
        "completed_date": completed, "_kind": "",
    })
    out = (pd.concat([drawn, _boundary_requests(rng, customers, rows)], ignore_index=True)
           .sort_values("received_date", kind="stable", ignore_index=True))
    out.insert(0, "request_id", np.arange(1, len(out) + 1))
    for col in ("received_date", "extension_notified_date", "completed_date"):
        out[col] = out[col].astype("datetime64[us]")
    out["extension_reason"] = out["extension_reason"].astype("str")
    kinds = out.loc[out["_kind"] != "", ["_kind", "request_id"]]
    ctx.plant("dsar_boundary_requests",
              {k: sorted(int(i) for i in g["request_id"]) for k, g in kinds.groupby("_kind")},
              "Requests planted at the deadlines' edges: answered on, the day after and the day "
              "before the final due date (opt-outs of sale/sharing among them, due in 15 business "
              "days); extension notices on, the day after and the day before the due date; "
              "extensions that are not valid on time (a backlog as the reason, an opt-out); open on "
              "the report day (31 December 2025) with the due date the day before, on or after it; "
              "answered on the report day itself.")
    return out.drop(columns="_kind")
