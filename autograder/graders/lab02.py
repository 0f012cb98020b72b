"""Graded references for Lab 02, *One customer: identity resolution* (instructor-only).

Each exercise's cases run the learner's function on the four source systems of each world
(rows shuffled, as exports come) and on hand-made records at the rules' edges; the
references are computed here, by a different route from the solution notebook.

Cluster labels are arbitrary: where a learner's function returns clusters, the partition is
compared first and the labelling (the task's "smallest record id") separately; where it takes
clusters, the graded cases label them in ways unrelated to the record ids.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_number, expect_type, labels

from cxlabs import identity

LISTS = identity.reference_lists()
EMAIL_DOMAINS, CALLING_CODES = LISTS["email_domains"], LISTS["calling_codes"]
RULE_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode"]
GOLDEN_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode", "city"]


def _records(world) -> pd.DataFrame:
    """The four source systems in one frame, as ``identity.load_records`` gives them."""
    frames = [world.load(table).assign(system=system) for system, table in identity.SOURCES.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["system"] + [c for c in out.columns if c != "system"]]


def _same_index(answer, index: pd.Index, what: str) -> pd.Series:
    """The answer as a Series with exactly ``index`` (same labels, same order)."""
    series = expect_type(answer, pd.Series, what)
    if len(series) != len(index) or labels(series.index) != labels(index):
        raise Fail("the result should have the same index as the input, in the same order (one value "
                   "per input row): work column-wise and do not sort, drop or reset it")
    return series


def _texts(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series.astype(object)]


def _check_texts(got: pd.Series, ref: list, noun: str, advice: str) -> None:
    values = _texts(got)
    if any(v is not None and not isinstance(v, str) for v in values):
        raise Fail(f"the {noun} should be text (str), with missing values left missing")
    missing = [(g is None) != (r is None) for g, r in zip(values, ref, strict=True)]
    if any(missing):
        raise Fail(f"missing {noun} must stay missing (not 'nan', '+nan' or ''), and only those: "
                   f"{sum(missing):,} of {len(ref):,} rows differ")
    wrong = sum(g != r for g, r in zip(values, ref, strict=True))
    if wrong:
        raise Fail(f"{wrong:,} of {len(ref):,} {noun} are not {advice}")


def _number_dict(answer, keys: list[str]) -> dict:
    if isinstance(answer, pd.Series):
        answer = answer.to_dict()
    answer = expect_type(answer, dict, f"a dict with keys {keys}")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise Fail(f"the dict is missing key(s) {missing}")
    return answer


# ---- exercise 1: emails -------------------------------------------------------------------------

def _email_ref(raw: pd.Series) -> list:
    out = []
    for e in raw:
        if pd.isna(e):
            out.append(None)
            continue
        local, domain = e.strip().lower().split("@", 1)
        out.append(local.split("+")[0] + "@" + EMAIL_DOMAINS.get(domain, domain))
    return out


def _check_email(raw: pd.Series):
    ref = _email_ref(raw)

    def check(answer):
        got = _same_index(answer, raw.index, "a Series of emails")
        _check_texts(got, ref, "emails", "normalised as asked: trimmed, lower case, no +tag (the local "
                     "part cut at its first '+'), and only a domain that is exactly a key of "
                     "EMAIL_DOMAINS replaced by its canonical domain")
    return check


def _email_world(world):
    raw = _records(world)["email"].sample(frac=1, random_state=21)
    return [Case("the email column of the four source systems, rows shuffled", (raw,), _check_email(raw))]


#: Domains that merely contain a variant's name are not variants (each appears twice), local
#: parts with two '+', variants in capitals with spaces around, and missing emails.
_EMAILS = (
    "info@acme.com", "Sales@ACME.com", "jo@mymail.com", "kim@mymail.com ", "ops@claim.com",
    "ed+news@claim.com", "lou@olive.nl", "max@olive.nl", "tara@freemail.de", "uwe@freemail.de",
    "vic@hotmail.com.au", "wes@hotmail.com.au", "ann+a+b@gmail.com", "bo+x+y+z@me.com",
    " Cy@GoogleMail.COM", "DEE+promo@Hotmail.Com ", None, "eve@ymail.com", None, "fay@aim.com",
)


def _email_fixed():
    raw = pd.Series(list(_EMAILS), index=pd.Index([7 * i + 40 for i in range(len(_EMAILS))][::-1]),
                    dtype="str")
    return [Case("hand-made emails: domains that only contain a variant's name (acme.com, mymail.com, "
                 "olive.nl, freemail.de, hotmail.com.au), local parts with two '+', variants in capitals, "
                 "missing emails", (raw,), _check_email(raw))]


# ---- exercise 2: phones -------------------------------------------------------------------------

def _phone_ref(phones: pd.Series, cities: pd.Series) -> list:
    out = []
    for p, c in zip(phones, cities, strict=True):
        if pd.isna(p):
            out.append(None)
            continue
        digits = "".join(ch for ch in p if ch.isdigit())
        if p.startswith("("):
            digits = "1" + digits
        elif p.startswith("0"):
            digits = CALLING_CODES[c.lower()] + digits[1:]
        out.append("+" + digits)
    return out


def _check_phone(phones: pd.Series, cities: pd.Series):
    ref = _phone_ref(phones, cities)

    def check(answer):
        got = _same_index(answer, phones.index, "a Series of phone numbers")
        _check_texts(got, ref, "phones", "in E.164 ('+', the country calling code, the national number "
                     "without its trunk 0, digits only)")
        present = [v for v in _texts(got) if v is not None]
        if not pd.Series(present, dtype=object).str.fullmatch(r"\+[1-9]\d{7,14}").all():
            raise Fail("E.164 is '+', then 8 to 15 digits")
    return check


def _phone_world(world):
    rows = _records(world).sample(frac=1, random_state=22)
    return [Case("the phone and city columns of the four source systems, rows shuffled",
                 (rows["phone"], rows["city"]), _check_phone(rows["phone"], rows["city"]))]


#: Every format twice; national numbers of each country, cities written in other cases
#: (the code is looked up by the city in lower case, "The Hague" included), missing phones.
_PHONES = (
    ("+447700900123", "London"), ("+4915112345678", "Berlin"), ("447700900124", "Leeds"),
    ("33612345678", "Lyon"), ("+44 7700 900125", "Cardiff"), ("+31 6123 45678", "Utrecht"),
    ("07700 900126", "LONDON"), ("07911 123456", "manchester"), ("01512 3456789", "Munich"),
    ("01701 2345678", "HAMBURG"), ("06 1234 5678", "Paris"), ("07 2345 6789", "Marseille"),
    ("06 2345 6789", "The Hague"), ("06 3456 7890", "the hague"), ("(212) 555-0123", "New York"),
    ("(713) 555-0199", "Houston"), (None, "Paris"), (None, "Austin"),
)


def _phone_fixed():
    index = pd.Index([3 * i + 11 for i in range(len(_PHONES))][::-1])
    phones = pd.Series([p for p, _ in _PHONES], index=index, dtype="str")
    cities = pd.Series([c for _, c in _PHONES], index=index, dtype="str")
    return [Case("hand-made phones: every format twice, national numbers of each country with cities "
                 "in other cases, missing phones", (phones, cities), _check_phone(phones, cities))]


# ---- exercise 3: the deterministic rule --------------------------------------------------------

def _rule_ref(cmp: pd.DataFrame) -> np.ndarray:
    cols = [cmp[c].astype(object).where(cmp[c].notna(), None) for c in RULE_FIELDS]
    return np.array([(f is True) and ((e is True) or (p is True) or (ln is True and s is True and pc is True))
                     for f, ln, e, p, s, pc in zip(*cols, strict=True)], dtype=bool)


def _check_rule(cmp: pd.DataFrame):
    ref = _rule_ref(cmp)
    yes = {c: cmp[c].eq(True).fillna(False).to_numpy(dtype=bool) for c in RULE_FIELDS}
    unknown_agrees = _rule_ref(cmp.fillna({c: True for c in RULE_FIELDS}))

    def check(answer):
        got = _same_index(answer, cmp.index, "a boolean Series")
        if got.isna().any():
            raise Fail("the result has missing values: an unknown field (<NA>) is not agreement, so every "
                       "pair is either True or False")
        if not (pd.api.types.is_bool_dtype(got.dtype)
                or all(isinstance(v, (bool, np.bool_)) for v in got)):
            raise Fail("the result should be a boolean Series (True/False), not numbers or text")
        g = got.to_numpy(dtype=bool)
        if (g == ref).all():
            return
        extra, lost = g & ~ref, ~g & ref
        if (extra & ~yes["first_name"]).any():
            raise Fail("some pairs whose first names do not agree (they differ, or one is unknown) are "
                       "matched: the first name must agree in every match (relatives share the rest)")
        if extra.any():
            if unknown_agrees[extra].all():
                raise Fail("some pairs are matched on a field that is unknown (<NA>): an unknown field "
                           "is not agreement")
            raise Fail("some pairs are matched where, besides the first name, neither the email nor the "
                       "phone agrees and last name, street and postcode do not ALL three agree")
        for clause, rows in (("the first name and the email", yes["email"]),
                             ("the first name and the phone", yes["phone"])):
            if (lost & rows).any():
                raise Fail(f"some pairs where {clause} agree are not matched: each of the three "
                           "alternatives after the first name is enough on its own")
        raise Fail("some pairs where the first name, last name, street and postcode all agree are not "
                   "matched")
    return check


def _rule_world(world):
    records = _records(world)
    k = records[["record_id"]].assign(
        first_name=records["first_name"].str.lower(), last_name=records["last_name"].str.lower(),
        email=records["email"].str.strip().str.lower(), phone=records["phone"].str.replace(r"\D", "", regex=True),
        street=records["street"].str.lower(), postcode=records["postcode"], birth_year=records["birth_year"])
    pairs = identity.candidate_pairs(k, [("email",), ("phone",), ("last_name", "postcode")])
    cmp = identity.compare(k, pairs, RULE_FIELDS)
    cmp.index = cmp.index * 3 + 1
    return [Case("pairs of the four source systems blocked on email, phone and last name with postcode",
                 (cmp,), _check_rule(cmp))]


def _truth_table() -> pd.DataFrame:
    """Every combination of agree / disagree / unknown over the six fields, each twice, shuffled."""
    combos = list(itertools.product((True, False, None), repeat=len(RULE_FIELDS))) * 2
    order = np.random.default_rng(3).permutation(len(combos))
    combos = [combos[i] for i in order]
    frame = pd.DataFrame({"record_id_a": [f"A{i:04d}" for i in range(len(combos))],
                          "record_id_b": [f"B{i:04d}" for i in range(len(combos))]},
                         index=pd.Index(7 * np.arange(len(combos)) + 5))
    for j, field in enumerate(RULE_FIELDS):
        frame[field] = pd.array([c[j] for c in combos], dtype="boolean")
    frame["birth_year"] = pd.array([(None, True, False)[i % 3] for i in range(len(combos))], dtype="boolean")
    return frame


#: Hand-made records (record_id, first, last, email, phone, street, postcode): each pair below
#: exercises one clause of the rule, and each situation occurs twice.
_RULE_KEYS = (
    ("a1", "ann", "lee", "ann@x.com", "+441", "1 oak road", "N1"), ("a2", "ann", "lee", "ann@x.com", None, None, None),
    ("b1", "bob", "ray", "bob@x.com", "+442", None, None), ("b2", "bob", "kay", "bob@x.com", "+449", "2 elm road", "M1"),
    ("c1", "cy", "fox", None, "+443", "3 ash lane", "L1"), ("c2", "cy", "dee", "cy@y.com", "+443", "4 ash lane", "L2"),
    ("d1", "di", "orr", "di@x.com", "+444", None, "E1"), ("d2", "di", "orr", None, None, "5 yew way", None),
    ("e1", "ed", "lam", "ed@x.com", "+445", "6 fir road", "E2"), ("e2", "ed", "lam", "e@z.com", "+446", "6 fir road", "E2"),
    ("f1", "flo", "lam", None, None, "7 fir road", "E3"), ("f2", "flo", "lam", None, None, "7 fir road", "E3"),
    ("g1", "gus", "ng", "ng@x.com", "+447", "8 oak road", "G1"), ("g2", "hal", "ng", "ng@x.com", "+447", "8 oak road", "G1"),
    ("h1", "ida", "ng", "ida@x.com", "+448", "8 oak road", "G1"), ("h2", "joy", "ng", "ida@x.com", "+448", "8 oak road", "G1"),
    ("i1", None, "ito", "ito@x.com", "+450", "9 bay road", "I1"), ("i2", "kai", "ito", "ito@x.com", "+450", "9 bay road", "I1"),
    ("j1", "lu", "ito", "lu@x.com", "+451", "9 bay road", None), ("j2", None, "ito", "lu@x.com", "+451", "9 bay road", "I1"),
    ("k1", "mo", "roe", "mo@x.com", "+452", "10 bay road", "K1"), ("k2", "mo", "roe", "m@x.com", "+453", "10 bay road", None),
    ("l1", "nia", "poe", "nia@x.com", "+454", None, "K2"), ("l2", "nia", "poe", "n@x.com", "+455", "11 bay road", "K2"),
    ("m1", "oli", "hay", "oli@x.com", "+456", "12 sea road", "M2"), ("m2", "oli", "roy", "o@x.com", "+457", "12 sea road", "M2"),
    ("n1", "pam", None, "pam@x.com", "+458", "13 sea road", "M3"), ("n2", "pam", "hay", "p@x.com", "+459", "13 sea road", "M3"),
    ("o1", "raj", "kim", "raj@x.com", "+460", "14 sea road", "M4"), ("o2", "raj", "kim", "r@x.com", "+461", "15 sea road", "M4"),
    ("p1", "sue", "kim", "sue@x.com", "+462", "16 sea road", "M5"), ("p2", "sue", "kim", "s@x.com", "+463", "16 sea road", "M6"),
    ("q1", "tom", "bell", None, "+464", "20 hill road", "Q1"), ("q2", "tom", "ball", "tom@x.com", "+464", None, "Q2"),
)


def _rule_records():
    keys = pd.DataFrame(list(_RULE_KEYS), columns=["record_id", *RULE_FIELDS])
    ids = keys["record_id"]
    pairs = pd.DataFrame({"record_id_a": ids[::2].to_numpy(), "record_id_b": ids[1::2].to_numpy()})
    cmp = identity.compare(keys, pairs, RULE_FIELDS)
    cmp.index = pd.Index(np.arange(len(cmp)) * 10 + 1000)[::-1]
    return cmp.iloc[::-1]


def _rule_fixed():
    table, records = _truth_table(), _rule_records()
    return [Case("hand-made pairs of records: agreeing on the first name and one other field, on "
                 "every field but the first name, on two of last name, street and postcode, with "
                 "unknown fields", (records,), _check_rule(records)),
            Case("every combination of agree, disagree and unknown over the six fields (twice each)",
                 (table,), _check_rule(table))]


# ---- exercise 4: recall lost to blocking --------------------------------------------------------

_RECALL_KEYS = ["pairs_compared", "true_pairs", "true_pairs_blocked", "recall"]


def _recall_ref(pairs: pd.DataFrame, review: pd.DataFrame) -> dict:
    every = review.merge(review, on="person")
    every = every[every["record_id_x"] < every["record_id_y"]]
    blocked = set(map(frozenset, zip(pairs["record_id_a"], pairs["record_id_b"], strict=True)))
    found = sum(frozenset(p) in blocked for p in zip(every["record_id_x"], every["record_id_y"], strict=True))
    return {"pairs_compared": len(pairs), "true_pairs": len(every), "true_pairs_blocked": found,
            "recall": found / len(every)}


def _check_recall(pairs, review):
    ref = _recall_ref(pairs, review)
    words = {"pairs_compared": "pairs_compared (one per candidate pair)",
             "true_pairs": "true_pairs (every pair of reviewed records of one person, blocked or not)",
             "true_pairs_blocked": "true_pairs_blocked (true pairs among the candidates, either way round)",
             "recall": "recall (blocked true pairs / ALL true pairs)"}

    def check(answer):
        got = _number_dict(answer, _RECALL_KEYS)
        for key in _RECALL_KEYS:
            expect_number(got[key], ref[key], words[key], rtol=1e-9, atol=1e-9)
    return check


def _recall_world(world):
    records = _records(world)
    review = world.load("clerical_review")
    k = records[["record_id"]].assign(email=records["email"].str.lower(),
                                      last_name=records["last_name"].str.lower(), postcode=records["postcode"])
    cases = []
    for name, blocks in (("email", [("email",)]), ("email, and last name with postcode",
                                                   [("email",), ("last_name", "postcode")])):
        pairs = identity.candidate_pairs(k, blocks)
        swap = pairs.index % 2 == 1  # list some pairs the other way round
        pairs.loc[swap, ["record_id_a", "record_id_b"]] = pairs.loc[swap, ["record_id_b", "record_id_a"]].to_numpy()
        shuffled = review.sample(frac=1, random_state=24)
        cases.append(Case(f"pairs blocked on {name} (some listed the other way round) and the "
                          "clerical_review table, rows shuffled", (pairs, shuffled), _check_recall(pairs, review)))
    return cases


def _recall_fixed():
    # a person with three records, two with two, one with a single record; pairs listed either way
    # round, pairs of two unreviewed records, pairs with one reviewed side, a pair across people
    review = pd.DataFrame({"system": "crm", "record_id": ["A1", "B2", "A2", "D1", "C1", "B1", "A3", "D2"],
                           "person": [5, 2, 5, 9, 7, 2, 5, 9]})
    pairs = pd.DataFrame([("A2", "A1"), ("A1", "A3"), ("B2", "B1"), ("A1", "B1"), ("X1", "X2"), ("X3", "X4"),
                          ("C1", "X1"), ("X5", "D1"), ("X2", "X4"), ("D2", "D1")], columns=["record_id_a", "record_id_b"])
    return [Case("hand-made pairs: some listed the other way round, some between unreviewed records, some "
                 "with one reviewed side", (pairs, review), _check_recall(pairs, review))]


# ---- exercise 5: Fellegi-Sunter match weights ---------------------------------------------------

def _weights_ref(cmp: pd.DataFrame, m_u: dict) -> np.ndarray:
    ref = np.zeros(len(cmp))
    for field, (m, u) in m_u.items():
        values = cmp[field].astype(object).to_numpy()
        ref += [0.0 if pd.isna(x) else (np.log2(m / u) if x else np.log2((1 - m) / (1 - u))) for x in values]
    return ref


def _check_weights(cmp: pd.DataFrame, m_u: dict):
    ref = _weights_ref(cmp, m_u)

    def check(answer):
        got = _same_index(answer, cmp.index, "a float Series of match weights")
        if not pd.api.types.is_numeric_dtype(got.dtype) or pd.api.types.is_bool_dtype(got.dtype):
            raise Fail("the weights should be numbers (floats)")
        values = got.to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(values).any():
            raise Fail("some weights are missing: an unknown field adds 0, it does not make the weight unknown")
        bad = ~np.isclose(values, ref, rtol=1e-9, atol=1e-9)
        if bad.any():
            raise Fail(f"{int(bad.sum()):,} of {len(ref):,} weights are not right: per field of m_u, agree "
                       "adds log2(m/u), disagree log2((1-m)/(1-u)), unknown 0")
    return check


_M_U = {"email": (0.9, 0.001), "phone": (0.8, 0.01), "postcode": (0.85, 0.002), "birth_year": (0.97, 0.03)}


def _weights_world(world):
    records = _records(world)
    k = records[["record_id"]].assign(email=records["email"].str.lower(), phone=records["phone"].str[-7:],
                                      last_name=records["last_name"].str.lower(), postcode=records["postcode"],
                                      birth_year=records["birth_year"])
    pairs = identity.candidate_pairs(k, [("email",), ("last_name", "postcode")])
    cmp = identity.compare(k, pairs, ["email", "phone", "last_name", "postcode", "birth_year"])
    cmp.index = cmp.index + 100
    return [Case("pairs of the four source systems (last_name is compared but not in m_u)",
                 (cmp, dict(_M_U)), _check_weights(cmp, _M_U))]


# ---- exercise 6: the weight threshold -----------------------------------------------------------

def _threshold_ref(w: pd.Series, y: pd.Series, target: float) -> dict:
    lab = y.notna()
    order = w[lab].sort_values(ascending=False)
    tp = y[lab].astype(bool)[order.index].cumsum()
    count = pd.Series(np.arange(1, len(order) + 1), index=order.index)
    frame = pd.DataFrame({"w": order, "tp": tp, "n": count}).groupby("w").last()
    frame["precision"] = frame["tp"] / frame["n"]
    t = frame.index[frame["precision"] >= target].min()
    return {"threshold": float(t), "precision": float(frame.loc[t, "precision"]),
            "recall": float(frame.loc[t, "tp"] / y[lab].astype(bool).sum()),
            "pairs_above": int((w >= t).sum())}


def _check_threshold(w, y, target):
    ref = _threshold_ref(w, y, target)
    words = {"threshold": "threshold (the smallest weight of a REVIEWED pair whose precision reaches "
                          "min_precision: at least, not more than)",
             "precision": "precision (matches among reviewed pairs with weight >= threshold)",
             "recall": "recall (reviewed matches at or above the threshold / all reviewed matches)",
             "pairs_above": "pairs_above (ALL pairs, reviewed or not, with weight >= threshold)"}

    def check(answer):
        got = _number_dict(answer, list(ref))
        for key in ref:
            expect_number(got[key], ref[key], words[key], rtol=1e-9, atol=1e-9)
    return check


def _threshold_random():
    rng = np.random.default_rng(26)
    n = 3000
    truth = rng.random(n) < 0.4
    w = pd.Series(np.round(np.where(truth, rng.normal(20, 6, n), rng.normal(4, 6, n)), 1), index=np.arange(n) * 2)
    y = pd.Series(pd.array(truth, dtype="boolean"), index=w.index)
    y[rng.random(n) < 0.3] = pd.NA
    return w, y


#: (weight, verdict) of hand-made pairs, None = not reviewed. Precision at 19 is exactly 9/12 = 0.75
#: (the target); it dips below 0.75 higher up (at 35, 27, 21, 20); unreviewed pairs weigh 18 and
#: 18.5, between 19 and the next reviewed weight, and 45, above every reviewed weight.
_TH_PAIRS = ((40, True), (35, False), (33, True), (31, True), (29, True), (27, False), (25, True), (23, True),
             (23, True), (21, False), (20, True), (19, True), (17, False), (15, False), (10, True), (5, False),
             (18, None), (18, None), (18.5, None), (45, None), (45, None), (3, None))


def _threshold_fixed():
    w, y = _threshold_random()
    cases = [Case(f"3,000 simulated weights (30% not reviewed, many ties) with min_precision={t}",
                  (w, y, t), _check_threshold(w, y, t)) for t in (0.9, 0.98)]
    order = np.random.default_rng(6).permutation(len(_TH_PAIRS))
    index = pd.Index([500 - 3 * i for i in range(len(_TH_PAIRS))])
    hw = pd.Series([float(_TH_PAIRS[i][0]) for i in order], index=index)
    hy = pd.Series(pd.array([_TH_PAIRS[i][1] for i in order], dtype="boolean"), index=index)
    cases.append(Case("hand-made weights with min_precision=0.75: ties, unreviewed pairs between and above "
                      "the reviewed weights, a precision that goes down as well as up as the threshold rises",
                      (hw, hy, 0.75), _check_threshold(hw, hy, 0.75)))
    return cases


# ---- exercise 7: clusters -----------------------------------------------------------------------

def _components(ids, pairs) -> dict:
    """Record id -> its component's root, by union-find with path halving."""
    parent = {r: r for r in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {r: find(r) for r in ids}


def _partition(assignment: dict) -> set[frozenset]:
    groups: dict = {}
    for record, label in assignment.items():
        groups.setdefault(label, set()).add(record)
    return {frozenset(g) for g in groups.values()}


def _check_cluster(ids: list, matches: pd.DataFrame):
    root = _components(ids, zip(matches["record_id_a"], matches["record_id_b"], strict=True))
    want = _partition(root)
    smallest = {r: str(min(g)) for g in want for r in g}

    def check(answer):
        got = expect_type(answer, pd.Series, "a Series indexed by record id")
        index = [str(i) for i in got.index]
        if len(set(index)) != len(index):
            raise Fail("a record id appears more than once in the index: one label per record")
        if set(index) != set(ids):
            if set(index) < set(ids):
                raise Fail("some records are missing from the result: a record in no match is a cluster "
                           "of its own and is labelled too")
            raise Fail("the index should be the record ids (every record, each once)")
        if got.isna().any():
            raise Fail("some records have no cluster label")
        assigned = {i: str(v) for i, v in zip(index, got, strict=True)}
        have = _partition(assigned)
        if have != want:
            by_group = {r: g for g in want for r in g}
            if all(g <= by_group[next(iter(g))] for g in have):
                raise Fail("some records linked through a chain of matches are in different clusters: a "
                           "cluster is a connected component (A~B and B~C put A, B and C together, in "
                           "whatever order or direction the pairs are listed)")
            raise Fail("some clusters join records that no chain of matches connects")
        if any(assigned[r] != smallest[r] for r in ids):
            raise Fail("the clusters are right, but each should be labelled by the smallest record id in it "
                       "(as text)")
    return check


def _cluster_world(world):
    records = _records(world)
    ids = records["record_id"].sample(frac=1, random_state=27)
    k = records[["record_id"]].assign(email=records["email"].str.strip().str.lower(),
                                      phone=records["phone"].str.replace(r"\D", "", regex=True).str[-8:])
    matches = identity.candidate_pairs(k, [("email",), ("phone",)])
    return [Case("every record of the four source systems, matched on email or phone",
                 (ids.reset_index(drop=True), matches), _check_cluster(list(ids), matches))]


def _cluster_fixed():
    ids = [f"R{i:02d}" for i in range(1, 31)]
    chain = [(ids[i], ids[i + 1]) for i in range(12)][::-1]               # R01..R13, listed from the end
    chain = [(b, a) if j % 2 else (a, b) for j, (a, b) in enumerate(chain)]  # half of them b > a
    star = [("R20", "R14"), ("R20", "R15"), ("R16", "R20"), ("R20", "R17")]  # the centre is not the smallest
    cycle = [("R21", "R22"), ("R22", "R23"), ("R23", "R21"), ("R22", "R21")]  # a loop and a repeated pair
    bridge = [("R27", "R24"), ("R25", "R26"), ("R26", "R27")]               # joined only through R26~R27
    matches = pd.DataFrame(chain + star + cycle + bridge, columns=["record_id_a", "record_id_b"])
    matches = matches.iloc[np.random.default_rng(7).permutation(len(matches))].reset_index(drop=True)
    record_ids = pd.Series(list(reversed(ids)), name="record_id")             # R18, R19, R28..R30: no match
    return [Case("hand-made matches: a chain of thirteen records listed in reverse and both ways round, "
                 "a star, a loop, records in no match", (record_ids, matches), _check_cluster(ids, matches))]


# ---- exercise 8: golden records -----------------------------------------------------------------

def _golden_ref(keys: pd.DataFrame, clusters: pd.Series) -> dict:
    """Per field: cluster -> the set of acceptable values (None when no record has one).

    Several values are acceptable only where records tie on the latest ``updated_at``.
    """
    k = keys.assign(cluster=keys["record_id"].map(clusters).astype(str))
    out = {}
    for field in GOLDEN_FIELDS:
        known = k.dropna(subset=[field])
        latest = known[known["updated_at"] == known.groupby("cluster")["updated_at"].transform("max")]
        values = latest.groupby("cluster")[field].agg(lambda s: {str(v) for v in s})
        out[field] = {c: values.get(c) for c in k["cluster"].unique()}
    out["records"] = k["cluster"].value_counts().to_dict()
    return out


def _check_golden(keys: pd.DataFrame, clusters: pd.Series):
    ref = _golden_ref(keys, clusters)
    want = set(ref["records"])

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by cluster label")
        missing = [c for c in [*GOLDEN_FIELDS, "records"] if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        index = [str(i) for i in frame.index]
        if len(set(index)) != len(index) or set(index) != want:
            raise Fail("the index should be the cluster labels, one row per cluster")
        frame = frame.set_axis(index)
        for field in GOLDEN_FIELDS:
            values = _texts(frame[field])
            expected = [ref[field][c] for c in index]
            lost = sum(v is None and e is not None for v, e in zip(values, expected, strict=True))
            if lost:
                raise Fail(f"{field}: {lost:,} clusters got no value although a record of theirs has one: "
                           "the survivorship picked a missing value (take the latest NON-missing value)")
            if any(v is not None and e is None for v, e in zip(values, expected, strict=True)):
                raise Fail(f"{field}: a cluster got a value although none of its records has one")
            wrong = sum(v is not None and str(v) not in e for v, e in zip(values, expected, strict=True))
            if wrong:
                raise Fail(f"{field}: {wrong:,} clusters do not get the value of the most recently updated "
                           "record that has one")
        counts = pd.to_numeric(frame["records"], errors="coerce").to_numpy(dtype=float)
        if not np.allclose(counts, [ref["records"][c] for c in index]):
            raise Fail("records should be the number of source records in each cluster")
    return check


def _golden_world(world):
    records = _records(world)
    keys = records[["record_id", "updated_at", *GOLDEN_FIELDS]]
    shuffled = keys.sample(frac=1, random_state=28)
    by_name_city = pd.Series((records["last_name"].str.lower() + "|" + records["city"]).to_numpy(),
                             index=records["record_id"])
    truth = world.load("source_identity").set_index("record_id")["customer_id"]
    customers = ("P" + truth.map("{:06d}".format)).reindex(records["record_id"])
    by_name = pd.Series(records["last_name"].str.lower().to_numpy(), index=records["record_id"])
    return [Case("the source records clustered by last name and city, rows shuffled", (shuffled, by_name_city),
                 _check_golden(keys, by_name_city)),
            Case("the source records clustered by the customer they belong to, rows shuffled",
                 (shuffled, customers.sample(frac=1, random_state=5)), _check_golden(keys, customers)),
            Case("the source records clustered by last name alone (cities differ within a cluster), rows "
                 "shuffled", (shuffled, by_name), _check_golden(keys, by_name))]


#: (record_id, updated_at, first, last, email, phone, street, postcode, city, cluster). In K7 the
#: newest record lacks every field but the first name; in K2 the newest record moved city and has
#: no email; nobody in K5 has an email or a postcode; K9 is a single record.
_GOLDEN_KEYS = (
    ("r01", "2024-03-01", "ann", "lee", "ann@x.com", "+441", "1 oak road", "N1", "london", "K7"),
    ("r02", "2025-02-01", "annie", None, None, None, None, None, None, "K7"),
    ("r03", "2023-01-01", "anne", "li", "a.lee@x.com", "+442", "9 elm road", "N2", "leeds", "K7"),
    ("r04", "2024-06-01", None, "lee", None, "+443", None, "N3", "london", "K7"),
    ("r05", "2022-05-01", "bo", "kim", "bo@y.com", "+444", "5 ash lane", "M2", "leeds", "K2"),
    ("r06", "2025-01-01", "bo", "kim-ray", None, None, "2 bay road", "B1", "bristol", "K2"),
    ("r07", "2024-01-01", None, None, "bo.kim@y.com", "+445", None, None, "leeds", "K2"),
    ("r08", "2023-07-01", "cy", "fox", None, "+446", "3 elm road", None, "cardiff", "K5"),
    ("r09", "2024-07-01", "cyrus", "fox", None, None, None, None, "cardiff", "K5"),
    ("r10", "2021-01-01", "di", "orr", "di@z.com", None, "4 fir road", "G1", "glasgow", "K9"),
    ("r11", "2024-09-01", "eve", "ng", None, "+447", None, "E1", "york", "K1"),
    ("r12", "2023-09-01", "eva", "ng", "eve@q.com", None, "6 sea road", None, "york", "K1"),
)


def _golden_fixed():
    rows = pd.DataFrame(list(_GOLDEN_KEYS), columns=["record_id", "updated_at", *GOLDEN_FIELDS, "cluster"])
    rows["updated_at"] = pd.to_datetime(rows["updated_at"])
    keys = rows.drop(columns="cluster").iloc[::-1].reset_index(drop=True)
    for field in GOLDEN_FIELDS:
        keys[field] = keys[field].astype("str")
    clusters = pd.Series(rows["cluster"].to_numpy(), index=pd.Index(rows["record_id"], name="record_id"),
                         name="cluster")
    return [Case("hand-made records: newest records with empty fields, a cluster where nobody has an email, "
                 "a single-record cluster, clusters whose labels say nothing about the records",
                 (keys, clusters), _check_golden(keys, clusters))]


# ---- exercise 9: pairwise and B-cubed evaluation -----------------------------------------------

_EVAL_KEYS = ["pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_precision", "bcubed_recall",
              "bcubed_f1"]


def _evaluate_ref(clusters: pd.Series, review: pd.DataFrame) -> dict:
    c = review["record_id"].map(clusters).to_numpy()
    t = review["person"].to_numpy()
    same_c = c[:, None] == c[None, :]
    same_t = t[:, None] == t[None, :]
    off = ~np.eye(len(c), dtype=bool)
    tp = (same_c & same_t & off).sum() / 2
    predicted, true = (same_c & off).sum() / 2, (same_t & off).sum() / 2
    inter = (same_c & same_t).sum(axis=1)
    bp, br = np.mean(inter / same_c.sum(axis=1)), np.mean(inter / same_t.sum(axis=1))
    pp, pr = tp / predicted, tp / true
    return {"pairwise_precision": pp, "pairwise_recall": pr, "pairwise_f1": 2 * pp * pr / (pp + pr),
            "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": 2 * bp * br / (bp + br)}


def _check_evaluate(clusters, review):
    ref = _evaluate_ref(clusters, review)

    def check(answer):
        got = _number_dict(answer, _EVAL_KEYS)
        for key in _EVAL_KEYS:
            expect_number(got[key], ref[key], key, rtol=1e-9, atol=1e-12)
    return check


def _evaluate_world(world):
    records = _records(world)
    review = world.load("clerical_review")
    by_name = pd.Series((records["last_name"].str.lower() + "|" + records["postcode"].fillna(records["record_id"]))
                        .to_numpy(), index=records["record_id"])
    truth = world.load("source_identity").set_index("record_id")["customer_id"]
    household = world.load("customers").set_index("customer_id")["household_id"]
    by_household = truth.map(household).reindex(records["record_id"]) * 7 + 3  # integer labels
    shuffled = review.sample(frac=1, random_state=29)
    return [Case("the records clustered by last name and postcode, and the clerical_review table (shuffled)",
                 (by_name, shuffled), _check_evaluate(by_name, review)),
            Case("the records clustered by household (integer labels), and the clerical_review table",
                 (by_household.sample(frac=1, random_state=30), shuffled), _check_evaluate(by_household, review))]


def _evaluate_fixed():
    review = pd.DataFrame({"system": "crm", "record_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9",
                                                         "r10"],
                           "person": [3, 3, 3, 1, 1, 2, 2, 4, 5, 6]})
    clusters = pd.Series({"r1": 2, "r2": 2, "u1": 2, "u2": 2, "r3": 1, "r4": 1, "r5": 1, "u3": 1, "r10": 1,
                          "r6": 5, "r7": 4, "r8": 3, "r9": 3, "u4": 4}, name="cluster")
    return [Case("hand-made clusters with integer labels, unreviewed records in them, a person split "
                 "over two clusters and clusters that mix people", (clusters, review),
                 _check_evaluate(clusters, review))]


# ---- memo figures (for the person grading the memo, never for the learner) ----------------------

def model_pipeline(world) -> dict:
    """The lab's own pipeline on ``world``, as the model answer runs it: the solution notebook's
    standardisation, blocks and m/u, weights, the threshold for a precision of 0.95, and the
    clusters with and without the first-name rule. For the memo figures and the given results
    (``autograder/given_data.py``)."""
    from grading import solution_namespace

    ns = solution_namespace("lab02", world, ["setup", "keys", "pairs", "m_u"])
    keys, comparisons = ns["keys"], ns["comparisons"]
    weights = ns["match_weights"](comparisons, ns["M_U"])
    chosen = ns["choose_threshold"](weights, comparisons["is_match"], 0.95)
    above = weights >= chosen["threshold"]
    first_ok = comparisons["first_name"].astype(object).map(lambda v: True if pd.isna(v) else bool(v)).astype(bool)
    return {"ns": ns, "keys": keys, "review": ns["review"], "comparisons": comparisons, "weights": weights,
            "chosen": chosen, "alone": ns["cluster"](keys["record_id"], comparisons[above]),
            "ruled": ns["cluster"](keys["record_id"], comparisons[above & first_ok])}


def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric quotes (blocking recall, precision and recall at the threshold,
    pairwise and B-cubed scores, over-merged clusters), from the lab's own pipeline: the solution
    notebook's standardisation, blocks, m/u and functions run on this world, threshold for a
    precision of 0.95 as in the notebook, with and without the first-name rule."""
    run = model_pipeline(world)
    ns, keys, review, chosen, alone, ruled = (run[k] for k in ("ns", "keys", "review", "chosen", "alone", "ruled"))
    n = len(keys)
    ours = ns["blocking_recall"](ns["pairs"], review)
    email = ns["blocking_recall"](identity.candidate_pairs(keys, [("email",)]), review)
    mixed = review.assign(c=review["record_id"].map(alone)).groupby("c")["person"].nunique()
    scores = {name: ns["evaluate"](c, review) for name, c in (("weights alone", alone), ("with the rule", ruled))}
    sizes = alone.value_counts()
    return {
        "source records": f"{n:,}",
        "possible pairs without blocking": f"{n * (n - 1) // 2:,}",
        "pairs compared (the notebook's four blocks)": f"{ours['pairs_compared']:,}",
        "recall kept by blocking: four blocks / email alone":
            f"{100 * ours['recall']:.1f}% / {100 * email['recall']:.1f}%",
        "threshold for precision 0.95 (bits)": f"{chosen['threshold']:.1f}",
        "precision / recall of reviewed pairs at that threshold":
            f"{chosen['precision']:.3f} / {chosen['recall']:.3f} ({chosen['pairs_above']:,} pairs to merge)",
        "reviewed clusters holding more than one person (weights alone)": f"{int((mixed > 1).sum())}",
        "largest cluster (weights alone)": f"{int(sizes.iloc[0])} records",
        "pairwise precision / F1, weights alone": "{pairwise_precision:.3f} / {pairwise_f1:.3f}".format(
            **scores["weights alone"]),
        "pairwise precision / F1, first names must not disagree": "{pairwise_precision:.3f} / {pairwise_f1:.3f}"
            .format(**scores["with the rule"]),
        "B-cubed F1: weights alone / with the rule": f"{scores['weights alone']['bcubed_f1']:.3f} / "
                                                     f"{scores['with the rule']['bcubed_f1']:.3f}",
    }


EXERCISES = [
    Graded("ex1_tests", "clean_email", _email_world, _email_fixed),
    Graded("ex2_tests", "clean_phone", _phone_world, _phone_fixed),
    Graded("ex3_tests", "rule_match", _rule_world, _rule_fixed),
    Graded("ex4_tests", "blocking_recall", _recall_world, _recall_fixed),
    Graded("ex5_tests", "match_weights", _weights_world),
    Graded("ex6_tests", "choose_threshold", fixed=_threshold_fixed),
    Graded("ex7_tests", "cluster", _cluster_world, _cluster_fixed),
    Graded("ex8_tests", "golden_records", _golden_world, _golden_fixed),
    Graded("ex9_tests", "evaluate", _evaluate_world, _evaluate_fixed),
]
