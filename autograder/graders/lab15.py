"""Graded references for Lab 15, *Governing change* (instructor-only).

Each exercise's cases run the learner's function on the tables of each world (rows shuffled, as
exports come) and on hand-made records at the edges of every rule: KPIs exactly on target in both
directions of good, misses just inside and outside the amber band; sign-offs at the very minute
of go-live and a minute after, courtesy approvers, changes with no approver rows; points exactly
at 1, 2 and 3 sigma and on the center, patterns split across sides; rework on the last and first
day of a year; ties in the root-cause counts and categories that are only contributing causes;
series over different months with a gap; rule thresholds hit exactly and missing values. The
references are computed here by other routes than the solution notebook (row loops, explicit
windows, numpy instead of pandas' corr).
"""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_series, expect_type, labels

T = pd.Timestamp
#: The lab's constants (as in the notebook).
MAX_LAG = 6
QUORUM = 2
RULE_SET = ("rule1", "rule2")
WINDOW_DAYS = 14


def _facts(world) -> dict:
    f = pd.read_parquet(world.folder / "planted_facts.parquet")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def _missing(frame: pd.DataFrame, columns) -> None:
    gone = [c for c in columns if c not in frame.columns]
    if gone:
        raise Fail(f"the result is missing column(s) {gone}")


# =================================================================================================
# Exercise 1: RAG status
# =================================================================================================

def _status_ref(kpis: pd.DataFrame, monthly: pd.DataFrame, month) -> pd.DataFrame:
    values = {r.kpi: r.value for r in monthly.itertuples() if r.month == pd.Timestamp(month)}
    rows = {}
    for r in kpis.itertuples():
        if r.kpi not in values:
            continue
        v = values[r.kpi]
        shortfall = (r.target - v) if r.better == "higher" else (v - r.target)
        status = "green" if shortfall <= 0 else "amber" if shortfall <= r.amber_tolerance * abs(r.target) else "red"
        rows[r.kpi] = (v, r.target, r.better, status)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["value", "target", "better", "status"])


def _check_status(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by kpi")
        _missing(frame, ["value", "target", "better", "status"])
        expect_frame(frame, ref, columns=["value", "target", "better"], index_name="the KPIs with a value that month")
        if not set(frame["status"].astype(str)) <= {"green", "amber", "red"}:
            raise Fail("status should be 'green', 'amber' or 'red'")
        expect_frame(frame, ref, columns=["status"], index_name="the KPIs with a value that month")
    return check


def _status_world(world):
    kpis, monthly = world.load("scorecard_kpis"), world.load("scorecard_monthly")
    shuffled = monthly.sample(frac=1, random_state=3).reset_index(drop=True)
    cases = []
    for month in (monthly["month"].max(), T("2024-07-01"), T("2025-03-01")):
        cases.append(Case(f"the scorecard in {month:%B %Y} (rows shuffled)", (kpis, shuffled, month),
                          _check_status(_status_ref(kpis, monthly, month))))
    return cases


def _status_fixed():
    kpis = pd.DataFrame({
        "kpi": ["h_on", "h_on2", "l_on", "l_on2", "h_amber", "l_amber", "h_red", "l_red", "h_better", "l_better",
                "no_value"],
        "perspective": "customer", "owner_team": "service", "unit": "x",
        "better": ["higher", "higher", "lower", "lower", "higher", "lower", "higher", "lower", "higher", "lower",
                   "higher"],
        "target": [0.75, 40.0, 7.5, 0.015, 100.0, 8.0, 100.0, 8.0, 50.0, 12.0, 1.0],
        "amber_tolerance": [0.05, 0.02, 0.03, 0.1, 0.05, 0.1, 0.05, 0.1, 0.02, 0.02, 0.05],
        "measured": "monthly",
    })
    month = T("2025-06-01")
    values = {"h_on": 0.75, "h_on2": 40.0, "l_on": 7.5, "l_on2": 0.015, "h_amber": 96.0, "l_amber": 8.6,
              "h_red": 94.0, "l_red": 8.9, "h_better": 60.0, "l_better": 11.0}
    rows = [(month, k, v) for k, v in values.items()]
    rows += [(T("2025-05-01"), k, 0.0) for k in values] + [(T("2025-07-01"), "no_value", 5.0)]
    monthly = pd.DataFrame(rows, columns=["month", "kpi", "value"]).astype({"month": "datetime64[us]"})
    return [Case("hand-made KPIs exactly on target in both directions, inside and outside the amber band, better "
                 "than target, and one with no value that month (rows shuffled)",
                 (kpis.sample(frac=1, random_state=1), monthly.sample(frac=1, random_state=2), month),
                 _check_status(_status_ref(kpis, monthly, month)))]


# =================================================================================================
# Exercise 2: sign-off breaches
# =================================================================================================

def _breaches_ref(changes: pd.DataFrame, signoffs: pd.DataFrame) -> pd.DataFrame:
    live = dict(zip(changes["change_id"], changes["go_live_at"], strict=True))
    out = {int(c): [0, 0] for c in changes["change_id"]}
    for r in signoffs.itertuples():
        if not r.required or int(r.change_id) not in out:
            continue
        if pd.isna(r.signed_at):
            out[int(r.change_id)][0] += 1
        elif r.signed_at > live[r.change_id]:
            out[int(r.change_id)][1] += 1
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["missing", "late"])
    frame["breach"] = (frame["missing"] > 0) | (frame["late"] > 0)
    return frame


def _check_breaches(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by change_id")
        _missing(frame, ["missing", "late", "breach"])
        where = "change_id (one row for every change)"
        expect_frame(frame, ref, columns=["missing"], index_name=where)
        expect_frame(frame, ref, columns=["late"], index_name=where)
        if frame["breach"].isna().any():
            raise Fail("breach has missing values; every change should be True or False")
        expect_frame(frame, ref, columns=["breach"], index_name=where)
    return check


def _breaches_world(world):
    changes, signoffs = world.load("change_requests"), world.load("change_signoffs")
    return [Case("the change requests and their sign-offs (rows shuffled)",
                 (changes.sample(frac=1, random_state=4), signoffs.sample(frac=1, random_state=5)),
                 _check_breaches(_breaches_ref(changes, signoffs)))]


def _breaches_fixed():
    go = [T("2025-01-10 09:00"), T("2025-01-11 09:00"), T("2025-01-12 09:00"), T("2025-01-13 09:00"),
          T("2025-01-14 09:00"), T("2025-01-15 09:00"), T("2025-01-16 09:00")]
    changes = pd.DataFrame({"change_id": [11, 12, 13, 14, 15, 16, 17], "title": "t", "owner_team": "sales",
                            "change_type": "process", "risk": "low", "kpi": "checkout_conversion_rate",
                            "requested_at": T("2025-01-01"), "go_live_at": go, "rolled_back_on": pd.NaT})
    changes = changes.astype({"requested_at": "datetime64[us]", "go_live_at": "datetime64[us]",
                              "rolled_back_on": "datetime64[us]"})
    minute = pd.Timedelta(minutes=1)
    rows = [
        (11, "owning_team", True, go[0]), (11, "cx_office", True, go[0]),              # both at go-live: fine
        (12, "owning_team", True, go[1] - minute), (12, "cx_office", True, go[1] + minute),  # one a minute late
        (13, "owning_team", True, None), (13, "cx_office", True, None),                # both missing
        (14, "owning_team", True, go[3] - minute), (14, "cx_office", True, go[3]),
        (14, "finance", False, None), (14, "data_governance", False, go[3] + pd.Timedelta(days=3)),  # courtesy only
        (15, "owning_team", True, go[4] + pd.Timedelta(days=2)), (15, "cx_office", True, None),
        (15, "it_change_board", True, go[4] + pd.Timedelta(hours=1)),                 # one missing, two late
        (17, "owning_team", True, go[6] - pd.Timedelta(days=1)), (17, "cx_office", True, go[5]),
    ]  # change 16 has no approver rows at all
    signoffs = pd.DataFrame(rows, columns=["change_id", "role", "required", "signed_at"])
    signoffs["signed_at"] = pd.to_datetime(signoffs["signed_at"]).astype("datetime64[us]")
    return [Case("hand-made sign-offs at the very minute of go-live and a minute after, missing ones, courtesy "
                 "approvers, and a change with no approver rows (rows shuffled)",
                 (changes.sample(frac=1, random_state=6), signoffs.sample(frac=1, random_state=7)),
                 _check_breaches(_breaches_ref(changes, signoffs)))]


# =================================================================================================
# Exercise 3: Western Electric rules
# =================================================================================================

def _rules_ref(values: pd.Series, center: float, sigma: float) -> pd.DataFrame:
    x = values.to_numpy(dtype=float)
    n = len(x)
    up = lambda i, k: x[i] > center + k * sigma  # noqa: E731
    down = lambda i, k: x[i] < center - k * sigma  # noqa: E731
    out = np.zeros((n, 4), dtype=bool)
    for i in range(n):
        out[i, 0] = up(i, 3) or down(i, 3)
        for col, (k, need, width) in enumerate([(2, 2, 3), (1, 4, 5), (0, 8, 8)], start=1):
            if i + 1 >= width:
                window = range(i + 1 - width, i + 1)
                out[i, col] = (sum(up(j, k) for j in window) >= need) or (sum(down(j, k) for j in window) >= need)
    return pd.DataFrame(out, index=values.index, columns=["rule1", "rule2", "rule3", "rule4"])


def _check_rules(values: pd.Series, ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with the index of `values` and columns rule1 to rule4")
        _missing(frame, list(ref.columns))
        if len(frame) != len(ref):
            raise Fail("it should have one row per value")
        if labels(frame.index) != labels(ref.index):
            raise Fail("the result should have the index of `values`, in the same order")
        for c in ref.columns:
            col = frame[c]
            if col.isna().any():
                raise Fail(f"{c} has missing values; the first points, before a window is full, are False")
            bad = int((col.astype(bool).to_numpy() != ref[c].to_numpy()).sum())
            if bad:
                raise Fail(f"{c} is wrong on {bad:,} of {len(ref):,} points")
    return check


def _rules_world(world):
    daily = world.load("kpi_daily")
    cases = []
    for kpi, g in daily.groupby("kpi"):
        g = g.sort_values("date")
        base = g[g["date"].dt.year == 2024]["value"]
        values = g[g["date"].dt.year == 2025].set_index("date")["value"]
        center, sigma = float(base.mean()), float(base.std())
        cases.append(Case(f"{kpi} in 2025, with the center and sigma of 2024", (values, center, sigma),
                          _check_rules(values, _rules_ref(values, center, sigma))))
    return cases


def _rules_fixed():
    series = {
        "series that trip nothing, one per rule, and one point exactly at 3 sigma": [
            10, 11, 9, 12, 8, 13, 7, 10, 11, 9, 10, 11, 17, 10, 9, 3, 10, 11, 16, 9],
        "pairs beyond 2 sigma on opposite sides, and points exactly at 2 sigma": [
            10, 15, 9, 15, 10, 5, 5, 10, 14, 10, 14, 14, 15, 10, 6, 15, 5, 10, 10, 10],
        "four of five beyond 1 sigma, and exactly at 1 sigma": [
            10, 13, 13, 9, 13, 13, 10, 7, 7, 7, 12, 12, 12, 12, 8, 7, 7, 10, 7, 7],
        "eight in a row broken by a point on the center, and nine in a row below": [
            11, 11, 12, 11, 11, 13, 11, 12, 10, 9, 9, 9, 8, 9, 9, 9, 9, 9, 11, 10],
    }
    cases = []
    for i, (label, x) in enumerate(series.items()):
        index = pd.Index([f"p{j:02d}" for j in range(len(x))], name="point") if i % 2 else \
            pd.date_range("2025-05-01", periods=len(x), freq="D")
        values = pd.Series(x, index=index, dtype=float if i < 3 else "int64")
        cases.append(Case(f"hand-made {label} (center 10, sigma 2)", (values, 10.0, 2.0),
                          _check_rules(values, _rules_ref(values, 10.0, 2.0))))
    short = pd.Series([20.0, 30.0], index=[5, 6])
    cases.append(Case("two points only, both beyond 3 sigma (center 10, sigma 2)", (short, 10.0, 2.0),
                      _check_rules(short, _rules_ref(short, 10.0, 2.0))))
    return cases


# =================================================================================================
# Exercise 4: rework cost
# =================================================================================================

def _rework_ref(log: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    rate = {(r.team, int(r.year)): r.loaded_rate_usd_per_hour for r in rates.itertuples()}
    out: dict[str, list] = {}
    for r in log.itertuples():
        if r.work_type != "rework":
            continue
        acc = out.setdefault(r.team, [0.0, 0.0])
        acc[0] += r.hours
        acc[1] += r.hours * rate[(r.team, int(r.date.year))]
    return pd.DataFrame.from_dict(out, orient="index", columns=["hours", "cost_usd"])


def _check_rework(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by team")
        _missing(frame, ["hours", "cost_usd"])
        expect_frame(frame, ref, columns=["hours"], index_name="the teams with rework")
        expect_frame(frame, ref, columns=["cost_usd"], index_name="the teams with rework")
    return check


def _rework_world(world):
    log, rates = world.load("rework_log"), world.load("team_loaded_rates")
    return [Case("the rework log with the loaded rates (rows shuffled)",
                 (log.sample(frac=1, random_state=8), rates.sample(frac=1, random_state=9)),
                 _check_rework(_rework_ref(log, rates)))]


def _rework_fixed():
    rows = [(1, "2024-12-31", "sales", "rework", 3.0), (2, "2025-01-01", "sales", "rework", 2.0),
            (3, "2025-01-01", "sales", "improvement", 9.0), (4, "2024-06-30", "logistics", "rework", 1.5),
            (5, "2024-07-01", "logistics", "rework", 0.5), (6, "2025-12-31", "logistics", "rework", 4.0),
            (7, "2025-03-03", "service", "improvement", 5.0), (8, "2025-03-04", "service", "improvement", 1.0)]
    log = pd.DataFrame(rows, columns=["entry_id", "date", "team", "work_type", "hours"])
    log["date"] = pd.to_datetime(log["date"]).astype("datetime64[us]")
    log["incident_id"] = pd.array([1, 1, 1, 2, 2, None, 3, 3], dtype="Int64")
    log["change_id"] = pd.array([None, None, None, None, None, 101, None, None], dtype="Int64")
    log = log[["entry_id", "date", "team", "incident_id", "change_id", "work_type", "hours"]]
    rates = pd.DataFrame({"team": ["sales", "sales", "logistics", "logistics", "service", "service", "finance"],
                          "year": [2024, 2025, 2024, 2025, 2024, 2025, 2025],
                          "loaded_rate_usd_per_hour": [60.0, 90.0, 45.0, 55.0, 70.0, 75.0, 80.0]})
    return [Case("hand-made entries on the last and first day of a year, improvement hours, a team with no "
                 "rework, and a rate for a team with no entries (rows shuffled)",
                 (log.sample(frac=1, random_state=10), rates), _check_rework(_rework_ref(log, rates)))]


# =================================================================================================
# Exercise 5: root-cause mix
# =================================================================================================

def _mix_ref(pm: pd.DataFrame) -> pd.DataFrame:
    counts: dict[str, int] = {}
    for r in pm.itertuples():
        if r.cause_rank == 1:
            counts[r.category] = counts.get(r.category, 0) + 1
    order = sorted(counts, key=lambda c: (-counts[c], c))
    n = sum(counts.values())
    share = [counts[c] / n for c in order]
    return pd.DataFrame({"postmortems": [counts[c] for c in order], "share": share,
                         "cumulative_share": np.cumsum(share)}, index=order)


def _check_mix(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by category")
        _missing(frame, ["postmortems", "share", "cumulative_share"])
        where = "the primary root-cause categories"
        expect_frame(frame, ref, columns=["postmortems"], index_name=where)
        expect_frame(frame, ref, columns=["share"], index_name=where)
        if labels(frame.index) != labels(ref.index):
            raise Fail("the rows should be sorted by postmortems, largest first, ties in alphabetical order")
        expect_frame(frame, ref, columns=["cumulative_share"], index_name=where, row_order=True)
    return check


def _mix_world(world):
    pm = world.load("postmortems")
    return [Case("the post-mortems (rows shuffled)", (pm.sample(frac=1, random_state=11),), _check_mix(_mix_ref(pm)))]


def _mix_fixed():
    rows = [(1, 1, "operational"), (2, 1, "data"), (3, 1, "operational"), (4, 1, "data"), (5, 1, "strategic"),
            (5, 2, "data"), (6, 2, "strategic"), (6, 1, "data"), (7, 1, "operational"), (1, 2, "strategic"),
            (1, 3, "strategic"), (8, 1, "strategic")]
    pm = pd.DataFrame(rows, columns=["incident_id", "cause_rank", "category"])
    pm["root_cause"] = "x"
    only_contrib = pd.DataFrame({"incident_id": [1, 2, 3, 3], "cause_rank": [1, 1, 1, 2],
                                 "category": ["operational", "data", "operational", "strategic"], "root_cause": "x"})
    return [Case("hand-made post-mortems with two categories tied on count and contributing causes (rows shuffled)",
                 (pm.sample(frac=1, random_state=12),), _check_mix(_mix_ref(pm))),
            Case("hand-made post-mortems where one category is only ever a contributing cause", (only_contrib,),
                 _check_mix(_mix_ref(only_contrib)))]


# =================================================================================================
# Exercise 6: lagged correlation
# =================================================================================================

def _lag_ref(leading: pd.Series, lagging: pd.Series, max_lag: int) -> pd.Series:
    out = {}
    for k in range(max_lag + 1):
        shifted = pd.Series(leading.to_numpy(dtype=float),
                            index=[m + pd.DateOffset(months=k) for m in leading.index])
        pair = pd.concat([lagging.astype(float).rename("y"), shifted.rename("x")], axis=1, sort=True).dropna()
        y, x = pair["y"].to_numpy(), pair["x"].to_numpy()
        out[k] = float(np.corrcoef(y, x)[0, 1]) if len(y) > 1 else np.nan
    return pd.Series(out)


def _check_lag(ref: pd.Series):
    def check(answer):
        if isinstance(answer, pd.Series) and answer.index.nlevels == 1:
            with contextlib.suppress(TypeError, ValueError):
                answer = answer.set_axis([int(v) for v in answer.index])
        expect_series(answer, ref, what="a Series indexed by the lag 0..max_lag", index_name="the lags 0..max_lag",
                      accept_frame=True)
    return check


def _lag_world(world):
    m = world.load("scorecard_monthly")
    wide = m.pivot(index="month", columns="kpi", values="value")
    eng, csat = wide["employee_engagement"], wide["csat"]
    return [Case("monthly employee engagement (leading) and CSAT (lagging), lags 0 to 6", (eng, csat, MAX_LAG),
                 _check_lag(_lag_ref(eng, csat, MAX_LAG))),
            Case("CSAT as the leading series and engagement as the lagging one, lags 0 to 4", (csat, eng, 4),
                 _check_lag(_lag_ref(csat, eng, 4)))]


def _lag_fixed():
    months = pd.date_range("2024-01-01", periods=15, freq="MS")
    x = pd.Series([5.0, 3, 8, 1, 9, 4, 7, 2, 6, 5, 3, 8, 4, 6, 2], index=months, name="x").drop(months[6])
    y_vals = [4.0, 2, 6, 4, 9, 2, 9, 4, 8, 3, 6, np.nan, 7, 4, 9, 3]
    y = pd.Series(y_vals, index=pd.date_range("2024-03-01", periods=16, freq="MS"), name="y")
    return [Case("hand-made monthly series over different months (the lagging one starts two months later and "
                 "has a missing value; the leading one lacks a month), lags 0 to 3", (x, y, 3), _check_lag(_lag_ref(x, y, 3)))]


# =================================================================================================
# Exercise 7: team status
# =================================================================================================

_NP_OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "==": np.equal}


def _status_teams_ref(snapshot: pd.DataFrame, rules: pd.DataFrame, status: str, quorum: int) -> pd.DataFrame:
    """numpy arrays: a rule holds where the value is known and the comparison is true."""
    mine = rules[rules["status"] == status]
    teams = sorted(mine["team"].unique())
    out = {}
    for team in teams:
        tr = mine[mine["team"] == team]
        held = []
        for field, op, threshold in zip(tr["field"], tr["operator"], tr["threshold"], strict=True):
            col = snapshot[field]
            known = col.notna().to_numpy()
            x = col.to_numpy(dtype="float64", na_value=np.nan)
            held.append(known & _NP_OPS[op](np.where(known, x, 0.0), float(threshold)))
        reduce = np.logical_and if tr["combine"].iloc[0] == "all" else np.logical_or
        out[team] = reduce.reduce(np.vstack(held), axis=0)
    frame = pd.DataFrame(out, index=snapshot["customer_id"].to_numpy())
    frame["reconciled"] = frame[teams].to_numpy().sum(axis=1) >= quorum
    return frame


def _check_teams(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by customer_id")
        _missing(frame, list(ref.columns))
        for c in ref.columns:
            if frame[c].isna().any():
                raise Fail(f"column {c!r} has missing values; a rule on a missing value does not hold (False)")
            expect_frame(frame, ref, columns=[c], index_name="customer_id (one row per customer)")
    return check


def _teams_world(world):
    snap, rules = world.load("customer_snapshot"), world.load("customer_status_rules")
    shuffled = snap.sample(frac=1, random_state=14).reset_index(drop=True)
    return [Case("the customer snapshot and the teams' at-risk rules, quorum 2 (rows shuffled)",
                 (shuffled, rules, "at_risk", QUORUM), _check_teams(_status_teams_ref(snap, rules, "at_risk", QUORUM))),
            Case("the customer snapshot and the teams' high-potential rules, quorum 3",
                 (snap, rules.sample(frac=1, random_state=15), "high_potential", 3),
                 _check_teams(_status_teams_ref(snap, rules, "high_potential", 3)))]


def _teams_fixed():
    snap = pd.DataFrame({
        "customer_id": [101, 102, 103, 104, 105, 106, 107, 108],
        "as_of": T("2025-12-31"),
        "orders_12m": [0, 3, 2, 4, 0, 1, 3, 0],
        "days_since_last_order": pd.array([None, 90, 180, 181, 365, 30, 179, None], dtype="Int64"),
        "tickets_90d": [0, 2, 1, 3, 0, 2, 0, 5],
        "last_nps": pd.array([None, 9, 6, 7, None, 10, 5, None], dtype="Int64"),
        "active_plan": [0, 1, 0, 1, 0, 1, 1, 0],
    }).astype({"as_of": "datetime64[us]"})
    rules = pd.DataFrame([
        ("marketing", "at_risk", "any", "days_since_last_order", ">", 180.0),
        ("marketing", "at_risk", "any", "last_nps", "<", 6.0),
        ("sales", "at_risk", "all", "days_since_last_order", ">=", 180.0),
        ("sales", "at_risk", "all", "active_plan", "==", 0.0),
        ("service", "at_risk", "any", "tickets_90d", ">=", 2.0),
        ("service", "at_risk", "any", "last_nps", "<=", 6.0),
        ("customer_service", "at_risk", "all", "tickets_90d", ">", 2.0),
        ("customer_service", "high_potential", "all", "last_nps", ">=", 9.0),
    ], columns=["team", "status", "combine", "field", "operator", "threshold"])
    return [
        Case("hand-made customers at every rule's threshold, with missing values, quorum 2 (rows shuffled)",
             (snap.sample(frac=1, random_state=16), rules, "at_risk", 2),
             _check_teams(_status_teams_ref(snap, rules, "at_risk", 2))),
        Case("the same customers, quorum 3", (snap, rules, "at_risk", 3),
             _check_teams(_status_teams_ref(snap, rules, "at_risk", 3))),
        Case("the same customers, high potential (one team's rule), quorum 1", (snap, rules, "high_potential", 1),
             _check_teams(_status_teams_ref(snap, rules, "high_potential", 1))),
    ]


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the grader's references on ``world``: the breaches
    and what followed, what two rule sets would have rolled back, rework cost, the root-cause mix, the
    engagement lead and the reconciled at-risk count."""
    from cxlabs.widgets.rollback import rollback_replay

    changes, signoffs = world.load("change_requests"), world.load("change_signoffs")
    br = _breaches_ref(changes, signoffs)
    inc = world.load("incidents")
    traced = inc.dropna(subset=["change_id"])
    on_breach = int(traced["change_id"].astype(int).isin(br.index[br["breach"]]).sum())
    hand = changes[changes["rolled_back_on"].notna()]
    hand_days = (hand["rolled_back_on"] - hand["go_live_at"].dt.normalize()).dt.days
    daily = world.load("kpi_daily")
    sets = {}
    for rules in (RULE_SET, ("rule1", "rule2", "rule3", "rule4")):
        r = rollback_replay(changes, daily, _rules_ref, list(rules), WINDOW_DAYS)
        caught = r[r["roll_back"] & r["by_hand"]]
        sets[rules] = (f"{len(caught)} of {int(r['by_hand'].sum())} harmful caught (median day "
                       f"{caught['alarm_day'].median():.0f}); {int((r['roll_back'] & ~r['by_hand']).sum())} needless")
    cost = _rework_ref(world.load("rework_log"), world.load("team_loaded_rates"))
    mix = _mix_ref(world.load("postmortems"))
    wide = world.load("scorecard_monthly").pivot(index="month", columns="kpi", values="value")
    lead = _lag_ref(wide["employee_engagement"], wide["csat"], MAX_LAG)
    teams = _status_teams_ref(world.load("customer_snapshot"), world.load("customer_status_rules"), "at_risk", QUORUM)
    flagged = teams.drop(columns="reconciled").sum()
    return {
        "changes that broke the joint sign-off": f"{int(br['breach'].sum())} of {len(br)} "
                                                 f"({int((br['missing'] > 0).sum())} missing, {int((br['late'] > 0).sum())} late)",
        "incidents traced to a change / to a breaching change": f"{len(traced)} / {on_breach}",
        "rolled back by hand": f"{len(hand)} changes, median {hand_days.median():.0f} days after go-live",
        "rules 1-2, 14 days": sets[RULE_SET],
        "rules 1-4, 14 days": sets[("rule1", "rule2", "rule3", "rule4")],
        "rework cost (2 years)": f"{cost['cost_usd'].sum():,.0f} USD, {cost['hours'].sum():,.0f} hours",
        "root-cause mix (primary)": ", ".join(f"{c} {s:.0%}" for c, s in mix["share"].items()),
        "engagement leads CSAT": f"lag {int(lead.idxmax())} months, r = {lead.max():.2f}",
        "at risk: per team / reconciled (quorum 2)": ", ".join(f"{t} {int(n):,}" for t, n in flagged.items())
                                                     + f" / {int(teams['reconciled'].sum()):,}",
    }


EXERCISES = [
    Graded("ex1_tests", "scorecard_status", _status_world, _status_fixed),
    Graded("ex2_tests", "signoff_breaches", _breaches_world, _breaches_fixed),
    Graded("ex3_tests", "control_rules", _rules_world, _rules_fixed),
    Graded("ex4_tests", "rework_cost", _rework_world, _rework_fixed),
    Graded("ex5_tests", "root_cause_mix", _mix_world, _mix_fixed),
    Graded("ex6_tests", "lagged_correlation", _lag_world, _lag_fixed),
    Graded("ex7_tests", "team_status", _teams_world, _teams_fixed),
]

__all__ = ["EXERCISES", "MEMO_FIGURES", "MAX_LAG", "QUORUM"]
