"""Visible checks and hints for Lab 02, *One customer: identity resolution*.

Every check runs the learner's function on a small hand-made example (print it:
``example_emails()``, ``example_phones()``, ``example_comparisons()``, ``example_review()``,
``example_weights()``, ``example_matches()``, ``example_keys()``, ``example_clusters()``),
compares the result with the answer worked out by hand, and, when it is wrong, says which
common mistake it looks like. The expected answers are written out as numbers, never computed.

>>> from cxlabs.checks import lab02 as checks
>>> checks.clean_email.hint()             # doctest: +SKIP
>>> checks.clean_email.check(clean_email)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_type

__all__ = ["clean_email", "clean_phone", "rule_match", "blocking_recall", "match_weights",
           "choose_threshold", "cluster", "golden_records", "evaluate",
           "example_emails", "example_phones", "example_comparisons", "example_pairs",
           "example_review", "example_m_u", "example_weight_comparisons", "example_weights", "example_matches", "example_keys",
           "example_clusters", "example_review_for_evaluation"]


def _series(ex: Exercise, answer, index: pd.Index, what: str) -> pd.Series:
    expect_type(ex, answer, pd.Series, what)
    if len(answer) != len(index) or not answer.index.equals(index):
        raise ex.fail("the result should have the same index as the input, in the same order (one "
                      "value per input row). Work on the Series column-wise; do not sort, drop or reset it.")
    return answer


def _texts(answer: pd.Series) -> list:
    return [None if pd.isna(v) else str(v) for v in answer]


def _missing_as_text(values: list) -> bool:
    return any(v is not None and (v.strip() == "" or "nan" in v.lower() or "none" in v.lower()
                                  or v in ("+", "@")) for v in values)


# --------------------------------------------------------------------------------------------
# Exercise 1: emails
# --------------------------------------------------------------------------------------------

_EMAILS = (" Ann.Lee@Gmail.com", "ann.lee+deals@gmail.com", "bob@googlemail.com", None,
           "Cy@Yahoo.com ", "dee+x@hotmail.com", "eve@me.com")
_EMAILS_CLEAN = ["ann.lee@gmail.com", "ann.lee@gmail.com", "bob@gmail.com", None, "cy@yahoo.com",
                 "dee@outlook.com", "eve@icloud.com"]
_EMAIL_INDEX = pd.Index([10, 11, 12, 13, 14, 15, 16])


def example_emails() -> pd.Series:
    """The worked example for exercise 1: seven raw emails (one missing), index 10 to 16."""
    return pd.Series(list(_EMAILS), index=_EMAIL_INDEX, dtype="str")


def _check_clean_email(ex: Exercise, func) -> None:
    answer = _series(ex, call(ex, func, example_emails()), _EMAIL_INDEX, "a Series of emails")
    got = _texts(answer)
    if got == _EMAILS_CLEAN:
        return
    if _missing_as_text(got) or got[3] is not None:
        raise ex.fail("a missing email became text (like 'nan' or ''), or a present one went missing. "
                      "A missing value must stay missing (NaN/<NA>): use the .str methods, which skip "
                      "missing values, instead of str(x) or astype(str).")
    present = [v for v in got if v is not None]
    if any(v != v.strip() or v != v.lower() for v in present):
        raise ex.fail("some emails still have capital letters or surrounding spaces: un-normalised keys "
                      "never compare equal. Strip and lower-case first (.str.strip().str.lower()).")
    if any("+" in v for v in present):
        raise ex.fail("the +tag is still there: 'ann.lee+deals@gmail.com' is the mailbox "
                      "'ann.lee@gmail.com'. Cut the local part (before '@') at the first '+'.")
    if any(v.split("@")[-1] in ("googlemail.com", "hotmail.com", "me.com") for v in present):
        raise ex.fail("some domains are still variants (googlemail.com, hotmail.com, me.com): map each "
                      "domain through EMAIL_DOMAINS and keep domains that are not in it.")
    if "cy@yahoo.co.uk" in present:
        raise ex.fail("yahoo.com was changed, but it is a canonical domain in its own right: only the "
                      "domains that are keys of EMAIL_DOMAINS are variants.")
    raise ex.fail("some emails are not normalised as asked: trimmed, lower case, no +tag, canonical "
                  "domain (EMAIL_DOMAINS), missing stays missing. Print checks.example_emails().")


clean_email = Exercise(
    "1", "normalise emails", "Part 1, 'Emails'",
    (
        "Work on the whole Series with the .str methods (strip, lower, split): they leave missing "
        "values missing.",
        "Split each email once at '@' into local part and domain. In the local part keep what comes "
        "before the first '+'. Replace the domain with .replace(EMAIL_DOMAINS), then join them again.",
        "If 'nan' appears in your result, something turned a missing value into text: avoid "
        "astype(str), str(x) and f-strings on missing values.",
    ),
    _check_clean_email,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: phones
# --------------------------------------------------------------------------------------------

_PHONES = ("+447700900123", "447700900124", "+44 7700 900125", "07700 900126", "(212) 555-0123",
           None, "06 1234 5678")
_PHONE_CITIES = ("London", "Leeds", "Cardiff", "London", "New York", "Paris", "Amsterdam")
_PHONES_E164 = ["+447700900123", "+447700900124", "+447700900125", "+447700900126", "+12125550123",
                None, "+31612345678"]
_PHONE_INDEX = pd.Index([3, 1, 4, 8, 5, 9, 2])


def example_phones() -> pd.DataFrame:
    """The worked example for exercise 2: seven raw phones (one missing) and their cities."""
    return pd.DataFrame({"phone": pd.Series(list(_PHONES), index=_PHONE_INDEX, dtype="str"),
                         "city": pd.Series(list(_PHONE_CITIES), index=_PHONE_INDEX, dtype="str")})


def _check_clean_phone(ex: Exercise, func) -> None:
    example = example_phones()
    answer = _series(ex, call(ex, func, example["phone"], example["city"]), _PHONE_INDEX,
                     "a Series of phone numbers")
    got = _texts(answer)
    if got == _PHONES_E164:
        return
    if _missing_as_text(got) or got[5] is not None:
        raise ex.fail("a missing phone became text (like '+nan' or '+'), or a present one went missing. "
                      "A missing value must stay missing: use the .str methods, which skip missing values.")
    present = [v for v in got if v is not None]
    if any(not v.startswith("+") for v in present):
        raise ex.fail("E.164 numbers start with '+': '447700900124' should be '+447700900124'.")
    if any(not v[1:].isdigit() for v in present):
        raise ex.fail("some numbers still hold spaces, brackets or dashes: E.164 is '+' followed by "
                      "digits only.")
    if (got[3] in ("+07700900126", "+7700900126", "+4407700900126")
            or got[6] in ("+0612345678", "+612345678", "+310612345678")):
        raise ex.fail("national numbers ('07700 900126' in London) have no country code: drop the trunk "
                      "'0' and put the city's calling code (CALLING_CODES, city in lower case) in front.")
    if got[4] == "+2125550123":
        raise ex.fail("a US national number '(212) 555-0123' needs the country code 1: '+12125550123'.")
    raise ex.fail("some numbers are not in E.164. Print checks.example_phones() and work each format "
                  "out by hand: E.164, digits only, spaced, and the two national formats.")


clean_phone = Exercise(
    "2", "phones in E.164", "Part 1, 'Phone numbers in E.164'",
    (
        "First keep only the digits (.str.replace(r'\\D', '', regex=True)); then decide, from the RAW "
        "value, which numbers are national and need a country code.",
        "A raw value starting with '0' is European national: drop that 0 and prepend the calling code "
        "of the city (city.str.strip().str.lower().map(CALLING_CODES)). One starting with '(' is US "
        "national: prepend '1'.",
        "Series.mask(condition, other) replaces values where the condition holds; put '+' in front at "
        "the very end. Missing phones stay missing if you only use .str methods and string concatenation.",
    ),
    _check_clean_phone,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: a deterministic rule
# --------------------------------------------------------------------------------------------

_T, _F, _N = True, False, None
_COMPARISONS = (  # first_name, last_name, email, phone, street, postcode
    (_T, _T, _T, _N, _T, _T),
    (_F, _T, _T, _F, _T, _T),
    (_T, _T, _N, _N, _T, _T),
    (_T, _T, _N, _N, _N, _T),
    (_N, _T, _T, _T, _F, _F),
    (_T, _F, _F, _T, _F, _F),
    (_T, _T, _F, _F, _T, _F),
    (_F, _T, _F, _T, _T, _T),
)
_RULE = [True, False, True, False, False, True, False, False]
_RULE_NO_FIRST_NAME = [True, True, True, False, True, True, False, True]
_RULE_UNKNOWN_AGREES = [True, False, True, True, True, True, False, False]
_RULE_INDEX = pd.Index([5, 6, 7, 8, 9, 10, 11, 12])
_CMP_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode"]


def example_comparisons() -> pd.DataFrame:
    """The worked example for exercise 3: eight pairs shaped like ``identity.compare``'s output."""
    frame = pd.DataFrame({"record_id_a": [f"A{i}" for i in range(8)],
                          "record_id_b": [f"B{i}" for i in range(8)]}, index=_RULE_INDEX)
    for j, field in enumerate(_CMP_FIELDS):
        frame[field] = pd.array([row[j] for row in _COMPARISONS], dtype="boolean")
    return frame


def _check_rule_match(ex: Exercise, func) -> None:
    answer = _series(ex, call(ex, func, example_comparisons()), _RULE_INDEX, "a boolean Series")
    if answer.isna().any():
        raise ex.fail("your result has missing values. Where a field is unknown (<NA>) it is not an "
                      "agreement: fill the comparisons with False first (.fillna(False)).")
    got = [bool(v) for v in answer]
    if got == _RULE:
        return
    if got == _RULE_NO_FIRST_NAME:
        raise ex.fail("your rule matches on email, phone or address without requiring the first name: "
                      "relatives share a household email or phone and an address (hard negatives), so the "
                      "first name must agree as well.")
    if got == _RULE_UNKNOWN_AGREES:
        raise ex.fail("your rule treats an unknown field (<NA>) as agreement. A missing value is no evidence "
                      "of a match: fill with False, not True.")
    raise ex.fail("the rule does not give the right pairs. It is: first_name AND (email OR phone OR "
                  "(last_name AND street AND postcode)), with unknown fields counted as not agreeing.")


rule_match = Exercise(
    "3", "a deterministic rule", "Part 2, 'A deterministic rule'",
    (
        "Take the six comparison columns, turn unknown into 'not agreeing', then combine the columns "
        "with & (and) and | (or).",
        "comparisons[cols].fillna(False).astype(bool) gives plain True/False columns. Mind the brackets: "
        "first & (email | phone | (last & street & postcode)).",
    ),
    _check_rule_match,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: recall lost to blocking
# --------------------------------------------------------------------------------------------

_REVIEW = (("A1", 1), ("B1", 1), ("C1", 1), ("A2", 2), ("B2", 2), ("A3", 3), ("D4", 4), ("E4", 4))
_PAIRS = (("A1", "B1"), ("C1", "B1"), ("A2", "B2"), ("A1", "A2"), ("A3", "X9"), ("B2", "Z1"))
_RECALL = {"pairs_compared": 6, "true_pairs": 5, "true_pairs_blocked": 3, "recall": 0.6}


def example_review() -> pd.DataFrame:
    """The worked example review for exercise 4: eight reviewed records of four people."""
    rows = [_REVIEW[i] for i in (4, 0, 6, 2, 7, 1, 3, 5)]
    return pd.DataFrame({"system": "crm", "record_id": [r for r, _ in rows],
                         "person": [p for _, p in rows]})


def example_pairs() -> pd.DataFrame:
    """The worked example candidate pairs for exercise 4 (some listed 'the other way round')."""
    return pd.DataFrame(list(_PAIRS), columns=["record_id_a", "record_id_b"])


def _dict_answer(ex: Exercise, answer, keys: list[str]) -> dict:
    if isinstance(answer, pd.Series):
        answer = answer.to_dict()
    expect_type(ex, answer, dict, f"a dict with keys {keys}")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise ex.fail(f"the dict is missing key(s) {missing}; it has {list(answer)}.")
    try:
        return {k: float(answer[k]) for k in keys}
    except (TypeError, ValueError):
        raise ex.fail(f"the values for {keys} should be numbers.") from None


def _check_blocking_recall(ex: Exercise, func) -> None:
    got = _dict_answer(ex, call(ex, func, example_pairs(), example_review()), list(_RECALL))
    if all(np.isclose(got[k], v) for k, v in _RECALL.items()):
        return
    if not np.isclose(got["pairs_compared"], 6):
        raise ex.fail("pairs_compared is the number of candidate pairs: one per row of pairs.")
    if np.isclose(got["recall"], 1.0) or np.isclose(got["recall"], 0.75) or np.isclose(got["true_pairs"], 3):
        raise ex.fail("your recall is measured on the blocked pairs only. Pairs that blocking never "
                      "produced are exactly the ones it lost: count ALL true pairs among the reviewed "
                      "records (k records of one person make k(k-1)/2 pairs) as the denominator.")
    if got["true_pairs"] in (10, 18, 13):
        raise ex.fail("true_pairs counts ordered pairs or pairs of a record with itself: a person with k "
                      "records has k(k-1)/2 unordered pairs.")
    if np.isclose(got["true_pairs_blocked"], 2):
        raise ex.fail("a true pair listed the other way round (record_id_a > record_id_b) was not "
                      "counted. Compare the two records' persons, whichever comes first.")
    raise ex.fail("the counts are not right on the worked example: print checks.example_review() and "
                  "checks.example_pairs() and count the true pairs by hand.")


blocking_recall = Exercise(
    "4", "recall lost to blocking", "Part 2, 'What blocking costs'",
    (
        "Two numbers matter: how many true pairs exist among the reviewed records (whether blocked or "
        "not), and how many of the candidate pairs are true pairs.",
        "True pairs: review.groupby('person').size() gives k per person; sum k*(k-1)//2. Blocked true "
        "pairs: map both record ids of each candidate pair to their person and count where both are "
        "known and equal.",
    ),
    _check_blocking_recall,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: Fellegi-Sunter weights
# --------------------------------------------------------------------------------------------

_M_U = {"first_name": (0.9, 0.05), "email": (0.8, 0.01)}
_WEIGHT_ROWS = ((_T, _T, _T), (_T, _F, _F), (_F, _N, _T), (_N, _N, _F), (_N, _T, _N))
#: log2 of the ratios, worked out once: first agree 4.169925, disagree -3.247928;
#: email agree 6.321928, disagree -2.307429.
_WEIGHTS = [10.491853, 1.862496, -3.247928, 0.0, 6.321928]
_WEIGHTS_UNKNOWN_DISAGREES = [10.491853, 1.862496, -5.555357, -5.555357, 3.074000]
_WEIGHTS_NO_DISAGREEMENT = [10.491853, 4.169925, 0.0, 0.0, 6.321928]
_WEIGHT_INDEX = pd.Index([21, 22, 23, 24, 25])


def example_m_u() -> dict:
    """The m and u probabilities of the worked example for exercise 5 (only two fields)."""
    return dict(_M_U)


def example_weight_comparisons() -> pd.DataFrame:
    """The worked example for exercise 5: five pairs; ``street`` is not in ``example_m_u()``."""
    frame = pd.DataFrame({"record_id_a": list("abcde"), "record_id_b": list("vwxyz")}, index=_WEIGHT_INDEX)
    for j, field in enumerate(["first_name", "email", "street"]):
        frame[field] = pd.array([row[j] for row in _WEIGHT_ROWS], dtype="boolean")
    return frame


def _check_match_weights(ex: Exercise, func) -> None:
    answer = _series(ex, call(ex, func, example_weight_comparisons(), example_m_u()), _WEIGHT_INDEX,
                     "a float Series of match weights")
    try:
        got = answer.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ex.fail("the weights should be numbers (floats).") from None
    if np.isnan(got).any():
        raise ex.fail("some weights are missing: an unknown field adds 0 to the weight, it does not make "
                      "the whole weight unknown.")
    if np.allclose(got, _WEIGHTS, atol=1e-5):
        return
    if np.allclose(got, _WEIGHTS_UNKNOWN_DISAGREES, atol=1e-5):
        raise ex.fail("an unknown field (<NA>) was scored as a disagreement. A missing value is no "
                      "evidence either way: it adds 0.")
    if np.allclose(got, np.array(_WEIGHTS) * np.log(2), atol=1e-5):
        raise ex.fail("your weights use the natural logarithm. Match weights here are in bits: np.log2.")
    if np.allclose(got, _WEIGHTS_NO_DISAGREEMENT, atol=1e-5):
        raise ex.fail("a disagreement adds nothing in your weights. It is evidence AGAINST a match: "
                      "log2((1 - m) / (1 - u)), a negative number.")
    raise ex.fail("the weights are not right on the worked example. Per field in m_u: agree -> "
                  "log2(m/u), disagree -> log2((1-m)/(1-u)), unknown -> 0; sum over the fields of m_u only.")


match_weights = Exercise(
    "5", "Fellegi-Sunter match weights", "Part 3, 'Weigh the evidence'",
    (
        "Loop over the fields of m_u (not over the columns of comparisons) and add one number per pair "
        "for each field.",
        "Per field: known = column.notna(); agree = column.fillna(False).astype(bool). "
        "np.where(known & agree, a, np.where(known, d, 0.0)) with a = log2(m/u), d = log2((1-m)/(1-u)).",
    ),
    _check_match_weights,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: threshold
# --------------------------------------------------------------------------------------------

_TH_WEIGHTS = (30.0, 25.0, 25.0, 20.0, 15.0, 12.0, 10.0, 5.0, 2.0, 40.0, 8.0)
_TH_LABELS = (_T, _T, _F, _T, _T, _F, _T, _F, _F, _N, _N)
_TH_TARGET = 0.8
_THRESHOLD = {"threshold": 15.0, "precision": 0.8, "recall": 0.8, "pairs_above": 6}


def example_weights() -> tuple[pd.Series, pd.Series]:
    """The worked example for exercise 6: eleven match weights and the reviewers' verdicts (two
    pairs not reviewed). Use it with ``min_precision=0.8``."""
    index = pd.Index(range(100, 111))
    return (pd.Series(_TH_WEIGHTS, index=index, dtype=float),
            pd.Series(pd.array(list(_TH_LABELS), dtype="boolean"), index=index))


def _check_choose_threshold(ex: Exercise, func) -> None:
    weights, labels = example_weights()
    got = _dict_answer(ex, call(ex, func, weights, labels, _TH_TARGET), list(_THRESHOLD))
    if all(np.isclose(got[k], v) for k, v in _THRESHOLD.items()):
        return
    if got["threshold"] <= 1.0:
        raise ex.fail("your threshold is a number between 0 and 1, like the precision target. A weight "
                      "threshold is in bits, not a probability: pick it from the weights themselves.")
    if np.isclose(got["threshold"], 30.0):
        raise ex.fail("you returned the largest threshold that reaches the precision; the task asks for "
                      "the SMALLEST one, which keeps the most true matches (recall).")
    if np.isclose(got["threshold"], 15.0) and np.isclose(got["pairs_above"], 5):
        raise ex.fail("pairs_above counts only the reviewed pairs: count ALL pairs at or above the "
                      "threshold, reviewed or not; that is the work the threshold creates.")
    raise ex.fail("the threshold or its figures are not right on the worked example. For each weight t "
                  "of a reviewed pair (smallest first): precision = matches / reviewed pairs with weight >= t; "
                  "stop at the first t reaching min_precision.")


choose_threshold = Exercise(
    "6", "choose a weight threshold", "Part 3, 'Where to draw the line'",
    (
        "Keep the reviewed pairs (is_match.notna()); the candidate thresholds are their weights, "
        "np.unique(...) sorts them smallest first.",
        "For each t: above = w >= t; precision = y[above].mean(); recall = y[above].sum() / y.sum(). "
        "Return at the first t whose precision reaches the target; pairs_above uses ALL weights.",
    ),
    _check_choose_threshold,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: clusters
# --------------------------------------------------------------------------------------------

_IDS = ("R05", "R01", "R03", "R02", "R04", "R06", "R07")
_MATCHES = (("R03", "R05"), ("R02", "R05"), ("R07", "R06"))
_CLUSTERS = {"R05": "R02", "R01": "R01", "R03": "R02", "R02": "R02", "R04": "R04", "R06": "R06",
             "R07": "R06"}
_CLUSTERS_DIRECT = {**_CLUSTERS, "R03": "R03"}


def example_matches() -> tuple[pd.Series, pd.DataFrame]:
    """The worked example for exercise 7: seven record ids and three matched pairs."""
    return (pd.Series(list(_IDS), name="record_id"),
            pd.DataFrame(list(_MATCHES), columns=["record_id_a", "record_id_b"]))


def _check_cluster(ex: Exercise, func) -> None:
    ids, matches = example_matches()
    answer = call(ex, func, ids, matches)
    expect_type(ex, answer, pd.Series, "a Series indexed by record id")
    index = [str(i) for i in answer.index]
    if sorted(index) != sorted(_IDS):
        if set(index) < set(_IDS):
            raise ex.fail("some records are missing from the result: a record in no match is a cluster of "
                          "its own, and must be labelled too (with its own id).")
        raise ex.fail("the index should be the record ids, each once.")
    got = {str(k): str(v) for k, v in answer.items()}
    if got == _CLUSTERS:
        return
    if got == _CLUSTERS_DIRECT:
        raise ex.fail("your clusters follow only direct matches. R03~R05 and R05~R02 put R03 and R02 in "
                      "one cluster although they were never compared: clusters are connected components.")
    raise ex.fail("the labels are not right: each record's label is the smallest record id in its "
                  "connected component. Print checks.example_matches() and draw the graph.")


cluster = Exercise(
    "7", "cluster the matches", "Part 4, 'Clusters'",
    (
        "Think of records as nodes and matches as edges; a cluster is a connected component.",
        "Number the records 0..n-1 (pd.Index(record_ids).get_indexer(...)), build a scipy.sparse "
        "coo_matrix of the edges, and call connected_components(graph, directed=False).",
        "Then label each component by its smallest record id: group the ids by component and "
        "transform('min').",
    ),
    _check_cluster,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: golden records
# --------------------------------------------------------------------------------------------

_GOLDEN_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode", "city"]
_KEYS = (  # record_id, updated_at, first, last, email, phone, street, postcode, city
    ("r1", "2024-01-01", "ann", "lee", "ann@x.com", "+441", "1 oak road", "N1", "london"),
    ("r2", "2025-01-01", "ann", "lee", "ann.lee@x.com", None, None, "N1", "london"),
    ("r3", "2023-01-01", "anne", "lee", None, "+442", "9 elm road", None, "london"),
    ("r4", "2024-05-01", "bo", "kim", "bo@y.com", None, "5 ash lane", "M2", "leeds"),
    ("r5", "2024-06-01", "bo", None, None, "+443", None, None, "leeds"),
)
_GOLDEN = {
    "A": {"first_name": "ann", "last_name": "lee", "email": "ann.lee@x.com", "phone": "+441",
          "street": "1 oak road", "postcode": "N1", "city": "london", "records": 3},
    "B": {"first_name": "bo", "last_name": "kim", "email": "bo@y.com", "phone": "+443",
          "street": "5 ash lane", "postcode": "M2", "city": "leeds", "records": 2},
}


def example_keys() -> tuple[pd.DataFrame, pd.Series]:
    """The worked example for exercise 8: five records' keys and their clusters (A and B)."""
    rows = [_KEYS[i] for i in (1, 4, 0, 3, 2)]
    frame = pd.DataFrame(rows, columns=["record_id", "updated_at", *_GOLDEN_FIELDS])
    frame["updated_at"] = pd.to_datetime(frame["updated_at"])
    clusters = pd.Series({"r1": "A", "r2": "A", "r3": "A", "r4": "B", "r5": "B"}, name="cluster")
    return frame, clusters


def _check_golden_records(ex: Exercise, func) -> None:
    keys, clusters = example_keys()
    answer = call(ex, func, keys, clusters)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by cluster")
    missing = [c for c in [*_GOLDEN_FIELDS, "records"] if c not in answer.columns]
    if missing:
        raise ex.fail(f"the result is missing column(s) {missing}.")
    if sorted(str(i) for i in answer.index) != ["A", "B"]:
        raise ex.fail("the index should be the cluster labels, one row per cluster.")
    answer.index = [str(i) for i in answer.index]
    cells = {(c, f): answer.at[c, f] for c in _GOLDEN for f in _GOLDEN_FIELDS}
    if any(pd.isna(v) for v in cells.values()):
        raise ex.fail("some golden values are missing although a record of the cluster has one: the "
                      "survivorship picked a missing value. Take the most recent NON-missing value per "
                      "field (groupby(...).last() skips missing values; .tail(1) and drop_duplicates do not).")
    if cells[("A", "first_name")] == "anne" or cells[("A", "phone")] == "+442":
        raise ex.fail("your golden record keeps the OLDEST value: sort by updated_at and take the latest.")
    if all(str(cells[(c, f)]) == str(_GOLDEN[c][f]) for c in _GOLDEN for f in _GOLDEN_FIELDS):
        if [int(answer.at[c, "records"]) for c in _GOLDEN] == [3, 2]:
            return
        raise ex.fail("records should be the number of source records in each cluster.")
    raise ex.fail("some golden values are not the most recently updated non-missing value of their "
                  "cluster. Print checks.example_keys() and work cluster A out by hand.")


golden_records = Exercise(
    "8", "golden records", "Part 4, 'Golden records'",
    (
        "Attach each record's cluster (keys['record_id'].map(clusters)), then sort by updated_at.",
        "After sorting oldest first, groupby('cluster')[fields].last() gives, per field, the latest value "
        "that is not missing. Count the records with groupby(...).size().",
    ),
    _check_golden_records,
)

# --------------------------------------------------------------------------------------------
# Exercise 9: evaluation
# --------------------------------------------------------------------------------------------

_EVAL_REVIEW = (("r1", 1), ("r2", 1), ("r3", 1), ("r4", 2), ("r5", 2), ("r6", 3), ("r7", 3))
_EVAL_CLUSTERS = {"r1": "c1", "r2": "c1", "r8": "c1", "r3": "c2", "r4": "c2", "r5": "c2", "r9": "c2",
                  "r6": "c3", "r7": "c4"}
_EVALUATION = {"pairwise_precision": 0.5, "pairwise_recall": 0.4, "pairwise_f1": 4 / 9,
               "bcubed_precision": 17 / 21, "bcubed_recall": 2 / 3, "bcubed_f1": 0.731183}


def example_clusters() -> pd.Series:
    """The worked example clusters for exercise 9: nine records (r8 and r9 not reviewed)."""
    return pd.Series(_EVAL_CLUSTERS, name="cluster")


def example_review_for_evaluation() -> pd.DataFrame:
    """The worked example review for exercise 9: seven reviewed records of three people."""
    return pd.DataFrame({"system": "crm", "record_id": [r for r, _ in _EVAL_REVIEW],
                         "person": [p for _, p in _EVAL_REVIEW]})


def _check_evaluate(ex: Exercise, func) -> None:
    got = _dict_answer(ex, call(ex, func, example_clusters(), example_review_for_evaluation()),
                       list(_EVALUATION))
    ok = {k: np.isclose(got[k], v, atol=1e-6) for k, v in _EVALUATION.items()}
    if all(ok.values()):
        return
    if np.isclose(got["pairwise_precision"], 2 / 9):
        raise ex.fail("your predicted clusters include records nobody reviewed, so their pairs count as "
                      "wrong. Evaluate on the reviewed records only: attach the cluster to review's rows.")
    if np.isclose(got["bcubed_precision"], 8 / 9):
        raise ex.fail("your B-cubed precision is a mean over clusters. B-cubed scores each RECORD and "
                      "averages over records.")
    if np.isclose(got["pairwise_f1"], 0.45) or np.isclose(got["bcubed_f1"], (17 / 21 + 2 / 3) / 2):
        raise ex.fail("F1 is the harmonic mean 2PR/(P+R), not the arithmetic mean of P and R.")
    if np.isclose(got["pairwise_precision"], 0.4) and np.isclose(got["pairwise_recall"], 0.5):
        raise ex.fail("pairwise precision and recall are swapped: precision divides by the pairs "
                      "PREDICTED together, recall by the pairs TRULY together.")
    wrong = [k for k, v in ok.items() if not v]
    raise ex.fail(f"{', '.join(wrong)} not right on the worked example. Print "
                  "checks.example_clusters() and checks.example_review_for_evaluation() and work them out.")


evaluate = Exercise(
    "9", "pairwise and B-cubed evaluation", "Part 5, 'Pairwise and B-cubed scores'",
    (
        "Start from review and attach each reviewed record's cluster: unreviewed records then drop out.",
        "Group sizes give pairs: k records make k(k-1)/2 pairs. True positives: group by (cluster, person).",
        "For B-cubed, groupby(...)['record_id'].transform('size') gives, per record, |C ∩ T| (group by "
        "cluster and person), |C| and |T|; average the ratios over records.",
    ),
    _check_evaluate,
)
