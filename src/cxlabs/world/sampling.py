"""Vectorised sampling and text helpers shared by the world's generators.

Speed rules the generators follow (the world has tens of millions of rows at 100x size):

* Draw categories as integer codes (:func:`choose`) and compute with the codes; turn them
  into text once, at the end, with :func:`text` (a ``take`` from a small vocabulary).
* Build text with :func:`join`, :func:`number_text` and :func:`where`, which run in Arrow,
  instead of Python loops, object arrays or ``np.where``/``np.select`` over strings.
* Times are int64 microseconds since the epoch (:func:`to_us`, :func:`from_us`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

US = 1_000_000  # microseconds per second
DAY_US = 86_400 * US  # microseconds per day
#: int64 value that ``from_us`` turns into NaT (a missing time).
NAT = np.iinfo(np.int64).min

#: Relative order volume per calendar month (January sales, Black Friday, Christmas).
MONTH_WEIGHTS = np.array([1.10, 0.80, 0.85, 0.90, 0.95, 0.90, 1.00, 0.90, 0.95, 1.00, 1.50, 1.35])


# ---- times ---------------------------------------------------------------------------------

def to_us(ts) -> np.ndarray:
    """Timestamps (scalar or array-like) as int64 microseconds since the epoch."""
    if isinstance(ts, pd.Timestamp):
        return np.int64(ts.value // 1000)
    return pd.DatetimeIndex(ts).as_unit("us").asi8


def from_us(us: np.ndarray) -> pd.Series:
    """int64 microseconds since the epoch as a ``datetime64[us]`` Series (``NAT`` is missing)."""
    return pd.Series(np.asarray(us, dtype="int64").view("datetime64[us]"), copy=False)


def month_day(us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar month (1-12) and day of month (1-31) of times in microseconds."""
    days = (np.asarray(us) // DAY_US).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    return months.astype("int64") % 12 + 1, (days - months.astype("datetime64[D]")).astype("int64") + 1


def seasonal_days(rng: np.random.Generator, n: int, start: pd.Timestamp, end: pd.Timestamp,
                  growth: float = 0.15) -> np.ndarray:
    """Draw ``n`` days (as datetime64[D]) between start and end, weighted by season and growth."""
    days = pd.date_range(start.normalize(), end.normalize(), freq="D")
    w = MONTH_WEIGHTS[days.month - 1] * (1 + growth * np.linspace(0, 1, len(days)))
    w = w * np.where(days.day_of_week >= 5, 1.15, 1.0)
    idx = rng.choice(len(days), size=n, p=w / w.sum())
    return days.values.astype("datetime64[D]")[idx]


def time_of_day_us(rng: np.random.Generator, n: int, peak_hour: float = 13.0,
                   spread: float = 4.0) -> np.ndarray:
    """Seconds into the day, in microseconds, clustered around business hours."""
    hours = np.clip(rng.normal(peak_hour, spread, n), 0, 23.99)
    return (hours * 3600 * US).astype("int64")


# ---- categories as codes -------------------------------------------------------------------

def choose(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """``n`` codes in ``0 .. len(weights) - 1``, drawn with the (unnormalised) ``weights``."""
    p = np.asarray(weights, float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def pick(rng: np.random.Generator, values: Sequence[str], n: int, weights=None) -> pd.Series:
    """``n`` draws from the text ``values`` (optionally weighted), as a ``str`` Series."""
    codes = rng.integers(0, len(values), n) if weights is None else choose(rng, n, weights)
    return text(values, codes)


def codes_of(s: pd.Series, vocab: Sequence[str]) -> np.ndarray:
    """Position of each value of the text column ``s`` in ``vocab`` (-1: missing or not in it)."""
    idx = pc.index_in(_arrow(s), value_set=pa.array(list(vocab), pa.large_string()))
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def stable_argsort(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for integer or time ``values`` with few ties, about
    twice as fast: an unstable sort, then each run of equal values put back in position order.

    Examples
    --------
    >>> stable_argsort(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 4, 3, 0, 2]
    """
    values = np.asarray(values)
    if values.dtype.kind not in "iuM":
        raise TypeError(f"stable_argsort sorts integers or times, not {values.dtype}")
    order = np.argsort(values)
    ranked = values[order]
    tie = np.flatnonzero(ranked[1:] == ranked[:-1])
    if len(tie):
        tied = np.unique(np.r_[tie, tie + 1])  # positions (in sorted order) inside runs of ties
        order[tied] = order[tied][np.lexsort((order[tied], ranked[tied]))]
    return order


# ---- text columns --------------------------------------------------------------------------

def text(values, codes: np.ndarray) -> pd.Series:
    """The ``str`` column ``values[codes]``; code -1 gives a missing value.

    ``values`` is a vocabulary (a sequence of strings) or a text Series.
    """
    codes = np.asarray(codes)
    array = values.array if isinstance(values, pd.Series) else pd.array(list(values), dtype="str")
    return pd.Series(array.take(codes, allow_fill=bool((codes < 0).any())))


def patch(values, codes: np.ndarray, rows: np.ndarray, new) -> pd.Series:
    """``text(values, codes)``, except that row ``rows[i]`` holds ``new[i]``.

    The new values are appended to ``values`` and those rows' codes point at them, which is
    cheaper than building the column and then replacing rows.
    """
    codes = np.array(codes, copy=True)
    codes[rows] = len(values) + np.arange(len(rows))
    if isinstance(values, pd.Series) or isinstance(new, pd.Series):
        values = pd.concat([pd.Series(values, dtype="str"), pd.Series(new, dtype="str")], ignore_index=True)
    else:
        values = tuple(values) + tuple(new)
    return text(values, codes)


def number_text(values: np.ndarray, width: int = 0) -> pd.Series:
    """Integers as text, zero-padded to ``width`` digits."""
    out = pc.cast(pa.array(np.asarray(values, dtype="int64")), pa.large_string())
    if width:
        out = pc.utf8_lpad(out, width=width, padding="0")
    return _series(out)


def digits(rng: np.random.Generator, n: int, width: int) -> pd.Series:
    """``n`` random zero-padded digit strings of ``width`` digits."""
    return number_text(rng.integers(0, 10**width, n), width)


def prefixed_ids(prefix: str, n: int, width: int, start: int = 1) -> pd.Series:
    """``prefix`` + zero-padded running numbers: ``CRM-000001``, ``CRM-000002``..."""
    return join(prefix, number_text(np.arange(start, start + n), width))


def join(*parts) -> pd.Series:
    """Element-wise concatenation of text Series and plain strings (missing if any part is)."""
    arrays = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else _arrow(p) for p in parts]
    return _series(pc.binary_join_element_wise(*arrays, pa.scalar("", pa.large_string())))


def where(cond: np.ndarray, a, b) -> pd.Series:
    """Text ``a`` where ``cond`` holds, else ``b`` (each a text Series, a string or None)."""
    def arrow(x):
        return pa.scalar(x, pa.large_string()) if x is None or isinstance(x, str) else _arrow(x)
    return _series(pc.if_else(pa.array(np.asarray(cond, bool)), arrow(a), arrow(b)))


def blank(s: pd.Series, missing: np.ndarray) -> pd.Series:
    """``s`` with the rows where ``missing`` holds set to missing."""
    return where(missing, None, s)


def _arrow(s) -> pa.Array:
    """The Arrow array behind a text Series (or array-like of strings)."""
    arr = pa.array(s.array if isinstance(s, pd.Series) else s, type=pa.large_string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _series(arr) -> pd.Series:
    return pd.Series(pd.array(arr, dtype="str"))
