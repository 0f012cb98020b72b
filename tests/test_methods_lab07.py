"""Lab 07's method references (``autograder/graders/lab07.py``) against the published test vectors
of the methods notes (shared/reference/methods-labs-05-15.md, lab 07) and their invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module


@pytest.fixture(scope="module")
def ref():
    return grading_module().grader_module("lab07")


def test_normal_quantile_without_scipy(ref):
    assert ref._z(0.95) == pytest.approx(1.959963984540054, abs=1e-12)
    assert ref._z(0.90) == pytest.approx(1.6448536269514722, abs=1e-12)


def test_nps_interval_matches_the_published_vector(ref):
    # n = 200: 90 promoters, 60 passives, 50 detractors -> NPS 20.0, 95% Wald CI [8.74, 31.26] (Rocks 2016 formula)
    nps = [10] * 45 + [9] * 45 + [8] * 30 + [7] * 30 + [6] * 20 + [3] * 30
    answers = pd.DataFrame({"nps": nps, "csat": [4] * 200, "ces": [5, 6] * 100})
    row = ref._scores_ref(answers).loc["nps"]
    assert row["estimate"] == pytest.approx(20.0)
    assert (round(row["low"], 2), round(row["high"], 2)) == (8.74, 31.26)
    # the wrong answers the notes list give other intervals
    p, d = 0.45, 0.25
    one_proportion = 1.96 * np.sqrt(0.2 * 0.8 / 200) * 100
    no_covariance = 1.96 * np.sqrt((p * (1 - p) + d * (1 - d)) / 200) * 100
    assert abs((row["high"] - row["estimate"]) - one_proportion) > 5
    assert abs((row["high"] - row["estimate"]) - no_covariance) > 1


def _seed_table_weights(ref):
    respondents, targets = ref._seed_respondents()
    w = ref._rake_ref(respondents, targets)
    fitted = w.groupby([respondents["row"], respondents["col"]]).sum().unstack()
    return respondents, targets, fitted * 1000 / fitted.to_numpy().sum()


def test_raking_fits_the_published_margins_exactly(ref):
    _, _, fitted = _seed_table_weights(ref)
    assert np.allclose(fitted.sum(axis=1), [150, 300, 400, 150], atol=1e-8)
    assert np.allclose(fitted.sum(axis=0), [200, 300, 400, 100], atol=1e-8)


def test_raking_keeps_every_cross_product_ratio_of_the_seed(ref):
    _, _, fitted = _seed_table_weights(ref)
    seed, table = ref._SEED.astype(float), fitted.to_numpy()
    assert seed[0, 0] * seed[1, 1] / (seed[0, 1] * seed[1, 0]) == pytest.approx(1.9048, abs=1e-4)
    for i in range(3):
        for j in range(3):
            before = seed[i, j] * seed[i + 1, j + 1] / (seed[i, j + 1] * seed[i + 1, j])
            after = table[i, j] * table[i + 1, j + 1] / (table[i, j + 1] * table[i + 1, j])
            assert after == pytest.approx(before, rel=1e-9)


def test_post_stratification_is_raking_with_one_margin(ref):
    respondents = pd.DataFrame({"segment": ["a"] * 6 + ["b"] * 3 + ["c"]})
    share = pd.Series({"a": 0.2, "b": 0.5, "c": 0.3})
    raked = ref._rake_ref(respondents, {"segment": share})
    sample = respondents["segment"].value_counts(normalize=True)
    direct = respondents["segment"].map(share / sample)
    assert np.allclose(raked, direct / direct.mean())


def test_rate_ratio_interval_on_the_log_scale(ref):
    # self-made: 30 late of 100 against 10 late of 100 -> ratio 3, se = sqrt(1/30 - 1/100 + 1/10 - 1/100)
    orders = pd.DataFrame({"order_id": range(200), "promised_delivery_date": pd.Timestamp("2025-01-10")})
    late = [True] * 30 + [False] * 70 + [True] * 10 + [False] * 90
    shipments = pd.DataFrame({"order_id": range(200), "carrier": ["X"] * 100 + ["Y"] * 100,
                              "delivered_at": [pd.Timestamp("2025-01-11 08:00") if x else pd.Timestamp("2025-01-10 20:00")
                                               for x in late]})
    got = ref._claim_ref(orders, shipments, {"factor": "carrier", "level": "X", "claimed_rate_ratio": 2.0})
    se = np.sqrt(1 / 30 - 1 / 100 + 1 / 10 - 1 / 100)
    assert got["rate_ratio"] == pytest.approx(3.0)
    assert got["low"] == pytest.approx(3 * np.exp(-1.959963984540054 * se))
    assert got["high"] == pytest.approx(3 * np.exp(1.959963984540054 * se))
    assert got["verdict"] == "undecided"


def test_due_dates_walk_the_calendar(ref):
    # Monday to Sunday of one week, at 23:59: Wed, Thu, Fri, Mon, Tue, Wed, Wed (17:00)
    opened = pd.date_range("2025-09-08 23:59", periods=7, freq="D")
    due = [ref._due(t) for t in opened]
    assert [str(d) for d in due] == ["2025-09-10 17:00:00", "2025-09-11 17:00:00", "2025-09-12 17:00:00",
                                     "2025-09-15 17:00:00", "2025-09-16 17:00:00", "2025-09-17 17:00:00",
                                     "2025-09-17 17:00:00"]
