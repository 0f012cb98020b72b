"""Identity-resolution reference pipeline, and its benchmark on worlds of growing size.

Run from the repository root::

    python benchmarks/identity.py                 # 1x, 10x and 100x worlds
    python benchmarks/identity.py --sizes 1,10    # smaller worlds only

For each size a world is built (seed 42) into a temporary folder; then the pipeline that
Lab 02 teaches runs on the four source systems and is scored against the answer key,
``source_identity``:

1. normalise names (nicknames to formal names), emails (case, ``+tags``, domain variants),
   phones (to E.164, using the city's calling code for national numbers), streets and postcodes;
2. block: candidate pairs are records that share a normalised email, a phone, or
   (last name, postcode), or (first name, last name, city);
3. score each candidate pair with Fellegi-Sunter weights (``log2(m/u)`` when a field agrees,
   ``log2((1-m)/(1-u))`` when it disagrees, 0 when either side is missing);
4. keep pairs at or above a weight threshold whose first names do not disagree (relatives
   share a surname, an address and sometimes a contact, so those fields' weights count the
   same evidence several times; the first name is what tells them apart), and cluster them
   into connected components;
5. pairwise precision, recall and F1 against every true pair (not only the blocked ones).

The pipeline lives here and not in ``cxlabs``: the package ships to learners, and this is
the lab's answer. See ``benchmarks/README.md`` for the budget.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

SOURCES = {"crm": "crm_contacts", "ecom": "ecom_accounts", "loyalty": "loyalty_members",
           "support": "support_contacts"}
FIELDS = ("first_name", "last_name", "email", "phone", "street", "postcode", "birth_year")
#: m = P(field agrees | same person), u = P(field agrees | different people), among pairs
#: where both values are present. Rounded from the clerical-review sample of the default world.
M_U = {
    "first_name": (0.95, 0.02),
    "last_name": (0.96, 0.01),
    "email": (0.88, 0.002),
    "phone": (0.90, 0.002),
    "street": (0.85, 0.001),
    "postcode": (0.87, 0.001),
    "birth_year": (0.99, 0.02),
}
BLOCKS = (("email",), ("phone",), ("last_name", "postcode"), ("first_name", "last_name", "city"))
THRESHOLD = 13.0  # total weight in bits: above two agreeing names (12.2 bits) alone


# ---- normalisation ---------------------------------------------------------------------------

def _vocabulary():
    from cxlabs.world import vocabulary as V

    nick = {n.lower(): f.lower() for f, ns in V.NICKNAMES.items() for n in ns
            if n not in V.FIRST_NAMES}
    canonical = {d for ds in V.EMAIL_DOMAINS.values() for d in ds}
    domains = {v: c for c, v in V.DOMAIN_VARIANTS.items() if v not in canonical}
    calling = {city.lower(): V.MARKETS[m][2] for m, cities in V.CITIES.items() for city in cities}
    streets = {a.lower(): s.lower() for s, a in V.STREET_ABBREVIATIONS.items()}
    return nick, domains, calling, streets


TEXT = ("first_name", "last_name", "email", "phone", "street", "city", "postcode")
FEW_VALUES = ("first_name", "last_name", "street", "city", "postcode")  # read as dictionaries


def load_keys(folder: Path) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Record ids, and every key as integer codes (equal normalised values, equal codes; -1
    where missing).

    Columns with few distinct values are read from Parquet as dictionaries (each distinct value
    once, rows as indices into it), so normalising touches each distinct value once; emails and
    phones, nearly all distinct, are normalised row by row with whole-column operations.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    tables = [pq.read_table(Path(folder) / f"{t}.parquet", columns=["record_id", *TEXT, "birth_year"],
                            read_dictionary=list(FEW_VALUES)).unify_dictionaries() for t in SOURCES.values()]
    ids = pd.concat([t.column("record_id").to_pandas() for t in tables], ignore_index=True)
    raw = {}
    for col in TEXT:  # row codes into one dictionary: the four tables' dictionaries one after another
        if col not in FEW_VALUES:  # nearly every value distinct: the column is its own dictionary
            values = pd.concat([t.column(col).to_pandas() for t in tables], ignore_index=True).astype("str")
            raw[col] = (np.where(values.notna().to_numpy(), np.arange(len(values)), -1), values)
            continue
        codes, values, offset = [], [], 0
        for t in tables:
            chunks = t.column(col).chunks
            for chunk in chunks:  # after unify_dictionaries every chunk shares one dictionary
                idx = pc.fill_null(chunk.indices, -1).to_numpy().astype(np.int64)
                codes.append(np.where(idx >= 0, idx + offset, -1))
            dictionary = chunks[0].dictionary if chunks else pa.array([], pa.string())
            values.append(dictionary.to_pandas())
            offset += len(dictionary)
        raw[col] = (np.concatenate(codes), pd.concat(values, ignore_index=True).astype("str"))
    birth = pd.concat([t.column("birth_year").to_pandas() for t in tables], ignore_index=True)
    return ids, normalise_codes(raw, birth.to_numpy(dtype=float, na_value=np.nan))


def _recode(codes: np.ndarray, normalised: pd.Series) -> np.ndarray:
    """Row codes into ``normalised`` (a normalised dictionary) -> codes of the normalised values."""
    new = pd.factorize(normalised)[0].astype(np.int64)
    return np.where(codes >= 0, new[np.maximum(codes, 0)], -1)


def normalise_codes(raw: dict[str, tuple[np.ndarray, pd.Series]], birth_year: np.ndarray) -> dict[str, np.ndarray]:
    """Normalise each dictionary (the lab's rules, column-wise on distinct values) and recode rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nick, domains, calling, streets = _vocabulary()
    out = {}
    first = raw["first_name"][1].str.strip().str.lower()
    out["first_name"] = _recode(raw["first_name"][0], first.map(lambda x: nick.get(x, x)))
    out["last_name"] = _recode(raw["last_name"][0], raw["last_name"][1].str.strip().str.lower())

    email = raw["email"][1].str.strip().str.lower().str.replace(r"\+[^@]*@", "@", regex=True)
    domain = email.str.replace(r"^[^@]*@", "", regex=True)
    variant = np.flatnonzero(domain.isin(list(domains)).to_numpy())  # few rows: fix them one by one
    email.iloc[variant] = [e.rsplit("@", 1)[0] + "@" + domains[d]
                           for e, d in zip(email.iloc[variant], domain.iloc[variant], strict=True)]
    out["email"] = _recode(raw["email"][0], email)

    street = raw["street"][1].str.strip().str.lower()
    kind = street.str.replace(r"^.* ", "", regex=True)
    street = street.str.replace(r" [^ ]*$", "", regex=True) + " " + kind.map(lambda k: streets.get(k, k))
    out["street"] = _recode(raw["street"][0], street)
    out["postcode"] = _recode(raw["postcode"][0], raw["postcode"][1].str.upper().str.replace(" ", "", regex=False))

    # Phones to E.164 as integers. National numbers need the calling code of the row's city.
    city_codes, cities = raw["city"]
    code_of_city = cities.str.strip().str.lower().map(calling).fillna("0").astype(np.int64).to_numpy()
    row_calling = np.where(city_codes >= 0, code_of_city[np.maximum(city_codes, 0)], 0)
    phone_codes, phones = raw["phone"]
    digits = phones.str.replace(r"\D", "", regex=True)
    number = pc.cast(pa.array(digits.fillna("0").array), pa.int64()).to_numpy()  # a trunk 0 falls away
    width = digits.str.len().fillna(0).to_numpy(dtype=np.int64)
    kind = np.select([phones.str.startswith("(").fillna(False).to_numpy(bool),
                      phones.str.startswith("0").fillna(False).to_numpy(bool)], [1, 2], 0)
    known = phone_codes >= 0
    pc_ = np.maximum(phone_codes, 0)
    value, k, w = number[pc_], kind[pc_], width[pc_]
    value = np.where(k == 1, 10 ** w + value, value)                     # US: prefix 1
    value = np.where(k == 2, row_calling * 10 ** (w - 1) + value, value)  # Europe: code, drop 0
    out["phone"] = np.where(known, pd.factorize(value)[0], -1).astype(np.int64)
    out["city"] = _recode(city_codes, cities.str.strip().str.lower())
    out["birth_year"] = np.where(np.isnan(birth_year), -1, np.nan_to_num(birth_year, nan=-1)).astype(np.int64)
    return out


def _pairs_within_groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All row pairs (a, b) with equal non-negative codes, without a merge: sort, then enumerate."""
    rows = np.flatnonzero(codes >= 0)
    order = rows[np.argsort(codes[rows], kind="stable")]
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    keep = sizes > 1
    starts, sizes = starts[keep], sizes[keep]
    if not len(starts):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # every position p of a group pairs with the positions after it in the group
    pos = _group_positions(starts, sizes)
    ends = np.repeat(starts + sizes, sizes - 1)
    partners = ends - pos - 1
    first = np.repeat(pos, partners)
    offset = np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners)
    second = first + 1 + offset
    return order[first], order[second]


def _group_positions(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Positions start .. start+size-2 of every group, concatenated (vectorised)."""
    counts = sizes - 1
    base = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return base + np.arange(counts.sum())


def candidate_pairs(codes: dict[str, np.ndarray], blocks=BLOCKS) -> pd.DataFrame:
    """Row pairs (a < b) that share every column of at least one block (all present)."""
    n = len(next(iter(codes.values())))
    found = []
    for block in blocks:
        combined = np.zeros(n, np.int64)
        missing = np.zeros(n, bool)
        for col in block:
            c = codes[col]
            missing |= c < 0
            combined = pd.factorize(combined * (int(c.max()) + 2) + c + 1)[0].astype(np.int64)
        combined[missing] = -1
        a, b = _pairs_within_groups(combined)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        found.append(lo * n + hi)
    code = np.sort(np.concatenate(found))  # sort, then drop repeats: faster than np.unique's hashing
    code = code[np.r_[True, code[1:] != code[:-1]]] if len(code) else code
    return pd.DataFrame({"a": code // n, "b": code % n})


def agreement(codes: dict[str, np.ndarray], pairs: pd.DataFrame, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether both values of ``field`` are present, and whether they are equal."""
    ca, cb = codes[field][pairs["a"].to_numpy()], codes[field][pairs["b"].to_numpy()]
    known = (ca >= 0) & (cb >= 0)
    return known, known & (ca == cb)


def match_weights(codes: dict[str, np.ndarray], pairs: pd.DataFrame, m_u=M_U) -> np.ndarray:
    """Fellegi-Sunter weight (bits) of each pair; a missing value on either side scores 0."""
    total = np.zeros(len(pairs))
    for field, (m, u) in m_u.items():
        known, agree = agreement(codes, pairs, field)
        total += np.where(agree, np.log2(m / u), np.where(known, np.log2((1 - m) / (1 - u)), 0.0))
    return total


def clusters(n: int, pairs: pd.DataFrame, matched: np.ndarray) -> np.ndarray:
    """Connected components of the matched pairs: one cluster label per row."""
    a, b = pairs["a"].to_numpy()[matched], pairs["b"].to_numpy()[matched]
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def pairwise_scores(predicted: np.ndarray, truth: np.ndarray) -> dict:
    """Pairwise precision, recall and F1 of a clustering against the true labels (all pairs)."""
    def pairs_within(labels: pd.Series) -> int:
        size = labels.value_counts().to_numpy()
        return int((size * (size - 1) // 2).sum())

    pred, true = pd.Series(predicted), pd.Series(truth)
    both = pairs_within(pd.Series(pd.factorize(pd.MultiIndex.from_arrays([pred, true]))[0]))
    p_pairs, t_pairs = pairs_within(pred), pairs_within(true)
    precision = both / p_pairs if p_pairs else 1.0
    recall = both / t_pairs if t_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": t_pairs}


def resolve(codes: dict[str, np.ndarray], threshold: float = THRESHOLD) -> tuple[np.ndarray, dict]:
    """Block, score, match and cluster: cluster labels per record, and counts along the way."""
    pairs = candidate_pairs(codes)
    weights = match_weights(codes, pairs)
    known, agree = agreement(codes, pairs, "first_name")
    matched = (weights >= threshold) & (agree | ~known)
    labels = clusters(len(codes["email"]), pairs, matched)
    return labels, {"pairs_compared": len(pairs), "pairs_matched": int(matched.sum())}


def evaluate_folder(folder: Path, threshold: float = THRESHOLD) -> dict:
    """Resolve the world in ``folder`` (timed, from reading the files) and score it against
    ``source_identity``."""
    t0, c0 = time.perf_counter(), time.process_time()
    ids, codes = load_keys(folder)
    t_load = time.perf_counter() - t0
    labels, counts = resolve(codes, threshold)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    truth = pd.read_parquet(Path(folder) / "source_identity.parquet", columns=["record_id", "customer_id"])
    owner = ids.to_frame("record_id").merge(truth, on="record_id", how="left")["customer_id"].to_numpy()
    return {"records": len(ids), **counts, **pairwise_scores(labels, owner),
            "seconds": seconds, "cpu_seconds": cpu, "load_seconds": t_load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,100", help="world sizes, multiples of 10,000 customers")
    args = parser.parse_args()
    from cxlabs.world import DEFAULT_CUSTOMERS, build_world

    print("Identity resolution: reference pipeline (budget: F1 >= 0.95 within 60 s at 100x)")
    header = ["size", "records", "pairs compared", "matched", "wall s", "CPU s", "precision", "recall",
              "F1", "budget"]
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="cxlabs-identity-") as tmp:
            build_world(Path(tmp) / "world", seed=42, customers=size * DEFAULT_CUSTOMERS)
            r = evaluate_folder(Path(tmp) / "world")
        ok = r["f1"] >= 0.95 and (size < 100 or r["seconds"] <= 60)
        rows.append([f"{size}x", f"{r['records']:,}", f"{r['pairs_compared']:,}", f"{r['pairs_matched']:,}",
                     f"{r['seconds']:.1f}", f"{r['cpu_seconds']:.1f}", f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}",
                     "yes" if ok else "NO"])
        print(f"  {size}x done: {r['seconds']:.1f} s (of which reading and normalising {r['load_seconds']:.1f} s)", flush=True)
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
