"""Aftercare: annual service plans (subscriptions, renewals, cancellations, payments) and field
service (installations, repairs and maintenance visits, with reschedules and failures).

Customers who buy a major appliance can add a service plan; older customers may hold one from
before the history starts. A plan runs in terms of 365 days and renews at each anniversary
unless the customer cancels in the 30-day notice period before it (the renewal notice goes out
on the first day of that period). Plan holders book repairs; premium plans also get one
maintenance visit per term. Installation orders get an installation visit (the one the value
stream in ``process_events`` records), sometimes after a failed or rescheduled attempt.

Planted truths:

* **Churn from operational pain.** Whether a plan renews is drawn from a logistic model
  (:data:`CHURN_EFFECTS`) of what the customer went through in the 365 days before the renewal
  notice: late deliveries, repeat contacts and failed field visits raise the odds of cancelling
  far more than spend lowers them. The features are defined in :data:`CHURN_FEATURES` and can
  be rebuilt from ``shipments``, ``orders``, ``tickets``, ``field_visits`` and ``order_lines``.
* **A leaking feature.** Customers who decide to leave look at their plan page during the
  notice period, after the cut-off (the notice date): page views counted up to the renewal
  date nearly give the outcome away; counted up to the notice date they carry no signal.
* **A service tier that does not pay.** Premium plans cost more in field visits than their fees
  bring in (:data:`TIER_SPEC`); essential and plus plans pay.
* **Acquisition channels that need more service.** Customers acquired through paid social
  request repairs more often and take the premium tier more often, those acquired by referral
  less often (:data:`REPAIR_MULTIPLIER`, :data:`PREMIUM_UPTAKE_MULTIPLIER`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.commerce import CENTRE_OF_MARKET_CODE, CENTRES
from cxlabs.world.people import ACQUISITION_CHANNELS, MARKET_CODES, SEGMENTS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import DAY_US, NAT, US, codes_of, from_us, text, to_us

TIERS = ("essential", "plus", "premium")
#: tier -> (annual fees the company picks from, repair requests per plan-year, maintenance visit
#: each term, next-day visits)
TIER_SPEC = {
    "essential": ((89.0, 99.0, 109.0), 0.25, False, False),
    "plus": ((159.0, 169.0, 179.0), 0.40, False, False),
    "premium": ((269.0, 279.0, 289.0), 0.75, True, True),
}
TIER_REPAIRS = np.array([TIER_SPEC[t][1] for t in TIERS])
TERM_DAYS = 365
NOTICE_DAYS = 30
WINDOW_DAYS = 365   # churn features look back this far from the renewal notice
REPEAT_DAYS = 7     # a ticket within this many days of an earlier one (same customer, category) is a repeat
LEGACY_FROM = pd.Timestamp("2021-01-01")  # earliest start of a plan held before the history

#: segment -> share of customers (signed up before the history) who already hold a plan
LEGACY_RATE = {"value": 0.22, "mainstream": 0.30, "premium": 0.42}
#: segment -> share of first major-appliance purchases that add a plan
ATTACH_RATE = {"value": 0.25, "mainstream": 0.35, "premium": 0.50}
#: segment -> tier mix (essential, plus, premium)
TIER_MIX = {"value": (0.70, 0.22, 0.08), "mainstream": (0.45, 0.35, 0.20), "premium": (0.25, 0.35, 0.40)}
#: segment -> share of plans billed monthly (the rest pay once a term)
MONTHLY_BILLING = {"value": 0.70, "mainstream": 0.50, "premium": 0.35}
#: acquisition channel -> multiplier on repair requests (others 1)
REPAIR_MULTIPLIER = {"paid_social": 1.8, "referral": 0.7}
#: acquisition channel -> multiplier on the weight of the premium tier (others 1)
PREMIUM_UPTAKE_MULTIPLIER = {"paid_social": 2.0}
#: Log-odds of cancelling at a renewal; see CHURN_FEATURES for the features.
CHURN_EFFECTS = {"intercept": -1.35, "tier_plus": -0.25, "tier_premium": -0.60,
                 "late_deliveries": 0.70, "repeat_contacts": 0.60, "failed_visits": 1.00,
                 "log_spend": -0.08}
CHURN_FEATURES = {
    "window": "the 365 days before the renewal notice: notice_date - 365 days <= t < notice_date",
    "late_deliveries": "the customer's shipments delivered in the window on a day after the order's "
                       "promised_delivery_date",
    "repeat_contacts": "the customer's tickets created in the window less than 7 days after an earlier "
                       "ticket of the same customer and category",
    "failed_visits": "the customer's field visits with outcome 'failed' scheduled in the window",
    "log_spend": "ln(1 + spend / 100), spend = revenue (unit_price x quantity) of the customer's completed "
                 "orders placed in the window, USD",
    "tier": "the plan's tier; essential is the reference",
}
#: Page views of the plan page: background rate per 30 days, and extra views in the notice period.
PAGE_VIEWS_PER_30_DAYS = 0.3
NOTICE_VIEWS = {"cancelled": 2.5, "renewed": 0.3}  # mean extra views (cancellers: 1 + Poisson)

VISIT_TYPES = ("installation", "repair", "maintenance")
OUTCOMES = ("completed", "failed", "no_access", "rescheduled_by_company", "rescheduled_by_customer")
COMPLETED, FAILED, NO_ACCESS, BY_COMPANY, BY_CUSTOMER = range(len(OUTCOMES))
FAILURE_REASONS = ("part_missing", "fault_not_fixed", "site_not_ready", "wrong_connection")
#: visit type -> probabilities of (failed, no_access, rescheduled_by_company, rescheduled_by_customer)
#: for an attempt that is not the job's last; the rest complete.
ATTEMPT_ODDS = {
    "installation": (0.10, 0.02, 0.05, 0.04),
    "repair": (0.20, 0.03, 0.05, 0.05),
    "maintenance": (0.02, 0.04, 0.04, 0.06),
}
MAX_ATTEMPTS = 4
PAYMENT_METHODS = ("card", "direct_debit")
PAYMENT_FAILURE = {"card": 0.05, "direct_debit": 0.02}  # first attempt fails; retries fail 30% of the time
RETRY_DAYS = 3

PLAN_TIERS = Table(
    "plan_tiers", "The service-plan tiers the company sells, with their fees and what they include.", "tier",
    (
        Column("tier", "str", "Tier name.", allowed=TIERS, unique=True),
        Column("annual_fee", "float", "Fee for one 365-day term.", unit="USD", min=0),
        Column("monthly_fee", "float", "Fee per month for plans billed monthly (12 payments a term).",
               unit="USD", min=0),
        Column("includes_maintenance", "bool", "One maintenance visit per term is included."),
        Column("next_day_visits", "bool", "Repair visits are booked for the next day."),
        Column("description", "str", "What the tier covers."),
    ),
    group="aftercare",
)

SERVICE_PLANS = Table(
    "service_plans",
    "Annual service-plan subscriptions: repairs of the customer's appliances (parts and labour) "
    "for a yearly fee. A plan renews every 365 days unless the customer cancels in the notice "
    "period; a cancelled plan ends on its renewal date.",
    "plan",
    (
        Column("plan_id", "int", "Plan identifier, increasing with the start date.", unique=True),
        Column("customer_id", "int", "Plan holder (one plan per customer).", unique=True,
               references="customers.customer_id"),
        Column("tier", "str", "Tier.", allowed=TIERS),
        Column("billing", "str", "How the fee is paid: once a term or monthly.", allowed=("annual", "monthly")),
        Column("payment_method", "str", "How payments are collected.", allowed=PAYMENT_METHODS),
        Column("started_on", "date", "First day of the first term (may be before the history starts)."),
        Column("origin_order_id", "int", "Order the plan was bought with (none for plans held from before "
               "the history).", nullable=True, references="orders.order_id"),
        Column("status", "str", "Status at the end of the history.", allowed=("active", "cancelled")),
        Column("ended_on", "date", "Day the plan ended (the renewal date it was cancelled for).", nullable=True),
    ),
    group="aftercare",
)

PLAN_RENEWALS = Table(
    "plan_renewals",
    "Every renewal date a plan reached within the history: the notice sent 30 days before it "
    "and whether the plan renewed or was cancelled. The renewal notice date is the natural "
    "cut-off for predicting the outcome.",
    "renewal date of a plan",
    (
        Column("plan_id", "int", "Plan.", references="service_plans.plan_id"),
        Column("customer_id", "int", "Plan holder.", references="customers.customer_id"),
        Column("term_number", "int", "The term that ends on the renewal date (1 = the first term).", min=1),
        Column("notice_date", "date", "Renewal notice sent: the first day of the notice period."),
        Column("renewal_date", "date", "Anniversary: the term ends and the next one would start."),
        Column("outcome", "str", "Renewed, or cancelled by the customer during the notice period.",
               allowed=("renewed", "cancelled")),
    ),
    group="aftercare",
)

PLAN_EVENTS = Table(
    "plan_events",
    "What plan holders did on the plan pages of the web site and app: page views, and "
    "cancellation requests (made during a notice period; the plan ends on the renewal date).",
    "event",
    (
        Column("plan_id", "int", "Plan.", references="service_plans.plan_id"),
        Column("customer_id", "int", "Plan holder.", references="customers.customer_id"),
        Column("event_at", "datetime", "When it happened."),
        Column("event_type", "str", "What happened.", allowed=("page_view", "cancellation_request")),
    ),
    group="aftercare",
)

PLAN_PAYMENTS = Table(
    "plan_payments",
    "Every attempt to collect a plan fee within the history: one payment per term (annual "
    "billing) or per month (monthly billing); a failed attempt is retried 3 days later.",
    "payment attempt",
    (
        Column("payment_id", "int", "Attempt identifier, increasing with time.", unique=True),
        Column("plan_id", "int", "Plan.", references="service_plans.plan_id"),
        Column("customer_id", "int", "Plan holder.", references="customers.customer_id"),
        Column("due_date", "date", "Day the instalment fell due."),
        Column("attempted_at", "datetime", "When the collection was attempted."),
        Column("amount", "float", "Amount collected (or attempted).", unit="USD", min=0),
        Column("method", "str", "Collection method.", allowed=PAYMENT_METHODS),
        Column("status", "str", "Whether the money was collected.", allowed=("succeeded", "failed")),
    ),
    group="aftercare",
)

FIELD_VISITS = Table(
    "field_visits",
    "Appointments of field technicians at customers' homes and sites: installations of what was "
    "ordered with installation, repairs under a service plan, and premium plans' maintenance. "
    "One job (an installation, one repair) can take several appointments: a rescheduled "
    "appointment did not take place; a failed one or one with no access did, without finishing "
    "the job. The completed installation visit is the `installation` stage of `process_events`.",
    "appointment",
    (
        Column("visit_id", "int", "Appointment identifier.", unique=True),
        Column("job_id", "int", "The job (installation of an order, one repair, one maintenance) it belongs to."),
        Column("attempt", "int", "Position of the appointment within its job, from 1.", min=1),
        Column("visit_type", "str", "Kind of job.", allowed=VISIT_TYPES),
        Column("customer_id", "int", "Customer visited.", references="customers.customer_id"),
        Column("order_id", "int", "Order installed (installations only).", nullable=True,
               references="orders.order_id"),
        Column("plan_id", "int", "Plan the repair or maintenance is under (none for installations).",
               nullable=True, references="service_plans.plan_id"),
        Column("fulfilment_centre", "str", "Centre whose field team serves the customer's market.",
               allowed=CENTRES),
        Column("requested_at", "datetime", "When the job was requested (the order, the repair request, "
               "or the maintenance booking)."),
        Column("scheduled_start", "datetime", "Start of the booked appointment."),
        Column("outcome", "str", "What happened at the appointment.", allowed=OUTCOMES),
        Column("failure_reason", "str", "Why a failed visit did not finish the job.", nullable=True,
               allowed=FAILURE_REASONS),
        Column("arrived_at", "datetime", "Technician arrived (none if rescheduled).", nullable=True),
        Column("finished_at", "datetime", "Technician left (none if rescheduled).", nullable=True),
        Column("units", "int", "Appliances the job covers (installed, repaired or serviced).", min=1),
    ),
    group="aftercare",
)

PLAN_CHURN_TRUTH = Table(
    "plan_churn_truth",
    "For every renewal in `plan_renewals`: the features the churn model used and the probability "
    "of cancelling it gave.",
    "renewal date of a plan",
    (
        Column("plan_id", "int", "Plan.", references="service_plans.plan_id"),
        Column("term_number", "int", "Term ending on the renewal date.", min=1),
        Column("late_deliveries", "int", "Late deliveries in the window.", min=0),
        Column("repeat_contacts", "int", "Repeat contacts in the window.", min=0),
        Column("failed_visits", "int", "Failed field visits in the window.", min=0),
        Column("spend", "float", "Order revenue in the window.", unit="USD", min=0),
        Column("churn_probability", "float", "Probability of cancelling.", min=0, max=1),
        Column("cancelled", "bool", "The outcome drawn."),
    ),
    group="aftercare", truth=True,
)


@generates(PLAN_TIERS)
def make_plan_tiers(ctx, rng):
    fee = np.array([TIER_SPEC[t][0][rng.integers(len(TIER_SPEC[t][0]))] for t in TIERS])
    covers = {"essential": "Repairs of covered appliances: parts and labour.",
              "plus": "Repairs of covered appliances, parts and labour, with no call-out limit.",
              "premium": "Repairs with next-day visits, plus one maintenance visit every term."}
    return pd.DataFrame({
        "tier": list(TIERS), "annual_fee": fee, "monthly_fee": np.round(fee / 12, 2),
        "includes_maintenance": [TIER_SPEC[t][2] for t in TIERS],
        "next_day_visits": [TIER_SPEC[t][3] for t in TIERS],
        "description": [covers[t] for t in TIERS],
    })


# ---- helpers -------------------------------------------------------------------------------

_KEY = np.int64(2**32)          # customer id * _KEY + seconds since 2000: one sortable key
_EPOCH_S = 946_684_800          # 2000-01-01 in seconds since 1970


def _key(customer: np.ndarray, us: np.ndarray) -> np.ndarray:
    return np.asarray(customer, np.int64) * _KEY + (np.asarray(us, np.int64) // US - _EPOCH_S)


def window_sum(ev_customer, ev_us, q_customer, lo_us, hi_us, weights=None) -> np.ndarray:
    """For each query i: how many events of customer ``q_customer[i]`` fall in ``[lo_us[i], hi_us[i])``
    (or the sum of their ``weights``). Window bounds must be whole seconds."""
    key = _key(ev_customer, ev_us)
    order = np.argsort(key, kind="stable")
    key = key[order]
    lo = np.searchsorted(key, _key(q_customer, lo_us), side="left")
    hi = np.searchsorted(key, _key(q_customer, hi_us), side="left")
    if weights is None:
        return hi - lo
    cum = np.r_[0.0, np.cumsum(np.asarray(weights, float)[order])]
    return cum[hi] - cum[lo]


def repeat_ticket_flags(tickets: pd.DataFrame) -> np.ndarray:
    """Per ticket: created less than REPEAT_DAYS after an earlier ticket of the same customer and category."""
    cust = tickets["customer_id"].to_numpy()
    cat = codes_of(tickets["category"], tuple(sorted(tickets["category"].unique())))
    created = to_us(tickets["created_at"])
    order = np.lexsort((created, cat, cust))
    same = np.r_[False, (cust[order][1:] == cust[order][:-1]) & (cat[order][1:] == cat[order][:-1])]
    gap = np.r_[0, np.diff(created[order])]
    flag = np.zeros(len(tickets), bool)
    flag[order] = same & (gap < REPEAT_DAYS * DAY_US)
    return flag


def _day(us: np.ndarray) -> np.ndarray:
    return us - us % DAY_US


def _slot(rng, day_us: np.ndarray) -> np.ndarray:
    """An appointment start on the given days: 08:00 to 16:00 on the hour."""
    return _day(day_us) + (8 + rng.integers(0, 9, len(day_us))) * 3600 * US



def _group_starts(group: np.ndarray) -> np.ndarray:
    """For rows sorted by ``group``: the row where each row's group starts."""
    first = np.r_[True, group[1:] != group[:-1]]
    return np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))


def _attempt_outcomes(rng, n_jobs: int, kind: str, max_attempts: int = MAX_ATTEMPTS):
    """Outcome codes of up to ``max_attempts`` appointments per job (jobs x attempts) and how many
    appointments each job takes: every job ends with its first completed appointment (the last
    one allowed always completes); the ones before it failed, found nobody in, or were rescheduled."""
    cum = np.cumsum(ATTEMPT_ODDS[kind])
    u = rng.random((n_jobs, max_attempts))
    outcome = np.where(u < cum[-1], 1 + np.searchsorted(cum, u, side="right"), COMPLETED)
    outcome[:, -1] = COMPLETED
    return outcome, np.argmax(outcome == COMPLETED, axis=1) + 1


def _rows_of_jobs(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(job per row, position within the job from 0) for jobs with ``counts`` rows each."""
    job = np.repeat(np.arange(len(counts)), counts)
    return job, np.arange(len(job)) - _group_starts(job)


def _gap_days(rng, outcome: np.ndarray) -> np.ndarray:
    """Days from one appointment to the next, after the given outcome."""
    n = len(outcome)
    return np.select([outcome == FAILED, outcome == NO_ACCESS],
                     [rng.integers(3, 11, n), rng.integers(1, 4, n)], default=rng.integers(1, 5, n))


# ---- the generator ---------------------------------------------------------------------------

AFTERCARE_TABLES = (SERVICE_PLANS, PLAN_RENEWALS, PLAN_EVENTS, PLAN_PAYMENTS, FIELD_VISITS, PLAN_CHURN_TRUTH)
_NEVER = np.iinfo(np.int64).max


@generates(AFTERCARE_TABLES,
           needs=("plan_tiers", "customers", "orders", "order_lines", "products", "shipments", "process_events",
                  "tickets"))
def make_aftercare(ctx, plan_tiers, customers, orders, order_lines, products, shipments, process_events, tickets):
    """Plans, their renewals, events and payments, field visits, and the churn truth.

    Each table draws from its own stream. Repairs are drawn as if every plan ran to the end of
    the history; the renewals, drawn from what happened before each notice, then end some
    plans, and the jobs requested after a plan ended are dropped. A renewal depends only on
    visits before its notice, while the plan was still running, so the order is consistent.
    """
    start_us, end_us = to_us(ctx.start), to_us(ctx.end)
    cust_ids = customers["customer_id"].to_numpy()
    segment = codes_of(customers["segment"], SEGMENTS)
    acq = codes_of(customers["acquisition_channel"], ACQUISITION_CHANNELS)

    order_row = pd.Index(orders["order_id"])
    cust_of_order = pd.Index(cust_ids).get_indexer(orders["customer_id"])
    completed = (orders["status"] == "completed").to_numpy()
    line_order = order_row.get_indexer(order_lines["order_id"])
    major_line = products["needs_installation"].to_numpy()[
        pd.Index(products["product_id"]).get_indexer(order_lines["product_id"])]
    qty = order_lines["quantity"].to_numpy()
    order_rev = np.bincount(line_order, weights=order_lines["unit_price"].to_numpy() * qty, minlength=len(orders))
    major_units = np.bincount(line_order, weights=major_line * qty, minlength=len(orders)).astype(np.int64)
    ship_order = order_row.get_indexer(shipments["order_id"])
    delivered = np.full(len(orders), NAT)
    delivered[ship_order] = to_us(shipments["delivered_at"])

    plans = _draw_plans(ctx.rng("service_plans"), customers, orders, cust_of_order, segment, acq, completed,
                        major_units, delivered, start_us, end_us)
    n_plans = len(plans["customer_row"])
    plan_cust = cust_ids[plans["customer_row"]]

    vrng = ctx.rng("field_visits")
    visits = _merge_jobs(vrng, _installation_jobs(vrng, orders, cust_of_order, process_events, delivered,
                                                  major_units, order_row),
                         _plan_jobs(vrng, plans, acq, start_us, end_us))
    visits["customer"] = cust_ids[visits["customer_row"]]

    # Renewals: features from the window before each notice, then the outcome.
    ren = _potential_renewals(plans, start_us, end_us)
    feats = _churn_features(ren, plan_cust, orders, cust_ids[cust_of_order], completed, order_rev, shipments,
                            ship_order, delivered, tickets, visits)
    eff = CHURN_EFFECTS
    tier = plans["tier"][ren["plan"]]
    eta = (eff["intercept"] + eff["tier_plus"] * (tier == 1) + eff["tier_premium"] * (tier == 2)
           + eff["late_deliveries"] * feats["late_deliveries"] + eff["repeat_contacts"] * feats["repeat_contacts"]
           + eff["failed_visits"] * feats["failed_visits"] + eff["log_spend"] * np.log1p(feats["spend"] / 100))
    prob = 1 / (1 + np.exp(-eta))
    cancel = ctx.rng("plan_renewals").random(len(prob)) < prob
    # A plan ends at its first cancelled renewal; the renewals after it never happen.
    plan_end = np.full(n_plans, _NEVER)
    np.minimum.at(plan_end, ren["plan"][cancel], ren["renewal"][cancel])
    happened = ren["renewal"] <= plan_end[ren["plan"]]
    ren = {k: v[happened] for k, v in ren.items()}
    feats = {k: v[happened] for k, v in feats.items()}
    prob, cancel = prob[happened], cancel[happened]
    # Jobs requested after their plan ended never happen either.
    plan_row = visits["plan_row"]
    alive = (plan_row < 0) | (visits["requested"] < plan_end[np.maximum(plan_row, 0)])
    visits = {k: v[alive] for k, v in visits.items()}

    tier_fee = plan_tiers.set_index("tier")["annual_fee"].reindex(TIERS).to_numpy()
    _plant_facts(ctx, tier_fee)
    plan_ids = np.arange(1, n_plans + 1)
    ended = plan_end < _NEVER
    origin = plans["origin_order"]
    service_plans = pd.DataFrame({
        "plan_id": plan_ids, "customer_id": plan_cust,
        "tier": text(TIERS, plans["tier"]), "billing": text(("annual", "monthly"), plans["monthly"].astype(int)),
        "payment_method": text(PAYMENT_METHODS, plans["method"]),
        "started_on": from_us(plans["start"]),
        "origin_order_id": pd.arrays.IntegerArray(
            np.where(origin >= 0, orders["order_id"].to_numpy()[np.maximum(origin, 0)], 0), origin < 0),
        "status": text(("active", "cancelled"), ended.astype(int)),
        "ended_on": from_us(np.where(ended, plan_end, NAT)),
    }, copy=False)
    renewals = pd.DataFrame({
        "plan_id": plan_ids[ren["plan"]], "customer_id": plan_cust[ren["plan"]],
        "term_number": ren["term"], "notice_date": from_us(ren["notice"]),
        "renewal_date": from_us(ren["renewal"]),
        "outcome": text(("renewed", "cancelled"), cancel.astype(int)),
    }, copy=False)
    truth = pd.DataFrame({
        "plan_id": plan_ids[ren["plan"]], "term_number": ren["term"],
        "late_deliveries": feats["late_deliveries"], "repeat_contacts": feats["repeat_contacts"],
        "failed_visits": feats["failed_visits"], "spend": np.round(feats["spend"], 2),
        "churn_probability": prob, "cancelled": cancel,
    }, copy=False)
    return {
        SERVICE_PLANS.name: service_plans,
        PLAN_RENEWALS.name: renewals,
        PLAN_EVENTS.name: _plan_events(ctx.rng("plan_events"), plans, plan_end, ren, cancel, plan_ids,
                                       plan_cust, start_us, end_us),
        PLAN_PAYMENTS.name: _plan_payments(ctx.rng("plan_payments"), plans, tier_fee, plan_end, plan_ids,
                                           plan_cust, start_us, end_us),
        FIELD_VISITS.name: _visit_table(visits, customers, orders, plan_ids, end_us),
        PLAN_CHURN_TRUTH.name: truth,
    }


def _plant_facts(ctx, tier_fee: np.ndarray) -> None:
    ctx.plant("plan_churn_effects", CHURN_EFFECTS,
              "Log-odds of cancelling a service plan at a renewal: intercept (essential tier), tier effects, "
              "and the effect per unit of each operational feature and of log spend, counted over the 365 "
              "days before the renewal notice (definitions in plan_churn_features).")
    ctx.plant("plan_churn_features", CHURN_FEATURES, "How the churn model's features are counted.")
    ctx.plant("plan_leaky_feature",
              {"table": "plan_events", "event_type": "page_view", "cutoff": "plan_renewals.notice_date",
               "mean_extra_views_in_notice_period": NOTICE_VIEWS,
               "background_views_per_30_days": PAGE_VIEWS_PER_30_DAYS},
              "Plan-page views leak the renewal outcome when counted past the notice date: customers who "
              "cancel view the page 1 + Poisson(2.5) times in the notice period, those who renew Poisson(0.3) "
              "times; before the notice everyone views it at the same background rate.")
    ctx.plant("plan_tiers_design",
              {t: {"annual_fee": float(f), "repairs_per_plan_year": TIER_SPEC[t][1],
                   "maintenance_visit_per_term": TIER_SPEC[t][2], "next_day_visits": TIER_SPEC[t][3]}
               for t, f in zip(TIERS, tier_fee, strict=True)},
              "Service-plan tiers: fee and designed field-service use (repair requests per plan-year before "
              "the acquisition-channel multiplier).")
    ctx.plant("plan_unprofitable_tiers", ["premium"],
              "Tiers whose plan fees collected in the history fall short of the cost of their plans' field "
              "visits and payment collection at the activity cost rates; the other tiers pay.")
    ctx.plant("plan_repair_multiplier_by_acquisition", REPAIR_MULTIPLIER,
              "Multiplier on plan holders' rate of repair requests, by the channel that acquired the customer "
              "(every other channel 1).")
    ctx.plant("plan_premium_uptake_multiplier_by_acquisition", PREMIUM_UPTAKE_MULTIPLIER,
              "Multiplier on the weight of the premium tier when a customer acquired through the channel "
              "chooses a tier (every other channel 1).")


def _by_code(mapping: dict, vocab, default=1.0) -> np.ndarray:
    return np.array([mapping.get(v, default) for v in vocab], dtype=float)


def _draw_plans(rng, customers, orders, cust_of_order, segment, acq, completed, major_units, delivered,
                start_us, end_us) -> dict[str, np.ndarray]:
    """Who holds a plan, from when, on which tier, billed how."""
    n = len(customers)
    consumer = segment != SEGMENTS.index("business")
    signup = to_us(customers["signup_date"])
    # Plans held from before the history.
    legacy_rate = _by_code(LEGACY_RATE, SEGMENTS, 0.0)
    legacy = consumer & (signup < start_us - DAY_US) & (rng.random(n) < legacy_rate[segment])
    lo = np.maximum(signup, to_us(LEGACY_FROM))
    legacy_start = _day(lo + (rng.random(n) * np.maximum(start_us - DAY_US - lo, 0)).astype(np.int64))
    # Plans bought with a customer's first completed major-appliance order in the history;
    # orders are in time order, so np.unique's first index is the customer's first such order.
    q = np.flatnonzero(completed & (major_units > 0) & consumer[cust_of_order])
    _, first = np.unique(cust_of_order[q], return_index=True)
    first_order = q[first]
    fc = cust_of_order[first_order]
    got = delivered[first_order]
    begin = _day(np.where(got != NAT, got, to_us(orders["ordered_at"])[first_order])) + DAY_US
    attach = ((rng.random(len(first_order)) < _by_code(ATTACH_RATE, SEGMENTS, 0.0)[segment[fc]])
              & ~legacy[fc] & (begin <= end_us))

    row = np.r_[np.flatnonzero(legacy), fc[attach]]
    start = np.r_[legacy_start[legacy], begin[attach]]
    origin = np.r_[np.full(int(legacy.sum()), -1), first_order[attach]]
    order = np.lexsort((row, start))
    row, start, origin = row[order], start[order], origin[order]
    m = len(row)
    seg = segment[row]
    mix = np.array([TIER_MIX.get(s, (1.0, 0.0, 0.0)) for s in SEGMENTS])[seg]
    mix[:, 2] *= _by_code(PREMIUM_UPTAKE_MULTIPLIER, ACQUISITION_CHANNELS)[acq[row]]
    cum = np.cumsum(mix, axis=1)
    tier = (rng.random(m)[:, None] * cum[:, -1:] >= cum).sum(axis=1)
    monthly = rng.random(m) < _by_code(MONTHLY_BILLING, SEGMENTS, 0.5)[seg]
    method = np.where(monthly, rng.random(m) < 0.6, rng.random(m) < 0.15).astype(np.int64)  # 1: direct debit
    return {"customer_row": row, "start": start, "origin_order": origin, "tier": tier,
            "monthly": monthly, "method": method}


def _installation_jobs(rng, orders, cust_of_order, process_events, delivered, major_units, order_row):
    """Installation jobs: the completed visit of the value stream, and the attempts before it."""
    inst = (process_events["stage"] == "installation").to_numpy()
    o = order_row.get_indexer(process_events["case_id"].to_numpy()[inst])
    final_start = to_us(process_events["started_at"])[inst]
    final_end = to_us(process_events["ended_at"])[inst]
    n = len(o)
    outcome, tries = _attempt_outcomes(rng, n, "installation", 3)
    gap = final_start - delivered[o]
    before = np.where(gap > 20 * 3600 * US, tries - 1, 0)  # earlier attempts need a day to fit in
    job, pos = _rows_of_jobs(before + 1)
    last = pos == before[job]
    # Earlier attempts are spread over the days between delivery and the completed visit.
    frac = (pos + rng.uniform(0.2, 0.7, len(job))) / (before[job] + 1)
    early = _slot(rng, delivered[o][job] + (frac * gap[job]).astype(np.int64))
    early = np.clip(early, delivered[o][job] + 3600 * US, final_start[job] - 3 * 3600 * US)
    early = early[np.lexsort((early, job))] + pos * 60 * US  # each job's attempts in time order
    return {"type": np.zeros(len(job), np.int64), "job": job, "attempt": pos + 1,
            "order_row": o[job], "plan_row": np.full(len(job), -1), "customer_row": cust_of_order[o][job],
            "requested": to_us(orders["ordered_at"])[o][job],
            "scheduled": np.where(last, final_start[job] - final_start[job] % (3600 * US), early),
            "outcome": np.where(last, COMPLETED, outcome[job, np.minimum(pos, 2)]),
            "arrived": np.where(last, final_start[job], NAT), "finished": np.where(last, final_end[job], NAT),
            "units": np.maximum(major_units[o][job], 1)}


def _plan_jobs(rng, plans, acq, start_us, end_us):
    """Repair requests and maintenance bookings of every plan, as if it ran to the end of the history."""
    n_plans = len(plans["start"])
    begin = np.maximum(plans["start"], start_us)
    years = (end_us - begin) / (365 * DAY_US)
    rate = TIER_REPAIRS[plans["tier"]] * _by_code(REPAIR_MULTIPLIER, ACQUISITION_CHANNELS)[acq[plans["customer_row"]]]
    rep_plan = np.repeat(np.arange(n_plans), rng.poisson(rate * years))
    rep_req = begin[rep_plan] + (rng.random(len(rep_plan)) * (end_us - begin[rep_plan])).astype(np.int64)
    # Maintenance: premium plans, one visit per term, 30 to 330 days into the term, booked a week ahead.
    premium = np.flatnonzero(plans["tier"] == TIERS.index("premium"))
    term_start = plans["start"][premium][:, None] + np.arange(6)[None, :] * TERM_DAYS * DAY_US
    visit_day = term_start + rng.integers(30, 331, term_start.shape) * DAY_US
    ok = (visit_day >= start_us + 7 * DAY_US) & (visit_day <= end_us)
    mnt_plan = np.broadcast_to(premium[:, None], term_start.shape)[ok]
    mnt_req = visit_day[ok] - 7 * DAY_US

    kind = np.r_[np.ones(len(rep_plan), np.int64), np.full(len(mnt_plan), 2)]
    plan_row = np.r_[rep_plan, mnt_plan]
    requested = np.r_[rep_req, mnt_req]
    rep_out, rep_tries = _attempt_outcomes(rng, len(rep_plan), "repair")
    mnt_out, mnt_tries = _attempt_outcomes(rng, len(mnt_plan), "maintenance")
    outcomes = np.r_[rep_out, mnt_out]
    job, pos = _rows_of_jobs(np.r_[rep_tries, mnt_tries])
    outcome = outcomes[job, pos]
    # First appointment: next day for premium repairs, in 2 to 6 days for other repairs, on the
    # booked day for maintenance; each later one some days after the one before.
    priority = (plans["tier"][plan_row] == TIERS.index("premium")) & (kind == 1)
    first = np.where(kind == 2, 7, np.where(priority, 1, rng.integers(2, 7, len(kind))))
    gap = _gap_days(rng, outcome)
    starts = _group_starts(job)
    before = np.cumsum(gap) - gap
    waited = before - before[starts]  # days of gaps after the earlier appointments of the job
    scheduled = _slot(rng, requested[job] + (first[job] + waited) * DAY_US)
    return {"type": kind[job], "job": job, "attempt": pos + 1, "order_row": np.full(len(job), -1),
            "plan_row": plan_row[job], "customer_row": plans["customer_row"][plan_row[job]],
            "requested": requested[job], "scheduled": scheduled, "outcome": outcome,
            "arrived": np.full(len(job), NAT), "finished": np.full(len(job), NAT),
            "units": np.ones(len(job), np.int64)}


def _merge_jobs(rng, inst: dict, plan: dict) -> dict[str, np.ndarray]:
    """Installation and plan appointments together, with arrival and departure times."""
    plan = dict(plan, job=plan["job"] + (inst["job"].max() + 1 if len(inst["job"]) else 0))
    v = {k: np.r_[inst[k], plan[k]] for k in inst}
    n = len(v["job"])
    attended = v["outcome"] <= NO_ACCESS
    todo = attended & (v["arrived"] == NAT)
    arrive = v["scheduled"] + (rng.random(n) * 90 * 60 * US).astype(np.int64)
    minutes = np.select([v["outcome"] == NO_ACCESS, v["outcome"] == FAILED, v["type"] == 2],
                        [10.0, 30.0, 40.0], default=50.0) * rng.lognormal(0, 0.3, n)
    v["arrived"] = np.where(todo, arrive, v["arrived"])
    v["finished"] = np.where(todo, arrive + (minutes * 60 * US).astype(np.int64), v["finished"])
    reason = np.full(n, -1)
    failed = v["outcome"] == FAILED
    u = rng.random(n)
    reason = np.where(failed & (v["type"] == 0),
                      np.select([u < 0.45, u < 0.80], [FAILURE_REASONS.index("site_not_ready"),
                                                       FAILURE_REASONS.index("wrong_connection")],
                                FAILURE_REASONS.index("part_missing")), reason)
    reason = np.where(failed & (v["type"] > 0),
                      np.where(u < 0.65, FAILURE_REASONS.index("part_missing"),
                               FAILURE_REASONS.index("fault_not_fixed")), reason)
    v["reason"] = reason
    return v


def _potential_renewals(plans, start_us, end_us) -> dict[str, np.ndarray]:
    """Every anniversary of every plan inside the history, as if no plan were ever cancelled."""
    k = np.arange(1, 7)
    renewal = plans["start"][:, None] + k[None, :] * TERM_DAYS * DAY_US
    ok = (renewal >= start_us) & (renewal <= end_us)
    plan = np.broadcast_to(np.arange(len(plans["start"]))[:, None], renewal.shape)[ok]
    renewal = renewal[ok]
    return {"plan": plan, "term": np.broadcast_to(k[None, :], ok.shape)[ok], "renewal": renewal,
            "notice": renewal - NOTICE_DAYS * DAY_US}


def _churn_features(ren, plan_cust, orders, order_cust, completed, order_rev, shipments, ship_order, delivered,
                    tickets, visits) -> dict[str, np.ndarray]:
    """The churn model's features over the window before each renewal notice (CHURN_FEATURES)."""
    q = plan_cust[ren["plan"]]
    hi = ren["notice"]
    lo = hi - WINDOW_DAYS * DAY_US
    promised = to_us(orders["promised_delivery_date"])[ship_order]
    got = delivered[ship_order]
    late = _day(got) > promised
    repeat = repeat_ticket_flags(tickets)
    failed = visits["outcome"] == FAILED
    return {
        "late_deliveries": window_sum(order_cust[ship_order][late], got[late], q, lo, hi),
        "repeat_contacts": window_sum(tickets["customer_id"].to_numpy()[repeat],
                                      to_us(tickets["created_at"])[repeat], q, lo, hi),
        "failed_visits": window_sum(visits["customer"][failed], visits["scheduled"][failed], q, lo, hi),
        "spend": window_sum(order_cust[completed], to_us(orders["ordered_at"])[completed], q, lo, hi,
                            weights=order_rev[completed]),
    }


def _plan_events(rng, plans, plan_end, ren, cancel, plan_ids, plan_cust, start_us, end_us) -> pd.DataFrame:
    """Plan-page views at a background rate, extra views in notice periods, cancellation requests."""
    n = len(plans["start"])
    begin = np.maximum(plans["start"], start_us)
    stop = np.minimum(plan_end, end_us)
    k = rng.poisson(PAGE_VIEWS_PER_30_DAYS * (stop - begin) / (30 * DAY_US))
    bg_plan = np.repeat(np.arange(n), k)
    bg_at = begin[bg_plan] + (rng.random(len(bg_plan)) * (stop - begin)[bg_plan]).astype(np.int64)
    # Notice periods: cancellers look at the page, then ask to cancel; renewers glance at it.
    m = len(cancel)
    request = ren["notice"] + (rng.uniform(0.35, 0.95, m) * NOTICE_DAYS * DAY_US).astype(np.int64)
    extra = np.where(cancel, 1 + rng.poisson(NOTICE_VIEWS["cancelled"], m), rng.poisson(NOTICE_VIEWS["renewed"], m))
    nv = np.repeat(np.arange(m), extra)
    until = np.where(cancel, request, ren["renewal"])
    nv_at = ren["notice"][nv] + (rng.random(len(nv)) * (until - ren["notice"])[nv]).astype(np.int64)
    req = np.flatnonzero(cancel)
    plan = np.r_[bg_plan, ren["plan"][nv], ren["plan"][req]]
    at = np.r_[bg_at, nv_at, request[req]]
    kind = np.r_[np.zeros(len(bg_plan) + len(nv), np.int64), np.ones(len(req), np.int64)]
    keep = (at >= start_us) & (at <= end_us)
    plan, at, kind = plan[keep], at[keep], kind[keep]
    order = np.lexsort((kind, plan, at))
    return pd.DataFrame({"plan_id": plan_ids[plan[order]], "customer_id": plan_cust[plan[order]],
                         "event_at": from_us(at[order]),
                         "event_type": text(("page_view", "cancellation_request"), kind[order])}, copy=False)


def _plan_payments(rng, plans, tier_fee, plan_end, plan_ids, plan_cust, start_us, end_us) -> pd.DataFrame:
    """One instalment per term (annual billing) or per month, while the plan runs, inside the history."""
    start = plans["start"]
    monthly = plans["monthly"]
    per_term = np.where(monthly, 12, 1)
    stop = np.minimum(plan_end, end_us + 1)
    # Instalment k falls due floor(k * 365 / per_term) days after the start.
    k_lo = np.maximum((start_us - start) // DAY_US * per_term // TERM_DAYS - 1, 0)
    k_hi = (stop - 1 - start) // DAY_US * per_term // TERM_DAYS + 1
    count = np.maximum(k_hi - k_lo + 1, 0)
    plan = np.repeat(np.arange(len(start)), count)
    k = k_lo[plan] + np.arange(len(plan)) - _group_starts(plan)
    due = start[plan] + (k * TERM_DAYS // per_term[plan]) * DAY_US
    ok = (due >= start_us) & (due < stop[plan])
    plan, due = plan[ok], due[ok]
    fee = tier_fee[plans["tier"][plan]]
    amount = np.where(monthly[plan], np.round(fee / 12, 2), fee)
    method = plans["method"][plan]
    # Attempts: the first can fail; a retry 3 days later fails 30% of the time; the third succeeds.
    n = len(plan)
    fail1 = rng.random(n) < np.where(method == 1, PAYMENT_FAILURE["direct_debit"], PAYMENT_FAILURE["card"])
    fail2 = fail1 & (rng.random(n) < 0.3)
    tries = 1 + fail1 + fail2
    row, attempt = _rows_of_jobs(tries)
    at = due[row] + (6 + rng.integers(0, 4, len(row))) * 3600 * US + attempt * RETRY_DAYS * DAY_US
    failed = attempt < tries[row] - 1
    keep = at <= end_us
    row, at, failed = row[keep], at[keep], failed[keep]
    order = np.lexsort((row, at))
    row, at, failed = row[order], at[order], failed[order]
    return pd.DataFrame({
        "payment_id": np.arange(1, len(row) + 1), "plan_id": plan_ids[plan[row]],
        "customer_id": plan_cust[plan[row]], "due_date": from_us(due[row]), "attempted_at": from_us(at),
        "amount": amount[row], "method": text(PAYMENT_METHODS, method[row]),
        "status": text(("succeeded", "failed"), failed.astype(int)),
    }, copy=False)


def _visit_table(v, customers, orders, plan_ids, end_us) -> pd.DataFrame:
    """The appointments inside the history (installations as the value stream has them), in time order."""
    keep = (v["type"] == 0) | (v["scheduled"] <= end_us)
    v = {k: a[keep] for k, a in v.items()}
    order = np.lexsort((v["attempt"], v["job"], v["scheduled"]))
    v = {k: a[order] for k, a in v.items()}
    _, job_id = np.unique(v["job"], return_inverse=True)
    first_seen = np.full(job_id.max() + 1 if len(job_id) else 0, len(job_id))
    np.minimum.at(first_seen, job_id, np.arange(len(job_id)))
    rank = np.empty_like(first_seen)
    rank[np.argsort(first_seen, kind="stable")] = np.arange(len(first_seen))
    centre = CENTRE_OF_MARKET_CODE[codes_of(customers["market"], MARKET_CODES)][v["customer_row"]]
    order_row, plan_row = v["order_row"], v["plan_row"]
    return pd.DataFrame({
        "visit_id": np.arange(1, len(order) + 1), "job_id": rank[job_id] + 1, "attempt": v["attempt"],
        "visit_type": text(VISIT_TYPES, v["type"]), "customer_id": v["customer"],
        "order_id": pd.arrays.IntegerArray(orders["order_id"].to_numpy()[np.maximum(order_row, 0)], order_row < 0),
        "plan_id": pd.arrays.IntegerArray(plan_ids[np.maximum(plan_row, 0)] if len(plan_ids) else plan_row,
                                          plan_row < 0),
        "fulfilment_centre": text(CENTRES, centre),
        "requested_at": from_us(v["requested"]), "scheduled_start": from_us(v["scheduled"]),
        "outcome": text(OUTCOMES, v["outcome"]), "failure_reason": text(FAILURE_REASONS, v["reason"]),
        "arrived_at": from_us(v["arrived"]), "finished_at": from_us(v["finished"]), "units": v["units"],
    }, copy=False)
