"""Automated decisions: the instalment-credit model in production, month by month (lab 14).

Since 2024-01 every application for instalment credit at checkout is scored by a model (the
probability that the customer repays) and decided by the credit policy's rule
(:mod:`cxlabs.decision_rule`). ``credit_decisions`` holds each application's inputs, score,
logged decision and later outcome (30+ days past due on any instalment within the three
calendar months after the application month; unknown for applications after 2025-09).

Planted truths (``ctx.plant``):

* ``decision_feature_drift``: the app release of 2025-04 (version 5.0) changes how the app
  measures ``engagement_score``, one of the model's inputs: app 5.0 counts background refreshes
  as sessions, so the score is higher and says less about the customer. The other inputs keep
  their distribution. Adoption of 5.0 by month is planted.
* ``decision_fairness_gap``: from 2025-06 the app asks EU customers for tracking consent; those
  who decline send no app events and their engagement score reads 0, so the model declines good
  payers in the EU: a selection-rate and false-decline gap in one region, after the drift.
* ``decision_decay``: the model's AUC (score against repaying) falls after the release; by our
  policy (retrain when the monthly AUC is more than 0.05 below the baseline year's AUC for two
  consecutive months) retraining is due in the planted month.
* ``decision_rule_edge_cases``: the production system does not implement the policy at its
  edges: a missing bureau count is read as 0 missed payments, stale bureau data are used as
  fresh, a score exactly at the approval threshold is referred (``>`` for ``>=``), and the
  collections flag is checked before the conflict clause. Which records each defect touches is
  in ``credit_decision_truth``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs import decision_rule as R
from cxlabs.schema import Column, Table
from cxlabs.world.people import REGIONS, SEGMENTS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import DAY_US, codes_of, from_us, text, to_us

MONTHS = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
APPLICATIONS_PER_MONTH = 3000
RELEASE_MONTH = pd.Timestamp("2025-04-01")   # app 5.0
CONSENT_MONTH = pd.Timestamp("2025-06-01")   # the EU tracking-consent prompt
GAP_REGION = "EU"
LAST_OUTCOME_MONTH = pd.Timestamp("2025-09-01")
#: Share of applications from customers on app 5.0, by month from the release.
ADOPTION = {"2025-04": 0.12, "2025-05": 0.75, "2025-06": 0.85}
ADOPTION_LATER = 0.90
DECLINE_TRACKING = 0.45  # share of EU customers on app 5.0 who decline tracking from 2025-06
APP_VERSIONS = ("4.9", "5.0")
EDGE_CASES = ("none", "missing", "stale", "conflicting", "boundary")
#: Our policy for retraining (lab 14): the AUC of a month more than DELTA below the baseline
#: year's (2024) pooled AUC, for CONSECUTIVE months in a row; the trigger is the last of them.
DECAY_DELTA, DECAY_CONSECUTIVE = 0.05, 2
TRIGGER_MONTH = "2025-06"
# The model (and, before the release, the truth): log-odds of repaying.
B0, B_ENGAGEMENT, B_MISSED, B_TENURE, B_BASKET = 1.55, 0.05, -0.65, 0.015, -0.35
SEGMENT_SHIFT = np.array([-0.35, 0.0, 0.35, 0.15])  # value, mainstream, premium, business (not in the model)

CREDIT_DECISIONS = Table(
    "credit_decisions",
    "Every application for instalment credit at checkout, 2024-01 to 2025-12: the model's inputs "
    "as they were when it decided, its score, the decision the production system logged, and the "
    "later outcome. Decisions follow the credit policy's rule (`cxlabs.decision_rule`), as the "
    "production system implements it.",
    "application",
    (
        Column("application_id", "int", "Application identifier.", unique=True),
        Column("customer_id", "int", "Applicant.", references="customers.customer_id"),
        Column("applied_at", "datetime", "When the application was made."),
        Column("month", "date", "First day of the application's calendar month."),
        Column("segment", "str", "The customer's commercial segment.", allowed=SEGMENTS),
        Column("region", "str", "The customer's region.", allowed=REGIONS),
        Column("app_version", "str", "Version of the company's app on the customer's phone (5.0 "
               "released 2025-04).", allowed=APP_VERSIONS),
        Column("tenure_months", "int", "Whole months (of 30.44 days) from signup to the application.",
               unit="months", min=0),
        Column("basket_usd", "float", "Basket to be paid in instalments.", unit="USD", min=0),
        Column("missed_payments_12m", "int", "Missed payments on any credit in the past 12 months, "
               "from the credit bureau (missing: no credit file).", min=0, nullable=True),
        Column("in_collections", "bool", "The company's collections system flags the customer."),
        Column("bureau_checked_on", "date", "Day the bureau data were fetched (reused until refreshed)."),
        Column("engagement_score", "float", "App and web engagement in the past 30 days, 0-100, as the "
               "app measures it.", unit="points", min=0, max=100),
        Column("score", "float", "The model's probability that the customer repays, 3 decimals "
               "(a missing bureau count enters the model as 0).", unit="probability", min=0, max=1),
        Column("decision", "str", "Decision the production system logged.", allowed=R.DECISIONS),
        Column("delinquent_3m", "bool", "30+ days past due on any instalment (or, if not approved, on "
               "any credit the bureau reports) within the three calendar months after the application "
               "month; missing for applications after 2025-09 (not yet known).", nullable=True),
    ),
    group="decisions",
)

CREDIT_DECISION_TRUTH = Table(
    "credit_decision_truth",
    "What the credit model could not see, per application: the engagement the old app would have "
    "measured, the true probability of repaying, the policy's decision and which planted defect "
    "of the production system the record meets.",
    "application",
    (
        Column("application_id", "int", "Application.", unique=True,
               references="credit_decisions.application_id"),
        Column("engagement_true", "float", "Engagement as app 4.9 measures it.", unit="points", min=0, max=100),
        Column("repay_probability", "float", "True probability of repaying.", unit="probability", min=0, max=1),
        Column("policy_decision", "str", "Decision of `cxlabs.decision_rule.decide`.", allowed=R.DECISIONS),
        Column("edge_case", "str", "The policy clause at an edge that decides the record (missing bureau "
               "count, stale bureau data, conflicting collections flag, score exactly at the approval "
               "threshold), or none.", allowed=EDGE_CASES),
    ),
    group="decisions", truth=True,
)


def _logit(engagement, missed, tenure, basket):
    return (B0 + B_ENGAGEMENT * (engagement - 50) + B_MISSED * missed
            + B_TENURE * np.minimum(tenure, 60) + B_BASKET * np.log(basket / 450))


def policy_decisions(score, basket, missed, collections, age_days, *, production: bool = False):
    """The rule of :mod:`cxlabs.decision_rule` on arrays (codes into ``DECISIONS``), and the
    production system's version of it with its four defects (``production=True``)."""
    missing = np.isnan(missed)
    m = np.where(missing, 0, missed)
    approve, refer, decline = 0, 1, 2
    if production:
        clauses = [(basket > R.MAX_BASKET_USD, decline), (collections, decline),
                   (m >= R.MAX_MISSED, decline), (score > R.APPROVE_AT, approve), (score >= R.REFER_AT, refer)]
    else:
        clauses = [(basket > R.MAX_BASKET_USD, decline), (missing, refer),
                   (age_days > R.STALE_AFTER_DAYS, refer), (collections & (m == 0), refer),
                   (collections, decline), (m >= R.MAX_MISSED, decline),
                   (score >= R.APPROVE_AT, approve), (score >= R.REFER_AT, refer)]
    return np.select([c for c, _ in clauses], [d for _, d in clauses], decline)


@generates((CREDIT_DECISIONS, CREDIT_DECISION_TRUTH), needs=("customers",))
def make_credit_decisions(ctx, customers):
    rng = ctx.rng(CREDIT_DECISIONS.name)
    truth_rng = ctx.rng(CREDIT_DECISION_TRUTH.name)
    signup = to_us(customers["signup_date"])
    quality = truth_rng.normal(0, 1, len(customers))  # creditworthiness, per customer
    month_us = to_us(MONTHS)
    month_end = to_us(MONTHS + pd.offsets.MonthBegin())
    counts = rng.poisson(APPLICATIONS_PER_MONTH * ctx.scale, len(MONTHS))
    month_idx = np.repeat(np.arange(len(MONTHS)), counts)
    n = len(month_idx)
    # Applicants: customers who signed up before the month began.
    order = np.argsort(signup, kind="stable")
    eligible = np.searchsorted(signup[order], month_us[month_idx], side="left")
    row = order[(rng.random(n) * eligible).astype(np.int64)]
    at = month_us[month_idx] + (rng.random(n) * (month_end - month_us)[month_idx]).astype(np.int64)
    seg = codes_of(customers["segment"], SEGMENTS)[row]
    region = codes_of(customers["region"], REGIONS)[row]
    q = quality[row]
    tenure = ((at - signup[row]) // DAY_US / 30.44).astype(np.int64)
    basket = np.round(np.clip(np.exp(rng.normal(np.log(420) + 0.3 * (seg == 2) + 0.5 * (seg == 3), 0.75)),
                              25, 6000), 2)
    at_limit = rng.random(n) < 0.004  # carts topped up to the limit
    basket[at_limit] = R.MAX_BASKET_USD
    missed = rng.poisson(np.exp(-1.1 - 0.8 * q)).astype(float)
    missed[rng.random(n) < 0.025] = np.nan  # thin file: no bureau record
    collections = rng.random(n) < 1 / (1 + np.exp(4.3 + 0.9 * q))
    age = rng.integers(0, 61, n)
    stale = rng.random(n) < 0.03
    age[stale] = rng.integers(91, 400, stale.sum())
    age[rng.random(n) < 0.004] = R.STALE_AFTER_DAYS  # exactly at the limit (not stale)
    day_us = at // DAY_US * DAY_US
    checked = day_us - age * DAY_US
    e_true = np.clip(50 + 15 * q + rng.normal(0, 12, n), 0, 100)
    # App 5.0: adoption by month; its engagement is inflated and mostly noise.
    adoption = np.array([0.0 if m < RELEASE_MONTH else ADOPTION.get(m.strftime("%Y-%m"), ADOPTION_LATER)
                         for m in MONTHS])
    v5 = rng.random(n) < adoption[month_idx]
    e_v5 = np.clip(72 + 0.3 * (e_true - 50) + rng.normal(0, 12, n), 0, 100)
    untracked = v5 & (region == REGIONS.index(GAP_REGION)) & (month_us[month_idx] >= to_us(CONSENT_MONTH)) \
        & (rng.random(n) < DECLINE_TRACKING)
    engagement = np.round(np.where(untracked, 0.0, np.where(v5, e_v5, e_true)), 1)
    m0 = np.nan_to_num(missed)
    score = np.round(1 / (1 + np.exp(-_logit(engagement, m0, tenure, basket))), 3)
    p_true = 1 / (1 + np.exp(-(_logit(np.round(e_true, 1), m0, tenure, basket) + SEGMENT_SHIFT[seg]
                               - 1.2 * collections)))
    delinquent = rng.random(n) >= p_true
    policy = policy_decisions(score, basket, missed, collections, age)
    logged = policy_decisions(score, basket, missed, collections, age, production=True)
    reach = basket <= R.MAX_BASKET_USD
    edge = np.select(
        [reach & np.isnan(missed), reach & (age > R.STALE_AFTER_DAYS),
         reach & collections & (m0 == 0),
         reach & ~collections & (m0 < R.MAX_MISSED) & (score == R.APPROVE_AT)],
        [1, 2, 3, 4], 0)
    known = month_us[month_idx] <= to_us(LAST_OUTCOME_MONTH)
    ids = np.arange(1, n + 1)
    decisions = pd.DataFrame({
        "application_id": ids, "customer_id": customers["customer_id"].to_numpy()[row],
        "applied_at": from_us(at), "month": from_us(month_us[month_idx]),
        "segment": text(SEGMENTS, seg), "region": text(REGIONS, region),
        "app_version": text(APP_VERSIONS, v5.astype(np.int64)),
        "tenure_months": tenure, "basket_usd": basket,
        "missed_payments_12m": pd.arrays.IntegerArray(m0.astype(np.int64), np.isnan(missed)),
        "in_collections": collections, "bureau_checked_on": from_us(checked),
        "engagement_score": engagement, "score": score,
        "decision": text(R.DECISIONS, logged),
        "delinquent_3m": pd.arrays.BooleanArray(delinquent, ~known),
    }, copy=False)
    truth = pd.DataFrame({
        "application_id": ids, "engagement_true": np.round(e_true, 1),
        "repay_probability": np.round(p_true, 6), "policy_decision": text(R.DECISIONS, policy),
        "edge_case": text(EDGE_CASES, edge),
    }, copy=False)
    _plant(ctx, edge, policy, logged)
    return {CREDIT_DECISIONS.name: decisions, CREDIT_DECISION_TRUTH.name: truth}


def _plant(ctx, edge, policy, logged):
    ctx.plant("decision_feature_drift",
              {"feature": "engagement_score", "start_month": RELEASE_MONTH.strftime("%Y-%m"),
               "app_version": "5.0", "adoption": {**ADOPTION, "later": ADOPTION_LATER},
               "stable_features": ["basket_usd", "missed_payments_12m"]},
              "App 5.0 (released 2025-04) counts background refreshes as sessions: for its users the "
              "model input engagement_score is 72 + 0.3 (true - 50) + noise (sd 12), capped at 100, instead of the true "
              "engagement. Adoption is the share of applications from app 5.0 users by month. "
              "basket_usd and missed_payments_12m keep their distribution (tenure creeps up as the "
              "customer base ages).")
    ctx.plant("decision_fairness_gap",
              {"region": GAP_REGION, "start_month": CONSENT_MONTH.strftime("%Y-%m"),
               "decline_tracking_share": DECLINE_TRACKING},
              "From 2025-06 the app asks EU customers for tracking consent; the share of EU app-5.0 "
              "users who decline send no events and their engagement_score reads 0. The model then "
              "declines good payers in the EU: selection rate (four-fifths ratio below 0.8) and false "
              "declines diverge from the other regions from that month, not before.")
    ctx.plant("decision_decay",
              {"metric": "AUC of score for repaying (delinquent_3m false)", "baseline": "2024",
               "delta": DECAY_DELTA, "consecutive": DECAY_CONSECUTIVE, "trigger_month": TRIGGER_MONTH,
               "last_outcome_month": LAST_OUTCOME_MONTH.strftime("%Y-%m")},
              "Before the release the score is the true probability of repaying, apart from a segment "
              "shift the model leaves out. After it the monthly AUC falls; our policy (retrain when the "
              "monthly AUC is more than delta below the pooled 2024 AUC for `consecutive` months in a row) "
              "triggers in trigger_month. Outcomes are known up to last_outcome_month.")
    wrong = policy != logged
    ctx.plant("decision_rule_edge_cases",
              {kind: {"records": int((edge == i).sum()), "wrong": int((wrong & (edge == i)).sum())}
               for i, kind in enumerate(EDGE_CASES)},
              "The production system's defects against the policy rule (cxlabs.decision_rule): a missing "
              "bureau count is read as 0 (missing), stale bureau data are not checked (stale), the "
              "collections flag is checked before the conflict clause (conflicting), and approval needs a "
              "score above, not at, 0.85 (boundary). Per kind: records where that clause decides and "
              "how many of them the production system decided differently; none: no disagreement.")
