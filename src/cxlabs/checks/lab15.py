"""Visible checks and hints for Lab 15, *Governing change*.

Every check runs the learner's function on a small hand-made example (print it:
``example_kpis()``, ``example_monthly()``, ``example_changes()``, ``example_signoffs()``,
``example_series()``, ``example_rework()``, ``example_rates()``, ``example_postmortems()``,
``example_leading()``, ``example_lagging()``, ``example_snapshot()``, ``example_rules()``),
compares the result with the answer worked out by hand (kept here as literal data), and, when it
is wrong, says which common mistake it looks like. No check prints the expected values.

>>> from cxlabs.checks import lab15 as checks
>>> checks.scorecard_status.hint()               # doctest: +SKIP
>>> checks.scorecard_status.check(scorecard_status)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["scorecard_status", "signoff_breaches", "control_rules", "rework_cost", "root_cause_mix",
           "lagged_correlation", "team_status", "example_kpis", "example_monthly", "example_changes",
           "example_signoffs", "example_series", "example_rework", "example_rates", "example_postmortems",
           "example_leading", "example_lagging", "example_snapshot", "example_rules", "EXAMPLE_MONTH",
           "EXAMPLE_CENTER", "EXAMPLE_SIGMA"]

T = pd.Timestamp


def _close(got, want, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    try:
        g = np.atleast_1d(pd.Series(np.atleast_1d(got)).to_numpy(dtype="float64", na_value=np.nan))
        w = np.atleast_1d(np.asarray(want, dtype=float))
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))


def _label(value):
    if isinstance(value, tuple):
        return tuple(_label(v) for v in value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value


def _rows(ex: Exercise, frame, want: list, what: str):
    """The frame's rows in the order of ``want`` (index labels); fail when the labels differ."""
    got = [_label(v) for v in frame.index]
    if len(set(got)) != len(got) or set(got) != set(want):
        raise ex.fail(f"the index should be {what}, one row each; yours has {len(frame)} rows with labels "
                      f"{sorted(map(str, set(got)))[:6]}.")
    position = {k: i for i, k in enumerate(got)}
    return frame.iloc[[position[k] for k in want]]


def _bools(ex: Exercise, values, name: str) -> list:
    s = pd.Series(values)
    if s.isna().any():
        raise ex.fail(f"column {name!r} has missing values; every row should be True or False.")
    if not (pd.api.types.is_bool_dtype(s) or set(s.unique()) <= {0, 1}):
        raise ex.fail(f"column {name!r} should hold True/False.")
    return [bool(v) for v in s]


def _numbers(ex: Exercise, frame, columns) -> None:
    for c in columns:
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
            raise ex.fail(f"column {c!r} should hold numbers, got {frame[c].dtype}.")


# --------------------------------------------------------------------------------------------
# Exercise 1: the scorecard's RAG status
# --------------------------------------------------------------------------------------------

EXAMPLE_MONTH = T("2025-03-01")


def example_kpis() -> pd.DataFrame:
    """Worked example for exercise 1: five KPIs, two where higher is better and three where lower is."""
    return pd.DataFrame({
        "kpi": ["nps", "handle_time", "first_fix", "errors", "cost"],
        "perspective": ["customer", "internal_process", "internal_process", "internal_process", "financial"],
        "owner_team": ["service", "customer_service", "field_service", "fulfilment", "finance"],
        "unit": ["points", "minutes", "fraction", "per 1,000", "USD"],
        "better": ["higher", "lower", "higher", "lower", "lower"],
        "target": [40.0, 8.0, 0.5, 2.0, 10.0],
        "amber_tolerance": [0.05, 0.1, 0.1, 0.25, 0.05],
        "measured": ["monthly"] * 5,
    })


def example_monthly() -> pd.DataFrame:
    """Worked example for exercise 1: the five KPIs in February and March 2025.

    In March, nps is exactly on target and errors is better than its target.
    """
    feb = [30.0, 7.0, 0.6, 3.0, 9.0]
    mar = [40.0, 8.5, 0.44, 1.0, 11.0]
    kpis = example_kpis()["kpi"].tolist()
    return pd.DataFrame({"month": [T("2025-02-01")] * 5 + [EXAMPLE_MONTH] * 5, "kpi": kpis * 2,
                         "value": feb + mar}).astype({"month": "datetime64[us]"})


_STATUS = ["green", "amber", "red", "green", "red"]
_STATUS_ALL_HIGHER = ["green", "green", "red", "red", "green"]
_STATUS_STRICT = ["amber", "amber", "red", "green", "red"]
_STATUS_ABSOLUTE = ["green", "red", "amber", "green", "red"]
_STATUS_FEBRUARY = ["red", "green", "green", "red", "green"]


def _check_scorecard(ex: Exercise, func) -> None:
    answer = call(ex, func, example_kpis(), example_monthly(), EXAMPLE_MONTH)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by kpi")
    expect_columns(ex, answer, ["value", "target", "better", "status"])
    got = _rows(ex, answer, example_kpis()["kpi"].tolist(), "the KPI (one row per KPI)")
    status = [str(s) for s in got["status"]]
    if not set(status) <= {"green", "amber", "red"}:
        raise ex.fail("status should be one of 'green', 'amber' and 'red' (lower case).")
    if not _close(got["value"], [40.0, 8.5, 0.44, 1.0, 11.0]):
        raise ex.fail("`value` is not the KPI's value in `month`: keep only the rows of that month.")
    if status == _STATUS_FEBRUARY:
        raise ex.fail("these are another month's statuses: keep only the rows of `month`.")
    if status == _STATUS_ALL_HIGHER:
        raise ex.fail("every KPI was treated as 'higher is better'. For a KPI whose `better` is 'lower' (handle "
                      "time, errors, cost), a value at or below the target is green.")
    if status == _STATUS_STRICT:
        raise ex.fail("a value exactly on its target is not green in yours. Our policy: meeting the target "
                      "(at it, or better) is green.")
    if status == _STATUS_ABSOLUTE:
        raise ex.fail("the amber band was taken as an absolute amount. It is a fraction of the target: amber "
                      "when the miss is at most amber_tolerance × target.")
    if status != _STATUS:
        raise ex.fail("some statuses are wrong: green when the target is met in the direction of good; amber "
                      "when it is missed by at most amber_tolerance × target; red otherwise.")


scorecard_status = Exercise(
    "1", "the scorecard's RAG status", "Part 1, 'RAG status with a direction of good'",
    (
        "Work with the shortfall: how far the value falls short of the target in the direction of good. "
        "Zero or less is green.",
        "shortfall = target − value when better is 'higher', value − target when it is 'lower' (np.where). "
        "The amber band is amber_tolerance × target.",
        "Join the month's values (monthly[monthly['month'] == month].set_index('kpi')['value']) to "
        "kpis.set_index('kpi'), then np.select([shortfall <= 0, shortfall <= band], ['green', 'amber'], 'red').",
    ),
    _check_scorecard,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: changes that broke the joint sign-off
# --------------------------------------------------------------------------------------------


def example_changes() -> pd.DataFrame:
    """Worked example for exercise 2: five changes and when each went live."""
    return pd.DataFrame({
        "change_id": [1, 2, 3, 4, 5], "title": ["a", "b", "c", "d", "e"],
        "owner_team": ["sales", "logistics", "service", "fulfilment", "sales"],
        "change_type": ["policy", "process", "process", "data", "system"], "risk": ["low"] * 5,
        "kpi": ["checkout_conversion_rate"] * 5,
        "requested_at": [T("2025-01-01 09:00")] * 5,
        "go_live_at": [T("2025-02-03 10:00"), T("2025-02-10 10:00"), T("2025-02-17 10:00"),
                       T("2025-02-24 10:00"), T("2025-03-03 10:00")],
        "rolled_back_on": [pd.NaT] * 5,
    }).astype({"requested_at": "datetime64[us]", "go_live_at": "datetime64[us]", "rolled_back_on": "datetime64[us]"})


def example_signoffs() -> pd.DataFrame:
    """Worked example for exercise 2.

    Change 1: a courtesy approver (finance, not required) never signed. Change 2: the CX office
    signed at the very minute of go-live. Change 3: the CX office never signed. Change 4: the
    owning team signed two hours after go-live and data governance never signed. Change 5: the
    IT change board signed a day late.
    """
    rows = [
        (1, "owning_team", True, "2025-02-01 09:00"), (1, "cx_office", True, "2025-02-02 15:00"),
        (1, "finance", False, None),
        (2, "owning_team", True, "2025-02-07 09:00"), (2, "cx_office", True, "2025-02-10 10:00"),
        (3, "owning_team", True, "2025-02-14 09:00"), (3, "cx_office", True, None),
        (4, "owning_team", True, "2025-02-24 12:00"), (4, "cx_office", True, "2025-02-20 09:00"),
        (4, "data_governance", True, None),
        (5, "owning_team", True, "2025-02-28 09:00"), (5, "cx_office", True, "2025-02-28 10:00"),
        (5, "it_change_board", True, "2025-03-04 10:00"), (5, "finance", False, "2025-03-10 10:00"),
    ]
    frame = pd.DataFrame(rows, columns=["change_id", "role", "required", "signed_at"])
    frame["signed_at"] = pd.to_datetime(frame["signed_at"]).astype("datetime64[us]")
    return frame


_MISSING, _LATE, _BREACH = [0, 0, 1, 1, 0], [0, 0, 0, 1, 1], [False, False, True, True, True]


def _check_breaches(ex: Exercise, func) -> None:
    answer = call(ex, func, example_changes(), example_signoffs())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by change_id")
    expect_columns(ex, answer, ["missing", "late", "breach"])
    got = _rows(ex, answer, [1, 2, 3, 4, 5], "change_id (one row for every change in `changes`)")
    _numbers(ex, got, ["missing", "late"])
    missing, late = got["missing"].tolist(), got["late"].tolist()
    breach = _bools(ex, got["breach"], "breach")
    if _close(missing, [1, 0, 1, 1, 0]) or _close(late, [0, 0, 0, 1, 2]):
        raise ex.fail("approvers who are not required (`required` False, consulted by courtesy) were counted. "
                      "Only required approvers count.")
    if _close(late, [0, 1, 0, 1, 1]):
        raise ex.fail("a sign-off given at the very minute of go-live was counted as late. Our policy: at or "
                      "before go-live is on time (late means signed_at > go_live_at).")
    if not _close(missing, _MISSING):
        raise ex.fail("`missing` should count, per change, the required approvers with no sign-off (signed_at "
                      "missing).")
    if not _close(late, _LATE):
        raise ex.fail("`late` should count, per change, the required approvers who signed after go_live_at.")
    if breach == [False, False, False, True, True]:
        raise ex.fail("a change whose required approver never signed is not a breach in yours: a missing "
                      "sign-off breaks the policy as much as a late one.")
    if breach == [False, False, True, True, False]:
        raise ex.fail("a change signed late is not a breach in yours: signing after go-live breaks the policy.")
    if breach != _BREACH:
        raise ex.fail("`breach` should be True when a change has at least one missing or late required sign-off.")


signoff_breaches = Exercise(
    "2", "changes that broke the joint sign-off", "Part 2, 'Who signed, and when?'",
    (
        "Keep the required approvers only, bring each change's go-live time next to its sign-offs, then count "
        "per change.",
        "signoffs[signoffs['required']].merge(changes[['change_id', 'go_live_at']], on='change_id'); missing = "
        "signed_at.isna(); late = signed_at > go_live_at (a missing time compares False).",
        "Group by change_id and sum the two flags, then .reindex(changes['change_id'], fill_value=0) so that "
        "every change has a row; breach = missing + late > 0.",
    ),
    _check_breaches,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: Western Electric rules
# --------------------------------------------------------------------------------------------

EXAMPLE_CENTER, EXAMPLE_SIGMA = 10.0, 2.0


def example_series() -> pd.DataFrame:
    """Worked example for exercise 3: five daily series, center 10 and sigma 2.

    Series ``a`` trips no rule; ``b`` has points beyond 3 sigma (and one exactly at 3 sigma);
    ``c`` has pairs beyond 2 sigma (one pair on opposite sides, and a point exactly at 2 sigma);
    ``d`` has four of five points beyond 1 sigma; ``e`` has eight points in a row above the
    center, then a point exactly on it.
    """
    data = {
        "a": [10, 11, 9, 12, 8, 13, 7, 10, 11, 9],
        "b": [10, 11, 17, 10, 9, 3, 10, 11, 16, 9],
        "c": [10, 15, 9, 15, 10, 5, 5, 10, 14, 10],
        "d": [10, 13, 13, 9, 13, 13, 10, 7, 7, 7],
        "e": [11, 11, 12, 11, 11, 13, 11, 12, 10, 9],
    }
    return pd.DataFrame(data, index=pd.date_range("2025-05-01", periods=10, freq="D", name="date"), dtype=float)


#: series -> {rule: positions flagged}
_RULES = {"a": {}, "b": {"rule1": [2, 5]}, "c": {"rule2": [3, 6, 7]}, "d": {"rule3": [5]}, "e": {"rule4": [7]}}


def _flags(ex: Exercise, answer, series: pd.Series) -> dict:
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with the index of `values` and columns rule1 to rule4")
    expect_columns(ex, answer, ["rule1", "rule2", "rule3", "rule4"])
    if len(answer) != len(series) or list(answer.index) != list(series.index):
        raise ex.fail("the result should have the index of `values` (one row per point, in the same order).")
    return {r: [i for i, v in enumerate(_bools(ex, answer[r], r)) if v] for r in ("rule1", "rule2", "rule3", "rule4")}


def _check_control(ex: Exercise, func) -> None:
    frame = example_series()
    for name, want in _RULES.items():
        series = frame[name]
        got = _flags(ex, call(ex, func, series.copy(), EXAMPLE_CENTER, EXAMPLE_SIGMA), series)
        want = {r: want.get(r, []) for r in got}
        if got == want:
            continue
        if name == "b" and got["rule1"] == [2, 5, 8]:
            raise ex.fail("a point exactly 3 sigma from the center tripped rule 1. 'Beyond' is strict: "
                          "|x − center| > 3·sigma.")
        if name == "c" and got["rule2"] == [3, 5, 6, 7]:
            raise ex.fail("rule 2 counted points beyond 2 sigma on opposite sides together. The two of three "
                          "must be on the SAME side (both above, or both below).")
        if name == "e" and got["rule4"] == [7, 8]:
            raise ex.fail("a point exactly on the center continued a run in rule 4. A run is strictly above (or "
                          "strictly below) the center; a point on it ends the run.")
        if sum(len(v) for v in got.values()) > sum(len(v) for v in want.values()) and any(
                set(want[r]) <= set(got[r]) for r in got if want[r]):
            raise ex.fail(f"rules fire on too many points in series {name!r}: flag only the LAST point of each "
                          "window in which the pattern is complete (not every point of the window, and not "
                          "before the window is full).")
        wrong = [r for r in got if got[r] != want[r]]
        raise ex.fail(f"in series {name!r} of example_series(), {', '.join(wrong)} flagged the wrong points. "
                      "Rule 1: one point beyond 3 sigma; rule 2: 2 of 3 in a row beyond 2 sigma, same side; "
                      "rule 3: 4 of 5 in a row beyond 1 sigma, same side; rule 4: 8 in a row on one side.")


control_rules = Exercise(
    "3", "Western Electric rules", "Part 3, 'Control-chart rules'",
    (
        "Standardise first: z = (values − center) / sigma. Each rule is then 'at least k of the last n points "
        "meet a condition', on each side separately.",
        "A rolling count does it: (z > 2).astype(int).rolling(3).sum() >= 2 flags the last point of each "
        "window of 3 with two points above 2 sigma; the first n − 1 points give NaN, which compares False.",
        "Rule 4 is 8 of the last 8 with z > 0 (or with z < 0). Combine the two sides with |, and build "
        "pd.DataFrame({...}, index=values.index).",
    ),
    _check_control,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: the cost of rework
# --------------------------------------------------------------------------------------------


def example_rework() -> pd.DataFrame:
    """Worked example for exercise 4: six time entries of three teams over two years."""
    frame = pd.DataFrame({
        "entry_id": [1, 2, 3, 4, 5, 6],
        "date": [T("2024-11-04"), T("2025-01-06"), T("2025-01-07"), T("2024-12-31"), T("2025-01-01"),
                 T("2025-02-03")],
        "team": ["logistics", "logistics", "logistics", "sales", "sales", "service"],
        "incident_id": [1, 2, 2, 3, 3, 4], "change_id": [None] * 6,
        "work_type": ["rework", "rework", "improvement", "rework", "rework", "improvement"],
        "hours": [10.0, 5.0, 4.0, 2.5, 3.0, 6.0],
    })
    frame["incident_id"] = frame["incident_id"].astype("Int64")
    frame["change_id"] = frame["change_id"].astype("Int64")
    frame["date"] = frame["date"].astype("datetime64[us]")
    return frame


def example_rates() -> pd.DataFrame:
    """Worked example for exercise 4: each team's loaded rate in 2024 and 2025."""
    return pd.DataFrame({"team": ["logistics", "logistics", "sales", "sales", "service", "service"],
                         "year": [2024, 2025, 2024, 2025, 2024, 2025],
                         "loaded_rate_usd_per_hour": [50.0, 60.0, 80.0, 100.0, 70.0, 70.0]})


def _check_rework(ex: Exercise, func) -> None:
    answer = call(ex, func, example_rework(), example_rates())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by team")
    expect_columns(ex, answer, ["hours", "cost_usd"])
    if "service" in [str(v) for v in answer.index] and len(answer) == 3:
        raise ex.fail("improvement hours (post-mortem action items) were counted as rework; keep work_type "
                      "'rework' only. A team with no rework has no row.")
    got = _rows(ex, answer, ["logistics", "sales"], "the team (one row per team with rework)")
    _numbers(ex, got, ["hours", "cost_usd"])
    if _close(got["hours"], [19.0, 5.5]):
        raise ex.fail("improvement hours were counted as rework; keep work_type 'rework' only.")
    if not _close(got["hours"], [15.0, 5.5]):
        raise ex.fail("`hours` should be the team's rework hours, summed.")
    cost = got["cost_usd"].tolist()
    if _close(cost, [900.0, 550.0]) or _close(cost, [750.0, 440.0]):
        raise ex.fail("one year's rate was used for every entry. Each entry is costed at its team's rate in the "
                      "entry's year (the year of `date`).")
    if _close(cost, [825.0, 495.0]):
        raise ex.fail("the hours were costed at the team's average rate over the years; use the rate of each "
                      "entry's year.")
    if not _close(cost, [800.0, 500.0]):
        raise ex.fail("`cost_usd` should be Σ hours × the team's loaded rate in the entry's year.")


rework_cost = Exercise(
    "4", "the cost of rework", "Part 4, 'What rework costs'",
    (
        "Rework only, then each entry's rate, then sum per team.",
        "Add year = date.dt.year and merge with `rates` on ['team', 'year'].",
        "cost_usd = hours × loaded_rate_usd_per_hour per entry; groupby('team')[['hours', 'cost_usd']].sum().",
    ),
    _check_rework,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: the post-mortem root-cause mix
# --------------------------------------------------------------------------------------------


def example_postmortems() -> pd.DataFrame:
    """Worked example for exercise 5: six post-mortems, four with contributing causes."""
    rows = [(1, 1, "data"), (1, 2, "strategic"), (1, 3, "strategic"), (2, 1, "operational"), (2, 2, "strategic"),
            (3, 1, "operational"), (4, 1, "strategic"), (4, 2, "data"), (5, 1, "operational"), (6, 1, "data"),
            (6, 2, "strategic")]
    frame = pd.DataFrame(rows, columns=["incident_id", "cause_rank", "category"])
    frame["root_cause"] = frame["category"].map({"data": "stale reference data", "strategic": "unclear ownership",
                                                 "operational": "untested change"})
    return frame


def _check_mix(ex: Exercise, func) -> None:
    answer = call(ex, func, example_postmortems())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by category")
    expect_columns(ex, answer, ["postmortems", "share", "cumulative_share"])
    labels = [str(v) for v in answer.index]
    _numbers(ex, answer, ["postmortems", "share", "cumulative_share"])
    if labels and labels[0] == "strategic" and _close(answer["postmortems"].iloc[0], 5):
        raise ex.fail("every cause row was counted, contributing causes too. The mix counts each post-mortem "
                      "once, by its primary cause (cause_rank 1).")
    got = _rows(ex, answer, ["operational", "data", "strategic"], "the category (one row per primary category)")
    if not _close(got["postmortems"], [3, 2, 1]):
        raise ex.fail("`postmortems` should count the post-mortems whose primary cause (cause_rank 1) is in "
                      "the category.")
    if not _close(got["share"], [0.5, 1 / 3, 1 / 6]):
        raise ex.fail("`share` should be the category's post-mortems divided by all post-mortems.")
    if labels != ["operational", "data", "strategic"]:
        raise ex.fail("the rows should be sorted by `postmortems`, largest first (a Pareto table).")
    if not _close(got["cumulative_share"], [0.5, 5 / 6, 1.0]):
        raise ex.fail("`cumulative_share` should add up the shares from the top row down (cumsum after sorting).")


root_cause_mix = Exercise(
    "5", "the root-cause mix", "Part 4, 'The root-cause mix'",
    (
        "One post-mortem, one primary cause: filter before counting.",
        "postmortems.loc[postmortems['cause_rank'] == 1, 'category'].value_counts() gives the counts.",
        "Sort by count (descending) then category (ascending), divide by the total for `share`, and "
        "share.cumsum() for `cumulative_share`.",
    ),
    _check_mix,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: lagged correlation
# --------------------------------------------------------------------------------------------


def example_leading() -> pd.Series:
    """Worked example for exercise 6: a monthly series for 2024 (the candidate leading indicator)."""
    return pd.Series([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8],
                     index=pd.date_range("2024-01-01", periods=12, freq="MS", name="month"), name="engagement")


def example_lagging() -> pd.Series:
    """Worked example for exercise 6: a monthly series from February 2024 to January 2025 (a month
    longer than ``example_leading()``) that follows it two months later, with a little noise."""
    return pd.Series([4.0, 3.5, 0.5, 4.0, 2.0, 4.0, 9.5, 2.0, 5.5, 6.0, 3.0, 5.5],
                     index=pd.date_range("2024-02-01", periods=12, freq="MS", name="month"), name="csat")


_LAGGED = [0.09503261906509314, -0.17651793359532883, 0.9657260470135375, -0.04020856130046532,
           -0.19403925042384584]
#: shift(k) without freq: the leading series' last k months fall off its index.
_BY_ROWS = [0.09503261906509314, -0.29829152269602854, 0.9658203087477757, -0.017911485212971236,
            -0.21893716009046155]
_SWAPPED = [0.09503261906509314, 0.3235771600457041, -0.4196598902709125, 0.0790163825519215, 0.4458568628348856]
_POSITIONAL = [-0.17651793359532883, 0.9657260470135376, -0.04020856130046531, -0.1940392504238459,
               0.5223815308150769]


def _check_lagged(ex: Exercise, func) -> None:
    answer = call(ex, func, example_leading(), example_lagging(), 4)
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, "a Series indexed by the lag 0, 1, ..., max_lag")
    got = _rows(ex, answer, [0, 1, 2, 3, 4], "the lag in months, 0 to max_lag")
    try:
        values = got.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ex.fail("the correlations should be numbers.") from None
    if _close(values, _SWAPPED):
        raise ex.fail("the arguments are swapped: this correlates the leading series with the PAST of the "
                      "lagging one, which hides the lead. Lag k pairs lagging in month t with leading in month "
                      "t − k: lagging.corr(leading.shift(k, freq='MS')).")
    if _close(values, _POSITIONAL):
        raise ex.fail("the series were paired by position, not by month: they cover different months. Shift "
                      "and correlate the Series themselves so that pandas aligns them on the month index.")
    if _close(values, _BY_ROWS):
        raise ex.fail("shift(k) moved the values by rows, so the leading series' last k months fell off and "
                      "their pairs were lost (the lagging series runs a month longer). Shift the dates instead: "
                      "leading.shift(k, freq='MS').")
    if not _close(values, _LAGGED):
        raise ex.fail("lag k should be the Pearson correlation of lagging in month t with leading in month "
                      "t − k, over the months where both are known.")


lagged_correlation = Exercise(
    "6", "lagged correlation", "Part 5, 'Lagged correlation'",
    (
        "Shifting the leading series forward by k months puts its month t − k next to the lagging series' "
        "month t.",
        "leading.shift(k, freq='MS') moves each month's value k months later by changing the dates (shift(k) "
        "without freq moves rows and loses the last months); Series.corr aligns on the dates and drops months "
        "where either is missing.",
        "pd.Series({k: lagging.corr(leading.shift(k, freq='MS')) for k in range(max_lag + 1)}).",
    ),
    _check_lagged,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: one definition of customer status
# --------------------------------------------------------------------------------------------


def example_snapshot() -> pd.DataFrame:
    """Worked example for exercise 7: six customers. Customer 1 never ordered nor answered a survey."""
    frame = pd.DataFrame({
        "customer_id": [1, 2, 3, 4, 5, 6], "as_of": [T("2025-12-31")] * 6,
        "orders_12m": [0, 1, 0, 5, 2, 0],
        "days_since_last_order": [None, 200, 300, 10, 270, 181],
        "tickets_90d": [0, 0, 2, 1, 3, 0],
        "last_nps": [None, 8, None, 6, 9, 3],
        "active_plan": [0, 1, 0, 1, 1, 0],
    })
    frame["as_of"] = frame["as_of"].astype("datetime64[us]")
    frame["days_since_last_order"] = frame["days_since_last_order"].astype("Int64")
    frame["last_nps"] = frame["last_nps"].astype("Int64")
    return frame


def example_rules() -> pd.DataFrame:
    """Worked example for exercise 7: three teams' 'at risk' rules and one 'high potential' rule."""
    rows = [("marketing", "at_risk", "any", "days_since_last_order", ">", 180.0),
            ("marketing", "high_potential", "all", "orders_12m", ">=", 3.0),
            ("service", "at_risk", "any", "tickets_90d", ">=", 2.0),
            ("service", "at_risk", "any", "last_nps", "<=", 6.0),
            ("sales", "at_risk", "all", "days_since_last_order", ">=", 270.0),
            ("sales", "at_risk", "all", "active_plan", "==", 0.0)]
    return pd.DataFrame(rows, columns=["team", "status", "combine", "field", "operator", "threshold"])


_TEAM = {"marketing": [False, True, True, False, True, True], "sales": [False, False, True, False, False, False],
         "service": [False, False, True, True, True, True], "reconciled": [False, False, True, False, True, True]}


def _check_status(ex: Exercise, func) -> None:
    answer = call(ex, func, example_snapshot(), example_rules(), "at_risk", 2)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by customer_id")
    expect_columns(ex, answer, list(_TEAM))
    got = _rows(ex, answer, [1, 2, 3, 4, 5, 6], "customer_id (one row per customer of the snapshot)")
    flags = {c: _bools(ex, got[c], c) for c in _TEAM}
    if flags["marketing"][0] or flags["sales"][0]:
        raise ex.fail("customer 1, who never ordered, holds a rule on days_since_last_order. A rule on a missing "
                      "value does not hold (fillna(False) after comparing).")
    if flags["service"] == [False, False, False, False, False, False]:
        raise ex.fail("service's rules were combined with 'all'; its `combine` is 'any': one rule holding is "
                      "enough.")
    if flags["sales"] == [True, False, True, False, True, True]:
        raise ex.fail("sales' rules were combined with 'any'; its `combine` is 'all': every rule must hold.")
    for team in ("marketing", "sales", "service"):
        if flags[team] != _TEAM[team]:
            raise ex.fail(f"the {team!r} column is wrong: check each rule at its boundary (>= includes the "
                          "threshold, > does not) and the team's `combine`.")
    if flags["reconciled"] == [False, False, True, False, False, False]:
        raise ex.fail("`reconciled` needs MORE than `quorum` teams in yours; at least `quorum` teams (>=) is "
                      "enough.")
    if flags["reconciled"] != _TEAM["reconciled"]:
        raise ex.fail("`reconciled` should be True when at least `quorum` of the teams' columns are True.")
    extra = [c for c in answer.columns if c not in _TEAM]
    if extra:
        raise ex.fail(f"only the teams with rules for the status, and `reconciled`, should be columns; you also "
                      f"have {extra[:4]}.")


team_status = Exercise(
    "7", "one definition of customer status", "Part 6, 'One definition of at risk'",
    (
        "Evaluate one rule at a time into a True/False Series over the customers, then combine each team's "
        "rules, then count the teams.",
        "The `operator` module maps text to functions: {'>=': operator.ge, '>': operator.gt, ...}; "
        "op(snap[field], threshold) compares a whole column; .fillna(False) makes a missing value not hold.",
        "Group the status' rules by (team, combine); pd.concat the rule Series side by side and take .all(axis=1) "
        "or .any(axis=1); reconciled = (team columns).sum(axis=1) >= quorum.",
    ),
    _check_status,
)
