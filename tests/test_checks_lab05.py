"""Unit tests of cxlabs.checks.lab05: right answers pass (in several idioms), common mistakes are
named, the hand-worked answers match independent references, and no expected value leaks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab05 import MISTAKES

from cxlabs.checks import lab05 as checks
from cxlabs.feedback import CheckFailed

STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")
CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}

# --- reference answers (written independently of the check module and the notebook: loops) ----


def good_sessionise(events):
    out = {}
    for _, g in events.groupby("visitor_id"):
        g = g.sort_values(["event_at", "event_id"])
        number, prev = 0, None
        for label, row in g.iterrows():
            if (prev is None or row["event_at"] - prev["event_at"] > pd.Timedelta(minutes=30)
                    or row["event_at"].date() != prev["event_at"].date()
                    or row["traffic_source"] != prev["traffic_source"]):
                number += 1
            out[label] = number
            prev = row
    return pd.Series(out, name="session").reindex(events.index)


def good_funnel(events, start, end):
    rows = []
    for (_visitor, _session), g in events.groupby(["visitor_id", "session"]):
        if start <= g["event_at"].min() < end:
            kinds = set(g["event_type"])
            rows.append((g["channel"].iloc[0], *[s in kinds for s in STEPS]))
    s = pd.DataFrame(rows, columns=["channel", *STEPS])
    out = []
    for channel, g in s.groupby("channel"):
        for k, step in enumerate(STEPS):
            conv = np.nan if k == 0 else (g[step] & g[STEPS[k - 1]]).sum() / g[STEPS[k - 1]].sum()
            out.append((channel, step, int(g[step].sum()), conv, 1 - conv))
    return pd.DataFrame(out, columns=["channel", "step", "sessions", "conversion", "drop_off"]).set_index(
        ["channel", "step"])


def good_top_paths(events, n):
    paths = []
    for _, g in events.sort_values(["event_at", "event_id"]).groupby(["visitor_id", "session"]):
        paths.append(" > ".join(k for k, _ in itertools.groupby(g["event_type"])))
    counts = pd.Series(paths).value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return pd.Series(dict(ranked), name="sessions").rename_axis("path")


def good_stage_thresholds(events, q):
    rows = {}
    for (_visitor, _session), g in events.groupby(["visitor_id", "session"]):
        first = g.groupby("event_type")["event_at"].min()
        for a, b in zip(STEPS[:-1], STEPS[1:], strict=True):
            if a in first and b in first and first[b] >= first[a]:
                rows.setdefault((g["channel"].iloc[0], a), []).append((first[b] - first[a]).total_seconds() / 60)
    return pd.DataFrame({k: (len(v), float(np.median(v)), float(np.quantile(v, q))) for k, v in rows.items()},
                        index=["sessions", "median_minutes", "threshold_minutes"]).T.rename_axis(["channel", "stage"])


def good_cart_triggers(events, rules, rule_id, products, customers):
    rule = rules.set_index("rule_id").loc[rule_id]
    wait = pd.Timedelta(hours=rule["wait_hours"])
    price = products.set_index("product_id")["list_price"]
    market = customers.set_index("customer_id")["market"]
    buys = events[events["event_type"] == "purchase"]
    rows = []
    for r in events[(events["event_type"] == rule["trigger_event"]) & events["customer_id"].notna()].itertuples():
        if pd.notna(rule["min_product_price"]) and price[r.product_id] < rule["min_product_price"]:
            continue
        mine = buys[(buys["customer_id"] == r.customer_id) & (buys["event_at"] >= r.event_at)
                    & (buys["event_at"] <= r.event_at + wait)]
        if len(mine) == 0:
            rows.append((r.event_id, r.customer_id, r.product_id, r.event_at + wait,
                         CENTRE_OF_MARKET[market[r.customer_id]]))
    return pd.DataFrame(rows, columns=["event_id", "customer_id", "product_id", "fires_at",
                                       "fulfilment_centre"]).set_index("event_id")


def good_replay(triggers, stock, capacity, promise, min_units=None, capacity_channel=None):
    avail = {(d, p, c): h - m for d, p, c, h, m in stock[["date", "product_id", "fulfilment_centre", "on_hand",
                                                          "committed"]].itertuples(index=False)}
    cap = {(d, c): n for d, c, n in capacity.itertuples(index=False)}
    used, sent, out = {}, {}, {}
    t = triggers.reset_index().sort_values(["fires_at", "event_id"])
    for r in t.itertuples():
        day = r.fires_at.normalize()
        outcome = "sent"
        if min_units is not None and avail[(day - pd.Timedelta(days=1), r.product_id, r.fulfilment_centre)] < min_units:
            outcome = "suppressed_stock"
        elif capacity_channel is not None:
            used[day] = used.get(day, 0) + 1
            if used[day] > cap[(day, capacity_channel)]:
                outcome = "suppressed_capacity"
        broken = False
        if outcome == "sent":
            sent[day] = sent.get(day, 0) + 1
            broken = (avail[(day, r.product_id, r.fulfilment_centre)] < 1 if promise == "stock"
                      else sent[day] > cap[(day, "callback")])
        out[r.event_id] = (outcome, broken)
    return pd.DataFrame.from_dict(out, orient="index", columns=["outcome", "broken"]).rename_axis("event_id")


def good_handoff_breakpoints(chats):
    c = chats.sort_values(["started_at", "chat_id"])
    again = {}
    for _, g in c.groupby("customer_id"):
        times = list(g["started_at"])
        for i, chat in enumerate(g["chat_id"]):
            again[chat] = i + 1 < len(times) and times[i + 1] - times[i] <= pd.Timedelta(days=7)
    h = chats[chats["bot_outcome"] == "handed_to_agent"].copy()
    h["chat_again_7d"] = h["chat_id"].map(again)
    h["lost_context"] = h["repeated_identity"].astype(bool) & h["repeated_issue"].astype(bool)
    out = h.groupby("agent_queue")[["repeated_identity", "repeated_order_number", "repeated_issue", "lost_context",
                                    "chat_again_7d"]].agg(lambda s: s.astype(float).mean())
    out.insert(0, "handoffs", h.groupby("agent_queue").size())
    return out.sort_values("lost_context", ascending=False, kind="stable")


RIGHT = [
    (checks.sessionise, good_sessionise), (checks.funnel, good_funnel), (checks.top_paths, good_top_paths),
    (checks.stage_thresholds, good_stage_thresholds), (checks.cart_triggers, good_cart_triggers),
    (checks.replay, good_replay), (checks.handoff_breakpoints, good_handoff_breakpoints),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}
FUNCTION_OF_ANSWER = {f"ex{i + 1}_answer": f.__name__.replace("good_", "") for i, (_, f) in enumerate(RIGHT)}


def function_from(answer_id: str, source: str):
    namespace = {"pd": pd, "np": np, "STEPS": STEPS, "SESSION_TIMEOUT": pd.Timedelta(minutes=30),
                 "CENTRE_OF_MARKET": CENTRE_OF_MARKET}
    exec(source, namespace)
    return namespace[FUNCTION_OF_ANSWER[answer_id]]


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # ex1: a one-column DataFrame, a float Series
    checks.sessionise.check(lambda e: good_sessionise(e).to_frame())
    checks.sessionise.check(lambda e: good_sessionise(e).astype(float))
    # ex2 and ex4: other row order, extra columns, nullable dtypes
    checks.funnel.check(lambda e, s, t: good_funnel(e, s, t).iloc[::-1].assign(extra=1)
                        .astype({"sessions": "Int64", "conversion": "Float64"}))
    checks.stage_thresholds.check(lambda e, q: good_stage_thresholds(e, q).sample(frac=1, random_state=1))
    # ex5: event_id as a column; ex6: event_id as a column, nullable booleans
    checks.cart_triggers.check(lambda *a: good_cart_triggers(*a).reset_index())
    checks.replay.check(lambda *a, **k: good_replay(*a, **k).astype({"broken": "boolean"}).reset_index())
    # ex7: extra column, other column order
    checks.handoff_breakpoints.check(lambda c: good_handoff_breakpoints(c).assign(x=0).iloc[:, ::-1])


def test_checks_use_fresh_examples():
    def mutating(events):
        events["traffic_source"] = "direct"
        return good_sessionise(events)

    with pytest.raises(CheckFailed):
        checks.sessionise.check(mutating)
    checks.sessionise.check(good_sessionise)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    assert "returned str" in failure(exercise, lambda *args, **kwargs: "done")


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.funnel, lambda e, s, t: e["sessions"])
    assert "missing column" in failure(checks.replay, lambda *a, **k: good_replay(*a, **k).drop(columns="broken"))
    assert "aligned" in failure(checks.sessionise, lambda e: good_sessionise(e).reset_index(drop=True))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(answer_id, mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the methods notes list for lab 05 are all in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in (">= instead of >", "midnight ignored", "across visitors"):
        assert phrase in text, phrase


# --- the worked examples are well posed, and their answers right -------------------------------

def test_worked_examples_are_well_posed():
    events = checks.example_events()
    assert not events["event_at"].is_monotonic_increasing and list(events.index) != sorted(events.index)
    gaps = events.sort_values(["visitor_id", "event_at"]).groupby("visitor_id")["event_at"].diff()
    assert (gaps == pd.Timedelta(minutes=30)).sum() == 2 and (gaps == pd.Timedelta(minutes=30, seconds=1)).any()
    sessions = checks.example_sessions()
    starts = sessions.groupby(["visitor_id", "session"])["event_at"].min()
    assert (starts == checks.FUNNEL_START).any() and (starts == checks.FUNNEL_END).any()
    assert (starts < checks.FUNNEL_START).any()
    triggers = checks.example_triggers()
    assert triggers["fires_at"].duplicated().any() and not triggers["fires_at"].is_monotonic_increasing


def test_hand_worked_answers_match_the_references():
    assert good_sessionise(checks.example_events()).to_dict() == checks._SESSIONS_EXPECTED
    f = good_funnel(checks.example_sessions(), checks.FUNNEL_START, checks.FUNNEL_END)
    assert checks._cells(checks.funnel, f, checks._FUNNEL_COLUMNS, "") == checks._FUNNEL_EXPECTED
    p = good_top_paths(checks.example_paths(), checks.PATHS_N)
    assert tuple(p.items()) == checks._PATHS_EXPECTED
    s = good_stage_thresholds(checks.example_stages(), checks.THRESHOLD_Q)
    assert checks._cells(checks.stage_thresholds, s, checks._STAGE_COLUMNS, "") == checks._STAGES_EXPECTED
    for rule_id, want in checks._TRIGGERS_EXPECTED.items():
        got = good_cart_triggers(checks.example_cart_events(), checks.example_rules(), rule_id,
                                 checks.example_products(), checks.example_customers())
        assert {int(k): (int(r.customer_id), int(r.product_id), r.fires_at, r.fulfilment_centre)
                for k, r in got.iterrows()} == want
    for args, (outcomes, broken) in checks._REPLAY_EXPECTED.items():
        r = good_replay(checks.example_triggers(), checks.example_stock(), checks.example_capacity(), *args)
        assert tuple(r.loc[list(checks._IDS), "outcome"]) == outcomes
        assert set(r.index[r["broken"]]) == broken
    h = good_handoff_breakpoints(checks.example_chats())
    assert list(h.index) == list(checks._HANDOFF_EXPECTED)
    for queue, values in checks._HANDOFF_EXPECTED.items():
        assert np.allclose(h.loc[queue, list(checks._HANDOFF_COLUMNS)].astype(float), values)


def test_method_vectors_from_the_methods_notes():
    """[self-made] vectors of the methods notes: 10:00, 10:20, 10:55, 23:50, 00:05 (+1 day) -> 1, 1, 2, 3, 4;
    with a new source at 10:20 -> 1, 2, 3, 4, 5."""
    times = ["2025-01-10 10:00", "2025-01-10 10:20", "2025-01-10 10:55", "2025-01-10 23:50", "2025-01-11 00:05"]

    def frame(sources):
        return pd.DataFrame({"event_id": range(1, 6), "event_at": pd.to_datetime(times), "visitor_id": 1,
                             "traffic_source": sources})

    assert list(good_sessionise(frame(["direct"] * 5))) == [1, 1, 2, 3, 4]
    assert list(good_sessionise(frame(["direct", "email", "email", "email", "email"]))) == [1, 2, 3, 4, 5]


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.funnel, lambda e, s, t: good_funnel(e, s, t).assign(conversion=0.1, drop_off=0.9))
    assert "0.66" not in message and "0.33" not in message
    message = failure(checks.stage_thresholds, lambda e, q: good_stage_thresholds(e, q) * 2)
    assert "4.75" not in message and "3.25" not in message
    message = failure(checks.top_paths, lambda e, n: good_top_paths(e, n) + 1)
    assert "help_view" not in message
    message = failure(checks.handoff_breakpoints, lambda c: good_handoff_breakpoints(c).assign(chat_again_7d=0.5))
    assert "0.66" not in message and "0.33" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
