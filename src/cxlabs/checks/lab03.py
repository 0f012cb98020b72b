"""Visible checks and hints for Lab 03, *Data quality, lineage and access*.

Every check runs the learner's function on a small hand-made worked example (print it:
``example_feed()``, ``example_results()``, ``example_card()``, ``example_loads()``,
``example_profiles()``, ``example_edges()``, ``example_changes()``...), compares the result
with the answer worked out by hand, and, when it is wrong, says which common mistake it
looks like. No check prints the right answer.

>>> from cxlabs.checks import lab03 as checks
>>> checks.run_rules.hint()              # doctest: +SKIP
>>> checks.run_rules.check(run_rules)    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type, same

__all__ = ["run_rules", "scorecard", "steward_summary", "feed_freshness", "quarantine",
           "mask_for_role", "trace_upstream", "authoritative_values",
           "example_feed", "example_rules", "example_results", "example_rule_table", "example_stewards",
           "example_card", "example_loads", "example_sources", "example_quarantine_profiles",
           "example_freshness", "example_profiles", "example_policies", "example_edges",
           "example_changes", "example_rights", "EXAMPLE_AS_OF", "EXAMPLE_CUSTOMERS"]

#: The as-of moment of every worked example (the same as the lab's).
EXAMPLE_AS_OF = pd.Timestamp("2026-01-01 06:00")
#: The customers that exist in the worked example of exercise 1.
EXAMPLE_CUSTOMERS = (1, 2, 3, 4, 5)
_T = pd.Timestamp


def _bools(frame: pd.DataFrame, column: str) -> list:
    return [bool(v) for v in frame[column].tolist()]


# --------------------------------------------------------------------------------------------
# Exercise 1: declarative rules
# --------------------------------------------------------------------------------------------

def example_feed() -> pd.DataFrame:
    """The worked example for exercise 1: six rows (index 10-15) with every kind of defect (a missing
    customer_id, an email with a space in front)."""
    o = _T("2025-05-01 10:00")
    return pd.DataFrame({
        "source": ["crm", "crm", "crm", "ecom", "ecom", "ecom"],
        "source_customer_id": ["CRM-1", "crm-1", "CRM-2", "WEB-1", "WEB-2", "WEB-2"],
        "customer_id": pd.array([1, 2, 99, None, 4, 5], dtype="Int64"),
        "email": ["ann@ex.com", "N/A", "bob@ex", None, " unknown ", " cy@ex.org"],
        "phone": ["+447700900001", "+447700900002", None, "07700 900003", "+33612345678", ""],
        "birth_date": pd.to_datetime(["1980-05-01", "1900-01-01", None, "1975-02-02", "1990-03-03",
                                      "1985-04-04"], format="ISO8601"),
        "updated_at": pd.to_datetime(["2025-06-01", "2025-07-01", "2026-03-01", "2025-12-31 23:00",
                                      "2026-01-01 07:00", "2025-01-01"], format="ISO8601"),
        "ordered_at": [o] * 6,
        "shipped_at": pd.to_datetime(["2025-05-02", "2025-05-03", "2025-04-30", "2025-05-01 12:00", None,
                                      "2025-05-01 10:00"], format="ISO8601"),
    }, index=pd.RangeIndex(10, 16))


def example_rules() -> pd.DataFrame:
    """The rules of the worked example for exercise 1 (same vocabulary as PROFILE_RULES)."""
    email, e164 = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", r"\+[1-9]\d{7,14}"
    return pd.DataFrame([
        ("email_present", "completeness", "email", "present", None),
        ("email_format", "validity", "email", "matches", email),
        ("phone_present", "completeness", "phone", "present", None),
        ("phone_format", "validity", "phone", "matches", e164),
        ("birth_date_present", "completeness", "birth_date", "present", None),
        ("id_unique", "uniqueness", "source_customer_id", "unique", None),
        ("updated_not_future", "timeliness", "updated_at", "not_after_as_of", None),
        ("customer_known", "consistency", "customer_id", "known_customer", None),
        ("shipped_after_ordered", "consistency", "shipped_at", "not_before", "ordered_at"),
    ], columns=["rule", "dimension", "column", "test", "param"])


_RULE_RESULTS = {
    "email_present": [True, False, True, False, False, True],
    "email_format": [True, True, False, True, True, False],
    "phone_present": [True, True, False, True, True, False],
    "phone_format": [True, True, True, False, True, True],
    "birth_date_present": [True, False, False, True, True, True],
    "id_unique": [False, False, True, True, False, False],
    "updated_not_future": [True, True, False, True, False, True],
    "customer_known": [True, True, False, False, True, True],
    "shipped_after_ordered": [True, True, False, True, True, True],
}


def _check_run_rules(ex: Exercise, func) -> None:
    feed, rules = example_feed(), example_rules()
    answer = call(ex, func, feed, rules, EXAMPLE_AS_OF, pd.Series(EXAMPLE_CUSTOMERS))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one boolean column per rule")
    if list(answer.columns) != list(rules["rule"]):
        raise ex.fail(f"the columns should be the rule names, in the order of the rules table; yours are "
                      f"{list(answer.columns)}.")
    if not answer.index.equals(feed.index):
        raise ex.fail("keep the feed's index (the worked example's index runs from 10 to 15), so each "
                      "result lines up with its row; do not reset it.")
    got = {r: _bools(answer, r) for r in answer.columns}
    if got == _RULE_RESULTS:
        return
    if got["email_present"][1] or got["phone_present"][5]:
        raise ex.fail("sentinels are counted as present: 'N/A', 'unknown', '' and the like stand for a "
                      "missing value. A value is present only if it is not missing AND, stripped of "
                      "spaces and lower-cased, not in SENTINELS.")
    if got["email_present"][4]:
        raise ex.fail("' unknown ' (with spaces) is counted as present: strip spaces and lower-case "
                      "before comparing with SENTINELS.")
    if got["birth_date_present"][1]:
        raise ex.fail("the date 1900-01-01 is counted as present: it is SENTINEL_DATE, a stand-in for "
                      "a missing date.")
    if not got["email_format"][1] or not got["email_format"][3] or not got["phone_format"][5]:
        raise ex.fail("absent values (missing or sentinels) fail your validity rule. Absence is what the "
                      "completeness rule counts; a 'matches' rule judges present values only, so "
                      "absent values pass it. Otherwise one gap is counted twice.")
    if got["email_format"][5] and not got["email_format"][2]:
        raise ex.fail("' cy@ex.org' (a space in front) passes your 'matches' rule: you stripped the value "
                      "before matching. Match the value as it is stored, spaces included; stripping is "
                      "only for spotting sentinels and for comparing ids.")
    if got["customer_known"][3]:
        raise ex.fail("a missing customer_id passes 'known_customer'. A missing id is not one of "
                      "customer_ids, so it fails: this test and 'present' are the two that absent values "
                      "do not pass.")
    if got["id_unique"][0] and got["id_unique"][1]:
        raise ex.fail("'CRM-1' and 'crm-1' are the same id in different letter case, so both rows fail "
                      "uniqueness. Compare ids stripped and lower-cased.")
    if got["id_unique"][0] != got["id_unique"][1] or got["id_unique"][4] != got["id_unique"][5]:
        raise ex.fail("only some rows of a duplicated id fail. Every row whose id is shared fails "
                      "uniqueness (duplicated(keep=False)), not only the later copies.")
    if got["updated_not_future"][4]:
        raise ex.fail("an update one hour after as_of passes your timeliness rule: compare with the "
                      "stated as_of moment, not with today's date.")
    if not got["shipped_after_ordered"][4]:
        raise ex.fail("an order not shipped yet (shipped_at missing) fails 'not_before'. The rule judges "
                      "rows where both dates are present.")
    if not got["shipped_after_ordered"][5]:
        raise ex.fail("shipping at the very moment of ordering fails your 'not_before' rule; "
                      "'not before' allows equal times (>=).")
    wrong = [r for r in rules["rule"] if got[r] != _RULE_RESULTS[r]]
    raise ex.fail(f"the results of rule(s) {wrong} are not right on the worked example. Reread that "
                  "test's definition in the task.")


run_rules = Exercise(
    "1", "declarative quality rules", "Part 1, 'Rules as data'",
    (
        "Loop over the rules table; for each rule pick the column, then apply the test it names. "
        "One boolean Series per rule, collected in a DataFrame with the feed's index.",
        "Write one helper that says whether a value is absent: missing, a text sentinel "
        "(strip + lower, then isin(SENTINELS)) or SENTINEL_DATE. 'present' is its negation; the other "
        "tests let absent values pass.",
        "For 'unique', normalise the ids (strip, lower) and use DataFrame.duplicated(keep=False) on "
        "(source, normalised id). For 'not_after_as_of' compare with as_of, never with today.",
    ),
    _check_run_rules,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: scorecard
# --------------------------------------------------------------------------------------------

def example_rule_table() -> pd.DataFrame:
    """The two rules of the worked example for exercises 2."""
    return pd.DataFrame([("email_present", "completeness", "email", "present", None),
                         ("email_format", "validity", "email", "matches", r".+@.+")],
                        columns=["rule", "dimension", "column", "test", "param"])


def example_results() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The worked example for exercise 2: ``(feed, results)``, six rows (index 20-25)."""
    idx = pd.RangeIndex(20, 26)
    feed = pd.DataFrame({"source": ["crm", "ecom", "crm", "crm", "ecom", "crm"]}, index=idx)
    results = pd.DataFrame({"email_present": [True, True, True, False, False, True],
                            "email_format": [True, False, True, True, True, True]}, index=idx)
    return feed, results


def example_stewards() -> pd.DataFrame:
    """Stewards and targets for the worked example of exercise 2 (one line is not checked)."""
    return pd.DataFrame([
        ("crm", "email", "completeness", "marketing_ops", 0.75),
        ("crm", "email", "validity", "marketing_ops", 0.99),
        ("crm", "phone", "completeness", "marketing_ops", 0.95),
        ("ecom", "email", "completeness", "ecommerce_ops", 0.90),
        ("ecom", "email", "validity", "ecommerce_ops", 0.50),
    ], columns=["source", "column", "dimension", "steward", "target"])


_CARD_COLUMNS = ["source", "column", "dimension", "steward", "rows", "failed", "pass_rate", "target",
                 "meets_target"]
_CARD = pd.DataFrame([
    ("ecom", "email", "completeness", "ecommerce_ops", 2, 1, 0.5, 0.9, False),
    ("crm", "email", "completeness", "marketing_ops", 4, 1, 0.75, 0.75, True),
    ("ecom", "email", "validity", "ecommerce_ops", 2, 1, 0.5, 0.5, True),
    ("crm", "email", "validity", "marketing_ops", 4, 0, 1.0, 0.99, True),
], columns=_CARD_COLUMNS)


def _check_scorecard(ex: Exercise, func) -> None:
    feed, results = example_results()
    answer = call(ex, func, feed, results, example_rule_table(), example_stewards())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per (source, column, dimension)")
    expect_columns(ex, answer, _CARD_COLUMNS)
    answer = answer[_CARD_COLUMNS].reset_index(drop=True)
    keys = list(zip(answer["source"], answer["column"], answer["dimension"], strict=True))
    if ("crm", "phone", "completeness") in keys:
        raise ex.fail("your scorecard has a line for a (source, column, dimension) that no rule checked "
                      "(crm phone completeness): start from the results and join the stewards to them "
                      "(a left join from the results), not the other way round.")
    if sorted(keys) != sorted(zip(_CARD["source"], _CARD["column"], _CARD["dimension"], strict=True)):
        raise ex.fail("the scorecard should have one row per (source, column, dimension) that the rules "
                      "check: group the results by the row's source and the rule's column and dimension.")
    if same(answer, _CARD):
        return
    by_key = answer.set_index(["source", "column", "dimension"])
    if np.isclose(float(by_key.loc[("crm", "email", "completeness"), "pass_rate"]), 4 / 6):
        raise ex.fail("the pass rate is pooled over all sources: compute it per source (a feed row "
                      "belongs to the source in its `source` column).")
    if np.isclose(float(by_key.loc[("crm", "email", "completeness"), "pass_rate"]), 0.25):
        raise ex.fail("your pass_rate is the share of rows that FAIL: pass_rate = passed / rows.")
    if not bool(by_key.loc[("crm", "email", "completeness"), "meets_target"]):
        raise ex.fail("a line exactly at its target does not meet it in your answer: meets_target is "
                      "pass_rate >= target.")
    ordered = answer.sort_values(["source", "column", "dimension"]).reset_index(drop=True)
    if same(ordered, _CARD.sort_values(["source", "column", "dimension"]).reset_index(drop=True)):
        raise ex.fail("the numbers are right but the order is not: sort by pass_rate - target, worst "
                      "(most negative) first, ties by source, column and dimension; plain 0, 1, 2... index.")
    raise ex.fail("some counts, rates or targets are wrong on the worked example. rows = rows of the "
                  "source checked; failed = rows where the rule is False; target and steward from "
                  "the stewards table.")


scorecard = Exercise(
    "2", "scorecard per source against targets", "Part 2, 'The scorecard'",
    (
        "Put each result next to its row's source, then reshape to long form: one row per (feed row, "
        "rule), with the rule's column and dimension joined from the rules table.",
        "Group by (source, column, dimension): rows = size, failed = number of False. Then a left "
        "merge with the stewards table on the same three keys brings steward and target.",
        "meets_target is pass_rate >= target. Sort by pass_rate - target with the three keys as "
        "tie-breakers, and reset the index.",
    ),
    _check_scorecard,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: per steward
# --------------------------------------------------------------------------------------------

def example_card() -> pd.DataFrame:
    """The worked example for exercise 3: a scorecard with eight lines and four stewards."""
    return pd.DataFrame({
        "steward": ["marketing_ops", "ecommerce_ops", "data_office", "marketing_ops", "finance_ops",
                    "ecommerce_ops", "marketing_ops", "data_office"],
        "pass_rate": [0.99, 0.80, 0.999, 0.90, 0.97, 0.93, 0.985, 0.997],
        "target": [0.98, 0.95, 0.995, 0.97, 0.995, 0.95, 0.98, 0.995],
        "meets_target": [True, False, True, False, False, False, True, True],
    })


_STEWARDS = pd.DataFrame({"lines": [2, 1, 3, 2], "below_target": [2, 1, 1, 0],
                          "share_met": [0.0, 0.0, 2 / 3, 1.0]},
                         index=pd.Index(["ecommerce_ops", "finance_ops", "marketing_ops", "data_office"],
                                        name="steward"))


def _check_steward_summary(ex: Exercise, func) -> None:
    answer = call(ex, func, example_card())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by steward")
    expect_columns(ex, answer, list(_STEWARDS.columns))
    if sorted(map(str, answer.index)) != sorted(_STEWARDS.index):
        raise ex.fail("the index should be the steward, one row each (the worked example has four).")
    answer = answer[list(_STEWARDS.columns)]
    if same(answer, _STEWARDS) or same(answer.set_axis(answer.index.astype(str)), _STEWARDS):
        return
    right = answer.loc[_STEWARDS.index]
    if same(right["below_target"], _STEWARDS["lines"] - _STEWARDS["below_target"]):
        raise ex.fail("below_target counts the lines that MEET their target: count the lines where "
                      "meets_target is False.")
    if same(right["share_met"], 1 - _STEWARDS["share_met"]):
        raise ex.fail("share_met is the share of lines that meet the target, 1 - below_target / lines.")
    if same(right, _STEWARDS):
        raise ex.fail("the numbers are right but the order is not: most lines below target first, "
                      "ties by steward name (alphabetical).")
    raise ex.fail("the counts are not right on the worked example: lines = scorecard lines the "
                  "steward owns; below_target = those with meets_target False.")


steward_summary = Exercise(
    "3", "scorecard per steward", "Part 2, 'Who answers for it'",
    (
        "Group the scorecard by steward.",
        "lines = size of the group; below_target = number of lines where meets_target is False.",
        "Sort by below_target descending and steward ascending: sort_values with two columns and "
        "ascending=[False, True].",
    ),
    _check_steward_summary,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: freshness SLAs
# --------------------------------------------------------------------------------------------

def example_loads() -> pd.DataFrame:
    """The worked example load log for exercise 4 (rows not in time order)."""
    rows = [
        ("crm", "2025-12-31 01:00", "2025-12-31 01:30", "succeeded"),
        ("loyalty", "2026-01-01 02:00", "2026-01-01 02:20", "failed"),
        ("ecom", "2025-12-31 19:40", "2025-12-31 20:00", "succeeded"),
        ("crm", "2026-01-01 01:00", "2026-01-01 01:40", "succeeded"),
        ("loyalty", "2025-12-28 02:00", "2025-12-28 02:30", "succeeded"),
        ("support", "2025-12-31 02:30", "2025-12-31 03:00", "succeeded"),
        ("erp", "2026-01-01 01:00", "2026-01-01 01:10", "failed"),
        ("ecom", "2026-01-01 06:30", "2026-01-01 07:00", "succeeded"),
        ("loyalty", "2025-12-30 02:00", "2025-12-30 02:05", "failed"),
    ]
    df = pd.DataFrame(rows, columns=["source", "started_at", "finished_at", "status"])
    df["started_at"] = pd.to_datetime(df["started_at"])
    df["finished_at"] = pd.to_datetime(df["finished_at"])
    df.insert(0, "load_id", range(1, len(df) + 1))
    df["rows_loaded"] = np.where(df["status"] == "succeeded", 100, 0)
    return df


def example_sources() -> pd.DataFrame:
    """The feeds of the worked example for exercise 4, with their SLAs."""
    return pd.DataFrame({"source": ["crm", "ecom", "loyalty", "support", "erp"],
                         "system": ["CRM", "shop", "loyalty", "desk", "ERP"],
                         "steward": ["a", "b", "c", "d", "e"],
                         "freshness_sla_hours": [24.0, 12.0, 24.0, 48.0, 24.0]})


_FRESH = pd.DataFrame({
    "last_success_at": pd.to_datetime(["2026-01-01 01:40", "2025-12-31 20:00", "2025-12-28 02:30",
                                       "2025-12-31 03:00", None]),
    "age_hours": [13 / 3, 10.0, 99.5, 27.0, np.inf],
    "sla_hours": [24.0, 12.0, 24.0, 48.0, 24.0],
    "stale": [False, False, True, False, True],
}, index=pd.Index(["crm", "ecom", "loyalty", "support", "erp"], name="source"))


def _check_feed_freshness(ex: Exercise, func) -> None:
    answer = call(ex, func, example_loads(), example_sources(), EXAMPLE_AS_OF)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by source")
    expect_columns(ex, answer, list(_FRESH.columns))
    if "erp" not in set(map(str, answer.index)):
        raise ex.fail("a feed with no successful load at all (erp in the worked example) is missing. "
                      "Start from the sources table so every feed has a row; its age is infinite "
                      "(np.inf) and it is stale.")
    if sorted(map(str, answer.index)) != sorted(_FRESH.index):
        raise ex.fail("the index should be the source, one row per feed in the sources table.")
    answer = answer.loc[_FRESH.index]
    age = answer["age_hours"].astype(float).to_numpy()
    if np.all(age[:4] > 24 * 200):
        raise ex.fail("every feed is hours or days older than it should be: the age is measured at the "
                      "stated as_of moment, not at today's date.")
    if np.isclose(age[2], 3 + 40 / 60) or np.isclose(age[2], 4.0):
        raise ex.fail("a failed load counts as fresh in your answer: only loads with status "
                      "'succeeded' deliver data.")
    if np.isclose(age[1], -1.0) or np.isclose(age[1], -0.5):
        raise ex.fail("a load that finished after as_of counts in your answer: at the as-of moment it "
                      "had not happened yet. Keep loads with finished_at <= as_of.")
    if np.isclose(age[0], 5.0):
        raise ex.fail("the age runs from the load's start; data is there only when the load has "
                      "finished: use finished_at.")
    if bool(answer["stale"].iloc[3]):
        raise ex.fail("support is stale in your answer, but its SLA is 48 hours: compare each feed with "
                      "its own freshness_sla_hours, not one SLA for all.")
    if not np.isinf(age[4]):
        raise ex.fail("a feed with no successful load should have an infinite age (np.inf), so it is stale.")
    if (same(answer["age_hours"].astype(float), _FRESH["age_hours"])
            and list(answer["stale"].astype(bool)) == list(_FRESH["stale"])
            and same(answer["sla_hours"].astype(float), _FRESH["sla_hours"])):
        return
    raise ex.fail("the ages or the stale flags are not right on the worked example. Age = (as_of - "
                  "finished_at of the last successful load) in hours; stale = age > SLA.")


feed_freshness = Exercise(
    "4", "freshness SLAs", "Part 3, 'Is the data fresh?'",
    (
        "Keep the loads that succeeded and had finished by as_of; take the latest finished_at per source.",
        "Start from the sources table (every feed gets a row) and reindex the latest loads onto it. "
        "Age in hours = (as_of - last_success_at) / pd.Timedelta(hours=1); a feed with none gets np.inf.",
        "stale = age_hours > sla_hours, each feed against its own SLA.",
    ),
    _check_feed_freshness,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: quarantine before automated use
# --------------------------------------------------------------------------------------------

def example_quarantine_profiles() -> pd.DataFrame:
    """The worked example profiles for exercise 5 (``verified`` may be missing)."""
    return pd.DataFrame({
        "feed_row_id": [7, 3, 9, 1, 4, 8],
        "source": ["crm", "loyalty", "crm", "crm", "support", "loyalty"],
        "customer_id": [70, 30, 90, 10, 40, 80],
        "verified": pd.array([True, True, False, pd.NA, True, False], dtype="boolean"),
    })


def example_freshness() -> pd.DataFrame:
    """Freshness for exercise 5's worked example: loyalty is stale."""
    return pd.DataFrame({"age_hours": [4.0, 99.5, 27.0], "sla_hours": [24.0, 24.0, 48.0],
                         "stale": [False, True, False]},
                        index=pd.Index(["crm", "loyalty", "support"], name="source"))


_HELD = pd.DataFrame({"source": ["crm", "loyalty", "loyalty", "crm"], "customer_id": [10, 30, 80, 90],
                      "reason": ["unverified", "stale feed", "stale feed", "unverified"]},
                     index=pd.Index([1, 3, 8, 9], name="feed_row_id"))


def _check_quarantine(ex: Exercise, func) -> None:
    answer = call(ex, func, example_quarantine_profiles(), example_freshness())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by feed_row_id")
    expect_columns(ex, answer, ["source", "customer_id", "reason"])
    ids = [int(i) for i in answer.index]
    if 9 not in ids:
        raise ex.fail("an unverified profile from a fresh feed is let through: hold unverified profiles too.")
    if 1 not in ids:
        raise ex.fail("a profile whose `verified` is missing is let through: the source does not say it "
                      "verified the contact, so it is not verified. Treat missing as False.")
    if 3 not in ids:
        raise ex.fail("a verified profile from a stale feed is let through: everything from a stale feed "
                      "is held, verified or not.")
    if sorted(ids) != [1, 3, 8, 9]:
        raise ex.fail("your answer holds profiles that can be used: only stale-feed or unverified "
                      "profiles are held.")
    reasons = dict(zip(ids, answer["reason"].astype(str), strict=True))
    if reasons[8] == "unverified":
        raise ex.fail("an unverified profile from a stale feed should get the reason 'stale feed': it is "
                      "the first reason that applies.")
    if ids != sorted(ids):
        raise ex.fail("sort the rows by feed_row_id.")
    if not same(answer[["source", "customer_id", "reason"]].set_axis(pd.Index(ids, name="feed_row_id")), _HELD):
        raise ex.fail("the source, customer_id or reason columns are not right on the worked example.")


quarantine = Exercise(
    "5", "quarantine before automated use", "Part 3, 'Hold it back'",
    (
        "Two reasons to hold a profile: its feed is stale (from the freshness table) or it is not verified.",
        "`verified` is a nullable boolean: missing means the source did not verify, so fillna(False) "
        "before you negate it.",
        "Give each held row the first reason that applies (np.where or np.select), index by "
        "feed_row_id and sort it.",
    ),
    _check_quarantine,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: role-based masking
# --------------------------------------------------------------------------------------------

def example_profiles() -> pd.DataFrame:
    """The worked example profiles for exercise 6."""
    return pd.DataFrame({
        "feed_row_id": [1, 2, 3, 4],
        "source": ["crm", "crm", "ecom", "ecom"],
        "email": ["ann@example.com", None, "N/A", "cy@shop.fr"],
        "phone": ["+447700900001", "+33612345678", None, "12"],
        "login": [None, None, "bobby", "cy@shop.fr"],
        "city": ["Leeds", "Lyon", None, "Paris"],
    }).astype({"email": "string", "phone": "string", "login": "string", "city": "string"})


def example_policies() -> pd.DataFrame:
    """The worked example policy for exercise 6: roles `analyst` and `agent`."""
    return pd.DataFrame([("analyst", "city", "clear"), ("analyst", "email", "masked"),
                         ("analyst", "feed_row_id", "clear"), ("analyst", "phone", "masked"),
                         ("agent", "email", "clear"), ("agent", "phone", "clear")],
                        columns=["role", "column", "access"])


_MASKED = {"feed_row_id": [1, 2, 3, 4], "email": ["a***@example.com", None, "***", "c***@shop.fr"],
           "phone": ["***0001", "***5678", None, "***12"], "city": ["Leeds", "Lyon", None, "Paris"]}


def _as_list(s: pd.Series) -> list:
    return [None if pd.isna(v) else (v if isinstance(v, (int, np.integer)) else str(v)) for v in s.tolist()]


def _check_mask_for_role(ex: Exercise, func) -> None:
    answer = call(ex, func, example_profiles(), example_policies(), "analyst")
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with the columns the role may see")
    if "login" in answer.columns:
        raise ex.fail("the analyst sees the `login` column, which is not listed for the role, and logins "
                      "are often email addresses: the email leaks through another column. A column "
                      "not listed for a role is hidden (default deny).")
    if "source" in answer.columns:
        raise ex.fail("the analyst sees a column that is not listed for the role (source): columns not "
                      "listed are hidden (default deny).")
    if list(answer.columns) != list(_MASKED):
        raise ex.fail(f"the columns should be those listed for the role, in the profiles' column order "
                      f"({list(_MASKED)} here is what the check expects in count: {len(_MASKED)}); "
                      f"yours are {list(answer.columns)}.")
    got = {c: _as_list(answer[c]) for c in answer.columns}
    if got["email"][1] is not None or got["phone"][2] is not None:
        raise ex.fail("a missing value became '***': masking hides values, it does not invent them. "
                      "Keep missing values missing.")
    if got["email"][0] == "ann@example.com" or got["phone"][0] == "+447700900001":
        raise ex.fail("a masked column is shown in clear.")
    if got["email"][0] == "***":
        raise ex.fail("the email mask should keep the first letter and the domain: 'a***@example.com'.")
    if got != {c: [int(v) if c == "feed_row_id" else v for v in vals] for c, vals in _MASKED.items()}:
        raise ex.fail("some masked values are not in the stated format: email -> first character + "
                      "'***@' + domain ('***' when there is no '@'); phone -> '***' + last 4 characters; "
                      "any other masked column -> '***'. Clear columns unchanged.")
    try:
        func(example_profiles(), example_policies(), "nobody")
    except NotImplementedError:
        raise
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001 - any other error is the wrong kind
        raise ex.fail(f"an unknown role raised {type(exc).__name__}; raise a ValueError that names the "
                      "known roles.") from None
    raise ex.fail("an unknown role returned a result: raise a ValueError that names the known roles "
                  "(a typo in a role name must not show or hide data silently).")


mask_for_role = Exercise(
    "6", "role-based column masking", "Part 4, 'Who sees what'",
    (
        "Take the role's rows of the policy table. Only the columns listed there survive, in the "
        "profiles' own column order.",
        "Masks: email -> first character + '***@' + domain; phone -> '***' + last 4 characters; other "
        "masked columns -> '***'. Use .where(values.notna()) to keep missing values missing.",
        "An unknown role is an error (raise ValueError), not an empty table.",
    ),
    _check_mask_for_role,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: lineage
# --------------------------------------------------------------------------------------------

def example_edges() -> pd.DataFrame:
    """The worked example lineage for exercise 7: a diamond, a loop and a dashboard off to the side."""
    rows = [("feedA", "stg1", "feed", "dataset"), ("feedB", "stg1", "feed", "dataset"),
            ("stg1", "gold", "dataset", "dataset"), ("gold", "model", "dataset", "model"),
            ("gold", "decision", "dataset", "decision"), ("model", "decision", "model", "decision"),
            ("decision", "outcomes", "decision", "dataset"), ("outcomes", "features", "dataset", "dataset"),
            ("features", "model", "dataset", "model"), ("feedC", "stg2", "feed", "dataset"),
            ("stg2", "dash", "dataset", "dashboard"), ("gold", "dash", "dataset", "dashboard"),
            ("gold", "features", "dataset", "dataset"), ("features", "decision", "dataset", "decision")]
    order = [5, 11, 2, 13, 8, 0, 6, 3, 12, 9, 1, 10, 4, 7]
    return pd.DataFrame([rows[i] for i in order], columns=["upstream", "downstream", "upstream_kind",
                                                             "downstream_kind"])


_TRACE = pd.DataFrame({"node": ["features", "gold", "model", "outcomes", "stg1", "feedA", "feedB"],
                       "kind": ["dataset", "dataset", "model", "dataset", "dataset", "feed", "feed"],
                       "hops": [1, 1, 1, 2, 2, 3, 3]})


def _check_trace_upstream(ex: Exercise, func) -> None:
    answer = call(ex, func, example_edges(), "decision")
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with columns node, kind, hops")
    expect_columns(ex, answer, list(_TRACE.columns))
    nodes = set(answer["node"].astype(str))
    if nodes == {"features", "gold", "model"}:
        raise ex.fail("only the direct parents: keep walking upstream from each parent until no new "
                      "node appears.")
    if "dash" in nodes or ("outcomes" in nodes and "feedA" not in nodes):
        raise ex.fail("your walk goes downstream: a node's parents are the `upstream` ends of the edges "
                      "whose `downstream` is that node.")
    if "decision" in nodes:
        raise ex.fail("the decision itself is in the answer (the loop through outcomes leads back to it): "
                      "list only the nodes upstream of it.")
    if nodes != set(_TRACE["node"]):
        raise ex.fail("the set of upstream nodes is not right on the worked example.")
    got = dict(zip(answer["node"].astype(str), answer["hops"].astype(int), strict=True))
    if got != dict(zip(_TRACE["node"], _TRACE["hops"], strict=True)):
        raise ex.fail("hops should be the FEWEST steps from the node to the decision (breadth-first: "
                      "all parents at distance 1, then their parents...). A depth-first walk records "
                      "the first path it happens to take.")
    answer = answer[list(_TRACE.columns)].reset_index(drop=True)
    if not same(answer.astype({"hops": int}), _TRACE):
        raise ex.fail("sort by hops, then node name, with a plain 0, 1, 2... index; kind is the node's kind.")


trace_upstream = Exercise(
    "7", "trace a decision to its sources", "Part 5, 'Where did this decision come from?'",
    (
        "Make a dictionary: node -> list of its parents (the upstream ends of edges into it).",
        "Breadth-first search: start from the node, visit all parents (hops 1), then their parents "
        "(hops 2)... Remember what you have seen: the graph has a loop.",
        "A node's kind is in upstream_kind (or downstream_kind) of any edge that touches it.",
    ),
    _check_trace_upstream,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: decision rights for shared fields
# --------------------------------------------------------------------------------------------

def example_rights() -> pd.DataFrame:
    """The worked example decision rights for exercise 8."""
    return pd.DataFrame([("email", "crm", "owner"), ("email", "erp", "read"), ("email", "warehouse", "read"),
                         ("credit_limit", "crm", "read"), ("credit_limit", "erp", "owner"),
                         ("credit_limit", "warehouse", "read")], columns=["field", "system", "right"])


def example_changes() -> pd.DataFrame:
    """The worked example changes for exercise 8 (not in time order)."""
    rows = [(5, 2, "email", "crm", "2025-05-01", "b@y.com"), (1, 1, "email", "crm", "2025-01-01", "a@x.com"),
            (4, 1, "email", "warehouse", "2025-03-01", "wrong@x.com"),
            (2, 1, "credit_limit", "erp", "2025-02-01", "500"), (6, 1, "credit_limit", "erp", "2025-04-01", "800"),
            (3, 2, "email", "crm", "2025-02-01", "old@y.com"), (7, 2, "credit_limit", "crm", "2025-06-01", "9999")]
    df = pd.DataFrame(rows, columns=["change_id", "customer_id", "field", "system", "changed_at", "value"])
    df["changed_at"] = pd.to_datetime(df["changed_at"])
    return df


_AUTH = pd.DataFrame({"value": ["800", "a@x.com", "b@y.com"], "system": ["erp", "crm", "crm"],
                      "changed_at": pd.to_datetime(["2025-04-01", "2025-01-01", "2025-05-01"])},
                     index=pd.MultiIndex.from_tuples([(1, "credit_limit"), (1, "email"), (2, "email")],
                                                     names=["customer_id", "field"]))


def _check_authoritative_values(ex: Exercise, func) -> None:
    answer = call(ex, func, example_changes(), example_rights())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (customer_id, field)")
    expect_columns(ex, answer, list(_AUTH.columns))
    if answer.index.nlevels != 2:
        raise ex.fail("the index should have two levels, (customer_id, field).")
    keys = {(int(c), str(f)) for c, f in answer.index}
    values = dict(zip(((int(c), str(f)) for c, f in answer.index), answer["value"].astype(str), strict=True))
    if values.get((1, "email")) == "wrong@x.com" or (2, "credit_limit") in keys and values.get(
            (2, "credit_limit")) == "9999":
        raise ex.fail("a change made by a system that does not own the field wins in your answer. Only "
                      "the owner's writes count: the others only read the field.")
    if (2, "credit_limit") in keys:
        raise ex.fail("a (customer, field) with no authorised change at all should not appear.")
    if values.get((1, "credit_limit")) == "500" or values.get((2, "email")) == "old@y.com":
        raise ex.fail("the earliest authorised change wins in your answer, or the latest ROW: take the "
                      "change with the latest changed_at (the rows are not in time order).")
    answer = answer[list(_AUTH.columns)].sort_index()
    if not same(answer.set_axis(pd.MultiIndex.from_tuples(sorted(keys), names=["customer_id", "field"])), _AUTH):
        raise ex.fail("the values, systems or times are not right on the worked example.")


authoritative_values = Exercise(
    "8", "decision rights for shared fields", "Part 6, 'Who decides the value?'",
    (
        "First find, for each field, the one system with the right 'owner'.",
        "Keep only the changes made by the owner of their field (merge on field and system), then take "
        "the latest changed_at per (customer_id, field).",
        "Sort by changed_at and keep the last row of each group (groupby(...).tail(1)), or use idxmax.",
    ),
    _check_authoritative_values,
)
