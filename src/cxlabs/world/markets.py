"""Investing and scaling across markets (lab 16): the markets' maturity, a service practice piloted
in one market and tried in others, localisation requests, the CX investment portfolio, vendor
contracts with service credits, contact automation options and the frontline-insight log.

Planted truths (every seed):

* ``market_maturity``: each market's maturity scores; one market sits exactly on the boundary
  between the "developing" and "emerging" tiers (mean score 2.5).
* ``practice_transfer``: case ownership, piloted in the UK, raises CSAT in the trial markets of the
  "developing" or "leading" tiers and does nothing in the "emerging" ones; two markets have not
  tried it yet (one mature, one emerging). One rollout registered its success criteria after its
  trial had ended (``practice_late_criteria``).
* ``cx_portfolio``: the best set of CX initiatives under the budget, the risk limit, the
  prevention floor and the cap on disruptive bets; the risk limit binds, and picking by
  benefit per dollar misses the best set.
* ``vendor_credits``: one vendor reports internal uptime of at least 99.9% every month while
  its customer-facing measure earns credits; every vendor has months exactly on a tier boundary.
* ``frontline_insight_claims``: frontline notes about returns rise after the March 2025 returns
  change, and the contact centre's volumes support them; notes saying billing questions rose
  after the April 2025 app update are not supported by the volumes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world import vocabulary as V
from cxlabs.world.commerce import TEAMS
from cxlabs.world.people import MARKET_CODES, REGIONS
from cxlabs.world.registry import generates

GROUP = "markets"
TIERS = ("emerging", "developing", "leading")
SCORES = ("process_score", "data_score", "digital_score", "people_score")
PILOT_MARKET = "UK"
PRACTICE = "case ownership"
SITES_PER_MARKET = 10
PRE_MONTHS = 3
TRIAL_MONTHS = 6
PILOT_START = pd.Timestamp("2024-10-01")
ROLLOUT_START = pd.Timestamp("2025-06-01")

LOCAL_CHANGES = (
    ("local payment method", "customer"), ("address format", "customer"),
    ("invoice layout", "legal"), ("VAT or sales-tax display", "legal"),
    ("language variant of the help centre", "customer"), ("public-holiday calendar", "internal"),
    ("delivery-slot wording", "internal"), ("returns label format", "customer"),
    ("cookie banner text", "legal"), ("loyalty-points rules", "internal"),
    ("warranty terms", "legal"), ("chatbot greeting", "internal"),
)

#: name, category, kind (the portfolio is drawn per seed around these)
INITIATIVES = (
    ("proactive delay alerts", "prevention", "incremental"),
    ("address validation at checkout", "prevention", "incremental"),
    ("installation pre-check call", "prevention", "incremental"),
    ("predictive part replacement", "prevention", "disruptive"),
    ("self-diagnosis in the app", "prevention", "disruptive"),
    ("clearer returns labels", "prevention", "incremental"),
    ("callback instead of queue", "recovery", "incremental"),
    ("goodwill credit rules", "recovery", "incremental"),
    ("one-visit repair kits", "recovery", "incremental"),
    ("video support for installs", "recovery", "disruptive"),
    ("instant replacement for failed devices", "recovery", "disruptive"),
    ("complaint recovery team", "recovery", "incremental"),
)

#: vendor, service, customer-facing measure; credit tiers: (at least, below, credit %)
VENDORS = (
    ("ChatWorks", "chat platform", "chat sessions that connect to the bot or an agent",
     ((99.5, 100.0, 0), (99.0, 99.5, 10), (97.0, 99.0, 25), (0.0, 97.0, 50))),
    ("TrackPoint", "delivery tracking page", "tracking-page loads that succeed, as measured by probes",
     ((99.9, 100.0, 0), (99.0, 99.9, 10), (95.0, 99.0, 25), (0.0, 95.0, 100))),
    ("VoiceLine", "telephony and IVR", "inbound calls that reach the IVR menu",
     ((99.5, 100.0, 0), (99.0, 99.5, 10), (98.0, 99.0, 20), (0.0, 98.0, 40))),
    ("PayGate", "payment gateway", "payment attempts answered (approved or declined) within 5 seconds",
     ((99.8, 100.0, 0), (99.0, 99.8, 10), (97.5, 99.0, 25), (0.0, 97.5, 50))),
)

AUTOMATION = (  # option, contact reason, deflection-rate range, CSAT change range (deflected)
    ("order-status bot answers", "delivery", (0.30, 0.40), (-0.10, -0.02)),
    ("self-service returns portal", "returns", (0.35, 0.45), (-0.25, -0.10)),
    ("invoice download in the app", "billing", (0.20, 0.30), (-0.05, 0.05)),
    ("guided troubleshooting bot", "product_fault", (0.15, 0.25), (-0.60, -0.40)),
    ("automated installation rebooking", "installation", (0.25, 0.35), (-0.15, -0.05)),
    ("privacy request web form", "account_privacy", (0.45, 0.55), (-0.05, 0.00)),
)

INSIGHT_TEAMS = ("customer_service", "field_service", "logistics", "sales", "service")
INSIGHT_THEMES = ("delivery", "returns", "billing", "app", "installation", "product")
#: theme -> note templates ({m}: a market word)
NOTES = {
    "delivery": ("Customer says the parcel was late again and nobody told them.",
                 "Courier left the box at the wrong address, customer very upset.",
                 "Delivery slot missed, customer took a day off for nothing.",
                 "Several callers asking where their order is, tracking shows no update."),
    "returns": ("Customer could not work out how to print the returns label.",
                "Lots of calls about the new returns process, people don't get the QR code.",
                "Returns refund slower than promised, customer chasing us.",
                "Customer stuck in the returns portal, had to call to get a label."),
    "billing": ("Customer charged twice for the service plan, wants a refund.",
                "Billing questions keep coming in since the app update.",
                "Invoice shows the wrong VAT, business customer needs a new one.",
                "People confused by the payment reminder, think they were billed again."),
    "app": ("App crashes at checkout, customer gave up and called us.",
            "Customer cannot log in to the app after the update.",
            "App shows a different price from the website."),
    "installation": ("Technician arrived without the right bracket, second visit needed.",
                     "Installation booking line is impossible to reach.",
                     "Customer wants the old unit taken away during installation."),
    "product": ("Fridge making a loud noise a week after delivery.",
                "Smart thermostat keeps dropping off the wifi.",
                "Washing machine door seal leaking, customer wants a replacement."),
}
NOTE_BASE_PER_MONTH = {"delivery": 6.0, "returns": 3.0, "billing": 3.0, "app": 2.5,
                       "installation": 3.0, "product": 4.0}
RETURNS_NOTE_RISE = 3.0
BILLING_NOTE_RISE = 3.0
APP_UPDATE_MONTH = pd.Timestamp("2025-04-01")

MARKETS_TABLE = Table(
    "markets",
    "The markets the company trades in, with the maturity scores of the 2025 operations review "
    "(1 initial to 5 optimising, one score per dimension).",
    "market",
    (
        Column("market", "str", "Market.", allowed=MARKET_CODES, unique=True),
        Column("region", "str", "Region of the market.", allowed=REGIONS),
        Column("customers", "int", "Customers of the market in `customers`.", unit="customers", min=0),
        Column("online_order_share", "float", "Share of the market's 2025 orders placed on the web or in the app.",
               unit="fraction", min=0, max=1),
        Column("years_trading", "int", "Years since the company started trading in the market.", unit="years", min=1),
        Column("process_score", "int", "Maturity of documented, standard service processes (1-5).", min=1, max=5),
        Column("data_score", "int", "Maturity of customer data and reporting (1-5).", min=1, max=5),
        Column("digital_score", "int", "Maturity of digital and self-service channels (1-5).", min=1, max=5),
        Column("people_score", "int", "Maturity of frontline skills, coaching and empowerment (1-5).", min=1, max=5),
    ),
    group=GROUP,
)

PRACTICE_TRIALS = Table(
    "practice_trials",
    f"Trials of the '{PRACTICE}' practice (one agent keeps a customer's case until it is solved): the "
    "UK pilot and the markets it was later tried in. In each trial half of the market's service teams, "
    "drawn at random, adopt the practice at the start; the other half carry on as before.",
    "market trial",
    (
        Column("market", "str", "Market of the trial.", allowed=MARKET_CODES, unique=True),
        Column("role", "str", "The first trial, or a later rollout.", allowed=("pilot", "rollout")),
        Column("teams", "int", "Service teams in the trial (half adopt the practice).", min=2),
        Column("started_on", "date", "First day of the trial."),
        Column("ended_on", "date", "Last day of the trial."),
        Column("criteria_registered_on", "date", "Day the success criteria were written down."),
        Column("metric", "str", "Outcome the criteria are about.", allowed=("csat",)),
        Column("min_effect", "float", "Smallest CSAT gain (adopting teams over the others) that counts as success.",
               unit="CSAT points (1-5 scale)", min=0),
    ),
    group=GROUP,
)

PRACTICE_TEAM_MONTHS = Table(
    "practice_team_months",
    "Monthly results of the service teams in the practice trials: the three months before each "
    "trial and the months of the trial.",
    "service team and month",
    (
        Column("market", "str", "Market.", allowed=MARKET_CODES),
        Column("team_id", "str", "Service team, e.g. `DE-03`."),
        Column("month", "date", "First day of the month."),
        Column("adopter", "bool", "The team was drawn to adopt the practice at the trial start."),
        Column("practice", "bool", "The team worked with the practice that month."),
        Column("responses", "int", "Post-ticket survey answers the team received.", min=0),
        Column("csat_mean", "float", "Mean CSAT of those answers.", unit="points (1-5)", min=1, max=5),
    ),
    group=GROUP,
)

LOCALISATION_REQUESTS = Table(
    "localisation_requests",
    "Requests from the markets to change how something works locally, with the costs and benefits "
    "estimated by the product team. A change that needs a new configuration must be built and kept "
    "up for that market alone; one that does not reuses an existing configuration.",
    "request",
    (
        Column("request_id", "int", "Request identifier.", unique=True),
        Column("market", "str", "Market asking.", allowed=MARKET_CODES),
        Column("requested_on", "date", "Day the request was made."),
        Column("requested_by", "str", "Team asking.", allowed=TEAMS),
        Column("change", "str", "What should work differently.", allowed=tuple(c for c, _ in LOCAL_CHANGES)),
        Column("reason", "str", "Why: a legal requirement, customers' needs, or internal preference.",
               allowed=("legal", "customer", "internal")),
        Column("new_configuration", "bool", "The change needs a configuration of its own in this market."),
        Column("one_off_cost_usd", "int", "Cost to build it.", unit="USD", min=0),
        Column("annual_upkeep_usd", "int", "Yearly cost to keep the configuration (testing, releases).",
               unit="USD/year", min=0),
        Column("annual_benefit_usd", "int", "Expected yearly benefit (revenue kept, contacts avoided).",
               unit="USD/year", min=0),
    ),
    group=GROUP,
)

CX_INITIATIVES = Table(
    "cx_initiatives",
    "Customer-experience initiatives proposed for the 2026 budget, with the finance team's cost and "
    "benefit estimates and the portfolio office's delivery-risk score.",
    "initiative",
    (
        Column("initiative_id", "int", "Initiative identifier.", unique=True),
        Column("name", "str", "Initiative.", allowed=tuple(i[0] for i in INITIATIVES)),
        Column("category", "str", "Prevents failures, or recovers customers after one.",
               allowed=("prevention", "recovery")),
        Column("kind", "str", "Improves what exists, or replaces it.", allowed=("incremental", "disruptive")),
        Column("cost_kusd", "int", "Cost in 2026.", unit="thousand USD", min=1),
        Column("expected_benefit_kusd", "int", "Expected benefit over three years.", unit="thousand USD", min=0),
        Column("risk_points", "int", "Delivery-risk score (1 low to 9 high); a portfolio's risk is the sum.",
               min=1, max=9),
    ),
    group=GROUP,
)

CX_BUDGET = Table(
    "cx_budget",
    "The 2026 CX budget and the rules a portfolio of initiatives must keep.",
    "budget year",
    (
        Column("year", "int", "Budget year."),
        Column("budget_kusd", "int", "Money available.", unit="thousand USD", min=0),
        Column("risk_limit_points", "int", "Highest total risk score allowed.", min=0),
        Column("min_prevention_share", "float", "Smallest share of the money spent that must go to prevention.",
               unit="fraction", min=0, max=1),
        Column("max_disruptive", "int", "Most disruptive initiatives funded at once.", min=0),
    ),
    group=GROUP,
)

VENDOR_CONTRACTS = Table(
    "vendor_contracts",
    "Vendors that run part of the customer's experience, and the customer-facing measure their "
    "service credits are tied to.",
    "vendor",
    (
        Column("vendor", "str", "Vendor.", allowed=tuple(v[0] for v in VENDORS), unique=True),
        Column("service", "str", "What the vendor runs."),
        Column("measure", "str", "Customer-facing measure the credits are tied to (a monthly percentage)."),
        Column("monthly_fee_usd", "int", "Monthly fee.", unit="USD", min=0),
        Column("started_on", "date", "Contract start."),
    ),
    group=GROUP,
)

VENDOR_CREDIT_TIERS = Table(
    "vendor_credit_tiers",
    "Service-credit schedules: a month whose customer-facing measure is at least `at_least_pct` and "
    "below `below_pct` earns `credit_pct` of that month's fee back (100% itself counts in the top tier).",
    "tier of a vendor's schedule",
    (
        Column("vendor", "str", "Vendor.", allowed=tuple(v[0] for v in VENDORS)),
        Column("tier", "int", "Tier, 1 the best.", min=1),
        Column("at_least_pct", "float", "Lower bound, inclusive.", unit="%", min=0, max=100),
        Column("below_pct", "float", "Upper bound, exclusive (except 100).", unit="%", min=0, max=100),
        Column("credit_pct", "int", "Credit as a share of the monthly fee.", unit="%", min=0, max=100),
    ),
    group=GROUP,
)

VENDOR_PERFORMANCE = Table(
    "vendor_performance",
    "Monthly performance of each vendor: the customer-facing measure from the company's own "
    "monitoring, and the uptime the vendor reports for its own systems.",
    "vendor and month",
    (
        Column("vendor", "str", "Vendor.", allowed=tuple(v[0] for v in VENDORS)),
        Column("month", "date", "First day of the month."),
        Column("customer_facing_pct", "float", "The contract's customer-facing measure, to two decimals.",
               unit="%", min=0, max=100),
        Column("internal_uptime_pct", "float", "Uptime of the vendor's own systems, as it reports it.",
               unit="%", min=0, max=100),
        Column("fee_usd", "int", "Fee for the month.", unit="USD", min=0),
    ),
    group=GROUP,
)

AUTOMATION_OPTIONS = Table(
    "automation_options",
    "Ways to automate contacts, with the pilot's deflection rate and the change in CSAT of the "
    "customers whose contact it deflected (against the same contacts handled by an agent).",
    "automation option",
    (
        Column("option", "str", "Automation.", allowed=tuple(a[0] for a in AUTOMATION), unique=True),
        Column("reason", "str", "Contact reason it handles.",
               allowed=("delivery", "installation", "product_fault", "returns", "billing", "account_privacy")),
        Column("monthly_contacts", "int", "Contacts with that reason per month (2025 average, all channels).",
               unit="contacts/month", min=0),
        Column("deflection_rate", "float", "Share of those contacts the automation resolves without an agent.",
               unit="fraction", min=0, max=1),
        Column("csat_change_deflected", "float", "CSAT of deflected contacts minus CSAT with an agent.",
               unit="points (1-5)"),
        Column("agent_cost_per_contact_usd", "float", "Cost of a contact handled by an agent.", unit="USD", min=0),
        Column("monthly_running_cost_usd", "int", "Cost to run the automation.", unit="USD/month", min=0),
    ),
    group=GROUP,
)

FRONTLINE_INSIGHTS = Table(
    "frontline_insights",
    "The frontline-insight log: notes that customer-facing staff wrote down about what customers "
    "tell them.",
    "note",
    (
        Column("insight_id", "int", "Note identifier, increasing with time.", unique=True),
        Column("logged_on", "date", "Day the note was written."),
        Column("team", "str", "Team of the writer.", allowed=INSIGHT_TEAMS),
        Column("market", "str", "Market of the writer.", allowed=MARKET_CODES),
        Column("note", "str", "The note, as written."),
    ),
    group=GROUP,
)

FRONTLINE_INSIGHT_THEMES = Table(
    "frontline_insight_themes",
    "The theme each frontline note was written about.",
    "note",
    (
        Column("insight_id", "int", "Note.", unique=True, references="frontline_insights.insight_id"),
        Column("theme", "str", "Theme.", allowed=INSIGHT_THEMES),
    ),
    group=GROUP, truth=True,
)


# ---- markets --------------------------------------------------------------------------------

def tier_of(mean_score: np.ndarray) -> np.ndarray:
    """Tier of a mean maturity score: leading from 3.5, developing from 2.5, else emerging."""
    return np.where(mean_score >= 3.5, "leading", np.where(mean_score >= 2.5, "developing", "emerging"))


def _scores(rng, total: int) -> np.ndarray:
    """Four scores in 1..5 that add up to ``total``."""
    s = np.full(4, total // 4)
    s[: total % 4] += 1
    for _ in range(6):  # move points between dimensions, keeping the sum and the range
        i, j = rng.choice(4, 2, replace=False)
        if s[i] < 5 and s[j] > 1:
            s[i] += 1
            s[j] -= 1
    return s


def _plan(rng) -> dict:
    """Which markets are mature, which tried the practice, and each market's score total."""
    others = [m for m in MARKET_CODES if m != PILOT_MARKET]
    order = rng.permutation(others)
    mature, emerging = list(order[:3]), list(order[3:])
    tried = mature[:2] + emerging[:2]
    totals = {PILOT_MARKET: int(rng.integers(15, 18))}
    totals[mature[0]] = 10  # exactly on the developing boundary (mean 2.5)
    totals[mature[1]] = int(rng.integers(12, 16))
    totals[mature[2]] = int(rng.integers(11, 15))
    totals[emerging[0]] = 9  # just below it (mean 2.25)
    totals[emerging[1]] = int(rng.integers(5, 9))
    totals[emerging[2]] = int(rng.integers(6, 9))
    return {"mature": mature, "emerging": emerging, "tried": tried, "totals": totals,
            "untried": [mature[2], emerging[2]]}


@generates(MARKETS_TABLE, needs=("customers", "orders"))
def make_markets(ctx, rng, customers, orders):
    plan = _plan(rng)
    scores = np.array([_scores(rng, plan["totals"][m]) for m in MARKET_CODES])
    o = orders[orders["ordered_at"] >= "2025-01-01"]
    online = o["channel"].isin(["web", "app"]).groupby(o["market"]).mean()
    digital = np.clip(np.round(online.reindex(list(MARKET_CODES)).fillna(0).to_numpy(), 4), 0, 1)
    out = pd.DataFrame({
        "market": list(MARKET_CODES),
        "region": [V.MARKETS[m][0] for m in MARKET_CODES],
        "customers": customers["market"].value_counts().reindex(list(MARKET_CODES), fill_value=0).to_numpy(),
        "online_order_share": digital,
        "years_trading": [int(y) for y in np.where(np.array(MARKET_CODES) == PILOT_MARKET, 18,
                                                   rng.integers(3, 15, len(MARKET_CODES)))],
    })
    for k, name in enumerate(SCORES):
        out[name] = scores[:, k]
    tiers = tier_of(scores.mean(axis=1))
    ctx.plant("market_maturity",
              {"tiers": dict(zip(MARKET_CODES, tiers.tolist(), strict=True)),
               "mean_score": dict(zip(MARKET_CODES, scores.mean(axis=1).tolist(), strict=True)),
               "on_boundary": plan["mature"][0]},
              "Maturity tier of each market from the mean of its four scores (leading from 3.5, developing "
              "from 2.5, emerging below); `on_boundary` has a mean of exactly 2.5 (developing).")
    return out


# ---- the practice -----------------------------------------------------------------------------

def _did(df: pd.DataFrame) -> pd.Series:
    """Per market: (adopters' during - before) minus (others' during - before), team-mean based."""
    g = df.groupby(["market", "adopter", "during"])["csat_mean"].mean().unstack("during")
    change = (g[True] - g[False]).unstack("adopter")
    return change[True] - change[False]


@generates((PRACTICE_TRIALS, PRACTICE_TEAM_MONTHS), needs=("markets",))
def make_practice(ctx, markets):
    rng = ctx.rng("practice_trials")
    plan = _plan(ctx.rng("markets"))  # same draws as make_markets
    trial_markets = [PILOT_MARKET] + plan["tried"]
    uk_effect = round(float(rng.uniform(0.28, 0.36)), 3)
    effect = {PILOT_MARKET: uk_effect}
    for m in plan["tried"]:
        effect[m] = round(uk_effect * float(rng.uniform(0.65, 0.9)), 3) if m in plan["mature"] else 0.0
    late = plan["tried"][int(rng.integers(len(plan["tried"])))]
    starts = {m: PILOT_START if m == PILOT_MARKET else ROLLOUT_START for m in trial_markets}
    trials = pd.DataFrame({
        "market": trial_markets,
        "role": ["pilot"] + ["rollout"] * len(plan["tried"]),
        "teams": SITES_PER_MARKET,
        "started_on": [starts[m] for m in trial_markets],
        "ended_on": [starts[m] + pd.DateOffset(months=TRIAL_MONTHS) - pd.Timedelta(days=1) for m in trial_markets],
    })
    registered = trials["started_on"] - pd.to_timedelta(rng.integers(7, 30, len(trials)), unit="D")
    is_late = trials["market"].eq(late).to_numpy()
    registered[is_late] = trials.loc[is_late, "ended_on"] + pd.Timedelta(days=int(rng.integers(10, 25)))
    trials["criteria_registered_on"] = registered
    trials["metric"] = "csat"
    trials["min_effect"] = 0.1

    nm, ns, nt = len(trial_markets), SITES_PER_MARKET, PRE_MONTHS + TRIAL_MONTHS
    market = np.repeat(np.arange(nm), ns * nt)
    site = np.tile(np.repeat(np.arange(ns), nt), nm)
    step = np.tile(np.arange(nt), nm * ns)
    adopter = np.zeros((nm, ns), bool)
    for k in range(nm):
        adopter[k, rng.choice(ns, ns // 2, replace=False)] = True
    adopter = adopter[market, site]
    during = step >= PRE_MONTHS
    start = np.array([starts[m] for m in trial_markets], dtype="datetime64[us]")
    month = (pd.DatetimeIndex(start[market]).to_period("M") + (step - PRE_MONTHS)).to_timestamp()
    eff = np.array([effect[m] for m in trial_markets])[market]
    base = rng.uniform(3.7, 4.0, nm)[market] + rng.normal(0, 0.06, nm * ns)[market * ns + site]
    month_shock = rng.normal(0, 0.04, nm * nt)[market * nt + step]
    responses = rng.poisson(220, len(market))
    practice = adopter & during
    for _attempt in range(25):  # redraw the noise until the planted transfer shows in the data
        noise = rng.normal(0, 0.9, len(market)) / np.sqrt(np.maximum(responses, 1))
        csat = np.clip(base + month_shock + eff * practice + noise, 1, 5).round(3)
        df = pd.DataFrame({"market": np.array(trial_markets)[market], "adopter": adopter,
                           "during": during, "csat_mean": csat})
        did = _did(df)
        ok = all((did[m] > 0.12) if effect[m] > 0 else (abs(did[m]) < 0.06) for m in trial_markets)
        if ok:
            break
    team_months = pd.DataFrame({
        "market": np.array(trial_markets)[market],
        "team_id": [f"{m}-{s + 1:02d}" for m, s in zip(np.array(trial_markets)[market], site, strict=True)],
        "month": month,
        "adopter": adopter,
        "practice": practice,
        "responses": responses,
        "csat_mean": csat,
    }).sort_values(["market", "team_id", "month"], kind="stable", ignore_index=True)
    ctx.plant("practice_transfer",
              {"pilot": PILOT_MARKET, "effect": effect,
               "transfers": sorted(m for m in plan["tried"] if effect[m] > 0),
               "does_not_transfer": sorted(m for m in plan["tried"] if effect[m] == 0),
               "untried": sorted(plan["untried"]), "untried_mature": plan["untried"][0],
               "estimated_did": {m: round(float(did[m]), 4) for m in trial_markets}},
              f"True effect of '{PRACTICE}' on adopting teams' monthly CSAT (points) per trial market: the "
              "UK pilot's effect carries over (65-90% of it) to markets of the developing or leading tier and "
              "is zero in emerging ones. `untried_mature` has not tried it and is developing or leading.")
    ctx.plant("practice_late_criteria", late,
              "Rollout market whose success criteria were registered after its trial had ended.")
    return {"practice_trials": trials, "practice_team_months": team_months}


# ---- localisation -----------------------------------------------------------------------------

@generates(LOCALISATION_REQUESTS)
def make_localisation_requests(ctx, rng):
    n = 30
    change = rng.integers(len(LOCAL_CHANGES), size=n)
    reason = np.array([LOCAL_CHANGES[i][1] for i in change])
    new_config = rng.random(n) < 0.6
    one_off = np.round(rng.uniform(5, 60, n)) * 1000 * np.where(new_config, 1, 0.3)
    upkeep = np.where(new_config, np.round(rng.uniform(4, 25, n)) * 1000, np.round(rng.uniform(0, 3, n)) * 1000)
    benefit = np.round(rng.uniform(0, 50, n)) * 1000 * np.where(reason == "internal", 0.3, 1.0)
    # Two requests exactly break even over three years: 3 * (benefit - upkeep) == one-off cost.
    even = rng.choice(np.flatnonzero(reason != "legal"), 2, replace=False) if (reason != "legal").sum() >= 2 else []
    for i in even:
        benefit[i] = upkeep[i] + 1000 * np.ceil(one_off[i] / 3000)
        one_off[i] = 3 * (benefit[i] - upkeep[i])
    requested = pd.Timestamp("2025-01-06") + pd.to_timedelta(np.sort(rng.integers(0, 330, n)), unit="D")
    return pd.DataFrame({
        "request_id": np.arange(1, n + 1),
        "market": np.array(MARKET_CODES)[rng.integers(len(MARKET_CODES), size=n)],
        "requested_on": requested,
        "requested_by": np.array(["sales", "marketing", "service", "finance", "customer_service"])[
            rng.integers(5, size=n)],
        "change": [LOCAL_CHANGES[i][0] for i in change],
        "reason": reason,
        "new_configuration": new_config,
        "one_off_cost_usd": np.round(one_off).astype(int),
        "annual_upkeep_usd": upkeep.astype(int),
        "annual_benefit_usd": np.round(benefit).astype(int),
    })


# ---- the CX portfolio -------------------------------------------------------------------------

def _subsets(n: int) -> np.ndarray:
    return ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)


def portfolio_values(x: np.ndarray, cost, benefit, risk, prevention, disruptive, budget, risk_limit,
                     min_share, max_disruptive) -> tuple[np.ndarray, np.ndarray]:
    """Feasibility and benefit of each candidate set (rows of 0/1 ``x``) under the budget rules, in
    integer arithmetic (the prevention share in tenths)."""
    x = np.asarray(x, dtype=np.int64)
    spend = x @ cost
    tenths = int(round(min_share * 10))
    feasible = ((spend <= budget) & (x @ risk <= risk_limit) & (x @ disruptive.astype(np.int64) <= max_disruptive)
                & (10 * (x @ (cost * prevention)) >= tenths * spend))
    return feasible, x @ benefit


@generates((CX_INITIATIVES, CX_BUDGET))
def make_cx_portfolio(ctx):
    rng = ctx.rng("cx_initiatives")
    n = len(INITIATIVES)
    prevention = np.array([i[1] == "prevention" for i in INITIATIVES])
    disruptive = np.array([i[2] == "disruptive" for i in INITIATIVES])
    x = _subsets(n)
    for _attempt in range(200):
        cost = rng.integers(40, 260, n)
        ratio = rng.uniform(1.2, 3.2, n) + 0.8 * disruptive
        benefit = np.round(cost * ratio).astype(int)
        risk = np.clip(np.round(rng.uniform(1, 5, n) + 3 * disruptive + 0.002 * cost), 1, 9).astype(int)
        budget = int(round(cost.sum() * rng.uniform(0.45, 0.55), -1))
        risk_limit = int(round(risk.sum() * rng.uniform(0.3, 0.4)))
        rules = dict(budget=budget, risk_limit=risk_limit, min_share=0.4, max_disruptive=2)
        feasible, value = portfolio_values(x, cost, benefit, risk, prevention, disruptive, **rules)
        v = np.where(feasible, value, -1)
        top = np.argsort(-v, kind="stable")[:2]
        if v[top[0]] - v[top[1]] < 15:
            continue
        free, free_value = portfolio_values(x, cost, benefit, risk, prevention, disruptive,
                                            **{**rules, "risk_limit": 10**6})
        best_free = int(np.argmax(np.where(free, free_value, -1)))
        if best_free == top[0] or free_value[best_free] - v[top[0]] < 15:
            continue  # the risk limit must bind
        greedy = np.zeros(n, bool)  # by benefit per dollar, add what still keeps the rules
        for i in np.argsort(-benefit / cost, kind="stable"):
            trial = greedy.copy()
            trial[i] = True
            if portfolio_values(trial[None], cost, benefit, risk, prevention, disruptive, **rules)[0][0]:
                greedy = trial
        if (greedy == x[top[0]]).all():
            continue
        break
    best = x[top[0]]
    ids = np.arange(1, n + 1)
    initiatives = pd.DataFrame({
        "initiative_id": ids, "name": [i[0] for i in INITIATIVES], "category": [i[1] for i in INITIATIVES],
        "kind": [i[2] for i in INITIATIVES], "cost_kusd": cost, "expected_benefit_kusd": benefit,
        "risk_points": risk,
    })
    budget_row = pd.DataFrame({"year": [2026], "budget_kusd": [budget], "risk_limit_points": [risk_limit],
                               "min_prevention_share": [0.4], "max_disruptive": [2]})
    ctx.plant("cx_portfolio",
              {"best": ids[best].tolist(), "benefit_kusd": int(benefit[best].sum()),
               "cost_kusd": int(cost[best].sum()), "risk_points": int(risk[best].sum()),
               "second_best_benefit_kusd": int(v[top[1]]),
               "best_without_risk_limit_benefit_kusd": int(free_value[best_free]),
               "greedy": ids[greedy].tolist(), "greedy_benefit_kusd": int(benefit[greedy].sum())},
              "The best set of initiatives (most expected benefit) within the budget, the risk limit, the "
              "prevention floor (share of the money spent) and the cap on disruptive initiatives; the next "
              "best feasible set; the best set if the risk limit is dropped (higher: the limit binds); and "
              "the set greedy picking by benefit per dollar ends with (worse).")
    return {"cx_initiatives": initiatives, "cx_budget": budget_row}


# ---- vendors ----------------------------------------------------------------------------------

def credit_pct(value: np.ndarray, tiers: tuple) -> np.ndarray:
    """Credit % for each monthly value under a schedule of (at least, below, credit %) tiers."""
    out = np.zeros(len(value), int)
    for lo, hi, pct in tiers:
        out = np.where((value >= lo) & ((value < hi) | (hi == 100.0)), pct, out)
    return out


@generates((VENDOR_CONTRACTS, VENDOR_CREDIT_TIERS, VENDOR_PERFORMANCE))
def make_vendors(ctx):
    rng = ctx.rng("vendor_performance")
    months = pd.date_range("2024-01-01", "2025-12-01", freq="MS")
    nv, nm = len(VENDORS), len(months)
    hidden = int(rng.integers(nv))  # fine inside, failing customers
    fees = rng.integers(8, 40, nv) * 1000
    perf, credits, schedules = [], {}, []
    for k, (name, _service, _measure, base) in enumerate(VENDORS):
        # the credit percentages were negotiated vendor by vendor: drawn per world around the base
        tiers = tuple((lo, hi, pct if pct in (0, 100) else int(pct + 5 * rng.integers(-1, 2)))
                      for lo, hi, pct in base)
        schedules += [(name, t + 1, lo, hi, pct) for t, (lo, hi, pct) in enumerate(tiers)]
        top = tiers[0][0]
        uptime = 100 - rng.gamma(1.0, 0.02, nm)
        if k == hidden:
            uptime = np.maximum(uptime, 99.9)
            # Customers see a failing integration the vendor's uptime does not cover.
            value = top - rng.gamma(2.0, 0.35, nm) * (rng.random(nm) < 0.6) + rng.uniform(0, 0.1, nm)
        else:  # the vendor's own outages are what customers see
            outage = (rng.random(nm) < 0.1) * rng.uniform(0.2, 1.5, nm)
            if not outage.any():  # every such vendor has at least one outage in two years
                outage[rng.integers(nm)] = rng.uniform(0.2, 1.5)
            uptime = uptime - outage
            value = top + rng.uniform(0, 100 - top, nm) - 2 * outage
        uptime = np.round(np.clip(uptime, 0, 100), 2)
        value = np.round(np.clip(value, 90, 100), 2)
        bounds = [t[0] for t in tiers[:-1]]  # months exactly on a tier boundary
        at = rng.choice(nm, 2, replace=False)
        value[at] = np.array(bounds)[rng.choice(len(bounds), 2, replace=False)]
        if k == hidden and (credit_pct(value, tiers) > 0).sum() < 6:
            worst = np.argsort(value)[:6]
            value[worst] = np.minimum(value[worst], round(tiers[1][0] - 0.05, 2))
        fee = np.full(nm, fees[k])
        pct = credit_pct(value, tiers)
        credits[name] = {"months_with_credit": int((pct > 0).sum()),
                         "credit_usd": int(np.round((pct * fee / 100).sum())),
                         "boundary_months": [str(months[i].date()) for i in sorted(at)]}
        perf.append(pd.DataFrame({"vendor": name, "month": months, "customer_facing_pct": value,
                                  "internal_uptime_pct": uptime, "fee_usd": fee}))
    contracts = pd.DataFrame({
        "vendor": [v[0] for v in VENDORS], "service": [v[1] for v in VENDORS], "measure": [v[2] for v in VENDORS],
        "monthly_fee_usd": fees, "started_on": pd.to_datetime(["2023-04-01", "2022-09-01", "2023-01-01", "2021-06-01"]),
    })
    tiers = pd.DataFrame(schedules, columns=["vendor", "tier", "at_least_pct", "below_pct", "credit_pct"])
    ctx.plant("vendor_credits",
              {"hidden_failure": VENDORS[hidden][0], "credits": credits},
              "Service credits per vendor over the 24 months (the schedule applied to the customer-facing "
              "measure, bounds inclusive below). `hidden_failure` reports internal uptime of at least 99.9% "
              "every month while its customer-facing measure earns credits; every vendor has two months "
              "exactly on a tier boundary.")
    return {"vendor_contracts": contracts, "vendor_credit_tiers": tiers,
            "vendor_performance": pd.concat(perf, ignore_index=True)}


# ---- automation -------------------------------------------------------------------------------

@generates(AUTOMATION_OPTIONS, needs=("contact_volume_daily",))
def make_automation_options(ctx, rng, contact_volume_daily):
    v = contact_volume_daily[contact_volume_daily["date"].dt.year == 2025]
    monthly = v.groupby("reason")["contacts"].sum() / 12
    n = len(AUTOMATION)
    return pd.DataFrame({
        "option": [a[0] for a in AUTOMATION],
        "reason": [a[1] for a in AUTOMATION],
        "monthly_contacts": [int(round(monthly.get(a[1], 0))) for a in AUTOMATION],
        "deflection_rate": [round(float(rng.uniform(*a[2])), 3) for a in AUTOMATION],
        "csat_change_deflected": [round(float(rng.uniform(*a[3])), 3) for a in AUTOMATION],
        "agent_cost_per_contact_usd": np.round(rng.uniform(4.5, 7.5, n), 2),
        "monthly_running_cost_usd": (rng.integers(4, 30, n) * 1000),
    })


# ---- the frontline-insight log ----------------------------------------------------------------

@generates((FRONTLINE_INSIGHTS, FRONTLINE_INSIGHT_THEMES), needs=("contact_volume_daily",))
def make_frontline_insights(ctx, contact_volume_daily):
    rng = ctx.rng("frontline_insights")
    change = pd.Timestamp(json.loads(ctx.facts["returns_process_change"][0])["date"])
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    rates = np.empty((len(days), len(INSIGHT_THEMES)))
    for k, theme in enumerate(INSIGHT_THEMES):
        r = np.full(len(days), NOTE_BASE_PER_MONTH[theme] / 30.4)
        if theme == "returns":
            r = np.where(days >= change, r * RETURNS_NOTE_RISE, r)
        if theme == "billing":
            r = np.where(days >= APP_UPDATE_MONTH, r * BILLING_NOTE_RISE, r)
        rates[:, k] = r
    counts = rng.poisson(rates)
    day_idx, theme_idx = np.nonzero(counts)
    reps = counts[day_idx, theme_idx]
    day_idx, theme_idx = np.repeat(day_idx, reps), np.repeat(theme_idx, reps)
    n = len(day_idx)
    templates = [NOTES[INSIGHT_THEMES[t]] for t in theme_idx]
    pick = rng.integers(0, 12, n)
    notes = [tpl[p % len(tpl)] for tpl, p in zip(templates, pick, strict=True)]
    market = np.array(MARKET_CODES)[rng.choice(len(MARKET_CODES), n, p=[V.MARKETS[m][3] for m in MARKET_CODES])]
    logs = pd.DataFrame({
        "logged_on": days[day_idx], "team": np.array(INSIGHT_TEAMS)[rng.integers(len(INSIGHT_TEAMS), size=n)],
        "market": market, "note": notes, "theme": np.array(INSIGHT_THEMES)[theme_idx],
    }).sort_values("logged_on", kind="stable", ignore_index=True)
    logs.insert(0, "insight_id", np.arange(1, n + 1))

    v = contact_volume_daily
    daily = v.groupby(["date", "reason"])["contacts"].sum().unstack("reason")
    share = daily.div(daily.sum(axis=1), axis=0)
    w = pd.Timedelta(days=56)
    ret_ratio = (daily.loc[(daily.index >= change) & (daily.index < change + w), "returns"].mean()
                 / daily.loc[(daily.index >= change - w) & (daily.index < change), "returns"].mean())
    q_after = (share.index >= APP_UPDATE_MONTH) & (share.index < "2025-07-01")
    q_before = (share.index >= "2025-01-01") & (share.index < APP_UPDATE_MONTH)
    bill_ratio = share.loc[q_after, "billing"].mean() / share.loc[q_before, "billing"].mean()
    ctx.plant("frontline_insight_claims",
              {"supported": {"theme": "returns", "notes_rise_from": str(change.date()),
                             "notes_rate_ratio": RETURNS_NOTE_RISE,
                             "returns_contacts_ratio_8_weeks": round(float(ret_ratio), 3)},
               "unsupported": {"theme": "billing", "notes_rise_from": str(APP_UPDATE_MONTH.date()),
                               "notes_rate_ratio": BILLING_NOTE_RISE,
                               "billing_share_ratio_q2_over_q1_2025": round(float(bill_ratio), 3)}},
              "Frontline notes about returns triple from the returns-process change and contacts about returns "
              "do rise (mean daily contacts, 8 weeks after over 8 weeks before); notes about billing triple from "
              "April 2025 (the app update) but billing's share of contacts does not rise (2025 Q2 over Q1).")
    return {"frontline_insights": logs.drop(columns="theme"),
            "frontline_insight_themes": logs[["insight_id", "theme"]]}
