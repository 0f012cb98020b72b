"""Common wrong answers for Lab 15 (Governing change).

Each source replaces a whole answer cell of ``solutions/lab15/lab15_governing_change.ipynb``;
the exercise's test cell must then fail in the grader, and the visible check's message must
contain ``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_STATUS = '''
def scorecard_status(kpis, monthly, month):
    value = monthly[monthly["month"] == pd.Timestamp(month)].set_index("kpi")["value"]
    out = kpis.set_index("kpi")[["better", "target", "amber_tolerance"]].join(value.rename("value"), how="inner")
    shortfall = SHORTFALL
    band = BAND
    out["status"] = np.select([GREEN, shortfall <= band], ["green", "amber"], "red")
    return out[["value", "target", "better", "status"]]
'''


def _status(shortfall='np.where(out["better"] == "higher", out["target"] - out["value"], out["value"] - out["target"])',
            band='out["amber_tolerance"] * out["target"].abs()', green="shortfall <= 0") -> str:
    return _STATUS.replace("SHORTFALL", shortfall).replace("BAND", band).replace("GREEN", green)


_BREACH = '''
def signoff_breaches(changes, signoffs):
    s = SIGNOFFS.merge(changes[["change_id", "go_live_at"]], on="change_id")
    s["missing"] = s["signed_at"].isna()
    s["late"] = LATE
    out = s.groupby("change_id")[["missing", "late"]].sum()
    out = REINDEX.astype(int)
    out["breach"] = BREACH
    return out
'''


def _breach(signoffs='signoffs[signoffs["required"]]', late='s["signed_at"] > s["go_live_at"]',
            reindex='out.reindex(changes["change_id"], fill_value=0)',
            breach='(out["missing"] + out["late"]) > 0') -> str:
    return (_BREACH.replace("SIGNOFFS", signoffs).replace("LATE", late).replace("REINDEX", reindex)
            .replace("BREACH", breach))


_RULES = '''
def control_rules(values, center, sigma):
    z = (values - center) / sigma

    def at_least(condition, k, n):
        return condition.astype(int).rolling(n).sum() >= k

    return pd.DataFrame({
        "rule1": RULE1,
        "rule2": RULE2,
        "rule3": at_least(z > 1, 4, 5) | at_least(z < -1, 4, 5),
        "rule4": RULE4,
    }, index=values.index)
'''


def _rules(rule1="z.abs() > 3", rule2="at_least(z > 2, 2, 3) | at_least(z < -2, 2, 3)",
           rule4="at_least(z > 0, 8, 8) | at_least(z < 0, 8, 8)") -> str:
    return _RULES.replace("RULE1", rule1).replace("RULE2", rule2).replace("RULE4", rule4)


_REWORK = '''
def rework_cost(rework_log, rates):
    r = KEEP
    r = r.assign(year=YEAR).merge(RATES, on=["team", "year"], how="left")
    r["cost_usd"] = r["hours"] * r["loaded_rate_usd_per_hour"]
    return r.groupby("team")[["hours", "cost_usd"]].sum()
'''


def _rework(keep='rework_log[rework_log["work_type"] == "rework"]', year='r["date"].dt.year', rates="rates") -> str:
    return _REWORK.replace("KEEP", keep).replace("YEAR", year).replace("RATES", rates)


_MIX = '''
def root_cause_mix(postmortems):
    counts = COUNTS
    out = counts.rename("postmortems").rename_axis("category").reset_index()
    out = out.sort_values(SORT).set_index("category")
    out["share"] = out["postmortems"] / out["postmortems"].sum()
    out["cumulative_share"] = out["share"].cumsum()
    return out
'''


def _mix(counts='postmortems.loc[postmortems["cause_rank"] == 1, "category"].value_counts()',
         sort='["postmortems", "category"], ascending=[False, True]') -> str:
    return _MIX.replace("COUNTS", counts).replace("SORT", sort)


_TEAMS = '''
OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


def team_status(snapshot, rules, status, quorum):
    snap = snapshot.set_index("customer_id")
    verdicts = {}
    for (team, combine), group in rules[rules["status"] == status].groupby(["team", "combine"]):
        held = pd.concat([HOLD for r in group.itertuples()], axis=1)
        verdicts[team] = COMBINE
    out = pd.DataFrame(verdicts)
    out["reconciled"] = QUORUM
    return out
'''


def _teams(hold="OPERATORS[r.operator](snap[r.field], r.threshold).fillna(False).astype(bool)",
           combine='held.all(axis=1) if combine == "all" else held.any(axis=1)',
           quorum='out.sum(axis=1) >= quorum') -> str:
    return _TEAMS.replace("HOLD", hold).replace("COMBINE", combine).replace("QUORUM", quorum)


MISTAKES = {
    "ex1_answer": [
        Mistake("every KPI treated as higher-is-better", _status(shortfall='out["target"] - out["value"]'),
                visible="higher is better"),
        Mistake("exactly on target is not green", _status(green="shortfall < 0"), visible="exactly on its target"),
        Mistake("amber band as an absolute amount", _status(band='out["amber_tolerance"]'), visible="absolute amount"),
    ],
    "ex2_answer": [
        Mistake("courtesy approvers counted", _breach(signoffs="signoffs"), visible="not required"),
        Mistake("a sign-off at go-live counted as late", _breach(late='s["signed_at"] >= s["go_live_at"]'),
                visible="very minute of go-live"),
        Mistake("missing sign-offs not a breach", _breach(breach='out["late"] > 0'), visible="never signed"),
        Mistake("changes with no required approver left out", _breach(reindex="out"), visible=None),
    ],
    "ex3_answer": [
        Mistake("rule 1 at exactly 3 sigma", _rules(rule1="z.abs() >= 3"), visible="exactly 3 sigma"),
        Mistake("rule 2 counts both sides together", _rules(rule2="at_least(z.abs() > 2, 2, 3)"),
                visible="same side"),
        Mistake("rule 4 counts a point on the center", _rules(rule4="at_least(z >= 0, 8, 8) | at_least(z <= 0, 8, 8)"),
                visible="on the center"),
        Mistake("rule 2 flags every point of the window",
                _rules(rule2="(at_least(z > 2, 2, 3) | at_least(z < -2, 2, 3))[::-1].rolling(3, min_periods=1)"
                             ".max()[::-1].astype(bool)"),
                visible="too many points"),
    ],
    "ex4_answer": [
        Mistake("improvement hours counted as rework", _rework(keep="rework_log"), visible="improvement hours"),
        Mistake("one year's rate for every entry", _rework(year="2025"), visible="one year's rate"),
        Mistake("the average rate over the years",
                _rework(year='r["date"].dt.year', rates='rates.assign(loaded_rate_usd_per_hour=rates.groupby("team")'
                                                        '["loaded_rate_usd_per_hour"].transform("mean"))'),
                visible="average rate"),
    ],
    "ex5_answer": [
        Mistake("every cause row counted", _mix(counts='postmortems["category"].value_counts()'),
                visible="contributing causes too"),
        Mistake("not sorted largest first", _mix(sort='"category"'), visible="largest first"),
    ],
    "ex6_answer": [
        Mistake("arguments swapped", '''
def lagged_correlation(leading, lagging, max_lag):
    return pd.Series({k: leading.corr(lagging.shift(k)) for k in range(max_lag + 1)})
''', visible="swapped"),
        Mistake("paired by position", '''
def lagged_correlation(leading, lagging, max_lag):
    n = min(len(leading), len(lagging))
    x, y = leading.to_numpy()[:n], lagging.to_numpy()[:n]
    return pd.Series({k: np.corrcoef(y[k:], x[:n - k])[0, 1] for k in range(max_lag + 1)})
''', visible="by position"),
        Mistake("shifted by rows, not by months", '''
def lagged_correlation(leading, lagging, max_lag):
    return pd.Series({k: lagging.corr(leading.shift(k)) for k in range(max_lag + 1)})
''', visible="by rows"),
        Mistake("shifted the wrong way", '''
def lagged_correlation(leading, lagging, max_lag):
    return pd.Series({k: lagging.corr(leading.shift(-k)) for k in range(max_lag + 1)})
''', visible="swapped"),
    ],
    "ex7_answer": [
        Mistake("a missing value holds", _teams(hold="OPERATORS[r.operator](snap[r.field], r.threshold).fillna(True)"
                                                     ".astype(bool)"), visible="missing value"),
        Mistake("combine ignored (always all)", _teams(combine="held.all(axis=1)"), visible="'any'"),
        Mistake("quorum strict", _teams(quorum="out.sum(axis=1) > quorum"), visible="at least"),
    ],
}
