"""Common wrong answers for Lab 01 (Diagnosing the operating model).

Each source replaces a whole answer cell of ``solutions/lab01/lab01_operating_model.ipynb``;
the exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the hidden tests catch it).
"""

from . import Mistake

MISTAKES = {
    "ex1_answer": [
        Mistake("lead time summed from stage durations (so there is no waiting)", '''
def case_times(events):
    hour = pd.Timedelta(hours=1)
    work = (events["ended_at"] - events["started_at"]).groupby(events["case_id"]).sum() / hour
    out = pd.DataFrame({"lead_time_h": work, "work_time_h": work})
    out["wait_time_h"] = out["lead_time_h"] - out["work_time_h"]
    return out
''', visible="lead time equals the work time"),
        Mistake("times in minutes instead of hours", '''
def case_times(events):
    by_case = events.groupby("case_id")
    lead = (by_case["ended_at"].max() - by_case["started_at"].min()).dt.total_seconds() / 60
    work = (events["ended_at"] - events["started_at"]).dt.total_seconds().groupby(events["case_id"]).sum() / 60
    return pd.DataFrame({"lead_time_h": lead, "work_time_h": work, "wait_time_h": lead - work})
''', visible="minutes"),
        Mistake("times in days instead of hours", '''
def case_times(events):
    day = pd.Timedelta(days=1)
    by_case = events.groupby("case_id")
    lead = (by_case["ended_at"].max() - by_case["started_at"].min()) / day
    work = (events["ended_at"] - events["started_at"]).groupby(events["case_id"]).sum() / day
    return pd.DataFrame({"lead_time_h": lead, "work_time_h": work, "wait_time_h": lead - work})
''', visible="days"),
        Mistake("lead time from the first and last ROW of each case (assumes sorted rows)", '''
def case_times(events):
    hour = pd.Timedelta(hours=1)
    by_case = events.groupby("case_id")
    lead = (by_case["ended_at"].last() - by_case["started_at"].first()) / hour
    work = (events["ended_at"] - events["started_at"]).groupby(events["case_id"]).sum() / hour
    return pd.DataFrame({"lead_time_h": lead, "work_time_h": work, "wait_time_h": lead - work})
''', visible="row order"),
        Mistake("Timedelta columns instead of hours", '''
def case_times(events):
    by_case = events.groupby("case_id")
    lead = by_case["ended_at"].max() - by_case["started_at"].min()
    work = (events["ended_at"] - events["started_at"]).groupby(events["case_id"]).sum()
    return pd.DataFrame({"lead_time_h": lead, "work_time_h": work, "wait_time_h": lead - work})
''', visible="Timedelta"),
    ],
    "ex2_answer": [
        Mistake("counts transitions within the same team as handoffs", '''
def handoff_delays(events):
    ev = events.sort_values(["case_id", "step"])
    nxt = ev.groupby("case_id")[["stage", "team", "started_at"]].shift(-1)
    pairs = pd.DataFrame({"from_stage": ev["stage"], "to_stage": nxt["stage"],
                          "from_team": ev["team"], "to_team": nxt["team"],
                          "wait_h": (nxt["started_at"] - ev["ended_at"]) / pd.Timedelta(hours=1)})
    pairs = pairs.dropna(subset=["to_stage"])
    pairs = pairs[(pairs["from_team"] != "carrier") & (pairs["to_team"] != "carrier")]
    out = pairs.groupby(["from_stage", "to_stage"]).agg(
        from_team=("from_team", "first"), to_team=("to_team", "first"), handoffs=("wait_h", "size"),
        mean_wait_h=("wait_h", "mean"), median_wait_h=("wait_h", "median"))
    return out.sort_values("mean_wait_h", ascending=False)
''', visible="same team"),
        Mistake("carrier rows dropped before pairing (dispatch paired with the step after delivery)", '''
def handoff_delays(events):
    ev = events[events["team"] != "carrier"].sort_values(["case_id", "step"])
    nxt = ev.groupby("case_id")[["stage", "team", "started_at"]].shift(-1)
    pairs = pd.DataFrame({"from_stage": ev["stage"], "to_stage": nxt["stage"],
                          "from_team": ev["team"], "to_team": nxt["team"],
                          "wait_h": (nxt["started_at"] - ev["ended_at"]) / pd.Timedelta(hours=1)})
    pairs = pairs.dropna(subset=["to_stage"])
    out = pairs[pairs["from_team"] != pairs["to_team"]].groupby(["from_stage", "to_stage"]).agg(
        from_team=("from_team", "first"), to_team=("to_team", "first"), handoffs=("wait_h", "size"),
        mean_wait_h=("wait_h", "mean"), median_wait_h=("wait_h", "median"))
    return out.sort_values("mean_wait_h", ascending=False)
''', visible="dropped the carrier's rows"),
        Mistake("wait measured from the previous stage's start", '''
def handoff_delays(events):
    ev = events.sort_values(["case_id", "step"])
    nxt = ev.groupby("case_id")[["stage", "team", "started_at"]].shift(-1)
    pairs = pd.DataFrame({"from_stage": ev["stage"], "to_stage": nxt["stage"],
                          "from_team": ev["team"], "to_team": nxt["team"],
                          "wait_h": (nxt["started_at"] - ev["started_at"]) / pd.Timedelta(hours=1)})
    pairs = pairs.dropna(subset=["to_stage"])
    keep = ((pairs["from_team"] != pairs["to_team"]) & (pairs["from_team"] != "carrier")
            & (pairs["to_team"] != "carrier"))
    out = pairs[keep].groupby(["from_stage", "to_stage"]).agg(
        from_team=("from_team", "first"), to_team=("to_team", "first"), handoffs=("wait_h", "size"),
        mean_wait_h=("wait_h", "mean"), median_wait_h=("wait_h", "median"))
    return out.sort_values("mean_wait_h", ascending=False)
''', visible="previous stage's START"),
        Mistake("next stage taken from row order (no sort by case and step)", '''
def handoff_delays(events):
    nxt = events.groupby("case_id")[["stage", "team", "started_at"]].shift(-1)
    pairs = pd.DataFrame({"from_stage": events["stage"], "to_stage": nxt["stage"],
                          "from_team": events["team"], "to_team": nxt["team"],
                          "wait_h": (nxt["started_at"] - events["ended_at"]) / pd.Timedelta(hours=1)})
    pairs = pairs.dropna(subset=["to_stage"])
    keep = ((pairs["from_team"] != pairs["to_team"]) & (pairs["from_team"] != "carrier")
            & (pairs["to_team"] != "carrier"))
    out = pairs[keep].groupby(["from_stage", "to_stage"]).agg(
        from_team=("from_team", "first"), to_team=("to_team", "first"), handoffs=("wait_h", "size"),
        mean_wait_h=("wait_h", "mean"), median_wait_h=("wait_h", "median"))
    return out.sort_values("mean_wait_h", ascending=False)
''', visible="row order"),
        Mistake("keeps the carrier's handoffs (the installation appointment becomes the 'bottleneck')", '''
def handoff_delays(events):
    ev = events.sort_values(["case_id", "step"])
    nxt = ev.groupby("case_id")[["stage", "team", "started_at"]].shift(-1)
    pairs = pd.DataFrame({"from_stage": ev["stage"], "to_stage": nxt["stage"],
                          "from_team": ev["team"], "to_team": nxt["team"],
                          "wait_h": (nxt["started_at"] - ev["ended_at"]) / pd.Timedelta(hours=1)})
    pairs = pairs.dropna(subset=["to_stage"])
    out = pairs[pairs["from_team"] != pairs["to_team"]].groupby(["from_stage", "to_stage"]).agg(
        from_team=("from_team", "first"), to_team=("to_team", "first"), handoffs=("wait_h", "size"),
        mean_wait_h=("wait_h", "mean"), median_wait_h=("wait_h", "median"))
    return out.sort_values("mean_wait_h", ascending=False)
''', visible="carrier"),
        Mistake("sorted smallest wait first", '''
def handoff_delays(events):
    ev = events.sort_values(["case_id", "step"])
    nxt = ev.groupby("case_id")[["stage", "team", "started_at"]].shift(-1)
    pairs = pd.DataFrame({"from_stage": ev["stage"], "to_stage": nxt["stage"],
                          "from_team": ev["team"], "to_team": nxt["team"],
                          "wait_h": (nxt["started_at"] - ev["ended_at"]) / pd.Timedelta(hours=1)})
    pairs = pairs.dropna(subset=["to_stage"])
    keep = ((pairs["from_team"] != pairs["to_team"]) & (pairs["from_team"] != "carrier")
            & (pairs["to_team"] != "carrier"))
    out = pairs[keep].groupby(["from_stage", "to_stage"]).agg(
        from_team=("from_team", "first"), to_team=("to_team", "first"), handoffs=("wait_h", "size"),
        mean_wait_h=("wait_h", "mean"), median_wait_h=("wait_h", "median"))
    return out.sort_values("mean_wait_h")
''', visible="largest first"),
    ],
    "ex3a_answer": [
        Mistake("only touchpoints with no owner", '''
def ownership_gaps(touchpoints, raci):
    cols = ["touchpoint_id", "journey_stage", "touchpoint", "owner_team", "monthly_contacts"]
    out = touchpoints.loc[touchpoints["owner_team"].isna(), cols].copy()
    out["gap"] = "no owner"
    return out.sort_values("monthly_contacts", ascending=False, ignore_index=True)
''', visible="only the touchpoints with no owner"),
        Mistake("any RACI role (C or I too) counted as ownership", '''
def ownership_gaps(touchpoints, raci):
    cols = ["touchpoint_id", "journey_stage", "touchpoint", "owner_team", "monthly_contacts"]
    roles = raci[["journey_stage", "team"]].drop_duplicates()
    merged = touchpoints[cols].merge(roles, how="left", left_on=["journey_stage", "owner_team"],
                                     right_on=["journey_stage", "team"])
    merged["gap"] = np.where(merged["owner_team"].isna(), "no owner",
                             np.where(merged["team"].isna(), "owner not responsible or accountable", ""))
    out = merged.loc[merged["gap"] != "", cols + ["gap"]]
    return out.sort_values("monthly_contacts", ascending=False, ignore_index=True)
''', visible="Consulted or Informed"),
        Mistake("inner merge with the RACI, which drops unowned touchpoints (and owners with no role)", '''
def ownership_gaps(touchpoints, raci):
    cols = ["touchpoint_id", "journey_stage", "touchpoint", "owner_team", "monthly_contacts"]
    merged = touchpoints[cols].merge(raci, left_on=["journey_stage", "owner_team"],
                                     right_on=["journey_stage", "team"])
    out = merged.loc[~merged["role"].isin(["R", "A"]), cols].copy()
    out["gap"] = np.where(out["owner_team"].isna(), "no owner", "owner not responsible or accountable")
    return out.sort_values("monthly_contacts", ascending=False, ignore_index=True)
''', visible="inner merge"),
        Mistake("not sorted by monthly contacts", '''
def ownership_gaps(touchpoints, raci):
    cols = ["touchpoint_id", "journey_stage", "touchpoint", "owner_team", "monthly_contacts"]
    owners = raci.loc[raci["role"].isin(["R", "A"]), ["journey_stage", "team"]].drop_duplicates()
    merged = touchpoints[cols].merge(owners, how="left", left_on=["journey_stage", "owner_team"],
                                     right_on=["journey_stage", "team"])
    merged["gap"] = np.where(merged["owner_team"].isna(), "no owner",
                             np.where(merged["team"].isna(), "owner not responsible or accountable", ""))
    return merged.loc[merged["gap"] != "", cols + ["gap"]].reset_index(drop=True)
''', visible="wrong order"),
    ],
    "ex3b_answer": [
        Mistake("counts first verifications as well", '''
def reverifications(events):
    checked = events[events["verifies"].notna()]
    hours = (checked["ended_at"] - checked["started_at"]) / pd.Timedelta(hours=1)
    out = pd.DataFrame({
        "reverifications": checked.groupby("verifies").size(),
        "share_of_cases": checked.groupby("verifies")["case_id"].nunique() / events["case_id"].nunique(),
        "work_hours": hours.groupby(checked["verifies"]).sum(),
    })
    return out.sort_values("reverifications", ascending=False)
''', visible="first verifications too"),
        Mistake("share of the cases that verify the item, not of all cases", '''
def reverifications(events):
    ev = events.sort_values(["case_id", "step"])
    checked = ev[ev["verifies"].notna()]
    again = checked[checked.groupby(["case_id", "verifies"]).cumcount() > 0]
    hours = (again["ended_at"] - again["started_at"]) / pd.Timedelta(hours=1)
    cases_with_item = checked.groupby("verifies")["case_id"].nunique()
    out = pd.DataFrame({
        "reverifications": again.groupby("verifies").size(),
        "share_of_cases": again.groupby("verifies")["case_id"].nunique() / cases_with_item,
        "work_hours": hours.groupby(again["verifies"]).sum(),
    }).dropna(subset=["reverifications"])
    return out.sort_values("reverifications", ascending=False)
''', visible="ALL cases"),
        Mistake("re-verification read from the stage name (..._recheck) instead of the case history", '''
def reverifications(events):
    again = events[events["stage"].str.endswith("_recheck")]
    hours = (again["ended_at"] - again["started_at"]) / pd.Timedelta(hours=1)
    out = pd.DataFrame({
        "reverifications": again.groupby("verifies").size(),
        "share_of_cases": again.groupby("verifies")["case_id"].nunique() / events["case_id"].nunique(),
        "work_hours": hours.groupby(again["verifies"]).sum(),
    })
    return out.sort_values("reverifications", ascending=False)
''', visible="by their name"),
        Mistake("first verification taken from row order (no sort by step)", '''
def reverifications(events):
    checked = events[events["verifies"].notna()]
    again = checked[checked.duplicated(["case_id", "verifies"])]
    hours = (again["ended_at"] - again["started_at"]) / pd.Timedelta(hours=1)
    out = pd.DataFrame({
        "reverifications": again.groupby("verifies").size(),
        "share_of_cases": again.groupby("verifies")["case_id"].nunique() / events["case_id"].nunique(),
        "work_hours": hours.groupby(again["verifies"]).sum(),
    })
    return out.sort_values("reverifications", ascending=False)
''', visible="row order"),
    ],
    "ex4_answer": [
        Mistake("filters role == 'A' then groups: stages with no A disappear", '''
def raci_problems(raci):
    accountable = raci[raci["role"] == "A"].groupby("journey_stage").size()
    responsible = raci[raci["role"] == "R"].groupby("journey_stage").size()
    out = pd.DataFrame({"accountable": accountable})
    out["responsible"] = responsible.reindex(out.index, fill_value=0)
    problems = []
    for a, r in zip(out["accountable"], out["responsible"]):
        found = []
        if a == 0:
            found.append("no Accountable")
        if a > 1:
            found.append("more than one Accountable")
        if r == 0:
            found.append("no Responsible")
        problems.append("; ".join(found))
    out["problem"] = problems
    return out[out["problem"] != ""]
''', visible="no Accountable team is missing"),
        Mistake("counts A as Responsible too", '''
def raci_problems(raci):
    roles = raci.assign(is_a=raci["role"].eq("A"), is_r=raci["role"].isin(["R", "A"]))
    counts = roles.groupby("journey_stage").agg(accountable=("is_a", "sum"), responsible=("is_r", "sum"))
    problems = []
    for a, r in zip(counts["accountable"], counts["responsible"]):
        found = []
        if a == 0:
            found.append("no Accountable")
        if a > 1:
            found.append("more than one Accountable")
        if r == 0:
            found.append("no Responsible")
        problems.append("; ".join(found))
    counts["problem"] = problems
    return counts[counts["problem"] != ""]
''', visible="count A as R"),
        Mistake("counts A and R with an unstack over A/R rows: a stage with neither vanishes, and two "
                "problems are not both reported", '''
def raci_problems(raci):
    counts = (raci[raci["role"].isin(["A", "R"])].groupby(["journey_stage", "role"]).size()
              .unstack(fill_value=0).reindex(columns=["A", "R"], fill_value=0))
    out = pd.DataFrame({"accountable": counts["A"], "responsible": counts["R"]})
    out["problem"] = np.select([out["accountable"] == 0, out["accountable"] > 1, out["responsible"] == 0],
                               ["no Accountable", "more than one Accountable", "no Responsible"], "")
    return out[out["problem"] != ""]
''', visible="no Accountable team is missing"),
    ],
    "ex5_answer": [
        Mistake("alignment is the raw correlation (direction ignored)", '''
def kpi_alignment(kpi_monthly):
    wide = kpi_monthly.pivot_table(index="month", columns="kpi", values="value")
    kinds = kpi_monthly.groupby("kpi")["kind"].first()
    rows = []
    for kpi in kinds.index[kinds == "team_kpi"]:
        for outcome in kinds.index[kinds == "customer_outcome"]:
            r = wide[kpi].corr(wide[outcome])
            rows.append((kpi, outcome, r, r))
    out = pd.DataFrame(rows, columns=["kpi", "outcome", "r", "alignment"])
    out["conflict"] = out["alignment"] <= -0.3
    return out.sort_values("alignment", ignore_index=True)
''', visible="raw correlation"),
        Mistake("values paired by row position, not by month", '''
def kpi_alignment(kpi_monthly):
    d = {"higher": 1, "lower": -1}
    meta = kpi_monthly.drop_duplicates("kpi").set_index("kpi")
    rows = []
    for kpi in meta.index[meta["kind"] == "team_kpi"]:
        x = kpi_monthly.loc[kpi_monthly["kpi"] == kpi, "value"].to_numpy()
        for outcome in meta.index[meta["kind"] == "customer_outcome"]:
            y = kpi_monthly.loc[kpi_monthly["kpi"] == outcome, "value"].to_numpy()
            r = np.corrcoef(x, y)[0, 1]
            rows.append((kpi, outcome, r, r * d[meta.at[kpi, "better"]] * d[meta.at[outcome, "better"]]))
    out = pd.DataFrame(rows, columns=["kpi", "outcome", "r", "alignment"])
    out["conflict"] = out["alignment"] <= -0.3
    return out.sort_values("alignment", ignore_index=True)
''', visible="different months"),
        Mistake("only the KPI's direction applied, not the outcome's", '''
def kpi_alignment(kpi_monthly):
    wide = kpi_monthly.pivot_table(index="month", columns="kpi", values="value")
    direction = kpi_monthly.groupby("kpi")["better"].first().map({"higher": 1, "lower": -1})
    kinds = kpi_monthly.groupby("kpi")["kind"].first()
    rows = []
    for kpi in kinds.index[kinds == "team_kpi"]:
        for outcome in kinds.index[kinds == "customer_outcome"]:
            r = wide[kpi].corr(wide[outcome])
            rows.append((kpi, outcome, r, r * direction[kpi]))
    out = pd.DataFrame(rows, columns=["kpi", "outcome", "r", "alignment"])
    out["conflict"] = out["alignment"] <= -0.3
    return out.sort_values("alignment", ignore_index=True)
''', visible="both directions"),
    ],
    "ex6_answer": [
        Mistake("mean of the assessors instead of the median", '''
def maturity_scores(assessments, weights):
    means = assessments.groupby(["capability", "dimension"])["score"].mean().unstack()
    w = pd.Series(weights, dtype=float).reindex(means.columns)
    out = pd.DataFrame({"score": (means * w).sum(axis=1) / w.sum()})
    out["level"] = np.floor(out["score"]).astype(int).map(LEVELS)
    return out.sort_values("score")
''', visible="MEDIAN"),
        Mistake("weighted sum, weights not normalised", '''
def maturity_scores(assessments, weights):
    medians = assessments.groupby(["capability", "dimension"])["score"].median().unstack()
    w = pd.Series(weights, dtype=float).reindex(medians.columns)
    out = pd.DataFrame({"score": (medians * w).sum(axis=1)})
    out["level"] = np.floor(out["score"].clip(upper=5)).astype(int).map(LEVELS)
    return out.sort_values("score")
''', visible="divide the weighted sum"),
        Mistake("level from the rounded score instead of the floor", '''
def maturity_scores(assessments, weights):
    medians = assessments.groupby(["capability", "dimension"])["score"].median().unstack()
    w = pd.Series(weights, dtype=float).reindex(medians.columns)
    out = pd.DataFrame({"score": (medians * w).sum(axis=1) / w.sum()})
    out["level"] = out["score"].round().astype(int).map(LEVELS)
    return out.sort_values("score")
''', visible="rounded"),
        Mistake("weights matched to dimensions by position", '''
def maturity_scores(assessments, weights):
    medians = assessments.groupby(["capability", "dimension"])["score"].median().unstack()
    score = np.average(medians.to_numpy(), axis=1, weights=list(weights.values()))
    out = pd.DataFrame({"score": score}, index=medians.index)
    out["level"] = np.floor(out["score"]).astype(int).map(LEVELS)
    return out.sort_values("score")
''', visible="by position"),
    ],
}
