"""The world's vectorised building blocks give exactly what their slow, obvious versions give."""

from __future__ import annotations

import numpy as np
import pytest

from cxlabs.world.digital import _month_index
from cxlabs.world.sampling import DAY_US, stable_argsort


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("distinct", [1, 3, 50, 10**6, 10**15])
def test_stable_argsort_is_numpys_stable_argsort(seed, distinct):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, distinct, 20_000)  # from all ties to almost none
    assert np.array_equal(stable_argsort(values), np.argsort(values, kind="stable"))


def test_stable_argsort_keeps_ties_in_position_order_for_times():
    times = np.array(["2025-04-01T00:00", "2025-03-01", "2025-04-01T00:00", "2025-03-01"], dtype="datetime64[us]")
    assert stable_argsort(times).tolist() == [1, 3, 0, 2]


def test_stable_argsort_refuses_floats():
    with pytest.raises(TypeError, match="integers or times"):
        stable_argsort(np.array([0.5, np.nan]))


def test_month_index_counts_calendar_months_at_their_boundaries():
    first = np.datetime64("2024-01", "M")
    days = np.array(["2024-01-01", "2024-01-31", "2024-02-01", "2024-02-29", "2024-03-01", "2025-12-31"],
                    dtype="datetime64[D]").astype(np.int64)
    at = np.sort(np.r_[days * DAY_US, days * DAY_US + DAY_US - 1])  # first and last microsecond of each day
    expected = (at // DAY_US).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - first.astype(np.int64)
    assert np.array_equal(_month_index(at, first), expected)
