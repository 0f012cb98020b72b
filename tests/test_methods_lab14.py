"""Lab 14's method references (autograder/graders/lab14.py) against the published test vectors of
the methods file (shared/reference/methods-labs-05-15.md, "Lab 14"): the PSI (and its identity with
the symmetric KL divergence), the two-sample KS test, the four-fifths ratio; and the rule the
mutation grading runs, against the given rule."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module
from scipy import stats

from cxlabs.decision_rule import decide


@pytest.fixture(scope="module")
def ref():
    grading_module()
    from grading import grader_module

    return grader_module("lab14")


def test_psi_vector_and_jeffreys_identity(ref):
    # [self-made] expected [0.25]*4, actual [0.10, 0.20, 0.30, 0.40] -> 0.2282
    e, a = [0.25] * 4, [0.10, 0.20, 0.30, 0.40]
    assert ref.psi_from_shares(e, a) == pytest.approx(0.2282, abs=1e-4)
    jeffreys = stats.entropy(a, e) + stats.entropy(e, a)
    assert ref.psi_from_shares(e, a) == pytest.approx(jeffreys)
    assert ref.PSI_MODERATE < ref.psi_from_shares(e, a) < ref.PSI_MAJOR   # "moderate" under 0.10/0.25


def test_psi_on_samples_reproduces_the_vector(ref):
    # A baseline 0..99 has deciles 9.9, 19.8, ...: the sample route gives the share route's value.
    baseline = pd.Series(np.arange(100, dtype=float))
    assert ref.psi_ref(baseline, baseline) == pytest.approx(0.0)
    # current: 10% in the first decile, 20% in the second, 30% in the third, 40% in the fourth
    current = pd.Series(np.r_[np.full(10, 5.0), np.full(20, 15.0), np.full(30, 25.0), np.full(40, 35.0)])
    e = np.full(10, 0.1)
    a = np.r_[[0.1, 0.2, 0.3, 0.4], np.zeros(6)]
    assert ref.psi_ref(baseline, current) == pytest.approx(ref.psi_from_shares(e, a))


def test_ks_vector(ref):
    # [computed, exact] ks_2samp([1,2,3],[4,5,6]) -> D = 1.0, p = 0.1
    recs = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01"] * 3), "x": [1, 2, 3, 4, 5, 6.0]})
    out = ref.ks_ref(recs, "x", [pd.Timestamp("2024-01-01")])
    assert out["ks"].iloc[0] == pytest.approx(1.0) and out["p_value"].iloc[0] == pytest.approx(0.1)


def test_four_fifths_vector(ref):
    # [self-made, 29 CFR 1607.4(D)] 400/600 vs 200/400 selected -> 0.50/0.667 = 0.75 < 0.8
    m = pd.Timestamp("2025-01-01")
    recs = pd.DataFrame({"month": [m] * 1000, "g": ["a"] * 600 + ["b"] * 400,
                         "decision": ["approve"] * 400 + ["decline"] * 200 + ["approve"] * 200 + ["refer"] * 200})
    out = ref.selection_ref(recs, "g")
    assert out.loc[(m, "b"), "impact_ratio"] == pytest.approx(0.75)
    assert out.loc[(m, "b"), "impact_ratio"] < ref.FOUR_FIFTHS


def test_auc_from_ranks_matches_sklearn(ref):
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    score = np.round(rng.random(300), 1)   # many ties
    bad = rng.random(300) < 0.3
    recs = pd.DataFrame({"month": pd.Timestamp("2025-01-01"), "score": score,
                         "delinquent_3m": pd.array(bad, dtype="boolean")})
    out = ref.performance_ref(recs)
    assert out["auc"].iloc[0] == pytest.approx(roc_auc_score(~bad, score))


def test_graders_rule_is_the_given_rule_and_every_mutant_differs(ref):
    grid = itertools.product((0.0, 0.7, 0.72, 0.75, 0.8, 0.82, 0.85, 0.9), (100.0, 2500.0, 2500.5),
                             (None, 0, 2, 3), (False, True), (0, 90, 91))
    rows = list(grid)
    for r in rows:
        assert ref.rule(*r) == decide(*r), r
    for clause, fault in ref.MUTANTS:
        assert any(ref.rule(*r, **fault) != decide(*r) for r in rows), clause


def test_given_rule_is_monotone_in_the_score():
    """A property of the policy (the methods file: Hypothesis for properties): with everything else
    fixed, a higher score never gets a worse decision."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    rank = {"decline": 0, "refer": 1, "approve": 2}

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 5000), st.one_of(st.none(), st.integers(0, 6)),
                      st.booleans(), st.integers(0, 400))
    def monotone(s1, s2, basket, missed, collections, age):
        low, high = sorted((s1, s2))
        assert rank[decide(low, basket, missed, collections, age)] <= rank[decide(high, basket, missed, collections, age)]

    monotone()


def test_given_rule_is_monotone_in_the_score_on_a_grid():
    """The same property on a grid, for machines without Hypothesis."""
    rank = {"decline": 0, "refer": 1, "approve": 2}
    scores = np.round(np.linspace(0, 1, 201), 3)
    for basket, missed, collections, age in itertools.product((100.0, 2500.0, 2600.0), (None, 0, 2, 3),
                                                               (False, True), (0, 90, 91)):
        ranks = [rank[decide(s, basket, missed, collections, age)] for s in scores]
        assert ranks == sorted(ranks), (basket, missed, collections, age)
