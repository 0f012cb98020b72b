"""Unit tests of cxlabs.checks.lab15: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab15 import MISTAKES

from cxlabs.checks import lab15 as checks
from cxlabs.feedback import CheckFailed

# --- reference answers (written independently of the check module and the notebook) ---------


def good_scorecard_status(kpis, monthly, month):
    rows = {}
    m = monthly[monthly["month"] == month].set_index("kpi")["value"]
    for r in kpis.itertuples():
        if r.kpi not in m.index:
            continue
        v = m[r.kpi]
        miss = r.target - v if r.better == "higher" else v - r.target
        rows[r.kpi] = {"value": v, "target": r.target, "better": r.better,
                       "status": "green" if miss <= 0 else "amber" if miss <= r.amber_tolerance * r.target else "red"}
    return pd.DataFrame.from_dict(rows, orient="index")


def good_signoff_breaches(changes, signoffs):
    live = changes.set_index("change_id")["go_live_at"]
    req = signoffs[signoffs["required"]]
    missing = req["signed_at"].isna().groupby(req["change_id"]).sum()
    late = (req["signed_at"] > req["change_id"].map(live)).groupby(req["change_id"]).sum()
    out = pd.DataFrame({"missing": missing, "late": late}).reindex(live.index).fillna(0).astype(int)
    return out.assign(breach=out.sum(axis=1) > 0)


def good_control_rules(values, center, sigma):
    x = values.to_numpy(dtype=float)
    hi = {k: x > center + k * sigma for k in (0, 1, 2, 3)}
    lo = {k: x < center - k * sigma for k in (0, 1, 2, 3)}

    def window(flags, n, need):
        c = np.convolve(flags.astype(int), np.ones(n, dtype=int))[:len(flags)]
        out = c >= need
        out[:n - 1] = False
        return out

    return pd.DataFrame({"rule1": hi[3] | lo[3],
                         "rule2": window(hi[2], 3, 2) | window(lo[2], 3, 2),
                         "rule3": window(hi[1], 5, 4) | window(lo[1], 5, 4),
                         "rule4": window(hi[0], 8, 8) | window(lo[0], 8, 8)}, index=values.index)


def good_rework_cost(log, rates):
    r = log.query("work_type == 'rework'")
    rate = rates.set_index(["team", "year"])["loaded_rate_usd_per_hour"]
    cost = r["hours"].to_numpy() * rate.reindex(pd.MultiIndex.from_arrays([r["team"], r["date"].dt.year])).to_numpy()
    return pd.DataFrame({"hours": r["hours"].to_numpy(), "cost_usd": cost}, index=r["team"].to_numpy()).groupby(level=0).sum()


def good_root_cause_mix(pm):
    c = pm[pm["cause_rank"] == 1].groupby("category").size()
    c = c.sort_index().sort_values(ascending=False, kind="stable")
    share = c / c.sum()
    return pd.DataFrame({"postmortems": c, "share": share, "cumulative_share": share.cumsum()})


def good_lagged_correlation(leading, lagging, max_lag):
    out = {}
    for k in range(max_lag + 1):
        moved = pd.Series(leading.to_numpy(), index=leading.index + pd.DateOffset(months=k))
        both = pd.concat([lagging, moved], axis=1, join="inner", sort=True).dropna()
        out[k] = both.iloc[:, 0].corr(both.iloc[:, 1])
    return pd.Series(out)


def good_team_status(snapshot, rules, status, quorum):
    ops = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
    mine = rules[rules["status"] == status]
    out = pd.DataFrame(index=snapshot["customer_id"].to_numpy())
    for team, g in mine.groupby("team"):
        held = [ops[op](snapshot[f].astype("Float64"), t).fillna(False).to_numpy(dtype=bool)
                for f, op, t in zip(g["field"], g["operator"], g["threshold"], strict=True)]
        out[team] = np.all(held, axis=0) if g["combine"].iloc[0] == "all" else np.any(held, axis=0)
    out["reconciled"] = out.sum(axis=1) >= quorum
    return out


RIGHT = [
    (checks.scorecard_status, good_scorecard_status),
    (checks.signoff_breaches, good_signoff_breaches),
    (checks.control_rules, good_control_rules),
    (checks.rework_cost, good_rework_cost),
    (checks.root_cause_mix, good_root_cause_mix),
    (checks.lagged_correlation, good_lagged_correlation),
    (checks.team_status, good_team_status),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "operator": operator}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # ex1: rows in another order, extra columns, categorical status
    checks.scorecard_status.check(lambda k, m, month: good_scorecard_status(k, m, month).iloc[::-1]
                                  .assign(status=lambda f: f["status"].astype("category"), owner=1))
    # ex2: nullable counts, rows in another order
    checks.signoff_breaches.check(lambda c, s: good_signoff_breaches(c, s).iloc[::-1].astype(
        {"missing": "Int64", "late": "float64", "breach": "boolean"}))
    # ex3: int 0/1 flags instead of booleans
    checks.control_rules.check(lambda v, c, s: good_control_rules(v, c, s).astype(int))
    # ex4: rows in another order
    checks.rework_cost.check(lambda log, rates: good_rework_cost(log, rates).iloc[::-1])
    # ex6: a one-column DataFrame, float lags
    checks.lagged_correlation.check(lambda a, b, k: good_lagged_correlation(a, b, k).to_frame("r"))
    # ex7: columns in another order, nullable booleans
    checks.team_status.check(lambda s, r, st, q: good_team_status(s, r, st, q).iloc[:, ::-1].astype("boolean"))


def test_checks_use_fresh_examples():
    def mutating(kpis, monthly, month):
        monthly["value"] = 0.0
        return good_scorecard_status(kpis, monthly, month)

    with pytest.raises(CheckFailed):
        checks.scorecard_status.check(mutating)
    checks.scorecard_status.check(good_scorecard_status)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: "done")
    assert "returned str" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.rework_cost, lambda log, rates: log["rate"])
    assert "missing column" in failure(checks.signoff_breaches,
                                       lambda c, s: good_signoff_breaches(c, s).drop(columns="late"))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)



def test_every_issue_mistake_is_catalogued():
    """The wrong answer the methods file names for lab 15 (the swapped lag) is in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    assert "arguments swapped" in text


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_worked_examples_are_well_posed():
    s = checks.example_signoffs().merge(checks.example_changes()[["change_id", "go_live_at"]])
    assert (s["signed_at"] == s["go_live_at"]).any() and (~s["required"] & s["signed_at"].isna()).any()
    m = checks.example_monthly()
    k = checks.example_kpis().set_index("kpi")
    on = m[(m["month"] == checks.EXAMPLE_MONTH)].set_index("kpi")["value"]
    assert (on == k["target"]).any()
    assert checks.example_lagging().index.max() > checks.example_leading().index.max()
    assert checks.example_snapshot()["days_since_last_order"].isna().any()


def test_hand_worked_answers_match_the_references():
    st = good_scorecard_status(checks.example_kpis(), checks.example_monthly(), checks.EXAMPLE_MONTH)
    assert st["status"].tolist() == checks._STATUS
    br = good_signoff_breaches(checks.example_changes(), checks.example_signoffs())
    assert br["missing"].tolist() == checks._MISSING and br["late"].tolist() == checks._LATE
    frame = checks.example_series()
    for name, want in checks._RULES.items():
        got = good_control_rules(frame[name], checks.EXAMPLE_CENTER, checks.EXAMPLE_SIGMA)
        assert {r: list(np.flatnonzero(got[r])) for r in got if got[r].any()} == want, name
    lag = good_lagged_correlation(checks.example_leading(), checks.example_lagging(), 4)
    assert np.allclose(lag, checks._LAGGED) and int(lag.idxmax()) == 2
    ts = good_team_status(checks.example_snapshot(), checks.example_rules(), "at_risk", 2)
    assert {c: ts[c].tolist() for c in ts} == checks._TEAM


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.rework_cost, lambda log, rates: good_rework_cost(log, rates) * 1.5)
    assert "800" not in message and "500" not in message
    message = failure(checks.lagged_correlation, lambda a, b, k: good_lagged_correlation(a, b, k) * 0.5)
    assert "0.96" not in message and "0.97" not in message
    message = failure(checks.scorecard_status,
                      lambda k, m, mo: good_scorecard_status(k, m, mo).assign(status="green"))
    assert "amber', 'red" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
        ex._hints_shown = 0
        ex.hint()
        ex.hint()
        out = capsys.readouterr().out
        assert "Hint 1/" in out and "Hint 2/" in out
