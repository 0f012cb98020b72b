"""Experiments of 2025: a service pilot (satisfaction against unit cost), an e-mail test whose
assignment log shows a sample-ratio mismatch, and an e-mail frequency test for the fatigue
question.

Units are the customers in ``customers``. Only customers who could be e-mailed for marketing
on the day take part in the e-mail tests (their latest ``marketing_email`` decision in
``consent_events`` is a grant; with no decision, the regional default: opt-in under GDPR,
opt-out elsewhere; a grant and a withdrawal at the same instant count as a withdrawal).

Planted truths (``ctx.plant``):

* ``service_pilot_effects``: the pilot's true effect on satisfaction (0-10) and on service
  cost per participant (USD), as the mean difference of each participant's two potential
  outcomes; the pre-period metrics that reduce variance (CUPED);
* ``email_test_srm``: the e-mail test's planned 50/50 split, the counts logged, and why the
  treatment is short (a mailbox provider filtered the treatment e-mail as spam, and the log
  records delivered e-mails only);
* ``email_response_curve``: the click and unsubscribe rates by number of e-mails delivered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlabs.schema import Column, Table
from cxlabs.world.people import SEGMENTS
from cxlabs.world.registry import generates
from cxlabs.world.sampling import US, codes_of, from_us, text, to_us

PILOT_START, PILOT_END = pd.Timestamp("2025-04-01"), pd.Timestamp("2025-09-30")
PRE_START = pd.Timestamp("2024-10-01")  # the six months before the pilot
#: The e-mail test's send day (a Tuesday, Wednesday or Thursday in May or June 2025) and the
#: frequency test's month (August, September or October 2025) are drawn per world.
EMAIL_TEST_DAYS = pd.DatetimeIndex([d for d in pd.date_range("2025-05-01", "2025-06-30") if d.weekday() in (1, 2, 3)])
FREQUENCY_MONTHS = pd.date_range("2025-08-01", "2025-10-01", freq="MS")
FREQUENCY_ARMS = tuple(range(1, 9))
VARIANTS = ("control", "treatment") + tuple(f"emails_{k}" for k in FREQUENCY_ARMS)
KINDS = ("service_pilot", "email_test", "email_frequency")
PILOT_RECRUITED = 0.30
SRM_PROVIDERS = ("outlook.com", "gmail.com")
SRM_LOST = 0.93         # share of treatment e-mails the provider filtered
BOUNCE = 0.01           # e-mails that bounce, in every arm
#: Frequency test: a customer's chance to click on the j-th e-mail is CLICK_FIRST * CLICK_DECAY**(j-1);
#: the chance to unsubscribe after the j-th e-mail is UNSUBSCRIBE_STEP * j.
CLICK_FIRST, CLICK_DECAY, UNSUBSCRIBE_STEP = 0.12, 0.60, 0.002

EXPERIMENTS = Table(
    "experiments",
    "The company's randomised experiments of 2025, with their design: who the unit is, when "
    "they ran, the variants and the share each was planned to get.",
    "experiment",
    (
        Column("experiment_id", "int", "Experiment identifier.", unique=True),
        Column("name", "str", "Name of the experiment."),
        Column("kind", "str", "Kind of experiment.", allowed=KINDS),
        Column("unit", "str", "Unit randomised.", allowed=("customer",)),
        Column("start_date", "date", "First day."),
        Column("end_date", "date", "Last day (inclusive)."),
        Column("variants", "str", "Variants, comma-separated."),
        Column("planned_share", "float", "Share of units each variant was planned to get (equal split).",
               unit="fraction", min=0, max=1),
        Column("primary_metric", "str", "Metric the decision rests on."),
        Column("secondary_metric", "str", "Metric that must not get worse (guardrail) or is traded off."),
        Column("description", "str", "What was changed, for whom."),
    ),
    group="experiments",
)

EXPERIMENT_ASSIGNMENTS = Table(
    "experiment_assignments",
    "Which variant each unit got, as the experiment platform logged it. The e-mail test's log "
    "records only e-mails that were delivered.",
    "experiment and unit",
    (
        Column("experiment_id", "int", "Experiment.", references="experiments.experiment_id"),
        Column("customer_id", "int", "Customer randomised.", references="customers.customer_id"),
        Column("variant", "str", "Variant the customer got.", allowed=VARIANTS),
        Column("assigned_at", "datetime", "When the assignment was logged."),
    ),
    group="experiments",
)

SERVICE_PILOT_OUTCOMES = Table(
    "service_pilot_outcomes",
    "Outcomes of the care-team pilot (experiment 1) for every participant, in the pilot "
    "(2025-04-01 to 2025-09-30) and in the six months before it (the pre-period, the same "
    "measures, for variance reduction). Satisfaction comes from the survey every participant "
    "agreed to answer when recruited; service cost is contacts handled times their cost, plus "
    "proactive outreach calls in the treatment group.",
    "participant",
    (
        Column("customer_id", "int", "Participant.", unique=True, references="customers.customer_id"),
        Column("pre_satisfaction", "int", "Satisfaction in the pre-period survey, 0-10.", min=0, max=10),
        Column("pre_contacts", "int", "Contacts handled in the pre-period.", unit="contacts", min=0),
        Column("pre_cost_usd", "float", "Service cost in the pre-period.", unit="USD", min=0),
        Column("satisfaction", "int", "Satisfaction at the end of the pilot, 0-10.", min=0, max=10),
        Column("contacts", "int", "Contacts handled during the pilot.", unit="contacts", min=0),
        Column("cost_usd", "float", "Service cost during the pilot (the unit cost per participant).",
               unit="USD", min=0),
    ),
    group="experiments",
)

EMAIL_TEST_OUTCOMES = Table(
    "email_test_outcomes",
    "Opens and clicks of the e-mail test (experiment 2) in the seven days after the send, for "
    "every customer in its assignment log.",
    "logged customer",
    (
        Column("experiment_id", "int", "Experiment.", references="experiments.experiment_id"),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("opened", "bool", "Opened the e-mail."),
        Column("clicked", "bool", "Clicked a link in it."),
    ),
    group="experiments",
)

EMAIL_EXPOSURES = Table(
    "email_exposures",
    "The e-mail frequency test (experiment 3): each customer was randomised to a number of "
    "marketing e-mails for one month of 2025 (`experiments`); how many were delivered (exposures), whether the "
    "customer clicked any, and whether they unsubscribed.",
    "customer in the frequency test",
    (
        Column("experiment_id", "int", "Experiment.", references="experiments.experiment_id"),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("emails_planned", "int", "E-mails the customer's arm planned to send.", min=1, max=8),
        Column("emails_delivered", "int", "E-mails delivered (the exposure count).", min=0, max=8),
        Column("clicked", "bool", "Clicked at least one of them."),
        Column("unsubscribed", "bool", "Unsubscribed from marketing e-mail during the month."),
    ),
    group="experiments",
)


@generates(EXPERIMENTS)
def make_experiments(ctx, rng):
    email_day = EMAIL_TEST_DAYS[rng.integers(len(EMAIL_TEST_DAYS))]
    frequency_start = FREQUENCY_MONTHS[rng.integers(len(FREQUENCY_MONTHS))]
    return pd.DataFrame({
        "experiment_id": [1, 2, 3],
        "name": ["Care-team pilot", "Spring newsletter subject line", "E-mail frequency test"],
        "kind": list(KINDS), "unit": "customer",
        "start_date": [PILOT_START, email_day, frequency_start],
        "end_date": [PILOT_END, email_day + pd.Timedelta(days=7), frequency_start + pd.offsets.MonthEnd()],
        "variants": ["control, treatment", "control, treatment",
                     ", ".join(f"emails_{k}" for k in FREQUENCY_ARMS)],
        "planned_share": [0.5, 0.5, 1 / len(FREQUENCY_ARMS)],
        "primary_metric": ["satisfaction", "clicked", "clicked"],
        "secondary_metric": ["cost_usd", "opened", "unsubscribed"],
        "description": [
            "Participants in the treatment group get a named case owner and a proactive call when an "
            "order or ticket goes wrong; the control group gets the usual service.",
            "The treatment newsletter has a personalised subject line and a new template; the control "
            "group gets the usual newsletter. One send.",
            "Each arm gets a fixed number of marketing e-mails in the month (1 to 8), spread over it.",
        ],
    })


def _emailable(customers: pd.DataFrame, consent: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """Rows of ``customers`` who had signed up and could be e-mailed for marketing on ``day``."""
    keep = (codes_of(consent["purpose"], ("marketing_email",)) == 0) & (to_us(consent["event_at"]) < to_us(day))
    withdraw = codes_of(consent["action"], ("grant", "withdraw"))[keep]
    at = to_us(consent["event_at"])[keep]
    row = pd.Index(customers["customer_id"]).get_indexer(consent["customer_id"].to_numpy()[keep])
    order = np.lexsort((withdraw, at, row))  # a tie at the last instant: "withdraw" sorts last and wins
    row, withdraw = row[order], withdraw[order]
    last = np.r_[row[1:] != row[:-1], True]
    allowed = (customers["privacy_regime"] != "GDPR").to_numpy().copy()  # the regional default
    allowed[row[last]] = withdraw[last] == 0
    signed = to_us(customers["signup_date"]) < to_us(day.normalize())
    return np.flatnonzero(allowed & signed)


def _at(rng, day: pd.Timestamp, n: int, hours: float = 24.0) -> np.ndarray:
    return to_us(day) + (rng.random(n) * hours * 3600 * US).astype(np.int64)


@generates((EXPERIMENT_ASSIGNMENTS, SERVICE_PILOT_OUTCOMES, EMAIL_TEST_OUTCOMES, EMAIL_EXPOSURES),
           needs=("customers", "consent_events", "experiments"))
def make_experiment_data(ctx, customers, consent_events, experiments):
    pilot, pilot_assign = _service_pilot(ctx, customers)
    start = dict(zip(experiments["kind"], experiments["start_date"], strict=True))
    email_out, email_assign = _email_test(ctx, customers, consent_events, pd.Timestamp(start["email_test"]))
    exposures, freq_assign = _frequency_test(ctx, customers, consent_events, pd.Timestamp(start["email_frequency"]))
    assignments = pd.concat([pilot_assign, email_assign, freq_assign], ignore_index=True)
    return {EXPERIMENT_ASSIGNMENTS.name: assignments, SERVICE_PILOT_OUTCOMES.name: pilot,
            EMAIL_TEST_OUTCOMES.name: email_out, EMAIL_EXPOSURES.name: exposures}


def _service_pilot(ctx, customers):
    rng = ctx.rng("service_pilot_outcomes")
    eligible = np.flatnonzero((customers["signup_date"] < PRE_START).to_numpy())
    rows = np.sort(rng.choice(eligible, int(round(PILOT_RECRUITED * len(eligible))), replace=False))
    n = len(rows)
    treated = rng.random(n) < 0.5
    segment = codes_of(customers["segment"], SEGMENTS)[rows]
    # Persistent satisfaction and need for service, per customer.
    base = 7.0 + np.array([-0.3, 0.0, 0.3, 0.1])[segment] + rng.normal(0, 1.2, n)
    need = rng.gamma(0.8, 1.2, n) * np.where(segment == SEGMENTS.index("business"), 1.8, 1.0)
    cost_per_contact = 7.5 * rng.lognormal(0, 0.2, n)
    effect_latent = round(float(rng.uniform(0.35, 0.6)), 3)
    outreach = round(float(rng.uniform(7.0, 10.0)), 2)
    fewer_contacts = 0.20  # the case owner prevents one contact in five

    def score(latent):
        return np.clip(np.round(latent), 0, 10).astype(np.int64)

    pre_sat = score(base + rng.normal(0, 1.0, n))
    period_noise = rng.normal(0, 1.0, n)
    sat0, sat1 = score(base + period_noise), score(base + period_noise + effect_latent)
    pre_contacts = rng.poisson(need)
    contacts0 = rng.poisson(need)
    contacts1 = rng.binomial(contacts0, 1 - fewer_contacts)  # thinning: the same customer, fewer contacts
    cost0 = np.round(contacts0 * cost_per_contact, 2)
    cost1 = np.round(contacts1 * cost_per_contact + outreach, 2)
    ctx.plant("service_pilot_effects",
              {"experiment_id": 1, "participants": n,
               "satisfaction_effect": round(float((sat1 - sat0).mean()), 4),
               "cost_effect_usd": round(float((cost1 - cost0).mean()), 4),
               "latent_satisfaction_effect": effect_latent, "outreach_cost_usd": outreach,
               "contact_reduction": fewer_contacts},
              "Care-team pilot: true average effects over the participants (mean of each participant's "
              "outcome with treatment minus without) on satisfaction (0-10) and on service cost (USD); "
              "the treatment adds latent_satisfaction_effect before rounding, costs outreach_cost_usd per "
              "participant and prevents contact_reduction of contacts. pre_satisfaction and pre_cost_usd "
              "are the same customer's measures in the six months before (for CUPED).")
    pilot = pd.DataFrame({
        "customer_id": customers["customer_id"].to_numpy()[rows],
        "pre_satisfaction": pre_sat, "pre_contacts": pre_contacts,
        "pre_cost_usd": np.round(pre_contacts * cost_per_contact, 2),
        "satisfaction": np.where(treated, sat1, sat0), "contacts": np.where(treated, contacts1, contacts0),
        "cost_usd": np.where(treated, cost1, cost0),
    }, copy=False)
    assign = pd.DataFrame({
        "experiment_id": 1, "customer_id": pilot["customer_id"].to_numpy(),
        "variant": text(VARIANTS, treated.astype(np.int64)),
        "assigned_at": from_us(_at(rng, PILOT_START - pd.Timedelta(days=14), n, 14 * 24)),
    })
    return pilot, assign


def _email_test(ctx, customers, consent_events, day: pd.Timestamp):
    rng = ctx.rng("email_test_outcomes")
    rows = _emailable(customers, consent_events, day)
    n = len(rows)
    treated = rng.permutation(n) < n // 2  # complete randomisation: an exact 50/50 split
    provider = SRM_PROVIDERS[rng.integers(len(SRM_PROVIDERS))]
    email = pa.array(customers["email"].array, type=pa.large_string(), from_pandas=True).take(rows)
    at_provider = pc.ends_with(email, "@" + provider).to_numpy(zero_copy_only=False)
    filtered = treated & at_provider & (rng.random(n) < SRM_LOST)
    delivered = ~filtered & (rng.random(n) >= BOUNCE)
    opened = rng.random(n) < np.where(treated, 0.27, 0.24)
    clicked = opened & (rng.random(n) < np.where(treated, 0.14, 0.12))
    ctx.plant("email_test_srm",
              {"experiment_id": 2, "planned_share": 0.5,
               "randomised": {"control": int((~treated).sum()), "treatment": int(treated.sum())},
               "logged": {"control": int((delivered & ~treated).sum()), "treatment": int((delivered & treated).sum())},
               "cause": "spam_filter", "provider": provider, "filtered": int(filtered.sum())},
              "E-mail test with a sample-ratio mismatch: randomised 50/50, but the log records delivered "
              "e-mails only and `provider` filtered most treatment e-mails as spam, so customers at that "
              "mailbox provider are missing from the treatment group.")
    keep = delivered
    ids = customers["customer_id"].to_numpy()[rows][keep]
    out = pd.DataFrame({"experiment_id": 2, "customer_id": ids, "opened": opened[keep], "clicked": clicked[keep]})
    assign = pd.DataFrame({
        "experiment_id": 2, "customer_id": ids, "variant": text(VARIANTS, treated[keep].astype(np.int64)),
        "assigned_at": from_us(np.sort(_at(rng, day + pd.Timedelta(hours=8), int(keep.sum()), 2.0))),
    })
    return out, assign


def response_curve(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chance to have clicked, and to have unsubscribed, after ``k`` delivered e-mails."""
    j = np.arange(1, max(FREQUENCY_ARMS) + 1)
    no_click = np.r_[1.0, np.cumprod(1 - CLICK_FIRST * CLICK_DECAY ** (j - 1))]
    stay = np.r_[1.0, np.cumprod(1 - UNSUBSCRIBE_STEP * j)]
    return 1 - no_click[k], 1 - stay[k]


def _frequency_test(ctx, customers, consent_events, start: pd.Timestamp):
    rng = ctx.rng("email_exposures")
    rows = _emailable(customers, consent_events, start)
    n = len(rows)
    arm = np.array(FREQUENCY_ARMS)[rng.integers(0, len(FREQUENCY_ARMS), n)]
    delivered = rng.binomial(arm, 1 - BOUNCE * 3)  # some e-mails bounce or land in spam
    p_click, p_unsub = response_curve(delivered)
    clicked = rng.random(n) < p_click
    unsub = rng.random(n) < p_unsub
    k = np.arange(0, max(FREQUENCY_ARMS) + 1)
    curve_click, curve_unsub = response_curve(k)
    ctx.plant("email_response_curve",
              {"experiment_id": 3,
               "clicked": {str(i): round(float(v), 4) for i, v in zip(k, curve_click, strict=True)},
               "unsubscribed": {str(i): round(float(v), 4) for i, v in zip(k, curve_unsub, strict=True)},
               "click_first": CLICK_FIRST, "click_decay": CLICK_DECAY, "unsubscribe_step": UNSUBSCRIBE_STEP},
              "Frequency test: chance to click at least once, and to unsubscribe, by number of e-mails delivered. "
              "The j-th e-mail is clicked with chance click_first * click_decay**(j-1) (diminishing returns) and "
              "triggers an unsubscribe with chance unsubscribe_step * j (fatigue).")
    ids = customers["customer_id"].to_numpy()[rows]
    exposures = pd.DataFrame({"experiment_id": 3, "customer_id": ids, "emails_planned": arm,
                              "emails_delivered": delivered, "clicked": clicked, "unsubscribed": unsub})
    assign = pd.DataFrame({
        "experiment_id": 3, "customer_id": ids, "variant": text(VARIANTS, 1 + arm),
        "assigned_at": from_us(_at(rng, start - pd.Timedelta(days=3), n, 24.0)),
    })
    return exposures, assign

