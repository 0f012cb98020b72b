"""Visible checks and hints for Lab 07, *Voice of the customer and closed loops*.

Every check runs the learner's function on a small hand-made example (print it:
``example_answers()``, ``example_respondents()`` and ``example_targets()``,
``example_followups()``, ``example_comments()``, ``example_counts()``, ``example_drivers()``,
``example_shipping()``), compares the result with the answer worked out by hand, and, when it
is wrong, says which common mistake it looks like. No check prints the expected values.

>>> from cxlabs.checks import lab07 as checks
>>> checks.score_summary.hint()                 # doctest: +SKIP
>>> checks.score_summary.check(score_summary)   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["score_summary", "rake_weights", "followup_status", "predict_themes", "escalation_z",
           "key_drivers", "claim_test", "example_answers", "example_respondents", "example_targets",
           "example_followups", "example_comments", "example_counts", "example_drivers",
           "example_shipping", "FOLLOWUP_AS_OF", "EXAMPLE_CLAIM"]

T = pd.Timestamp

# --------------------------------------------------------------------------------------------
# Worked examples (literal data)
# --------------------------------------------------------------------------------------------

_NPS = (10, 9, 9, 10, 9, 10, 9, 9, 10, 8, 7, 8, 7, 8, 7, 6, 6, 0, 3, 5)
_CSAT = (5, 5, 4, 4, 5, 4, 5, 3, 4, None, 4, 3, 4, 2, 3, 2, 1, 1, 3, 4)
_CES = (7, 6, 7, 5, 6, 7, 6, None, 6, 5, 5, 4, 6, 3, None, 2, 3, 1, 2, 4)


def example_answers() -> pd.DataFrame:
    """Worked example for exercise 1: twenty answers (nine promoters, six passives, five
    detractors; one CSAT and two CES scores missing)."""
    return pd.DataFrame({"survey_id": range(101, 121), "nps": pd.array(_NPS, dtype="Int64"),
                         "csat": pd.array(_CSAT, dtype="Int64"), "ces": pd.array(_CES, dtype="Int64")})


_RESPONDENTS = (  # segment, region
    ("premium", "UK"), ("premium", "UK"), ("premium", "EU"), ("premium", "US"), ("premium", "US"),
    ("premium", "EU"), ("mainstream", "UK"), ("mainstream", "EU"), ("mainstream", "US"),
    ("mainstream", "US"), ("value", "EU"), ("value", "US"),
)


def example_respondents() -> pd.DataFrame:
    """Worked example for exercise 2: twelve answers, premium over-represented (index 201...)."""
    frame = pd.DataFrame(list(_RESPONDENTS), columns=["segment", "region"])
    frame.index = pd.Index(range(201, 201 + len(frame)), name="answer")
    return frame


def example_targets() -> dict[str, pd.Series]:
    """Worked example for exercise 2: population shares by segment and by region."""
    return {"segment": pd.Series({"value": 0.4, "mainstream": 0.4, "premium": 0.2}),
            "region": pd.Series({"UK": 0.25, "EU": 0.35, "US": 0.40})}


#: The worked example's audit moment for exercise 3: Wednesday 12 March 2025, 17:00 UTC.
FOLLOWUP_AS_OF = T("2025-03-12 17:00")

_FOLLOWUPS = (  # id, opened_at, done_at
    (1, "2025-03-03 10:00", "2025-03-05 17:00"),   # Monday; done exactly at the due time
    (2, "2025-03-07 18:30", "2025-03-11 17:01"),   # Friday evening; a minute late
    (3, "2025-03-08 09:00", None),                 # Saturday: counts from Monday; due = as_of
    (4, "2025-03-09 23:00", "2025-03-12 16:00"),   # Sunday: counts from Monday
    (5, "2025-03-07 08:00", "2025-03-13 09:00"),   # done after as_of: overdue on as_of
    (6, "2025-03-06 12:00", None),                 # Thursday; never done
    (7, "2025-03-11 08:00", None),                 # not due yet
    (8, "2025-03-12 17:00", None),                 # opened exactly at as_of
    (9, "2025-03-12 17:00:01", None),              # opened after as_of: not in the report
    (10, "2025-03-06 10:00", "2025-03-09 12:00"),  # Thursday; done on Sunday, before Monday's due
    (11, "2025-03-05 23:59", "2025-03-07 16:59"),  # Wednesday, late at night
    (12, "2025-03-01 12:00", "2025-03-05 17:30"),  # Saturday; half an hour late
)
_FOLLOWUP_ORDER = (4, 11, 0, 7, 2, 9, 5, 1, 10, 3, 8, 6)


def example_followups() -> pd.DataFrame:
    """Worked example for exercise 3: twelve follow-ups shaped like ``detractor_followups``
    without ``due_at`` (weekend answers, a call-back exactly at the due time, one a minute late,
    one after the audit moment, one opened exactly at it and one after it)."""
    rows = [(i, 900 + i, "customer_care", T(o), d and T(d), d and "resolved") for i, o, d in _FOLLOWUPS]
    frame = pd.DataFrame(rows, columns=["followup_id", "survey_id", "team", "opened_at", "done_at", "outcome"])
    for c in ("opened_at", "done_at"):
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    frame["outcome"] = frame["outcome"].astype("str")
    return frame.iloc[list(_FOLLOWUP_ORDER)].reset_index(drop=True)


_TRAIN = (
    ("late_delivery", "my parcel arrived a week late"), ("late_delivery", "the delivery was late again"),
    ("slow_response", "nobody answered my email for days"), ("slow_response", "support took ages to reply"),
    ("repeat_contact", "I had to call three times about it"), ("repeat_contact", "I keep calling and it is never fixed"),
    ("praise", "great service, thank you"), ("praise", "brilliant staff, very happy"),
    ("product_quality", "the fridge broke after a week"), ("product_quality", "poor build quality, it leaks"),
    ("price", "far too expensive for what it is"), ("price", "the discount was not applied"),
    ("app_experience", "the app keeps crashing"), ("app_experience", "cannot log in to the app"),
    ("installation", "the installer never turned up"), ("installation", "the engineer left the fitting loose"),
)


def example_comments() -> tuple[pd.Series, pd.Series, pd.Series]:
    """Worked example for exercise 4: ``(train_texts, train_themes, texts)``: sixteen tagged
    comments (two per theme), and eight comments to classify, indexed by comment id, each a
    training comment written again in capitals."""
    train_texts = pd.Series([t for _, t in _TRAIN], index=pd.Index(range(1, 17), name="comment_id"), name="text")
    train_themes = pd.Series([th for th, _ in _TRAIN], index=train_texts.index, name="theme")
    picks = [1, 2, 5, 6, 9, 10, 13, 14]
    texts = pd.Series([_TRAIN[i][1].upper() for i in picks], index=pd.Index(range(508, 500, -1), name="comment_id"),
                      name="text")
    return train_texts, train_themes, texts


#: The themes of ``example_comments()[2]``, in its order.
_COMMENT_THEMES = tuple(_TRAIN[i][0] for i in (1, 2, 5, 6, 9, 10, 13, 14))

_COUNTS = {  # months Jan-Sep 2025; three themes
    "app": (10, 12, 8, 11, 0, 30, 26, 12, 10),
    "delivery": (40, 58, 45, 41, 0, 44, 40, 36, 42),
    "price": (50, 70, 27, 48, 0, 46, 54, 52, 48),
}


def example_counts() -> pd.DataFrame:
    """Worked example for exercise 5: nine months of comment counts for three themes (May has
    no comments), to use with ``baseline_months=3``."""
    index = pd.date_range("2025-01-01", periods=9, freq="MS", name="month")
    return pd.DataFrame(_COUNTS, index=index).rename_axis(columns="theme")


_DRIVER_ROWS = (  # days_late, first_response_hours, repeat_contact, nps
    (0, 0.5, 0, 10), (0, 2.0, 0, 9), (1, 0.2, 0, 8), (3, 8.0, 1, 3), (0, 24.0, 0, 7),
    (2, 1.0, 0, 6), (0, 0.1, 1, 6), (5, 30.0, 1, 0), (0, 4.0, 0, 9), (1, 12.0, 1, 4),
)


def example_drivers() -> pd.DataFrame:
    """Worked example for exercise 6: ten answers with three drivers and an NPS."""
    return pd.DataFrame(list(_DRIVER_ROWS), columns=["days_late", "first_response_hours", "repeat_contact", "nps"],
                        index=pd.Index(range(301, 311), name="survey_id")).astype(float)


#: The worked example's claim for exercise 7.
EXAMPLE_CLAIM = {"claim_id": 1, "factor": "carrier", "level": "Swift", "claimed_rate_ratio": 2.0}

_SHIP = {  # carrier: (on time, late, delivered late in the evening of the promised day)
    "Swift": (28, 12, 3), "Steady": (72, 8, 2), "Other": (18, 2, 1),
}


def example_shipping() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Worked example for exercise 7: ``(orders, shipments)``: 140 shipped orders and one
    carry-out order; Swift carries 40 shipments, 12 of them late; a few are delivered late in
    the evening of the promised day (on time)."""
    rows, oid = [], 1000
    promised = T("2025-05-12")
    for carrier, (on_time, late, evening) in _SHIP.items():
        for k in range(on_time + late):
            oid += 1
            if k < late:
                at = promised + pd.Timedelta(days=1 + k % 3, hours=9)
            elif k < late + evening:
                at = promised + pd.Timedelta(hours=23, minutes=59)
            else:
                at = promised - pd.Timedelta(days=k % 2, hours=-14)
            rows.append((oid, carrier, "FC-EU" if k % 2 else "FC-UK", at))
    shipments = pd.DataFrame(rows, columns=["order_id", "carrier", "fulfilment_centre", "delivered_at"])
    shipments.insert(0, "shipment_id", range(1, len(shipments) + 1))
    shipments.insert(4, "shipped_at", shipments["delivered_at"] - pd.Timedelta(days=2))
    orders = pd.DataFrame({"order_id": list(shipments["order_id"]) + [oid + 1],
                           "customer_id": range(1, len(shipments) + 2),
                           "fulfilment_centre": list(shipments["fulfilment_centre"]) + [None],
                           "delivery_method": ["standard"] * len(shipments) + ["carry_out"],
                           "promised_delivery_date": [promised] * len(shipments) + [pd.NaT]})
    for frame, cols in ((shipments, ("shipped_at", "delivered_at")), (orders, ("promised_delivery_date",))):
        for c in cols:
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    return orders.sample(frac=1, random_state=3).reset_index(drop=True), shipments.iloc[::-1].reset_index(drop=True)


def _close(a, b, tol: float = 1e-6) -> bool:
    try:
        return bool(np.isclose(float(a), float(b), rtol=tol, atol=tol))
    except (TypeError, ValueError):
        return False


def _floats(ex: Exercise, values, what: str) -> np.ndarray:
    try:
        return pd.to_numeric(pd.Series(values), errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ex.fail(f"{what} should hold numbers.") from None


# --------------------------------------------------------------------------------------------
# Exercise 1: NPS, CSAT and CES with confidence intervals
# --------------------------------------------------------------------------------------------

#: Worked answers (n, estimate, low, high) for confidence 0.95 and 0.90, by hand.
_SCORES = {
    0.95: {"nps": (20, 20.0, -15.604513910866146, 55.604513910866146),
           "csat": (19, 57.89473684210527, 35.69442751762152, 80.09504616658901),
           "ces": (18, 4.722222222222222, 3.8571527501751337, 5.587291694269311)},
    0.90: {"nps": (20, 20.0, -9.880249996469004, 49.880249996469004),
           "csat": (19, 57.89473684210527, 39.26364994466365, 76.52582373954688),
           "ces": (18, 4.722222222222222, 3.9962330357446127, 5.448211408699832)},
}
_METRICS = ["nps", "csat", "ces"]
_SCORE_COLUMNS = ["n", "estimate", "low", "high"]


def _scores_table(ex: Exercise, answer) -> pd.DataFrame:
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by metric (nps, csat, ces)")
    expect_columns(ex, answer, _SCORE_COLUMNS)
    if sorted(map(str, answer.index)) != sorted(_METRICS):
        raise ex.fail("the index should be the metric: 'nps', 'csat' and 'ces', one row each.")
    got = answer.copy()
    got.index = got.index.astype(str)
    got = got.loc[_METRICS, _SCORE_COLUMNS]
    for c in _SCORE_COLUMNS:
        got[c] = _floats(ex, got[c], f"column {c!r}")
    return got


def _check_score_summary(ex: Exercise, func) -> None:
    got = _scores_table(ex, call(ex, func, example_answers()))
    want = _SCORES[0.95]
    nps, csat, ces = got.loc["nps"], got.loc["csat"], got.loc["ces"]
    if _close(nps["estimate"], 0.2):
        raise ex.fail("NPS is a fraction: report it in points, from -100 to 100 (% promoters - % detractors).")
    if _close(nps["estimate"], 50.0):
        raise ex.fail("7s and 8s were counted as promoters. Promoters answer 9 or 10; 7 and 8 are passives.")
    if _close(nps["estimate"], 30.0):
        raise ex.fail("6s were not counted as detractors. Detractors answer 0 to 6, 6 included.")
    if not _close(nps["estimate"], want["nps"][1]):
        raise ex.fail("the NPS estimate is wrong: 100 x (share of 9-10 - share of 0-6) among the answers with an NPS.")
    half = nps["high"] - nps["estimate"]
    if _close(half / (want["nps"][3] - want["nps"][1]), 1.96 / 1.959963984540054, 1e-7):
        raise ex.fail("z is fixed at 1.96: it must come from the confidence argument, "
                      "stats.norm.ppf(1 - (1 - confidence) / 2), not a fixed 1.96.")
    if _close(half, 17.530450811531633):
        raise ex.fail("the NPS interval treats NPS as one proportion (sqrt(p(1-p)/n)). NPS is the difference "
                      "of two shares of one sample: se = sqrt((p + d - (p - d)**2) / n).")
    if _close(half, 28.90531600763037):
        raise ex.fail("the NPS interval adds the variances of the two shares without their covariance. The two "
                      "shares come from one sample: se = sqrt((p + d - (p - d)**2) / n).")
    if not (_close(nps["low"], want["nps"][2]) and _close(nps["high"], want["nps"][3])):
        raise ex.fail("the NPS interval is wrong: estimate -/+ z x 100 x sqrt((p + d - (p - d)**2) / n).")
    if _close(csat["estimate"], 100 * 4 / 19):
        raise ex.fail("CSAT counts only the 5s. The top-2-box share counts answers of 4 or 5.")
    if _close(csat["estimate"], 55.0) or int(csat["n"]) == 20 or int(ces["n"]) == 20:
        raise ex.fail("missing scores were counted in n. Leave them out, score by score (dropna() on each "
                      "column): n is the number of answers WITH that score.")
    if csat["estimate"] <= 5:
        raise ex.fail("CSAT should be the % of answers that are 4 or 5 (0-100), not the mean score.")
    if not (_close(csat["estimate"], want["csat"][1]) and _close(csat["low"], want["csat"][2])
            and _close(csat["high"], want["csat"][3])):
        raise ex.fail("the CSAT row is wrong: 100 x share of 4-5, with -/+ z x 100 x sqrt(q(1-q)/n).")
    if _close(ces["estimate"], want["ces"][1]) and _close(ces["high"] - ces["estimate"], 0.8651 * np.sqrt(17 / 18), 1e-3):
        raise ex.fail("the CES interval uses the population standard deviation (ddof=0). Use the sample "
                      "standard deviation, ddof=1 (pandas' .std() default).")
    if not all(_close(ces[c], v) for c, v in zip(["estimate", "low", "high"], want["ces"][1:], strict=True)):
        raise ex.fail("the CES row is wrong: the mean score, -/+ z x s / sqrt(n) with s = .std(ddof=1).")
    if [int(v) for v in got["n"]] != [want[m][0] for m in _METRICS]:
        raise ex.fail("n is wrong: the number of answers with each score (missing ones left out).")
    got90 = _scores_table(ex, call(ex, func, example_answers(), 0.90))
    if not all(_close(got90.loc[m, c], v) for m in _METRICS for c, v in zip(["low", "high"], _SCORES[0.90][m][2:],
                                                                              strict=True)):
        raise ex.fail("right at 95%, wrong at confidence=0.90: z must come from the confidence argument, "
                      "stats.norm.ppf(1 - (1 - confidence) / 2), not a fixed 1.96.")


score_summary = Exercise(
    "1", "scores with confidence intervals", "Part 1, 'Scores with their uncertainty'",
    (
        "Work score by score: drop the missing values of the column first, then n = len of what is left.",
        "NPS: p = share of 9-10, d = share of 0-6; the estimate is 100 x (p - d). Its standard error is "
        "sqrt((p + d - (p - d)**2) / n): the two shares are not independent.",
        "z = stats.norm.ppf(1 - (1 - confidence) / 2). Build a dict {metric: (n, estimate, se)}, make a "
        "DataFrame with pd.DataFrame.from_dict(..., orient='index'), then low/high = estimate -/+ z x se.",
    ),
    _check_score_summary,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: raking weights
# --------------------------------------------------------------------------------------------

#: Worked answers, by hand (IPF to convergence; post-stratification by segment alone).
_RAKED = (0.576453892, 0.576453892, 0.3255274072, 0.2980187008, 0.2980187008, 0.3255274072,
          1.847092216, 1.0430654528, 0.9549211656, 0.9549211656, 2.5058797328, 2.2941202672)
_POST = (0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 1.2, 1.2, 1.2, 1.2, 2.4, 2.4)
_ONE_PASS = (0.6, 0.6, 0.3818181818, 0.3428571429, 0.3428571429, 0.3818181818, 1.8, 1.1454545455,
             1.0285714286, 1.0285714286, 2.2909090909, 2.0571428571)


def _weights(ex: Exercise, answer, index: pd.Index) -> np.ndarray:
    expect_type(ex, answer, pd.Series, "a Series of weights with the index of respondents")
    if len(answer) != len(index):
        raise ex.fail(f"expected one weight per respondent ({len(index)} in the worked example); you have {len(answer)}.")
    try:
        same_index = [int(i) for i in answer.index] == list(index)
    except (TypeError, ValueError):
        same_index = False
    if not same_index:
        raise ex.fail("the weights should keep the index of respondents (201, 202, ... in the worked example), "
                      "in the same order: build them as a Series on respondents.index.")
    return _floats(ex, answer, "the weights")


def _check_rake_weights(ex: Exercise, func) -> None:
    respondents, targets = example_respondents(), example_targets()
    post = _weights(ex, call(ex, func, respondents.copy(), {"segment": targets["segment"]}), respondents.index)
    premium, value = post[list(respondents["segment"]).index("premium")], post[list(respondents["segment"]).index("value")]
    if premium > value:
        raise ex.fail("the ratio is upside down: a group that answers LESS than its share of the customer base "
                      "must get a weight above 1 (target share / weighted share, not the reverse).")
    if np.allclose(post / post.mean(), _POST, rtol=1e-4) and not np.isclose(post.mean(), 1):
        raise ex.fail("the weights are not scaled: divide them by their mean, so that they average 1 and sum "
                      "to the number of answers.")
    if not np.allclose(post, _POST, rtol=1e-4):
        raise ex.fail("with one margin (segment), raking is post-stratification: each answer's weight is its "
                      "segment's target share over the segment's share of the answers, scaled to mean 1.")
    raked = _weights(ex, call(ex, func, respondents.copy(), targets), respondents.index)
    if np.allclose(raked / raked.mean(), _ONE_PASS, rtol=1e-4):
        raise ex.fail("only one pass through the margins was made: after adjusting to region, the segment "
                      "shares are off again. Repeat the passes until every margin is within tol of its target.")
    seg = pd.Series(raked).groupby(respondents["segment"].to_numpy()).sum() / raked.sum()
    if np.allclose(seg.reindex(targets["segment"].index), targets["segment"], atol=1e-3) and not np.allclose(
            raked / raked.mean(), _RAKED, rtol=1e-3):
        raise ex.fail("the segment margin holds but the region margin does not: every margin in targets must "
                      "be adjusted, in each pass.")
    if np.allclose(raked / raked.mean(), _RAKED, rtol=1e-4) and not np.isclose(raked.mean(), 1):
        raise ex.fail("the weights are not scaled: divide them by their mean, so that they average 1.")
    if not np.allclose(raked, _RAKED, rtol=1e-4):
        raise ex.fail("the raked weights are wrong: in each pass, for each margin, multiply each weight by "
                      "target share / current weighted share of the respondent's level; repeat until both "
                      "margins hold; then scale to mean 1.")


rake_weights = Exercise(
    "2", "raking weights", "Part 2, 'Who answered?'",
    (
        "Start from a Series of ones on respondents.index. For one margin, the weighted share of each "
        "level is w.groupby(respondents[column]).sum() / w.sum().",
        "Multiply each weight by the ratio of its level: respondents[column].map(target / current). Do this "
        "for each margin in turn (one pass), and repeat the passes.",
        "After each pass, compute the largest absolute gap between weighted shares and targets over all "
        "margins; stop when it is below tol. Return w / w.mean().",
    ),
    _check_rake_weights,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: detractor follow-up status
# --------------------------------------------------------------------------------------------

#: Worked answers, by hand: followup_id -> (due_at, status on FOLLOWUP_AS_OF); id 9 is left out.
_FOLLOWUP_EXPECTED = {
    1: ("2025-03-05 17:00", "on_time"), 2: ("2025-03-11 17:00", "late"), 3: ("2025-03-12 17:00", "open"),
    4: ("2025-03-12 17:00", "on_time"), 5: ("2025-03-11 17:00", "overdue"), 6: ("2025-03-10 17:00", "overdue"),
    7: ("2025-03-13 17:00", "open"), 8: ("2025-03-14 17:00", "open"), 10: ("2025-03-10 17:00", "on_time"),
    11: ("2025-03-07 17:00", "on_time"), 12: ("2025-03-05 17:00", "late"),
}


def _check_followup_status(ex: Exercise, func) -> None:
    answer = call(ex, func, example_followups(), FOLLOWUP_AS_OF)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by followup_id")
    expect_columns(ex, answer, ["due_at", "status"])
    try:
        ids = [int(i) for i in answer.index]
    except (TypeError, ValueError):
        raise ex.fail("the index should be the followup_id.") from None
    if 9 in ids:
        raise ex.fail("a follow-up opened AFTER as_of is in the report. Keep only follow-ups with opened_at <= as_of.")
    if 8 not in ids:
        raise ex.fail("the follow-up opened exactly at as_of is missing: opened_at <= as_of includes it.")
    if sorted(ids) != sorted(_FOLLOWUP_EXPECTED):
        raise ex.fail("the index should be the followup_id, one row per follow-up opened at or before as_of.")
    got = answer.copy()
    got.index = ids
    try:
        due = pd.to_datetime(got["due_at"])
    except (TypeError, ValueError):
        raise ex.fail("due_at should hold timestamps (datetime64).") from None
    due = {i: str(pd.Timestamp(v))[:16] for i, v in due.items()}
    status = {i: str(v) for i, v in got["status"].items()}
    want_due = {i: d for i, (d, _) in _FOLLOWUP_EXPECTED.items()}
    if due[1] == "2025-03-05 10:00" or due[11] == "2025-03-07 23:59":
        raise ex.fail("the due time is 48 hours after opening. The policy's due time is 17:00 UTC on the second "
                      "business day after the day the answer arrived, whatever its hour.")
    if due[1] == "2025-03-05 00:00" or due[11] == "2025-03-07 00:00":
        raise ex.fail("the due time is midnight. Follow-ups are due at 17:00 UTC on the due day.")
    if due[10] == "2025-03-08 17:00":
        raise ex.fail("the due day counts calendar days. The policy counts business days, Monday to Friday: a "
                      "Thursday answer is due on Monday (np.busday_offset or pd.offsets.BDay).")
    if due[4] == "2025-03-11 17:00" or due[3] == "2025-03-11 17:00":
        raise ex.fail("a weekend answer was counted from the weekend day itself. The policy counts it from the "
                      "next Monday: Saturday and Sunday answers are due on Wednesday at 17:00, like Monday's "
                      "(np.busday_offset(day, 2, roll='forward') rolls to Monday first; day + BDay(2) does not).")
    if due != want_due:
        raise ex.fail("some due times are wrong: take the day opened_at falls on, move a Saturday or Sunday to "
                      "Monday, add two business days, and set the time to 17:00.")
    if status[1] == "late":
        raise ex.fail("a call-back exactly at the due time was counted late: on time means done_at <= due_at.")
    if status[5] == "late":
        raise ex.fail("a call-back made AFTER as_of was counted. On as_of it had not happened yet: that follow-up "
                      "was overdue then.")
    if status[3] == "overdue":
        raise ex.fail("a follow-up due exactly at as_of was counted overdue. Overdue means due_at < as_of; at "
                      "due_at == as_of it is still open.")
    if status != {i: s for i, (_, s) in _FOLLOWUP_EXPECTED.items()}:
        raise ex.fail("some statuses are wrong: on_time (done by as_of, done_at <= due_at), late (done by as_of, "
                      "after due_at), overdue (not done by as_of, due_at < as_of), otherwise open.")


followup_status = Exercise(
    "3", "follow-up status against the policy", "Part 3, 'Closing the loop with detractors'",
    (
        "Two steps: the due time of each follow-up from opened_at, then its status on as_of. Keep only "
        "follow-ups opened at or before as_of.",
        "np.busday_offset(days, 2, roll='forward') counts two business days from the day (a weekend day "
        "rolls to Monday first); days = opened_at.dt.normalize() as datetime64[D]. Add pd.Timedelta(hours=17).",
        "done = done_at.notna() & (done_at <= as_of); then np.select([done & (done_at <= due), done, "
        "due < as_of], ['on_time', 'late', 'overdue'], 'open').",
    ),
    _check_followup_status,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: a theme classifier
# --------------------------------------------------------------------------------------------


def _check_predict_themes(ex: Exercise, func) -> None:
    train_texts, train_themes, texts = example_comments()
    answer = call(ex, func, train_texts.copy(), train_themes.copy(), texts.copy())
    if isinstance(answer, (np.ndarray, list)):
        raise ex.fail("your function returned an array or a list: return a Series with the index of texts "
                      "(pd.Series(model.predict(texts), index=texts.index)), so each theme stays with its comment.")
    expect_type(ex, answer, pd.Series, "a Series of themes with the index of texts")
    if len(answer) == len(train_texts):
        raise ex.fail("you returned a theme for each TRAINING comment. Fit on train_texts, then predict texts.")
    if len(answer) != len(texts):
        raise ex.fail(f"expected one theme per comment of texts ({len(texts)} in the worked example); "
                      f"you have {len(answer)}.")
    if [int(i) if str(i).isdigit() else i for i in answer.index] != list(texts.index):
        raise ex.fail("the result should have the index of texts (the comment ids), in the same order; "
                      "yours has another index.")
    values = [str(v) for v in answer]
    if set(values) - set(train_themes):
        raise ex.fail("some predictions are not themes of the training comments: every text gets one of them.")
    if len(set(values)) == 1:
        raise ex.fail("every comment got the same theme: the model predicts the commonest class. Fit a "
                      "pipeline that reads the words, e.g. make_pipeline(TfidfVectorizer(), LogisticRegression()).")
    if tuple(values) != _COMMENT_THEMES:
        raise ex.fail("some comments got the wrong theme, although each is a training comment written again in "
                      "capitals. Does your vectoriser lower-case the text (TfidfVectorizer does by default), and "
                      "do you predict in the order of texts?")


predict_themes = Exercise(
    "4", "a theme classifier", "Part 4, 'What the comments are about'",
    (
        "A scikit-learn pipeline turns text into numbers and classifies them in one object: "
        "model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).",
        "model.fit(train_texts, train_themes), then model.predict(texts); wrap the result in a Series on "
        "texts.index. Then look at every theme's F1 in the cell after the check: the grader asks for at "
        "least 0.65 on each (0.80 on average), on comments the model never saw.",
    ),
    _check_predict_themes,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: escalation z-scores
# --------------------------------------------------------------------------------------------

#: Worked answer with baseline_months=3, by hand (rows Jan-Sep 2025; columns app, delivery, price).
_Z = ((np.nan, np.nan, np.nan), (np.nan, np.nan, np.nan), (np.nan, np.nan, np.nan),
      (0.5574985181156533, -0.7416984226197002, 0.41386835094579594), (np.nan, np.nan, np.nan),
      (5.1496087315702095, -2.4367303146681145, -0.7406560798180412),
      (0.852474, -1.193057, 0.503282), (-2.679575, 0.209657, 2.095983), (-2.5, 1.403243, 0.662548))


def _check_escalation_z(ex: Exercise, func) -> None:
    counts = example_counts()
    answer = call(ex, func, counts.copy(), 3)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame of z with the shape of counts")
    if list(map(str, answer.columns)) != list(counts.columns) or len(answer) != len(counts):
        raise ex.fail("the result should have the index and columns of counts (one row per month, one column "
                      "per theme), in the same order.")
    if not pd.Index(pd.to_datetime(answer.index, errors="coerce")).equals(counts.index):
        raise ex.fail("the result should keep the index of counts (the months).")
    z = np.column_stack([_floats(ex, answer[c], "z") for c in answer.columns])
    want = np.array(_Z)
    app = z[3, 0]
    if _close(app, 0.443731, 1e-4):
        raise ex.fail("the baseline includes the month itself. It is pooled over the baseline_months rows BEFORE "
                      "each row: shift the rolling sums by one row.")
    if _close(app, 0.502886, 1e-4):
        raise ex.fail("the baseline is the mean of the monthly shares. Pool the comments instead: the theme's "
                      "comments in those months over all comments in those months (months differ in size).")
    if _close(app, 0.519352, 1e-4):
        raise ex.fail("the standard error uses the month's own share. Use the baseline share: "
                      "sqrt(p0 * (1 - p0) / n).")
    if not np.isnan(z[:3]).all():
        raise ex.fail("z has values in the first months: with baseline_months=3 the first three rows have no "
                      "full baseline and must be missing (NaN).")
    if not np.isnan(z[4]).all():
        raise ex.fail("a month with no comments got a z: it must be missing (NaN).")
    if not np.allclose(z, want, rtol=1e-5, atol=1e-6, equal_nan=True):
        raise ex.fail("some z values are wrong: z = (share - p0) / sqrt(p0 * (1 - p0) / n), with p0 pooled over "
                      "the baseline_months rows before, share and n of the month itself.")


escalation_z = Exercise(
    "5", "a rising-theme alarm", "Part 5, 'When to escalate a theme'",
    (
        "n = counts.sum(axis=1) is each month's size; share = counts.div(n, axis=0).",
        "The pooled baseline: counts.rolling(baseline_months).sum() over n.rolling(baseline_months).sum(), "
        "both .shift(1) so that a month is compared with the months before it only.",
        "Divide with .div(..., axis=0) when a Series of months meets a table; np.sqrt works on a DataFrame. "
        "Finally .where((p0 > 0) & (p0 < 1)) to leave out undefined baselines.",
    ),
    _check_escalation_z,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: key drivers
# --------------------------------------------------------------------------------------------

_KD_DRIVERS = ["days_late", "first_response_hours", "repeat_contact"]
#: Worked answer, by hand: driver -> (coef, beta).
_KD = {"days_late": (-0.923677458, -0.4993307072), "first_response_hours": (-0.0652894992, -0.2245474094),
       "repeat_contact": (-2.8274263249, -0.4679989352)}


def _check_key_drivers(ex: Exercise, func) -> None:
    data = example_drivers()
    answer = call(ex, func, data.copy(), "nps", list(_KD_DRIVERS))
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by driver")
    expect_columns(ex, answer, ["coef", "beta"])
    if sorted(map(str, answer.index)) != sorted(_KD_DRIVERS):
        raise ex.fail("the index should be the drivers, one row each (the names in drivers).")
    got = answer.copy()
    got.index = got.index.astype(str)
    coef = dict(zip(got.index, _floats(ex, got["coef"], "coef"), strict=True))
    beta = dict(zip(got.index, _floats(ex, got["beta"], "beta"), strict=True))
    if _close(beta["days_late"], -0.87423523, 1e-4):
        raise ex.fail("beta is the correlation of each driver with the outcome, one at a time. Fit ONE regression "
                      "on all the drivers together, so that each coefficient holds the others fixed.")
    if _close(coef["days_late"], -1.6171875, 1e-4):
        raise ex.fail("each driver was regressed on the outcome alone. Fit one regression on all the drivers "
                      "together.")
    if _close(coef["days_late"], -0.43970183, 1e-4):
        raise ex.fail("the regression has no intercept. Add a column of ones (or use LinearRegression, which "
                      "fits one).")
    if not all(_close(coef[d], v[0], 1e-5) for d, v in _KD.items()):
        raise ex.fail("the raw coefficients are wrong: least squares of the outcome on the drivers, with an "
                      "intercept (which is not reported).")
    if all(_close(beta[d], coef[d], 1e-5) for d in _KD):
        raise ex.fail("beta equals coef: standardise it, beta = coef x sd(driver) / sd(outcome).")
    if _close(beta["days_late"], _KD["days_late"][0] * data["days_late"].std(), 1e-4):
        raise ex.fail("beta was multiplied by sd(driver) but not divided by sd(outcome).")
    if not all(_close(beta[d], v[1], 1e-5) for d, v in _KD.items()):
        raise ex.fail("beta is wrong: coef x sd(driver) / sd(outcome), with sample standard deviations (ddof=1) "
                      "for both.")
    if list(got.index) != _KD_DRIVERS:
        raise ex.fail("right numbers, but the rows should be in the order of drivers.")


key_drivers = Exercise(
    "6", "key drivers", "Part 6, 'What drives satisfaction'",
    (
        "One regression with all the drivers at once: X has a column of ones and one column per driver.",
        "coef = np.linalg.lstsq(X, y, rcond=None)[0][1:] (drop the intercept). beta = coef x "
        "data[drivers].std() / data[outcome].std(), element by element.",
    ),
    _check_key_drivers,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: testing a frontline claim
# --------------------------------------------------------------------------------------------

#: Worked answer, by hand: Swift 12 late of 40; the others 10 late of 100.
_CLAIM = {"late_rate": 0.3, "others_late_rate": 0.1, "rate_ratio": 3.0, "low": 1.4102266730221191,
          "high": 6.3819527542426755}
_CLAIM_KEYS = ["late_rate", "others_late_rate", "rate_ratio", "low", "high", "verdict"]


def _claim_answer(ex: Exercise, answer) -> dict:
    expect_type(ex, answer, dict, "a dict with keys " + ", ".join(_CLAIM_KEYS))
    missing = [k for k in _CLAIM_KEYS if k not in answer]
    if missing:
        raise ex.fail(f"the dict is missing key(s) {missing}.")
    return answer


def _check_claim_test(ex: Exercise, func) -> None:
    orders, shipments = example_shipping()
    got = _claim_answer(ex, call(ex, func, orders.copy(), shipments.copy(), dict(EXAMPLE_CLAIM)))
    numbers = {k: _floats(ex, [got[k]], k)[0] for k in _CLAIM_KEYS[:-1]}
    if _close(numbers["late_rate"], 0.375) or _close(numbers["late_rate"], 0.675):
        raise ex.fail("deliveries on the promised day itself were counted late: you compared delivered_at (a time) "
                      "with the promised date (midnight). Compare the DAY of delivery, delivered_at.dt.normalize().")
    if _close(numbers["rate_ratio"], 1.2):
        raise ex.fail("you compared the NUMBERS of late shipments, not the late RATES: a carrier that carries "
                      "more parcels has more late ones. Divide by the shipments of each group.")
    if _close(numbers["rate_ratio"], 0.3 / (22 / 140)):
        raise ex.fail("the ratio compares the level with ALL shipments, itself included. Compare it with the "
                      "OTHER shipments.")
    if not all(_close(numbers[k], _CLAIM[k]) for k in ("late_rate", "others_late_rate", "rate_ratio")):
        raise ex.fail("the late rates are wrong: late = delivered day > promised day, over every shipment of "
                      "the level and over every other shipment.")
    if _close(numbers["low"], 3.0 - 1.96 * 3.0 * np.sqrt(1 / 12 - 1 / 40 + 1 / 10 - 1 / 100), 1e-3):
        raise ex.fail("the interval is symmetric around the ratio. Compute it on the log scale: ratio x exp(-/+ z "
                      "x se), se = sqrt(1/a - 1/n1 + 1/b - 1/n2).")
    if not (_close(numbers["low"], _CLAIM["low"]) and _close(numbers["high"], _CLAIM["high"])):
        raise ex.fail("the interval is wrong: ratio x exp(-/+ z x sqrt(1/a - 1/n1 + 1/b - 1/n2)), a and b the late "
                      "shipments, n1 and n2 all shipments, of the level and of the others.")
    if str(got["verdict"]) == "supported":
        raise ex.fail("the claim (twice as often) was called supported because the ratio is above 2. The interval "
                      "still reaches below 2: the verdict is 'supported' only when low > claimed_rate_ratio.")
    if str(got["verdict"]) != "undecided":
        raise ex.fail("the verdict is wrong: 'supported' when low > claimed_rate_ratio, 'refuted' when "
                      "high < claimed_rate_ratio, else 'undecided'.")
    for claimed, verdict in ((1.0, "supported"), (7.0, "refuted")):
        other = _claim_answer(ex, call(ex, func, orders.copy(), shipments.copy(),
                                       {**EXAMPLE_CLAIM, "claimed_rate_ratio": claimed}))
        if str(other["verdict"]) != verdict:
            raise ex.fail(f"with claimed_rate_ratio={claimed} the verdict is wrong: compare the interval with the "
                          "claim's own ratio (claim['claimed_rate_ratio']), not a fixed number.")


claim_test = Exercise(
    "7", "testing a frontline claim", "Part 7, 'Testing what the frontline believes'",
    (
        "Merge the promised day onto shipments (on order_id); late = delivered_at.dt.normalize() > "
        "promised_delivery_date. The group is shipments[claim['factor']] == claim['level'].",
        "a, n1 = late and all shipments of the level; b, n2 = those of everybody else. ratio = (a/n1)/(b/n2); "
        "se = sqrt(1/a - 1/n1 + 1/b - 1/n2); low, high = ratio x exp(-/+ z x se).",
        "Return plain floats (float(...)) and the verdict string in a dict.",
    ),
    _check_claim_test,
)
