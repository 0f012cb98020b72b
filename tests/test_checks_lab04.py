"""Unit tests of cxlabs.checks.lab04: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab04 import MISTAKES

from cxlabs.audit import GENESIS_HASH, canonical_row
from cxlabs.checks import lab04 as checks
from cxlabs.feedback import CheckFailed

PURPOSES = ("marketing_email", "marketing_sms", "personalisation", "analytics", "data_sharing")
QUASI_IDENTIFIERS = ["birth_decade", "postcode_area", "market"]

# --- reference answers (written independently of the check module and the notebook) ---------


def good_consent_state(events, customers, as_of):
    rows = []
    ev = events[events["event_at"] <= as_of]
    for c, regime in zip(customers["customer_id"], customers["privacy_regime"], strict=True):
        mine = ev[ev["customer_id"] == c]
        for p in sorted(PURPOSES):
            e = mine[mine["purpose"] == p]
            if len(e):
                last = e[e["event_at"] == e["event_at"].max()]
                rows.append((c, p, "withdraw" not in set(last["action"]), "event"))
            else:
                rows.append((c, p, regime != "GDPR" and p != "marketing_sms", "default"))
    return pd.DataFrame(rows, columns=["customer_id", "purpose", "consented", "basis"])


def good_retention_actions(records, schedule, as_of):
    rules = schedule.set_index("data_category")
    rows = []
    for r in records.itertuples(index=False):
        expires = r.clock_start_date + pd.DateOffset(months=int(rules.at[r.data_category, "retention_months"]))
        due = as_of >= expires and not r.legal_hold
        rows.append((r.record_id, expires, rules.at[r.data_category, "action_after"] if due else "keep"))
    return pd.DataFrame(rows, columns=["record_id", "expires_on", "action"]).set_index("record_id")


def good_dsar_due_dates(requests):
    rows = []
    for r in requests.itertuples(index=False):
        gdpr, opt_out = r.privacy_regime == "GDPR", r.request_type == "opt_out_of_sale"
        due = r.received_date + (pd.DateOffset(months=1) if gdpr else pd.Timedelta(days=45))
        if opt_out:
            due = np.busday_offset(r.received_date.date(), 15, roll="forward")
            due = pd.Timestamp(due) if r.received_date.day_of_week < 5 else pd.Timestamp(
                np.busday_offset(r.received_date.date(), 14, roll="forward"))
        valid = (bool(r.extended) and pd.notna(r.extension_notified_date) and r.extension_notified_date <= due
                 and not opt_out and r.extension_reason in ("complex_request", "several_requests"))
        final = r.received_date + (pd.DateOffset(months=3) if gdpr else pd.Timedelta(days=90)) if valid else due
        rows.append((r.request_id, due, valid, final))
    return pd.DataFrame(rows, columns=["request_id", "due_date", "extension_valid", "final_due_date"]).set_index(
        "request_id")


def good_sla_compliance(requests, as_of):
    out = {}
    for market, g in requests[requests["received_date"] <= as_of].groupby("market"):
        done = g["completed_date"] <= as_of
        on = int((done & (g["completed_date"] <= g["final_due_date"])).sum())
        late = int((done & (g["completed_date"] > g["final_due_date"])).sum())
        over = int((~done & (g["final_due_date"] < as_of)).sum())
        out[market] = (on + late + over, on, late, over, on / (on + late + over))
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["due", "on_time", "late", "overdue", "compliance"])
    frame.index.name = "market"
    return frame.sort_values("compliance")


def good_subject_export(customer_id, identity_graph, sources):
    mine = identity_graph[identity_graph["customer_id"] == customer_id]
    parts = []
    for system, record_id in sorted(zip(mine["system"], mine["record_id"], strict=True)):
        table = sources[system]
        parts.append(table[table["record_id"] == record_id].assign(system=system))
    out = pd.concat(parts, ignore_index=True)
    return out[["system"] + [c for c in out.columns if c != "system"]]


def _h(prev, row):
    return hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest()


def good_append_to_log(log, entries):
    rows = log.to_dict("records")
    prev = rows[-1]["row_hash"] if rows else GENESIS_HASH
    seq = rows[-1]["seq"] if rows else 0
    for e in entries.to_dict("records"):
        seq += 1
        row = {"seq": seq, **e}
        prev = row["row_hash"] = _h(prev, row)
        rows.append(row)
    return pd.DataFrame(rows, columns=log.columns)


def good_tampered_rows(log):
    rows = log.sort_values("seq").to_dict("records")
    return [r["seq"] for i, r in enumerate(rows)
            if _h(rows[i - 1]["row_hash"] if i else GENESIS_HASH, r) != r["row_hash"]]


def good_minimisation(use_case_fields):
    rows = []
    for uc, g in use_case_fields.groupby("use_case"):
        req, need = set(g.loc[g["requested"], "field"]), set(g.loc[g["needed"], "field"])
        rows.append((uc, len(req), len(need), len(req - need), len(need - req), len(req - need) / len(req),
                     ", ".join(sorted(req - need))))
    out = pd.DataFrame(rows, columns=["use_case", "requested", "needed", "excess", "missing", "excess_share",
                                      "excess_fields"])
    return out.sort_values(["excess_share", "use_case"], ascending=[False, True]).set_index("use_case")


def good_k_anonymise(extract, k):
    letters = extract["postcode"].str.replace(r"[^A-Z].*$", "", regex=True)
    out = extract.assign(birth_decade=extract["birth_year"] - extract["birth_year"] % 10,
                         postcode_area=letters.where(letters != "", extract["postcode"].str.slice(0, 1)))
    size = out.groupby(QUASI_IDENTIFIERS)["segment"].transform("count")
    cols = ["birth_decade", "postcode_area", "market", "segment", "orders_2025", "tickets_2025"]
    return out.loc[size >= k, cols].reset_index(drop=True)


def good_transparency_figures(requests, year):
    r = requests[requests["received_date"].dt.year == year].copy()
    r["days"] = (r["completed_date"] - r["received_date"]) / pd.Timedelta(days=1)
    return r.groupby(["privacy_regime", "request_type"]).agg(
        received=("request_id", "size"), completed=("completed_date", "count"), median_days=("days", "median"))


RIGHT = [
    (checks.consent_state, good_consent_state),
    (checks.retention_actions, good_retention_actions),
    (checks.dsar_due_dates, good_dsar_due_dates),
    (checks.sla_compliance, good_sla_compliance),
    (checks.subject_export, good_subject_export),
    (checks.append_to_log, good_append_to_log),
    (checks.tampered_rows, good_tampered_rows),
    (checks.minimisation, good_minimisation),
    (checks.k_anonymise, good_k_anonymise),
    (checks.transparency_figures, good_transparency_figures),
]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {"ex1_answer": checks.consent_state, "ex2_answer": checks.retention_actions,
                   "ex3_answer": checks.dsar_due_dates, "ex4_answer": checks.sla_compliance,
                   "ex5_answer": checks.subject_export, "ex6a_answer": checks.append_to_log,
                   "ex6b_answer": checks.tampered_rows, "ex7_answer": checks.minimisation,
                   "ex8_answer": checks.k_anonymise, "ex9_answer": checks.transparency_figures}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "hashlib": hashlib, "canonical_row": canonical_row,
                 "GENESIS_HASH": GENESIS_HASH, "PURPOSES": PURPOSES, "QUASI_IDENTIFIERS": QUASI_IDENTIFIERS}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # ex1: rows in another order, an extra column
    checks.consent_state.check(lambda e, c, a: good_consent_state(e, c, a).iloc[::-1].assign(x=1))
    # ex2 and ex3: any row order of the index
    checks.retention_actions.check(lambda r, s, a: good_retention_actions(r, s, a).iloc[::-1])
    checks.dsar_due_dates.check(lambda r: good_dsar_due_dates(r).sample(frac=1, random_state=1))
    # ex6b: a tuple or an array of seq numbers
    checks.tampered_rows.check(lambda log: np.array(good_tampered_rows(log), dtype=int))


def test_checks_use_fresh_examples():
    def mutating(events, customers, as_of):
        events["action"] = "grant"
        return good_consent_state(events, customers, as_of)

    with pytest.raises(CheckFailed):
        checks.consent_state.check(mutating)
    checks.consent_state.check(good_consent_state)


# --- wrong types (unanswered, crashing and non-functions: tests/test_feedback_pointers.py) ----

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: "done")
    assert "returned str" in message or "list of seq numbers" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.retention_actions, lambda r, s, a: r["expiry"])
    assert "missing column" in failure(checks.dsar_due_dates,
                                       lambda r: good_dsar_due_dates(r).drop(columns="extension_valid"))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the course issue lists for lab 04 are all in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("30 days", "earliest", "tie rule", "without events", "off by one",
                   "without the previous hash", "without the market"):
        assert phrase in text, phrase


# --- the worked examples can tell right from wrong ---------------------------------------------

def test_worked_examples_are_well_posed():
    events = checks.example_consent_events()
    assert not events["event_at"].is_monotonic_increasing, "rows are out of time order"
    ties = events[events.duplicated(["customer_id", "purpose", "event_at"], keep=False)]
    assert len(ties) == 4 and set(ties["action"]) == {"grant", "withdraw"}
    # in both ties the grant comes after the withdraw in row order AND in event_id
    for _, g in ties.groupby(["customer_id", "purpose"]):
        assert list(g["action"]) == ["withdraw", "grant"] and g["event_id"].is_monotonic_increasing
    requests = checks.example_requests()
    days = set(requests["received_date"].dt.strftime("%m-%d"))
    assert {"01-31", "02-29"} <= days and (requests["received_date"].dt.day_of_week >= 5).any()
    assert set(good_k_anonymise(checks.example_extract(), 3)["postcode_area"]) >= {"1", "SW"}
    # the opt-outs are received on a Friday and on a Wednesday at the end of a year; one is extended
    opt = requests[requests["request_type"] == "opt_out_of_sale"]
    assert {4, 2} <= set(opt["received_date"].dt.day_of_week) and opt["extended"].any()
    assert set(requests["extension_reason"].dropna()) == {"complex_request", "several_requests", "team_backlog"}


def test_hand_worked_answers_match_the_references():
    got = good_consent_state(checks.example_consent_events(), checks.example_customers(), checks.CONSENT_AS_OF)
    pd.testing.assert_frame_equal(got, checks._CONSENT_EXPECTED, check_dtype=False)
    records, schedule = checks.example_retention()
    ret = good_retention_actions(records, schedule, checks.RETENTION_AS_OF)
    assert [(str(ret.at[r[0], "expires_on"].date()), ret.at[r[0], "action"]) for r in checks._RECORDS] == \
        [(r[5], r[6]) for r in checks._RECORDS]
    due = good_dsar_due_dates(checks.example_requests())
    assert [(str(due.at[r[0], "due_date"].date()), due.at[r[0], "extension_valid"],
             str(due.at[r[0], "final_due_date"].date())) for r in checks._REQUESTS] == \
        [(r[8], r[9], r[10]) for r in checks._REQUESTS]
    pd.testing.assert_frame_equal(good_sla_compliance(checks.example_sla_requests(), checks.SLA_AS_OF),
                                  checks._SLA, check_dtype=False)
    log = checks.example_log()
    assert good_tampered_rows(log) == []
    appended = good_append_to_log(log, checks.example_entries())
    assert list(appended["row_hash"].iloc[5:]) == list(checks._NEW_HASHES)
    pd.testing.assert_frame_equal(good_minimisation(checks.example_use_cases()), checks._MINIMISATION,
                                  check_dtype=False)
    pd.testing.assert_frame_equal(good_transparency_figures(checks.example_transparency_requests(), 2025),
                                  checks._TRANSPARENCY, check_dtype=False)
    release = good_k_anonymise(checks.example_extract(), 3)
    assert list(zip(release["birth_decade"], release["postcode_area"], release["market"], release["orders_2025"],
                    strict=True)) == list(checks._KANON_RELEASE)


def test_stored_example_hashes_are_a_valid_chain():
    log = checks.example_log()
    prev = GENESIS_HASH
    for row in log.to_dict("records"):
        prev = _h(prev, row)
        assert row["row_hash"] == prev
    entries = checks.example_entries().assign(seq=[6, 7])
    assert [hashlib.sha256(canonical_row(r).encode()).hexdigest() for r in entries.to_dict("records")] == \
        list(checks._NEW_HASHES_NO_PREV)


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    records, _ = checks.example_retention()
    message = failure(checks.retention_actions,
                      lambda r, s, a: good_retention_actions(r, s, a).assign(action="keep"))
    assert "anonymise" not in message or "delete, anonymise or aggregate" in message
    message = failure(checks.dsar_due_dates,
                      lambda r: good_dsar_due_dates(r).assign(due_date=lambda d: d["due_date"] + pd.Timedelta(days=2)))
    for r in checks._REQUESTS:
        assert r[8] not in message
    message = failure(checks.append_to_log,
                      lambda log, e: good_append_to_log(log, e).assign(row_hash=lambda d: d["row_hash"].str.upper()))
    assert not any(h in message or h.upper() in message for h in checks._NEW_HASHES)
    message = failure(checks.sla_compliance,
                      lambda r, a: good_sla_compliance(r, a).assign(compliance=0.5))
    assert "0.25" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
