"""Visible checks and hints for Lab 01, *Diagnosing the operating model*.

Every check runs the learner's function on a small hand-made table (a worked example you can
print: ``example_events()``, ``example_touchpoints()``, ``example_raci()``,
``example_kpis()``, ``example_assessments()``), compares the result with the answer worked
out by hand, and, when it is wrong, says which common mistake it looks like.

>>> from cxlabs.checks import lab01 as checks
>>> checks.case_times.hint()        # doctest: +SKIP
>>> checks.case_times.check(case_times)   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, Mistake, call, diagnose, expect_columns, expect_type, same

__all__ = ["case_times", "handoff_delays", "ownership_gaps", "reverifications", "raci_problems",
           "kpi_alignment", "maturity_scores", "example_events", "example_touchpoints",
           "example_raci", "example_kpis", "example_assessments", "EXAMPLE_WEIGHTS"]

# --------------------------------------------------------------------------------------------
# Worked examples (inputs only; the answers below were worked out by hand)
# --------------------------------------------------------------------------------------------

_DAY = pd.Timestamp("2024-03-04")

#: case, step, stage, team, verifies, start and end in hours after midnight on 4 March 2024.
#: The rows are deliberately NOT in case/step order, as in a real export.
_EVENT_ROWS = (
    (11, 4, "address_recheck", "logistics", "address", 16.0, 16.25),
    (12, 5, "dispatch", "logistics", None, 17.25, 17.75),
    (13, 3, "address_recheck", "logistics", "address", 12.75, 13.25),
    (11, 2, "address_check", "customer_service", "address", 10.0, 10.5),
    (12, 1, "order_capture", "sales", "identity", 9.0, 9.25),
    (12, 7, "identity_recheck", "field_service", "identity", 89.75, 90.0),
    (11, 5, "dispatch", "logistics", None, 19.25, 20.0),
    (13, 1, "payment_check", "finance", "payment", 7.0, 7.5),
    (12, 4, "address_recheck", "logistics", "address", 15.75, 16.25),
    (11, 1, "order_capture", "sales", "identity", 8.0, 8.5),
    (12, 2, "address_check", "customer_service", "address", 9.75, 10.25),
    (13, 4, "dispatch", "logistics", None, 13.75, 14.25),
    (11, 3, "pick_pack", "fulfilment", None, 14.5, 15.5),
    (12, 6, "delivery", "carrier", None, 17.75, 41.75),
    (12, 3, "pick_pack", "fulfilment", None, 12.25, 13.75),
    (13, 2, "pick_pack", "fulfilment", None, 11.0, 11.75),
)


def example_events(shuffled: bool = True) -> pd.DataFrame:
    """The worked example for exercises 1, 2 and 3b: three orders in the shape of ``process_events``.

    Rows come out of order (as exports often do) unless ``shuffled=False``.
    """
    rows = [(c, s, st, t, v, _DAY + pd.Timedelta(hours=a), _DAY + pd.Timedelta(hours=b))
            for c, s, st, t, v, a, b in _EVENT_ROWS]
    frame = pd.DataFrame(rows, columns=["case_id", "step", "stage", "team", "verifies",
                                        "started_at", "ended_at"])
    if not shuffled:
        frame = frame.sort_values(["case_id", "step"], ignore_index=True)
    return frame


def example_touchpoints() -> pd.DataFrame:
    """The worked example for exercise 3a: eight touchpoints in the shape of ``touchpoints``."""
    return pd.DataFrame({
        "touchpoint_id": [1, 2, 3, 4, 5, 6, 7, 8],
        "journey_stage": ["buy", "buy", "buy", "deliver", "deliver", "support", "support", "support"],
        "touchpoint": ["web checkout", "payment failure email", "order confirmation call",
                       "tracking page", "delivery slot booking", "help centre", "live chat",
                       "email support"],
        "channel": ["web", "email", "phone", "web", "web", "self_service", "chat", "email"],
        "owner_team": ["sales", "finance", None, "logistics", "customer_service", None,
                       "marketing", "service"],
        "monthly_contacts": [1200, 300, 250, 4000, 900, 6000, 500, 450],
    })


_RACI_FOR_TOUCHPOINTS = (
    ("buy", "sales", "A"), ("buy", "finance", "R"), ("buy", "marketing", "C"),
    ("deliver", "fulfilment", "A"), ("deliver", "logistics", "R"), ("deliver", "customer_service", "I"),
    ("support", "service", "A"), ("support", "customer_service", "R"), ("support", "field_service", "C"),
)

_RACI_WITH_PROBLEMS = (
    ("discover", "marketing", "A"), ("discover", "sales", "R"), ("discover", "service", "I"),
    ("buy", "sales", "A"), ("buy", "finance", "A"), ("buy", "customer_service", "R"),
    ("deliver", "fulfilment", "R"), ("deliver", "logistics", "R"), ("deliver", "customer_service", "I"),
    ("install", "fulfilment", "A"), ("install", "field_service", "C"),
    ("renew", "marketing", "I"), ("renew", "service", "C"),
)


def example_raci(for_touchpoints: bool = False) -> pd.DataFrame:
    """The worked example RACI in the shape of ``raci``.

    ``for_touchpoints=True`` gives the (valid) RACI used with ``example_touchpoints()`` in
    exercise 3a; the default gives the RACI with problems used in exercise 4.
    """
    rows = _RACI_FOR_TOUCHPOINTS if for_touchpoints else _RACI_WITH_PROBLEMS
    return pd.DataFrame(list(rows), columns=["journey_stage", "team", "role"])


_KPI_SERIES = (
    # team, kpi, kind, better, unit, target, values January to May 2024
    ("service", "handle_time_min", "team_kpi", "lower", "minutes", 7.5, (8.0, 7.0, 9.0, 6.0, 7.5)),
    ("fulfilment", "picks_per_hour", "team_kpi", "higher", "orders/hour", 40.0, (44.0, 36.0, 43.0, 35.0, 40.0)),
    ("customer", "nps", "customer_outcome", "higher", "points", 40.0, (30.0, 26.0, 35.0, 22.0, 33.0)),
    ("customer", "repeat_rate", "customer_outcome", "lower", "fraction", 0.1, (0.07, 0.08, 0.13, 0.09, 0.11)),
)
_KPI_ORDER = (7, 2, 15, 10, 0, 18, 4, 13, 9, 1, 16, 6, 19, 3, 12, 5, 17, 8, 14, 11)


def example_kpis(shuffled: bool = True) -> pd.DataFrame:
    """The worked example for exercise 5: two team KPIs and two customer outcomes over five months.

    Rows come out of order unless ``shuffled=False`` (then sorted by kpi and month).
    """
    months = pd.date_range("2024-01-01", periods=5, freq="MS")
    rows = [(m, team, kpi, kind, v, target, better, unit)
            for team, kpi, kind, better, unit, target, values in _KPI_SERIES
            for m, v in zip(months, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["month", "team", "kpi", "kind", "value", "target", "better", "unit"])
    if shuffled:
        return frame.iloc[list(_KPI_ORDER)].reset_index(drop=True)
    return frame.sort_values(["kpi", "month"], ignore_index=True)


#: Weights for the worked example of exercise 6 (deliberately not in alphabetical order).
EXAMPLE_WEIGHTS = {"process": 1.0, "data": 3.0}

_ASSESSMENT_SCORES = {  # capability: {dimension: scores by assessors a, b, c}
    "service routing": {"data": (2, 2, 5), "process": (3, 3, 3)},
    "delivery promise": {"data": (3, 4, 4), "process": (2, 1, 2)},
    "consent management": {"data": (1, 1, 2), "process": (2, 3, 3)},
}


def example_assessments() -> pd.DataFrame:
    """The worked example for exercise 6: three capabilities, two dimensions, three assessors."""
    rows = [(cap, dim, assessor, score)
            for cap, dims in _ASSESSMENT_SCORES.items()
            for dim, scores in dims.items()
            for assessor, score in zip(("strategy_office", "it", "operations"), scores, strict=True)]
    return pd.DataFrame(rows, columns=["capability", "dimension", "assessor", "score"])


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _no_timedeltas(ex: Exercise, frame: pd.DataFrame, columns: list[str]) -> None:
    spans = [c for c in columns if pd.api.types.is_timedelta64_dtype(frame[c])]
    if spans:
        raise ex.fail(f"column(s) {spans} hold time spans (Timedelta), not numbers of hours. "
                      "Divide a Timedelta by pd.Timedelta(hours=1), or use .dt.total_seconds() / 3600.")


def _right_when_sorted(ex: Exercise, func, sorted_input, is_right, message: str) -> None:
    """If the answer is right on sorted rows (but was wrong on shuffled ones), say so."""
    try:
        again = func(*sorted_input)
    except Exception:  # noqa: BLE001 - a crash here only means we cannot diagnose
        return
    if is_right(again):
        raise ex.fail(message)


def _fill_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text as a visible marker, so that two missing values compare equal."""
    out = frame.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].astype(object).where(out[c].notna(), "<missing>")
    return out


def _pairs(frame: pd.DataFrame) -> list:
    return [tuple(p) for p in frame.index]


# --------------------------------------------------------------------------------------------
# Exercise 1: lead, work and wait time per case
# --------------------------------------------------------------------------------------------

_TIME_COLUMNS = ["lead_time_h", "work_time_h", "wait_time_h"]
_TIMES = pd.DataFrame({"lead_time_h": [12.0, 81.0, 7.25], "work_time_h": [3.0, 27.5, 2.25],
                       "wait_time_h": [9.0, 53.5, 5.0]}, index=pd.Index([11, 12, 13], name="case_id"))


def _check_case_times(ex: Exercise, func) -> None:
    answer = call(ex, func, example_events())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per case")
    expect_columns(ex, answer, _TIME_COLUMNS)
    _no_timedeltas(ex, answer, _TIME_COLUMNS)
    if sorted(answer.index.tolist()) != [11, 12, 13]:
        raise ex.fail("the index should be the case_id, one row per case (the worked example has "
                      f"three cases, 11, 12 and 13); yours is {answer.index.tolist()[:6]}. "
                      "Group by case_id.")
    answer = answer[_TIME_COLUMNS].sort_index()
    if same(answer, _TIMES):
        return
    _right_when_sorted(ex, func, (example_events(shuffled=False),),
                       lambda a: isinstance(a, pd.DataFrame) and set(_TIME_COLUMNS) <= set(a.columns)
                       and same(a[_TIME_COLUMNS].sort_index(), _TIMES),
                       "your answer depends on the row order: it is right when the rows are sorted by "
                       "case_id and step, wrong when they are not. Take the earliest started_at and the "
                       "latest ended_at (min/max), or sort by case_id and step first; never trust "
                       "'first' and 'last' row.")
    diagnose(ex, answer, _TIMES, [
        Mistake("your lead time equals the work time: lead time runs from the first stage's start "
                "to the last stage's end, so it includes the waits. Summing the stage durations "
                "gives the work time, not the lead time.",
                lambda: _TIMES.assign(lead_time_h=_TIMES["work_time_h"], wait_time_h=0.0)),
        Mistake("your numbers are in minutes, not hours: divide by 3600 seconds "
                "(or by pd.Timedelta(hours=1)), not by 60.", lambda: _TIMES * 60),
        Mistake("your numbers are in days, not hours: divide by pd.Timedelta(hours=1), "
                "not by a day.", lambda: _TIMES / 24),
        Mistake("your numbers are in seconds, not hours: divide the seconds by 3600.",
                lambda: _TIMES * 3600),
    ], "the lead, work or wait time is wrong on the worked example. Lead = last ended_at minus "
       "first started_at of the case; work = sum over its stages of ended_at - started_at; "
       "wait = lead - work; all in hours.")


case_times = Exercise(
    "1", "lead, work and wait time per case", "Part 1, 'Where the time goes'",
    (
        "Group the events by case_id. Lead time needs one start and one end per case; work time "
        "needs one duration per stage, then a sum per case.",
        "Lead time = (latest ended_at) - (earliest started_at) of the case. Work time = the sum of "
        "(ended_at - started_at) over the case's stages. Wait time = lead - work.",
        "Subtracting datetimes gives Timedeltas. Turn them into hours by dividing by "
        "pd.Timedelta(hours=1) (or .dt.total_seconds() / 3600).",
    ),
    _check_case_times,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: waiting between teams
# --------------------------------------------------------------------------------------------

_HANDOFF_COLUMNS = ["from_team", "to_team", "handoffs", "mean_wait_h", "median_wait_h"]
_HANDOFFS = pd.DataFrame(
    {"from_team": ["finance", "customer_service", "fulfilment", "sales"],
     "to_team": ["fulfilment", "fulfilment", "logistics", "customer_service"],
     "handoffs": [1, 2, 3, 2],
     "mean_wait_h": [3.5, 3.0, 3.5 / 3, 1.0],
     "median_wait_h": [3.5, 3.0, 1.0, 1.0]},
    index=pd.MultiIndex.from_tuples([("payment_check", "pick_pack"), ("address_check", "pick_pack"),
                                     ("pick_pack", "address_recheck"), ("order_capture", "address_check")],
                                    names=["from_stage", "to_stage"]))
#: mean waits if measured from the previous stage's START instead of its end
_HANDOFF_MEAN_FROM_START = {("payment_check", "pick_pack"): 4.0, ("address_check", "pick_pack"): 3.5,
                            ("pick_pack", "address_recheck"): 6.75 / 3,
                            ("order_capture", "address_check"): 1.375}


def _handoffs_right(a) -> bool:
    return (isinstance(a, pd.DataFrame) and set(_HANDOFF_COLUMNS) <= set(a.columns)
            and same(a[_HANDOFF_COLUMNS], _HANDOFFS))


def _check_handoff_delays(ex: Exercise, func) -> None:
    answer = call(ex, func, example_events())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per handoff (from_stage, to_stage)")
    expect_columns(ex, answer, _HANDOFF_COLUMNS)
    _no_timedeltas(ex, answer, ["mean_wait_h", "median_wait_h"])
    if answer.index.nlevels != 2:
        raise ex.fail("the index should have two levels, (from_stage, to_stage): group by both columns "
                      "and keep them as the index.")
    answer = answer[_HANDOFF_COLUMNS]
    if _handoffs_right(answer):
        return
    _right_when_sorted(ex, func, (example_events(shuffled=False),), _handoffs_right,
                       "your answer depends on the row order: it is right when the rows are sorted by "
                       "case_id and step, wrong when they are not. 'The next stage' means the next step "
                       "of the same case: sort by case_id and step before you shift.")
    teams = set(answer["from_team"].astype(str)) | set(answer["to_team"].astype(str))
    if "carrier" in teams:
        raise ex.fail("your table includes handoffs to or from the carrier. The carrier is an outside "
                      "company, and the wait after delivery is the customer's appointment; count only "
                      "handoffs between two of our own teams.")
    if ("dispatch", "identity_recheck") in set(_pairs(answer)):
        raise ex.fail("your table pairs dispatch with identity_recheck, across the carrier's delivery: you "
                      "dropped the carrier's rows before pairing the steps. Pair each step with the next "
                      "step of the same case first, then leave out every pair in which either team is the "
                      "carrier.")
    if (answer["from_team"].astype(str) == answer["to_team"].astype(str)).any():
        raise ex.fail("your table counts transitions where the same team does both stages (for example "
                      "address_recheck -> dispatch, both logistics). That is not a handoff: keep only "
                      "rows where the team changes.")
    if set(_pairs(answer)) != set(_pairs(_HANDOFFS)):
        raise ex.fail("the set of (from_stage, to_stage) handoffs is not right. Pair each stage with the "
                      "next step of the same case, and keep the pairs where the team changes.")
    right_order = answer.loc[_HANDOFFS.index]
    means = dict(zip(_pairs(right_order), right_order["mean_wait_h"], strict=True))
    if all(np.isclose(means[p], v) for p, v in _HANDOFF_MEAN_FROM_START.items()):
        raise ex.fail("your waits are measured from the previous stage's START, so they include its "
                      "work. The wait is next.started_at - previous.ended_at.")
    if same(right_order, _HANDOFFS):
        raise ex.fail("the numbers are right but the rows are not sorted: sort by mean_wait_h, "
                      "largest first.")
    if not same(right_order["handoffs"], _HANDOFFS["handoffs"]):
        raise ex.fail("the handoffs column should count how many times each handoff happened "
                      "(one per case in which it happened).")
    raise ex.fail("the waits are not right on the worked example. For each handoff: wait in hours = "
                  "next stage's started_at - this stage's ended_at; then the mean and the median "
                  "over all cases.")


handoff_delays = Exercise(
    "2", "waiting between teams", "Part 1, 'Waiting between teams'",
    (
        "Sort by case_id and step, then put each stage next to the following stage of the same case "
        "(groupby('case_id').shift(-1) does that).",
        "A handoff is a pair of consecutive steps where the team changes and neither team is the "
        "carrier (pair first, then filter the pairs). Its wait is next.started_at - this.ended_at, "
        "in hours.",
        "Group the handoffs by (from_stage, to_stage) and aggregate with named aggregations: "
        "first team, size, mean and median; then sort_values('mean_wait_h', ascending=False).",
    ),
    _check_handoff_delays,
)

# --------------------------------------------------------------------------------------------
# Exercise 3a: touchpoints nobody is accountable for
# --------------------------------------------------------------------------------------------

_GAP_COLUMNS = ["touchpoint_id", "journey_stage", "touchpoint", "owner_team", "monthly_contacts", "gap"]
_GAP_IDS = [6, 5, 7, 3]
_GAP_LABELS = ["no owner", "owner not responsible or accountable",
               "owner not responsible or accountable", "no owner"]


def _check_ownership_gaps(ex: Exercise, func) -> None:
    answer = call(ex, func, example_touchpoints(), example_raci(for_touchpoints=True))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per touchpoint with a gap")
    expect_columns(ex, answer, _GAP_COLUMNS)
    ids = [int(i) for i in answer["touchpoint_id"]]
    if ids == _GAP_IDS:
        labels = answer["gap"].astype(str).tolist()
        if labels != _GAP_LABELS:
            raise ex.fail("the right touchpoints, but the gap column is not right: it should read "
                          "exactly 'no owner' when owner_team is missing and 'owner not responsible "
                          "or accountable' otherwise.")
        expected = example_touchpoints().set_index("touchpoint_id").loc[_GAP_IDS].reset_index()
        if not same(_fill_text(answer[_GAP_COLUMNS[:5]].reset_index(drop=True)),
                    _fill_text(expected[_GAP_COLUMNS[:5]])):
            raise ex.fail("the right touchpoints, but some of their columns were changed: keep "
                          "touchpoint_id, journey_stage, touchpoint, owner_team and monthly_contacts "
                          "as they are in the touchpoints table.")
        return
    if sorted(ids) == sorted(_GAP_IDS):
        raise ex.fail("the right touchpoints, in the wrong order: sort by monthly_contacts, largest first.")
    if sorted(ids) == [3, 6]:
        raise ex.fail("you found only the touchpoints with no owner. A touchpoint is also a gap when "
                      "its owner holds neither R nor A for that journey stage in the RACI.")
    if sorted(ids) == [3, 6, 7]:
        raise ex.fail("you counted a Consulted or Informed role as ownership. Only R (Responsible) or "
                      "A (Accountable) for the touchpoint's journey stage counts.")
    if 3 not in ids and 6 not in ids:
        raise ex.fail("the touchpoints with no owner are missing. An inner merge silently drops rows "
                      "that find no match (a missing owner, or an owner with no RACI row in that "
                      "stage): merge with how='left' and look for the rows that found no R or A.")
    raise ex.fail("not the right touchpoints. Keep a touchpoint when owner_team is missing, or when "
                  "no RACI row has the same journey_stage, that team, and role R or A.")


ownership_gaps = Exercise(
    "3a", "touchpoints nobody is accountable for", "Part 2, 'Who owns each touchpoint?'",
    (
        "Two kinds of gap: owner_team is missing, or the owner has no R or A role for that stage.",
        "Keep only the R and A rows of the RACI, then left-merge the touchpoints onto them on "
        "(journey_stage, owner_team = team). Rows that found no match are gaps.",
        "A missing owner_team never matches, so check owner_team.isna() first for the 'no owner' "
        "label; then sort_values('monthly_contacts', ascending=False).",
    ),
    _check_ownership_gaps,
)

# --------------------------------------------------------------------------------------------
# Exercise 3b: customer data checked again and again
# --------------------------------------------------------------------------------------------

_REVERIFY_COLUMNS = ["reverifications", "share_of_cases", "work_hours"]
_REVERIFY = pd.DataFrame({"reverifications": [2, 1], "share_of_cases": [2 / 3, 1 / 3],
                          "work_hours": [0.75, 0.25]},
                         index=pd.Index(["address", "identity"], name="verifies"))


def _reverify_right(a) -> bool:
    return (isinstance(a, pd.DataFrame) and set(_REVERIFY_COLUMNS) <= set(a.columns)
            and same(a[_REVERIFY_COLUMNS], _REVERIFY))


def _check_reverifications(ex: Exercise, func) -> None:
    answer = call(ex, func, example_events())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by the data item verified")
    expect_columns(ex, answer, _REVERIFY_COLUMNS)
    _no_timedeltas(ex, answer, ["work_hours"])
    answer = answer[_REVERIFY_COLUMNS]
    if _reverify_right(answer):
        return
    items = [str(i) for i in answer.index]
    if "payment" in items or answer["reverifications"].sum() == 9:
        raise ex.fail("you counted first verifications too. A stage is a re-verification only when "
                      "the same item was already verified at an earlier step of the same case.")
    if sorted(items) != ["address", "identity"]:
        raise ex.fail("the index should be the data items that were re-verified at least once "
                      "(values of the verifies column), one row each. You probably grouped by "
                      "something else (stage or case_id), or kept items that were verified only once.")
    _right_when_sorted(ex, func, (example_events(shuffled=False),), _reverify_right,
                       "your answer depends on the row order: the 'first' verification of an item is "
                       "the one with the smallest step in the case, not the first row. Sort by case_id "
                       "and step first.")
    got = answer.loc[_REVERIFY.index]
    if int(got.loc["address", "reverifications"]) == 3:
        raise ex.fail("you counted stages by their name (…_recheck). In one case the recheck is the "
                      "first time the address is verified: look at what was verified earlier in the "
                      "same case, not at the stage's name.")
    if np.isclose(float(got.loc["identity", "share_of_cases"]), 1 / 2):
        raise ex.fail("share_of_cases should divide by ALL cases in the table, not only the cases in "
                      "which that item was verified at all.")
    if same(got, _REVERIFY):
        raise ex.fail("the numbers are right but the rows are not sorted: sort by reverifications, "
                      "largest first.")
    raise ex.fail("the counts, shares or hours are not right. reverifications = number of stages "
                  "re-verifying the item; share_of_cases = cases with at least one of them / all "
                  "cases; work_hours = hours spent in those stages.")


reverifications = Exercise(
    "3b", "customer data checked again", "Part 2, 'Checked twice'",
    (
        "Keep the stages that verify something, in case_id and step order. Within a case, the first "
        "time an item is verified is fine; every later time is a re-verification.",
        "groupby(['case_id', 'verifies']).cumcount() numbers the verifications of each item within "
        "a case from 0: the re-verifications are those with a number above 0.",
        "share_of_cases divides the number of distinct cases with a re-verification by the number "
        "of distinct case_ids in the whole table.",
    ),
    _check_reverifications,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: RACI validation
# --------------------------------------------------------------------------------------------

_RACI_COLUMNS = ["accountable", "responsible", "problem"]
_RACI_PROBLEMS = pd.DataFrame(
    {"accountable": [2, 0, 1, 0], "responsible": [1, 2, 0, 0],
     "problem": ["more than one Accountable", "no Accountable", "no Responsible",
                 "no Accountable; no Responsible"]},
    index=pd.Index(["buy", "deliver", "install", "renew"], name="journey_stage"))


def _check_raci_problems(ex: Exercise, func) -> None:
    answer = call(ex, func, example_raci())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by journey_stage")
    expect_columns(ex, answer, _RACI_COLUMNS)
    answer = answer[_RACI_COLUMNS]
    stages = sorted(str(s) for s in answer.index)
    if stages == list(_RACI_PROBLEMS.index):
        got = answer.copy()
        got.index = got.index.astype(str)
        got = got.sort_index()
        if same(got, _RACI_PROBLEMS):
            return
        if not same(got[["accountable", "responsible"]], _RACI_PROBLEMS[["accountable", "responsible"]]):
            raise ex.fail("the right stages, but the accountable or responsible counts are wrong: count "
                          "the rows with role 'A' and the rows with role 'R' in each stage.")
        raise ex.fail("the counts are right but the problem text is not: use exactly 'no Accountable', "
                      "'more than one Accountable' and 'no Responsible', joined by '; ' in that order "
                      "when a stage has more than one.")
    if "deliver" not in stages or "renew" not in stages:
        raise ex.fail("a stage with no Accountable team is missing from your result. Filtering "
                      "role == 'A' (or 'R') before grouping drops the stages with no such row, so their "
                      "count of 0 never appears: count over every stage (for example sum a boolean "
                      "column per stage).")
    if "install" not in stages:
        raise ex.fail("the stage with an Accountable but no Responsible team is missing: did you count "
                      "A as R? Responsible means role 'R' only.")
    if "discover" in stages:
        raise ex.fail("keep only the stages that have a problem; a stage with exactly one A and at "
                      "least one R is fine.")
    raise ex.fail("not the right stages. A stage has a problem when it has no A, more than one A, "
                  "or no R.")


raci_problems = Exercise(
    "4", "RACI validation", "Part 3, 'Validate the RACI'",
    (
        "Count, for every journey stage, how many teams are A and how many are R, including stages "
        "where the count is zero.",
        "raci.assign(a=raci['role'].eq('A'), r=raci['role'].eq('R')).groupby('journey_stage') "
        "and sum the booleans: stages with no A still get a row, with 0.",
        "Build the problem text with a small function applied to each row: collect the labels that "
        "apply in a list, then '; '.join(...). Keep rows whose text is not empty.",
    ),
    _check_raci_problems,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: KPI conflict matrix
# --------------------------------------------------------------------------------------------

_KPI_COLUMNS = ["kpi", "outcome", "r", "alignment", "conflict"]
_R = {("handle_time_min", "nps"): 0.9134474706234879, ("handle_time_min", "repeat_rate"): 0.5106621799868928,
      ("picks_per_hour", "nps"): 0.8165180550244188, ("picks_per_hour", "repeat_rate"): 0.23654841208244576}
_SIGN = {"handle_time_min": -1, "picks_per_hour": 1, "nps": 1, "repeat_rate": -1}
_KPI_ALIGNMENT = (pd.DataFrame([(k, o, r, r * _SIGN[k] * _SIGN[o]) for (k, o), r in _R.items()],
                               columns=["kpi", "outcome", "r", "alignment"])
                  .assign(conflict=lambda d: d["alignment"] <= -0.3)
                  .sort_values("alignment", ignore_index=True))


def _kpi_right(a) -> bool:
    return (isinstance(a, pd.DataFrame) and set(_KPI_COLUMNS) <= set(a.columns)
            and same(a[_KPI_COLUMNS].reset_index(drop=True), _KPI_ALIGNMENT))


def _check_kpi_alignment(ex: Exercise, func) -> None:
    answer = call(ex, func, example_kpis())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per (team KPI, customer outcome)")
    expect_columns(ex, answer, _KPI_COLUMNS)
    answer = answer[_KPI_COLUMNS].reset_index(drop=True)
    if _kpi_right(answer):
        return
    pairs = sorted(zip(answer["kpi"].astype(str), answer["outcome"].astype(str), strict=True))
    if pairs != sorted(_R):
        raise ex.fail("you need one row per (team KPI, customer outcome) pair: every KPI whose kind is "
                      "'team_kpi' against every KPI whose kind is 'customer_outcome'.")
    _right_when_sorted(ex, func, (example_kpis(shuffled=False),), _kpi_right,
                       "your correlations pair values from different months: they are right when the "
                       "rows are sorted by kpi and month, wrong when they are not. Align the values on "
                       "month (pivot to one column per KPI, indexed by month) before correlating.")
    by_pair = answer.set_index(["kpi", "outcome"])
    r = np.array([by_pair.loc[p, "r"] for p in _R], dtype=float)
    alignment = np.array([by_pair.loc[p, "alignment"] for p in _R], dtype=float)
    if not np.allclose(r, list(_R.values())):
        raise ex.fail("the correlation r is not right. r is the Pearson correlation, across months, of "
                      "the team KPI's value with the outcome's value in the same month.")
    if np.allclose(alignment, r):
        raise ex.fail("your alignment is the raw correlation. Take the direction into account: "
                      "alignment = r x d_kpi x d_outcome with d = +1 when better is 'higher' and -1 "
                      "when it is 'lower'.")
    if not np.allclose(alignment, [_R[p] * _SIGN[p[0]] * _SIGN[p[1]] for p in _R]):
        raise ex.fail("the alignment does not use both directions: multiply r by the direction of the "
                      "KPI AND the direction of the outcome.")
    conflict = np.array([bool(by_pair.loc[p, "conflict"]) for p in _R])
    if list(conflict) != [(_R[p] * _SIGN[p[0]] * _SIGN[p[1]]) <= -0.3 for p in _R]:
        raise ex.fail("the conflict column is not right: a pair is a conflict when alignment <= -0.3.")
    raise ex.fail("the numbers are right but the rows are not sorted: sort by alignment, most "
                  "negative first.")


kpi_alignment = Exercise(
    "5", "KPI conflict matrix", "Part 4, 'The KPI conflict matrix'",
    (
        "Put the values side by side by month first: one column per KPI, one row per month "
        "(pivot_table(index='month', columns='kpi', values='value')).",
        "For each team KPI and each customer outcome, r = wide[kpi].corr(wide[outcome]). The "
        "direction of each KPI is in the better column: +1 for 'higher', -1 for 'lower'.",
        "alignment = r * d_kpi * d_outcome; a conflict is alignment <= -0.3. Collect one tuple per "
        "pair in a list, build the DataFrame, then sort_values('alignment', ignore_index=True).",
    ),
    _check_kpi_alignment,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: weighted capability maturity
# --------------------------------------------------------------------------------------------

_LEVELS = {1: "initial", 2: "repeatable", 3: "defined", 4: "managed", 5: "optimising"}
_MATURITY = pd.DataFrame({"score": [1.5, 2.25, 3.5], "level": ["initial", "repeatable", "defined"]},
                         index=pd.Index(["consent management", "service routing", "delivery promise"],
                                        name="capability"))
_SCORE_MISTAKES = {
    "mean": ([5 / 3, 3.0, 19 / 6],
             "you averaged the assessors with the mean. Use the MEDIAN of the assessors' scores per "
             "capability and dimension: one generous or harsh assessor should not move the score."),
    "unnormalised": ([6.0, 9.0, 14.0],
                     "your scores go above 5: the weights do not sum to 1, so divide the weighted sum "
                     "by the sum of the weights."),
    "by position": ([2.5, 2.75, 2.5],
                    "the weights were matched to the dimensions by position, not by name: look each "
                    "dimension's weight up in the dict (e.g. pd.Series(weights) aligned on the "
                    "dimension names)."),
}


def _check_maturity_scores(ex: Exercise, func) -> None:
    answer = call(ex, func, example_assessments(), dict(EXAMPLE_WEIGHTS))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by capability")
    expect_columns(ex, answer, ["score", "level"])
    if sorted(str(c) for c in answer.index) != sorted(_MATURITY.index):
        raise ex.fail("the index should be the capability, one row per capability (the worked "
                      "example has three). You probably kept one row per capability AND dimension, "
                      "or lost the index with reset_index(): the weighted average over dimensions "
                      "leaves one row per capability.")
    got = answer.loc[list(_MATURITY.index), ["score", "level"]]
    scores = got["score"].astype(float)
    if not same(scores, _MATURITY["score"]):
        for expected, message in _SCORE_MISTAKES.values():
            if np.allclose(scores.to_numpy(), expected):
                raise ex.fail(message)
        raise ex.fail("the scores are not right: median over assessors per capability and dimension, "
                      "then the weighted average over dimensions (weights divided by their sum).")
    levels = got["level"].astype(str).tolist()
    if levels == ["repeatable", "repeatable", "managed"]:
        raise ex.fail("you rounded the score to get the level. The level is the floor: a score of 3.5 "
                      "has reached level 3 (defined), not yet level 4.")
    if levels != list(_MATURITY["level"]):
        raise ex.fail(f"the level names are not right: use the floor of the score and the names "
                      f"{_LEVELS}.")
    if [str(c) for c in answer.index] != list(_MATURITY.index):
        raise ex.fail("the numbers are right but the rows are not sorted: sort by score, lowest first.")


maturity_scores = Exercise(
    "6", "weighted capability maturity", "Part 5, 'Weighted capability maturity'",
    (
        "Two steps: first one number per capability and dimension (the median over assessors), "
        "then one number per capability (a weighted average over dimensions).",
        "groupby(['capability', 'dimension'])['score'].median().unstack() gives a capability x "
        "dimension table; pd.Series(weights) lines the weights up with its columns by name.",
        "score = (table * w).sum(axis=1) / w.sum(). level = the name of np.floor(score) "
        "(1 initial ... 5 optimising).",
    ),
    _check_maturity_scores,
)
