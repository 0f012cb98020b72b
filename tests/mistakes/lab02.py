"""Common wrong answers for Lab 02 (One customer: identity resolution).

Each source replaces a whole answer cell of ``solutions/lab02/lab02_identity_resolution.ipynb``;
the exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the hidden tests catch it).
"""

from . import Mistake

MISTAKES = {
    "ex1_answer": [
        Mistake("un-normalised keys: no lower case, no strip", '''
def clean_email(email):
    parts = email.str.split("@", n=1)
    local = parts.str[0].str.split("+", n=1).str[0]
    return local + "@" + parts.str[1].replace(EMAIL_DOMAINS)
''', visible="capital letters"),
        Mistake("+tag kept", '''
def clean_email(email):
    e = email.str.strip().str.lower()
    parts = e.str.split("@", n=1)
    return parts.str[0] + "@" + parts.str[1].replace(EMAIL_DOMAINS)
''', visible="+tag"),
        Mistake("domain variants not mapped", '''
def clean_email(email):
    e = email.str.strip().str.lower()
    parts = e.str.split("@", n=1)
    return parts.str[0].str.split("+", n=1).str[0] + "@" + parts.str[1]
''', visible="variants"),
        Mistake("missing emails become the text 'nan'", '''
def clean_email(email):
    out = []
    for e in email:
        local, _, domain = str(e).strip().lower().partition("@")
        out.append(local.split("+")[0] + ("@" + EMAIL_DOMAINS.get(domain, domain) if domain else ""))
    return pd.Series(out, index=email.index)
''', visible="missing"),
        Mistake("domain variants replaced as substrings (acme.com becomes acicloud.com)", '''
def clean_email(email):
    e = email.str.strip().str.lower()
    parts = e.str.split("@", n=1)
    out = parts.str[0].str.split("+", n=1).str[0] + "@" + parts.str[1]
    for variant, canonical in EMAIL_DOMAINS.items():
        out = out.str.replace(variant, canonical, regex=False)
    return out
'''),
        Mistake("+tag cut at the last '+' (ann+a+b keeps +a)", '''
def clean_email(email):
    e = email.str.strip().str.lower()
    parts = e.str.split("@", n=1)
    local = parts.str[0].str.rsplit("+", n=1).str[0]
    return local + "@" + parts.str[1].replace(EMAIL_DOMAINS)
'''),
    ],
    "ex2_answer": [
        Mistake("digits only, no '+'", '''
def clean_phone(phone, city):
    raw = phone.str.strip()
    digits = raw.str.replace(r"\\D", "", regex=True)
    code = city.str.strip().str.lower().map(CALLING_CODES)
    digits = digits.mask(raw.str.startswith("(").fillna(False), "1" + digits)
    return digits.mask(raw.str.startswith("0").fillna(False), code + digits.str[1:])
''', visible="start with '+'"),
        Mistake("national numbers left without a country code", '''
def clean_phone(phone, city):
    return "+" + phone.str.replace(r"\\D", "", regex=True)
''', visible="trunk"),
        Mistake("US national numbers without the 1", '''
def clean_phone(phone, city):
    raw = phone.str.strip()
    digits = raw.str.replace(r"\\D", "", regex=True)
    code = city.str.strip().str.lower().map(CALLING_CODES)
    digits = digits.mask(raw.str.startswith("0").fillna(False), code + digits.str[1:])
    return "+" + digits
''', visible="country code 1"),
    ],
    "ex3_answer": [
        Mistake("same email, phone or address is enough (no first name): merges relatives", '''
def rule_match(comparisons):
    a = comparisons[["last_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    return a["email"] | a["phone"] | (a["last_name"] & a["street"] & a["postcode"])
''', visible="hard negatives"),
        Mistake("unknown field counted as agreement", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "last_name", "email", "phone", "street", "postcode"]].fillna(True).astype(bool)
    return a["first_name"] & (a["email"] | a["phone"] | (a["last_name"] & a["street"] & a["postcode"]))
''', visible="unknown field"),
        Mistake("last name left out of the address clause", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "last_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    return a["first_name"] & (a["email"] | a["phone"] | (a["street"] & a["postcode"]))
'''),
        Mistake("postcode left out of the address clause", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "last_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    return a["first_name"] & (a["email"] | a["phone"] | (a["last_name"] & a["street"]))
'''),
        Mistake("an unknown postcode counted as agreement", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "last_name", "email", "phone", "street"]].fillna(False).astype(bool)
    postcode = comparisons["postcode"].fillna(True).astype(bool)
    return a["first_name"] & (a["email"] | a["phone"] | (a["last_name"] & a["street"] & postcode))
'''),
        Mistake("an unknown last name counted as agreement", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    last = comparisons["last_name"].fillna(True).astype(bool)
    return a["first_name"] & (a["email"] | a["phone"] | (last & a["street"] & a["postcode"]))
'''),
        Mistake("an unknown first name counted as agreement (first name only must not disagree)", '''
def rule_match(comparisons):
    a = comparisons[["last_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    first = comparisons["first_name"].fillna(True).astype(bool)
    return first & (a["email"] | a["phone"] | (a["last_name"] & a["street"] & a["postcode"]))
'''),
        Mistake("email clause left out", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "last_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    return a["first_name"] & (a["phone"] | (a["last_name"] & a["street"] & a["postcode"]))
'''),
        Mistake("0/1 integers instead of True/False", '''
def rule_match(comparisons):
    a = comparisons[["first_name", "last_name", "email", "phone", "street", "postcode"]].fillna(False).astype(bool)
    return (a["first_name"] & (a["email"] | a["phone"] | (a["last_name"] & a["street"] & a["postcode"]))).astype(int)
'''),
    ],
    "ex4_answer": [
        Mistake("recall measured on the blocked pairs only", '''
def blocking_recall(pairs, review):
    person = review.set_index("record_id")["person"]
    pa, pb = pairs["record_id_a"].map(person), pairs["record_id_b"].map(person)
    found = int((pa.notna() & (pa == pb)).sum())
    return {"pairs_compared": len(pairs), "true_pairs": found, "true_pairs_blocked": found,
            "recall": found / found}
''', visible="blocked pairs only"),
        Mistake("recall = true share of the reviewed blocked pairs (that is precision)", '''
def blocking_recall(pairs, review):
    size = review.groupby("person").size()
    person = review.set_index("record_id")["person"]
    pa, pb = pairs["record_id_a"].map(person), pairs["record_id_b"].map(person)
    both = pa.notna() & pb.notna()
    found = int((both & (pa == pb)).sum())
    return {"pairs_compared": len(pairs), "true_pairs": int((size * (size - 1) // 2).sum()),
            "true_pairs_blocked": found, "recall": found / int(both.sum())}
''', visible="blocked pairs only"),
        Mistake("true pairs counted as ordered pairs", '''
def blocking_recall(pairs, review):
    size = review.groupby("person").size()
    true_pairs = int((size * (size - 1)).sum())
    person = review.set_index("record_id")["person"]
    pa, pb = pairs["record_id_a"].map(person), pairs["record_id_b"].map(person)
    found = int((pa.notna() & (pa == pb)).sum())
    return {"pairs_compared": len(pairs), "true_pairs": true_pairs, "true_pairs_blocked": found,
            "recall": found / true_pairs}
''', visible="ordered pairs"),
        Mistake("pairs listed the other way round not counted", '''
def blocking_recall(pairs, review):
    size = review.groupby("person").size()
    true_pairs = int((size * (size - 1) // 2).sum())
    both = review.merge(review, on="person")
    both = both[both["record_id_x"] < both["record_id_y"]]
    hit = pairs.merge(both, left_on=["record_id_a", "record_id_b"], right_on=["record_id_x", "record_id_y"])
    return {"pairs_compared": len(pairs), "true_pairs": true_pairs, "true_pairs_blocked": len(hit),
            "recall": len(hit) / true_pairs}
''', visible="other way round"),
    ],
    "ex5_answer": [
        Mistake("unknown (missing) scored as disagreement", '''
def match_weights(comparisons, m_u):
    total = pd.Series(0.0, index=comparisons.index)
    for field, (m, u) in m_u.items():
        agree = comparisons[field].fillna(False).astype(bool)
        total += np.where(agree, np.log2(m / u), np.log2((1 - m) / (1 - u)))
    return total
''', visible="scored as a disagreement"),
        Mistake("natural logarithm instead of bits", '''
def match_weights(comparisons, m_u):
    total = pd.Series(0.0, index=comparisons.index)
    for field, (m, u) in m_u.items():
        known = comparisons[field].notna()
        agree = comparisons[field].fillna(False).astype(bool)
        total += np.where(known & agree, np.log(m / u), np.where(known, np.log((1 - m) / (1 - u)), 0.0))
    return total
''', visible="natural logarithm"),
        Mistake("disagreement adds nothing", '''
def match_weights(comparisons, m_u):
    total = pd.Series(0.0, index=comparisons.index)
    for field, (m, u) in m_u.items():
        agree = comparisons[field].fillna(False).astype(bool)
        total += np.where(agree, np.log2(m / u), 0.0)
    return total
''', visible="evidence AGAINST"),
    ],
    "ex6_answer": [
        Mistake("weight threshold read as a probability", '''
def choose_threshold(weights, is_match, min_precision):
    labelled = is_match.notna()
    y = is_match[labelled].astype(bool)
    above = weights[labelled] >= min_precision
    return {"threshold": min_precision, "precision": float(y[above].mean()),
            "recall": float(y[above].sum() / y.sum()), "pairs_above": int((weights >= min_precision).sum())}
''', visible="not a probability"),
        Mistake("largest threshold instead of the smallest", '''
def choose_threshold(weights, is_match, min_precision):
    labelled = is_match.notna()
    w = weights[labelled].to_numpy(dtype=float)
    y = is_match[labelled].astype(bool).to_numpy()
    best = None
    for t in np.unique(w):
        above = w >= t
        if y[above].mean() >= min_precision:
            best = {"threshold": float(t), "precision": float(y[above].mean()),
                    "recall": float(y[above].sum() / y.sum()), "pairs_above": int((weights >= t).sum())}
    return best
''', visible="SMALLEST"),
        Mistake("pairs above counted among reviewed pairs only", '''
def choose_threshold(weights, is_match, min_precision):
    labelled = is_match.notna()
    w = weights[labelled].to_numpy(dtype=float)
    y = is_match[labelled].astype(bool).to_numpy()
    for t in np.unique(w):
        above = w >= t
        if y[above].mean() >= min_precision:
            return {"threshold": float(t), "precision": float(y[above].mean()),
                    "recall": float(y[above].sum() / y.sum()), "pairs_above": int(above.sum())}
''', visible="ALL pairs"),
        Mistake("candidate thresholds taken from every weight, reviewed or not", '''
def choose_threshold(weights, is_match, min_precision):
    labelled = is_match.notna()
    w = weights[labelled].to_numpy(dtype=float)
    y = is_match[labelled].astype(bool).to_numpy()
    for t in np.unique(weights.to_numpy(dtype=float)):
        above = w >= t
        if y[above].mean() >= min_precision:
            return {"threshold": float(t), "precision": float(y[above].mean()),
                    "recall": float(y[above].sum() / y.sum()), "pairs_above": int((weights >= t).sum())}
'''),
        Mistake("precision strictly above the target ('at least' read as 'more than')", '''
def choose_threshold(weights, is_match, min_precision):
    labelled = is_match.notna()
    w = weights[labelled].to_numpy(dtype=float)
    y = is_match[labelled].astype(bool).to_numpy()
    for t in np.unique(w):
        above = w >= t
        if y[above].mean() > min_precision:
            return {"threshold": float(t), "precision": float(y[above].mean()),
                    "recall": float(y[above].sum() / y.sum()), "pairs_above": int((weights >= t).sum())}
'''),
        Mistake("scanned down from the largest weight, stopping where precision first drops", '''
def choose_threshold(weights, is_match, min_precision):
    labelled = is_match.notna()
    w = weights[labelled].to_numpy(dtype=float)
    y = is_match[labelled].astype(bool).to_numpy()
    best = None
    for t in np.unique(w)[::-1]:
        above = w >= t
        if y[above].mean() < min_precision:
            break
        best = {"threshold": float(t), "precision": float(y[above].mean()),
                "recall": float(y[above].sum() / y.sum()), "pairs_above": int((weights >= t).sum())}
    return best
'''),
    ],
    "ex7_answer": [
        Mistake("direct matches only (no transitivity)", '''
def cluster(record_ids, matches):
    both = pd.concat([matches.rename(columns={"record_id_a": "r", "record_id_b": "o"}),
                      matches.rename(columns={"record_id_b": "r", "record_id_a": "o"})])
    low = both.groupby("r")["o"].min()
    ids = pd.Series(record_ids.to_numpy(), index=record_ids.to_numpy())
    other = low.reindex(ids.index)
    return ids.where(other.isna() | (ids < other), other)
''', visible="direct matches"),
        Mistake("records in no match left out", '''
def cluster(record_ids, matches):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    ids = pd.Index(pd.unique(pd.concat([matches["record_id_a"], matches["record_id_b"]])))
    a, b = ids.get_indexer(matches["record_id_a"]), ids.get_indexer(matches["record_id_b"])
    comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids),) * 2), directed=False)[1]
    return pd.Series(ids.to_numpy(), index=ids).groupby(comp).transform("min")
''', visible="missing from the result"),
        Mistake("labels spread over the pairs twice (short chains only)", '''
def cluster(record_ids, matches):
    label = {r: r for r in record_ids}
    for _ in range(2):
        for a, b in zip(matches["record_id_a"], matches["record_id_b"]):
            label[a] = label[b] = min(label[a], label[b])
    return pd.Series(label)
'''),
        Mistake("clusters labelled by their component number, not their smallest record id", '''
def cluster(record_ids, matches):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    ids = pd.Index(record_ids)
    a, b = ids.get_indexer(matches["record_id_a"]), ids.get_indexer(matches["record_id_b"])
    comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids),) * 2), directed=False)[1]
    return pd.Series(comp.astype(str), index=ids)
'''),
    ],
    "ex8_answer": [
        Mistake("survivorship picks a missing value (latest row, whatever it holds)", '''
GOLDEN_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode", "city"]
def golden_records(keys, clusters):
    k = keys.assign(cluster=keys["record_id"].map(clusters)).sort_values("updated_at")
    out = k.drop_duplicates("cluster", keep="last").set_index("cluster")[GOLDEN_FIELDS]
    out["records"] = k.groupby("cluster").size()
    return out
''', visible="picked a missing value"),
        Mistake("oldest value instead of the latest", '''
GOLDEN_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode", "city"]
def golden_records(keys, clusters):
    k = keys.assign(cluster=keys["record_id"].map(clusters)).sort_values("updated_at")
    out = k.groupby("cluster")[GOLDEN_FIELDS].first()
    out["records"] = k.groupby("cluster").size()
    return out
''', visible="OLDEST"),
        Mistake("last name and city kept from the oldest record", '''
GOLDEN_FIELDS = ["first_name", "last_name", "email", "phone", "street", "postcode", "city"]
def golden_records(keys, clusters):
    k = keys.assign(cluster=keys["record_id"].map(clusters)).sort_values("updated_at")
    out = k.groupby("cluster")[GOLDEN_FIELDS].last()
    oldest = k.groupby("cluster")[["last_name", "city"]].first()
    out["last_name"], out["city"] = oldest["last_name"], oldest["city"]
    out["records"] = k.groupby("cluster").size()
    return out
'''),
        Mistake("last name and city left out", '''
GOLDEN_FIELDS = ["first_name", "email", "phone", "street", "postcode"]
def golden_records(keys, clusters):
    k = keys.assign(cluster=keys["record_id"].map(clusters)).sort_values("updated_at")
    out = k.groupby("cluster")[GOLDEN_FIELDS].last()
    out["records"] = k.groupby("cluster").size()
    return out
''', visible="missing column"),
    ],
    "ex9_answer": [
        Mistake("unreviewed records counted in the predicted clusters", '''
def evaluate(clusters, review):
    person = review.set_index("record_id")["person"]
    allr = pd.DataFrame({"record_id": clusters.index, "cluster": clusters.to_numpy()})
    allr["person"] = allr["record_id"].map(person)
    def pairs(s):
        return float((s * (s - 1) / 2).sum())
    tp = pairs(allr.dropna(subset=["person"]).groupby(["cluster", "person"]).size())
    p, r = tp / pairs(allr.groupby("cluster").size()), tp / pairs(review.groupby("person").size())
    rv = allr.dropna(subset=["person"])
    ov = rv.groupby(["cluster", "person"])["record_id"].transform("size")
    bp = float((ov / allr.groupby("cluster")["record_id"].transform("size")[rv.index]).mean())
    br = float((ov / rv.groupby("person")["record_id"].transform("size")).mean())
    return {"pairwise_precision": p, "pairwise_recall": r, "pairwise_f1": 2 * p * r / (p + r),
            "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": 2 * bp * br / (bp + br)}
''', visible="nobody reviewed"),
        Mistake("B-cubed averaged over clusters instead of records", '''
def evaluate(clusters, review):
    r = review.assign(cluster=review["record_id"].map(clusters))
    def pairs(s):
        return float((s * (s - 1) / 2).sum())
    tp = pairs(r.groupby(["cluster", "person"]).size())
    p, rc = tp / pairs(r.groupby("cluster").size()), tp / pairs(r.groupby("person").size())
    ov = r.groupby(["cluster", "person"])["record_id"].transform("size")
    r["bp"] = ov / r.groupby("cluster")["record_id"].transform("size")
    r["br"] = ov / r.groupby("person")["record_id"].transform("size")
    bp, br = float(r.groupby("cluster")["bp"].mean().mean()), float(r.groupby("person")["br"].mean().mean())
    return {"pairwise_precision": p, "pairwise_recall": rc, "pairwise_f1": 2 * p * rc / (p + rc),
            "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": 2 * bp * br / (bp + br)}
''', visible="mean over clusters"),
        Mistake("F1 as the arithmetic mean", '''
def evaluate(clusters, review):
    r = review.assign(cluster=review["record_id"].map(clusters))
    def pairs(s):
        return float((s * (s - 1) / 2).sum())
    tp = pairs(r.groupby(["cluster", "person"]).size())
    p, rc = tp / pairs(r.groupby("cluster").size()), tp / pairs(r.groupby("person").size())
    ov = r.groupby(["cluster", "person"])["record_id"].transform("size")
    bp = float((ov / r.groupby("cluster")["record_id"].transform("size")).mean())
    br = float((ov / r.groupby("person")["record_id"].transform("size")).mean())
    return {"pairwise_precision": p, "pairwise_recall": rc, "pairwise_f1": (p + rc) / 2,
            "bcubed_precision": bp, "bcubed_recall": br, "bcubed_f1": (bp + br) / 2}
''', visible="harmonic mean"),
    ],
}
