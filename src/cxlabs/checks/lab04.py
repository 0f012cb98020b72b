"""Visible checks and hints for Lab 04, *Privacy, consent and data-subject rights*.

Every check runs the learner's function on a small hand-made example (print it:
``example_consent_events()``, ``example_customers()``, ``example_retention()``,
``example_requests()``, ``example_sla_requests()``, ``example_identity()``,
``example_log()``, ``example_use_cases()``, ``example_extract()``), compares the result
with the answer worked out by hand, and, when it is wrong, says which common mistake it
looks like. No check prints the expected values.

>>> from cxlabs.checks import lab04 as checks
>>> checks.consent_state.hint()                 # doctest: +SKIP
>>> checks.consent_state.check(consent_state)   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type, same

__all__ = ["consent_state", "retention_actions", "dsar_due_dates", "sla_compliance",
           "subject_export", "append_to_log", "tampered_rows", "minimisation", "k_anonymise",
           "transparency_figures", "example_customers", "example_consent_events",
           "example_retention", "example_requests", "example_sla_requests", "example_identity",
           "example_log", "example_entries", "example_use_cases", "example_extract",
           "example_transparency_requests", "CONSENT_AS_OF", "RETENTION_AS_OF", "SLA_AS_OF"]

T = pd.Timestamp
PURPOSES = ("marketing_email", "marketing_sms", "personalisation", "analytics", "data_sharing")


def _dates(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    return frame


def _as_dates(ex: Exercise, s: pd.Series, what: str) -> pd.Series:
    try:
        return pd.to_datetime(s).dt.normalize()
    except (TypeError, ValueError):
        raise ex.fail(f"{what} should hold dates (datetime64), got {s.dtype}.") from None


def _strings(values) -> list[str]:
    return ["<missing>" if pd.isna(v) else str(pd.Timestamp(v).date()) if isinstance(v, pd.Timestamp)
            else str(v) for v in values]


# --------------------------------------------------------------------------------------------
# Exercise 1: consent state per customer and purpose
# --------------------------------------------------------------------------------------------

#: The worked example's reporting moment for exercise 1.
CONSENT_AS_OF = T("2024-06-30 23:59:59")

_CONSENT_ROWS = (  # event_id, customer, purpose, action, time
    (1, 2, "marketing_sms", "withdraw", "2024-01-05 09:00"),
    (2, 1, "marketing_email", "grant", "2024-01-10 14:30"),
    (3, 3, "data_sharing", "withdraw", "2024-02-02 12:00"),
    (4, 3, "data_sharing", "grant", "2024-02-02 12:00"),
    (5, 1, "analytics", "withdraw", "2024-02-01 10:00"),
    (6, 1, "analytics", "grant", "2024-02-01 10:00"),
    (7, 1, "marketing_email", "withdraw", "2024-03-01 08:15"),
    (8, 2, "personalisation", "withdraw", "2024-04-01 18:00"),
    (9, 2, "marketing_sms", "grant", "2024-05-05 11:45"),
    (10, 1, "personalisation", "grant", "2024-07-15 10:00"),
)
_CONSENT_ORDER = (6, 2, 9, 0, 4, 7, 3, 1, 8, 5)


def example_customers() -> pd.DataFrame:
    """Worked example for exercise 1: five customers in the shape of ``customers`` (a few columns)."""
    return pd.DataFrame({"customer_id": [1, 2, 3, 4, 5],
                         "market": ["DE", "US-CA", "US-TX", "UK", "US-CA"],
                         "privacy_regime": ["GDPR", "CCPA", "US-other", "GDPR", "CCPA"]})


def example_consent_events(shuffled: bool = True) -> pd.DataFrame:
    """Worked example for exercise 1: ten consent events (rows out of time order unless ``shuffled=False``).

    Customers 4 and 5 have no events at all; two customer-purposes have a same-time tie.
    """
    rows = [(e, c, p, a, T(t), "web") for e, c, p, a, t in _CONSENT_ROWS]
    frame = pd.DataFrame(rows, columns=["event_id", "customer_id", "purpose", "action", "event_at", "source"])
    frame = _dates(frame, ["event_at"])
    return frame.iloc[list(_CONSENT_ORDER)].reset_index(drop=True) if shuffled else frame


#: customer -> default consent of every purpose but marketing_sms (not consented under GDPR,
#: consented in the US), worked out by hand; marketing_sms defaults to not consented everywhere
_CONSENT_DEFAULT = {1: False, 2: True, 3: True, 4: False, 5: True}
#: The worked example's answer, worked out by hand: (customer, purpose, consented, basis), sorted.
#: Customer 1 (GDPR): email granted then withdrawn; analytics a same-instant tie (withdraw wins);
#: personalisation granted only after as_of. Customer 2 (CCPA): sms withdrawn then granted again;
#: personalisation withdrawn. Customer 3 (US-other): data_sharing a tie. Customers 4 and 5: no events.
_CONSENT_EXPECTED = pd.DataFrame([
    (1, "analytics", False, "event"), (1, "data_sharing", False, "default"),
    (1, "marketing_email", False, "event"), (1, "marketing_sms", False, "default"),
    (1, "personalisation", False, "default"),
    (2, "analytics", True, "default"), (2, "data_sharing", True, "default"),
    (2, "marketing_email", True, "default"), (2, "marketing_sms", True, "event"),
    (2, "personalisation", False, "event"),
    (3, "analytics", True, "default"), (3, "data_sharing", False, "event"),
    (3, "marketing_email", True, "default"), (3, "marketing_sms", False, "default"),
    (3, "personalisation", True, "default"),
    (4, "analytics", False, "default"), (4, "data_sharing", False, "default"),
    (4, "marketing_email", False, "default"), (4, "marketing_sms", False, "default"),
    (4, "personalisation", False, "default"),
    (5, "analytics", True, "default"), (5, "data_sharing", True, "default"),
    (5, "marketing_email", True, "default"), (5, "marketing_sms", False, "default"),
    (5, "personalisation", True, "default"),
], columns=["customer_id", "purpose", "consented", "basis"])


def _check_consent_state(ex: Exercise, func) -> None:
    answer = call(ex, func, example_consent_events(), example_customers(), CONSENT_AS_OF)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per customer and purpose")
    expect_columns(ex, answer, ["customer_id", "purpose", "consented", "basis"])
    got = answer[["customer_id", "purpose", "consented", "basis"]].copy()
    pairs = set(zip(got["customer_id"].astype(int), got["purpose"].astype(str), strict=True))
    if {4, 5} - {c for c, _ in pairs}:
        raise ex.fail("customers with no consent events are missing. Every customer gets a row for "
                      "every purpose: when there is no event, the default applies (see the table in "
                      "the task).")
    if len(got) != 25 or len(pairs) != 25:
        raise ex.fail(f"expected one row per customer and purpose (5 customers x 5 purposes = 25 rows "
                      f"in the worked example); you have {len(got)} rows. Use the PURPOSES list for "
                      "the purposes.")
    if got["consented"].isna().any():
        raise ex.fail("some rows have no consented value: the default was not applied to customer-"
                      "purposes without an event.")
    got = got.sort_values(["customer_id", "purpose"], ignore_index=True)
    got["consented"] = got["consented"].astype(bool)
    cell = {(int(c), str(p)): bool(v) for c, p, v in zip(got["customer_id"], got["purpose"], got["consented"],
                                                          strict=True)}
    others = [p for p in PURPOSES if p != "marketing_sms"]
    if cell[(5, "marketing_sms")] and all(cell[(5, p)] for p in others) and not cell[(4, "marketing_email")]:
        raise ex.fail("marketing_sms defaults to consented in the US. Marketing texts need prior "
                      "(express written) consent in every regime: with no event, marketing_sms is "
                      "not consented, also under CCPA and US-other.")
    defaults = {c: [cell[(c, p)] for p in others] for c in (4, 5)}
    if not all(v == [_CONSENT_DEFAULT[c]] * 4 for c, v in defaults.items()) or cell[(4, "marketing_sms")]:
        raise ex.fail("the default is wrong for customers with no events: under GDPR no purpose is "
                      "consented; under CCPA and US-other every purpose but marketing_sms is consented "
                      "until the customer withdraws.")
    if cell[(1, "marketing_email")] and not cell[(2, "marketing_sms")]:
        raise ex.fail("you kept the EARLIEST event of each customer and purpose. The latest decision "
                      "wins: sort by event_at and keep the last one.")
    if cell[(1, "personalisation")]:
        raise ex.fail("an event after the as_of moment changed the state. Keep only events with "
                      "event_at <= as_of.")
    if cell[(1, "analytics")] or cell[(3, "data_sharing")]:
        raise ex.fail("the tie rule is not applied: when a grant and a withdraw share the latest "
                      "timestamp, withdraw wins. Do not let row order or event_id decide.")
    expected = _CONSENT_EXPECTED
    if not same(got["consented"].astype(int), expected["consented"].astype(int)):
        raise ex.fail("some consent states are wrong. Latest event up to as_of wins (withdraw wins "
                      "ties); no event: the default of the customer's privacy_regime and the purpose.")
    if not same(got["basis"].astype(str), expected["basis"]):
        raise ex.fail("the basis column is wrong: 'event' where an event up to as_of decided the "
                      "state, 'default' where none did.")


consent_state = Exercise(
    "1", "consent state per customer and purpose", "Part 1, 'Who may we contact?'",
    (
        "Start from every (customer, purpose) pair, not from the events: customers who never "
        "decided anything still have a consent state, the default of their privacy regime and "
        "the purpose.",
        "Keep events up to as_of, sort by customer, purpose and event_at, and keep the last event "
        "per customer and purpose. For ties, add a sort key that puts withdraw after grant.",
        "Build the grid with pd.MultiIndex.from_product([customers['customer_id'], PURPOSES]), "
        "left-merge the latest events onto it, then fill missing states with "
        "(privacy_regime != 'GDPR') & (purpose != 'marketing_sms').",
    ),
    _check_consent_state,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: retention actions on an as-of date
# --------------------------------------------------------------------------------------------

#: The worked example's retention run for exercise 2.
RETENTION_AS_OF = T("2026-01-15")

_SCHEDULE = (("call_recordings", "support", "call date", 6, "delete", "legitimate_interest"),
             ("order_history", "ecom", "order date", 84, "anonymise", "legal_obligation"),
             ("web_analytics", "ecom", "session date", 14, "aggregate", "consent"))
_RECORDS = (  # record, customer, category, clock start, hold, expires_on, action (by hand)
    ("R1", 11, "call_recordings", "2025-07-14", False, "2026-01-14", "delete"),
    ("R2", 12, "call_recordings", "2025-07-15", False, "2026-01-15", "delete"),
    ("R3", 13, "call_recordings", "2025-07-16", False, "2026-01-16", "keep"),
    ("R4", 14, "order_history", "2019-01-15", False, "2026-01-15", "anonymise"),
    ("R5", 15, "web_analytics", "2024-11-20", False, "2026-01-20", "keep"),
    ("R6", 16, "web_analytics", "2024-08-31", False, "2025-10-31", "aggregate"),
    ("R7", 17, "order_history", "2018-06-01", True, "2025-06-01", "keep"),
    ("R8", 18, "call_recordings", "2025-08-31", False, "2026-02-28", "keep"),
)
_RECORD_ORDER = (4, 1, 7, 0, 6, 3, 5, 2)


def example_retention() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Worked example for exercise 2: ``(records, schedule)`` shaped like ``retention_records`` and
    ``retention_schedule``, applied on ``RETENTION_AS_OF``."""
    schedule = pd.DataFrame(list(_SCHEDULE), columns=["data_category", "system", "clock_starts",
                                                      "retention_months", "action_after", "legal_basis"])
    records = pd.DataFrame([r[:5] for r in _RECORDS], columns=["record_id", "customer_id", "data_category",
                                                               "clock_start_date", "legal_hold"])
    records = _dates(records, ["clock_start_date"])
    return records.iloc[list(_RECORD_ORDER)].reset_index(drop=True), schedule


def _check_retention_actions(ex: Exercise, func) -> None:
    records, schedule = example_retention()
    answer = call(ex, func, records, schedule, RETENTION_AS_OF)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by record_id")
    expect_columns(ex, answer, ["expires_on", "action"])
    ids = [r[0] for r in _RECORDS]
    if sorted(map(str, answer.index)) != ids:
        raise ex.fail("the index should be the record_id, one row per record (also for records "
                      "that are kept).")
    got = answer.copy()
    got.index = got.index.astype(str)
    got = got.loc[ids]
    expires = _strings(_as_dates(ex, got["expires_on"], "expires_on"))
    action = dict(zip(ids, got["action"].astype(str), strict=True))
    if expires[4] == "2026-01-14" or expires[7] == "2026-02-27":
        raise ex.fail("your expiry dates count a month as 30 days. Retention periods are calendar "
                      "months: clock_start_date + pd.DateOffset(months=retention_months).")
    if expires != [r[5] for r in _RECORDS]:
        raise ex.fail("some expires_on dates are wrong: expires_on = clock_start_date plus "
                      "retention_months calendar months of the record's category (pd.DateOffset, "
                      "which clips 31 August + 6 months to the end of February).")
    if action["R2"] == "keep" and action["R1"] != "keep":
        raise ex.fail("a record whose retention ends ON the as-of date was kept: the action is due "
                      "on the expiry day itself (as_of >= expires_on), not only the day after.")
    if action["R3"] != "keep":
        raise ex.fail("a record whose retention ends the day AFTER the as-of date was actioned: it "
                      "must be kept until then (as_of >= expires_on).")
    if action["R7"] != "keep":
        raise ex.fail("a record under legal hold was actioned. Legal hold overrides the schedule: "
                      "keep it, whatever its expiry.")
    if action != {r[0]: r[6] for r in _RECORDS}:
        raise ex.fail("some actions are wrong: when due, the action is the category's action_after "
                      "(delete, anonymise or aggregate), otherwise 'keep'.")


retention_actions = Exercise(
    "2", "retention actions on the as-of date", "Part 2, 'How long do we keep it?'",
    (
        "Bring each record's retention_months and action_after next to it (merge on "
        "data_category), then work out the day its retention ends.",
        "expires_on = clock_start_date + pd.DateOffset(months=n). A Series plus a DateOffset only "
        "works with one n at a time: group by retention_months, or loop over the few categories.",
        "The action is due when as_of >= expires_on and the record is not under legal_hold; "
        "otherwise 'keep'. np.where(due, action_after, 'keep').",
    ),
    _check_retention_actions,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: DSAR due dates
# --------------------------------------------------------------------------------------------

_REQUESTS = (  # id, regime, market, type, received, extended, notice, reason, due, valid, final (by hand)
    (1, "GDPR", "UK", "access", "2024-01-31", False, None, None, "2024-02-29", False, "2024-02-29"),
    (2, "GDPR", "DE", "access", "2024-02-29", False, None, None, "2024-03-29", False, "2024-03-29"),
    (3, "GDPR", "FR", "deletion", "2025-01-31", False, None, None, "2025-02-28", False, "2025-02-28"),
    (4, "GDPR", "UK", "access", "2024-03-30", True, "2024-04-10", "complex_request",
     "2024-04-30", True, "2024-06-30"),
    (5, "CCPA", "US-CA", "access", "2024-08-31", False, None, None, "2024-10-15", False, "2024-10-15"),
    (6, "CCPA", "US-CA", "deletion", "2024-01-10", True, "2024-02-01", "complex_request",
     "2024-02-24", True, "2024-04-09"),
    (7, "GDPR", "NL", "access", "2024-05-15", True, "2024-06-20", "complex_request",
     "2024-06-15", False, "2024-06-15"),
    (8, "US-other", "US-TX", "access", "2025-03-01", False, None, None, "2025-04-15", False, "2025-04-15"),
    (9, "CCPA", "US-CA", "opt_out_of_sale", "2025-03-07", False, None, None, "2025-03-28", False, "2025-03-28"),
    (10, "CCPA", "US-CA", "opt_out_of_sale", "2024-06-15", True, "2024-06-20", "complex_request",
     "2024-07-05", False, "2024-07-05"),
    (11, "GDPR", "DE", "access", "2024-09-02", True, "2024-09-20", "team_backlog",
     "2024-10-02", False, "2024-10-02"),
    (12, "US-other", "US-NY", "opt_out_of_sale", "2025-12-31", False, None, None, "2026-01-21", False, "2026-01-21"),
    (13, "GDPR", "UK", "correction", "2024-11-04", True, "2024-11-20", "several_requests",
     "2024-12-04", True, "2025-02-04"),
)
_REQUEST_ORDER = (3, 0, 9, 6, 12, 1, 7, 4, 11, 2, 10, 5, 8)


def example_requests() -> pd.DataFrame:
    """Worked example for exercise 3: thirteen requests shaped like ``dsar_requests`` (31 January,
    29 February, weekend receipts, opt-outs of sale/sharing, a late extension notice, extensions
    for each reason)."""
    rows = [(i, 100 + i, m, reg, kind, T(rec), ext, notice and T(notice), reason, None)
            for i, reg, m, kind, rec, ext, notice, reason, *_ in _REQUESTS]
    frame = pd.DataFrame(rows, columns=["request_id", "customer_id", "market", "privacy_regime",
                                        "request_type", "received_date", "extended",
                                        "extension_notified_date", "extension_reason", "completed_date"])
    frame["extension_reason"] = frame["extension_reason"].astype("str")
    frame = _dates(frame, ["received_date", "extension_notified_date", "completed_date"])
    return frame.iloc[list(_REQUEST_ORDER)].reset_index(drop=True)


def _check_dsar_due_dates(ex: Exercise, func) -> None:
    answer = call(ex, func, example_requests())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by request_id")
    expect_columns(ex, answer, ["due_date", "extension_valid", "final_due_date"])
    ids = [r[0] for r in _REQUESTS]
    if sorted(int(i) for i in answer.index) != ids:
        raise ex.fail("the index should be the request_id, one row per request.")
    got = answer.copy()
    got.index = got.index.astype(int)
    got = got.loc[ids]
    due = _strings(_as_dates(ex, got["due_date"], "due_date"))
    final = _strings(_as_dates(ex, got["final_due_date"], "final_due_date"))
    by_id = dict(zip(ids, due, strict=True))
    if by_id[1] == "2024-03-01" or by_id[3] == "2025-03-02":
        raise ex.fail("your GDPR due dates are 30 days after receipt. GDPR gives one CALENDAR month: "
                      "received_date + pd.DateOffset(months=1), so 31 January is due on the last day "
                      "of February.")
    if by_id[4] == "2024-05-01" or by_id[5] == "2024-10-17":
        raise ex.fail("the clock of a request received at the weekend started on the next working "
                      "day. It starts on the day of receipt, whatever day that is.")
    if by_id[9] == "2025-04-21" or by_id[12] == "2026-02-14":
        raise ex.fail("opt-outs of sale/sharing got the 45 days of the other US requests. The CCPA "
                      "regulations give them 15 BUSINESS days, no extension (11 CCR 7026(f)): "
                      "received_date + pd.offsets.BDay(15).")
    if by_id[9] == "2025-03-22" or by_id[12] == "2026-01-15":
        raise ex.fail("opt-outs of sale/sharing are due 15 BUSINESS days after receipt (Monday to "
                      "Friday), not 15 calendar days: received_date + pd.offsets.BDay(15).")
    if by_id[9] != "2025-03-28" or by_id[12] != "2026-01-21":
        raise ex.fail("the due dates of opt-outs of sale/sharing are wrong: received_date + "
                      "pd.offsets.BDay(15), whatever the regime (CCPA or US-other).")
    if by_id[5] != "2024-10-15" or by_id[8] != "2025-04-15":
        raise ex.fail("the CCPA / other-US due dates are wrong: 45 calendar days after receipt "
                      "(received_date + pd.Timedelta(days=45)) for every request but an opt-out.")
    if due != [r[8] for r in _REQUESTS]:
        raise ex.fail("some due dates are wrong: GDPR received + 1 calendar month; CCPA and other "
                      "US states received + 45 days, or 15 business days for an opt-out.")
    valid = dict(zip(ids, (bool(v) for v in got["extension_valid"]), strict=True))
    if valid[7]:
        raise ex.fail("an extension notified AFTER the original due date was accepted. An extension "
                      "only counts when extended is True and the notice went out on or before "
                      "the due date.")
    if valid[10]:
        raise ex.fail("an extension of an opt-out of sale/sharing was accepted: opt-outs cannot be "
                      "extended (11 CCR 7026(f)).")
    if valid[11]:
        raise ex.fail("an extension that gives the team's backlog as its reason was accepted. Only "
                      "complex_request and several_requests are accepted reasons.")
    if not valid[13] and valid[4]:
        raise ex.fail("an extension for several_requests was refused: it is an accepted reason, like "
                      "complex_request.")
    if list(valid.values()) != [r[9] for r in _REQUESTS]:
        raise ex.fail("extension_valid is wrong: extended AND extension_notified_date <= due_date AND "
                      "an accepted reason AND not an opt-out of sale/sharing.")
    final_by_id = dict(zip(ids, final, strict=True))
    if final_by_id[4] == "2024-06-28":
        raise ex.fail("the GDPR extension was added as 60 days. It is two further calendar months: "
                      "the final due date is received_date + pd.DateOffset(months=3).")
    if final == due:
        raise ex.fail("final_due_date ignores the extensions: with a valid extension it moves to "
                      "received + 3 calendar months (GDPR) or received + 90 days (CCPA, other US).")
    if final != [r[10] for r in _REQUESTS]:
        raise ex.fail("final_due_date is wrong: with a valid extension, GDPR received + 3 calendar "
                      "months, CCPA and other US states received + 90 days; otherwise due_date.")


dsar_due_dates = Exercise(
    "3", "DSAR due dates", "Part 3, 'When is a request due?'",
    (
        "Three clocks: GDPR counts calendar months, the other US requests calendar days, an "
        "opt-out of sale/sharing business days.",
        "received_date + pd.DateOffset(months=1) moves to the same day next month and clips to the "
        "month's end (31 January -> 28 or 29 February). Days: + pd.Timedelta(days=45). Business "
        "days: + pd.offsets.BDay(15).",
        "An extension is valid when extended is True, extension_notified_date <= due_date (a "
        "comparison with a missing notice gives False), extension_reason is complex_request or "
        "several_requests, and the request is not an opt-out. Then the final due date is "
        "received + 3 months (GDPR) or + 90 days; else the due date.",
    ),
    _check_dsar_due_dates,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: SLA compliance by market
# --------------------------------------------------------------------------------------------

#: The worked example's reporting day for exercise 4.
SLA_AS_OF = T("2024-06-30")

_SLA_ROWS = (  # id, market, received, final due, completed
    (1, "UK", "2024-04-02", "2024-05-02", "2024-05-02"),   # on the due day: on time
    (2, "UK", "2024-04-05", "2024-05-05", "2024-05-06"),   # a day late
    (3, "UK", "2024-05-01", "2024-06-01", None),           # open, overdue
    (4, "UK", "2024-06-10", "2024-07-10", None),           # open, not due yet
    (5, "UK", "2024-07-05", "2024-08-05", "2024-07-20"),   # received after the reporting day
    (6, "UK", "2024-05-20", "2024-06-20", "2024-07-02"),   # done after the reporting day: overdue then
    (7, "FR", "2024-03-01", "2024-04-01", "2024-03-15"),   # on time
    (8, "FR", "2024-06-20", "2024-07-20", "2024-07-05"),   # done after the reporting day, not due yet
)
_SLA = pd.DataFrame({"due": [4, 1], "on_time": [1, 1], "late": [1, 0], "overdue": [2, 0],
                     "compliance": [0.25, 1.0]}, index=pd.Index(["UK", "FR"], name="market"))
_SLA_COLUMNS = ["due", "on_time", "late", "overdue", "compliance"]


def example_sla_requests() -> pd.DataFrame:
    """Worked example for exercise 4: requests with their ``final_due_date`` already worked out."""
    frame = pd.DataFrame([(i, m, "GDPR", T(r), T(d), c and T(c)) for i, m, r, d, c in _SLA_ROWS],
                         columns=["request_id", "market", "privacy_regime", "received_date",
                                  "final_due_date", "completed_date"])
    return _dates(frame, ["received_date", "final_due_date", "completed_date"]).iloc[::-1].reset_index(drop=True)


def _check_sla_compliance(ex: Exercise, func) -> None:
    answer = call(ex, func, example_sla_requests(), SLA_AS_OF)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by market")
    expect_columns(ex, answer, _SLA_COLUMNS)
    if sorted(map(str, answer.index)) != ["FR", "UK"]:
        raise ex.fail("the index should be the market, one row per market.")
    got = answer.copy()
    got.index = got.index.astype(str)
    got = got.loc[["UK", "FR"], _SLA_COLUMNS].astype(float)
    uk = got.loc["UK"]
    if uk["on_time"] == 0 and uk["late"] == 2:
        raise ex.fail("a request completed ON its due date was counted late. On time means "
                      "completed_date <= final_due_date.")
    if uk["overdue"] == 0:
        raise ex.fail("open requests past their due date are missing. A request still open on as_of "
                      "with final_due_date < as_of is overdue, and counts against compliance.")
    if uk["late"] == 2 and uk["overdue"] == 1:
        raise ex.fail("a completion AFTER the reporting day was used. On as_of that request was still "
                      "open: treat completed_date > as_of as not completed yet.")
    if uk["due"] == 5 or got.loc["FR", "due"] == 2:
        raise ex.fail("requests not yet due were counted. Leave out requests received after as_of "
                      "and open requests whose due date has not passed.")
    if not same(got, _SLA.astype(float)):
        raise ex.fail("the counts or the compliance are wrong: due = on_time + late + overdue; "
                      "compliance = on_time / due.")
    if [str(i) for i in answer.index] != ["UK", "FR"]:
        raise ex.fail("the numbers are right but the rows are not sorted: lowest compliance first.")


sla_compliance = Exercise(
    "4", "SLA compliance by market", "Part 3, 'Are we answering in time?'",
    (
        "First decide, for each request, what it looked like on as_of: not received yet, open, or "
        "completed (a completion after as_of had not happened yet).",
        "on_time: completed (by as_of) and completed_date <= final_due_date; late: completed after "
        "its due date; overdue: still open on as_of and final_due_date < as_of. Everything else is "
        "not due yet and is left out.",
        "Make three boolean columns, groupby('market').sum(), then due = the sum of the three and "
        "compliance = on_time / due; sort_values('compliance').",
    ),
    _check_sla_compliance,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: one subject's export through the identity graph
# --------------------------------------------------------------------------------------------

_SOURCE_COLUMNS = ["record_id", "first_name", "last_name", "email", "phone", "street", "city",
                   "postcode", "birth_year", "created_at", "updated_at"]
_SOURCE_ROWS = {
    "crm": (("CRM-1", "Anna", "Weber", "anna.weber@gmx.de", "+4915112345678"),
            ("CRM-2", "Lena", "Weber", "anna.weber@gmx.de", "+4915187654321")),
    "ecom": (("WEB-7", "Anna", "Weber", "Anna.Weber@GMX.de ", None),
             ("WEB-8", "Paul", "Klein", "paul.klein@web.de", None)),
    "loyalty": (("LOY-4", "PAUL", "KLEIN", None, "4915100000001"),),
    "support": (("SUP-3", "Anni", "Weber", "anna.weber+shop@gmx.de", None),
                ("SUP-9", "Anna", "Webr", None, "+49 1511 2345678")),
}
_GRAPH = (("crm", "CRM-1", 42), ("crm", "CRM-2", 43), ("ecom", "WEB-7", 42), ("ecom", "WEB-8", 44),
          ("loyalty", "LOY-4", 44), ("support", "SUP-3", 42), ("support", "SUP-9", 42))
_EXPORT = [("crm", "CRM-1"), ("ecom", "WEB-7"), ("support", "SUP-3"), ("support", "SUP-9")]


def example_identity() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Worked example for exercise 5: ``(identity_graph, sources)`` for customers 42, 43 and 44.

    Customer 42's email differs between systems and customer 43 (a relative) shares it in CRM.
    """
    graph = pd.DataFrame(list(_GRAPH), columns=["system", "record_id", "customer_id"]).assign(
        link_method="probabilistic").iloc[::-1].reset_index(drop=True)
    sources = {}
    for system, rows in _SOURCE_ROWS.items():
        frame = pd.DataFrame([r + ("1 Elm Street", "Berlin", "10115", pd.NA, T("2024-01-05"), T("2025-03-01"))
                              for r in rows], columns=_SOURCE_COLUMNS)
        frame["birth_year"] = frame["birth_year"].astype("Int64")
        sources[system] = _dates(frame, ["created_at", "updated_at"])
    return graph, sources


def _check_subject_export(ex: Exercise, func) -> None:
    graph, sources = example_identity()
    answer = call(ex, func, 42, graph, sources)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per source record of the subject")
    expect_columns(ex, answer, ["system"] + _SOURCE_COLUMNS)
    got = list(zip(answer["system"].astype(str), answer["record_id"].astype(str), strict=True))
    if ("crm", "CRM-2") in got:
        raise ex.fail("the export includes a record of another person who shares the subject's email "
                      "(a relative). Never match on email or name here: the identity graph says which "
                      "records are the subject's.")
    if {s for s, _ in got} == {"crm"}:
        raise ex.fail("the export should cover every source system that holds the subject's records "
                      "(loop over all the systems in sources), not only the CRM.")
    if ("support", "SUP-9") not in got or ("support", "SUP-3") not in got:
        raise ex.fail("a record of the subject with no email (or a different one) is missing. Use "
                      "identity_graph: every record_id linked to the customer_id, in every system.")
    if sorted(got) != _EXPORT:
        raise ex.fail("not the right records: take the record_ids that identity_graph links to the "
                      "customer_id, per system, and pick those rows from each source table.")
    if got != _EXPORT:
        raise ex.fail("the right records, but sort them by system, then record_id.")
    row = answer[answer["record_id"].astype(str) == "SUP-9"].iloc[0]
    if str(row["last_name"]) != "Webr":
        raise ex.fail("copy the fields as the source system holds them: an export shows the subject "
                      "what each system stores, typos included.")


subject_export = Exercise(
    "5", "one subject's export across systems", "Part 4, 'Everything we hold about you'",
    (
        "The identity graph is the only reliable link: emails and names differ between systems, "
        "and relatives share them.",
        "links = identity_graph[identity_graph['customer_id'] == customer_id]; for each system, "
        "keep the rows of sources[system] whose record_id is among that system's links.",
        "Add a system column to each part, pd.concat them, put system first and sort by system and "
        "record_id with ignore_index=True.",
    ),
    _check_subject_export,
)

# --------------------------------------------------------------------------------------------
# Exercises 6a and 6b: the hash-chained audit log
# --------------------------------------------------------------------------------------------

def example_log(tampered: int | None = None) -> pd.DataFrame:
    """Worked example for exercises 6a and 6b: a five-row audit log with a correct hash chain.

    ``tampered=k`` returns the same log after row ``seq == k`` was edited (its hash left as it was).
    """
    frame = pd.DataFrame([r[:6] for r in _LOG_ENTRIES], columns=["seq", "logged_at", "request_id", "actor",
                                                                "action", "detail"])
    frame = _dates(frame, ["logged_at"])
    frame["row_hash"] = list(_LOG_HASHES)
    if tampered is not None:
        i = int(np.flatnonzero(frame["seq"].to_numpy() == tampered)[0])
        frame.loc[i, "detail"] = frame.loc[i, "detail"] + " (edited)"
    return frame


def example_entries() -> pd.DataFrame:
    """Worked example for exercise 6a: two new steps to append (no seq, no row_hash yet)."""
    frame = pd.DataFrame(list(_NEW_ENTRIES), columns=["logged_at", "request_id", "actor", "action", "detail"])
    return _dates(frame, ["logged_at"])


_LOG_ENTRIES = (
    (1, "2024-03-01 09:12:00", 7, "dsar_bot", "received", "access request under GDPR (UK)"),
    (2, "2024-03-02 10:30:00", 7, "privacy_team", "identity_verified", "identity confirmed"),
    (3, "2024-03-04 15:00:00", 8, "dsar_bot", "received", "deletion request under CCPA (US-CA)"),
    (4, "2024-03-12 16:45:00", 7, "privacy_team", "export_sent", "done"),
    (5, "2024-03-12 16:50:00", 7, "support_lead", "completed", "request closed"),
)
_NEW_ENTRIES = (
    ("2024-03-13 08:00:00", 8, "privacy_team", "identity_verified", "identity confirmed"),
    ("2024-03-20 17:10:00", 8, "crm_admin", "records_deleted", "done"),
)
# The hashes of the worked example, computed once with sha256 (tests/test_checks_lab04.py
# recomputes them): the stored chain, the two appended rows, and what two mistakes give.
_LOG_HASHES = (
    "605e794df9dd7643903bfbfa4047d62ddea471e9f5eb130d8c938712121cfca4",
    "551ca3dee1ac20cea574fde1e38b041d11255bca7a5f08bcfdaf2d4e8fca7917",
    "6bf89a9b1b77b0d88e52f768a592c4d92f6cb8930012841509fb56f6420dd972",
    "fd96fa1424db3dfa717042641f0bbe3aef3a0dbcdab26887f45f65ee3629a414",
    "99d2cb8ce90ce8497a9645ce1c1bd2d84438ad99b1cdc9f3a1758499329be4bb",
)
_NEW_HASHES = ("b5d91dd07ff4b261cd772e5490119a12dff7957066e5b4b12ffcfc05afd33c08",
               "9ab0f87bf682dca02508e1f90830f38509879886dba0e36e9b7c4446977e3152")
_NEW_HASHES_NO_PREV = ("9268151e84c5eb3efb567fa3f0323403a4c0e521195f9170895f6a8babccff01",
                       "c7cf7772c9bf00413ce1335b508c477a0f53474e590dd47cbc18987b34c4e4d7")
_NEW_HASHES_FROM_GENESIS = ("e8f093b79a603209b18ea9e89c9594d9d44dffbdec742bddce6adc055375ea26",
                            "95fcf37101c10a8e0c78e87a9da2fd44646562ab6fbab9ee809d1875996a413d")


def _check_append_to_log(ex: Exercise, func) -> None:
    log = example_log()
    answer = call(ex, func, log.copy(), example_entries())
    expect_type(ex, answer, pd.DataFrame, "the log as a DataFrame, old rows first, new rows after")
    expect_columns(ex, answer, list(log.columns))
    if len(answer) != len(log) + len(_NEW_ENTRIES):
        raise ex.fail(f"the log should grow by the {len(_NEW_ENTRIES)} new entries: the old rows stay, "
                      "the new ones are appended.")
    old = answer.iloc[: len(log)].reset_index(drop=True)[list(log.columns)]
    if not same(old.astype(str), log.astype(str)):
        raise ex.fail("the existing rows changed. An audit log is append-only: never recompute or "
                      "edit old rows; start the chain from the last stored row_hash.")
    new = answer.iloc[len(log):].reset_index(drop=True)
    if [int(s) for s in new["seq"]] != [6, 7]:
        raise ex.fail("seq should continue from the last row: 6, 7 in the worked example.")
    hashes = [str(h) for h in new["row_hash"]]
    if hashes == list(_NEW_HASHES_NO_PREV):
        raise ex.fail("each hash covers only its own row: it must also include the PREVIOUS row's "
                      "hash, sha256((previous_hash + canonical_row(row)).encode()), or the rows are "
                      "not chained and deleting or reordering one goes unnoticed.")
    if hashes == list(_NEW_HASHES_FROM_GENESIS):
        raise ex.fail("the new rows chain from the genesis hash (64 zeros). Chain the first new row "
                      "from the last row_hash already in the log.")
    if hashes != list(_NEW_HASHES):
        raise ex.fail("the new row_hash values are wrong. For each new row in order: h = sha256(("
                      "previous_hash + canonical_row(row)).encode('utf-8')).hexdigest(), with seq "
                      "set first, then h becomes the previous hash of the next row.")


append_to_log = Exercise(
    "6a", "append to the hash-chained log", "Part 4, 'An audit trail nobody can quietly edit'",
    (
        "The first new row chains from the last row_hash in the log; each later new row chains "
        "from the row before it.",
        "Give the new rows seq numbers first (last seq + 1, + 2, ...): seq is part of the hashed text.",
        "Loop over the new rows in order: h = hashlib.sha256((prev + canonical_row(row))"
        ".encode('utf-8')).hexdigest(); prev = h. Then pd.concat the old log and the new rows.",
    ),
    _check_append_to_log,
)


def _seq_list(ex: Exercise, answer) -> list[int]:
    if not isinstance(answer, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        raise ex.fail(f"return a list of seq numbers (an empty list when the log is intact), not "
                      f"{type(answer).__name__}.")
    try:
        return [int(s) for s in answer]
    except (TypeError, ValueError):
        raise ex.fail("return a list of seq numbers (ints), e.g. [12], not the rows themselves.") from None


def _check_tampered_rows(ex: Exercise, func) -> None:
    clean = _seq_list(ex, call(ex, func, example_log()))
    if clean == [1, 2, 3, 4, 5]:
        raise ex.fail("every row of an intact log fails your verification: the stored hashes chain "
                      "each row to the previous row's hash, so recompute sha256(previous row_hash + "
                      "canonical_row(row)).")
    if clean:
        raise ex.fail(f"an intact log should give an empty list; you flagged seq {clean}.")
    answer = _seq_list(ex, call(ex, func, example_log(tampered=3)))
    if answer == [3, 4, 5]:
        raise ex.fail("you flag the edited row and every row after it: that happens when you chain "
                      "your own recomputed hashes. Verify each row against the STORED row_hash of "
                      "the previous row, so only the edited row fails.")
    if answer != [3]:
        raise ex.fail("the edited row (seq 3 in the worked example) is not the one flagged: verify "
                      "each row with sha256(previous stored row_hash + canonical_row(row)).")
    first = _seq_list(ex, call(ex, func, example_log(tampered=1)))
    if first != [1]:
        raise ex.fail("an edit of the very first row is missed: its previous hash is the genesis hash "
                      "(64 zeros).")


tampered_rows = Exercise(
    "6b", "find the tampered row", "Part 4, 'An audit trail nobody can quietly edit'",
    (
        "A row is intact when its stored row_hash equals sha256(previous row's STORED row_hash + "
        "canonical_row(row)); the first row's previous hash is GENESIS_HASH.",
        "Sort by seq; the previous hashes are [GENESIS_HASH] + the row_hash column without its last "
        "value. Compare row by row.",
        "Return the seq numbers of the rows that fail, as a list of ints (empty when all pass).",
    ),
    _check_tampered_rows,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: data minimisation per use case
# --------------------------------------------------------------------------------------------

_USE_CASE_ROWS = (  # use case, purpose, field, requested, needed
    ("churn_model", "analytics", "customer_id", True, True),
    ("churn_model", "analytics", "orders_12m", True, True),
    ("churn_model", "analytics", "email", True, False),
    ("churn_model", "analytics", "birth_year", True, False),
    ("sms_alerts", "marketing_sms", "customer_id", True, True),
    ("sms_alerts", "marketing_sms", "phone", True, True),
    ("sms_alerts", "marketing_sms", "order_id", False, True),
    ("sms_alerts", "marketing_sms", "first_name", True, False),
    ("footfall_report", "analytics", "market", True, True),
    ("footfall_report", "analytics", "postcode", True, True),
)
_MINIMISATION = pd.DataFrame(
    {"requested": [4, 3, 2], "needed": [2, 3, 2], "excess": [2, 1, 0], "missing": [0, 1, 0],
     "excess_share": [0.5, 1 / 3, 0.0], "excess_fields": ["birth_year, email", "first_name", ""]},
    index=pd.Index(["churn_model", "sms_alerts", "footfall_report"], name="use_case"))
_MIN_COLUMNS = ["requested", "needed", "excess", "missing", "excess_share", "excess_fields"]


def example_use_cases() -> pd.DataFrame:
    """Worked example for exercise 7: three use cases shaped like ``use_case_fields``."""
    frame = pd.DataFrame(list(_USE_CASE_ROWS), columns=["use_case", "purpose", "field", "requested", "needed"])
    return frame.iloc[[3, 7, 0, 9, 5, 1, 8, 2, 6, 4]].reset_index(drop=True)


def _check_minimisation(ex: Exercise, func) -> None:
    answer = call(ex, func, example_use_cases())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by use_case")
    expect_columns(ex, answer, _MIN_COLUMNS)
    if sorted(map(str, answer.index)) != sorted(_MINIMISATION.index):
        raise ex.fail("the index should be the use_case, one row per use case (also those with no "
                      "excess).")
    got = answer.copy()
    got.index = got.index.astype(str)
    got = got.loc[list(_MINIMISATION.index), _MIN_COLUMNS]
    nums = got[["requested", "needed", "excess", "missing"]].astype(int)
    if nums.loc["sms_alerts", "excess"] == 1 and nums.loc["sms_alerts", "missing"] == 1 \
            and nums.loc["churn_model", "excess"] == 0:
        raise ex.fail("excess and missing are swapped: excess = requested but NOT needed (collected "
                      "without need); missing = needed but not requested.")
    if nums.loc["churn_model", "excess"] == 0:
        raise ex.fail("excess should count fields that are requested but not needed.")
    if not same(nums, _MINIMISATION[["requested", "needed", "excess", "missing"]]):
        raise ex.fail("the counts are wrong: requested, needed, excess (requested and not needed) and "
                      "missing (needed and not requested) are counts of fields per use case.")
    share = got["excess_share"].astype(float)
    if np.isclose(share["sms_alerts"], 0.25):
        raise ex.fail("excess_share divides by all the fields listed for the use case; divide by the "
                      "fields it REQUESTS.")
    if not same(share, _MINIMISATION["excess_share"]):
        raise ex.fail("excess_share = excess / requested.")
    if [("" if pd.isna(v) else str(v)) for v in got["excess_fields"]] != list(_MINIMISATION["excess_fields"]):
        raise ex.fail("excess_fields should list the excess fields in alphabetical order, joined by "
                      "', ' (an empty string when there are none).")
    if [str(i) for i in answer.index] != list(_MINIMISATION.index):
        raise ex.fail("the numbers are right but the rows are not sorted: largest excess_share first, "
                      "ties by use_case name.")


minimisation = Exercise(
    "7", "data minimisation per use case", "Part 5, 'Only what the purpose needs'",
    (
        "Two flags per row: excess = requested and not needed; missing = needed and not requested.",
        "Put the booleans in a DataFrame, groupby(use_case).sum() gives the counts; excess_share = "
        "excess / requested.",
        "excess_fields: filter the excess rows, groupby('use_case')['field'].agg(lambda s: ', '.join("
        "sorted(s))), reindex to every use case and fill with ''.",
    ),
    _check_minimisation,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: k-anonymity of the analytics extract
# --------------------------------------------------------------------------------------------

_EXTRACT_ROWS = (  # ref, birth_year, postcode, market, segment, orders, tickets
    ("A01", 1971, "10115", "DE", "value", 2, 0),
    ("A02", 1978, "12049", "DE", "premium", 1, 1),
    ("A03", 1975, "13353", "DE", "value", 0, 0),
    ("A04", 1979, "10001", "US-NY", "value", 3, 0),
    ("A05", 1984, "SW1A 1AA", "UK", "mainstream", 1, 2),
    ("A06", 1986, "SE1 7PB", "UK", "premium", 4, 0),
    ("A07", 1989, "SW3 4RY", "UK", "mainstream", 0, 1),
    ("A08", 1990, "SW9 8BT", "UK", "value", 2, 0),
    ("A09", 1972, "14050", "DE", "value", 1, 0),
    ("A10", 1970, "13001", "FR", "value", 0, 0),
    ("A11", 1981, "SW17 0QT", "UK", "value", 3, 1),
    ("A12", 1983, "S1 2AB", "UK", "premium", 0, 0),
)
#: The worked example's release for k = 3, worked out by hand: (birth_decade, postcode_area, market,
#: orders_2025) of the rows kept, in their original order (A01, A02, A03, A05, A07, A09, A11).
_KANON_RELEASE = ((1970, "1", "DE", 2), (1970, "1", "DE", 1), (1970, "1", "DE", 0), (1980, "SW", "UK", 1),
                  (1980, "SW", "UK", 0), (1970, "1", "DE", 1), (1980, "SW", "UK", 3))
_KANON_COLUMNS = ["birth_decade", "postcode_area", "market", "segment", "orders_2025", "tickets_2025"]


def example_extract() -> pd.DataFrame:
    """Worked example for exercise 8: twelve rows shaped like ``analytics_extract`` (use k = 3)."""
    return pd.DataFrame(list(_EXTRACT_ROWS), columns=["customer_ref", "birth_year", "postcode", "market",
                                                      "segment", "orders_2025", "tickets_2025"])


def _check_k_anonymise(ex: Exercise, func) -> None:
    extract = example_extract()
    answer = call(ex, func, extract.copy(), 3)
    expect_type(ex, answer, pd.DataFrame, "the anonymised extract as a DataFrame")
    leaked = [c for c in ("customer_ref", "birth_year", "postcode") if c in answer.columns]
    if leaked:
        raise ex.fail(f"the released extract still holds {leaked}: drop the pseudonymous reference and "
                      "keep only the generalised quasi-identifiers (birth_decade, postcode_area).")
    expect_columns(ex, answer, _KANON_COLUMNS)
    decades = sorted(set(int(d) for d in answer["birth_decade"]))
    if decades and not all(d % 10 == 0 for d in decades):
        raise ex.fail("birth_decade should be the decade as a year: 1978 -> 1970 (birth_year // 10 * 10).")
    areas = answer["postcode_area"].astype(str)
    uk = set(areas[answer["market"].astype(str) == "UK"])
    if uk and all(len(a) == 1 for a in uk) and "S" in uk:
        raise ex.fail("the UK postcode areas are single characters: you took the first character of every "
                      "postcode. A UK postcode's area is ALL the letters it starts with (SW9 8BT -> SW, "
                      "M1 1AE -> M); only other postcodes use their first digit.")
    if any(len(a) > 2 or (len(a) > 1 and not a.isalpha()) for a in set(areas)):
        raise ex.fail("postcode_area should be the letters a UK postcode starts with, or the first digit "
                      "of any other postcode.")
    key = list(zip(answer["birth_decade"].astype(int), areas, answer["market"].astype(str),
                   answer["orders_2025"].astype(int), strict=True))
    expected = list(_KANON_RELEASE)
    if len(key) == 0:
        raise ex.fail("every row was suppressed: did you group by the raw birth_year and postcode? "
                      "Generalise first, then count the group sizes.")
    if {m for _, _, m, _ in key} & {"US-NY", "FR"}:
        raise ex.fail("a row that shares its decade and postcode area only with customers from ANOTHER "
                      "market was kept. The market is a quasi-identifier too: group by birth_decade, "
                      "postcode_area AND market.")
    if len(key) < len(expected) and len(key) <= 3:
        raise ex.fail("too many rows were suppressed: segment and the activity counts are not "
                      "quasi-identifiers. Group by birth_decade, postcode_area and market only.")
    if sorted(key) != sorted(expected):
        raise ex.fail("not the right rows kept: keep a row when its (birth_decade, postcode_area, "
                      "market) group has at least k rows (>= k, not > k).")
    if key != expected:
        raise ex.fail("the right rows, but keep them in their original order with a fresh 0, 1, 2... index.")


k_anonymise = Exercise(
    "8", "k-anonymity of the analytics extract", "Part 5, 'Anonymous enough to share?'",
    (
        "Generalise first, then count: the groups are formed by the generalised quasi-identifiers "
        "birth_decade, postcode_area and market.",
        "birth_decade = birth_year // 10 * 10; postcode_area: one regular expression takes the leading "
        "letters or else the first digit, postcode.str.extract(r'^([A-Z]+|\\d)', expand=False). The "
        "group size of each row: groupby(QUASI_IDENTIFIERS)[...].transform('size').",
        "Keep rows whose group size >= k, only the columns of the release (no customer_ref, no raw "
        "birth_year or postcode), and reset the index.",
    ),
    _check_k_anonymise,
)

# --------------------------------------------------------------------------------------------
# Exercise 9: transparency-report figures
# --------------------------------------------------------------------------------------------

_TR_ROWS = (  # id, regime, type, received, completed
    (1, "GDPR", "access", "2024-12-20", "2025-01-10"),
    (2, "GDPR", "access", "2025-01-05", "2025-01-25"),
    (3, "GDPR", "access", "2025-02-01", "2025-02-11"),
    (4, "GDPR", "access", "2025-03-01", "2025-04-05"),
    (5, "GDPR", "deletion", "2025-05-01", None),
    (6, "CCPA", "deletion", "2025-06-01", "2025-06-09"),
    (7, "CCPA", "deletion", "2025-07-01", "2025-07-31"),
    (8, "CCPA", "access", "2026-01-02", "2026-01-20"),
)
_TRANSPARENCY = pd.DataFrame(
    {"received": [2, 3, 1], "completed": [2, 3, 0], "median_days": [19.0, 20.0, np.nan]},
    index=pd.MultiIndex.from_tuples([("CCPA", "deletion"), ("GDPR", "access"), ("GDPR", "deletion")],
                                    names=["privacy_regime", "request_type"]))


def example_transparency_requests() -> pd.DataFrame:
    """Worked example for exercise 9: requests received in 2024, 2025 and 2026 (report on 2025)."""
    frame = pd.DataFrame([(i, reg, "UK", typ, T(r), c and T(c)) for i, reg, typ, r, c in _TR_ROWS],
                         columns=["request_id", "privacy_regime", "market", "request_type",
                                  "received_date", "completed_date"])
    return _dates(frame, ["received_date", "completed_date"])


def _check_transparency_figures(ex: Exercise, func) -> None:
    answer = call(ex, func, example_transparency_requests(), 2025)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (privacy_regime, request_type)")
    expect_columns(ex, answer, ["received", "completed", "median_days"])
    if answer.index.nlevels != 2:
        raise ex.fail("the index should have two levels: (privacy_regime, request_type).")
    got = answer[["received", "completed", "median_days"]].copy()
    got.index = pd.MultiIndex.from_tuples([(str(a), str(b)) for a, b in got.index],
                                          names=["privacy_regime", "request_type"])
    if int(got["received"].sum()) != 6:
        raise ex.fail("count only the requests RECEIVED in the report year (2025 in the worked "
                      "example), whenever they were completed.")
    got = got.sort_index()
    if list(got.index) != list(_TRANSPARENCY.index):
        raise ex.fail("one row per (privacy_regime, request_type) that received requests in the year.")
    gdpr = float(got.loc[("GDPR", "access"), "median_days"])
    if np.isclose(gdpr, 65 / 3):
        raise ex.fail("median_days is the mean. The task asks for the median (the CCPA regulations "
                      "allow the median or the mean, if you say which one you report): use .median().")
    if np.isclose(gdpr, 21.0):
        raise ex.fail("the days are counted inclusively (+1). Days to respond = completed_date - "
                      "received_date in days.")
    if not same(got.astype(float), _TRANSPARENCY.astype(float)):
        raise ex.fail("the figures are wrong: received = requests received in the year; completed = "
                      "those with a completed_date; median_days = median of (completed_date - "
                      "received_date) in days over the completed ones.")


transparency_figures = Exercise(
    "9", "transparency-report figures", "Part 6, 'What we tell the public'",
    (
        "Filter on the year of received_date first; then one group per privacy_regime and "
        "request_type.",
        "completed is the count of non-missing completed_date; days = (completed_date - "
        "received_date).dt.days.",
        "g = frame.groupby(['privacy_regime', 'request_type']); then g.size(), g['completed_date']"
        ".count() and g['days'].median() side by side in a DataFrame.",
    ),
    _check_transparency_figures,
)
