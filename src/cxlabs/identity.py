"""Given helpers for Lab 02 (identity resolution): reference lists, blocking and comparing.

These are the plumbing of record linkage, not its decisions: the lab's exercises normalise
the keys, choose the rules, blocks, weights and threshold, cluster and evaluate.

>>> import pandas as pd
>>> from cxlabs import identity
>>> keys = pd.DataFrame({"record_id": ["A-1", "B-7", "C-3"],
...                      "email": ["ann@x.com", "ann@x.com", None]})
>>> identity.candidate_pairs(keys, [("email",)])
  record_id_a record_id_b
0         A-1         B-7
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxlabs.world import vocabulary as V

__all__ = ["SOURCES", "reference_lists", "load_records", "candidate_pairs", "compare", "label_pairs"]

#: Source system -> its table.
SOURCES = {"crm": "crm_contacts", "ecom": "ecom_accounts", "loyalty": "loyalty_members",
           "support": "support_contacts"}


def reference_lists() -> dict[str, dict[str, str]]:
    """Lookup lists a data team keeps for normalising customer records (all keys lower case).

    Returns
    -------
    dict
        ``"nicknames"``: nickname -> formal first name (``"bill"`` -> ``"william"``);
        ``"email_domains"``: domain variant -> canonical domain (``"googlemail.com"`` ->
        ``"gmail.com"``); ``"calling_codes"``: city -> country calling code, without the
        plus (``"london"`` -> ``"44"``); ``"street_types"``: abbreviation -> full street type
        (``"rd"`` -> ``"road"``).

    Examples
    --------
    >>> reference_lists()["calling_codes"]["paris"]
    '33'
    """
    canonical = {d for ds in V.EMAIL_DOMAINS.values() for d in ds}
    return {
        "nicknames": {n.lower(): f.lower() for f, ns in V.NICKNAMES.items() for n in ns
                      if n not in V.FIRST_NAMES},
        "email_domains": {v: c for c, v in V.DOMAIN_VARIANTS.items() if v not in canonical},
        "calling_codes": {c.lower(): V.MARKETS[m][2] for m, cities in V.CITIES.items() for c in cities},
        "street_types": {a.lower(): s.lower() for s, a in V.STREET_ABBREVIATIONS.items()},
    }


def load_records() -> pd.DataFrame:
    """The four source systems' records in one frame, with a ``system`` column first.

    Examples
    --------
    >>> records = load_records()            # doctest: +SKIP
    >>> records["system"].value_counts()    # doctest: +SKIP
    """
    import cxlabs

    frames = [cxlabs.load(table).assign(system=system) for system, table in SOURCES.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["system"] + [c for c in out.columns if c != "system"]]


def _need(frame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} should be a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} has no column(s) {missing}; it has {list(frame.columns)}")


def candidate_pairs(keys: pd.DataFrame, blocks: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Pairs of records that share every column of at least one blocking key.

    Parameters
    ----------
    keys : DataFrame
        One row per record, with ``record_id`` and the key columns (already normalised).
        A record with a missing value in a block's column is not blocked on that block.
    blocks : list of tuples of column names
        Each block is one blocking key, e.g. ``[("email",), ("last_name", "postcode")]``.

    Returns
    -------
    DataFrame
        ``record_id_a``, ``record_id_b`` (``a < b``), one row per pair, sorted.

    Examples
    --------
    >>> keys = pd.DataFrame({"record_id": ["a", "b", "c"], "postcode": ["N1", "N1", "N1"]})
    >>> len(candidate_pairs(keys, [("postcode",)]))
    3
    """
    blocks = [tuple(b) if not isinstance(b, str) else (b,) for b in blocks]
    _need(keys, ["record_id", *{c for b in blocks for c in b}], "keys")
    ids = keys["record_id"].to_numpy()
    n = len(keys)
    found = [np.empty(0, np.int64)]
    for block in blocks:
        cols = list(block)
        rows = np.flatnonzero(keys[cols].notna().all(axis=1).to_numpy())
        groups = keys.iloc[rows].groupby(cols, sort=False, observed=True).ngroup().to_numpy()
        frame = pd.DataFrame({"g": groups, "r": rows})
        pairs = frame.merge(frame, on="g")
        pairs = pairs[pairs["r_x"] != pairs["r_y"]]
        a, b = pairs["r_x"].to_numpy(), pairs["r_y"].to_numpy()
        first = ids[a] < ids[b]
        found.append(np.where(first, a, b).astype(np.int64) * n + np.where(first, b, a))
    code = np.sort(np.concatenate(found))  # sort, then drop repeats: faster than np.unique's hashing
    code = code[np.r_[True, code[1:] != code[:-1]]] if len(code) else code
    out = pd.DataFrame({"record_id_a": ids[code // n], "record_id_b": ids[code % n]})
    return out.sort_values(["record_id_a", "record_id_b"], ignore_index=True)


def compare(keys: pd.DataFrame, pairs: pd.DataFrame, fields: Sequence[str]) -> pd.DataFrame:
    """Whether each pair agrees on each field: True, False, or missing (``<NA>``).

    A field is missing for a pair when either record lacks it: there is no evidence either way.

    Returns
    -------
    DataFrame
        ``record_id_a``, ``record_id_b``, then one nullable-boolean column per field.

    Examples
    --------
    >>> keys = pd.DataFrame({"record_id": ["a", "b"], "email": ["x@y.com", None]})
    >>> pairs = pd.DataFrame({"record_id_a": ["a"], "record_id_b": ["b"]})
    >>> compare(keys, pairs, ["email"])["email"].isna().all()
    np.True_
    """
    fields = list(fields)
    _need(keys, ["record_id", *fields], "keys")
    _need(pairs, ["record_id_a", "record_id_b"], "pairs")
    pos = pd.Index(keys["record_id"])
    a, b = pos.get_indexer(pairs["record_id_a"]), pos.get_indexer(pairs["record_id_b"])
    if (a < 0).any() or (b < 0).any():
        raise KeyError("some record ids in pairs are not in keys")
    out = pairs[["record_id_a", "record_id_b"]].reset_index(drop=True)
    for field in fields:
        codes = pd.factorize(keys[field])[0]
        ca, cb = codes[a], codes[b]
        known = (ca >= 0) & (cb >= 0)
        out[field] = pd.arrays.BooleanArray(ca == cb, ~known)
    return out


def label_pairs(pairs: pd.DataFrame, review: pd.DataFrame) -> pd.Series:
    """For each pair, the clerical reviewers' verdict: True (same person), False, or ``<NA>``.

    ``<NA>`` when either record is outside the review sample.

    Examples
    --------
    >>> review = pd.DataFrame({"record_id": ["a", "b", "c"], "person": [1, 1, 2]})
    >>> pairs = pd.DataFrame({"record_id_a": ["a", "a", "a"], "record_id_b": ["b", "c", "z"]})
    >>> label_pairs(pairs, review).tolist()
    [True, False, <NA>]
    """
    _need(pairs, ["record_id_a", "record_id_b"], "pairs")
    _need(review, ["record_id", "person"], "review")
    person = review.set_index("record_id")["person"]
    pa_, pb = pairs["record_id_a"].map(person), pairs["record_id_b"].map(person)
    known = (pa_.notna() & pb.notna()).to_numpy()
    return pd.Series(pd.arrays.BooleanArray((pa_ == pb).fillna(False).to_numpy(bool), ~known),
                     index=pairs.index, name="is_match")
