"""Unit tests of cxlabs.checks.lab02: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mistakes.lab02 import MISTAKES

from cxlabs import identity
from cxlabs.checks import lab02 as checks
from cxlabs.feedback import CheckFailed, Exercise

LISTS = identity.reference_lists()
NAMESPACE = {"pd": pd, "np": np, "EMAIL_DOMAINS": LISTS["email_domains"],
             "CALLING_CODES": LISTS["calling_codes"], "NICKNAMES": LISTS["nicknames"],
             "STREET_TYPES": LISTS["street_types"]}

# --- reference answers (written independently of the check module and the notebook) ---------


def good_clean_email(email):
    def one(e):
        if pd.isna(e):
            return None
        local, domain = e.strip().lower().split("@", 1)
        return local.split("+")[0] + "@" + LISTS["email_domains"].get(domain, domain)
    return pd.Series([one(e) for e in email], index=email.index, dtype="str")


def good_clean_phone(phone, city):
    def one(p, c):
        if pd.isna(p):
            return None
        d = "".join(ch for ch in p if ch.isdigit())
        if p.strip().startswith("("):
            d = "1" + d
        elif p.strip().startswith("0"):
            d = LISTS["calling_codes"][c.strip().lower()] + d[1:]
        return "+" + d
    return pd.Series([one(p, c) for p, c in zip(phone, city, strict=True)], index=phone.index, dtype="str")


def good_rule_match(comparisons):
    def yes(col):
        return comparisons[col].astype(object).eq(True)
    return yes("first_name") & (yes("email") | yes("phone") | (yes("last_name") & yes("street") & yes("postcode")))


def good_blocking_recall(pairs, review):
    both = review.merge(review, on="person")
    true = both[both["record_id_x"] < both["record_id_y"]]
    true_set = {frozenset(p) for p in zip(true["record_id_x"], true["record_id_y"], strict=True)}
    found = sum(frozenset(p) in true_set for p in zip(pairs["record_id_a"], pairs["record_id_b"], strict=True))
    return {"pairs_compared": len(pairs), "true_pairs": len(true_set), "true_pairs_blocked": found,
            "recall": found / len(true_set)}


def good_match_weights(comparisons, m_u):
    out = []
    for _, row in comparisons.iterrows():
        w = 0.0
        for field, (m, u) in m_u.items():
            v = row[field]
            if pd.isna(v):
                continue
            w += np.log2(m / u) if v else np.log2((1 - m) / (1 - u))
        out.append(w)
    return pd.Series(out, index=comparisons.index)


def good_choose_threshold(weights, is_match, min_precision):
    rows = [(w, bool(y)) for w, y in zip(weights, is_match, strict=True) if not pd.isna(y)]
    for t in sorted({w for w, _ in rows}):
        above = [y for w, y in rows if w >= t]
        if sum(above) / len(above) >= min_precision:
            return {"threshold": t, "precision": sum(above) / len(above),
                    "recall": sum(above) / sum(y for _, y in rows), "pairs_above": int((weights >= t).sum())}
    return None


def good_cluster(record_ids, matches):
    parent = {r: r for r in record_ids}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    for a, b in zip(matches["record_id_a"], matches["record_id_b"], strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return pd.Series({r: find(r) for r in record_ids})


def good_golden_records(keys, clusters):
    fields = ["first_name", "last_name", "email", "phone", "street", "postcode", "city"]
    k = keys.assign(cluster=keys["record_id"].map(clusters)).sort_values("updated_at", ascending=False)
    out = {}
    for c, group in k.groupby("cluster"):
        out[c] = {f: next((v for v in group[f] if not pd.isna(v)), None) for f in fields}
        out[c]["records"] = len(group)
    return pd.DataFrame(out).T.rename_axis("cluster")


def good_evaluate(clusters, review):
    c = review["record_id"].map(clusters).to_numpy()
    t = review["person"].to_numpy()
    same_c, same_t = c[:, None] == c[None, :], t[:, None] == t[None, :]
    off = ~np.eye(len(c), dtype=bool)
    tp = (same_c & same_t & off).sum()
    p, r = tp / (same_c & off).sum(), tp / (same_t & off).sum()
    inter = (same_c & same_t).sum(axis=1)
    bp, br = np.mean(inter / same_c.sum(axis=1)), np.mean(inter / same_t.sum(axis=1))
    return {"pairwise_precision": p, "pairwise_recall": r, "pairwise_f1": 2 * p * r / (p + r),
            "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": 2 * bp * br / (bp + br)}


RIGHT = [
    (checks.clean_email, good_clean_email),
    (checks.clean_phone, good_clean_phone),
    (checks.rule_match, good_rule_match),
    (checks.blocking_recall, good_blocking_recall),
    (checks.match_weights, good_match_weights),
    (checks.choose_threshold, good_choose_threshold),
    (checks.cluster, good_cluster),
    (checks.golden_records, good_golden_records),
    (checks.evaluate, good_evaluate),
]
CHECK_OF_ANSWER = {f"ex{i}_answer": ex for i, (ex, _) in enumerate(RIGHT, 1)}


def failure(exercise, func) -> str:
    with pytest.raises(CheckFailed) as err:
        exercise.check(func)
    return str(err.value)


def function_from(source: str):
    namespace = dict(NAMESPACE)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if callable(v) and k not in NAMESPACE and not k.startswith("_")
                and getattr(v, "__module__", None) is None)


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_answers_as_series_or_with_numpy_numbers_pass():
    checks.blocking_recall.check(lambda p, r: pd.Series(good_blocking_recall(p, r)))
    checks.evaluate.check(lambda c, r: {k: np.float64(v) for k, v in good_evaluate(c, r).items()})


# --- the catalogued mistakes are named -------------------------------------------------------

CASES = [(answer_id, m) for answer_id, items in MISTAKES.items() for m in items if m.visible]


@pytest.mark.parametrize("answer_id, mistake", CASES, ids=[f"{a}-{m.description[:40]}" for a, m in CASES])
def test_visible_check_names_the_mistake(answer_id, mistake):
    namespace = dict(NAMESPACE)
    before = set(namespace)
    exec(mistake.source, namespace)
    func = next(v for k, v in namespace.items() if k not in before and callable(v))
    assert mistake.visible.lower() in failure(CHECK_OF_ANSWER[answer_id], func).lower()


# --- unanswered, crashes, wrong shapes --------------------------------------------------------



def test_index_must_be_kept():
    assert "same index" in failure(checks.clean_email, lambda e: good_clean_email(e).reset_index(drop=True))


# --- the worked examples and messages ----------------------------------------------------------

def test_hand_worked_answers_match_the_references():
    e = checks.example_emails()
    assert [None if pd.isna(v) else v for v in good_clean_email(e)] == checks._EMAILS_CLEAN
    p = checks.example_phones()
    assert [None if pd.isna(v) else v for v in good_clean_phone(p["phone"], p["city"])] == checks._PHONES_E164
    assert list(good_rule_match(checks.example_comparisons())) == checks._RULE
    assert good_blocking_recall(checks.example_pairs(), checks.example_review()) == checks._RECALL
    np.testing.assert_allclose(good_match_weights(checks.example_weight_comparisons(), checks.example_m_u()),
                               checks._WEIGHTS, atol=1e-6)
    w, y = checks.example_weights()
    assert good_choose_threshold(w, y, checks._TH_TARGET) == checks._THRESHOLD
    ids, matches = checks.example_matches()
    assert good_cluster(ids, matches).to_dict() == checks._CLUSTERS
    keys, clusters = checks.example_keys()
    assert good_golden_records(keys, clusters).to_dict("index") == checks._GOLDEN
    got = good_evaluate(checks.example_clusters(), checks.example_review_for_evaluation())
    assert all(np.isclose(got[k], v, atol=1e-6) for k, v in checks._EVALUATION.items())


def test_messages_do_not_leak_expected_values():
    msg = failure(checks.clean_email, lambda e: good_clean_email(e).str.replace("gmail", "gmial"))
    assert "ann.lee@gmail.com" not in msg
    msg = failure(checks.evaluate, lambda c, r: {k: v * 0.9 for k, v in good_evaluate(c, r).items()})
    assert "0.5" not in msg and "0.4" not in msg


@pytest.mark.parametrize("exercise", [ex for ex, _ in RIGHT], ids=[ex.number for ex, _ in RIGHT])
def test_every_exercise_has_two_or_three_hints(exercise):
    assert isinstance(exercise, Exercise)
    assert 2 <= len(exercise.hints) <= 3
    assert exercise.where and exercise.title
