"""Vectorised sampling helpers shared by the world's generators."""

from __future__ import annotations

import numpy as np
import pandas as pd

US = 1_000_000  # microseconds per second

#: Relative order volume per calendar month (January sales, Black Friday, Christmas).
MONTH_WEIGHTS = np.array([1.10, 0.80, 0.85, 0.90, 0.95, 0.90, 1.00, 0.90, 0.95, 1.00, 1.50, 1.35])


def to_us(ts) -> np.ndarray:
    """Timestamps (scalar or array-like) as int64 microseconds since the epoch."""
    if isinstance(ts, pd.Timestamp):
        return np.int64(ts.value // 1000)
    return pd.DatetimeIndex(ts).as_unit("us").asi8


def from_us(us: np.ndarray) -> pd.Series:
    """int64 microseconds since the epoch as a ``datetime64[us]`` Series."""
    return pd.Series(np.asarray(us, dtype="int64").view("datetime64[us]"))


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


def pick(rng: np.random.Generator, values, n: int, weights=None) -> np.ndarray:
    """``n`` draws from ``values`` (optionally weighted), as a NumPy array."""
    values = np.asarray(values, dtype=object if isinstance(values[0], str) else None)
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return values[rng.choice(len(values), size=n, p=p)]


def digits(rng: np.random.Generator, n: int, width: int) -> pd.Series:
    """``n`` random zero-padded digit strings of ``width`` digits."""
    return pd.Series(rng.integers(0, 10**width, n)).astype(str).str.zfill(width)


def prefixed_ids(prefix: str, n: int, width: int, start: int = 1) -> pd.Series:
    """``prefix`` + zero-padded running numbers: ``CRM-000001``, ``CRM-000002``..."""
    return prefix + pd.Series(np.arange(start, start + n)).astype(str).str.zfill(width)
