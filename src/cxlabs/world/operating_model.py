"""How the company is organised: touchpoint owners, the RACI per journey stage, team KPIs
next to customer outcomes, and a capability-maturity assessment.

Planted truths (chosen per seed): one journey stage with two Accountable teams, one with none,
one with no Responsible team; touchpoints with no owner or an owner outside the stage's RACI;
team KPIs that move against customer outcomes (conflicts) and ones that move with them; and
the weakest capability.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.commerce import TEAMS
from cxlabs.world.registry import generates

JOURNEY_STAGES = ("discover", "buy", "deliver", "install", "support", "return", "renew")
#: A valid RACI: stage -> {team: role}. Violations are planted on top of it per seed.
BASE_RACI = {
    "discover": {"marketing": "A", "sales": "R", "service": "I"},
    "buy": {"sales": "A", "finance": "R", "customer_service": "R", "marketing": "C"},
    "deliver": {"fulfilment": "A", "logistics": "R", "planning": "R", "customer_service": "I"},
    "install": {"fulfilment": "A", "field_service": "R", "service": "C"},
    "support": {"service": "A", "customer_service": "R", "field_service": "C", "marketing": "I"},
    "return": {"finance": "A", "logistics": "R", "service": "R", "sales": "I"},
    "renew": {"sales": "A", "marketing": "R", "service": "C", "finance": "I"},
}
#: stage, touchpoint, channel, owning team (always A or R in BASE_RACI), contacts per month at default size
TOUCHPOINTS_BASE = (
    ("discover", "paid search ad", "paid_search", "marketing", 9000),
    ("discover", "product page", "web", "marketing", 15000),
    ("discover", "showroom visit", "store", "sales", 2500),
    ("buy", "web checkout", "web", "sales", 1400),
    ("buy", "in-app checkout", "app", "sales", 650),
    ("buy", "store till", "store", "sales", 900),
    ("buy", "B2B quote", "email", "sales", 60),
    ("buy", "payment failure email", "email", "finance", 120),
    ("buy", "order confirmation call", "phone", "customer_service", 200),
    ("deliver", "delivery slot booking", "web", "fulfilment", 900),
    ("deliver", "dispatch notification", "sms", "logistics", 1800),
    ("deliver", "tracking page", "web", "logistics", 4000),
    ("deliver", "stock shortage notice", "email", "planning", 150),
    ("install", "installation booking call", "phone", "field_service", 350),
    ("install", "technician visit", "in_person", "field_service", 330),
    ("support", "contact centre phone", "phone", "customer_service", 700),
    ("support", "live chat", "chat", "customer_service", 550),
    ("support", "help centre", "self_service", "service", 6000),
    ("support", "email support", "email", "service", 450),
    ("return", "returns portal", "web", "logistics", 180),
    ("return", "refund notice", "email", "finance", 170),
    ("return", "store return desk", "store", "service", 60),
    ("renew", "renewal reminder", "email", "marketing", 800),
    ("renew", "renewal call", "phone", "sales", 150),
)
#: team KPI: (team, kpi, better, target, spread, unit, customer outcome it moves with)
TEAM_KPIS = (
    ("service", "average_handle_time_min", "lower", 7.5, 0.6, "minutes", "repeat_contact_rate"),
    ("fulfilment", "orders_picked_per_hour", "higher", 42.0, 3.0, "orders/hour", "on_time_rate"),
    ("marketing", "emails_per_customer", "higher", 6.0, 0.8, "emails/month", "nps"),
    ("logistics", "cost_per_shipment", "lower", 11.5, 0.7, "USD", "on_time_rate"),
    ("sales", "upsell_rate", "higher", 0.12, 0.015, "fraction", "nps"),
    ("field_service", "visits_per_technician_day", "higher", 4.5, 0.4, "visits/day", "repeat_contact_rate"),
    ("finance", "payment_automation_rate", "higher", 0.80, 0.03, "fraction", "on_time_rate"),
    ("customer_service", "first_contact_resolution", "higher", 0.72, 0.04, "fraction", "repeat_contact_rate"),
)
#: customer outcome: (better, target, unit)
OUTCOMES = {"nps": ("higher", 40.0, "points"), "on_time_rate": ("higher", 0.90, "fraction"),
            "repeat_contact_rate": ("lower", 0.10, "fraction")}
CAPABILITIES = ("single customer view", "consent management", "journey orchestration",
                "service routing", "closed-loop feedback", "delivery promise", "personalisation",
                "decision monitoring")
DIMENSIONS = ("people", "process", "data", "technology", "governance")
ASSESSORS = ("strategy_office", "it", "operations")

TOUCHPOINTS = Table(
    "touchpoints", "Where customers meet the company, who owns each touchpoint, and its volume.",
    "touchpoint",
    (
        Column("touchpoint_id", "int", "Touchpoint identifier.", unique=True),
        Column("journey_stage", "str", "Journey stage.", allowed=JOURNEY_STAGES),
        Column("touchpoint", "str", "Name of the touchpoint."),
        Column("channel", "str", "Channel.", allowed=("paid_search", "web", "app", "store", "email", "sms",
                                                     "phone", "chat", "self_service", "in_person")),
        Column("owner_team", "str", "Team that owns the touchpoint (missing: nobody does).",
               allowed=TEAMS, nullable=True),
        Column("monthly_contacts", "int", "Customer contacts per month.", unit="contacts/month", min=0),
    ),
    group="operations",
)

RACI = Table(
    "raci", "Who is Responsible, Accountable, Consulted and Informed for each journey stage.",
    "team role in a journey stage",
    (
        Column("journey_stage", "str", "Journey stage.", allowed=JOURNEY_STAGES),
        Column("team", "str", "Team.", allowed=TEAMS),
        Column("role", "str", "R, A, C or I.", allowed=("R", "A", "C", "I")),
    ),
    group="operations",
)

KPI_MONTHLY = Table(
    "kpi_monthly",
    "Monthly team KPIs next to the customer outcomes they are meant to serve. Customer outcomes "
    "are computed from surveys, shipments and tickets.",
    "KPI in a month",
    (
        Column("month", "date", "First day of the month."),
        Column("team", "str", "Team that owns the KPI (`customer` for customer outcomes).",
               allowed=TEAMS + ("customer",)),
        Column("kpi", "str", "KPI name.", allowed=tuple(k[1] for k in TEAM_KPIS) + tuple(OUTCOMES)),
        Column("kind", "str", "Team KPI or customer outcome.", allowed=("team_kpi", "customer_outcome")),
        Column("value", "float", "Value in the month."),
        Column("target", "float", "Target for the month."),
        Column("better", "str", "Direction of improvement.", allowed=("higher", "lower")),
        Column("unit", "str", "Unit of the value."),
    ),
    group="operations",
)

CAPABILITY_ASSESSMENTS = Table(
    "capability_assessments",
    "Maturity scores (1 initial to 5 optimising) per capability and dimension, from three assessors.",
    "score by one assessor",
    (
        Column("capability", "str", "Customer-operations capability.", allowed=CAPABILITIES),
        Column("dimension", "str", "Dimension assessed.", allowed=DIMENSIONS),
        Column("assessor", "str", "Who scored it.", allowed=ASSESSORS),
        Column("score", "int", "Maturity level, 1-5.", min=1, max=5),
    ),
    group="operations",
)

PLANTED_FACTS = Table(
    "planted_facts", "The truths the generator planted, as JSON values, for tests and instructors.",
    "fact",
    (
        Column("fact", "str", "Name of the fact.", unique=True),
        Column("value", "str", "JSON-encoded value."),
        Column("description", "str", "What the fact means."),
    ),
    group="truth", truth=True,
)


def _planted_raci(rng) -> tuple[dict, dict]:
    raci = {stage: dict(roles) for stage, roles in BASE_RACI.items()}
    two_a, no_a, no_r = rng.choice(JOURNEY_STAGES, 3, replace=False)
    extra = [t for t, r in raci[two_a].items() if r in ("C", "I")]
    raci[two_a][extra[rng.integers(len(extra))]] = "A"
    for team, role in raci[no_a].items():
        if role == "A":
            raci[no_a][team] = "R"
    for team, role in raci[no_r].items():
        if role == "R":
            raci[no_r][team] = "C"
    return raci, {"two_accountable": str(two_a), "no_accountable": str(no_a), "no_responsible": str(no_r)}


@generates(RACI)
def make_raci(ctx, rng):
    raci, violations = _planted_raci(rng)
    ctx.plant("raci_violations", violations, "Journey stages with two Accountable, none, and no Responsible.")
    rows = [(s, t, r) for s, roles in raci.items() for t, r in roles.items()]
    return pd.DataFrame(rows, columns=["journey_stage", "team", "role"])


@generates(TOUCHPOINTS, needs=("raci",))
def make_touchpoints(ctx, rng, raci):
    tp = pd.DataFrame(TOUCHPOINTS_BASE, columns=["journey_stage", "touchpoint", "channel", "owner_team", "monthly_contacts"])
    n = len(tp)
    chosen = rng.choice(n, 5, replace=False)
    unowned, misowned = chosen[:3], chosen[3:]
    tp.loc[unowned, "owner_team"] = None
    for i in misowned:  # owned by a team with no R or A role in that stage
        stage = tp.at[i, "journey_stage"]
        outsiders = [t for t in TEAMS if BASE_RACI[stage].get(t) not in ("R", "A") and t != "carrier"]
        tp.at[i, "owner_team"] = outsiders[rng.integers(len(outsiders))]
    tp["monthly_contacts"] = np.round(tp["monthly_contacts"] * ctx.scale * rng.uniform(0.8, 1.2, n)).astype(int)
    tp.insert(0, "touchpoint_id", np.arange(1, n + 1))
    ra = raci[raci["role"].isin(["R", "A"])]
    owned_ok = tp.merge(ra, left_on=["journey_stage", "owner_team"], right_on=["journey_stage", "team"], how="left")
    gaps = sorted(owned_ok.loc[owned_ok["role"].isna(), "touchpoint_id"].astype(int).tolist())
    ctx.plant("ownership_gaps", gaps,
              "Touchpoints with no owner, or an owner that is neither Responsible nor Accountable for the stage.")
    ctx.plant("unowned_touchpoints", sorted((unowned + 1).tolist()), "Touchpoints planted with no owner.")
    return tp


def _monthly_outcomes(ctx, surveys, orders, shipments, tickets) -> pd.DataFrame:
    months = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="MS")
    r = surveys[surveys["responded"]]
    m = r["sent_at"].dt.to_period("M").dt.start_time
    nps = (r["nps"] >= 9).groupby(m).mean() * 100 - (r["nps"] <= 6).groupby(m).mean() * 100
    promised = orders.set_index("order_id").loc[shipments["order_id"], "promised_delivery_date"].to_numpy()
    on_time = pd.Series(shipments["delivered_at"].dt.normalize().to_numpy() <= promised)
    on_time = on_time.groupby(shipments["delivered_at"].dt.to_period("M").dt.start_time.to_numpy()).mean()
    t = tickets.sort_values(["customer_id", "created_at"])
    gap = t.groupby("customer_id")["created_at"].diff()
    repeat = (gap <= pd.Timedelta(days=7)).groupby(t["created_at"].dt.to_period("M").dt.start_time).mean()
    return pd.DataFrame({"nps": nps, "on_time_rate": on_time, "repeat_contact_rate": repeat}).reindex(months)


@generates(KPI_MONTHLY, needs=("surveys", "orders", "shipments", "tickets"))
def make_kpi_monthly(ctx, rng, surveys, orders, shipments, tickets):
    out = _monthly_outcomes(ctx, surveys, orders, shipments, tickets)
    months = out.index
    rows = []
    for name, (better, target, unit) in OUTCOMES.items():
        rows.append(pd.DataFrame({"month": months, "team": "customer", "kpi": name, "kind": "customer_outcome",
                                  "value": out[name].round(4).to_numpy(), "target": target, "better": better, "unit": unit}))
    conflicting = set(rng.choice(len(TEAM_KPIS), 3, replace=False).tolist())
    conflicts, aligned = [], []
    for i, (team, kpi, better, target, spread, unit, outcome) in enumerate(TEAM_KPIS):
        z = out[outcome].to_numpy()
        z = (z - z.mean()) / z.std()
        if OUTCOMES[outcome][0] == "lower":
            z = -z  # z > 0: a good month for customers
        sign = -1 if i in conflicting else 1
        good = sign * 0.85 * z + np.sqrt(1 - 0.85**2) * rng.normal(0, 1, len(z))
        value = target + spread * good * (1 if better == "higher" else -1)
        rows.append(pd.DataFrame({"month": months, "team": team, "kpi": kpi, "kind": "team_kpi",
                                  "value": np.round(value, 4), "target": target, "better": better, "unit": unit}))
        (conflicts if sign < 0 else aligned).append([kpi, outcome])
    ctx.plant("kpi_conflicts", conflicts,
              "Team KPIs that look better in months when their customer outcome is worse (KPI, outcome).")
    ctx.plant("kpi_aligned", aligned, "Team KPIs that move with their customer outcome (KPI, outcome).")
    return pd.concat(rows, ignore_index=True)


@generates(CAPABILITY_ASSESSMENTS)
def make_capability_assessments(ctx, rng):
    weakest = CAPABILITIES[rng.integers(len(CAPABILITIES))]
    ctx.plant("weakest_capability", weakest, "Capability planted lowest on every dimension.")
    rows = []
    for cap in CAPABILITIES:
        base = rng.integers(2, 5) if cap != weakest else 1
        for dim in DIMENSIONS:
            true = int(np.clip(base + rng.integers(-1, 2), 2 if cap != weakest else 1, 5 if cap != weakest else 1))
            for assessor in ASSESSORS:
                noise = rng.choice([-1, 0, 1], p=[0.2, 0.6, 0.2]) if cap != weakest else rng.choice([0, 1], p=[0.8, 0.2])
                rows.append((cap, dim, assessor, int(np.clip(true + noise, 1, 5))))
    return pd.DataFrame(rows, columns=["capability", "dimension", "assessor", "score"])
