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
THRESHOLD = 8.0  # total weight in bits


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


def load_records(folder: Path | None = None) -> pd.DataFrame:
    """The four source systems in one frame, with a ``system`` column."""
    import cxlabs

    def read(name):
        if folder is None:
            return cxlabs.load(name)
        return pd.read_parquet(Path(folder) / f"{name}.parquet")

    frames = [read(table).assign(system=system) for system, table in SOURCES.items()]
    return pd.concat(frames, ignore_index=True)


def normalise(records: pd.DataFrame) -> pd.DataFrame:
    """Comparable keys for every record (same index), missing values kept missing."""
    nick, domains, calling, streets = _vocabulary()
    out = pd.DataFrame(index=records.index)
    first = records["first_name"].str.strip().str.lower()
    out["first_name"] = first.replace(nick)
    out["last_name"] = records["last_name"].str.strip().str.lower()

    email = records["email"].str.strip().str.lower()
    parts = email.str.split("@", n=1, expand=True)
    local = parts[0].str.split("+", n=1).str[0]
    domain = parts[1].replace(domains)
    out["email"] = local + "@" + domain

    raw = records["phone"]
    digits = raw.str.replace(r"\D", "", regex=True)
    city = records["city"].str.strip().str.lower()
    code = city.map(calling)
    us_national = raw.str.startswith("(")
    trunk = raw.str.startswith("0")
    e164 = digits.where(~us_national, "1" + digits)
    e164 = e164.where(~trunk, code + digits.str[1:])
    out["phone"] = "+" + e164

    street = records["street"].str.strip().str.lower()
    kind = street.str.rsplit(" ", n=1).str[-1]
    out["street"] = street.str.rsplit(" ", n=1).str[0] + " " + kind.replace(streets)
    out["postcode"] = records["postcode"].str.upper().str.replace(" ", "", regex=False)
    out["city"] = city
    out["birth_year"] = records["birth_year"]
    return out


# ---- blocking, scoring, clustering -----------------------------------------------------------

def candidate_pairs(keys: pd.DataFrame, blocks=BLOCKS) -> pd.DataFrame:
    """Row pairs (a < b, positions in ``keys``) that share every column of at least one block."""
    found = []
    for block in blocks:
        cols = list(block)
        present = keys[cols].notna().all(axis=1).to_numpy()
        rows = np.flatnonzero(present)
        codes = keys.iloc[rows].groupby(cols, sort=False, observed=True).ngroup().to_numpy()
        order = np.argsort(codes, kind="stable")
        rows, codes = rows[order], codes[order]
        frame = pd.DataFrame({"g": codes, "r": rows})
        pairs = frame.merge(frame, on="g")
        pairs = pairs[pairs["r_x"] < pairs["r_y"]]
        found.append(pairs["r_x"].to_numpy() * len(keys) + pairs["r_y"].to_numpy())
    code = np.unique(np.concatenate(found))
    return pd.DataFrame({"a": code // len(keys), "b": code % len(keys)})


def agreement(keys: pd.DataFrame, pairs: pd.DataFrame, field: str) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether both values of ``field`` are present, and whether they are equal."""
    codes = pd.factorize(keys[field], use_na_sentinel=True)[0]
    ca, cb = codes[pairs["a"].to_numpy()], codes[pairs["b"].to_numpy()]
    known = (ca >= 0) & (cb >= 0)
    return known, known & (ca == cb)


def match_weights(keys: pd.DataFrame, pairs: pd.DataFrame, m_u=M_U) -> np.ndarray:
    """Fellegi-Sunter weight (bits) of each pair; a missing value on either side scores 0."""
    total = np.zeros(len(pairs))
    for field, (m, u) in m_u.items():
        known, agree = agreement(keys, pairs, field)
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


def resolve(records: pd.DataFrame, threshold: float = THRESHOLD) -> tuple[np.ndarray, dict]:
    """Run the whole pipeline: cluster labels per record, and counts along the way."""
    keys = normalise(records)
    pairs = candidate_pairs(keys)
    weights = match_weights(keys, pairs)
    known, agree = agreement(keys, pairs, "first_name")
    matched = (weights >= threshold) & (agree | ~known)
    labels = clusters(len(records), pairs, matched)
    return labels, {"pairs_compared": len(pairs), "pairs_matched": int(matched.sum())}


def evaluate_folder(folder: Path) -> dict:
    """Resolve the world in ``folder`` and score it against ``source_identity``."""
    t0 = time.perf_counter()
    records = load_records(folder)
    t_load = time.perf_counter() - t0
    labels, counts = resolve(records)
    seconds = time.perf_counter() - t0
    truth = pd.read_parquet(Path(folder) / "source_identity.parquet", columns=["record_id", "customer_id"])
    owner = records[["record_id"]].merge(truth, on="record_id", how="left")["customer_id"].to_numpy()
    return {"records": len(records), **counts, **pairwise_scores(labels, owner),
            "seconds": seconds, "load_seconds": t_load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,100", help="world sizes, multiples of 10,000 customers")
    args = parser.parse_args()
    from cxlabs.world import DEFAULT_CUSTOMERS, build_world

    print("Identity resolution: reference pipeline (budget: F1 >= 0.95 within 60 s at 100x)")
    header = ["size", "records", "pairs compared", "matched", "wall s", "precision", "recall", "F1",
              "budget"]
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="cxlabs-identity-") as tmp:
            build_world(Path(tmp) / "world", seed=42, customers=size * DEFAULT_CUSTOMERS)
            r = evaluate_folder(Path(tmp) / "world")
        ok = r["f1"] >= 0.95 and (size < 100 or r["seconds"] <= 60)
        rows.append([f"{size}x", f"{r['records']:,}", f"{r['pairs_compared']:,}", f"{r['pairs_matched']:,}",
                     f"{r['seconds']:.1f}", f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}",
                     "yes" if ok else "NO"])
        print(f"  {size}x done: {r['seconds']:.1f} s (of which reading {r['load_seconds']:.1f} s)", flush=True)
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
