"""Visible checks and hints for Lab 16, *Investing and scaling across markets*.

Every check runs the learner's function on a small hand-made example (print it:
``example_markets()``, ``example_team_months()``, ``example_trials()``, ``example_effects()``,
``example_judged_trials()``, ``example_requests()``, ``example_initiatives()``,
``example_performance()``, ``example_tiers()``, ``example_insights()``, ``example_volume()``),
compares the result with the answer worked out by hand (kept here as literal data), and, when
it is wrong, says which common mistake it looks like. No check prints the expected values.

>>> from cxlabs.checks import lab16 as checks
>>> checks.maturity_tiers.hint()               # doctest: +SKIP
>>> checks.maturity_tiers.check(maturity_tiers)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["maturity_tiers", "practice_effect", "judge_trials", "localisation_decisions", "best_portfolio",
           "service_credits", "tag_themes", "claim_check", "example_markets", "example_trials",
           "example_team_months", "example_effects", "example_judged_trials", "example_requests",
           "example_initiatives", "example_tiers", "example_performance", "example_insights",
           "example_volume", "EXAMPLE_YEARS", "EXAMPLE_RULES", "EXAMPLE_KEYWORDS", "EXAMPLE_SINCE",
           "EXAMPLE_DAYS"]


def _close(got, want, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    try:
        g = pd.Series(list(np.atleast_1d(got))).to_numpy(dtype="float64", na_value=np.nan)
        w = np.atleast_1d(np.asarray(want, dtype=float))
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))


def _label(value):
    if isinstance(value, tuple):
        return tuple(_label(v) for v in value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date())
    return value


def _rows(ex: Exercise, frame: pd.DataFrame, want: list, what: str) -> pd.DataFrame:
    """The frame's rows in the order of ``want`` (index labels); fail when the labels differ."""
    got = [_label(v) for v in frame.index]
    if len(set(got)) != len(got) or set(got) != set(want):
        raise ex.fail(f"the index should be {what}, one row each; yours has {len(frame)} rows with "
                      f"labels {sorted(map(str, set(got)))[:6]}.")
    position = {k: i for i, k in enumerate(got)}
    return frame.iloc[[position[k] for k in want]]


def _numbers(ex: Exercise, frame: pd.DataFrame, columns) -> None:
    for c in columns:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            raise ex.fail(f"column {c!r} should hold numbers, got {frame[c].dtype}.")


def _bools(ex: Exercise, frame: pd.DataFrame, column: str) -> list:
    values = frame[column].tolist()
    if not all(isinstance(v, (bool, np.bool_)) for v in values):
        raise ex.fail(f"column {column!r} should hold True or False.")
    return [bool(v) for v in values]


def example_markets() -> pd.DataFrame:
    """Worked example for exercise 1: five markets, two of them exactly on a threshold."""
    return pd.DataFrame({
        "market": ["AA", "BB", "CC", "DD", "EE"],
        "region": ["EU", "EU", "US", "UK", "US"],
        "customers": [1200, 800, 950, 2000, 400],
        "online_order_share": [0.55, 0.48, 0.61, 0.52, 0.40],
        "years_trading": [12, 4, 9, 20, 2],
        "process_score": [4, 3, 2, 5, 1],
        "data_score": [3, 2, 2, 4, 2],
        "digital_score": [3, 2, 3, 4, 1],
        "people_score": [4, 3, 2, 4, 2],
    })


def example_trials() -> pd.DataFrame:
    """Worked example for exercises 2 and 3: three trial markets with their own dates."""
    return pd.DataFrame({
        "market": ["AA", "BB", "CC"],
        "role": ["pilot", "rollout", "rollout"],
        "teams": [4, 4, 4],
        "started_on": pd.to_datetime(["2024-10-01", "2025-06-01", "2025-06-01"]).astype("datetime64[us]"),
        "ended_on": pd.to_datetime(["2024-11-30", "2025-07-31", "2025-07-31"]).astype("datetime64[us]"),
        "criteria_registered_on": pd.to_datetime(["2024-09-15", "2025-06-01", "2025-08-10"]).astype("datetime64[us]"),
        "metric": ["csat", "csat", "csat"],
        "min_effect": [0.1, 0.1, 0.1],
    })


#: team -> (adopter, CSAT in the two months before, CSAT in the two trial months)
_TEAMS = {
    "AA": {"AA-01": (True, 3.9, 3.7, 4.3, 4.1), "AA-02": (True, 3.5, 3.7, 4.0, 4.0),
           "AA-03": (False, 4.1, 4.1, 4.2, 4.0), "AA-04": (False, 3.6, 3.8, 3.8, 3.8)},
    "BB": {"BB-01": (True, 3.8, 3.8, 4.0, 4.2), "BB-02": (False, 4.0, 3.8, 3.9, 3.9),
           "BB-03": (True, 3.6, 3.6, 3.9, 3.7), "BB-04": (False, 3.7, 3.9, 3.8, 3.8)},
    "CC": {"CC-01": (True, 4.0, 4.0, 4.0, 4.2), "CC-02": (False, 3.9, 3.9, 4.0, 3.8),
           "CC-03": (True, 3.5, 3.7, 3.6, 3.6), "CC-04": (False, 4.2, 4.0, 4.1, 4.3)},
}


def example_team_months() -> pd.DataFrame:
    """Worked example for exercise 2: four teams per market, two months before and two in the trial."""
    trials = example_trials().set_index("market")
    rows = []
    for market, teams in _TEAMS.items():
        start = trials.loc[market, "started_on"]
        months = [start - pd.DateOffset(months=2), start - pd.DateOffset(months=1), start,
                  start + pd.DateOffset(months=1)]
        for team, (adopter, *csat) in teams.items():
            for k, (month, value) in enumerate(zip(months, csat, strict=True)):
                rows.append((market, team, month, adopter, adopter and k >= 2, 150 + 10 * k, value))
    frame = pd.DataFrame(rows, columns=["market", "team_id", "month", "adopter", "practice", "responses",
                                        "csat_mean"])
    frame["month"] = frame["month"].astype("datetime64[us]")
    return frame


def example_effects() -> pd.DataFrame:
    """Worked example for exercise 3: effects of five trials, at the edges of the criteria."""
    return pd.DataFrame({"effect": [0.1, 0.35, 0.3, 0.09, 0.2], "se": [0.04, 0.05, 0.153, 0.04, 0.05],
                         "ci_low": [0.02, 0.25, 0.0, 0.01, 0.1], "ci_high": [0.18, 0.45, 0.6, 0.17, 0.3]},
                        index=pd.Index(["AA", "BB", "CC", "DD", "EE"], name="market"))


def example_judged_trials() -> pd.DataFrame:
    """Worked example for exercise 3: five trials; AA registered on its start day, BB a day late."""
    day = pd.Timestamp("2025-06-01")
    return pd.DataFrame({
        "market": ["AA", "BB", "CC", "DD", "EE"], "role": ["pilot"] + ["rollout"] * 4, "teams": 10,
        "started_on": [day] * 5, "ended_on": [day + pd.Timedelta(days=182)] * 5,
        "criteria_registered_on": [day, day + pd.Timedelta(days=1), day - pd.Timedelta(days=20),
                                   day - pd.Timedelta(days=3), day - pd.Timedelta(days=9)],
        "metric": "csat", "min_effect": 0.1,
    }).astype({"started_on": "datetime64[us]", "ended_on": "datetime64[us]",
               "criteria_registered_on": "datetime64[us]"})


def example_requests() -> pd.DataFrame:
    """Worked example for exercise 4: five requests (judge them over 3 years)."""
    return pd.DataFrame({
        "request_id": [7, 3, 12, 5, 9],
        "market": ["DE", "UK", "FR", "US-TX", "NL"],
        "requested_on": pd.to_datetime(["2025-02-01", "2025-03-10", "2025-04-22", "2025-05-05",
                                        "2025-06-30"]).astype("datetime64[us]"),
        "requested_by": ["finance", "sales", "marketing", "service", "sales"],
        "change": ["invoice layout", "local payment method", "chatbot greeting", "address format",
                   "returns label format"],
        "reason": ["legal", "customer", "internal", "customer", "customer"],
        "new_configuration": [True, True, True, False, True],
        "one_off_cost_usd": [30000, 24000, 9000, 3000, 20000],
        "annual_upkeep_usd": [12000, 10000, 6000, 0, 9000],
        "annual_benefit_usd": [5000, 18000, 7000, 900, 17000],
    })


EXAMPLE_YEARS = 3


def example_initiatives() -> pd.DataFrame:
    """Worked example for exercise 5: seven initiatives (rules: ``EXAMPLE_RULES``)."""
    return pd.DataFrame({
        "initiative_id": [101, 102, 103, 104, 105, 106, 107],
        "name": ["proactive delay alerts", "self-diagnosis in the app", "installation pre-check call",
                 "goodwill credit rules", "video support for installs", "one-visit repair kits",
                 "clearer returns labels"],
        "category": ["prevention", "prevention", "prevention", "recovery", "recovery", "recovery", "prevention"],
        "kind": ["incremental", "disruptive", "incremental", "incremental", "disruptive", "incremental",
                 "incremental"],
        "cost_kusd": [40, 60, 30, 110, 60, 110, 60],
        "expected_benefit_kusd": [53, 94, 62, 286, 166, 303, 153],
        "risk_points": [4, 2, 4, 5, 5, 6, 2],
    })


EXAMPLE_RULES = {"budget_kusd": 200, "risk_limit_points": 12, "min_prevention_share": 0.5, "max_disruptive": 1}


def example_tiers() -> pd.DataFrame:
    """Worked example for exercise 6: two vendors' credit schedules."""
    return pd.DataFrame([
        ("Alpha", 1, 99.5, 100.0, 0), ("Alpha", 2, 99.0, 99.5, 10), ("Alpha", 3, 95.0, 99.0, 25),
        ("Alpha", 4, 0.0, 95.0, 100),
        ("Beta", 1, 99.9, 100.0, 0), ("Beta", 2, 98.0, 99.9, 20), ("Beta", 3, 0.0, 98.0, 50),
    ], columns=["vendor", "tier", "at_least_pct", "below_pct", "credit_pct"])


def example_performance() -> pd.DataFrame:
    """Worked example for exercise 6: months on and next to every tier boundary."""
    months = pd.date_range("2025-01-01", periods=7, freq="MS")
    alpha = [100.0, 99.5, 99.49, 99.0, 98.99, 95.0, 94.99]
    beta = [99.9, 99.89, 98.0, 97.99]
    return pd.DataFrame({
        "vendor": ["Alpha"] * 7 + ["Beta"] * 4,
        "month": list(months) + list(months[:4]),
        "customer_facing_pct": alpha + beta,
        "internal_uptime_pct": [99.2, 99.99, 99.95, 99.97, 99.9, 99.92, 99.8, 99.99, 99.99, 99.95, 97.0],
        "fee_usd": [10000] * 7 + [4000] * 4,
    }).astype({"month": "datetime64[us]"})


def example_insights() -> pd.DataFrame:
    """Worked example for exercise 7: six notes (taxonomy: ``EXAMPLE_KEYWORDS``)."""
    return pd.DataFrame({
        "insight_id": [21, 22, 23, 24, 25, 26],
        "logged_on": pd.to_datetime(["2025-01-03", "2025-01-04", "2025-01-04", "2025-02-11", "2025-02-12",
                                     "2025-03-01"]).astype("datetime64[us]"),
        "team": ["service", "logistics", "sales", "service", "field_service", "customer_service"],
        "market": ["UK", "DE", "FR", "UK", "NL", "US-CA"],
        "note": ["RETURNS label would not print.", "Parcel late, customer wants a refund on the bill.",
                 "Customer pleased with the new model.", "Invoice wrong after the Return was booked.",
                 "Technician forgot the bracket.", "Billing page crashed the App."],
    }, index=[40, 41, 42, 43, 44, 45])


EXAMPLE_KEYWORDS = {"returns": ["return"], "billing": ["bill", "invoice"], "app": ["app"],
                    "installation": ["technician"], "delivery": ["parcel", "late"]}


def example_volume() -> pd.DataFrame:
    """Worked example for exercise 8: daily contacts by reason around 2025-03-10 (3-day windows)."""
    days = pd.date_range("2025-03-06", "2025-03-14")
    returns = [50, 10, 12, 14, 20, 22, 18, 90, 60]
    other = [50, 90, 88, 66, 80, 58, 42, 10, 40]
    rows = [(d, "phone", "returns", r) for d, r in zip(days, returns, strict=True)]
    rows += [(d, "phone", "delivery", o) for d, o in zip(days, other, strict=True)]
    rows += [(d, "email", "returns", 5) for d in days[3:6]]
    return pd.DataFrame(rows, columns=["date", "channel", "reason", "contacts"]).astype({"date": "datetime64[us]"})


EXAMPLE_SINCE = pd.Timestamp("2025-03-10")
EXAMPLE_DAYS = 3


# --------------------------------------------------------------------------------------------
# Exercise 1: maturity tiers
# --------------------------------------------------------------------------------------------

_MARKETS = ["AA", "BB", "CC", "DD", "EE"]
_MEAN = [3.5, 2.5, 2.25, 4.25, 1.5]
_TIER = ["leading", "developing", "emerging", "leading", "emerging"]
#: What a strict comparison (mean > threshold) gives.
_TIER_STRICT = ["developing", "emerging", "emerging", "leading", "emerging"]


def _check_maturity_tiers(ex: Exercise, func) -> None:
    answer = call(ex, func, example_markets())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by market")
    expect_columns(ex, answer, ["mean_score", "tier"])
    got = _rows(ex, answer, _MARKETS, "the markets")
    _numbers(ex, got, ["mean_score"])
    if not _close(got["mean_score"], _MEAN):
        if _close(got["mean_score"], [4 * m for m in _MEAN]):
            raise ex.fail("mean_score looks like the sum of the four scores: divide by four (the mean).")
        raise ex.fail("mean_score is not the plain mean of the four scores in SCORE_COLUMNS; customers, "
                      "online share and years of trading do not count.")
    tiers = [str(t) for t in got["tier"]]
    if tiers == _TIER_STRICT:
        raise ex.fail("a mean exactly on a threshold belongs to the higher tier: use 'at least' (>=), not >.")
    if tiers != _TIER:
        raise ex.fail("the tier is wrong for some markets: 'leading' from 3.5, 'developing' from 2.5, "
                      "'emerging' below 2.5.")


maturity_tiers = Exercise(
    "1", "maturity tiers", "Part 1, 'Maturity tiers'",
    (
        "Two steps: the mean of the four score columns per market, then a tier from two thresholds.",
        "markets.set_index('market')[SCORE_COLUMNS].mean(axis=1) gives the means; np.select takes a list of "
        "conditions, checked in order, and a default.",
        "np.select([mean >= 3.5, mean >= 2.5], ['leading', 'developing'], 'emerging'); build the DataFrame "
        "with the means' index.",
    ),
    _check_maturity_tiers,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: difference-in-differences by market
# --------------------------------------------------------------------------------------------

_EFFECT = [0.35, 0.25, 0.0]
_SE = [0.05, 0.05, 0.0707106781186545]
#: Adopters against the others in the trial months only (no before).
_EFFECT_DURING_ONLY = [0.15, 0.1, -0.2]
#: The standard error with population variances (ddof=0).
_SE_DDOF0 = [0.0353553, 0.0353553, 0.05]


def _check_practice_effect(ex: Exercise, func) -> None:
    answer = call(ex, func, example_team_months(), example_trials())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by market")
    expect_columns(ex, answer, ["effect", "se", "ci_low", "ci_high"])
    got = _rows(ex, answer, ["AA", "BB", "CC"], "the trial markets")
    _numbers(ex, got, ["effect", "se", "ci_low", "ci_high"])
    if not _close(got["effect"], _EFFECT):
        if _close(got["effect"], _EFFECT_DURING_ONLY):
            raise ex.fail("the effect compares adopters with the others in the trial months only. Take each "
                          "team's change from its own months before the trial first, then compare the changes.")
        if _close(got["effect"], [-e for e in _EFFECT]):
            raise ex.fail("the effect has the wrong sign: adopters' mean change minus the others'.")
        raise ex.fail("effect is not right: per team, mean of the trial months minus mean of the months before "
                      "(the trial's dates are in `trials`, per market); then adopters' mean change minus the "
                      "others'.")
    if not _close(got["se"], _SE, rtol=1e-5):
        if _close(got["se"], _SE_DDOF0, rtol=1e-5):
            raise ex.fail("se uses population variances (ddof=0); the task asks for sample variances (ddof=1).")
        raise ex.fail("se is not sqrt(s_a²/n_a + s_o²/n_o) over the teams' changes in each group.")
    if not (_close(got["ci_low"], np.array(_EFFECT) - 1.96 * np.array(_SE), rtol=1e-5)
            and _close(got["ci_high"], np.array(_EFFECT) + 1.96 * np.array(_SE), rtol=1e-5)):
        raise ex.fail("ci_low and ci_high should be effect − 1.96·se and effect + 1.96·se.")


practice_effect = Exercise(
    "2", "the practice's effect by market", "Part 1, 'Did the practice work, market by market?'",
    (
        "Work per team first (its change), then per market and group (adopters, others).",
        "Merge the trial dates onto the team-months by market, flag the trial months, and take each team's "
        "mean csat_mean in and out of the trial: groupby([...,'during']).mean().unstack('during').",
        "Group the teams' changes by (market, adopter): mean(), var() (ddof=1 is pandas' default) and size(); "
        "unstack('adopter') and combine the True and False columns.",
    ),
    _check_practice_effect,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: success criteria fixed before the data
# --------------------------------------------------------------------------------------------

_JUDGED = ["AA", "BB", "CC", "DD", "EE"]
_IN_TIME = [True, False, True, True, True]
_VERDICT = ["success", "not valid", "failure", "failure", "success"]


def _check_judge_trials(ex: Exercise, func) -> None:
    answer = call(ex, func, example_effects(), example_judged_trials())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by market")
    expect_columns(ex, answer, ["criteria_in_time", "verdict"])
    got = _rows(ex, answer, _JUDGED, "the markets of `trials`")
    in_time = _bools(ex, got, "criteria_in_time")
    verdict = [str(v) for v in got["verdict"]]
    if in_time != _IN_TIME:
        if in_time[0] is False:
            raise ex.fail("criteria registered on the trial's start day are in time: 'on or before' "
                          "started_on (<=).")
        raise ex.fail("criteria_in_time should say whether criteria_registered_on is on or before started_on.")
    if verdict[1] != "not valid":
        raise ex.fail("a trial whose criteria were registered after it started is 'not valid', whatever its "
                      "numbers.")
    if verdict[0] != "success":
        raise ex.fail("an effect exactly equal to min_effect meets the criterion: 'at least' (>=).")
    if verdict[2] != "failure":
        raise ex.fail("ci_low must be above 0 (strictly): an interval that touches 0 does not rule out no "
                      "effect.")
    if verdict != _VERDICT:
        raise ex.fail("some verdicts are wrong: 'success' needs effect >= min_effect and ci_low > 0; "
                      "otherwise 'failure' (or 'not valid' when the criteria came late).")


judge_trials = Exercise(
    "3", "success criteria fixed in advance", "Part 1, 'Success criteria fixed before the data'",
    (
        "Timing first, numbers second: a late registration decides the verdict alone.",
        "Index trials by market, line the effects up with effects.reindex(trials.index), and compare dates "
        "with <=.",
        "np.where(~in_time, 'not valid', np.where((effect >= min_effect) & (ci_low > 0), 'success', 'failure')).",
    ),
    _check_judge_trials,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: localisation requests
# --------------------------------------------------------------------------------------------

_REQUESTS = [7, 3, 12, 5, 9]
_NET = [-51000, 0, -6000, -300, 4000]
_APPROVE = [True, True, False, False, True]
_NET_NO_UPKEEP = [-15000, 30000, 12000, -300, 31000]
_NET_ONE_YEAR = [-37000, -16000, -8000, -2100, -12000]


def _check_localisation(ex: Exercise, func) -> None:
    answer = call(ex, func, example_requests(), EXAMPLE_YEARS)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by request_id")
    expect_columns(ex, answer, ["net_value_usd", "approve"])
    got = _rows(ex, answer, _REQUESTS, "the request ids")
    _numbers(ex, got, ["net_value_usd"])
    if not _close(got["net_value_usd"], _NET):
        if _close(got["net_value_usd"], _NET_NO_UPKEEP):
            raise ex.fail("the net value leaves out the yearly upkeep of the configuration: subtract "
                          "annual_upkeep_usd from the benefit every year.")
        if _close(got["net_value_usd"], _NET_ONE_YEAR):
            raise ex.fail("the net value counts one year only: multiply the yearly difference by `years`.")
        raise ex.fail("net_value_usd should be years × (annual_benefit_usd − annual_upkeep_usd) − one_off_cost_usd.")
    approve = _bools(ex, got, "approve")
    if not approve[0]:
        raise ex.fail("a legal request is approved whatever its net value: the law leaves no choice.")
    if not approve[1]:
        raise ex.fail("a request that exactly breaks even (net value 0) is approved: 'at least 0' (>=).")
    if approve != _APPROVE:
        raise ex.fail("approve should be True for legal requests and for those with a net value of at least 0.")


localisation_decisions = Exercise(
    "4", "localisation requests", "Part 2, 'Localisation requests against the cost of extra configurations'",
    (
        "One formula for the net value, then one rule with two ways to be approved.",
        "Index by request_id; the yearly difference is annual_benefit_usd − annual_upkeep_usd, counted `years` "
        "times, and the one-off cost once.",
        "approve = (reason == 'legal') | (net >= 0).",
    ),
    _check_localisation,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: the best portfolio
# --------------------------------------------------------------------------------------------

_BEST = [103, 105, 107]
_NO_RISK_LIMIT = [101, 103, 105, 107]
_NO_PREVENTION_RULE = [103, 106, 107]
_SHARE_OF_BUDGET = [101, 105, 107]
_GREEDY = [101, 102, 103, 107]


def _check_best_portfolio(ex: Exercise, func) -> None:
    answer = call(ex, func, example_initiatives(), dict(EXAMPLE_RULES))
    if isinstance(answer, (np.ndarray, pd.Series, pd.Index, tuple, set)):
        answer = list(answer)
    expect_type(ex, answer, list, "a sorted list of initiative ids")
    try:
        ids = [int(i) for i in answer]
    except (TypeError, ValueError):
        raise ex.fail("the list should hold initiative ids (int).") from None
    if ids and set(ids) <= set(range(7)):
        raise ex.fail("the list holds row positions, not initiative_id values: look the ids up in "
                      "initiatives['initiative_id'].")
    if ids != sorted(ids):
        raise ex.fail("sort the ids (sorted(...)).")
    chosen = sorted(ids)
    if chosen == _BEST:
        return
    if chosen == _NO_RISK_LIMIT:
        raise ex.fail("the portfolio breaks the risk limit: add a constraint on the sum of risk_points.")
    if chosen == _NO_PREVENTION_RULE:
        raise ex.fail("the prevention rule is missing: the prevention initiatives' cost must be at least "
                      "min_prevention_share of the money spent.")
    if chosen == _SHARE_OF_BUDGET:
        raise ex.fail("the prevention share is taken of the whole budget; the rule is a share of the money "
                      "spent on the chosen initiatives: Σ cost·(is_prevention − share)·x ≥ 0.")
    if chosen == _GREEDY:
        raise ex.fail("this looks like picking by benefit per dollar until the rules stop you; that can miss "
                      "the best set. Solve the integer programme with milp.")
    raise ex.fail("this set is not the best one that keeps every rule (budget, risk limit, prevention share of "
                  "the money spent, at most max_disruptive disruptive initiatives).")


best_portfolio = Exercise(
    "5", "the best portfolio", "Part 3, 'The best portfolio under a risk limit'",
    (
        "One binary variable per initiative; maximise benefit means minimising its negative.",
        "Stack four rows of constraint coefficients: cost, risk_points, is_disruptive, and "
        "cost·(is_prevention − share); their limits are the budget, the risk limit, max_disruptive, and "
        "'at least 0' for the last.",
        "milp(-benefit, constraints=LinearConstraint(A, lower, upper), integrality=np.ones(n), bounds=Bounds(0, 1)); "
        "the chosen rows are np.round(res.x) == 1.",
    ),
    _check_best_portfolio,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: service credits
# --------------------------------------------------------------------------------------------

_PERF_ROWS = [("Alpha", f"2025-0{k}-01") for k in range(1, 8)] + [("Beta", f"2025-0{k}-01") for k in range(1, 5)]
_CREDIT_PCT = [0, 0, 10, 10, 25, 25, 100, 0, 20, 20, 50]
_FEES = [10000] * 7 + [4000] * 4
#: Bounds taken inclusive above and exclusive below (a month on a bound gets the worse tier).
_CREDIT_WRONG_SIDE = [0, 10, 10, 25, 25, 100, 100, 20, 20, 50, 50]
#: The vendor's own uptime instead of the customer-facing measure.
_CREDIT_INTERNAL = [10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50]


def _check_service_credits(ex: Exercise, func) -> None:
    answer = call(ex, func, example_performance(), example_tiers())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (vendor, month)")
    expect_columns(ex, answer, ["credit_pct", "credit_usd"])
    if len(answer) == 10:
        raise ex.fail("a month missing: a measure of exactly 100 belongs to the tier whose below_pct is 100.")
    got = _rows(ex, answer, _PERF_ROWS, "(vendor, month), one row per month of `performance`")
    _numbers(ex, got, ["credit_pct", "credit_usd"])
    pct = [float(p) for p in got["credit_pct"]]
    if pct != [float(p) for p in _CREDIT_PCT]:
        if pct == [float(p) for p in _CREDIT_INTERNAL]:
            raise ex.fail("the credits follow the vendor's internal uptime; the contract ties them to the "
                          "customer-facing measure (customer_facing_pct).")
        if pct == [float(p) for p in _CREDIT_WRONG_SIDE]:
            raise ex.fail("a month exactly on a tier boundary got the worse tier: a tier starts at at_least_pct "
                          "(inclusive, >=) and stops below below_pct (exclusive, <).")
        raise ex.fail("credit_pct is wrong for some months: find the tier with at_least_pct <= measure < below_pct "
                      "(or measure = 100 in the top tier).")
    if not _close(got["credit_usd"], [f * p / 100 for f, p in zip(_FEES, _CREDIT_PCT, strict=True)]):
        raise ex.fail("credit_usd should be that month's fee_usd × credit_pct / 100.")


service_credits = Exercise(
    "6", "service credits", "Part 4, 'Service credits, exact at the tier boundaries'",
    (
        "Every month meets every tier of its vendor's schedule once; keep the one tier it falls in.",
        "performance.merge(tiers, on='vendor') gives a row per month and tier; the month is in the tier when "
        "at_least_pct <= customer_facing_pct and (customer_facing_pct < below_pct or below_pct == 100).",
        "Filter those rows, set_index(['vendor', 'month']), and compute credit_usd = fee_usd * credit_pct / 100.",
    ),
    _check_service_credits,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: themes
# --------------------------------------------------------------------------------------------

_THEMES = {40: "returns", 41: "billing", 42: "other", 43: "returns", 44: "installation", 45: "billing"}
_THEMES_CASE = {40: "other", 41: "billing", 42: "other", 43: "other", 44: "other", 45: "other"}
_THEMES_LAST = {40: "returns", 41: "delivery", 42: "other", 43: "billing", 44: "installation", 45: "app"}


def _check_tag_themes(ex: Exercise, func) -> None:
    answer = call(ex, func, example_insights(), dict(EXAMPLE_KEYWORDS))
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, "a Series of themes with the index of `insights`")
    got = _rows(ex, answer.to_frame("theme"), list(_THEMES), "the index of `insights` (40 to 45 in the example)")
    themes = dict(zip(_THEMES, [str(t) for t in got["theme"]], strict=True))
    if themes == _THEMES:
        return
    if themes == _THEMES_CASE:
        raise ex.fail("notes written in upper case were missed: compare lower-cased notes with lower-cased "
                      "keywords.")
    if themes == _THEMES_LAST:
        raise ex.fail("a note with keywords of several themes got the last one; it takes the first theme in "
                      "the dict's order.")
    if themes[42] != "other":
        raise ex.fail("a note with no keyword should be 'other'.")
    raise ex.fail("some notes got the wrong theme: the first theme (in the dict's order) with any keyword "
                  "appearing in the note, ignoring case.")


tag_themes = Exercise(
    "7", "a taxonomy of the notes", "Part 5, 'A taxonomy of the notes'",
    (
        "Lower-case the notes once; then try the themes in order and keep the first that matches.",
        "insights['note'].str.lower().str.contains(word, regex=False) tells which notes hold a keyword.",
        "Start from a Series of 'other' with insights' index and go through the themes in reverse order, "
        "overwriting where a theme matches: the first theme is written last and wins.",
    ),
    _check_tag_themes,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: a claim against the data
# --------------------------------------------------------------------------------------------

_SHARES = (41 / 285, 70 / 250)
#: Mean of the daily shares instead of a ratio of sums.
_SHARES_DAILY_MEAN = (0.14784313725490197, 0.2852474323062559)


def _check_claim_check(ex: Exercise, func) -> None:
    answer = call(ex, func, example_volume(), "returns", EXAMPLE_SINCE, EXAMPLE_DAYS)
    expect_type(ex, answer, dict, "a dict with share_before, share_after and ratio")
    missing = [k for k in ("share_before", "share_after", "ratio") if k not in answer]
    if missing:
        raise ex.fail(f"the dict is missing key(s) {missing}.")
    try:
        got = (float(answer["share_before"]), float(answer["share_after"]), float(answer["ratio"]))
    except (TypeError, ValueError):
        raise ex.fail("share_before, share_after and ratio should be numbers.") from None
    if _close(got[:2], _SHARES):
        if not _close(got[2], _SHARES[1] / _SHARES[0]):
            raise ex.fail("ratio should be share_after / share_before.")
        return
    if _close(got[:2], _SHARES_DAILY_MEAN, rtol=1e-6):
        raise ex.fail("the shares are means of daily shares; take a ratio of sums over the window: the reason's "
                      "contacts divided by all contacts.")
    if got[0] > 1 or got[1] > 1:
        raise ex.fail("share_before and share_after should be shares (0 to 1) of all contacts, not counts.")
    raise ex.fail("the windows or shares are not right: before is since − days <= date < since, after is "
                  "since <= date < since + days, every channel counted.")


claim_check = Exercise(
    "8", "a claim against the data", "Part 5, 'Checking a claim against the data'",
    (
        "Cut two windows by date, then in each divide the reason's contacts by all contacts.",
        "The before window: (date >= since - pd.Timedelta(days=days)) & (date < since); the after window: "
        "(date >= since) & (date < since + pd.Timedelta(days=days)).",
        "share = window.loc[window['reason'] == reason, 'contacts'].sum() / window['contacts'].sum(); "
        "return floats in a dict.",
    ),
    _check_claim_check,
)
