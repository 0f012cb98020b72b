"""Graded references for Lab 04, *Privacy, consent and data-subject rights* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made records at the rules' edges: a decision or a
deadline exactly on the reporting moment or the due day, the day before and the day after;
months' ends and a leap day; ties and duplicates at one instant; more than one tampered row.
The references are computed here, by a different route from the solution notebook.

Every legal rule the references apply (deadline lengths, the extension rule, consent defaults,
when a retention action falls due, k-anonymity) is stated once, in the "rules" block below,
and the hand-made boundary records are built from it, so a change of the law is one edit.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels, values_match

from cxlabs.audit import AUDIT_FIELDS, GENESIS_HASH, canonical_row

# =================================================================================================
# The rules: every legal constant the references and the boundary records use, in one place.
# (The law as it stands, with the sources the lab cites; where the company is stricter, "our policy".)
# =================================================================================================

PURPOSES = ("marketing_email", "marketing_sms", "personalisation", "analytics", "data_sharing")

#: Consent (exercise 1): with no event, a customer-purpose is NOT consented under these regimes
#: (our policy for the UK and the EU: consent for every purpose; the law requires prior consent for
#: marketing e-mail and texts, ePrivacy Directive Art. 13, PECR reg. 22) ...
OPT_IN_REGIMES = frozenset({"GDPR"})
#: ... nor for these purposes in any regime (US marketing texts need prior express written
#: consent, 47 CFR 64.1200(a)(2)). Everything else defaults to consented (our US policy: e-mail
#: until the customer opts out, CAN-SPAM; sale/sharing until the customer opts out, CCPA 1798.120).
OPT_IN_PURPOSES = frozenset({"marketing_sms"})
#: Consent (exercise 1): when the latest events of a customer and purpose share their instant
#: and disagree, this action decides.
TIE_WINNER = "withdraw"


def default_consented(regime: str, purpose: str) -> bool:
    """Consent (exercise 1): the state of a customer-purpose with no event up to as_of."""
    return regime not in OPT_IN_REGIMES and purpose not in OPT_IN_PURPOSES


class Deadline:
    """A data-subject request's deadline under one rule.

    ``first`` and ``extended`` are added to the day of receipt (a ``pd.DateOffset`` counts
    calendar months, clipped to the month's end; a ``pd.Timedelta`` counts days; ``BDay``
    counts business days, Monday to Friday). ``extended`` is None when the rule allows no
    extension. An extension is valid when it is flagged, its notice went out no later than
    ``notice_by_days`` after the first due date, and it gives an accepted reason.
    """

    def __init__(self, first, extended, notice_by_days: int = 0):
        self.first, self.extended, self.notice_by_days = first, extended, notice_by_days

    def due(self, received: pd.Series) -> pd.Series:
        return _add(received, self.first)

    def longest(self, received: pd.Series) -> pd.Series:
        return _add(received, self.extended) if self.extended is not None else self.due(received)

    def notice_deadline(self, received: pd.Series) -> pd.Series:
        return self.due(received) + pd.Timedelta(days=self.notice_by_days)


#: DSAR deadlines (exercises 3 and 4). GDPR Art. 12(3): one calendar month, three with a valid
#: extension (notice and reasons within the first month). CCPA (Civ. Code 1798.130(a)(2), 11 CCR
#: 7021(b)): 45 days, 90 with one (notice within the first 45); our policy applies the same to the
#: other US states.
DEADLINES = {
    "GDPR": Deadline(pd.DateOffset(months=1), pd.DateOffset(months=3)),
    "CCPA": Deadline(pd.Timedelta(days=45), pd.Timedelta(days=90)),
    "US-other": Deadline(pd.Timedelta(days=45), pd.Timedelta(days=90)),
}
#: An opt-out of sale/sharing (11 CCR 7026(f)): 15 business days, no extension (Monday to Friday;
#: our policy ignores public holidays).
OPT_OUT_TYPE = "opt_out_of_sale"
OPT_OUT = Deadline(pd.offsets.BDay(15), None)
#: The reasons an extension may give (GDPR Art. 12(3) "the complexity and number of the requests",
#: as the ICO reads it; our policy applies the same two to US requests). A team's backlog is not one.
ACCEPTED_REASONS = frozenset({"complex_request", "several_requests"})


def deadline_of(regime: str, request_type: str) -> Deadline:
    """The rule a request falls under (exercise 3)."""
    return OPT_OUT if request_type == OPT_OUT_TYPE else DEADLINES[regime]


def retention_expiry(clock_start: pd.Series, months: int) -> pd.Series:
    """Retention (exercise 2): the day a record's retention ends (calendar months, clipped)."""
    return _add(clock_start, pd.DateOffset(months=int(months)))


def retention_due(as_of: pd.Timestamp, expires: pd.Series, legal_hold: pd.Series) -> pd.Series:
    """Retention (exercise 2): the action is due on the expiry day itself; legal hold keeps."""
    return (expires <= as_of) & ~legal_hold.astype(bool)


def request_state(final_due: pd.Series, completed: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """SLA (exercise 4): 'on_time', 'late', 'overdue' or '' (not due yet) on ``as_of``."""
    done = completed.notna() & (completed <= as_of)
    return pd.Series(np.select([done & (completed <= final_due), done, final_due < as_of],
                               ["on_time", "late", "overdue"], ""), index=final_due.index)


#: k-anonymity (exercise 8): generalised quasi-identifiers, and the only columns released.
QUASI_IDENTIFIERS = ("birth_decade", "postcode_area", "market")
RELEASE_COLUMNS = ("birth_decade", "postcode_area", "market", "segment", "orders_2025", "tickets_2025")
#: k-anonymity (exercise 8): a postcode's area is the letters a UK postcode starts with, else its first digit.
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def postcode_area(postcode: str) -> str:
    letters = len(postcode) - len(postcode.lstrip(UPPER))
    return postcode[:letters] if letters else postcode[:1]
IDENTIFYING_COLUMNS = ("customer_ref", "birth_year", "postcode")

# The moments and days the world cases use (the lab's own report days, and the instant of the
# preference-centre import planted in consent_events).
END_OF_HISTORY = pd.Timestamp("2025-12-31 23:59:59")
CONSENT_BATCH_AT = pd.Timestamp("2024-09-30 12:00:00")
RETENTION_RUN = pd.Timestamp("2026-01-15")
REPORT_DAY = pd.Timestamp("2025-12-31")
DAY = pd.Timedelta(days=1)
T = pd.Timestamp


def _add(days: pd.Series, offset) -> pd.Series:
    days = pd.Series(days)
    out = pd.Series(pd.NaT, index=days.index, dtype="datetime64[us]")
    known = days.notna()
    out[known] = (days[known] + offset).to_numpy()
    return out


# =================================================================================================
# Shared checks
# =================================================================================================

def _plain_index(frame: pd.DataFrame, why: str = "") -> None:
    if labels(frame.index) != list(range(len(frame))):
        raise Fail("the result should have a plain 0, 1, 2… index (reset_index(drop=True) or "
                   f"ignore_index=True){why}")


def _relabel(frame: pd.DataFrame, cast, what: str) -> pd.DataFrame:
    """The frame with its index labels as ``cast`` (int or str); Fail when they are not ids."""
    if frame.index.nlevels != 1:
        raise Fail(f"the index should be {what}, one level")
    try:
        index = pd.Index([cast(v) for v in frame.index])
    except (TypeError, ValueError):
        raise Fail(f"the index should be {what}") from None
    if index.has_duplicates:
        raise Fail(f"{what} appears more than once in the index; there should be one row for each")
    out = frame.copy()
    out.index = index
    return out


def _as_days(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The frame with ``columns`` as dates (times of day dropped); Fail when they are not dates."""
    out = frame.copy()
    for c in columns:
        if c not in out.columns:
            raise Fail(f"the result is missing column(s) {[c]}")
        try:
            out[c] = pd.to_datetime(out[c]).dt.normalize().astype("datetime64[ns]")
        except (TypeError, ValueError, OverflowError):
            raise Fail(f"column {c!r} should hold dates (datetime64)") from None
    return out


def _rows_where(frame: pd.DataFrame, ref: pd.DataFrame, column: str) -> pd.Series:
    """Per reference row (by label): does the answer's ``column`` differ? (frames aligned by label)"""
    got = frame.loc[ref.index, column]
    return pd.Series(~values_match(got, ref[column]), index=ref.index)


def _wrong_on(wrong: pd.Series, where: pd.Series) -> bool:
    return bool((wrong & where.reindex(wrong.index, fill_value=False)).any())


# =================================================================================================
# Exercise 1: consent state per customer and purpose
# =================================================================================================

def _consent_ref(events: pd.DataFrame, customers: pd.DataFrame, as_of) -> pd.DataFrame:
    ev = events[events["event_at"] <= as_of]
    latest = ev.groupby(["customer_id", "purpose"])["event_at"].transform("max")
    last = ev[ev["event_at"] == latest]
    actions = last.groupby(["customer_id", "purpose"])["action"].agg(set)
    decided = actions.map(lambda a: (TIE_WINNER if TIE_WINNER in a else next(iter(a))) == "grant")
    grid = pd.MultiIndex.from_product([customers["customer_id"].tolist(), sorted(PURPOSES)],
                                      names=["customer_id", "purpose"])
    regime = dict(zip(customers["customer_id"], customers["privacy_regime"], strict=True))
    default = pd.Series([default_consented(regime[c], p) for c, p in grid], index=grid)
    has = pd.Series(grid.isin(decided.index), index=grid)
    out = pd.DataFrame({"consented": decided.reindex(grid).where(has, default).astype(bool),
                        "basis": np.where(has, "event", "default")}, index=grid)
    return out.sort_index()


def _check_consent(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per customer and purpose")
        missing = [c for c in ("customer_id", "purpose", "consented", "basis") if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        if len(frame) != len(ref):
            raise Fail(f"it has {len(frame):,} rows; there should be one row per customer in `customers` "
                       "and purpose in PURPOSES, whether or not they have events")
        got = frame.set_index(["customer_id", "purpose"])
        expect_frame(got, ref, columns=["consented", "basis"], index_name="the (customer_id, purpose) pairs")
        pairs = labels(got.index)
        if pairs != sorted(pairs):
            raise Fail("the rows should be sorted by customer_id, then purpose")
        _plain_index(frame)
    return check


_EVENT_COLUMNS = ["event_id", "customer_id", "purpose", "action", "event_at", "source"]


def _events(rows) -> pd.DataFrame:
    """Hand-made consent events: (customer, purpose, action, time) in event_id order."""
    frame = pd.DataFrame([(i + 1, c, p, a, T(t), "web") for i, (c, p, a, t) in enumerate(rows)],
                         columns=_EVENT_COLUMNS)
    frame["event_at"] = frame["event_at"].astype("datetime64[us]")
    return frame


def _customers(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["customer_id", "market", "privacy_regime"])


def _consent_world(world):
    ev, cu = world.load("consent_events"), world.load("customers")
    cases = []
    for i, as_of in enumerate((END_OF_HISTORY, CONSENT_BATCH_AT)):
        cases.append(Case(f"the consent_events and customers tables as of {as_of} (events shuffled)",
                          (ev.sample(frac=1, random_state=41 + i), cu, as_of),
                          _check_consent(_consent_ref(ev, cu, as_of))))
    return cases


def _consent_fixed():
    as_of = T("2025-06-30 18:00:00")
    customers = _customers([(7, "UK", "GDPR"), (8, "US-CA", "CCPA"), (9, "US-TX", "US-other")])
    # the latest events share their instant: two agreeing grants; a grant, a grant and a
    # withdraw; two agreeing withdraws (a withdraw listed first and a grant last, and vice versa)
    same_instant = _events([
        (7, "marketing_email", "grant", "2025-03-01 10:00"), (7, "marketing_email", "grant", "2025-03-01 10:00"),
        (7, "analytics", "grant", "2025-02-01 09:00"), (7, "analytics", "withdraw", "2025-04-01 09:00"),
        (7, "analytics", "grant", "2025-04-01 09:00"), (7, "analytics", "grant", "2025-04-01 09:00"),
        (8, "marketing_sms", "withdraw", "2025-01-10 08:00"), (8, "marketing_sms", "withdraw", "2025-01-10 08:00"),
        (9, "data_sharing", "withdraw", "2024-12-01 12:00"), (9, "data_sharing", "grant", "2025-05-05 11:00"),
        (9, "data_sharing", "grant", "2025-05-05 11:00")])
    # a tie (withdraw wins) that a later decision overrides, and a tie that stays the latest
    tie_then_later = _events([
        (8, "personalisation", "grant", "2024-11-11 11:11"), (8, "personalisation", "withdraw", "2024-11-11 11:11"),
        (8, "personalisation", "grant", "2025-02-02 08:00"),
        (7, "marketing_sms", "withdraw", "2024-10-10 10:00"), (7, "marketing_sms", "grant", "2024-10-10 10:00"),
        (7, "marketing_sms", "grant", "2025-03-03 09:00"), (7, "marketing_sms", "withdraw", "2025-03-03 09:00"),
        (9, "analytics", "withdraw", "2025-01-01 00:00"), (9, "analytics", "grant", "2025-01-01 00:00")])
    # decisions exactly at as_of count; one a second after it does not
    at_as_of = _events([
        (7, "personalisation", "grant", "2025-06-30 18:00:00"), (8, "analytics", "withdraw", "2025-06-30 18:00:00"),
        (9, "marketing_email", "grant", "2025-01-15 09:00"), (9, "marketing_email", "withdraw", "2025-06-30 18:00:00"),
        (9, "personalisation", "withdraw", "2025-06-30 18:00:01"),
        (7, "data_sharing", "grant", "2025-06-30 18:00:01")])
    # customers listed out of order (ids that sort differently as text), no events for some, and
    # an event of a customer who is not in `customers`
    listed = _customers([(200, "US-NY", "US-other"), (3, "DE", "GDPR"), (10, "US-CA", "CCPA"), (25, "FR", "GDPR")])
    stray = _events([(10, "marketing_email", "withdraw", "2025-02-01 10:00"),
                     (999, "analytics", "grant", "2025-02-01 10:00"), (25, "analytics", "grant", "2025-03-01 10:00")])
    return [
        Case("hand-made events whose latest decisions share one instant (agreeing duplicates, and a "
             "withdraw among grants)", (same_instant.iloc[::-1], customers, as_of),
             _check_consent(_consent_ref(same_instant, customers, as_of))),
        Case("hand-made events: a same-instant tie followed by a later decision, and ties that stay "
             "the latest (rows shuffled)", (tie_then_later.sample(frac=1, random_state=4), customers, as_of),
             _check_consent(_consent_ref(tie_then_later, customers, as_of))),
        Case("hand-made events exactly at the as_of moment and one second after it", (at_as_of, customers, as_of),
             _check_consent(_consent_ref(at_as_of, customers, as_of))),
        Case("hand-made customers listed out of id order, most without events, and an event of a "
             "customer who is not in `customers`", (stray, listed, as_of),
             _check_consent(_consent_ref(stray, listed, as_of))),
    ]


# =================================================================================================
# Exercise 2: retention actions on the as-of date
# =================================================================================================

def _retention_ref(records: pd.DataFrame, schedule: pd.DataFrame, as_of) -> pd.DataFrame:
    rules = schedule.set_index("data_category")
    expires = pd.Series(pd.NaT, index=records.index, dtype="datetime64[us]")
    for category, months in rules["retention_months"].items():
        mine = records["data_category"] == category
        expires[mine] = retention_expiry(records.loc[mine, "clock_start_date"], months).to_numpy()
    due = retention_due(as_of, expires, records["legal_hold"])
    action = records["data_category"].map(rules["action_after"]).where(due, "keep")
    out = pd.DataFrame({"expires_on": expires.astype("datetime64[ns]").to_numpy(), "action": action.to_numpy()},
                       index=pd.Index(records["record_id"].astype(str).to_numpy(), name="record_id"))
    return out


def _check_retention(ref: pd.DataFrame, boundary: dict | None = None):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by record_id")
        frame = _as_days(_relabel(frame, str, "the record_id"), ["expires_on"])
        expect_frame(frame, ref, columns=["expires_on"], index_name="the index (record_id)")
        if boundary:
            wrong = _rows_where(frame, ref, "action")
            for what, where in boundary.items():
                if _wrong_on(wrong, where):
                    raise Fail(what)
        expect_frame(frame, ref, columns=["action"], index_name="the index (record_id)")
    return check


def _retention_boundaries(ref: pd.DataFrame, hold: pd.Series, as_of) -> dict:
    on_day = pd.Series(ref["expires_on"].to_numpy() == np.datetime64(as_of), index=ref.index)
    before = pd.Series(ref["expires_on"].to_numpy() == np.datetime64(as_of + DAY), index=ref.index)
    held = pd.Series(hold.to_numpy(dtype=bool), index=ref.index)
    return {
        "a record whose retention ends ON the as-of date got the wrong action: the action is due on "
        "the expiry day itself (unless the record is under legal hold)": on_day & ~held,
        "a record whose retention ends the day AFTER the as-of date was not kept": before,
        "a record under legal hold was not kept": held,
    }


def _retention_world(world):
    rec, sch = world.load("retention_records"), world.load("retention_schedule")
    cases = []
    for as_of in (RETENTION_RUN, T("2025-07-31")):
        ref = _retention_ref(rec, sch, as_of)
        cases.append(Case(f"the retention_records and retention_schedule tables on {as_of.date()} (records shuffled)",
                          (rec.sample(frac=1, random_state=42), sch, as_of),
                          _check_retention(ref, _retention_boundaries(ref, rec["legal_hold"], as_of))))
    return cases


_SCHEDULE_COLUMNS = ["data_category", "system", "clock_starts", "retention_months", "action_after", "legal_basis"]


def _retention_fixed():
    schedule = pd.DataFrame([("order_history", "ecom", "order date", 84, "anonymise", "legal_obligation"),
                             ("call_recordings", "support", "call date", 6, "delete", "legitimate_interest"),
                             ("identity_checks", "crm", "check date", 12, "delete", "legal_obligation"),
                             ("web_analytics", "ecom", "session date", 14, "aggregate", "consent"),
                             ("loyalty_transactions", "loyalty", "transaction date", 60, "aggregate", "contract")],
                            columns=_SCHEDULE_COLUMNS)
    # clocks that start at a month's end: the period ends on the last day of a shorter month
    # (28 February 2025, also from a leap day), which is the as-of day itself
    as_of = T("2025-02-28")
    rows = [("M01", "call_recordings", "2024-08-31", False), ("M02", "call_recordings", "2024-08-30", False),
            ("M03", "call_recordings", "2024-08-28", False), ("M04", "call_recordings", "2024-09-01", False),
            ("M05", "identity_checks", "2024-02-29", False), ("M06", "identity_checks", "2024-03-01", False),
            ("M07", "web_analytics", "2023-12-31", False), ("M08", "loyalty_transactions", "2020-02-29", False),
            ("M09", "call_recordings", "2024-08-31", True), ("M10", "order_history", "2015-03-31", True),
            ("M11", "order_history", "2018-02-28", False), ("M12", "identity_checks", "2024-01-31", False)]
    records = pd.DataFrame([(r, 100 + i, c, T(d), h) for i, (r, c, d, h) in enumerate(rows)],
                           columns=["record_id", "customer_id", "data_category", "clock_start_date", "legal_hold"])
    records["clock_start_date"] = records["clock_start_date"].astype("datetime64[us]")
    ref = _retention_ref(records, schedule, as_of)
    return [Case("hand-made records whose clocks start at a month's end or on a leap day, expiring on the "
                 "as-of day (28 February 2025), some under legal hold (rows shuffled)",
                 (records.sample(frac=1, random_state=2), schedule, as_of),
                 _check_retention(ref, _retention_boundaries(ref, records["legal_hold"], as_of)))]


# =================================================================================================
# Exercise 3: DSAR due dates
# =================================================================================================

def _due_ref(requests: pd.DataFrame) -> pd.DataFrame:
    r = requests.set_index("request_id")
    due = pd.Series(pd.NaT, index=r.index, dtype="datetime64[us]")
    longest, notice_by = due.copy(), due.copy()
    extendable = pd.Series(False, index=r.index)
    for (regime, kind), rows in r.groupby(["privacy_regime", "request_type"]).groups.items():
        rule = deadline_of(regime, kind)
        received = r.loc[rows, "received_date"]
        due[rows] = rule.due(received).to_numpy()
        longest[rows] = rule.longest(received).to_numpy()
        notice_by[rows] = rule.notice_deadline(received).to_numpy()
        extendable[rows] = rule.extended is not None
    notice = r["extension_notified_date"]
    valid = (r["extended"].astype(bool) & notice.notna() & (notice <= notice_by) & extendable
             & r["extension_reason"].isin(ACCEPTED_REASONS))
    out = pd.DataFrame({"due_date": due.astype("datetime64[ns]"), "extension_valid": valid.astype(bool),
                        "final_due_date": longest.where(valid, due).astype("datetime64[ns]")})
    out.index = pd.Index([int(i) for i in out.index], name="request_id")
    return out


def _due_diagnosis(requests: pd.DataFrame, ref: pd.DataFrame) -> list[tuple[str, str, pd.Series, bool]]:
    """(column, message, rows, only) naming the rule a wrong answer breaks, most specific first.

    The message applies when the answer's ``column`` is wrong on some of ``rows`` (and, with
    ``only``, right on every other row)."""
    r = requests.set_index("request_id")
    r.index = [int(i) for i in r.index]
    r = r.loc[ref.index]
    opt_out = r["request_type"].eq(OPT_OUT_TYPE)
    gdpr = r["privacy_regime"].isin([g for g, rule in DEADLINES.items() if isinstance(rule.first, pd.DateOffset)])
    gdpr &= ~opt_out
    day = r["received_date"].dt.day
    month_end = gdpr & (day > 28)
    notice = r["extension_notified_date"].dt.normalize()
    flagged = r["extended"].astype(bool)
    in_time = flagged & (notice <= ref["due_date"])
    accepted = r["extension_reason"].isin(ACCEPTED_REASONS)
    return [
        ("due_date", "GDPR due dates are wrong for requests received at the end of a month: one "
         "calendar month (pd.DateOffset(months=1)) moves to the same day of the next month and clips "
         "to its last day, not 30 days later", month_end, True),
        ("due_date", "the due dates of opt-outs of sale/sharing are wrong: they are due 15 BUSINESS days "
         "after receipt (Monday to Friday, received_date + pd.offsets.BDay(15)), not 45 days like the other "
         "US requests and not 15 calendar days", opt_out, True),
        ("extension_valid", "an extension of an opt-out of sale/sharing was accepted: the CCPA regulations "
         "allow no extension for opt-outs (11 CCR 7026(f))", opt_out & in_time, False),
        ("extension_valid", "an extension notified in time that gives the team's backlog as its reason was "
         "accepted: only a complex request or several requests from the same person count",
         ~opt_out & in_time & r["extension_reason"].eq("team_backlog"), False),
        ("extension_valid", "an extension notified in time with no reason given was accepted: the notice "
         "must give an accepted reason", ~opt_out & in_time & r["extension_reason"].isna(), False),
        ("extension_valid", "an extension notified ON the due date itself should count as valid (the "
         "notice must go out on or before the original due date)",
         ~opt_out & accepted & flagged & (notice == ref["due_date"]), False),
        ("extension_valid", "an extension notified the day AFTER the due date should not count as valid",
         flagged & (notice == ref["due_date"] + DAY), False),
        ("extension_valid", "extension_valid needs both: extended is True AND a notice date on or before "
         "the due date (a notice without the flag, or the flag without a notice date, is not a valid "
         "extension)", flagged.ne(notice.notna()), False),
        ("final_due_date", "final due dates with a GDPR extension are wrong for requests received at the end "
         "of a month: the final deadline is three calendar months from the day of receipt "
         "(received_date + pd.DateOffset(months=3)), not the due date plus two months",
         month_end & ref["extension_valid"], True),
    ]


def _check_due(ref: pd.DataFrame, diagnosis):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by request_id")
        frame = _relabel(frame, int, "the request_id")
        frame = _as_days(frame, ["due_date", "final_due_date"])
        if "extension_valid" not in frame.columns:
            raise Fail("the result is missing column(s) ['extension_valid']")
        expect_frame(frame, ref, columns=[], index_name="the index (request_id)")
        for column in ("due_date", "extension_valid", "final_due_date"):
            wrong = _rows_where(frame, ref, column)
            for col, message, rows, only in diagnosis:
                if col == column and _wrong_on(wrong, rows) and not (only and _wrong_on(wrong, ~rows)):
                    raise Fail(message)
            expect_frame(frame, ref, columns=[column], index_name="the index (request_id)")
    return check


_REQUEST_COLUMNS = ["request_id", "customer_id", "market", "privacy_regime", "request_type", "received_date",
                    "extended", "extension_notified_date", "extension_reason", "completed_date"]
_MARKET = {"GDPR": "UK", "CCPA": "US-CA", "US-other": "US-TX"}


def _requests(rows) -> pd.DataFrame:
    """Hand-made requests: (regime, received, extended, notice or None, completed or None[, request
    type[, extension reason]]); an access request, and an extension for a complex request, unless
    given."""
    out = []
    for i, row in enumerate(rows):
        g, rec, ext, n, c = row[:5]
        kind = row[5] if len(row) > 5 else "access"
        reason = row[6] if len(row) > 6 else ("complex_request" if ext else None)
        out.append((i + 1, 500 + i, _MARKET[g], g, kind, T(rec), bool(ext), pd.NaT if n is None else T(n),
                    reason, pd.NaT if c is None else T(c)))
    frame = pd.DataFrame(out, columns=_REQUEST_COLUMNS)
    for c in ("received_date", "extension_notified_date", "completed_date"):
        frame[c] = frame[c].astype("datetime64[us]")
    frame["extension_reason"] = frame["extension_reason"].astype("str")
    return frame


def _due_world(world):
    req = world.load("dsar_requests")
    ref = _due_ref(req)
    return [Case("the dsar_requests table (rows shuffled)", (req.sample(frac=1, random_state=43),),
                 _check_due(ref, _due_diagnosis(req, ref)))]


def _first_due(regime: str, received: str, kind: str = "access") -> pd.Timestamp:
    return deadline_of(regime, kind).notice_deadline(pd.Series([T(received)])).iloc[0]


def _due_fixed():
    # extension notices the day before, on and the day after the last valid day, in every regime
    rows = []
    for regime, received in (("GDPR", "2024-01-31"), ("GDPR", "2024-06-15"), ("CCPA", "2024-03-01"),
                             ("US-other", "2025-02-10")):
        last = _first_due(regime, received)
        rows += [(regime, received, True, str((last + k * DAY).date()), None) for k in (-1, 0, 1)]
    notices = _requests(rows)
    # months' ends and leap days, with and without an extension (notice a week after receipt)
    ends = ["2024-01-31", "2025-01-31", "2024-02-29", "2024-03-31", "2025-05-31", "2024-08-31", "2023-12-31"]
    extended = ["2024-01-31", "2024-10-31", "2024-11-30", "2023-11-29", "2025-05-31", "2024-12-31"]
    months = _requests([("GDPR", d, False, None, None) for d in ends]
                       + [("GDPR", d, True, str((T(d) + 7 * DAY).date()), None) for d in extended]
                       + [(g, "2024-01-31", False, None, None) for g in ("CCPA", "US-other")]
                       + [(g, "2024-12-31", True, "2025-01-07", None) for g in ("CCPA", "US-other")])
    # the flag without a notice date, and a notice date without the flag
    flags = _requests([("GDPR", "2024-04-10", True, None, None),
                       ("GDPR", "2024-04-10", False, "2024-04-20", None, "access", "complex_request"),
                       ("CCPA", "2024-04-10", True, None, None),
                       ("CCPA", "2024-04-10", False, "2024-04-20", None, "access", "several_requests"),
                       ("GDPR", "2024-04-10", True, "2024-04-20", None)])
    # opt-outs of sale/sharing received on every day of one week (Friday 28 February to Thursday 6
    # March 2025), at months' and years' ends, across a leap day; some with an extension notified in time
    opt = "opt_out_of_sale"
    week = [str((T("2025-02-28") + k * DAY).date()) for k in range(7)]
    opt_outs = _requests([(g, d, False, None, None, opt) for g, d in zip(["CCPA"] * 5 + ["US-other"] * 2, week,
                                                                              strict=True)]
                         + [("CCPA", d, False, None, None, opt) for d in ("2024-02-20", "2024-12-20", "2025-05-31")]
                         + [("CCPA", "2024-06-03", True, "2024-06-10", None, opt),
                            ("US-other", "2024-06-03", True, str(_first_due("US-other", "2024-06-03", opt).date()),
                             None, opt),
                            ("CCPA", "2024-06-03", True, "2024-06-10", None)])
    # extensions notified in time with each reason, and with none
    reasons = _requests([(g, "2024-09-02", True, "2024-09-20", None, "access", reason)
                         for g in ("GDPR", "CCPA", "US-other")
                         for reason in ("complex_request", "several_requests", "team_backlog", None)])
    cases = []
    for label, frame in (("hand-made requests whose extension notice went out the day before, on and the "
                          "day after the due date (each regime)", notices),
                         ("hand-made requests received at months' ends and on a leap day, with and without "
                          "an extension", months),
                         ("hand-made requests with the extension flag but no notice date, and a notice date "
                          "without the flag", flags),
                         ("hand-made opt-outs of sale/sharing received on each day of a week, at months' ends "
                          "and across a leap day, some with an extension notice", opt_outs),
                         ("hand-made requests extended in time for a complex request, for several requests, "
                          "for the team's backlog, and with no reason", reasons)):
        ref = _due_ref(frame)
        cases.append(Case(label, (frame.sample(frac=1, random_state=3),), _check_due(ref, _due_diagnosis(frame, ref))))
    return cases


# =================================================================================================
# Exercise 4: SLA compliance by market
# =================================================================================================

_SLA_COLUMNS = ["due", "on_time", "late", "overdue", "compliance"]


def _sla_ref(requests: pd.DataFrame, as_of) -> pd.DataFrame:
    r = requests[requests["received_date"] <= as_of]
    state = request_state(r["final_due_date"], r["completed_date"], as_of)
    counts = pd.crosstab(r["market"].astype(str), state).reindex(columns=["on_time", "late", "overdue"], fill_value=0)
    counts["due"] = counts.sum(axis=1)
    counts["compliance"] = counts["on_time"] / counts["due"].where(counts["due"] > 0)
    counts.index.name = "market"
    return counts[_SLA_COLUMNS]


def _check_sla(ref: pd.DataFrame, boundary: list[tuple[str, set]] = ()):
    required = ref[ref["due"] > 0]
    optional = ref[ref["due"] == 0]  # markets with requests but none due yet: the task leaves them open

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by market")
        frame = _relabel(frame, str, "the market")
        missing = [c for c in _SLA_COLUMNS if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        extra = set(frame.index) - set(ref.index)
        if extra:
            raise Fail(f"{len(extra)} market(s) in the index have no request received by as_of")
        if set(required.index) - set(frame.index):
            raise Fail("a market with requests due on as_of is missing: one row per market")
        kept = frame.loc[[m for m in frame.index if m in required.index]]
        for what, markets in boundary:
            mine = [m for m in markets if m in kept.index]
            if any(not values_match(kept.loc[mine, c], required.loc[mine, c]).all()
                   for c in ("due", "on_time", "late", "overdue")):
                raise Fail(what)
        expect_frame(kept, required, index_name="the index (market)")
        for m in frame.index.intersection(optional.index):
            if any(float(frame.at[m, c]) != 0 for c in ("due", "on_time", "late", "overdue")):
                raise Fail("a market with no request due on as_of should count 0 due (or be left out)")
        order = [float(frame.at[m, "compliance"]) for m in frame.index if m in required.index]
        if np.any(np.diff(order) < -1e-9):
            raise Fail("the rows should be sorted by compliance, lowest first")
    return check


def _sla_world(world):
    req = world.load("dsar_requests")
    req = req.assign(final_due_date=_due_ref(req)["final_due_date"].astype("datetime64[us]").reindex(
        req["request_id"].to_numpy()).to_numpy())
    late = req[req["completed_date"] > req["final_due_date"]].sort_values("request_id")
    # the report day; days on which planted requests are answered or fall due (the last day of
    # April 2024 and of February 2025); the day after a late request's final due date
    days = [REPORT_DAY, T("2024-04-30"), T("2025-02-28")]
    if len(late):
        days.append(late["final_due_date"].iloc[len(late) // 2] + DAY)
    cases = []
    for i, as_of in enumerate(days):
        ref = _sla_ref(req, as_of)
        if as_of != REPORT_DAY and (ref["due"] == 0).any():
            continue  # a market with requests but none due: the task leaves its row open
        cases.append(Case(f"the dsar_requests table with the right final_due_date, on {as_of.date()} (rows shuffled)",
                          (req.sample(frac=1, random_state=44 + i), as_of), _check_sla(ref)))
    return cases


def _sla_fixed():
    as_of = T("2024-06-30")
    cols = ["request_id", "market", "privacy_regime", "received_date", "final_due_date", "completed_date"]

    def frame(rows):
        out = pd.DataFrame([(i + 1, m, "GDPR", T(r), T(d), pd.NaT if c is None else T(c))
                            for i, (m, r, d, c) in enumerate(rows)], columns=cols)
        for c in cols[3:]:
            out[c] = out[c].astype("datetime64[us]")
        return out

    # answered on the final due date, the day after and the day before, in two markets
    answered = frame([("UK", "2024-03-01", "2024-04-01", "2024-04-01"), ("UK", "2024-03-02", "2024-04-02", "2024-04-03"),
                      ("UK", "2024-03-03", "2024-04-03", "2024-04-02"), ("UK", "2024-03-04", "2024-04-04", "2024-04-04"),
                      ("DE", "2024-03-05", "2024-04-05", "2024-04-06"), ("DE", "2024-03-06", "2024-04-06", "2024-04-06"),
                      ("DE", "2024-03-07", "2024-04-07", "2024-04-08"), ("DE", "2024-03-08", "2024-04-08", "2024-04-07")])
    # open on as_of with the final due date the day before, on, and the day after as_of
    open_ = frame([("UK", "2024-05-29", "2024-06-29", None), ("UK", "2024-05-30", "2024-06-30", None),
                   ("UK", "2024-05-31", "2024-07-01", None), ("UK", "2024-05-20", "2024-06-20", "2024-06-20"),
                   ("FR", "2024-05-29", "2024-06-29", None), ("FR", "2024-05-30", "2024-06-30", None),
                   ("FR", "2024-05-10", "2024-06-10", "2024-06-09"), ("FR", "2024-05-28", "2024-06-28", None)])
    # completed ON as_of (done), and the day after as_of (still open on as_of), received after as_of
    edges = frame([("NL", "2024-06-01", "2024-07-01", "2024-06-30"), ("NL", "2024-05-25", "2024-06-25", "2024-06-30"),
                   ("NL", "2024-05-20", "2024-06-20", "2024-07-01"), ("NL", "2024-06-10", "2024-07-10", "2024-07-01"),
                   ("NL", "2024-07-01", "2024-08-01", "2024-07-02"), ("UK", "2024-04-01", "2024-05-01", "2024-04-20"),
                   ("UK", "2024-06-30", "2024-07-30", None)])
    cases = []
    for label, data, what in (
            ("hand-made requests answered on their final due date, the day after and the day before", answered,
             "a request answered ON its final due date is on time, the day after is late"),
            ("hand-made requests still open on as_of whose final due date is the day before, on and the day "
             "after as_of", open_, "a request still open is overdue only when its final due date is BEFORE "
             "as_of (final_due_date < as_of), not on it"),
            ("hand-made requests completed on as_of, completed the day after as_of, and received on or after "
             "as_of", edges, "a request completed ON as_of is completed on that day; one completed after "
             "as_of was still open then")):
        ref = _sla_ref(data, as_of)
        cases.append(Case(label, (data.iloc[::-1].reset_index(drop=True), as_of),
                          _check_sla(ref, [(what, set(ref.index))])))
    return cases


# =================================================================================================
# Exercise 5: one subject's export through the identity graph
# =================================================================================================

def _export_ref(customer_id, graph: pd.DataFrame, sources: dict) -> pd.DataFrame:
    mine = graph[graph["customer_id"] == customer_id]
    parts = []
    for system in sorted(sources):
        table = sources[system]
        ids = set(mine.loc[mine["system"] == system, "record_id"])
        parts.append(table[table["record_id"].isin(ids)].assign(system=system))
    out = pd.concat(parts, ignore_index=True)
    out = out[["system"] + [c for c in out.columns if c != "system"]]
    return out.sort_values(["system", "record_id"], ignore_index=True)


def _check_export(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per source record of the subject")
        if list(frame.columns[:2]) != ["system", "record_id"]:
            raise Fail("the columns should be system first, then the source columns as stored "
                       "(record_id, first_name, …)")
        missing = [c for c in ref.columns if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        if len(frame) != len(ref):
            raise Fail(f"it has {len(frame):,} row(s); the subject has "
                       f"{'more' if len(frame) < len(ref) else 'fewer'} source records in the identity graph "
                       "(match through the graph only, never on email or name)")
        got = sorted(zip(frame["system"].astype(str), frame["record_id"].astype(str), strict=True))
        want = list(zip(ref["system"], ref["record_id"], strict=True))
        if got != want:
            raise Fail("not the subject's records: take every record_id the identity graph links to the "
                       "customer_id, per system (never match on email or name)")
        got_order = list(zip(frame["system"].astype(str), frame["record_id"].astype(str), strict=True))
        if got_order != want:
            raise Fail("the rows should be sorted by system, then record_id")
        expect_frame(frame.reset_index(drop=True), ref, by_index=False, row_order=True)
        _plain_index(frame)
    return check


_SYSTEM_TABLES = {"crm": "crm_contacts", "ecom": "ecom_accounts", "loyalty": "loyalty_members",
                  "support": "support_contacts"}


def _export_world(world):
    graph = world.load("identity_graph")
    sources = {s: world.load(t) for s, t in _SYSTEM_TABLES.items()}
    spread = graph.groupby("customer_id")["system"].nunique()
    subjects = [int(spread.idxmax()), int(spread.index[len(spread) // 3])]
    # a customer whose email is also on a record of another customer (a relative, a shared inbox)
    email = pd.concat([t[["record_id", "email"]] for t in sources.values()])
    email = email.assign(key=email["email"].str.strip().str.lower()).merge(graph, on="record_id")
    owners = email.dropna(subset=["key"]).groupby("key")["customer_id"].nunique()
    shared = email[email["key"].isin(owners.index[owners > 1])]
    if len(shared):
        subjects.append(int(shared["customer_id"].min()))
    cases = []
    for i, cid in enumerate(dict.fromkeys(subjects)):
        cases.append(Case(f"customer {cid} with the identity_graph (shuffled) and the four source tables",
                          (cid, graph.sample(frac=1, random_state=45 + i), sources),
                          _check_export(_export_ref(cid, graph, sources))))
    return cases


_SOURCE_COLUMNS = ["record_id", "first_name", "last_name", "email", "phone", "street", "city",
                   "postcode", "birth_year", "created_at", "updated_at"]


def _export_fixed():
    def table(rows):
        frame = pd.DataFrame([(*r, "2 Oak Road", "Leeds", "LS1 4AB", y, T("2024-02-01"), T("2025-04-01"))
                              for *r, y in rows], columns=_SOURCE_COLUMNS)
        frame["birth_year"] = frame["birth_year"].astype("Int64")
        for c in ("created_at", "updated_at"):
            frame[c] = frame[c].astype("datetime64[us]")
        return frame

    sources = {"support": table([("SUP-000031", "Sam", "Hart", "sam.hart@mail.co.uk", None, 1980),
                                 ("SUP-000012", "Sammy", "Hart", None, "+44 7700 900123", pd.NA)]),
               "crm": table([("CRM-000020", "Sam", "Hart", "hart.family@mail.co.uk", "+447700900123", 1980),
                             ("CRM-000003", "Jo", "Hart", "hart.family@mail.co.uk", None, 1982)]),
               "loyalty": table([("LOY-000007", "SAM", "HART", None, "07700 900123", 1980)]),
               "ecom": table([("WEB-000101", "Jo", "Hart", "hart.family@mail.co.uk", None, pd.NA),
                              ("WEB-000050", "Sam", "Hart", "Sam.Hart@Mail.co.uk ", None, pd.NA)])}
    graph = pd.DataFrame([("crm", "CRM-000020", 61), ("crm", "CRM-000003", 62), ("ecom", "WEB-000101", 62),
                          ("ecom", "WEB-000050", 61), ("loyalty", "LOY-000007", 61), ("support", "SUP-000031", 61),
                          ("support", "SUP-000012", 61)], columns=["system", "record_id", "customer_id"])
    graph = graph.assign(link_method="probabilistic").iloc[::-1].reset_index(drop=True)
    return [Case("a hand-made subject with records in every system (one without email), a relative who "
                 "shares the family email, and `sources` listed out of order", (61, graph, sources),
                 _check_export(_export_ref(61, graph, sources)))]


# =================================================================================================
# Exercises 6a and 6b: the hash-chained audit log
# =================================================================================================

def _hash(prev: str, row) -> str:
    return hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest()


def _rehash(log: pd.DataFrame) -> pd.DataFrame:
    """The log with a correct chain from the genesis hash (a clean log to build cases from)."""
    out = log.reset_index(drop=True).copy()
    prev, hashes = GENESIS_HASH, []
    for row in out.to_dict("records"):
        prev = _hash(prev, row)
        hashes.append(prev)
    out["row_hash"] = hashes
    return out


def _edit(log: pd.DataFrame, positions) -> pd.DataFrame:
    """The log with rows at ``positions`` edited after they were hashed (their hashes left as they were)."""
    out = log.copy()
    for k in positions:
        out.loc[out.index[k], "detail"] = str(out.loc[out.index[k], "detail"]) + " (amended)"
    return out


def _append_ref(log: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    rows = entries.reset_index(drop=True).to_dict("records")
    prev = str(log["row_hash"].iloc[-1])
    seq = int(log["seq"].iloc[-1])
    new = []
    for row in rows:
        seq += 1
        row = {"seq": seq, **row}
        prev = row["row_hash"] = _hash(prev, row)
        new.append(row)
    return pd.DataFrame(new, columns=list(log.columns))


def _check_append(log: pd.DataFrame, new_ref: pd.DataFrame):
    n = len(log)

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "the log as a DataFrame, old rows first, new rows after")
        if list(frame.columns) != list(log.columns):
            raise Fail("the result should have exactly the log's columns, in the same order")
        if len(frame) != n + len(new_ref):
            raise Fail("the log should grow by exactly the new entries: the old rows stay, the new ones are appended")
        body = frame.reset_index(drop=True)
        old = body.iloc[:n]
        for c in log.columns:
            if not values_match(old[c], log[c].reset_index(drop=True)).all():
                raise Fail("the existing rows changed: an audit log is append-only (never recompute or edit old rows)")
        new = body.iloc[n:].reset_index(drop=True)
        if not values_match(new["seq"], new_ref["seq"]).all():
            raise Fail("the new rows' seq should continue the log's numbering")
        for c in ("logged_at", "request_id", "actor", "action", "detail"):
            if not values_match(new[c], new_ref[c]).all():
                raise Fail(f"the new rows' {c!r} should be the entries' values, in their order")
        if [str(h) for h in new["row_hash"]] != list(new_ref["row_hash"]):
            raise Fail("the new rows' row_hash values are wrong: chain the first from the log's last STORED "
                       "row_hash, each next one from the row before it")
        _plain_index(frame)
    return check


def _entries(rid: int, when: str, k: int) -> pd.DataFrame:
    base = T(when)
    steps = [("dsar_bot", "records_located", "4 source records located"), ("privacy_team", "export_sent", "done"),
             ("support_lead", "completed", "request closed")]
    frame = pd.DataFrame([(base + i * pd.Timedelta(minutes=35), rid, *steps[i % 3]) for i in range(k)],
                         columns=["logged_at", "request_id", "actor", "action", "detail"])
    frame["logged_at"] = frame["logged_at"].astype("datetime64[us]")
    return frame


def _append_world(world):
    log = world.load("dsar_audit_log")
    rid = int(world.load("dsar_requests")["request_id"].iloc[-1])
    new = _entries(rid, "2026-01-05 10:00:00", 3)
    last_edited = _edit(log, [len(log) - 1])
    more = _entries(rid, "2026-01-07 09:00:00", 2).set_axis([17, 4])
    return [Case("the dsar_audit_log table and three new entries", (log, new), _check_append(log, _append_ref(log, new))),
            Case("the dsar_audit_log table whose LAST row was edited after it was hashed, and two new "
                 "entries with a non-default index", (last_edited, more),
                 _check_append(last_edited, _append_ref(last_edited, more)))]


def _small_log() -> pd.DataFrame:
    rows = [(1, "2025-03-03 09:00:00", 11, "dsar_bot", "received", "access request under GDPR (UK)"),
            (2, "2025-03-04 10:00:00", 11, "privacy_team", "identity_verified", "identity confirmed"),
            (3, "2025-03-05 11:00:00", 12, "dsar_bot", "received", "deletion request under CCPA (US-CA)"),
            (4, "2025-03-10 16:00:00", 11, "privacy_team", "export_sent", "done"),
            (5, "2025-03-10 16:05:00", 11, "support_lead", "completed", "request closed"),
            (6, "2025-03-12 12:00:00", 12, "crm_admin", "records_deleted", "done")]
    log = pd.DataFrame(rows, columns=list(AUDIT_FIELDS))
    log["logged_at"] = pd.to_datetime(log["logged_at"]).astype("datetime64[us]")
    return _rehash(log)


def _append_fixed():
    log = _small_log()
    one = _entries(12, "2025-03-13 08:00:00", 1).set_axis([9])
    return [Case("a six-row log and one new entry with a non-default index", (log, one),
                 _check_append(log, _append_ref(log, one)))]


def _tampered_ref(log: pd.DataFrame) -> list[int]:
    ordered = log.sort_values("seq").reset_index(drop=True)
    stored = [GENESIS_HASH] + ordered["row_hash"].astype(str).tolist()
    return [int(row["seq"]) for k, row in enumerate(ordered.to_dict("records")) if _hash(stored[k], row) != stored[k + 1]]


def _seq_list(answer) -> list[int]:
    if isinstance(answer, pd.DataFrame) or not isinstance(answer, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        got = "nothing (None)" if answer is None else f"a {type(answer).__name__}"
        raise Fail(f"it should return a list of seq numbers (an empty list when the log is intact), but it returned {got}")
    try:
        return [int(s) for s in answer]
    except (TypeError, ValueError):
        raise Fail("it should return a list of seq numbers (ints), not the rows themselves") from None


def _check_tampered(ref: list[int]):
    def check(answer):
        got = _seq_list(answer)
        if got == ref:
            return
        if not ref and got:
            raise Fail("an intact log should give an empty list")
        if got and set(got) < set(ref) and len(got) < len(ref):
            raise Fail("some tampered rows are missing: report EVERY row whose stored hash does not verify, "
                       "not only the first (check the first and the last row too)")
        if set(got) == set(ref):
            raise Fail("the right rows, but not in log order (by seq)")
        if set(got) > set(ref):
            raise Fail("rows that verify are flagged too: check each row against the previous row's STORED "
                       "row_hash, so one edit flags one row")
        raise Fail("not the tampered rows: verify each row with sha256(previous row's stored row_hash + "
                   "canonical_row(row))")
    return check


def _in_order(log: pd.DataFrame, seed: int) -> pd.DataFrame:
    return log.sample(frac=1, random_state=seed).sort_values("seq").reset_index(drop=True)


def _tampered_world(world):
    log = world.load("dsar_audit_log")
    bad = _tampered_ref(log)
    repaired = _rehash(log.sort_values("seq"))
    n = len(log)
    # more edits: the first and the last row as well as the planted one; two adjacent rows; a row deleted
    ends = _edit(log, [0, n - 1])
    adjacent = _edit(log, [n // 3, n // 3 + 1])
    deleted = log.drop(index=log.index[2 * n // 3]).reset_index(drop=True)
    cases = [Case("the dsar_audit_log table", (_in_order(log, 46),), _check_tampered(bad)),
             Case("the dsar_audit_log table with its chain repaired (an intact log)", (repaired,),
                  _check_tampered([]))]
    for label, data in (("the dsar_audit_log table with its first and last rows edited too", ends),
                        ("the dsar_audit_log table with two adjacent rows edited too", adjacent),
                        ("the dsar_audit_log table with one row deleted", deleted)):
        cases.append(Case(label, (_in_order(data, 46),), _check_tampered(_tampered_ref(data))))
    return cases


def _tampered_fixed():
    log = _small_log()
    return [Case("a six-row log with its second and fifth rows edited", (_edit(log, [1, 4]),),
                 _check_tampered(_tampered_ref(_edit(log, [1, 4])))),
            Case("a six-row log with every row edited", (_edit(log, range(6)),),
                 _check_tampered(_tampered_ref(_edit(log, range(6)))))]


# =================================================================================================
# Exercise 7: data minimisation per use case
# =================================================================================================

_MIN_COLUMNS = ["requested", "needed", "excess", "missing", "excess_share", "excess_fields"]


def _minimisation_ref(fields: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for use_case, g in fields.groupby("use_case"):
        requested = set(g.loc[g["requested"].astype(bool), "field"])
        needed = set(g.loc[g["needed"].astype(bool), "field"])
        excess = requested - needed
        rows[use_case] = (len(requested), len(needed), len(excess), len(needed - requested),
                          len(excess) / len(requested), ", ".join(sorted(excess)))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=_MIN_COLUMNS)
    out.index.name = "use_case"
    return out


def _check_minimisation(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by use_case")
        frame = _relabel(frame, str, "the use_case")
        if "excess_fields" in frame.columns:
            frame["excess_fields"] = frame["excess_fields"].astype(object).where(frame["excess_fields"].notna(), "")
        expect_frame(frame, ref, index_name="the index (use_case)")
        share = ref.loc[list(frame.index), "excess_share"].round(9).to_numpy()
        key = list(zip(-share, frame.index, strict=True))
        if key != sorted(key):
            raise Fail("the rows should be sorted by excess_share, largest first, ties by use_case")
    return check


def _minimisation_world(world):
    fields = world.load("use_case_fields")
    return [Case("the use_case_fields table (rows shuffled)", (fields.sample(frac=1, random_state=47),),
                 _check_minimisation(_minimisation_ref(fields)))]


def _minimisation_fixed():
    rows = []
    for use_case, requested_needed in {
            "zeta_model": [(True, True)] * 4 + [(True, False)] * 2,                 # 2 of 6
            "alpha_alerts": [(True, True)] * 2 + [(True, False)] + [(False, True)],  # 1 of 3
            "mid_report": [(True, True)] * 6 + [(True, False)] * 3,                 # 3 of 9
            "beta_share": [(True, True)] * 3 + [(False, True)] * 2,                 # 0 of 3
            "omega_feed": [(True, False)] * 2 + [(True, True)] * 2}.items():        # 2 of 4
        for i, (req, need) in enumerate(requested_needed):
            rows.append((use_case, "analytics", f"field_{chr(106 - i)}", req, need))
    fields = pd.DataFrame(rows, columns=["use_case", "purpose", "field", "requested", "needed"])
    return [Case("hand-made use cases with equal excess shares (2 of 6, 1 of 3, 3 of 9), none in excess, and "
                 "needed fields nobody asked for (rows shuffled)", (fields.sample(frac=1, random_state=7),),
                 _check_minimisation(_minimisation_ref(fields)))]


# =================================================================================================
# Exercise 8: k-anonymity of the analytics extract
# =================================================================================================

def _kanon_ref(extract: pd.DataFrame, k: int) -> pd.DataFrame:
    release = pd.DataFrame({
        "birth_decade": extract["birth_year"].to_numpy() - extract["birth_year"].to_numpy() % 10,
        "postcode_area": [postcode_area(str(p)) for p in extract["postcode"]],
        "market": extract["market"].astype(str).to_numpy(), "segment": extract["segment"].astype(str).to_numpy(),
        "orders_2025": extract["orders_2025"].to_numpy(), "tickets_2025": extract["tickets_2025"].to_numpy()})
    size = release.groupby(list(QUASI_IDENTIFIERS))["segment"].transform("count")
    return release[(size >= k).to_numpy()].reset_index(drop=True)


def _check_kanon(ref: pd.DataFrame, k: int):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "the released extract as a DataFrame")
        leaked = [c for c in IDENTIFYING_COLUMNS if c in frame.columns]
        if leaked:
            raise Fail(f"the release still holds {leaked}: release only the generalised columns")
        missing = [c for c in RELEASE_COLUMNS if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        other = [c for c in frame.columns if c not in RELEASE_COLUMNS]
        if other:
            raise Fail(f"the release should hold only {list(RELEASE_COLUMNS)}; drop {other[:3]}")
        uk = frame.loc[frame["market"].astype(str) == "UK", "postcode_area"].astype(str)
        if len(uk) and (ref.loc[ref["market"] == "UK", "postcode_area"].str.len() > 1).any() \
                and (uk.str.len() == 1).all():
            raise Fail("the UK postcode areas are single characters: a UK postcode's area is all the letters "
                       "it starts with (SW9 8BT -> SW, M1 1AE -> M), not its first character")
        sizes = frame.groupby(list(QUASI_IDENTIFIERS)).size()
        if len(sizes) and sizes.min() < k:
            raise Fail("some group of quasi-identifiers in the release is smaller than k")
        if len(frame) != len(ref):
            raise Fail(f"it releases {len(frame):,} rows; the graded data needs "
                       f"{'more' if len(frame) < len(ref) else 'fewer'} (keep a row when its group has >= k rows)")
        expect_frame(frame.reset_index(drop=True), ref, by_index=False, row_order=True)
        _plain_index(frame, ": the original row labels would show which rows were suppressed")
    return check


def _kanon_world(world):
    x = world.load("analytics_extract")
    return [Case(f"the analytics_extract table with k = {k}", (x, k), _check_kanon(_kanon_ref(x, k), k))
            for k in (5, 10)]


def _kanon_fixed():
    # a group of exactly k = 3 rows, a group of k - 1, decades' edges (1979 / 1980, 1999 / 2000), the
    # same decade and postcode area in two markets, and UK areas of one and two letters that share a
    # first letter (S, SE, SW)
    rows = [(1979, "10115", "DE"), (1971, "10999", "DE"), (1975, "12049", "DE"),          # 1970, "1", DE: 3
            (1980, "13353", "DE"), (1989, "14050", "DE"),                                  # 1980, "1", DE: 2
            (1999, "SW1A 1AA", "UK"), (1990, "SW17 7PB", "UK"), (1995, "SW3 4RY", "UK"),   # 1990, "SW", UK: 3
            (1993, "SE1 7PB", "UK"), (1991, "S1 2AB", "UK"),                               # 1990, SE and S: 1 each
            (2000, "SW9 8BT", "UK"), (1983, "10001", "US-NY"), (1981, "10002", "US-NY"),  # 1980, "1", US-NY: 2
            (1984, "11201", "US-NY"), (1986, "13001", "FR"), (2001, "SE10 0AA", "UK"), (2003, "S10 2AB", "UK"),
            (1987, "94107", "US-CA"), (1982, "90210", "US-CA"), (1988, "95814", "US-CA")]  # 1980, "9", US-CA: 3
    extract = pd.DataFrame([(f"A{i:02d}", y, p, m, ("value", "premium", "mainstream")[i % 3], i % 4, i % 2)
                            for i, (y, p, m) in enumerate(rows)],
                           columns=["customer_ref", "birth_year", "postcode", "market", "segment",
                                    "orders_2025", "tickets_2025"])
    return [Case("a hand-made extract with k = 3: groups of exactly k and k - 1 rows, decades' edges, "
                 "postcode areas shared across markets, and UK areas S, SE and SW",
                 (extract, 3), _check_kanon(_kanon_ref(extract, 3), 3))]


# =================================================================================================
# Exercise 9: transparency-report figures
# =================================================================================================

def _transparency_ref(requests: pd.DataFrame, year: int) -> pd.DataFrame:
    start, end = T(f"{year}-01-01"), T(f"{year + 1}-01-01")
    r = requests[(requests["received_date"] >= start) & (requests["received_date"] < end)]
    rows = {}
    for (regime, kind), g in r.groupby(["privacy_regime", "request_type"]):
        days = [(c - d).days for d, c in zip(g["received_date"], g["completed_date"], strict=True) if pd.notna(c)]
        rows[(str(regime), str(kind))] = (len(g), len(days), float(np.median(days)) if days else np.nan)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["received", "completed", "median_days"])
    out.index = pd.MultiIndex.from_tuples(list(rows), names=["privacy_regime", "request_type"])
    return out


def _check_transparency(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by (privacy_regime, request_type)")
        if frame.index.nlevels != 2:
            raise Fail("the index should have two levels: (privacy_regime, request_type)")
        frame = frame.copy()
        frame.index = pd.MultiIndex.from_tuples([(str(a), str(b)) for a, b in frame.index])
        expect_frame(frame, ref, index_name="the index (privacy_regime, request_type)")
    return check


def _transparency_world(world):
    req = world.load("dsar_requests")
    return [Case(f"the dsar_requests table for {year} (rows shuffled)", (req.sample(frac=1, random_state=48), year),
                 _check_transparency(_transparency_ref(req, year))) for year in (2024, 2025)]


def _transparency_fixed():
    rows = [("GDPR", "access", "2024-12-31", "2025-01-09"), ("GDPR", "access", "2025-01-01", "2025-01-11"),
            ("GDPR", "access", "2025-06-01", "2025-06-14"), ("GDPR", "access", "2025-12-31", None),
            ("GDPR", "deletion", "2025-12-31", None), ("CCPA", "access", "2025-03-01", "2025-03-11"),
            ("CCPA", "access", "2025-12-20", "2026-01-02"), ("CCPA", "deletion", "2026-01-01", "2026-01-05"),
            ("US-other", "access", "2025-01-01", "2025-02-01"), ("US-other", "access", "2025-07-01", None)]
    frame = pd.DataFrame([(i + 1, g, _MARKET[g], t, T(r), pd.NaT if c is None else T(c))
                          for i, (g, t, r, c) in enumerate(rows)],
                         columns=["request_id", "privacy_regime", "market", "request_type", "received_date",
                                  "completed_date"])
    for c in ("received_date", "completed_date"):
        frame[c] = frame[c].astype("datetime64[us]")
    return [Case("hand-made requests received on the first and last day of the year and of the years either "
                 "side, a group with none completed, and completions in the next year", (frame, 2025),
                 _check_transparency(_transparency_ref(frame, 2025)))]


EXERCISES = [
    Graded("ex1_tests", "consent_state", _consent_world, _consent_fixed),
    Graded("ex2_tests", "retention_actions", _retention_world, _retention_fixed),
    Graded("ex3_tests", "dsar_due_dates", _due_world, _due_fixed),
    Graded("ex4_tests", "sla_compliance", _sla_world, _sla_fixed),
    Graded("ex5_tests", "subject_export", _export_world, _export_fixed),
    Graded("ex6a_tests", "append_to_log", _append_world, _append_fixed),
    Graded("ex6b_tests", "tampered_rows", _tampered_world, _tampered_fixed),
    Graded("ex7_tests", "minimisation", _minimisation_world, _minimisation_fixed),
    Graded("ex8_tests", "k_anonymise", _kanon_world, _kanon_fixed),
    Graded("ex9_tests", "transparency_figures", _transparency_world, _transparency_fixed),
]

__all__ = ["ACCEPTED_REASONS", "DEADLINES", "EXERCISES", "OPT_IN_PURPOSES", "OPT_IN_REGIMES", "OPT_OUT",
           "TIE_WINNER"]
