"""Unit tests of cxlabs.checks.lab06: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab06 import MISTAKES

from cxlabs.checks import lab06 as checks
from cxlabs.feedback import CheckFailed

BANDS = ["up to 1h", "1h to 8h", "8h to 24h", "over 24h"]

# --- reference answers (written independently of the check module and the notebook) ---------


def good_service_level(intervals, campaigns):
    days = set()
    for s, e in zip(campaigns["start_date"], campaigns["end_date"], strict=True):
        days |= set(pd.date_range(s, e).date)
    rows = {}
    for channel, g in intervals.groupby("channel"):
        peak = g["interval_start"].dt.date.isin(days)
        rows[channel] = {"off_peak": g.loc[~peak, "answered_within_target"].sum() / g.loc[~peak, "offered"].sum(),
                         "peak": g.loc[peak, "answered_within_target"].sum() / g.loc[peak, "offered"].sum()}
    return pd.DataFrame.from_dict(rows, orient="index")


def good_erlang_c(calls, aht_seconds, agents, target_seconds, interval_seconds=1800):
    a = calls * aht_seconds / interval_seconds
    if agents <= a:
        return {"load": a, "p_wait": 1.0, "service_level": 0.0, "asa_seconds": math.inf, "occupancy": 1.0}
    # log-space Poisson terms: sum_{k<N} A^k/k! against A^N/N! * N/(N-A)
    logs = [k * math.log(a) - math.lgamma(k + 1) if a > 0 else (0.0 if k == 0 else -math.inf)
            for k in range(agents + 1)]
    top = logs[-1] + math.log(agents / (agents - a))
    m = max(max(logs[:-1]), top)
    below = sum(math.exp(x - m) for x in logs[:-1])
    pw = math.exp(top - m) / (below + math.exp(top - m))
    return {"load": a, "p_wait": pw, "service_level": 1 - pw * math.exp(-(agents - a) * target_seconds / aht_seconds),
            "asa_seconds": pw * aht_seconds / (agents - a), "occupancy": a / agents}


def good_agents_for_target(calls, aht_seconds, target_share, target_seconds, shrinkage, interval_seconds=1800):
    n = int(calls * aht_seconds / interval_seconds) + 1
    while good_erlang_c(calls, aht_seconds, n, target_seconds)["service_level"] < target_share:
        n += 1
    sl = good_erlang_c(calls, aht_seconds, n, target_seconds)["service_level"]
    return {"agents": n, "service_level": sl, "scheduled": int(np.ceil(np.round(n / (1 - shrinkage), 6)))}


def good_campaign_uplift(daily, campaigns, window_days=21):
    per_day = daily.pivot_table(index="date", values="contacts", aggfunc="sum")["contacts"]
    busy = set()
    for s, e in zip(campaigns["start_date"], campaigns["end_date"], strict=True):
        busy |= set(pd.date_range(s, e))
    out = []
    for cid, s, e in zip(campaigns["campaign_id"], campaigns["start_date"], campaigns["end_date"], strict=True):
        during = per_day.reindex(pd.date_range(s, e)).dropna().mean()
        window = [d for d in pd.date_range(s - pd.Timedelta(days=window_days), e + pd.Timedelta(days=window_days))
                  if d not in busy]
        baseline = per_day.reindex(window).dropna().mean()
        out.append((cid, during, baseline, during / baseline))
    return pd.DataFrame(out, columns=["campaign_id", "during", "baseline", "uplift"]).set_index("campaign_id")


def good_priority_waits(p_wait, agents, calls_priority, calls_other, aht_seconds, interval_seconds=1800):
    mu, lam1 = 1 / aht_seconds, calls_priority / interval_seconds
    lam = (calls_priority + calls_other) / interval_seconds
    w0 = p_wait / (agents * mu)
    s1, s = lam1 / (agents * mu), lam / (agents * mu)
    return {"wait_priority_seconds": w0 / (1 - s1), "wait_other_seconds": w0 / (1 - s1) / (1 - s),
            "wait_fcfs_seconds": p_wait / (agents * mu - lam)}


def good_time_in_status(history, as_of):
    rows = []
    for _, g in history[history["entered_at"] <= as_of].groupby("ticket_id"):
        g = g.sort_values("entered_at")
        ends = list(g["entered_at"].iloc[1:]) + [as_of]
        for status, start, end in zip(g["status"], g["entered_at"], ends, strict=True):
            if status != "closed":
                rows.append((status, (end - start) / pd.Timedelta(hours=1)))
    frame = pd.DataFrame(rows, columns=["status", "hours"])
    return frame.groupby("status")["hours"].agg(visits="count", total_hours="sum", median_hours="median")


def good_first_response_bands(tickets, surveys):
    hours = ((tickets["first_response_at"] - tickets["created_at"]) / pd.Timedelta(hours=1))
    band = pd.Series(np.select([hours <= 1, hours <= 8, hours <= 24], BANDS[:3], BANDS[3]),
                     index=tickets["ticket_id"])
    s = surveys[(surveys["trigger"] == "post_ticket") & surveys["responded"]].copy()
    s["band"] = s["ticket_id"].map(band)
    g = s.groupby("band")
    out = pd.DataFrame({"surveys": g.size(), "mean_csat": g["csat"].mean().astype(float),
                        "mean_nps": g["nps"].mean().astype(float)}).reindex(BANDS)
    out["surveys"] = out["surveys"].fillna(0).astype(int)
    return out


RIGHT = [(checks.service_level, good_service_level), (checks.erlang_c, good_erlang_c),
         (checks.agents_for_target, good_agents_for_target), (checks.campaign_uplift, good_campaign_uplift),
         (checks.priority_waits, good_priority_waits), (checks.time_in_status, good_time_in_status),
         (checks.first_response_bands, good_first_response_bands)]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i}_answer": ex for i, ex in enumerate(EXERCISES, start=1)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "math": math, "BANDS": BANDS}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # other column order, extra columns, nullable dtypes, numpy numbers, int agents as floats
    checks.service_level.check(lambda i, c: good_service_level(i, c)[["peak", "off_peak"]].iloc[::-1].assign(x=1))
    checks.erlang_c.check(lambda *a: {k: np.float64(v) for k, v in good_erlang_c(*a).items()})
    checks.agents_for_target.check(lambda *a: {k: float(v) for k, v in good_agents_for_target(*a).items()})
    checks.campaign_uplift.check(lambda d, c, w=21: good_campaign_uplift(d, c, w).astype("Float64").iloc[::-1])
    checks.time_in_status.check(lambda h, a: good_time_in_status(h, a).sample(frac=1, random_state=2))
    checks.first_response_bands.check(lambda t, s: good_first_response_bands(t, s).astype(
        {"surveys": "Int64", "mean_csat": "Float64"}))


def test_published_vectors_are_the_worked_examples():
    # Call Centre Helper: 100 calls / 30 min, AHT 180 s, 14 agents, 20 s -> Pw 0.1741, SL 0.8884,
    # ASA 7.84 s, occupancy 0.714; 30% shrinkage -> 20 scheduled
    (args, answer), = [e for e in checks.ERLANG_EXAMPLES if e[0] == (100, 180, 14, 20)]
    assert (round(answer[1], 4), round(answer[2], 4), round(answer[3], 2), round(answer[4], 3)) == \
        (0.1741, 0.8884, 7.84, 0.714)
    assert checks.STAFFING_EXAMPLES[0] == ((100, 180, 0.8, 20, 0.3), (14, answer[2], 20))
    assert np.allclose(checks.PRIORITY_EXAMPLES[0][1], [2.61, 9.14, 7.84], atol=6e-3)


# --- wrong types (unanswered, crashing and non-functions: tests/test_feedback_pointers.py) ----

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: "done")
    assert "returned str" in message or "should return a dict" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.service_level, lambda i, c: i["answered"])
    assert "missing column" in failure(checks.time_in_status,
                                       lambda h, a: good_time_in_status(h, a).drop(columns="median_hours"))
    assert "missing the key" in failure(checks.erlang_c, lambda *a: {"load": 1.0})


def test_checks_use_fresh_examples():
    def mutating(intervals, campaigns):
        intervals["offered"] = 1
        return good_service_level(intervals, campaigns)

    with pytest.raises(CheckFailed):
        checks.service_level.check(mutating)
    checks.service_level.check(good_service_level)


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the methods notes list for lab 06 are in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("rounded to 2 decimals", "overflows", "(1 + shrinkage)", "without the priority factor",
                   "no groupby"):
        assert phrase in text, phrase


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_hand_worked_answers_match_the_references():
    sl = good_service_level(checks.example_intervals(), checks.example_campaigns())
    for channel, (peak, off) in checks._SERVICE_LEVEL.items():
        assert np.isclose(sl.loc[channel, "peak"], peak) and np.isclose(sl.loc[channel, "off_peak"], off)
    for args, answer in checks.ERLANG_EXAMPLES:
        got = good_erlang_c(*args) if args[0] else {"load": 0.0, "p_wait": 0.0, "service_level": 1.0,
                                                    "asa_seconds": 0.0, "occupancy": 0.0}
        assert np.allclose([got[k] for k in checks._ERLANG_KEYS], answer, rtol=1e-9), args
    for args, answer in checks.STAFFING_EXAMPLES:
        got = good_agents_for_target(*args)
        assert (got["agents"], got["scheduled"]) == (answer[0], answer[2]) and np.isclose(got["service_level"],
                                                                                           answer[1])
    for args, answer in checks.PRIORITY_EXAMPLES:
        assert np.allclose(list(good_priority_waits(*args).values()), answer)
    up = good_campaign_uplift(checks.example_daily(), checks.example_uplift_campaigns(), checks.UPLIFT_WINDOW)
    for cid, values in checks._UPLIFT.items():
        assert np.allclose(up.loc[cid].to_numpy(), values)
    t = good_time_in_status(checks.example_history(), checks.HISTORY_AS_OF)
    for status, values in checks._TIME_IN_STATUS.items():
        assert np.allclose(t.loc[status].to_numpy(dtype=float), values)
    b = good_first_response_bands(checks.example_tickets(), checks.example_surveys())
    for band, values in checks._BANDS.items():
        assert np.allclose(b.loc[band].to_numpy(dtype=float), values)


def test_worked_examples_are_well_posed():
    iv = checks.example_intervals()
    assert not iv["interval_start"].is_monotonic_increasing
    assert (iv["offered"] == 0).any() and (iv["abandoned"] > 0).sum() >= 3
    assert (iv["interval_start"].dt.strftime("%m-%d %H:%M") == "03-12 21:30").any()  # the last day, late
    h = checks.example_history()
    assert not h.sort_values("ticket_id")["entered_at"].is_monotonic_increasing
    assert (h["entered_at"] > checks.HISTORY_AS_OF).sum() == 2  # a change and a close after as_of
    t = checks.example_tickets()
    fr = (t["first_response_at"] - t["created_at"]).dt.total_seconds()
    assert {3600, 8 * 3600, 24 * 3600} <= set(fr)


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.erlang_c, lambda *a: {**good_erlang_c(*a), "asa_seconds": 1.0})
    for value in ("7.83", "7.84", "0.174", "0.888"):
        assert value not in message
    message = failure(checks.service_level, lambda i, c: good_service_level(i, c) * 0.9)
    for value in ("0.54", "0.65", "0.826", "0.84"):
        assert value not in message
    message = failure(checks.time_in_status, lambda h, a: good_time_in_status(h, a).assign(median_hours=0.0))
    for value in ("44.5", "34.75", "1.5"):
        assert value not in message


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_hints_progress_and_repeat(exercise, capsys):
    exercise._hints_shown = 0
    for _ in range(len(exercise.hints) + 1):
        exercise.hint()
    out = capsys.readouterr().out
    assert all(h in out for h in exercise.hints)
    assert 2 <= len(exercise.hints) <= 3
