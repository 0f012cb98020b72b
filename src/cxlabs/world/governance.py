"""Governing change (lab 15): the balanced scorecard, change requests with their sign-offs,
incidents and post-mortems, rework, employee engagement, and each team's own customer statuses.

Planted truths (on every seed):

* changes that went live without the joint sign-off (a required approver missing, or signing
  after go-live) move their KPI in the bad direction by 1.5-2.5 standard deviations of its
  daily values, from the first full day after go-live until the change is rolled back
  (20-40 days later); one change that had every sign-off does too; every other change leaves
  its KPI alone (``governance_breaches``, ``governance_kpi_moves``);
* the mix of primary root causes in the post-mortems (exact counts, ``governance_root_cause_mix``);
  contributing causes lean to the least common primary category, so counting every cause row
  gives another mix;
* monthly engagement in the customer-facing teams leads customer satisfaction (survey CSAT)
  by a known number of months (``governance_engagement_lag``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.commerce import TEAMS
from cxlabs.world.registry import generates

PERSPECTIVES = ("financial", "customer", "internal_process", "learning_growth")
#: KPIs measured every day (changes touch these): kpi, perspective, owner, unit, better, target, daily sd
DAILY_KPIS = (
    ("first_contact_resolution", "customer", "customer_service", "fraction", "higher", 0.72, 0.030),
    ("average_handle_time_min", "internal_process", "customer_service", "minutes", "lower", 7.5, 0.40),
    ("on_time_delivery_rate", "customer", "logistics", "fraction", "higher", 0.92, 0.020),
    ("order_error_rate", "internal_process", "fulfilment", "fraction", "lower", 0.015, 0.003),
    ("checkout_conversion_rate", "financial", "sales", "fraction", "higher", 0.031, 0.002),
    ("first_time_fix_rate", "internal_process", "field_service", "fraction", "higher", 0.80, 0.030),
)
#: KPIs measured only monthly: kpi, perspective, owner, unit, better, target
MONTHLY_KPIS = (
    ("csat", "customer", "service", "score 1-5", "higher", 4.0),
    ("employee_engagement", "learning_growth", "service", "index 0-100", "higher", 70.0),
    ("cost_per_order_usd", "financial", "finance", "USD", "lower", 12.0),
    ("rework_hours", "internal_process", "service", "hours", "lower", 250.0),
)
KPI_NAMES = tuple(k[0] for k in DAILY_KPIS) + tuple(k[0] for k in MONTHLY_KPIS)
DAILY_KPI_NAMES = tuple(k[0] for k in DAILY_KPIS)
CHANGE_TYPES = ("process", "system", "policy", "data")
ROLES = ("owning_team", "cx_office", "data_governance", "it_change_board", "finance")
CAUSE_CATEGORIES = ("strategic", "data", "operational")
ROOT_CAUSES = {
    "strategic": ("conflicting team targets", "unfunded capacity", "unclear ownership"),
    "data": ("stale reference data", "wrong field mapping", "missing input validation"),
    "operational": ("untested change", "manual step skipped", "staffing shortfall"),
}
CUSTOMER_FACING = ("customer_service", "field_service", "service", "sales")
STATUS_TEAMS = ("marketing", "sales", "service", "customer_service")
SNAPSHOT_FIELDS = ("orders_12m", "days_since_last_order", "tickets_90d", "last_nps", "active_plan")
OPERATORS = (">=", ">", "<=", "<", "==")
SLOT_DAYS, BASELINE_DAYS = 75, 28

SCORECARD_KPIS = Table(
    "scorecard_kpis",
    "The company's balanced scorecard (Kaplan & Norton's four perspectives): each KPI with its "
    "owner, target, direction of good and amber band. Our policy on RAG status: green when the "
    "month meets the target in the direction of good (at or above it when higher is better, at or "
    "below it when lower is better); amber when it misses by at most `amber_tolerance` times the "
    "target; red otherwise.",
    "KPI",
    (
        Column("kpi", "str", "KPI name.", allowed=KPI_NAMES, unique=True),
        Column("perspective", "str", "Balanced-scorecard perspective.", allowed=PERSPECTIVES),
        Column("owner_team", "str", "Team accountable for the KPI.", allowed=TEAMS),
        Column("unit", "str", "Unit of the KPI's values."),
        Column("better", "str", "Direction of good.", allowed=("higher", "lower")),
        Column("target", "float", "Monthly target, in the KPI's unit."),
        Column("amber_tolerance", "float", "Largest miss still amber, as a fraction of the target.",
               min=0, max=1),
        Column("measured", "str", "How often the KPI is measured (daily ones are in `kpi_daily`).",
               allowed=("daily", "monthly")),
    ),
    group="governance",
)

SCORECARD_MONTHLY = Table(
    "scorecard_monthly",
    "The scorecard's monthly values. Daily KPIs: the mean of the month's days in `kpi_daily`; "
    "csat: mean survey CSAT of the responses to surveys sent in the month; employee_engagement: "
    "mean engagement of all respondents in `engagement_monthly`; rework_hours: hours of rework "
    "(`work_type` rework) logged in the month in `rework_log`.",
    "KPI in a month",
    (
        Column("month", "date", "First day of the month."),
        Column("kpi", "str", "KPI.", allowed=KPI_NAMES, references="scorecard_kpis.kpi"),
        Column("value", "float", "Value in the month, in the KPI's unit."),
    ),
    group="governance",
)

KPI_DAILY = Table(
    "kpi_daily",
    "Daily values of the operational KPIs that change requests touch (for control charts).",
    "KPI on a day",
    (
        Column("date", "date", "Day."),
        Column("kpi", "str", "KPI.", allowed=DAILY_KPI_NAMES, references="scorecard_kpis.kpi"),
        Column("value", "float", "Value on the day, in the KPI's unit."),
    ),
    group="governance",
)

CHANGE_REQUESTS = Table(
    "change_requests",
    "Changes to customer-facing processes and systems, with the KPI each is expected to touch, "
    "when it went live, and when it was rolled back (if it was).",
    "change request",
    (
        Column("change_id", "int", "Change identifier.", unique=True),
        Column("title", "str", "Short description."),
        Column("owner_team", "str", "Team that owns the change.", allowed=TEAMS),
        Column("change_type", "str", "Kind of change.", allowed=CHANGE_TYPES),
        Column("risk", "str", "Risk class given when requested.", allowed=("low", "medium", "high")),
        Column("kpi", "str", "KPI the change touches.", allowed=DAILY_KPI_NAMES,
               references="scorecard_kpis.kpi"),
        Column("requested_at", "datetime", "When the change was requested."),
        Column("go_live_at", "datetime", "When the change went live."),
        Column("rolled_back_on", "date", "Day the change was rolled back (missing: never).",
               nullable=True),
    ),
    group="governance",
)

CHANGE_SIGNOFFS = Table(
    "change_signoffs",
    "The approvers of each change. Our policy (joint sign-off): the owning team and the CX office "
    "sign every change; the data-governance office also signs data changes and the IT change "
    "board system changes; each required approver signs at or before go-live. Rows with "
    "`required` false are approvers consulted by courtesy.",
    "approver of a change",
    (
        Column("change_id", "int", "Change.", references="change_requests.change_id"),
        Column("role", "str", "Approver.", allowed=ROLES),
        Column("required", "bool", "Whether the policy requires this approver for this change."),
        Column("signed_at", "datetime", "When the approver signed (missing: never signed).",
               nullable=True),
    ),
    group="governance",
)

INCIDENTS = Table(
    "incidents",
    "Customer-affecting incidents. Our policy: every incident of severity 1 or 2 gets a "
    "blameless post-mortem.",
    "incident",
    (
        Column("incident_id", "int", "Incident identifier.", unique=True),
        Column("opened_at", "datetime", "When the incident was opened."),
        Column("resolved_at", "datetime", "When it was resolved."),
        Column("severity", "int", "1 (most severe) to 4.", min=1, max=4),
        Column("team", "str", "Team that led the response.", allowed=TEAMS),
        Column("change_id", "int", "Change the incident was traced to (missing: none).",
               nullable=True, references="change_requests.change_id"),
        Column("customers_affected", "int", "Customers affected.", unit="customers", min=0),
    ),
    group="governance",
)

POSTMORTEMS = Table(
    "postmortems",
    "Root causes found by each post-mortem: the primary cause (rank 1) and any contributing "
    "causes (rank 2 and up).",
    "cause found by a post-mortem",
    (
        Column("incident_id", "int", "Incident.", references="incidents.incident_id"),
        Column("cause_rank", "int", "1 = primary cause, 2+ = contributing.", min=1, max=3),
        Column("category", "str", "Root-cause category.", allowed=CAUSE_CATEGORIES),
        Column("root_cause", "str", "Root cause.",
               allowed=tuple(c for v in ROOT_CAUSES.values() for c in v)),
    ),
    group="governance",
)

REWORK_LOG = Table(
    "rework_log",
    "Hours teams logged against incidents and rolled-back changes: rework (redoing or repairing "
    "work) and improvement (post-mortem action items, not rework).",
    "time entry",
    (
        Column("entry_id", "int", "Entry identifier.", unique=True),
        Column("date", "date", "Day the work was done."),
        Column("team", "str", "Team that did the work.", allowed=TEAMS),
        Column("incident_id", "int", "Incident worked on (missing: none).", nullable=True,
               references="incidents.incident_id"),
        Column("change_id", "int", "Rolled-back change worked on (missing: none).", nullable=True,
               references="change_requests.change_id"),
        Column("work_type", "str", "Rework or improvement.", allowed=("rework", "improvement")),
        Column("hours", "float", "Hours logged.", unit="hours", min=0),
    ),
    group="governance",
)

TEAM_RATES = Table(
    "team_loaded_rates",
    "Loaded cost of one hour of each team's time (pay, benefits, overheads), per year.",
    "team in a year",
    (
        Column("team", "str", "Team.", allowed=TEAMS),
        Column("year", "int", "Calendar year."),
        Column("loaded_rate_usd_per_hour", "float", "Loaded cost of an hour.", unit="USD/hour", min=0),
    ),
    group="governance",
)

ENGAGEMENT_MONTHLY = Table(
    "engagement_monthly",
    "Monthly pulse survey of employee engagement in the customer-facing teams.",
    "team in a month",
    (
        Column("month", "date", "First day of the month."),
        Column("team", "str", "Team.", allowed=CUSTOMER_FACING),
        Column("headcount", "int", "Employees in the team.", min=0),
        Column("respondents", "int", "Employees who answered.", min=0),
        Column("engagement", "float", "Mean engagement of the respondents, 0-100.", unit="index 0-100",
               min=0, max=100),
    ),
    group="governance",
)

CUSTOMER_SNAPSHOT = Table(
    "customer_snapshot",
    "One row per customer with the fields the teams' status rules use, as of the last day of "
    "the history: orders placed in the last 365 days, days since the last order, tickets opened "
    "in the last 90 days, the last NPS answer and whether a service plan is active.",
    "customer",
    (
        Column("customer_id", "int", "Customer.", unique=True, references="customers.customer_id"),
        Column("as_of", "date", "Day the snapshot describes."),
        Column("orders_12m", "int", "Orders placed in the 365 days up to `as_of`.", min=0),
        Column("days_since_last_order", "int", "Days from the last order to `as_of` (missing: never ordered).",
               unit="days", nullable=True, min=0),
        Column("tickets_90d", "int", "Tickets opened in the 90 days up to `as_of`.", min=0),
        Column("last_nps", "int", "Latest NPS answer, 0-10 (missing: never answered).", nullable=True,
               min=0, max=10),
        Column("active_plan", "int", "1 if a service plan is active on `as_of`, else 0.", min=0, max=1),
    ),
    group="governance",
)

STATUS_RULES = Table(
    "customer_status_rules",
    "Each team's own definition of an 'at risk' and a 'high potential' customer, as rules on "
    "`customer_snapshot` fields. A customer has a team's status when all (`combine` all) or any "
    "(`combine` any) of the team's rules for that status hold; a rule on a missing value does not hold.",
    "rule",
    (
        Column("team", "str", "Team whose definition this is.", allowed=STATUS_TEAMS),
        Column("status", "str", "Status defined.", allowed=("at_risk", "high_potential")),
        Column("combine", "str", "How the team's rules for the status combine.", allowed=("all", "any")),
        Column("field", "str", "Snapshot field.", allowed=SNAPSHOT_FIELDS),
        Column("operator", "str", "Comparison: field operator threshold.", allowed=OPERATORS),
        Column("threshold", "float", "Threshold."),
    ),
    group="governance",
)

GOVERNANCE_TABLES = (SCORECARD_KPIS, SCORECARD_MONTHLY, KPI_DAILY, CHANGE_REQUESTS, CHANGE_SIGNOFFS,
                     INCIDENTS, POSTMORTEMS, REWORK_LOG, TEAM_RATES, ENGAGEMENT_MONTHLY)

TITLES = {
    "first_contact_resolution": ("new call-reason codes", "knowledge-base rewrite", "callback routing"),
    "average_handle_time_min": ("new CRM screen", "scripted greeting", "wrap-up code change"),
    "on_time_delivery_rate": ("carrier cut-off change", "new delivery slots", "route planner update"),
    "order_error_rate": ("pick-list redesign", "barcode scanner update", "packing station layout"),
    "checkout_conversion_rate": ("checkout page redesign", "payment provider switch", "address lookup"),
    "first_time_fix_rate": ("parts-van stock list", "technician app release", "visit booking rules"),
}


def _months(ctx) -> pd.DatetimeIndex:
    return pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="MS")


@generates(GOVERNANCE_TABLES, needs=("surveys",))
def make_governance(ctx, surveys):
    days = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="D")
    months = _months(ctx)
    nd = len(days)
    spec = pd.DataFrame(DAILY_KPIS, columns=["kpi", "perspective", "owner_team", "unit", "better", "target", "sd"])
    up = np.where(spec["better"] == "higher", 1.0, -1.0)

    # ---- change requests: one per chosen slot of SLOT_DAYS on one KPI's timeline
    rng = ctx.rng("change_requests")
    n_slots = (nd - 10) // SLOT_DAYS
    slots = np.array([(k, s) for k in range(len(spec)) for s in range(n_slots)])
    chosen = np.sort(rng.choice(len(slots), 36, replace=False))
    k_of, s_of = slots[chosen, 0], slots[chosen, 1]
    n = len(chosen)
    go_day = s_of * SLOT_DAYS + BASELINE_DAYS + rng.integers(0, 7, n)
    go_live = days[go_day] + pd.to_timedelta(rng.integers(7 * 60, 20 * 60, n), unit="min")
    order = np.argsort(go_live.to_numpy(), kind="stable")
    k_of, s_of, go_day, go_live = k_of[order], s_of[order], go_day[order], go_live[order]
    change_id = np.arange(101, 101 + n)
    ctype = rng.choice(CHANGE_TYPES, n, p=[0.35, 0.3, 0.15, 0.2])
    kpi = spec["kpi"].to_numpy()[k_of]
    title = np.array([TITLES[k][i] for k, i in zip(kpi, rng.integers(0, 3, n), strict=True)])
    requested = go_live - pd.to_timedelta(rng.integers(7 * 24, 30 * 24, n), unit="h")
    n_breach = 9
    breach = np.zeros(n, bool)
    breach[rng.choice(n, n_breach, replace=False)] = True
    signed_ok_mover = rng.choice(np.flatnonzero(~breach))
    moves = breach.copy()
    moves[signed_ok_mover] = True
    rollback_day = np.where(moves, go_day + rng.integers(20, 41, n), -1)
    rolled_back = pd.Series(pd.NaT, index=range(n), dtype="datetime64[us]")
    rolled_back[moves] = days[rollback_day[moves]]
    changes = pd.DataFrame({
        "change_id": change_id, "title": title, "owner_team": spec["owner_team"].to_numpy()[k_of],
        "change_type": ctype, "risk": rng.choice(["low", "medium", "high"], n, p=[0.4, 0.4, 0.2]),
        "kpi": kpi, "requested_at": requested, "go_live_at": go_live, "rolled_back_on": rolled_back,
    })

    # ---- sign-offs
    rng = ctx.rng("change_signoffs")
    rows = []
    for role, need in (("owning_team", np.ones(n, bool)), ("cx_office", np.ones(n, bool)),
                       ("data_governance", ctype == "data"), ("it_change_board", ctype == "system"),
                       ("finance", (ctype == "policy") | (rng.random(n) < 0.25))):
        req = need if role != "finance" else np.zeros(n, bool)
        lead = pd.to_timedelta(rng.integers(1, 6 * 24 * 60, n), unit="min")
        signed = (go_live - lead).to_series(index=range(n)).astype("datetime64[us]")
        signed[(role == "finance") & (rng.random(n) < 0.4)] = pd.NaT  # courtesy approver often silent
        keep = need if role != "finance" else need
        rows.append(pd.DataFrame({"change_id": change_id, "role": role, "required": req,
                                  "signed_at": signed})[keep])
    so = pd.concat(rows, ignore_index=True)
    # breaches: the joint sign-off missing, or given after go-live; half late, half missing
    b_idx = np.flatnonzero(breach)
    late = rng.random(len(b_idx)) < 0.5
    who = np.where(rng.random(len(b_idx)) < 0.7, "cx_office", "owning_team")
    for i, is_late, role in zip(b_idx, late, who, strict=True):
        at = (so["change_id"] == change_id[i]) & (so["role"] == role)
        so.loc[at, "signed_at"] = (go_live[i] + pd.Timedelta(hours=int(rng.integers(2, 120)))) if is_late else pd.NaT
    # boundary: two compliant changes signed exactly at go-live (at or before is on time)
    ok_idx = rng.choice(np.flatnonzero(~breach), 2, replace=False)
    for i in ok_idx:
        at = (so["change_id"] == change_id[i]) & (so["role"] == "cx_office")
        so.loc[at, "signed_at"] = go_live[i]
    so = so.sort_values(["change_id", "role"], kind="stable").reset_index(drop=True)
    ctx.plant("governance_breaches", sorted(change_id[breach].tolist()),
              "Changes that went live without the joint sign-off (a required approver missing or late).")

    # ---- daily KPIs: in-control noise around a level near target, bad moves after moving changes
    rng = ctx.rng("kpi_daily")
    level = spec["target"].to_numpy() * (1 + rng.uniform(-0.05, 0.04, len(spec)) * np.sign(rng.normal(size=len(spec))))
    vals = level[:, None] + spec["sd"].to_numpy()[:, None] * rng.normal(size=(len(spec), nd))
    shift_sd = np.where(moves, rng.uniform(1.5, 2.5, n), 0.0)
    for i in np.flatnonzero(moves):
        k = k_of[i]
        vals[k, go_day[i] + 1:rollback_day[i]] -= up[k] * shift_sd[i] * spec["sd"].iat[k]
    decimals = np.where(spec["unit"] == "minutes", 2, 4)
    vals = np.vstack([np.round(v, d) for v, d in zip(vals, decimals, strict=True)])
    daily = pd.DataFrame({"date": np.tile(days, len(spec)), "kpi": np.repeat(spec["kpi"].to_numpy(), nd),
                          "value": vals.ravel()})
    ctx.plant("governance_kpi_moves",
              {str(c): round(float(s), 2) for c, s in zip(change_id[moves], shift_sd[moves], strict=True)},
              "Changes after which their KPI moved the bad way, by how many daily standard deviations "
              "(from the first full day after go-live until rollback); every other change moved nothing.")
    ctx.plant("governance_signed_but_harmful", int(change_id[signed_ok_mover]),
              "The one change with every sign-off that still moved its KPI the bad way.")

    # ---- incidents: one or two after each moving change, plus background incidents
    rng = ctx.rng("incidents")
    mv = np.flatnonzero(moves)
    per = rng.integers(1, 3, len(mv))
    src = np.repeat(mv, per)
    off = rng.uniform(1, 15, len(src))
    opened_c = go_live[src] + pd.to_timedelta(np.round(off * 24 * 60), unit="min")
    nb = 46
    opened_b = ctx.start + pd.to_timedelta(rng.integers(0, nd * 24 * 60 - 7 * 24 * 60, nb), unit="min")
    opened = np.concatenate([opened_c.to_numpy(), opened_b.to_numpy()]).astype("datetime64[us]")
    sev = np.concatenate([rng.choice([1, 2], len(src), p=[0.4, 0.6]),
                          rng.choice([1, 2, 3, 4], nb, p=[0.1, 0.35, 0.35, 0.2])])
    team = np.concatenate([changes["owner_team"].to_numpy()[src],
                           rng.choice(["customer_service", "logistics", "fulfilment", "field_service",
                                       "sales", "service"], nb)])
    chg = np.concatenate([change_id[src], np.zeros(nb, int)])
    o = np.argsort(opened, kind="stable")
    opened, sev, team, chg = opened[o], sev[o], team[o], chg[o]
    ni = len(opened)
    hours = rng.gamma(2.0, np.array([6.0, 4.0, 3.0, 2.0])[sev - 1])
    incidents = pd.DataFrame({
        "incident_id": np.arange(1, ni + 1), "opened_at": opened,
        "resolved_at": opened + pd.to_timedelta(np.round(hours * 60) + 10, unit="min").to_numpy(),
        "severity": sev, "team": team, "change_id": pd.array(np.where(chg > 0, chg, 0), dtype="Int64"),
        "customers_affected": np.round(rng.lognormal(np.array([7.0, 5.5, 4.0, 2.5])[sev - 1], 0.6)).astype(int),
    })
    incidents.loc[chg == 0, "change_id"] = pd.NA

    # ---- post-mortems: severity 1-2; the primary mix is exact, contributions lean to the rarest
    rng = ctx.rng("postmortems")
    pm_ids = incidents.loc[incidents["severity"] <= 2, "incident_id"].to_numpy()
    npm = len(pm_ids)
    shares = np.array([0.5, 0.3, 0.2])[rng.permutation(3)]
    counts = np.floor(shares * npm).astype(int)
    counts[np.argmax(shares)] += npm - counts.sum()
    primary = rng.permutation(np.repeat(np.array(CAUSE_CATEGORIES), counts))
    rarest = CAUSE_CATEGORIES[int(np.argmin(counts))]
    n_contrib = rng.choice([0, 1, 2], npm, p=[0.3, 0.4, 0.3])
    c_inc = np.repeat(pm_ids, n_contrib)
    c_rank = np.concatenate([np.arange(2, 2 + m) for m in n_contrib]).astype(int) if n_contrib.sum() else np.array([], int)
    others = [c for c in CAUSE_CATEGORIES if c != rarest]
    c_cat = np.where(rng.random(len(c_inc)) < 0.7, rarest, rng.choice(others, len(c_inc)))
    cat = np.concatenate([primary, c_cat])
    cause = np.array([ROOT_CAUSES[c][j] for c, j in zip(cat, rng.integers(0, 3, len(cat)), strict=True)])
    pms = pd.DataFrame({"incident_id": np.concatenate([pm_ids, c_inc]),
                        "cause_rank": np.concatenate([np.ones(npm, int), c_rank]),
                        "category": cat, "root_cause": cause})
    pms = pms.sort_values(["incident_id", "cause_rank"], kind="stable").reset_index(drop=True)
    ctx.plant("governance_root_cause_mix", {c: int(v) for c, v in zip(CAUSE_CATEGORIES, counts, strict=True)},
              "Post-mortems by primary root-cause category (cause_rank 1).")

    # ---- rework: per incident 1-3 entries, per rolled-back change one; some improvement hours
    rng = ctx.rng("rework_log")
    ne = rng.integers(1, 4, ni)
    e_inc = np.repeat(np.arange(ni), ne)
    first = np.r_[True, e_inc[1:] != e_inc[:-1]]
    e_team = np.where(first, team[e_inc], rng.choice(["customer_service", "service", "logistics", "fulfilment",
                                                      "field_service", "sales"], len(e_inc)))
    e_hours = rng.gamma(2.0, np.array([14.0, 7.0, 3.0, 1.0])[sev[e_inc] - 1])
    e_date = (pd.DatetimeIndex(opened[e_inc]).normalize() + pd.to_timedelta(rng.integers(0, 8, len(e_inc)), unit="D"))
    improve = rng.random(len(e_inc)) < 0.2
    rb = np.flatnonzero(moves)
    rows = pd.DataFrame({
        "date": np.concatenate([e_date.to_numpy(), days[rollback_day[rb]].to_numpy()]),
        "team": np.concatenate([e_team, changes["owner_team"].to_numpy()[rb]]),
        "incident_id": pd.array(np.concatenate([e_inc + 1, np.zeros(len(rb), int)]), dtype="Int64"),
        "change_id": pd.array(np.concatenate([np.zeros(len(e_inc), int), change_id[rb]]), dtype="Int64"),
        "work_type": np.concatenate([np.where(improve, "improvement", "rework"), np.full(len(rb), "rework")]),
        "hours": np.round(np.concatenate([e_hours, rng.gamma(3.0, 8.0, len(rb))]) * 2) / 2 + 0.5,
    })
    rows.loc[rows["incident_id"] == 0, "incident_id"] = pd.NA
    rows.loc[rows["change_id"] == 0, "change_id"] = pd.NA
    rows = rows[rows["date"] <= ctx.end].sort_values(["date", "team"], kind="stable").reset_index(drop=True)
    rows.insert(0, "entry_id", np.arange(1, len(rows) + 1))

    rng = ctx.rng("team_loaded_rates")
    base = rng.uniform(42, 95, len(TEAMS)).round(2)
    rates = pd.DataFrame({"team": np.tile(TEAMS, 2), "year": np.repeat([2024, 2025], len(TEAMS)),
                          "loaded_rate_usd_per_hour": np.concatenate([base, (base * rng.uniform(1.02, 1.06, len(TEAMS))).round(2)])})

    # ---- engagement: leads survey CSAT by `lag` months
    rng = ctx.rng("engagement_monthly")
    lag = int(rng.choice([2, 3]))
    r = surveys[surveys["responded"]]
    csat = r.groupby(r["sent_at"].dt.to_period("M").dt.start_time)["csat"].mean().reindex(months)
    z = ((csat - csat.mean()) / csat.std()).to_numpy()
    driver = np.concatenate([z[lag:], rng.normal(size=lag)])  # engagement in t drives csat in t + lag
    head = np.array([140, 70, 45, 90])
    nm, nt = len(months), len(CUSTOMER_FACING)
    headcount = (head[None, :] + rng.integers(-6, 7, (nm, nt))).ravel()
    respondents = rng.binomial(headcount, 0.72)
    eng = (68 + rng.uniform(-4, 4, nt)[None, :] + 3.0 * driver[:, None] + rng.normal(0, 1.5, (nm, nt))).ravel()
    engagement = pd.DataFrame({"month": np.repeat(months, nt), "team": np.tile(CUSTOMER_FACING, nm),
                               "headcount": headcount, "respondents": respondents, "engagement": np.round(eng, 2)})
    ctx.plant("governance_engagement_lag", lag,
              "Months by which mean employee engagement leads survey CSAT: corr(csat_t, engagement_(t-lag)) is highest.")

    # ---- scorecard
    rng = ctx.rng("scorecard_kpis")
    mspec = pd.DataFrame(MONTHLY_KPIS, columns=["kpi", "perspective", "owner_team", "unit", "better", "target"])
    kpis = pd.concat([spec.drop(columns="sd").assign(measured="daily"), mspec.assign(measured="monthly")],
                     ignore_index=True)
    kpis["amber_tolerance"] = rng.choice([0.02, 0.03, 0.05], len(kpis))
    kpis = kpis[["kpi", "perspective", "owner_team", "unit", "better", "target", "amber_tolerance", "measured"]]
    dm = daily.groupby([daily["date"].dt.to_period("M").dt.start_time, "kpi"], sort=False)["value"].mean()
    dm = dm.rename_axis(["month", "kpi"]).reset_index()
    w = engagement.assign(x=engagement["engagement"] * engagement["respondents"]).groupby("month")[["x", "respondents"]].sum()
    rw = rows[rows["work_type"] == "rework"]
    rwh = rw.groupby(rw["date"].dt.to_period("M").dt.start_time)["hours"].sum().reindex(months, fill_value=0.0)
    cpo = 12.0 * (1 + rng.uniform(-0.03, 0.06)) + rng.normal(0, 0.35, nm)
    monthly = pd.concat([
        dm,
        pd.DataFrame({"month": months, "kpi": "csat", "value": csat.to_numpy()}),
        pd.DataFrame({"month": months, "kpi": "employee_engagement", "value": (w["x"] / w["respondents"]).reindex(months).to_numpy()}),
        pd.DataFrame({"month": months, "kpi": "cost_per_order_usd", "value": cpo}),
        pd.DataFrame({"month": months, "kpi": "rework_hours", "value": rwh.to_numpy()}),
    ], ignore_index=True)
    monthly["value"] = monthly["value"].round(4)
    monthly = monthly.sort_values(["month", "kpi"], kind="stable").reset_index(drop=True)

    return {"scorecard_kpis": kpis, "scorecard_monthly": monthly, "kpi_daily": daily,
            "change_requests": changes, "change_signoffs": so, "incidents": incidents, "postmortems": pms,
            "rework_log": rows, "team_loaded_rates": rates, "engagement_monthly": engagement}


@generates(CUSTOMER_SNAPSHOT, needs=("customers", "orders", "tickets", "surveys", "service_plans"))
def make_customer_snapshot(ctx, rng, customers, orders, tickets, surveys, service_plans):
    as_of = ctx.end.normalize()
    cid = customers["customer_id"]
    o = orders[orders["ordered_at"] <= ctx.end]
    n12 = o[o["ordered_at"] > as_of - pd.Timedelta(days=365)].groupby("customer_id").size()
    last = o.groupby("customer_id")["ordered_at"].max()
    t = tickets[(tickets["created_at"] > as_of - pd.Timedelta(days=90)) & (tickets["created_at"] <= ctx.end)]
    r = surveys[surveys["responded"]].sort_values("sent_at", kind="stable")
    nps = r.groupby("customer_id")["nps"].last()
    p = service_plans[(service_plans["started_on"] <= as_of)
                      & (service_plans["ended_on"].isna() | (service_plans["ended_on"] > as_of))]
    days_since = (as_of - last.dt.normalize()).dt.days.reindex(cid)
    return pd.DataFrame({
        "customer_id": cid.to_numpy(), "as_of": as_of,
        "orders_12m": n12.reindex(cid, fill_value=0).to_numpy(),
        "days_since_last_order": pd.array(days_since.to_numpy(), dtype="Int64"),
        "tickets_90d": t.groupby("customer_id").size().reindex(cid, fill_value=0).to_numpy(),
        "last_nps": pd.array(nps.reindex(cid).to_numpy(), dtype="Int64"),
        "active_plan": cid.isin(p["customer_id"]).astype(int).to_numpy(),
    })


#: Each team's rules: (team, status, combine, [(field, operator, base threshold, jitter choices)])
_RULES = (
    ("marketing", "at_risk", "any", [("days_since_last_order", ">", 180, (0, 30, 60))]),
    ("marketing", "high_potential", "all", [("orders_12m", ">=", 2, (0, 1)), ("last_nps", ">=", 9, (0,))]),
    ("sales", "at_risk", "all", [("days_since_last_order", ">=", 270, (0, 30, 90)), ("active_plan", "==", 0, (0,))]),
    ("sales", "high_potential", "any", [("orders_12m", ">=", 3, (0, 1))]),
    ("service", "at_risk", "any", [("tickets_90d", ">=", 2, (0, 1)), ("last_nps", "<=", 6, (0, -2))]),
    ("service", "high_potential", "all", [("active_plan", "==", 1, (0,)), ("tickets_90d", "==", 0, (0,))]),
    ("customer_service", "at_risk", "any", [("tickets_90d", ">=", 2, (0, 1))]),
    ("customer_service", "high_potential", "all", [("last_nps", ">=", 9, (0, -1))]),
)


@generates(STATUS_RULES)
def make_status_rules(ctx, rng):
    rows = [(team, status, combine, f, op, float(base + rng.choice(jit)))
            for team, status, combine, rules in _RULES for f, op, base, jit in rules]
    return pd.DataFrame(rows, columns=["team", "status", "combine", "field", "operator", "threshold"])
