"""Unit tests of cxlabs.checks.lab01: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from check_support import failure
from mistakes.lab01 import MISTAKES

from cxlabs.checks import lab01 as checks
from cxlabs.feedback import CheckFailed

LEVELS = {1: "initial", 2: "repeatable", 3: "defined", 4: "managed", 5: "optimising"}
HOUR = pd.Timedelta(hours=1)

# --- reference answers (written independently of the check module and the notebook) ---------


def good_case_times(events):
    ev = events.sort_values(["case_id", "step"])
    first = ev.groupby("case_id")["started_at"].first()
    last = ev.groupby("case_id")["ended_at"].last()
    work = ((ev["ended_at"] - ev["started_at"]).dt.total_seconds() / 3600).groupby(ev["case_id"]).sum()
    lead = (last - first).dt.total_seconds() / 3600
    return pd.DataFrame({"lead_time_h": lead, "work_time_h": work, "wait_time_h": lead - work})


def good_handoff_delays(events):
    nxt = events.assign(step=events["step"] - 1)
    m = events.merge(nxt, on=["case_id", "step"], suffixes=("", "_next"))
    m = m[(m["team"] != m["team_next"]) & (m["team"] != "carrier") & (m["team_next"] != "carrier")]
    m = m.assign(wait=(m["started_at_next"] - m["ended_at"]) / HOUR)
    out = m.groupby(["stage", "stage_next"]).agg(
        from_team=("team", "first"), to_team=("team_next", "first"), handoffs=("wait", "count"),
        mean_wait_h=("wait", "mean"), median_wait_h=("wait", "median"))
    out.index.names = ["from_stage", "to_stage"]
    return out.sort_values("mean_wait_h", ascending=False)


def good_ownership_gaps(touchpoints, raci):
    owning = set(zip(raci.loc[raci["role"].isin(["R", "A"]), "journey_stage"],
                     raci.loc[raci["role"].isin(["R", "A"]), "team"], strict=True))
    gap = [("no owner" if pd.isna(o) else
            "" if (s, o) in owning else "owner not responsible or accountable")
           for s, o in zip(touchpoints["journey_stage"], touchpoints["owner_team"], strict=True)]
    out = touchpoints.assign(gap=gap)
    out = out[out["gap"] != ""].drop(columns="channel")
    return out.sort_values("monthly_contacts", ascending=False).reset_index(drop=True)


def good_reverifications(events):
    v = events.dropna(subset=["verifies"])
    again = v[v["step"] > v.groupby(["case_id", "verifies"])["step"].transform("min")]
    out = again.groupby("verifies").agg(reverifications=("case_id", "size"),
                                        cases=("case_id", "nunique"))
    out["share_of_cases"] = out.pop("cases") / events["case_id"].nunique()
    out["work_hours"] = ((again["ended_at"] - again["started_at"]) / HOUR).groupby(again["verifies"]).sum()
    return out.sort_values("reverifications", ascending=False)


def good_raci_problems(raci):
    ct = pd.crosstab(raci["journey_stage"], raci["role"]).reindex(columns=["A", "R"], fill_value=0)
    text = []
    for a, r in zip(ct["A"], ct["R"], strict=True):
        text.append("; ".join(label for label, bad in (("no Accountable", a == 0),
                                                        ("more than one Accountable", a > 1),
                                                        ("no Responsible", r == 0)) if bad))
    out = pd.DataFrame({"accountable": ct["A"], "responsible": ct["R"], "problem": text}, index=ct.index)
    return out[out["problem"] != ""]


def good_kpi_alignment(kpi_monthly):
    meta = kpi_monthly.drop_duplicates("kpi").set_index("kpi")
    sign = meta["better"].map({"higher": 1, "lower": -1})
    rows = []
    for kpi in meta.index[meta["kind"] == "team_kpi"]:
        for outcome in meta.index[meta["kind"] == "customer_outcome"]:
            pair = (kpi_monthly.loc[kpi_monthly["kpi"] == kpi, ["month", "value"]]
                    .merge(kpi_monthly.loc[kpi_monthly["kpi"] == outcome, ["month", "value"]], on="month"))
            r = np.corrcoef(pair["value_x"], pair["value_y"])[0, 1]
            rows.append({"kpi": kpi, "outcome": outcome, "r": r, "alignment": r * sign[kpi] * sign[outcome]})
    out = pd.DataFrame(rows)
    out["conflict"] = out["alignment"] <= -0.3
    return out.sort_values("alignment").reset_index(drop=True)


def good_maturity_scores(assessments, weights):
    med = assessments.pivot_table(index="capability", columns="dimension", values="score", aggfunc="median")
    w = np.array([weights[d] for d in med.columns], dtype=float)
    score = pd.Series(med.to_numpy() @ w / w.sum(), index=med.index)
    return pd.DataFrame({"score": score, "level": [LEVELS[int(np.floor(s))] for s in score]}).sort_values("score")


RIGHT = [
    (checks.case_times, good_case_times),
    (checks.handoff_delays, good_handoff_delays),
    (checks.ownership_gaps, good_ownership_gaps),
    (checks.reverifications, good_reverifications),
    (checks.raci_problems, good_raci_problems),
    (checks.kpi_alignment, good_kpi_alignment),
    (checks.maturity_scores, good_maturity_scores),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {"ex1_answer": checks.case_times, "ex2_answer": checks.handoff_delays,
                   "ex3a_answer": checks.ownership_gaps, "ex3b_answer": checks.reverifications,
                   "ex4_answer": checks.raci_problems, "ex5_answer": checks.kpi_alignment,
                   "ex6_answer": checks.maturity_scores}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "LEVELS": LEVELS}
    exec(source, namespace)
    return next(v for k, v in namespace.items() if callable(v) and k not in ("pd", "np"))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # ex1: extra columns and an unsorted index are fine; sorting by time instead of step too
    checks.case_times.check(lambda e: good_case_times(e).assign(stages=1).iloc[::-1])
    # ex2: sorting by started_at instead of step gives the same consecutive stages here
    checks.handoff_delays.check(lambda e: good_handoff_delays(e.sort_values("started_at")))
    # ex3a: any index is accepted
    checks.ownership_gaps.check(lambda t, r: good_ownership_gaps(t, r).set_index(
        good_ownership_gaps(t, r)["touchpoint_id"], drop=False))
    # ex4: rows in any order
    checks.raci_problems.check(lambda r: good_raci_problems(r).iloc[::-1])
    # ex6: normalising the weights first
    checks.maturity_scores.check(lambda a, w: good_maturity_scores(
        a, {k: v / sum(w.values()) for k, v in w.items()}))


def test_checks_use_fresh_examples():
    def mutating(events):
        events["started_at"] = events["ended_at"]
        return good_case_times(events)

    with pytest.raises(CheckFailed):
        checks.case_times.check(mutating)
    checks.case_times.check(good_case_times)


# --- unanswered, crashes and wrong types ------------------------------------------------------




@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    assert "returned list" in failure(exercise, lambda *args: [1, 2])
    assert "expected a function" in failure(exercise, 42)


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.case_times, lambda e: e["duration"])
    assert "missing column" in failure(checks.case_times,
                                       lambda e: good_case_times(e).drop(columns="wait_time_h"))
    assert "Timedelta" in failure(checks.case_times, lambda e: good_case_times(e) * HOUR)


# --- every catalogued mistake is named by the visible check ------------------------------------

def catalogue():
    for answer_id, items in MISTAKES.items():
        for i, m in enumerate(items):
            yield pytest.param(answer_id, m, id=f"{answer_id}-{i}")


@pytest.mark.parametrize("answer_id, mistake", list(catalogue()))
def test_catalogued_mistake_is_named(answer_id, mistake):
    func = function_from(mistake.source)
    message = failure(CHECK_OF_ANSWER[answer_id], func)
    if mistake.visible:
        assert mistake.visible.lower() in message.lower(), message


# --- more mistakes, beyond the catalogue -------------------------------------------------------

@pytest.mark.parametrize("func, phrase", [
    (lambda e: good_case_times(e) * 3600, "seconds"),
    (lambda e: good_case_times(e).assign(wait_time_h=0.0), "wait = lead - work"),
    (lambda e: good_case_times(e).reset_index(), "index should be the case_id"),
])
def test_case_times_mistakes(func, phrase):
    assert phrase in failure(checks.case_times, func)


@pytest.mark.parametrize("func, phrase", [
    (lambda e: good_handoff_delays(e).reset_index(), "two levels"),
    (lambda e: good_handoff_delays(e).assign(handoffs=lambda d: d["handoffs"] * 2), "handoffs column"),
    (lambda e: good_handoff_delays(e).assign(mean_wait_h=lambda d: d["median_wait_h"]), "waits are not right"),
    (lambda e: good_handoff_delays(e).iloc[:-1], "set of (from_stage, to_stage)"),
])
def test_handoff_delays_mistakes(func, phrase):
    assert phrase in failure(checks.handoff_delays, func)


@pytest.mark.parametrize("func, phrase", [
    (lambda t, r: good_ownership_gaps(t, r).assign(gap="gap"), "gap column"),
    (lambda t, r: good_ownership_gaps(t, r).assign(monthly_contacts=0), "columns were changed"),
    (lambda t, r: good_ownership_gaps(t, r).iloc[:2], "not the right touchpoints"),
])
def test_ownership_gaps_mistakes(func, phrase):
    assert phrase in failure(checks.ownership_gaps, func)


@pytest.mark.parametrize("func, phrase", [
    (lambda e: good_reverifications(e).iloc[::-1], "not sorted"),
    (lambda e: good_reverifications(e).assign(work_hours=lambda d: d["work_hours"] * HOUR), "Timedelta"),
    (lambda e: good_reverifications(e).iloc[:1], "index should be the data items"),
])
def test_reverifications_mistakes(func, phrase):
    assert phrase in failure(checks.reverifications, func)


@pytest.mark.parametrize("func, phrase", [
    (lambda r: good_raci_problems(r).assign(problem=lambda d: d["problem"].str.lower()), "problem text"),
    (lambda r: good_raci_problems(r).assign(accountable=1), "counts are wrong"),
    (lambda r: pd.concat([good_raci_problems(r), pd.DataFrame(
        {"accountable": [1], "responsible": [1], "problem": [""]}, index=["discover"])]),
     "only the stages that have a problem"),
])
def test_raci_problems_mistakes(func, phrase):
    assert phrase in failure(checks.raci_problems, func)


@pytest.mark.parametrize("func, phrase", [
    (lambda k: good_kpi_alignment(k).iloc[::-1], "not sorted"),
    (lambda k: good_kpi_alignment(k).assign(conflict=lambda d: d["alignment"] < 0), "conflict column"),
    (lambda k: good_kpi_alignment(k).assign(r=lambda d: d["r"] ** 2), "correlation r is not right"),
    (lambda k: good_kpi_alignment(k).iloc[:2], "one row per (team KPI, customer outcome)"),
])
def test_kpi_alignment_mistakes(func, phrase):
    assert phrase in failure(checks.kpi_alignment, func)


@pytest.mark.parametrize("func, phrase", [
    (lambda a, w: good_maturity_scores(a, w).iloc[::-1], "not sorted"),
    (lambda a, w: good_maturity_scores(a, w).assign(level="defined"), "level names"),
    (lambda a, w: good_maturity_scores(a, w).assign(score=lambda d: d["score"] + 0.1), "scores are not right"),
])
def test_maturity_scores_mistakes(func, phrase):
    assert phrase in failure(checks.maturity_scores, func)


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_worked_examples_are_well_posed():
    events = checks.example_events()
    assert not events.equals(checks.example_events(shuffled=False)), "rows are shuffled"
    handoffs = good_handoff_delays(events)
    assert handoffs["mean_wait_h"].is_unique, "no ties, so the sort order is well defined"
    assert (handoffs["mean_wait_h"] != handoffs["median_wait_h"]).any()
    assert good_reverifications(events)["reverifications"].is_unique
    assert good_ownership_gaps(checks.example_touchpoints(),
                               checks.example_raci(for_touchpoints=True))["monthly_contacts"].is_unique
    assert good_kpi_alignment(checks.example_kpis())["alignment"].is_unique
    scores = good_maturity_scores(checks.example_assessments(), checks.EXAMPLE_WEIGHTS)["score"]
    assert scores.is_unique and (scores != np.round(scores)).all()
    assert list(checks.EXAMPLE_WEIGHTS) != sorted(checks.EXAMPLE_WEIGHTS), "dict order differs from names"


def test_hand_worked_answers_match_the_references():
    pd.testing.assert_frame_equal(good_case_times(checks.example_events()), checks._TIMES, check_names=False)
    pd.testing.assert_frame_equal(good_handoff_delays(checks.example_events()), checks._HANDOFFS)
    pd.testing.assert_frame_equal(good_reverifications(checks.example_events()), checks._REVERIFY,
                                  check_dtype=False)
    pd.testing.assert_frame_equal(good_raci_problems(checks.example_raci()).sort_index(),
                                  checks._RACI_PROBLEMS, check_dtype=False, check_names=False)
    pd.testing.assert_frame_equal(good_kpi_alignment(checks.example_kpis()), checks._KPI_ALIGNMENT)
    pd.testing.assert_frame_equal(good_maturity_scores(checks.example_assessments(), checks.EXAMPLE_WEIGHTS),
                                  checks._MATURITY, check_names=False)
    gaps = good_ownership_gaps(checks.example_touchpoints(), checks.example_raci(for_touchpoints=True))
    assert list(gaps["touchpoint_id"]) == checks._GAP_IDS and list(gaps["gap"]) == checks._GAP_LABELS


# --- never print the expected values; hints progress -------------------------------------------

def _leaks(values, message: str) -> list[str]:
    """Non-integer expected values (as %g or 2 decimals) that appear in a message."""
    found = []
    for value in values:
        if float(value).is_integer():
            continue  # small integers appear in ordinary text ("Part 1")
        for text in (f"{value:g}", f"{value:.2f}"):
            if re.search(rf"(?<![\d.]){re.escape(text)}(?![\d])", message):
                found.append(text)
    return found


def test_messages_do_not_leak_expected_values():
    cases = [
        (checks.case_times, lambda e: good_case_times(e) + 1, checks._TIMES.to_numpy().ravel()),
        (checks.handoff_delays,
         lambda e: good_handoff_delays(e).assign(mean_wait_h=lambda d: d["mean_wait_h"] + 7),
         checks._HANDOFFS[["mean_wait_h", "median_wait_h"]].to_numpy().ravel()),
        (checks.reverifications,
         lambda e: good_reverifications(e).assign(work_hours=lambda d: d["work_hours"] + 1),
         checks._REVERIFY[["share_of_cases", "work_hours"]].to_numpy().ravel()),
        (checks.kpi_alignment, lambda k: good_kpi_alignment(k).assign(r=lambda d: d["r"] / 2),
         checks._KPI_ALIGNMENT[["r", "alignment"]].to_numpy().ravel()),
        (checks.maturity_scores,
         lambda a, w: good_maturity_scores(a, w).assign(score=lambda d: d["score"] + 0.1),
         checks._MATURITY["score"]),
    ]
    for exercise, func, values in cases:
        message = failure(exercise, func)
        assert not _leaks(values, message), message


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_every_exercise_has_two_or_three_hints(exercise):
    assert 2 <= len(exercise.hints) <= 3
    assert exercise.where and exercise.title
